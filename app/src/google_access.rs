//! `/settings/google-access`: what BookMate holds of the host's Google
//! account and what it did with it. Every scope held, the feature that needs
//! it and its last use; the connection's state (when busy times were last
//! read, when Google said the access ends); the log of every call, newest
//! first, paged and filterable by scope, with plain links and a plain form.
//! Rendered on the server; one small island gives write access back.

pub mod model;
#[cfg(feature = "ssr")]
mod overview;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    auth::HostPageError, browser::GOOGLE_ACCESS_PATH, error::AppError, settings::api::GiveBackWriteAccess,
};
use model::{GoogleAccessView, LogEntryView, WRITE_UNUSED_DAYS};

#[server(endpoint = "google_access")]
pub async fn get_google_access(
    scope: Option<String>,
    before: Option<i64>,
) -> Result<GoogleAccessView, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, user| async move {
        overview::google_access(&state, &user, scope, before, chrono::Utc::now()).await
    })
    .await
}

#[component]
pub fn GoogleAccessPage() -> impl IntoView {
    let query = use_query_map();
    let access = Resource::new(
        move || {
            let query = query.read();
            (query.get("scope"), query.get("before").and_then(|before| before.parse::<i64>().ok()))
        },
        |(scope, before)| get_google_access(scope, before),
    );
    view! {
        <Title text="Google access · BookMate"/>
        <main class="page google-access">
            <p><a href="/settings">"← Settings"</a></p>
            <h1>"Google access"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match access.await {
                        Ok(view) => view! { <Overview view/> }.into_any(),
                        Err(error) => view! { <HostPageError error sign_in_to="see BookMate's Google access"/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Overview(view: GoogleAccessView) -> impl IntoView {
    let zone = view.time_zone.replace('_', " ");
    let connection = if view.needs_reconnect {
        view! {
            <div class="notice banner" role="alert" data-testid="access-broken">
                <p>"Google no longer accepts BookMate's access. Visitors are told you are not taking bookings until you reconnect."</p>
                <form method="post" action=crate::browser::RECONNECT_PATH>
                    <button type="submit" class="button primary small">"Reconnect Google"</button>
                </form>
            </div>
        }
        .into_any()
    } else {
        view! { <p data-testid="access-healthy">"Connected."</p> }.into_any()
    };
    let ends = view.access_ends_on.map(|ends| view! {
        <p class="notice" data-testid="access-ends">
            {format!("Google said this access ends on {ends}: ")}
            "this BookMate's Google project is in \u{201c}Testing\u{201d} status, where access to calendars lasts seven days. \
             You will be asked to reconnect then; the README's Google set-up says how the operator publishes the app."
        </p>
    });
    let busy_read = match view.busy_times_read_at {
        Some(at) => format!("Busy times last read from Google: {at}."),
        None => "Busy times have not been read from Google yet.".to_owned(),
    };
    view! {
        <section class="card" aria-labelledby="connection-heading">
            <h2 id="connection-heading">"Connection"</h2>
            {connection}
            {ends}
            <p data-testid="busy-times-read">{busy_read}</p>
            <p class="help">{format!("Times in {zone}, your time zone.")}</p>
        </section>
        <Scopes scopes=view.scopes.clone() suggest_giving_back_write=view.suggest_giving_back_write/>
        <Log entries=view.entries filter=view.filter scopes=view.scopes older=view.older/>
    }
}

#[component]
fn Scopes(scopes: Vec<model::HeldScope>, suggest_giving_back_write: bool) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="scopes-heading">
            <h2 id="scopes-heading">"What BookMate holds"</h2>
            <table class="access-table" data-testid="held-scopes">
                <thead><tr><th scope="col">"Permission"</th><th scope="col">"Needed for"</th><th scope="col">"Last used"</th></tr></thead>
                <tbody>
                    {scopes.into_iter().map(|held| {
                        let filter_link = format!("{GOOGLE_ACCESS_PATH}?scope={}", urlencoding_minimal(&held.scope));
                        let name = held.short_name.clone();
                        view! {
                            <tr data-testid="held-scope" data-scope=name>
                                <td>
                                    <code>{held.short_name}</code>
                                    {held.google_says.map(|words| view! { <span class="muted">{format!(" (Google: \u{201c}{words}\u{201d})")}</span> })}
                                </td>
                                <td>{held.feature}</td>
                                <td data-testid="last-used">
                                    {held.last_used.unwrap_or_else(|| "Not in the log".to_owned())}
                                    " · " <a href=filter_link>"its calls"</a>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {suggest_giving_back_write.then(|| view! {
                <div class="notice" data-testid="suggest-give-back">
                    <p>{format!("BookMate holds write access to your calendars but has not needed it for {WRITE_UNUSED_DAYS} days \
                        (or nothing you turned on needs it). You can give it back: BookMate turns direct booking off, gives back \
                        its access, and sends you to Google to sign in with reading access only.")}</p>
                    <GiveBackWriteAccessButton/>
                </div>
            })}
        </section>
    }
}

#[component]
fn Log(
    entries: Vec<LogEntryView>,
    filter: Option<String>,
    scopes: Vec<model::HeldScope>,
    older: Option<i64>,
) -> impl IntoView {
    let scope_query =
        filter.as_deref().map(|scope| format!("&scope={}", urlencoding_minimal(scope))).unwrap_or_default();
    let older_link = older.map(|before| format!("{GOOGLE_ACCESS_PATH}?before={before}{scope_query}"));
    let empty = entries.is_empty();
    view! {
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">"What BookMate did"</h2>
            <p class="help">"Every call BookMate made to Google for you, newest first, kept 90 days. Busy times shown to visitors \
                from BookMate's one-minute memory are not calls and are not listed."</p>
            <form method="get" action=GOOGLE_ACCESS_PATH class="actions wrap">
                <label>"Show calls that used "
                    <select name="scope" data-testid="log-filter">
                        <option value="" selected=filter.is_none()>"any permission"</option>
                        {scopes.into_iter().map(|held| {
                            let selected = filter.as_deref() == Some(held.scope.as_str());
                            view! { <option value=held.scope selected=selected>{held.short_name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="button secondary small">"Show"</button>
            </form>
            {if empty {
                view! { <p data-testid="log-empty">"Nothing here yet."</p> }.into_any()
            } else {
                view! {
                    <table class="access-table" data-testid="access-log">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Google call"</th><th scope="col">"Outcome"</th></tr></thead>
                        <tbody>
                            {entries.into_iter().map(|entry| {
                                let (method, outcome) = (entry.method.clone(), entry.outcome.clone());
                                view! {
                                <tr data-testid="log-entry" data-method=method data-outcome=outcome>
                                    <td>{entry.when}</td>
                                    <td>{entry.purpose}</td>
                                    <td><code>{entry.method}</code>{(!entry.scope.is_empty()).then(|| view! { <span class="muted">{format!(" with {}", entry.scope)}</span> })}</td>
                                    <td class=format!("outcome {}", entry.outcome)>{entry.outcome.clone()}</td>
                                </tr>
                            }}).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <p class="actions">
                {filter.is_some().then(|| view! { <a href=GOOGLE_ACCESS_PATH>"All calls"</a> })}
                {older_link.map(|link| view! { <a href=link data-testid="log-older">"Older calls →"</a> })}
            </p>
        </section>
    }
}

/// Gives write access back in one click: the same flow as Settings, which
/// ends on Google's sign-in page.
#[island(lazy)]
fn GiveBackWriteAccessButton() -> impl IntoView {
    let give_back = ServerAction::<GiveBackWriteAccess>::new();
    Effect::new(move |_| {
        if let Some(Ok(url)) = give_back.value().get() {
            crate::browser::go_to(&url);
        }
    });
    let failure = move || {
        give_back
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| view! { <p class="field-error" role="alert">{error.to_string()}</p> })
    };
    view! {
        <button type="button" class="button primary small" data-testid="give-back-now"
            on:click=move |_| { give_back.dispatch(GiveBackWriteAccess {}); }>
            "Give back write access"
        </button>
        {failure}
    }
}

/// Scope URLs in a query: only `:` and `/` need escaping to be unambiguous.
fn urlencoding_minimal(value: &str) -> String {
    value.replace('%', "%25").replace(':', "%3A").replace('/', "%2F").replace('&', "%26").replace('+', "%2B")
}
