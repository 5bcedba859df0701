//! `cargo xtask dist`: the archive a self-hoster copies to a server.
//!
//! `bookmate-<version>-<arch>-linux/` holds the server binary (`bookmate`)
//! with the `hash.txt` Leptos reads beside it, the site's files (`site/`,
//! with brotli and gzip copies in a release), the example environment file
//! and the hardened systemd unit from `dist/`, and the README. The README's
//! "Running it in production" walks through installing it.

use std::{fs, path::PathBuf};

use super::{cargo_leptos, root, status, step, Result};

/// Builds the site and the server for release, then packs them.
pub fn dist() -> Result<PathBuf> {
    step(
        "building the site and the server for release",
        &mut cargo_leptos(&["build", "--release", "--precompress"]),
    )?;
    pack(true)
}

/// Packs the last build of a profile: `release: false` packs the one the
/// browser tests just made, for the archive's own test
/// (`xtask/tests/release_archive.rs`), without building again.
pub fn pack(release: bool) -> Result<PathBuf> {
    let profile = if release { "release" } else { "debug" };
    let binaries = target_dir().join(profile);
    let name = format!("bookmate-{}-{}-linux", env!("CARGO_PKG_VERSION"), std::env::consts::ARCH);
    let out = target_dir().join("dist").join(profile);
    let staging = out.join(&name);
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .map_err(|error| format!("could not create {}: {error}", staging.display()))?;

    let copy = |from: PathBuf, to: &str| {
        fs::copy(&from, staging.join(to))
            .map(drop)
            .map_err(|error| format!("could not copy {}: {error}", from.display()))
    };
    copy(binaries.join("server"), "bookmate")?;
    copy(binaries.join("hash.txt"), "hash.txt")?;
    copy(root().join("dist/bookmate.env"), "bookmate.env")?;
    copy(root().join("dist/bookmate.service"), "bookmate.service")?;
    copy(root().join("README.md"), "README.md")?;
    status(
        std::process::Command::new("cp").arg("-r").arg(root().join("target/site")).arg(staging.join("site")),
    )?;

    let archive = out.join(format!("{name}.tar.gz"));
    status(std::process::Command::new("tar").arg("-czf").arg(&archive).arg("-C").arg(&out).arg(&name))?;
    println!("xtask: the archive is {}", archive.display());
    Ok(archive)
}

/// Where cargo builds: `CARGO_TARGET_DIR`, else the workspace's `target/`.
/// (cargo-leptos keeps the site in the workspace's `target/site` either way.)
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}
