//! The ceiling of a static file on this machine: one file held in memory and
//! served by a bare axum on tokio, nothing else (no middleware, no headers
//! of its own). `bench/load.sh` measures it beside BookMate's own static
//! file, so that the two figures come from the same run.
//!
//! usage: static_baseline ADDRESS FILE

use axum::{body::Bytes, http::header, routing::get, Router};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(path)) = (args.next(), args.next()) else {
        eprintln!("usage: static_baseline ADDRESS FILE");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(&path)?);
    let file = get(move || {
        let body = body.clone();
        async move { ([(header::CONTENT_TYPE, "text/css")], body) }
    });
    let listener = tokio::net::TcpListener::bind(&address).await?;
    axum::serve(listener, Router::new().fallback(file)).await
}
