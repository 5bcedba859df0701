//! The page's script: BookMate's own island loader (`island_loader.js`) in
//! place of the tags Leptos's `HydrationScripts` writes, which preload the
//! JS and WASM on every page. The loader fetches them only where the page has
//! an island to hydrate, so a visitor's first view of a booking page (the
//! month and its times, no island) downloads the HTML and the stylesheet
//! alone.

use std::sync::Arc;

use leptos::{
    hydration::{HydrationScripts, HydrationScriptsProps},
    prelude::*,
};

use crate::site_assets::SiteAssets;

const LOADER: &str = include_str!("island_loader.js");

/// In the document's `<head>`; a module script, so it runs once the page is
/// parsed, and under the page's CSP nonce.
#[component]
pub fn IslandLoader(options: LeptosOptions, assets: Arc<SiteAssets>) -> impl IntoView {
    // Leptos's component, run for what it sets up on the server and its tags
    // dropped: the split manifest, from which a lazy island's render adds
    // preload links for its own chunk, and the rule that only islands carry
    // hydration markers.
    let _ = HydrationScripts(HydrationScriptsProps::builder().options(options).islands(true).build());
    let call = format!("{LOADER}({:?}, {:?});", assets.script, assets.wasm);
    view! { <script type="module" nonce=use_nonce() inner_html=call></script> }
}
