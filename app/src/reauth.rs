//! The ReauthProvider: after sign-in, in the browser, makes sure the Google
//! token carries the scopes this host's features need beyond sign-in, and
//! asks Google again, silently, when it does not.
//!
//! A flag in `localStorage` (`bookmate_isScopeCheckComplete`) throttles the
//! check to once per sign-in; sign-out clears it. The flag is set *before*
//! the browser is sent to Google, so a refusal can never loop: it comes back
//! to a page with the flag set, which shows a banner instead.
//!
//! The server never trusts this: every Google call made for a host checks the
//! stored granted scopes itself.

use leptos::prelude::*;

use crate::auth::{use_session, SessionInfo};

pub const SCOPE_CHECK_FLAG: &str = "bookmate_isScopeCheckComplete";

/// What the provider should do, given the session and the flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeCheck {
    /// Signed out: forget the flag.
    ClearFlag,
    /// All needed scopes are granted: remember that, show the page.
    MarkComplete,
    /// Checked before in this sign-in: show the page, with a banner if
    /// scopes are still missing.
    AlreadyChecked { missing_scopes: bool },
    /// Ask Google again for the missing scopes.
    Reauthorize,
}

pub fn decide(session: Option<&SessionInfo>, flag_set: bool) -> ScopeCheck {
    let Some(session) = session else { return ScopeCheck::ClearFlag };
    let missing_scopes =
        session.additional_scopes.iter().any(|scope| !session.granted_scopes.contains(scope));
    match (flag_set, missing_scopes) {
        (true, missing_scopes) => ScopeCheck::AlreadyChecked { missing_scopes },
        (false, false) => ScopeCheck::MarkComplete,
        (false, true) => ScopeCheck::Reauthorize,
    }
}

/// Hands the signed-in host's session to the ReauthProvider on every page.
/// Signed out, only the start page has it (sign-out and account deletion end
/// there), to clear the flag: a visitor's booking page stays free of it.
#[component]
pub fn ScopeCheck() -> impl IntoView {
    let session = use_session();
    let on_start_page = leptos_router::hooks::use_location().pathname.get_untracked() == "/";
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let session = session.await.ok().flatten();
                (session.is_some() || on_start_page).then(|| view! { <ReauthProvider session/> })
            })}
        </Suspense>
    }
}

/// An island, loaded lazily: runs in the browser, where `localStorage` is.
/// While it sends the host to Google, the page underneath is hidden
/// (`body.restoring`), so nothing can be clicked half-way.
#[island(lazy)]
pub fn ReauthProvider(session: Option<SessionInfo>) -> impl IntoView {
    let restoring = RwSignal::new(false);
    let missing_access = RwSignal::new(false);

    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        browser::act(decide(session.as_ref(), browser::flag_is_set()), restoring, missing_access);
        #[cfg(not(feature = "hydrate"))]
        let _ = &session;
    });

    view! {
        <Show when=move || restoring.get()>
            <p class="notice restoring" role="status" data-testid="restoring-access">
                "Restoring your calendar access…"
            </p>
        </Show>
        <Show when=move || missing_access.get()>
            <div class="notice banner" role="alert" data-testid="missing-access-banner">
                <p>
                    "BookMate no longer has the Google access your settings need (adding bookings to your calendar). "
                    "Until you grant it again, visitors get an email invitation instead."
                </p>
                <form method="post" action=crate::browser::GRANT_PATH>
                    <input type="hidden" name="return_to" value="/"/>
                    <button type="submit" class="button primary small">"Grant access again"</button>
                </form>
            </div>
        </Show>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use gloo_storage::{LocalStorage, Storage as _};
    use leptos::prelude::*;

    use super::{ScopeCheck, SCOPE_CHECK_FLAG};

    pub fn flag_is_set() -> bool {
        LocalStorage::raw().get_item(SCOPE_CHECK_FLAG).ok().flatten().is_some()
    }

    pub fn act(check: ScopeCheck, restoring: RwSignal<bool>, missing_access: RwSignal<bool>) {
        match check {
            ScopeCheck::ClearFlag => LocalStorage::delete(SCOPE_CHECK_FLAG),
            ScopeCheck::MarkComplete => set_flag(),
            ScopeCheck::AlreadyChecked { missing_scopes } => missing_access.set(missing_scopes),
            ScopeCheck::Reauthorize => {
                set_flag();
                restoring.set(true);
                if let Some(body) = document().body() {
                    let _ = body.class_list().add_1("restoring");
                }
                let location = window().location();
                let here = format!(
                    "{}{}",
                    location.pathname().unwrap_or_else(|_| "/".to_owned()),
                    location.search().unwrap_or_default()
                );
                crate::browser::ask_google_for_more(&here, true);
            }
        }
    }

    fn set_flag() {
        let _ = LocalStorage::raw().set_item(SCOPE_CHECK_FLAG, "true");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(granted: &[&str], additional: &[&str]) -> SessionInfo {
        SessionInfo {
            user_id: 1,
            name: "Ada".to_owned(),
            email: "ada@example.com".to_owned(),
            picture_url: None,
            username: None,
            granted_scopes: granted.iter().map(|scope| (*scope).to_owned()).collect(),
            additional_scopes: additional.iter().map(|scope| (*scope).to_owned()).collect(),
            needs_reconnect: false,
            access_ends_on: None,
        }
    }

    const EVENTS: &str = crate::google_scopes::CALENDAR_EVENTS;

    #[test]
    fn signed_out_clears_the_flag() {
        assert_eq!(decide(None, true), ScopeCheck::ClearFlag);
        assert_eq!(decide(None, false), ScopeCheck::ClearFlag);
    }

    #[test]
    fn a_host_who_needs_nothing_more_is_marked_checked() {
        assert_eq!(decide(Some(&session(&["openid"], &[])), false), ScopeCheck::MarkComplete);
        assert_eq!(decide(Some(&session(&["openid", EVENTS], &[EVENTS])), false), ScopeCheck::MarkComplete);
    }

    #[test]
    fn missing_scopes_are_requested_once_per_sign_in() {
        let lacking = session(&["openid"], &[EVENTS]);
        assert_eq!(decide(Some(&lacking), false), ScopeCheck::Reauthorize);
        // Back from Google without them: a banner, never another redirect.
        assert_eq!(decide(Some(&lacking), true), ScopeCheck::AlreadyChecked { missing_scopes: true });
        let restored = session(&["openid", EVENTS], &[EVENTS]);
        assert_eq!(decide(Some(&restored), true), ScopeCheck::AlreadyChecked { missing_scopes: false });
    }
}
