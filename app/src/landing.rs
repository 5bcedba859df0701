//! The landing page: what BookMate is, the sign-in button, and what signing in
//! lets BookMate do, in plain words.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{auth::use_session, google_scopes::PERMISSIONS};

#[component]
pub fn LandingPage() -> impl IntoView {
    view! {
        <Title text="BookMate · Let people book time with you"/>
        <main class="page landing">
            <section class="hero">
                <h1>"Let people book time with you"</h1>
                <p class="lede">
                    "Share one link. Visitors see the times you are free, in their own time zone, and book a meeting. "
                    "Your calendar stays yours: BookMate asks Google only for what each feature needs."
                </p>
                <SignInOrWelcome/>
            </section>
            <Permissions/>
        </main>
    }
}

/// An island: the reasons appear on request, in the browser.
#[island(lazy)]
fn Permissions() -> impl IntoView {
    let (explained, set_explained) = signal(false);
    let sign_in_permissions = PERMISSIONS.iter().filter(|permission| permission.asked_at_sign_in);
    let later_permissions = PERMISSIONS.iter().filter(|permission| !permission.asked_at_sign_in);
    view! {
        <section class="card permissions" aria-labelledby="permissions-heading">
            <h2 id="permissions-heading">"What BookMate asks Google for"</h2>
            <p>"When you sign in, Google will ask whether BookMate may:"</p>
            <ul class="permission-list">
                {sign_in_permissions
                    .map(|permission| view! { <PermissionItem permission explained/> })
                    .collect_view()}
            </ul>
            <p>"Only if you turn on direct booking, and only then, Google will ask once more whether BookMate may:"</p>
            <ul class="permission-list">
                {later_permissions
                    .map(|permission| view! { <PermissionItem permission explained/> })
                    .collect_view()}
            </ul>
            <button
                type="button"
                class="button secondary"
                aria-expanded=move || explained.get().to_string()
                on:click=move |_| set_explained.update(|shown| *shown = !*shown)
                data-testid="explain-permissions"
            >
                {move || if explained.get() { "Hide the reasons" } else { "Why does BookMate need these?" }}
            </button>
        </section>
    }
}

#[component]
fn SignInOrWelcome() -> impl IntoView {
    let session = use_session();
    let sign_in = || {
        view! {
            <a class="button primary" href="/auth/google/login" rel="external" data-testid="sign-in">
                "Sign in with Google"
            </a>
        }
    };
    view! {
        <Suspense fallback=sign_in>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(info)) => view! {
                        <p class="welcome" data-testid="welcome">"You are signed in as " <strong>{info.name}</strong> "."</p>
                        <a class="button primary" href="/settings">"Set up your booking page"</a>
                    }
                    .into_any(),
                    _ => sign_in().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn PermissionItem(
    permission: &'static crate::google_scopes::Permission,
    explained: ReadSignal<bool>,
) -> impl IntoView {
    view! {
        <li>
            <strong>{permission.summary}</strong>
            <span class="google-says">
                "Google will say: "
                {permission
                    .google_says
                    .iter()
                    .map(|words| view! { <q data-testid="google-says">{*words}</q> " " })
                    .collect_view()}
            </span>
            <Show when=move || explained.get()>
                <p class="why" data-testid="permission-reason">{permission.why}</p>
            </Show>
        </li>
    }
}
