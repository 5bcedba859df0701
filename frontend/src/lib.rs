//! The browser entry point: hydrates the islands of the server-rendered page,
//! nothing else.

// The islands' hydration functions live in `app`; naming the crate links it.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
