//! Meet conferences for `conferenceDataVersion=1` inserts: made at once,
//! pending until the next `events.get`, or failed, as tests ask
//! (`create_conferences`).

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

/// Answers a `createRequest` as Google does under `how`.
pub(super) fn request_conference(
    extra: &mut serde_json::Map<String, Value>,
    request: &Value,
    how: ConferenceCreation,
) {
    let mut request = request.clone();
    match how {
        ConferenceCreation::Succeeds => {
            request["status"] = json!({ "statusCode": "success" });
            extra.insert("conferenceData".to_owned(), json!({ "createRequest": request }));
            complete_conference(extra);
        }
        // Google answers before the conference exists: no link yet, and
        // a later `events.get` finds it made.
        ConferenceCreation::Pending => {
            request["status"] = json!({ "statusCode": "pending" });
            extra.insert(
                "conferenceData".to_owned(),
                json!({
                    "createRequest": request,
                    "conferenceSolution": { "key": { "type": "hangoutsMeet" }, "name": "Google Meet" },
                }),
            );
        }
        ConferenceCreation::Fails => {
            request["status"] = json!({ "statusCode": "failure" });
            extra.insert("conferenceData".to_owned(), json!({ "createRequest": request }));
        }
    }
}

pub(super) fn conference_status(extra: &serde_json::Map<String, Value>) -> Option<&str> {
    extra.get("conferenceData")?.get("createRequest")?.get("status")?.get("statusCode")?.as_str()
}

/// The conference made: a Meet code, its entry point and `hangoutLink`, as
/// Google shows them, and the request's status `success`.
pub(super) fn complete_conference(extra: &mut serde_json::Map<String, Value>) {
    let code = meet_code();
    let uri = format!("https://meet.google.com/{code}");
    let request = extra
        .get("conferenceData")
        .and_then(|data| data.get("createRequest"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut request = request;
    request["status"] = json!({ "statusCode": "success" });
    extra.insert("hangoutLink".to_owned(), json!(uri));
    extra.insert(
        "conferenceData".to_owned(),
        json!({
            "createRequest": request,
            "entryPoints": [{ "entryPointType": "video", "uri": uri, "label": format!("meet.google.com/{code}") }],
            "conferenceSolution": { "key": { "type": "hangoutsMeet" }, "name": "Google Meet" },
            "conferenceId": code,
        }),
    );
}

/// A Meet code shaped like Google's: `abc-defg-hij`.
pub(super) fn meet_code() -> String {
    let part = |length: usize| {
        (0..length).map(|_| char::from(b'a' + rand::random_range(0..26u8))).collect::<String>()
    };
    format!("{}-{}-{}", part(3), part(4), part(3))
}
