//! A plain page that says one thing, for answers outside Leptos (the OAuth
//! callback's refusals). Text is escaped; the page needs no JavaScript.

use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Response},
};

/// `stylesheet` is the site's stylesheet as served (`app::site_assets`).
pub fn message_page(stylesheet: &str, status: StatusCode, title: &str, body: &str) -> Response {
    let title = escape(title);
    let body = escape(body);
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{stylesheet}">
<title>{title} · BookMate</title>
</head>
<body>
<main class="page narrow">
<div class="card message">
<h1>{title}</h1>
<p>{body}</p>
<p class="actions"><a class="button primary" href="/auth/google/login">Sign in with Google</a> <a class="button secondary" href="/">Back to BookMate</a></p>
</div>
</main>
</body>
</html>"#
    );
    (status, Html(html)).into_response()
}

/// HTML text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape(r#"<script>"a&b"</script>"#), "&lt;script&gt;&quot;a&amp;b&quot;&lt;/script&gt;");
    }
}
