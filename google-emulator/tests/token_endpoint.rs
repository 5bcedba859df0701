//! The token, tokeninfo, userinfo and revoke endpoints, and the ID tokens
//! they hand out, as Google documents them (google.md §3 and §4).

mod common;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use common::*;
use google_emulator::{ConsentDecision, Seed, SeedClient};
use rsa::{
    pkcs1v15::{Signature, VerifyingKey},
    sha2::{Digest as _, Sha256},
    signature::Verifier as _,
    BigUint, RsaPublicKey,
};
use serde_json::Value;

const TESTING_CLIENT: &str = "testing.apps.googleusercontent.com";

fn with_testing_client(seed: &mut Seed) {
    seed.clients.push(SeedClient {
        client_id: TESTING_CLIENT.to_owned(),
        client_secret: "testing-secret".to_owned(),
        redirect_uris: vec![REDIRECT.to_owned()],
        testing: true,
    });
}

#[tokio::test]
async fn client_secret_post_works_and_wrong_credentials_are_invalid_client() {
    let google = Google::start().await;
    let query = google.consent("openid email", ConsentDecision::Allow, &[]).await;
    let post = |client_id: &'static str, secret: &'static str| {
        let code = query["code"].clone();
        let http = google.http.clone();
        let url = format!("{}/token", google.base);
        async move {
            let response = http
                .post(url)
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code.as_str()),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", VERIFIER),
                    ("client_id", client_id),
                    ("client_secret", secret),
                ])
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = post("nobody.apps.googleusercontent.com", "x").await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(body["error_description"], "The OAuth client was not found.");
    let (status, body) = post(CLIENT, "wrong").await;
    assert_eq!((status, body["error_description"].as_str()), (401, Some("Unauthorized")));
    let (status, body) = post(CLIENT, SECRET).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
}

