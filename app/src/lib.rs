//! BookMate's user interface: the routes, pages and components rendered on the
//! server and hydrated in the browser, plus (behind `ssr`) the server-side
//! code those pages call.
//!
//! Reading order: `google_scopes` (what we ask Google for), `landing` (the
//! first page), then `db` (storage, server only).

pub mod auth;
pub mod booking;
pub mod browser;
pub mod error;
pub mod google_scopes;
pub mod landing;
pub mod reauth;
pub mod settings;

#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod google;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::{
    auth::{get_session, AccountBar, SessionResource},
    booking::page::BookingPage,
    error::NotFoundPage,
    landing::LandingPage,
    reauth::ReauthProvider,
    settings::page::SettingsPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, so this flips once hydration is done;
    // browser tests wait for it instead of racing the WASM download.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    // Resolved during SSR and sent with the page, so the browser knows who is
    // signed in without asking again.
    let session: SessionResource = Resource::new(|| (), |()| get_session());
    provide_context(session);

    view! {
        <Stylesheet id="leptos" href="/pkg/bookmate.css"/>
        <Title text="BookMate"/>
        <div class="app" data-hydrated=move || hydrated.get().to_string()>
            <Router>
                <AccountBar/>
                <ReauthProvider>
                    <Routes fallback=NotFoundPage>
                        <Route path=StaticSegment("") view=LandingPage/>
                        <Route path=StaticSegment("settings") view=SettingsPage/>
                        // Async: the whole page waits for its data, so an unknown
                        // host gets a real 404 status, and no-JS visitors a full page.
                        <Route path=ParamSegment("username") view=BookingPage ssr=SsrMode::Async/>
                    </Routes>
                </ReauthProvider>
            </Router>
        </div>
    }
}
