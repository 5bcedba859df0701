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

/// Where incremental authorization starts: a POST from BookMate's own page,
/// so that another site's link cannot start one (and replace a pending one).
pub const GRANT_PATH: &str = "/auth/google/grant";
/// The page that shows what BookMate holds of the host's Google account and
/// what it did with it (`google_access`).
pub const GOOGLE_ACCESS_PATH: &str = "/settings/google-access";

/// Where a host whose Google connection broke reconnects, in one trip for
/// everything their features need: a POST, like the grant.
pub const RECONNECT_PATH: &str = "/auth/google/reconnect";

/// Where a host with an older, broader grant gives it all back and grants
/// only what BookMate uses: a POST, like the grant.
pub const NARROW_PATH: &str = "/auth/google/narrow";

/// Asks Google for the scopes the host's settings need, coming back to
/// `return_to`; `silent` for restoring scopes granted before, without a page.
pub fn ask_google_for_more(return_to: &str, silent: bool) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast as _;
        let Some(document) = leptos::prelude::window().document() else { return };
        let Ok(form) = document.create_element("form") else { return };
        let Ok(form) = form.dyn_into::<leptos::web_sys::HtmlFormElement>() else { return };
        form.set_method("post");
        form.set_action(GRANT_PATH);
        for (name, value) in [("return_to", return_to), ("silent", if silent { "true" } else { "false" })] {
            let Ok(input) = document.create_element("input") else { return };
            let Ok(input) = input.dyn_into::<leptos::web_sys::HtmlInputElement>() else { return };
            input.set_type("hidden");
            input.set_name(name);
            input.set_value(value);
            let _ = form.append_child(&input);
        }
        if let Some(body) = document.body() {
            let _ = body.append_child(&form);
            let _ = form.submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (return_to, silent);
}
