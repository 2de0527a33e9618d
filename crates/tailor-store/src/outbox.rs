//! The email outbox and the shoppers' contact details: what the store keeps so that a
//! reminder is created once, delivered at least once, retried with backoff, and never sent to
//! someone who withdrew consent.
//!
//! A message's idempotency key is (shop, shopper, kind, date): the scheduler may run the same
//! date again after a crash and the store keeps the first message. Delivery claims a message
//! with a lease (`sending` until `next_attempt_at`); a worker that dies mid-delivery leaves it to
//! be claimed again when the lease runs out.

use serde::{Deserialize, Serialize};
use tailor_model::{Millis, ShopId};

/// Where a message is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a delivery worker until its lease ends.
    Sending,
    /// The SMTP server accepted it.
    Sent,
    /// Given up on after too many attempts or a permanent refusal.
    Failed,
    /// Not sent on purpose (bought in the meantime, consent withdrawn).
    Suppressed,
}

impl MessageStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Suppressed => "suppressed",
        }
    }

    /// The status with this stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Sending,
            Self::Sent,
            Self::Failed,
            Self::Suppressed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A message to queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Who it is for (a customer id).
    pub shopper: String,
    /// What it is (`replenishment`, `price_drop`, ...).
    pub kind: String,
    /// The local date it belongs to, `YYYY-MM-DD`.
    pub date: String,
    /// The email address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
    /// What the message is about (items, tracking codes), for suppression and analytics.
    pub payload: serde_json::Value,
    /// The secret in the message's unsubscribe link.
    pub unsubscribe_token: String,
    /// Not delivered before this time (quiet hours).
    pub not_before: Millis,
}

/// A claimed message's new content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// Subject line.
    pub subject: String,
    /// HTML body.
    pub html: String,
    /// Plain-text body.
    pub text: String,
    /// What the message is about now.
    pub payload: serde_json::Value,
}

/// A queued message as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Store-wide id.
    pub id: i64,
    /// The shop.
    pub shop: ShopId,
    /// What was queued.
    #[serde(flatten)]
    pub message: NewMessage,
    /// Where it is.
    pub status: MessageStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// When the next attempt may start (or the lease of a `sending` message ends).
    pub next_attempt_at: Millis,
    /// The last delivery error or suppression reason.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: Millis,
    /// When the SMTP server accepted it.
    pub sent_at: Option<Millis>,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// Accepted by the server.
    Sent,
    /// Try again at this time.
    Retry {
        /// The error of this attempt.
        error: String,
        /// When to try next.
        at: Millis,
    },
    /// Give up.
    Failed(String),
    /// Not now (quiet hours): back to pending until `at`, the attempt not counted.
    Deferred {
        /// When it may go.
        at: Millis,
    },
    /// Not sent on purpose.
    Suppressed(String),
}

/// A shopper's email address and consent to marketing email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Email address.
    pub email: String,
    /// Whether they agreed to reminders; unsubscribing sets it to false.
    pub consent: bool,
    /// Last change.
    pub updated_at: Millis,
}