#[tokio::test]
async fn a_code_is_bound_to_its_redirect_uri_and_expires_after_ten_minutes() {
    let google = Google::start().await;
    let query = google.consent("openid email", ConsentDecision::Allow, &[]).await;
    let (status, body) = google
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &query["code"]),
            ("redirect_uri", "http://127.0.0.1:9/other"),
            ("code_verifier", VERIFIER),
        ])
        .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("redirect_uri_mismatch")));

    let late = google.consent("openid email", ConsentDecision::Allow, &[("prompt", "consent")]).await;
    google.emulator.advance_clock(chrono::Duration::seconds(601));
    let (status, body) = google.exchange(&late["code"]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn a_verifier_without_a_challenge_is_refused_and_plain_pkce_works() {
    let google = Google::start().await;
    let query = google
        .consent(
            "openid email",
            ConsentDecision::Allow,
            &[("code_challenge", ""), ("code_challenge_method", "")],
        )
        .await;
    let (status, body) = google.exchange(&query["code"]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(body["error_description"], "code_verifier or verifier is not needed.");

    let plain = google
        .consent(
            "openid email",
            ConsentDecision::Allow,
            &[("prompt", "consent"), ("code_challenge", VERIFIER), ("code_challenge_method", "plain")],
        )
        .await;
    let (status, _) = google.exchange(&plain["code"]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn refresh_tokens_come_only_with_a_consent_screen_even_to_a_client_holding_none() {
    let google = Google::start().await;
    let online = google.consent("openid email", ConsentDecision::Allow, &[("access_type", "online")]).await;
    let (_, online) = google.exchange(&online["code"]).await;
    assert!(online.get("refresh_token").is_none(), "online access never gets one");

    // Offline now, but everything is granted and there is no prompt: no
    // screen, so no refresh token, although the client has none yet.
    let silent = google.authorize(&[("scope", "openid email")]).await;
    let query = query_of(silent.headers()["location"].to_str().unwrap());
    assert_eq!(query["prompt"], "none");
    let (_, silent) = google.exchange(&query["code"]).await;
    assert!(silent.get("refresh_token").is_none(), "{silent}");

    // New scopes bring the consent screen, and with it a refresh token.
    let wider = google.consent(&format!("openid email {READONLY}"), ConsentDecision::Allow, &[]).await;
    assert_eq!(wider["prompt"], "consent");
    let (_, wider) = google.exchange(&wider["code"]).await;
    assert!(wider["refresh_token"].is_string(), "{wider}");

    let forced = google.consent("openid email", ConsentDecision::Allow, &[("prompt", "consent")]).await;
    let (_, forced) = google.exchange(&forced["code"]).await;
    assert!(forced["refresh_token"].is_string(), "prompt=consent gives a new one");
}

#[tokio::test]
async fn a_testing_clients_calendar_refresh_token_dies_after_seven_days_but_sign_in_only_does_not() {
    let google = Google::start_with(|config| with_testing_client(&mut config.seed)).await;
    let sign_in = |scope: String| {
        let google = &google;
        async move {
            google.emulator.set_consent(ADA, ConsentDecision::Allow);
            let response = google
                .http
                .get(format!("{}/o/oauth2/v2/auth", google.base))
                .query(&[
                    ("client_id", TESTING_CLIENT),
                    ("redirect_uri", REDIRECT),
                    ("response_type", "code"),
                    ("scope", scope.as_str()),
                    ("access_type", "offline"),
                    ("prompt", "consent"),
                    ("login_hint", ADA),
                ])
                .send()
                .await
                .unwrap();
            let query = query_of(response.headers()["location"].to_str().unwrap());
            let tokens: Value = google
                .http
                .post(format!("{}/token", google.base))
                .basic_auth(TESTING_CLIENT, Some("testing-secret"))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", &query["code"]),
                    ("redirect_uri", REDIRECT),
                ])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            tokens
        }
    };
    let basic = sign_in("openid email profile".to_owned()).await;
    assert!(basic.get("refresh_token_expires_in").is_none());
    let calendar = sign_in(format!("openid email {EVENTS}")).await;
    assert_eq!(calendar["refresh_token_expires_in"], 604_799);

    google.emulator.advance_clock(chrono::Duration::days(7));
    let refresh = |token: &Value| {
        google
            .http
            .post(format!("{}/token", google.base))
            .basic_auth(TESTING_CLIENT, Some("testing-secret"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", token.as_str().unwrap())])
            .send()
    };
    let dead = refresh(&calendar["refresh_token"]).await.unwrap();
    assert_eq!(dead.status(), 400);
    let dead: Value = dead.json().await.unwrap();
    assert_eq!(dead["error"], "invalid_grant");
    assert_eq!(dead["error_description"], "Token has been expired or revoked.");
    assert_eq!(refresh(&basic["refresh_token"]).await.unwrap().status(), 200);
}

#[tokio::test]
async fn the_oldest_of_more_than_one_hundred_refresh_tokens_stops_working() {
    let google = Google::start().await;
    let first = google.signed_in("openid").await;
    for _ in 0..100 {
        let query = google.consent("openid", ConsentDecision::Allow, &[("prompt", "consent")]).await;
        let (status, _) = google.exchange(&query["code"]).await;
        assert_eq!(status, 200);
    }
    let (status, body) = google.refresh(first["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn the_access_token_lifetime_is_configurable_and_refresh_gives_an_id_token_without_nonce() {
    let google =
        Google::start_with(|config| config.access_token_lifetime = std::time::Duration::from_secs(120)).await;
    let tokens = google.signed_in("openid email profile").await;
    assert_eq!(tokens["expires_in"], 120);
    google.emulator.advance_clock(chrono::Duration::seconds(121));
    let (status, info) = google
        .get_json(&format!("/tokeninfo?access_token={}", tokens["access_token"].as_str().unwrap()))
        .await;
    assert_eq!((status, info["error_description"].as_str()), (400, Some("Invalid Value")));
    let (status, refreshed) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let claims = claims_of(refreshed["id_token"].as_str().unwrap());
    assert!(claims.get("nonce").is_none(), "{claims}");
    assert_eq!(claims["name"], "Ada Lovelace");
}

#[tokio::test]
async fn tokeninfo_answers_in_strings_and_userinfo_follows_the_granted_scopes() {
    let google = Google::start().await;
    let tokens = google.signed_in("openid email").await;
    let access = tokens["access_token"].as_str().unwrap();
    let (status, info) = google.get_json(&format!("/tokeninfo?access_token={access}")).await;
    assert_eq!(status, 200);
    assert_eq!(info["aud"], CLIENT);
    assert_eq!(info["azp"], CLIENT);
    assert_eq!(info["sub"], ADA_SUB);
    assert_eq!(info["email"], ADA);
    assert_eq!(info["email_verified"], "true");
    assert_eq!(info["access_type"], "offline");
    assert!(info["expires_in"].as_str().unwrap().parse::<i64>().unwrap() > 3500);
    assert!(info["exp"].is_string());

    for path in ["/v1/userinfo", "/oauth2/v3/userinfo"] {
        let userinfo: Value = google
            .http
            .get(format!("{}{path}", google.base))
            .bearer_auth(access)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(userinfo["sub"], ADA_SUB);
        assert_eq!(userinfo["email"], ADA);
        assert_eq!(userinfo["email_verified"], true);
        assert!(userinfo.get("name").is_none(), "no profile scope, no name: {userinfo}");
    }
    let refused =
        google.http.get(format!("{}/v1/userinfo", google.base)).bearer_auth("ya29.nope").send().await;
    assert_eq!(refused.unwrap().status(), 401);
}

#[tokio::test]
async fn id_tokens_verify_against_the_published_key_with_at_hash_and_rotation_brings_an_unseen_key() {
    let google = Google::start().await;
    let tokens = google.signed_in("openid email profile").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let (_, jwks) = google.get_json("/oauth2/v3/certs").await;
    let kid = verify(id_token, &jwks);
    let claims = claims_of(id_token);
    assert_eq!(claims["iss"], google.base);
    assert_eq!(claims["aud"], CLIENT);
    assert_eq!(claims["sub"], ADA_SUB);
    assert_eq!(claims["email"], ADA);
    assert_eq!(claims["email_verified"], true);
    assert_eq!(claims["name"], "Ada Lovelace");
    assert!(claims["picture"].as_str().unwrap().starts_with("data:image/svg+xml,"));
    assert_eq!(claims["nonce"], "n-1");
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
    let digest = Sha256::digest(tokens["access_token"].as_str().unwrap().as_bytes());
    assert_eq!(claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest[..16]));

    google.emulator.rotate_signing_key();
    let later = google.signed_in("openid email").await;
    let later_kid = header_of(later["id_token"].as_str().unwrap())["kid"].as_str().unwrap().to_owned();
    assert!(!kids(&jwks).contains(&later_kid), "a key the client's cached JWKS does not hold");
    let (_, rotated_jwks) = google.get_json("/oauth2/v3/certs").await;
    assert_eq!(verify(later["id_token"].as_str().unwrap(), &rotated_jwks), later_kid);
    assert_eq!(kids(&rotated_jwks), [kid.clone(), later_kid.clone()], "the previous key stays published");
    verify(id_token, &rotated_jwks);

    // tokeninfo checks the signature: a forged token is refused.
    let mut parts: Vec<&str> = id_token.split('.').collect();
    let forged_claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"1","exp":9999999999}"#);
    parts[1] = &forged_claims;
    let (status, _) = google.get_json(&format!("/tokeninfo?id_token={}", parts.join("."))).await;
    assert_eq!(status, 400);
    let (status, info) = google.get_json(&format!("/tokeninfo?id_token={id_token}")).await;
    assert_eq!((status, info["alg"].as_str()), (200, Some("RS256")));

    google.emulator.rotate_signing_key();
    let (_, twice_rotated) = google.get_json("/oauth2/v3/certs").await;
    let newest = kids(&twice_rotated);
    assert_eq!(newest.len(), 2);
    assert!(newest[0] == later_kid && !newest.contains(&kid), "the oldest drops out: {newest:?}");
    let (status, _) = google.get_json(&format!("/tokeninfo?id_token={id_token}")).await;
    assert_eq!(status, 400, "signed by a key no longer published");
}

#[tokio::test]
async fn a_bare_issuer_drops_the_scheme_from_id_tokens_only() {
    let google = Google::start().await;
    let switched = google.post_json("/__emulator/bare-issuer", &serde_json::json!({ "enabled": true })).await;
    assert_eq!(switched.status(), 204);
    let bare = google.base.strip_prefix("http://").unwrap();

    let query = google.consent("openid email", ConsentDecision::Allow, &[]).await;
    assert_eq!(query["iss"], google.base, "the redirect keeps the full URL");
    let (_, tokens) = google.exchange(&query["code"]).await;
    assert_eq!(claims_of(tokens["id_token"].as_str().unwrap())["iss"], bare);
    let (_, refreshed) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(claims_of(refreshed["id_token"].as_str().unwrap())["iss"], bare);
    let (_, discovery) = google.get_json("/.well-known/openid-configuration").await;
    assert_eq!(discovery["issuer"], google.base, "discovery keeps the full URL");

    google.emulator.set_bare_issuer(false);
    let (_, refreshed) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(claims_of(refreshed["id_token"].as_str().unwrap())["iss"], google.base);
}

#[tokio::test]
async fn revoking_a_refresh_token_kills_its_access_tokens_and_an_unknown_token_is_400() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let revoke =
        |token: &str| google.http.post(format!("{}/revoke", google.base)).form(&[("token", token)]).send();
    assert_eq!(revoke(tokens["refresh_token"].as_str().unwrap()).await.unwrap().status(), 200);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(google.calendar(access, "/users/me/calendarList").await.status(), 401);
    let unknown = revoke("ya29.unknown").await.unwrap();
    assert_eq!(unknown.status(), 400);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test]
async fn an_expired_access_token_does_not_revoke_and_the_grant_stays() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    google.emulator.expire_access_tokens(ADA);
    let refused = google
        .http
        .post(format!("{}/revoke", google.base))
        .form(&[("token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(body["error_description"], "Token expired or revoked");
    assert!(google.emulator.grant(ADA, CLIENT).is_some(), "the grant stays");
    let (status, _) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the refresh token still works");
}

#[tokio::test]
async fn a_refresh_token_presented_by_another_client_is_unauthorized_client() {
    let google = Google::start_with(|config| with_testing_client(&mut config.seed)).await;
    let tokens = google.signed_in("openid email").await;
    let borrowed = google
        .http
        .post(format!("{}/token", google.base))
        .basic_auth(TESTING_CLIENT, Some("testing-secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(borrowed.status(), 401);
    let body: Value = borrowed.json().await.unwrap();
    assert_eq!(body["error"], "unauthorized_client");
    assert_eq!(body["error_description"], "Unauthorized");
    let (status, _) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "its own client still refreshes");
}

#[tokio::test]
async fn a_refresh_whose_answer_is_lost_still_issued_its_access_token() {
    let google = Google::start().await;
    let tokens = google.signed_in("openid email").await;
    let before = google.emulator.issued_tokens().len();
    let fault = google_emulator::Fault { status: 503, retry_after_seconds: None, delay_ms: None };
    google.emulator.inject_lost_answer("token.refresh_token", fault, 1);
    let (status, body) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (503, Some("internal_failure")));
    assert_eq!(google.emulator.issued_tokens().len(), before + 1, "an access token the client never saw");
}

#[tokio::test]
async fn unsupported_and_missing_grant_types_follow_rfc_6749() {
    let google = Google::start().await;
    let (status, body) = google.token(&[("grant_type", "password")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, body) = google.token(&[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")));
}

/// Checks the RS256 signature against the JWKS and returns the key id used.
fn verify(jwt: &str, jwks: &Value) -> String {
    let parts: Vec<&str> = jwt.split('.').collect();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    let kid = header["kid"].as_str().unwrap();
    assert_eq!(kid.len(), 40, "40 hex digits, like Google's");
    let key = jwks["keys"].as_array().unwrap().iter().find(|key| key["kid"] == kid).expect("a published key");
    let number =
        |name: &str| BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap());
    let public = RsaPublicKey::new(number("n"), number("e")).unwrap();
    let signature = Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice()).unwrap();
    VerifyingKey::<Sha256>::new(public)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies");
    kid.to_owned()
}

fn header_of(jwt: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap()
}

/// The key ids a JWKS publishes, in order.
fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"].as_array().unwrap().iter().map(|key| key["kid"].as_str().unwrap().to_owned()).collect()
}

fn claims_of(jwt: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap()
}
