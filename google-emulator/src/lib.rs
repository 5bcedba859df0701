//! Placeholder; overwritten by the emulator crate.
