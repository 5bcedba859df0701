//! The consent page a person uses (account chooser, scopes in plain words,
//! a box per non-Sign-In scope) and its form's `POST`.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

/// What a person reads on Google's consent screen, for the scopes we know
/// (the Calendar ones as the discovery document words them).
pub(super) fn describe(scope: &str) -> &str {
    match scope {
        "openid" => "Associate you with your personal info on Google",
        crate::SCOPE_EMAIL => "See your primary Google Account email address",
        crate::SCOPE_PROFILE => {
            "See your personal info, including any personal info you've made publicly available"
        }
        "https://www.googleapis.com/auth/calendar.readonly" => {
            "See and download any calendar you can access using your Google Calendar"
        }
        "https://www.googleapis.com/auth/calendar.events.readonly" => "View events on all your calendars",
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly" => {
            "See the list of Google calendars you’re subscribed to"
        }
        "https://www.googleapis.com/auth/calendar.events.freebusy" => {
            "See the availability on Google calendars you have access to"
        }
        "https://www.googleapis.com/auth/calendar.freebusy" => "View your availability in your calendars",
        "https://www.googleapis.com/auth/calendar.events" => "View and edit events on all your calendars",
        "https://www.googleapis.com/auth/calendar.events.owned.readonly" => {
            "See the events on Google calendars you own"
        }
        "https://www.googleapis.com/auth/calendar" => {
            "See, edit, share, and permanently delete all the calendars you can access using Google Calendar"
        }
        other => other,
    }
}

