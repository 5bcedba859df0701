//! The outbox's sender, run by the worker (`worker.rs`): sends queued mail
//! through SMTP, retrying with backoff, so an SMTP outage delays mail and
//! loses none. Without `SMTP_URL` nothing is sent, and the outbox is the
//! development mailbox (`/dev/mailbox`).
//!
//! Delivery is at least once: a process that dies after the SMTP server took
//! a message, before marking it sent, sends it again once its claim runs
//! out. Each message carries a `Message-ID` made from its row, the same on
//! every attempt, so a resend is recognisably the same message.

use std::time::Duration;

use app::{
    db::{
        outbox::{self, OutboxMessage},
        Database,
    },
    retry::Backoff,
};
use chrono::Utc;
use lettre::{
    message::{header::ContentType, Attachment, MultiPart, SinglePart},
    AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor,
};
use secrecy::ExposeSecret as _;

use crate::config::SmtpSettings;

const BATCH: i64 = 20;
/// 30 s, 1 min, 2 min … up to an hour between attempts, for as long as it
/// takes: an outage delays mail and loses none.
const RETRIES: Backoff =
    Backoff { attempts: u32::MAX, first: Duration::from_secs(30), max: Duration::from_secs(3600) };
/// How long a message taken for sending is kept from other processes: far
/// longer than an SMTP exchange, short enough if the sender died.
const CLAIM: chrono::Duration = chrono::Duration::minutes(10);

#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("SMTP_URL is not usable: {0}")]
    BadUrl(String),
    #[error("the sender address is not valid: {0}")]
    BadSender(String),
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: lettre::message::Mailbox,
    database: Database,
}

impl Mailer {
    pub fn new(smtp: &SmtpSettings, from: &str, database: Database) -> Result<Self, MailerError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp.url.expose_secret())
            .map_err(|error| MailerError::BadUrl(error.to_string()))?
            .timeout(Some(Duration::from_secs(15)))
            .build();
        let from = from
            .parse()
            .map_err(|error: lettre::address::AddressError| MailerError::BadSender(error.to_string()))?;
        Ok(Self { transport, from, database })
    }

    /// One pass over the due messages; returns how many were sent.
    pub async fn send_due(&self) -> Result<usize, app::db::DbError> {
        let db = self.database.pool();
        let mut sent = 0;
        for message in outbox::due(db, Utc::now(), BATCH).await? {
            let now = Utc::now();
            if !outbox::claim(db, message.message_id, now, now + CLAIM).await? {
                continue;
            }
            match self.send(&message).await {
                Ok(()) => {
                    outbox::mark_sent(db, message.message_id, Utc::now()).await?;
                    sent += 1;
                }
                Err(error) => {
                    let wait = RETRIES.delay(u32::try_from(message.attempts).unwrap_or(u32::MAX));
                    tracing::warn!(message_id = message.message_id, attempts = message.attempts + 1, %error, "mail not sent; will retry");
                    let next =
                        Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(1));
                    outbox::mark_failed(db, message.message_id, next, &error).await?;
                }
            }
        }
        Ok(sent)
    }

    /// `<outbox.{id}.{created}@{sender's domain}>`: stable across attempts,
    /// distinct across messages (and across databases, by the creation time).
    fn message_id(&self, message: &OutboxMessage) -> String {
        format!(
            "<outbox.{}.{}@{}>",
            message.message_id,
            message.created_at.timestamp(),
            self.from.email.domain()
        )
    }

    async fn send(&self, message: &OutboxMessage) -> Result<(), String> {
        let to: lettre::message::Mailbox =
            message.recipient.parse().map_err(|error: lettre::address::AddressError| error.to_string())?;
        let builder = Message::builder()
            .message_id(Some(self.message_id(message)))
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone());
        let email = match &message.calendar_ics {
            Some(ics) => {
                let calendar = ContentType::parse("text/calendar; charset=UTF-8; method=REQUEST")
                    .map_err(|error| error.to_string())?;
                builder.multipart(
                    MultiPart::mixed()
                        .singlepart(SinglePart::plain(message.body_text.clone()))
                        .singlepart(Attachment::new("invite.ics".to_owned()).body(ics.clone(), calendar)),
                )
            }
            None => builder.body(message.body_text.clone()),
        }
        .map_err(|error| error.to_string())?;
        self.transport.send(email).await.map(|_| ()).map_err(|error| error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_up_to_an_hour() {
        assert_eq!(RETRIES.delay(0), Duration::from_secs(30));
        assert_eq!(RETRIES.delay(1), Duration::from_secs(60));
        assert_eq!(RETRIES.delay(6), Duration::from_secs(1920));
        assert_eq!(RETRIES.delay(7), Duration::from_secs(3600));
        assert_eq!(RETRIES.delay(40), Duration::from_secs(3600));
    }
}
