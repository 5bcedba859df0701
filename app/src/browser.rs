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

/// Reloads this page with `tz` in its address, keeping the rest; replaces the
/// history entry, so Back does not return to the page without a zone.
pub fn reload_in_zone(zone: &str) {
    #[cfg(feature = "hydrate")]
    {
        let location = leptos::prelude::window().location();
        let path = location.pathname().unwrap_or_default();
        let search = location.search().unwrap_or_default();
        let separator = if search.is_empty() { "?" } else { "&" };
        let zone = String::from(leptos::web_sys::js_sys::encode_uri_component(zone));
        let _ = location.replace(&format!("{path}{search}{separator}tz={zone}"));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = zone;
}