pub(super) fn consent_page(
    emulator: &Emulator,
    request_id: &str,
    pending: &PendingAuthorization,
    account: Option<&Account>,
) -> Response {
    let state = emulator.state();
    let client = &pending.client_id;
    let granted: BTreeSet<String> = account
        .and_then(|account| state.grants.get(&(account.sub.clone(), client.clone())))
        .map(|grant| grant.scopes.clone())
        .unwrap_or_default();
    let accounts: String = state
        .accounts
        .iter()
        .enumerate()
        .map(|(index, candidate)| {
            let checked = match account {
                Some(account) => account.sub == candidate.sub,
                None => index == 0,
            };
            format!(
                "<label class=\"account\"><input type=\"radio\" name=\"account\" value=\"{sub}\"{checked} \
                 data-testid=\"account-{email}\"> \
                 <span><strong>{name}</strong><br>{email}</span></label>",
                sub = escape(&candidate.sub),
                checked = if checked { " checked" } else { "" },
                name = escape(&candidate.name),
                email = escape(&candidate.email),
            )
        })
        .collect();
    let scopes: String = pending
        .scopes
        .iter()
        .map(|scope| {
            let label = escape(describe(scope));
            let value = escape(scope);
            if granted.contains(scope) {
                format!(
                    "<li class=\"granted\"><input type=\"hidden\" name=\"scope\" value=\"{value}\">{label} \
                     <em>(already granted)</em></li>"
                )
            } else if is_sign_in_scope(scope) {
                format!("<li><input type=\"hidden\" name=\"scope\" value=\"{value}\">{label}</li>")
            } else {
                format!(
                    "<li><label><input type=\"checkbox\" name=\"scope\" value=\"{value}\" checked \
                     data-testid=\"scope-{slug}\"> {label}</label></li>",
                    slug = escape(scope.trim_start_matches("https://www.googleapis.com/auth/"))
                )
            }
        })
        .collect();
    let action = format!("{}/o/oauth2/v2/auth/consent", emulator.issuer());
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Google Accounts (emulator)</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f0f4f9; margin: 0; color: #1f1f1f; }}
main {{ max-width: 520px; margin: 40px auto; background: #fff; border-radius: 24px; padding: 32px; }}
.badge {{ font-size: 12px; color: #5f6368; }}
.account {{ display: flex; gap: 12px; align-items: center; padding: 10px; border: 1px solid #dadce0; border-radius: 8px; margin: 8px 0; }}
ul {{ padding-left: 20px; }} li {{ margin: 10px 0; }} .granted {{ color: #5f6368; }}
.buttons {{ display: flex; justify-content: flex-end; gap: 12px; margin-top: 24px; }}
button {{ font: inherit; padding: 10px 24px; border-radius: 20px; border: 1px solid #747775; background: #fff; cursor: pointer; }}
button.allow {{ background: #0b57d0; color: #fff; border-color: #0b57d0; }}
</style></head>
<body><main>
<p class="badge">Google Accounts emulator</p>
<h1>Choose an account</h1>
<p>to continue to the app with client ID <code>{client}</code></p>
<form method="post" action="{action}">
<input type="hidden" name="request_id" value="{request_id}">
<fieldset style="border:none;padding:0"><legend class="badge">Accounts</legend>{accounts}
<label class="account"><input type="radio" name="account" value="other" data-testid="account-other"> <span>Use another account:
<input type="email" name="other_email" aria-label="Another account's email" data-testid="other-email"></span></label></fieldset>
<h2>The app wants to</h2>
<ul>{scopes}</ul>
<div class="buttons">
<button type="submit" name="action" value="cancel" data-testid="cancel">Cancel</button>
<button type="submit" name="action" value="allow" class="allow" data-testid="allow">Allow</button>
</div>
</form></main></body></html>"#,
        client = escape(client),
        request_id = escape(request_id),
    );
    Html(body).into_response()
}

pub(super) async fn consent(State(emulator): State<Emulator>, RawForm(body): RawForm) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let pending = field("request_id").and_then(|id| emulator.state().take_pending(id));
    let Some(pending) = pending else {
        return error_page(StatusCode::BAD_REQUEST, "invalid_request", "This consent request has expired.");
    };
    if field("action") != Some("allow") {
        return redirect_error(&emulator, &pending, "access_denied");
    }
    let account = match field("account") {
        Some("other") => {
            let Some(email) = field("other_email").filter(|email| email.contains('@')) else {
                return error_page(StatusCode::BAD_REQUEST, "invalid_request", "Enter an email address.");
            };
            emulator.account_for_email(email)
        }
        Some(sub) => match emulator.state().accounts.iter().find(|account| account.sub == sub).cloned() {
            Some(account) => account,
            None => return error_page(StatusCode::BAD_REQUEST, "invalid_request", "Unknown account."),
        },
        None => return error_page(StatusCode::BAD_REQUEST, "invalid_request", "Choose an account."),
    };
    let ticked: BTreeSet<String> =
        fields.iter().filter(|(key, _)| key == "scope").map(|(_, value)| value.clone()).collect();
    // Sign-In scopes come as a block; the rest only if ticked.
    let approved: BTreeSet<String> = pending
        .scopes
        .iter()
        .filter(|scope| is_sign_in_scope(scope) || ticked.contains(*scope))
        .cloned()
        .collect();
    with_session(issue_code(&emulator, &pending, &account, approved, true), &account)
}

impl Emulator {
    /// An account typed into the consent page: found, or created with a
    /// primary calendar, as signing in to a new Google account would.
    fn account_for_email(&self, email: &str) -> Account {
        let mut state = self.state();
        if let Some(account) = state.account_by_hint(email) {
            return account.clone();
        }
        let sub: String = (0..21)
            .map(|index| if index == 0 { '1' } else { char::from(b'0' + rand::random_range(0..10u8)) })
            .collect();
        let name = email.split('@').next().unwrap_or(email).to_owned();
        let account = Account {
            sub: sub.clone(),
            email: email.to_owned(),
            name,
            picture: None,
            time_zone: "UTC".to_owned(),
        };
        state.accounts.push(account.clone());
        state.calendars.insert(
            sub,
            vec![crate::Calendar {
                entry: crate::seed::SeedCalendar {
                    id: email.to_owned(),
                    summary: email.to_owned(),
                    access_role: "owner".to_owned(),
                    primary: true,
                    background_color: Some("#9fe1e7".to_owned()),
                    time_zone: Some("UTC".to_owned()),
                    events: Vec::new(),
                },
                events: Vec::new(),
                changes: 0,
            }],
        );
        account
    }
}
