//! The few things only a browser knows or does. On the server these are
//! no-ops, so components can call them from effects (which run only in the
//! browser anyway).

/// The browser's IANA time zone, from `Intl`.
pub fn time_zone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        use leptos::web_sys::js_sys::{Array, Intl, Object, Reflect};
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        Reflect::get(&options, &"timeZone".into()).ok()?.as_string()
    }
    #[cfg(not(feature = "hydrate"))]
    None
}

/// A full page load, for addresses the server answers outside the app
/// (`/auth/...`).
pub fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

/// Changes the address without a new history entry (a full load, so the
/// server renders the view for it).
pub fn replace_location(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = leptos::prelude::window().location().replace(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}
