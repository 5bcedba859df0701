//! The `openidconnect` crate, as BookMate uses it, accepts the emulator: the
//! issuer matches exactly, the JWKS verifies the RS256 ID token, the nonce
//! round-trips, and refresh works with Basic client authentication.

mod common;

use common::*;
use google_emulator::ConsentDecision;
use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse as _,
    PkceCodeChallenge, RedirectUrl, Scope, TokenResponse as _,
};

#[tokio::test]
async fn openidconnect_discovers_signs_in_and_refreshes_against_the_emulator() {
    let google = Google::start().await;
    let http = openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(google.base.clone()).unwrap(), &http)
        .await
        .unwrap();
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(CLIENT.to_owned()),
        Some(ClientSecret::new(SECRET.to_owned())),
    )
    .set_redirect_uri(RedirectUrl::new(REDIRECT.to_owned()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".to_owned()))
        .add_scope(Scope::new("profile".to_owned()))
        .add_scope(Scope::new(EVENTS.to_owned()))
        .set_pkce_challenge(challenge)
        .add_extra_param("access_type", "offline")
        .add_extra_param("include_granted_scopes", "true")
        .add_extra_param("login_hint", ADA)
        .url();

    google.emulator.set_consent(ADA, ConsentDecision::Allow);
    let answer = google.http.get(url.as_str()).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let query = query_of(answer.headers()["location"].to_str().unwrap());
    assert_eq!(&query["state"], csrf.secret());
    assert_eq!(query["iss"], google.base);

    let tokens = client
        .exchange_code(AuthorizationCode::new(query["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let granted: Vec<String> = tokens.scopes().unwrap().iter().map(|scope| scope.to_string()).collect();
    assert!(granted.contains(&EVENTS.to_owned()), "{granted:?}");
    let id_token = tokens.id_token().expect("an ID token when openid is granted");
    let claims = id_token.claims(&client.id_token_verifier(), &nonce).expect("the ID token verifies");
    assert_eq!(claims.subject().as_str(), ADA_SUB);
    assert_eq!(claims.email().map(|email| email.as_str()), Some(ADA));

    let refresh = tokens.refresh_token().expect("offline access on the first grant");
    let refreshed = client.exchange_refresh_token(refresh).unwrap().request_async(&http).await.unwrap();
    assert!(refreshed.refresh_token().is_none(), "Google does not rotate refresh tokens");
    let refreshed_id = refreshed.id_token().expect("openid is still granted");
    let verifier = client.id_token_verifier();
    let claims = refreshed_id.claims(&verifier, |nonce: Option<&Nonce>| match nonce {
        None => Ok(()),
        Some(_) => Err("a refreshed ID token has no nonce".to_owned()),
    });
    assert_eq!(claims.unwrap().subject().as_str(), ADA_SUB);
}
