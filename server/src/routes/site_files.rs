//! `/pkg/*`: the stylesheet, the JS and the WASM a page loads.
//!
//! Named after their contents (`app::site_assets`), the files never change
//! while the server runs: they are read into memory once at start, with the
//! brotli and gzip copies a release build (`--precompress`) made of each at
//! the highest levels, and sent from there with a year's `immutable` caching.
//! No file is read or compressed per request (a file without copies, as in a
//! debug build, is compressed on the way out like any response).
//!
//! With plain names (`cargo leptos watch`, which rewrites files in place) they
//! are served from disk as they are now, and checked before each use.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::Arc,
};

use app::state::AppState;
use axum::{
    body::Bytes,
    extract::{Path as UrlPath, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tower_http::services::ServeDir;

/// For hashed names: a year, and no revalidation on reload.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For plain names: kept, but checked (`If-Modified-Since`) before each use.
pub const REVALIDATE: &str = "no-cache";

pub fn router(state: &AppState) -> anyhow::Result<Router<AppState>> {
    let options = &state.leptos_options;
    let directory = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let mount = format!("/{}", options.site_pkg_dir);
    if state.site_assets.hashed {
        let files = Arc::new(SiteFiles::read(&directory)?);
        tracing::debug!(files = files.files.len(), bytes = files.bytes(), "site files held in memory");
        Ok(Router::new().route(&format!("{mount}/{{*path}}"), get(send).with_state(files)))
    } else {
        let files = ServeDir::new(directory).precompressed_br().precompressed_gzip();
        Ok(Router::new().nest_service(&mount, files).layer(middleware::from_fn(revalidate)))
    }
}

/// One file and the compressed copies the build made of it.
struct SiteFile {
    content_type: HeaderValue,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
}

struct SiteFiles {
    files: HashMap<String, SiteFile>,
}

impl SiteFiles {
    /// Every file under `directory`, by its path below it (`bookmate.x1.js`).
    fn read(directory: &Path) -> anyhow::Result<Self> {
        let mut paths = Vec::new();
        collect(directory, &mut paths).map_err(|error| {
            anyhow::anyhow!("could not read the site's files in {}: {error}", directory.display())
        })?;
        let copy = |path: &Path, suffix: &str| {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            std::fs::read(name).ok().map(Bytes::from)
        };
        let mut files = HashMap::new();
        for path in paths.iter().filter(|path| !matches!(extension(path), "br" | "gz")) {
            let name = path.strip_prefix(directory)?.to_string_lossy().replace('\\', "/");
            let file = SiteFile {
                content_type: HeaderValue::from_static(content_type(extension(path))),
                identity: Bytes::from(std::fs::read(path)?),
                brotli: copy(path, ".br"),
                gzip: copy(path, ".gz"),
            };
            files.insert(name, file);
        }
        Ok(Self { files })
    }

    fn bytes(&self) -> usize {
        self.files
            .values()
            .map(|file| {
                file.identity.len()
                    + file.brotli.as_ref().map_or(0, Bytes::len)
                    + file.gzip.as_ref().map_or(0, Bytes::len)
            })
            .sum()
    }
}

fn collect(directory: &Path, paths: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(directory)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, paths)?;
        } else {
            paths.push(path);
        }
    }
    Ok(())
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|extension| extension.to_str()).unwrap_or_default()
}

/// The types a Leptos site's `pkg/` holds; WASM must be `application/wasm`
/// for the browser to compile it as it streams in.
fn content_type(extension: &str) -> &'static str {
    match extension {
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "html" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn send(
    State(files): State<Arc<SiteFiles>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let Some(file) = files.files.get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let accepted = headers.get(header::ACCEPT_ENCODING);
    let (body, encoding) = match (&file.brotli, &file.gzip) {
        (Some(brotli), _) if accepts(accepted, "br") => (brotli.clone(), Some("br")),
        (_, Some(gzip)) if accepts(accepted, "gzip") => (gzip.clone(), Some("gzip")),
        _ => (file.identity.clone(), None),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, file.content_type.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    // Which copy is sent depends on Accept-Encoding: shared caches must keep
    // them apart.
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(encoding) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

/// Whether `Accept-Encoding` admits `coding`: named, or by `*`, with a
/// weight above zero.
fn accepts(header: Option<&HeaderValue>, coding: &str) -> bool {
    let Some(text) = header.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let mut by_star = false;
    for item in text.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let weight = parts
            .find_map(|part| part.trim().strip_prefix("q="))
            .and_then(|weight| weight.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return weight > 0.0;
        }
        if name == "*" {
            by_star = weight > 0.0;
        }
    }
    by_star
}

/// Plain names: the file may change under its name at any time.
async fn revalidate(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts_text(text: &str, coding: &str) -> bool {
        accepts(Some(&HeaderValue::from_str(text).unwrap()), coding)
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        assert!(accepts_text("gzip, deflate, br, zstd", "br"));
        assert!(accepts_text("GZIP", "gzip"));
        assert!(!accepts_text("gzip", "br"));
        assert!(!accepts_text("br;q=0, gzip", "br"));
        assert!(accepts_text("br;q=0.5", "br"));
        assert!(accepts_text("*", "br"));
        assert!(!accepts_text("*, br;q=0", "br"));
        assert!(!accepts(None, "gzip"));
    }
}
