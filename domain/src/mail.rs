//! Outgoing e-mail. Every message is first written to the `mail_outbox` table, in the
//! same transaction as the change that causes it, then delivered by [`deliver_pending`]:
//! through SMTP (lettre) when `PORTICO_SMTP_URL` is set, otherwise to the log. Failed
//! deliveries are retried; nothing is dropped silently.

use chrono::{DateTime, Utc};
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::mail;
use crate::page::{self, Page, PageRequest};
use crate::{Actor, Db, DomainError, DomainResult};

/// Delivery attempts before a message is left alone (it stays visible with its error).
pub const MAX_ATTEMPTS: i32 = 10;

/// Queues a message for delivery.
pub async fn enqueue(db: &impl Db, to: &str, subject: &str, body: String) -> DomainResult<()> {
    mail::ActiveModel {
        id: Set(Uuid::now_v7()),
        to_address: Set(to.to_owned()),
        subject: Set(subject.to_owned()),
        body_text: Set(body),
        attempts: Set(0),
        last_error: Set(None),
        delivered_via: Set(None),
        created_at: Set(Utc::now()),
        sent_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Where mail goes.
pub enum MailTransport {
    /// Written to the log (development; no SMTP server configured).
    Log,
    /// Sent through an SMTP server.
    Smtp {
        /// The lettre transport.
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        /// The sender address.
        from: Mailbox,
    },
}

impl MailTransport {
    /// An SMTP transport from a URL such as `smtp://user:pass@host:587?tls=required` or
    /// `smtps://host`, sending as `from`.
    pub fn smtp(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("invalid SMTP URL: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        let from = from.parse::<Mailbox>().map_err(|e| format!("invalid sender address {from:?}: {e}"))?;
        Ok(Self::Smtp { transport: Box::new(transport), from })
    }

    /// Whether messages leave this machine (false: they only reach the log).
    pub fn is_smtp(&self) -> bool {
        matches!(self, Self::Smtp { .. })
    }

    async fn send(&self, message: &mail::Model) -> Result<&'static str, String> {
        match self {
            Self::Log => {
                tracing::info!(to = %message.to_address, subject = %message.subject, body = %message.body_text, "mail (no SMTP server configured)");
                Ok("log")
            }
            Self::Smtp { transport, from } => {
                let to = message.to_address.parse::<Mailbox>().map_err(|e| format!("invalid recipient: {e}"))?;
                let email = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(message.subject.clone())
                    .body(message.body_text.clone())
                    .map_err(|e| format!("cannot build message: {e}"))?;
                transport.send(email).await.map(|_| "smtp").map_err(|e| e.to_string())
            }
        }
    }
}

/// Delivers every pending message (oldest first, up to `batch`); returns how many went
/// out. A failure is recorded on the message and retried on a later call.
pub async fn deliver_pending(db: &impl Db, transport: &MailTransport, batch: u64) -> DomainResult<usize> {
    let pending = mail::Entity::find()
        .filter(mail::Column::SentAt.is_null())
        .filter(mail::Column::Attempts.lt(MAX_ATTEMPTS))
        .order_by_asc(mail::Column::CreatedAt)
        .limit(batch)
        .all(db)
        .await?;
    let mut delivered = 0;
    for message in pending {
        let outcome = transport.send(&message).await;
        let attempts = message.attempts + 1;
        let mut active: mail::ActiveModel = message.into();
        active.attempts = Set(attempts);
        match outcome {
            Ok(via) => {
                active.sent_at = Set(Some(Utc::now()));
                active.delivered_via = Set(Some(via.to_owned()));
                active.last_error = Set(None);
                delivered += 1;
            }
            Err(error) => {
                tracing::warn!(%error, attempts, "mail delivery failed; will retry");
                active.last_error = Set(Some(error));
            }
        }
        active.update(db).await?;
    }
    Ok(delivered)
}

/// A message in the outbox as the admin UI shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MailView {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// `smtp` or `log` once delivered.
    pub delivered_via: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<mail::Model> for MailView {
    fn from(m: mail::Model) -> Self {
        Self {
            id: m.id,
            to: m.to_address,
            subject: m.subject,
            body: m.body_text,
            attempts: m.attempts,
            last_error: m.last_error,
            delivered_via: m.delivered_via,
            created_at: m.created_at,
            sent_at: m.sent_at,
        }
    }
}

/// The outbox, newest first: for platform administrators, and only while mail is not
/// sent through SMTP (the bodies hold single-use links meant for their recipients).
pub async fn list_outbox(
    db: &impl Db,
    actor: &Actor,
    transport: &MailTransport,
    request: PageRequest,
) -> DomainResult<Page<MailView>> {
    actor.require_platform(crate::Permission::OutboxRead)?;
    if transport.is_smtp() {
        return Err(DomainError::NotFound("outbox"));
    }
    let select = mail::Entity::find().order_by_desc(mail::Column::CreatedAt).order_by_desc(mail::Column::Id);
    Ok(page::fetch(select, db, request).await?.map(MailView::from))
}

/// The texts Portico sends.
pub mod templates {
    /// (subject, body) of the e-mail-verification message.
    pub fn verify_email(base_url: &str, name: &str, token: &str) -> (&'static str, String) {
        (
            "Verify your e-mail address for Portico",
            format!(
                "Hello {name},\n\nplease confirm your e-mail address by opening this link (valid for 24 hours, usable once):\n\n{base_url}/verify-email?token={token}\n\nIf you did not sign up for Portico, ignore this message.\n"
            ),
        )
    }

    /// (subject, body) of an invitation into an organization.
    pub fn invitation(base_url: &str, org_name: &str, inviter: &str, role: &str, token: &str) -> (String, String) {
        (
            format!("You are invited to join {org_name} on Portico"),
            format!(
                "Hello,\n\n{inviter} invited you to join {org_name} on Portico as {role}.\nAccept the invitation here (valid for 7 days, usable once):\n\n{base_url}/invitations/accept?token={token}\n"
            ),
        )
    }

    /// (subject, body) of a password-reset link.
    pub fn password_reset(base_url: &str, name: &str, token: &str) -> (&'static str, String) {
        (
            "Reset your Portico password",
            format!(
                "Hello {name},\n\nsomeone (hopefully you) asked to reset the password of your Portico account.\nChoose a new password here (valid for 1 hour, usable once):\n\n{base_url}/reset-password?token={token}\n\nIf you did not ask for this, ignore this message: your password stays as it is.\n"
            ),
        )
    }

    /// (subject, body) telling a user their account was approved.
    pub fn approved(base_url: &str, name: &str) -> (&'static str, String) {
        (
            "Your Portico account is approved",
            format!("Hello {name},\n\nyour account has been approved. Sign in at {base_url}/login\n"),
        )
    }
}

#[cfg(test)]
mod tests;
