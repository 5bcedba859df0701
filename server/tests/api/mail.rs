//! Mail goes through a real SMTP server (mailin-embedded) started by the
//! test; an outage delays it and loses none.

use std::{
    io,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use app::db::{outbox, Backend};
use mailin_embedded::{response, Handler, Response};
use server::{config::SmtpSettings, mailer::Mailer};

use crate::helpers::{TestApp, BACKENDS};

/// Collects every message the SMTP server accepts.
#[derive(Clone, Default)]
struct Inbox {
    current: Vec<u8>,
    received: Arc<Mutex<Vec<String>>>,
}

impl Handler for Inbox {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = String::from_utf8_lossy(&std::mem::take(&mut self.current)).into_owned();
        self.received.lock().unwrap().push(message);
        response::OK
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real SMTP server on `port`; what it accepts lands in the returned list.
pub(crate) async fn start_smtp_server(port: u16) -> Arc<Mutex<Vec<String>>> {
    let inbox = Inbox::default();
    let received = inbox.received.clone();
    let mut server = mailin_embedded::Server::new(inbox);
    server.with_name("mail.test").with_addr(format!("127.0.0.1:{port}")).unwrap();
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    received
}

fn invitation(recipient: &str) -> outbox::NewMessage {
    outbox::NewMessage {
        recipient: recipient.to_owned(),
        subject: "Invitation: meeting".to_owned(),
        body_text: "Your meeting is booked.".to_owned(),
        calendar_ics: Some("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".to_owned()),
    }
}

/// The `Message-ID` header of a raw message.
fn message_id(raw: &str) -> String {
    raw.lines()
        .find_map(|line| line.strip_prefix("Message-ID: "))
        .unwrap_or_else(|| panic!("no Message-ID in {raw}"))
        .to_owned()
}

#[tokio::test]
async fn a_message_sent_again_after_a_crash_carries_the_same_message_id() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let port = free_port();
    let smtp =
        SmtpSettings { url: format!("smtp://127.0.0.1:{port}").into(), server: format!("127.0.0.1:{port}") };
    let database = app.database.connect().await;
    let mailer = Mailer::new(&smtp, "BookMate <bookings@example.com>", database.clone()).unwrap();
    let received = start_smtp_server(port).await;
    for recipient in ["ada@example.com", "bob@example.net"] {
        outbox::enqueue(database.pool(), &invitation(recipient), chrono::Utc::now()).await.unwrap();
    }
    assert_eq!(mailer.send_due().await.unwrap(), 2);
    // The process died after the SMTP server took the first message, before
    // it was marked sent: once its claim runs out, it goes again.
    sqlx::query(
        "update outbox_messages set sent_at = null, next_attempt_at = 0 where recipient = 'ada@example.com'",
    )
    .execute(database.pool())
    .await
    .unwrap();
    assert_eq!(mailer.send_due().await.unwrap(), 1);

    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 3, "at least once: the first message twice");
    let ids: Vec<String> = messages.iter().map(|raw| message_id(raw)).collect();
    assert_eq!(ids[0], ids[2], "a resend is recognisably the same message");
    assert_ne!(ids[0], ids[1], "two messages, two ids");
    assert!(ids.iter().all(|id| id.starts_with("<outbox.") && id.ends_with("@example.com>")), "{ids:?}");
    app.stop().await;
}

#[tokio::test]
async fn an_smtp_outage_delays_invitations_and_loses_none() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let port = free_port();
    let smtp =
        SmtpSettings { url: format!("smtp://127.0.0.1:{port}").into(), server: format!("127.0.0.1:{port}") };
    let database = app.database.connect().await;
    let mailer = Mailer::new(&smtp, "BookMate <bookings@example.com>", database.clone()).unwrap();

    let now = chrono::Utc::now();
    for recipient in ["ada@example.com", "bob@example.net"] {
        outbox::enqueue(database.pool(), &invitation(recipient), now).await.unwrap();
    }

    // Nobody listens on the port: nothing is sent, everything stays queued.
    assert_eq!(mailer.send_due().await.unwrap(), 0);
    let queued = outbox::recent(database.pool(), 10).await.unwrap();
    assert!(queued
        .iter()
        .all(|message| message.sent_at.is_none() && message.attempts == 1 && message.last_error.is_some()));
    assert!(
        outbox::due(database.pool(), chrono::Utc::now(), 10).await.unwrap().is_empty(),
        "retries wait for the backoff"
    );

    // The server comes up; the backoff has passed.
    let received = start_smtp_server(port).await;
    sqlx::query("update outbox_messages set next_attempt_at = 0").execute(database.pool()).await.unwrap();

    assert_eq!(mailer.send_due().await.unwrap(), 2);
    let messages = received.lock().unwrap().clone();
    assert_eq!(messages.len(), 2);
    for message in &messages {
        assert!(message.contains("Subject: Invitation: meeting"), "{message}");
        assert!(message.contains("text/calendar"), "{message}");
        assert!(message.contains("method=REQUEST") || message.contains("method=\"REQUEST\""), "{message}");
    }
    assert!(outbox::recent(database.pool(), 10)
        .await
        .unwrap()
        .iter()
        .all(|message| message.sent_at.is_some()));
    assert_eq!(mailer.send_due().await.unwrap(), 0, "sent once, never twice");
    app.stop().await;
}

#[tokio::test]
async fn processes_sharing_a_database_send_each_message_once() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let port = free_port();
        let smtp = SmtpSettings {
            url: format!("smtp://127.0.0.1:{port}").into(),
            server: format!("127.0.0.1:{port}"),
        };
        let received = start_smtp_server(port).await;
        let database = app.database.connect().await;
        let recipients: Vec<String> = (0..12).map(|n| format!("visitor{n}@example.net")).collect();
        for recipient in &recipients {
            outbox::enqueue(database.pool(), &invitation(recipient), chrono::Utc::now()).await.unwrap();
        }

        // Two processes' mailers, each with its own pool, at the same moment.
        let mailers = [app.database.connect().await, app.database.connect().await]
            .map(|database| Mailer::new(&smtp, "BookMate <bookings@example.com>", database).unwrap());
        let [first, second] = &mailers;
        let (first, second) = tokio::join!(first.send_due(), second.send_due());
        assert_eq!(first.unwrap() + second.unwrap(), recipients.len(), "{backend:?}");

        let mut delivered: Vec<String> = received
            .lock()
            .unwrap()
            .iter()
            .filter_map(|message| recipients.iter().find(|to| message.contains(to.as_str())).cloned())
            .collect();
        delivered.sort();
        let mut expected = recipients.clone();
        expected.sort();
        assert_eq!(delivered, expected, "{backend:?}: each message exactly once");
        app.stop().await;
    }
}

#[tokio::test]
async fn without_smtp_the_outbox_is_a_development_mailbox() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let database = app.database.connect().await;
    let message = outbox::NewMessage {
        recipient: "bob@example.net".to_owned(),
        subject: "Invitation: <b>meeting</b>".to_owned(),
        body_text: "Booked.".to_owned(),
        calendar_ics: None,
    };
    outbox::enqueue(database.pool(), &message, chrono::Utc::now()).await.unwrap();
    let page = app.get("/dev/mailbox").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Invitation: &lt;b&gt;meeting&lt;/b&gt;"), "escaped: {html}");
    assert!(html.contains("bob@example.net"));
    app.stop().await;
}
