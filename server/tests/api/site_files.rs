//! The site's files as a release build leaves them: named after their
//! contents, kept by browsers for a year, and sent as the compressed copies
//! the build made rather than compressed per request.

use std::collections::HashMap;

use leptos::prelude::LeptosOptions;
use server::config::Settings;

use crate::helpers::{build_application_with_options, rendering_pages};

const STYLESHEET: &str = "/pkg/bookmate.Cs7yTq.css";
const CSS: &str = "body { color: #123; }";

/// A server over a site laid out as cargo-leptos's release build leaves it
/// (`hash.txt`, hashed names, `.br` and `.gz` copies); stopped when dropped.
struct Site {
    base: String,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
    _data: tempfile::TempDir,
}

impl Site {
    async fn serve(hash_files: bool) -> Self {
        let data = tempfile::tempdir().unwrap();
        let pkg = data.path().join("site/pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("bookmate.Cs7yTq.css"), CSS).unwrap();
        // Stand-ins: the server sends the copies as they are, never reading them.
        std::fs::write(pkg.join("bookmate.Cs7yTq.css.br"), "brotli copy").unwrap();
        std::fs::write(pkg.join("bookmate.Cs7yTq.css.gz"), "gzip copy").unwrap();
        let hash_file = data.path().join("hash.txt");
        std::fs::write(&hash_file, "js: Jx3-aQ\nwasm: Wb_9Zk\ncss: Cs7yTq\n").unwrap();
        let options = LeptosOptions::builder()
            .output_name("bookmate")
            .site_root(data.path().join("site").display().to_string())
            .hash_files(hash_files)
            .hash_file(hash_file.display().to_string().into())
            .build();
        let vars = HashMap::from([
            ("BOOKMATE_BIND_ADDR", "127.0.0.1:0".to_owned()),
            ("BOOKMATE_DATA_DIR", data.path().display().to_string()),
            ("RUST_LOG", "warn".to_owned()),
        ]);
        let settings = Settings::load(|name| vars.get(name).cloned()).expect("valid settings");
        let application = build_application_with_options(&settings, options).await;
        let base = format!("http://{}", application.local_addr());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(application.run_until(async {
            stopped.await.ok();
        }));
        Self { base, client: reqwest::Client::new(), _stop: stop, _data: data }
    }

    async fn get(&self, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
        let _rendering = rendering_pages().await;
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(encodings) = accept_encoding {
            request = request.header("accept-encoding", encodings);
        }
        request.send().await.unwrap()
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|value| value.to_str().unwrap())
}

#[tokio::test]
async fn pages_link_the_files_by_their_hashed_names() {
    let site = Site::serve(true).await;
    let html = site.get("/", None).await.text().await.unwrap();
    assert!(html.contains(&format!(r#"<link rel="stylesheet" href="{STYLESHEET}">"#)), "{html}");
    assert!(html.contains("/pkg/bookmate.Jx3-aQ.js"), "{html}");
    assert!(html.contains("/pkg/bookmate.Wb_9Zk.wasm"), "{html}");
    assert!(!html.contains("/pkg/bookmate.css"), "{html}");

    // A page outside Leptos (a refused sign-in) is styled by the same file.
    let refused = site.get("/auth/google/callback?state=forged&code=x", None).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.text().await.unwrap().contains(STYLESHEET));
}

#[tokio::test]
async fn a_hashed_file_is_kept_a_year_and_sent_as_the_copy_the_browser_accepts() {
    let site = Site::serve(true).await;

    let brotli = site.get(STYLESHEET, Some("gzip, deflate, br")).await;
    assert_eq!(brotli.status(), 200);
    assert_eq!(header(&brotli, "cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(header(&brotli, "content-encoding"), Some("br"));
    assert_eq!(header(&brotli, "vary"), Some("accept-encoding"));
    assert_eq!(brotli.text().await.unwrap(), "brotli copy");

    let gzip = site.get(STYLESHEET, Some("gzip")).await;
    assert_eq!(header(&gzip, "content-encoding"), Some("gzip"));
    assert_eq!(gzip.text().await.unwrap(), "gzip copy");

    let plain = site.get(STYLESHEET, None).await;
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(header(&plain, "content-type"), Some("text/css"));
    assert_eq!(header(&plain, "cache-control"), Some("public, max-age=31536000, immutable"));
    assert_eq!(plain.text().await.unwrap(), CSS);
}

#[tokio::test]
async fn a_missing_file_is_not_kept_and_plain_names_are_checked_before_each_use() {
    let hashed = Site::serve(true).await;
    let missing = hashed.get("/pkg/bookmate.Zz0000.css", Some("br")).await;
    assert_eq!(missing.status(), 404);
    assert_ne!(header(&missing, "cache-control"), Some("public, max-age=31536000, immutable"));

    // Without hashing (a name that will carry other contents tomorrow).
    let plain = Site::serve(false).await;
    let html = plain.get("/", None).await.text().await.unwrap();
    assert!(html.contains(r#"<link rel="stylesheet" href="/pkg/bookmate.css">"#), "{html}");
    let file = plain.get(STYLESHEET, None).await;
    assert_eq!(file.status(), 200);
    assert_eq!(header(&file, "cache-control"), Some("no-cache"));
}
