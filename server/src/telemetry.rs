//! Logging: `tracing` to standard error, filtered by `RUST_LOG`.

use tracing_subscriber::{layer::SubscriberExt as _, util::SubscriberInitExt as _, EnvFilter};

/// Installs the global subscriber. Later calls (tests that build several
/// applications in one process) keep the first one.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false))
        .try_init();
}

/// Whether a `RUST_LOG` value parses, checked with the rest of the
/// configuration so a typo stops start-up instead of silencing the logs.
pub fn is_valid_filter(filter: &str) -> bool {
    EnvFilter::try_new(filter).is_ok()
}
