//! The names the site's files are served under. With `LEPTOS_HASH_FILES=true`
//! (set by `cargo xtask` for every build it makes; `cargo leptos watch` keeps
//! plain names, as it does not rename what it rebuilds), cargo-leptos renames
//! the stylesheet, the JS and the WASM after their contents
//! (`bookmate.<hash>.css`) and lists the hashes in `hash.txt` beside the
//! server binary. A name then never changes meaning, so the server lets
//! browsers keep `/pkg/` files a year without asking again
//! (`server/src/site_files.rs`), and a repeat visit downloads the page alone.

use std::path::PathBuf;

use leptos::prelude::LeptosOptions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteAssets {
    /// The stylesheet's address, `/pkg/bookmate.<hash>.css` when hashed.
    pub stylesheet: String,
    /// The islands' JS, `/pkg/bookmate.<hash>.js` when hashed, loaded by
    /// `island_loader` on pages that have islands.
    pub script: String,
    /// The islands' WASM, which that script instantiates.
    pub wasm: String,
    /// Whether the files under `/pkg/` are named after their contents.
    pub hashed: bool,
}

impl SiteAssets {
    /// Read once at start-up. A hash file that is missing or names no
    /// stylesheet leaves the plain names, which are then never cached long.
    pub fn read(options: &LeptosOptions) -> Self {
        let pkg = format!("/{}/{}", options.site_pkg_dir, options.output_name);
        // Without LEPTOS_OUTPUT_NAME at build time (a build outside
        // cargo-leptos), wasm-bindgen's own `_bg` name, as Leptos has it.
        let plain_wasm = if option_env!("LEPTOS_OUTPUT_NAME").is_some() { "" } else { "_bg" };
        let plain = Self {
            stylesheet: format!("{pkg}.css"),
            script: format!("{pkg}.js"),
            wasm: format!("{pkg}{plain_wasm}.wasm"),
            hashed: false,
        };
        if !options.hash_files {
            return plain;
        }
        let path = hash_file_path(options);
        let listing = match std::fs::read_to_string(&path) {
            Ok(listing) => listing,
            Err(error) => {
                tracing::error!(%error, path = %path.display(), "file hashing is on but the hash file is unreadable");
                return plain;
            }
        };
        match (hash_of(&listing, "css"), hash_of(&listing, "js"), hash_of(&listing, "wasm")) {
            (Some(css), Some(js), Some(wasm)) => Self {
                stylesheet: format!("{pkg}.{css}.css"),
                script: format!("{pkg}.{js}.js"),
                wasm: format!("{pkg}.{wasm}.wasm"),
                hashed: true,
            },
            _ => {
                tracing::error!(path = %path.display(), "the hash file lacks the stylesheet's, the script's or the WASM's hash");
                plain
            }
        }
    }
}

/// Where Leptos looks for it: beside the running binary (an absolute name
/// stands on its own, as `Path::join` has it).
fn hash_file_path(options: &LeptosOptions) -> PathBuf {
    let beside_binary = std::env::current_exe().ok().and_then(|exe| exe.parent().map(PathBuf::from));
    beside_binary.unwrap_or_default().join(options.hash_file.as_ref())
}

/// The hash cargo-leptos wrote for one kind of file, from lines such as
/// `css: 3xG1rH0bZzXxQk4y5KcQ9w`.
fn hash_of<'a>(listing: &'a str, kind: &str) -> Option<&'a str> {
    listing.lines().find_map(|line| {
        let (name, hash) = line.split_once(':')?;
        (name.trim() == kind && !hash.trim().is_empty()).then(|| hash.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = "js: Jx3-aQ\nwasm: Wb_9Zk\ncss: Cs7yTq\nmanifest: Mf0000\n";

    #[test]
    fn each_kind_has_its_own_hash() {
        assert_eq!(hash_of(LISTING, "css"), Some("Cs7yTq"));
        assert_eq!(hash_of(LISTING, "wasm"), Some("Wb_9Zk"));
        assert_eq!(hash_of(LISTING, "split"), None);
        assert_eq!(hash_of("css:\n", "css"), None);
    }

    #[test]
    fn the_files_are_named_after_their_hashes_and_plain_without_hashing() {
        let hash_file = std::env::temp_dir().join(format!("bookmate-hash-{}.txt", std::process::id()));
        std::fs::write(&hash_file, LISTING).unwrap();
        let options = |hash_files: bool| {
            LeptosOptions::builder()
                .output_name("bookmate")
                .hash_files(hash_files)
                .hash_file(hash_file.display().to_string().into())
                .build()
        };

        let hashed = SiteAssets::read(&options(true));
        assert_eq!(
            hashed,
            SiteAssets {
                stylesheet: "/pkg/bookmate.Cs7yTq.css".into(),
                script: "/pkg/bookmate.Jx3-aQ.js".into(),
                wasm: "/pkg/bookmate.Wb_9Zk.wasm".into(),
                hashed: true
            }
        );
        let plain = SiteAssets::read(&options(false));
        assert_eq!(plain.stylesheet, "/pkg/bookmate.css");
        assert_eq!(plain.script, "/pkg/bookmate.js");
        assert!(!plain.hashed);

        std::fs::remove_file(&hash_file).unwrap();
        assert_eq!(SiteAssets::read(&options(true)), plain, "a missing hash file leaves the plain names");
    }
}
