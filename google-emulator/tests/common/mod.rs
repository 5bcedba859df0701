//! Shared helpers: an emulator on 127.0.0.1:0 and typed requests to it.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code, reason = "each test binary uses a subset")]

pub mod march;

use std::collections::HashMap;

use google_emulator::{ConsentDecision, Emulator, EmulatorConfig, Seed};
use serde_json::Value;

pub const CLIENT: &str = google_emulator::DEVELOPMENT_CLIENT_ID;
pub const SECRET: &str = google_emulator::DEVELOPMENT_CLIENT_SECRET;
pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const ADA: &str = "ada@example.com";
pub const ADA_SUB: &str = "108734928374650192837";
pub const READONLY: &str = "https://www.googleapis.com/auth/calendar.readonly";
pub const EVENTS: &str = "https://www.googleapis.com/auth/calendar.events";
// S256 of "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" (RFC 7636's example).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

pub struct Google {
    pub emulator: Emulator,
    pub base: String,
    pub http: reqwest::Client,
}

impl Google {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts an emulator whose config (seed included) `adjust` may change.
    pub async fn start_with(adjust: impl FnOnce(&mut EmulatorConfig)) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mut config =
            EmulatorConfig::new(base.parse().unwrap(), Seed::development(vec![REDIRECT.to_owned()]));
        adjust(&mut config);
        let emulator = Emulator::new(config);
        let router = emulator.router_with_controls();
        tokio::spawn(async move { axum::serve(listener, router).await });
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { emulator, base, http }
    }

    pub async fn authorize(&self, extra: &[(&str, &str)]) -> reqwest::Response {
        self.authorize_request(extra).send().await.unwrap()
    }

    /// [`Google::authorize`] from a browser holding this Google session
    /// cookie (`name=value`).
    pub async fn authorize_signed_in(&self, session: &str, extra: &[(&str, &str)]) -> reqwest::Response {
        self.authorize_request(extra).header("cookie", session).send().await.unwrap()
    }

    fn authorize_request(&self, extra: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let mut params: Vec<(&str, &str)> = vec![
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("state", "xyz"),
            ("nonce", "n-1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("access_type", "offline"),
            ("login_hint", ADA),
        ];
        params.extend_from_slice(extra);
        self.http.get(format!("{}/o/oauth2/v2/auth", self.base)).query(&params)
    }

    /// Authorizes with a consent decision and returns the redirect's query.
    pub async fn consent(
        &self,
        scope: &str,
        decision: ConsentDecision,
        extra: &[(&str, &str)],
    ) -> HashMap<String, String> {
        self.emulator.set_consent(ADA, decision);
        let mut params = vec![("scope", scope)];
        params.extend_from_slice(extra);
        let response = self.authorize(&params).await;
        assert_eq!(response.status(), 302, "{}", response.text().await.unwrap_or_default());
        query_of(response.headers()["location"].to_str().unwrap())
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/token", self.base))
            .basic_auth(CLIENT, Some(SECRET))
            .form(form)
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.json().await.unwrap())
    }

    pub async fn exchange(&self, code: &str) -> (u16, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .await
    }

    pub async fn calendar(&self, token: &str, path: &str) -> reqwest::Response {
        self.http.get(format!("{}/calendar/v3{path}", self.base)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn signed_in(&self, scope: &str) -> Value {
        let query = self.consent(scope, ConsentDecision::Allow, &[]).await;
        let (status, tokens) = self.exchange(&query["code"]).await;
        assert_eq!(status, 200, "{tokens}");
        tokens
    }
}

/// The Google session cookie a response sets, as `name=value`.
pub fn session_cookie(response: &reqwest::Response) -> String {
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

pub fn query_of(url: &str) -> HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

pub fn scopes_of(tokens: &Value) -> Vec<String> {
    let mut scopes: Vec<String> = tokens["scope"].as_str().unwrap().split(' ').map(str::to_owned).collect();
    scopes.sort();
    scopes
}

pub fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).unwrap()
}

impl Google {
    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http.post(format!("{}{path}", self.base)).json(body).send().await.unwrap()
    }

    pub async fn calendar_post(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(format!("{}/calendar/v3{path}", self.base))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.token(&[("grant_type", "refresh_token"), ("refresh_token", refresh_token)]).await
    }
}

/// One `<input>` of a form, as a browser sees it.
#[derive(Debug, Clone)]
pub struct Input {
    pub kind: String,
    pub name: String,
    pub value: String,
    pub checked: bool,
    pub testid: Option<String>,
}

/// The `action` of the page's first form and its inputs and buttons.
pub fn parse_form(html: &str) -> (String, Vec<Input>) {
    let form = &html[html.find("<form").expect("a form")..];
    let action = attribute(&form[..form.find('>').unwrap()], "action").expect("an action");
    let mut inputs = Vec::new();
    for tag in ["<input", "<button"] {
        let mut rest = form;
        while let Some(start) = rest.find(tag) {
            let end = start + rest[start..].find('>').unwrap();
            let element = &rest[start..end];
            inputs.push(Input {
                kind: if tag == "<button" {
                    "submit".to_owned()
                } else {
                    attribute(element, "type").unwrap_or_default()
                },
                name: attribute(element, "name").unwrap_or_default(),
                value: attribute(element, "value").unwrap_or_default(),
                checked: element.split_whitespace().any(|word| word == "checked"),
                testid: attribute(element, "data-testid"),
            });
            rest = &rest[end..];
        }
    }
    (action, inputs)
}

fn attribute(element: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = element.find(&needle)? + needle.len();
    let end = start + element[start..].find('"')?;
    Some(
        element[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// What a browser submits: hidden and text inputs, checked boxes and radios,
/// and the pressed button.
pub fn submission(inputs: &[Input], pressed: &str) -> Vec<(String, String)> {
    inputs
        .iter()
        .filter(|input| match input.kind.as_str() {
            "checkbox" | "radio" => input.checked,
            "submit" => input.testid.as_deref() == Some(pressed),
            _ => !input.name.is_empty(),
        })
        .map(|input| (input.name.clone(), input.value.clone()))
        .collect()
}
