//! Asking Google for more than sign-in, for a signed-in host: the scopes
//! their features need (incremental authorization), everything at once
//! after the connection broke, or just what BookMate uses after an older,
//! broader grant is given back.

use super::{start, StartError, Started};
use crate::{
    db::users::User,
    google::oidc::{AuthorizationRequest, Prompt, Purpose},
    google_scopes::SIGN_IN,
    needed_scopes,
    state::AppState,
};

/// Asks Google, for a signed-in host, for the scopes their features need
/// beyond sign-in: `include_granted_scopes=true` keeps what was granted
/// before, and `login_hint` names the host's account. `None` when there is
/// nothing to ask for. `Prompt::None` restores scopes granted before
/// without showing a page.
pub async fn start_grant(
    state: &AppState,
    user: &User,
    prompt: Prompt,
    return_to: String,
) -> Result<Option<Started>, StartError> {
    let wanted = needed_scopes::wanted_now(state.database.pool(), user).await?;
    if wanted.is_empty() {
        return Ok(None);
    }
    let scopes: Vec<&str> = wanted.iter().collect();
    let purpose =
        Purpose::GrantScopes { user_id: user.user_id, expected_sub: user.google_sub.clone(), return_to };
    let request =
        AuthorizationRequest { scopes: &scopes, login_hint: Some(&user.google_sub), prompt, purpose };
    start(state, request).await.map(Some)
}

/// For a host whose connection broke (Google refused the refresh token):
/// one trip through Google's consent screen for exactly what sign-in and the
/// host's features need, so that the reconnect brings a refresh token and
/// every scope at once, for the same account.
pub async fn start_reconnect(state: &AppState, user: &User) -> Result<Started, StartError> {
    let wanted = needed_scopes::wanted_now(state.database.pool(), user).await?;
    let scopes: Vec<&str> = SIGN_IN.iter().copied().chain(wanted.iter()).collect();
    let purpose = Purpose::GrantScopes {
        user_id: user.user_id,
        expected_sub: user.google_sub.clone(),
        return_to: crate::browser::GOOGLE_ACCESS_PATH.to_owned(),
    };
    let request = AuthorizationRequest {
        scopes: &scopes,
        login_hint: Some(&user.google_sub),
        prompt: Prompt::Consent,
        purpose,
    };
    start(state, request).await
}

/// Where a narrowed grant comes back to.
pub const NARROWED_RETURN: &str = "/settings?narrowed=true";

#[derive(Debug, thiserror::Error)]
pub enum NarrowError {
    #[error(transparent)]
    Disconnect(#[from] crate::google::DisconnectError),
    #[error(transparent)]
    Start(#[from] StartError),
}

/// For a host whose grant is broader than BookMate uses (an older sign-in
/// asked for more): revokes it all, since Google removes access only whole,
/// and asks for exactly what sign-in and the host's features need, with the
/// consent screen. The host's settings stay as they are.
pub async fn start_narrowing(state: &AppState, user: &User) -> Result<Started, NarrowError> {
    state.google.disconnect(state.database.pool(), user.user_id).await?;
    state.host_changed(user.user_id);
    let wanted = needed_scopes::wanted_now(state.database.pool(), user).await.map_err(StartError::from)?;
    let scopes: Vec<&str> = SIGN_IN.iter().copied().chain(wanted.iter()).collect();
    let purpose = Purpose::GrantScopes {
        user_id: user.user_id,
        expected_sub: user.google_sub.clone(),
        return_to: NARROWED_RETURN.to_owned(),
    };
    let request = AuthorizationRequest {
        scopes: &scopes,
        login_hint: Some(&user.google_sub),
        prompt: Prompt::Consent,
        purpose,
    };
    Ok(start(state, request).await?)
}
