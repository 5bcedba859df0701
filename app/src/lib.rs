//! BookMate's user interface: the routes, pages and components rendered on the
//! server and hydrated in the browser, plus (behind `ssr`) the server-side
//! code those pages call.
//!
//! Reading order: `google_scopes` (what we ask Google for), `landing` (the
//! first page), then `db` (storage, server only).

pub mod account;
pub mod auth;
pub mod booking;
pub mod browser;
pub mod dashboard;
pub mod error;
pub mod following;
pub mod google_access;
pub mod google_scopes;
pub mod landing;
pub mod manage;
pub mod place;
pub mod questions;
pub mod reauth;
pub mod settings;

#[cfg(feature = "ssr")]
pub mod connection_alerts;
#[cfg(feature = "ssr")]
pub mod content_policy;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod google;
#[cfg(feature = "ssr")]
pub mod island_loader;
#[cfg(feature = "ssr")]
pub mod needed_scopes;
#[cfg(feature = "ssr")]
pub mod retry;
#[cfg(feature = "ssr")]
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod sign_in;
#[cfg(feature = "ssr")]
pub mod site_assets;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    ParamSegment, SsrMode, StaticSegment,
};

use crate::{
    auth::{get_session, AccountBar, SessionResource},
    booking::{confirmation_page::ConfirmationPage, page::BookingPage},
    dashboard::DashboardPage,
    error::NotFoundPage,
    google_access::GoogleAccessPage,
    landing::LandingPage,
    reauth::ScopeCheck,
    settings::page::SettingsPage,
};

/// The HTML document around the app, rendered on the server only; `assets`
/// are the site's files as served (`site_assets`).
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions, assets: std::sync::Arc<site_assets::SiteAssets>) -> impl IntoView {
    use island_loader::IslandLoader;
    use leptos_meta::MetaTags;

    content_policy::set_for_page(options.reload_port);
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=assets.stylesheet.clone()/>
                <AutoReload options=options.clone()/>
                <IslandLoader options assets/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page is rendered on the server, whole (`SsrMode::Async`: an unknown
/// host gets a real 404 status, and a visitor without JavaScript a complete
/// page). Only islands (`#[island]`) reach the browser as WASM.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Resolved once per request on the server; pages read it from context.
    let session: SessionResource = Resource::new(|| (), |()| get_session());
    provide_context(session);

    view! {
        <Title text="BookMate"/>
        <div class="app" data-hydrated="false">
            <Router>
                <AccountBar/>
                <ScopeCheck/>
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=LandingPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("settings") view=SettingsPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("settings"), StaticSegment("google-access")) view=GoogleAccessPage ssr=SsrMode::Async/>
                    <Route path=StaticSegment("dashboard") view=DashboardPage ssr=SsrMode::Async/>
                    <Route path=(StaticSegment("bookings"), ParamSegment("uid")) view=ConfirmationPage ssr=SsrMode::Async/>
                    <Route path=ParamSegment("username") view=BookingPage ssr=SsrMode::Async/>
                    <Route path=(ParamSegment("username"), ParamSegment("slug")) view=BookingPage ssr=SsrMode::Async/>
                </Routes>
            </Router>
            // Last, so that it is hydrated after every other island.
            <HydrationMark/>
        </div>
    }
}

/// Marks the page hydrated once the islands before it are, so browser tests
/// wait for it instead of racing the WASM download. On a page without other
/// islands, which loads no WASM, the island loader marks it instead.
#[island]
fn HydrationMark() -> impl IntoView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(Some(app)) = document().query_selector(".app") {
            let _ = app.set_attribute("data-hydrated", "true");
        }
    });
}
