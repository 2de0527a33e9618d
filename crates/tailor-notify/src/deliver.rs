//! Delivery: claims due messages from the outbox, checks once more that they should go out
//! (consent, quiet hours, nothing bought since), and sends them over SMTP. A failed attempt is
//! retried with exponential backoff; a permanent refusal or too many attempts gives up.

use crate::reminders::{KIND, settings_of, without_items};
use crate::{Clock, NotifyError};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::Value;
use std::sync::Arc;
use tailor_engine::Engine;
use tailor_model::{CustomerId, Millis};
use tailor_store::{Delivery, OutboxMessage, Store};

/// A claimed message belongs to its worker for this long (then another attempt may take it).
pub const LEASE_MS: Millis = 5 * 60 * 1000;
/// Messages claimed per round.
pub const BATCH: usize = 50;

/// Exponential backoff between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Wait after the first failed attempt.
    pub base_ms: Millis,
    /// Longest wait.
    pub max_ms: Millis,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base_ms: 60_000,
            max_ms: 6 * 3_600_000,
        }
    }
}

impl Backoff {
    /// The wait after attempt `n` (1-based) failed: base · 2^(n−1), capped.
    pub fn after(&self, attempt: u32) -> Millis {
        let shift = attempt.saturating_sub(1).min(30);
        self.base_ms.saturating_mul(1 << shift).min(self.max_ms)
    }
}

/// What one delivery round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryStats {
    /// Accepted by the SMTP server.
    pub sent: usize,
    /// To be tried again.
    pub retried: usize,
    /// Given up.
    pub failed: usize,
    /// Not sent on purpose.
    pub suppressed: usize,
    /// Moved past quiet hours.
    pub deferred: usize,
}

/// Sends outbox messages over one SMTP transport.
pub struct Deliverer {
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    clock: Arc<dyn Clock>,
    smtp: AsyncSmtpTransport<Tokio1Executor>,
    defaults: Value,
    /// Waits between attempts.
    pub backoff: Backoff,
}

/// An SMTP transport from a URL: `smtp://host:port` (plain, or STARTTLS with
/// `?tls=required`), `smtps://host:port` (TLS), with `user:password@` when the server wants it.
pub fn smtp_from_url(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, NotifyError> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map_err(|e| NotifyError::Smtp(format!("SMTP URL {url:?}: {e}")))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build())
}

impl Deliverer {
    /// A deliverer; `defaults` are the settings every shop starts from.
    pub fn new(
        store: Arc<dyn Store>,
        engine: Arc<Engine>,
        clock: Arc<dyn Clock>,
        smtp: AsyncSmtpTransport<Tokio1Executor>,
        defaults: Value,
    ) -> Self {
        Self {
            store,
            engine,
            clock,
            smtp,
            defaults,
            backoff: Backoff::default(),
        }
    }

    /// The reminded items bought after the message was queued.
    fn bought_since_queued(&self, m: &OutboxMessage) -> Vec<String> {
        let Ok(c) = CustomerId::new(m.message.shopper.clone()) else {
            return Vec::new();
        };
        let state = self.engine.shop(&m.shop);
        let st = state.read();
        let Some(buyer) = st.shopper(None, Some(&c)).and_then(|s| s.buyer) else {
            return Vec::new();
        };
        let items = m.message.payload["items"].as_array();
        items
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|id| {
                st.catalog
                    .item(id)
                    .is_some_and(|i| st.models.replenish.bought_since(buyer, i, m.created_at))
            })
            .map(str::to_string)
            .collect()
    }

    /// Why a claimed message must not go out now, if it must not. A reminder some of whose
    /// items were bought since it was queued is revised (stored and sent) without them.
    fn hold(&self, m: &mut OutboxMessage, now: Millis) -> Result<Option<Delivery>, NotifyError> {
        let consent = self
            .store
            .contact(&m.shop, &m.message.shopper)?
            .is_some_and(|c| c.consent);
        if !consent {
            return Ok(Some(Delivery::Suppressed("no consent".into())));
        }
        let s = settings_of(self.store.as_ref(), &m.shop, &self.defaults)?;
        let at = s.after_quiet(now);
        if at > now {
            return Ok(Some(Delivery::Deferred { at }));
        }
        if m.message.kind == KIND {
            let bought = self.bought_since_queued(m);
            if !bought.is_empty() {
                let bought: Vec<&str> = bought.iter().map(String::as_str).collect();
                let revised = {
                    let state = self.engine.shop(&m.shop);
                    let st = state.read();
                    without_items(&st, &s, &m.message, &bought)?
                };
                let Some(r) = revised else {
                    return Ok(Some(Delivery::Suppressed("bought in the meantime".into())));
                };
                self.store.outbox_revise(m.id, &r)?;
                m.message.subject = r.subject;
                m.message.html = r.html;
                m.message.text = r.text;
                m.message.payload = r.payload;
            }
        }
        Ok(None)
    }

    fn build(&self, m: &OutboxMessage) -> Result<Message, String> {
        let s =
            settings_of(self.store.as_ref(), &m.shop, &self.defaults).map_err(|e| e.to_string())?;
        let from: Mailbox = s
            .from
            .parse()
            .map_err(|e| format!("sender {:?}: {e}", s.from))?;
        let to: Mailbox = m
            .message
            .recipient
            .parse()
            .map_err(|e| format!("recipient {:?}: {e}", m.message.recipient))?;
        let unsubscribe = format!(
            "<{}/v1/unsubscribe/{}>",
            s.public_url, m.message.unsubscribe_token
        );
        Message::builder()
            .from(from)
            .to(to)
            .subject(m.message.subject.clone())
            // Stable across retries, so a duplicate after a crash mid-delivery is recognisable.
            .message_id(Some(format!(
                "<{}.{}@tailor>",
                m.id, m.message.unsubscribe_token
            )))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                unsubscribe,
            ))
            .multipart(MultiPart::alternative_plain_html(
                m.message.text.clone(),
                m.message.html.clone(),
            ))
            .map_err(|e| format!("building the message: {e}"))
    }

    /// One round: claims what is due and tries each once.
    pub async fn deliver_due(&self) -> Result<DeliveryStats, NotifyError> {
        let mut stats = DeliveryStats::default();
        let now = self.clock.now();
        let batch = self.store.outbox_claim(now, LEASE_MS, BATCH)?;
        for mut m in batch {
            let outcome = match self.hold(&mut m, now)? {
                Some(d) => d,
                None => match self.build(&m) {
                    Err(e) => Delivery::Failed(e),
                    Ok(email) => match self.smtp.send(email).await {
                        Ok(_) => Delivery::Sent,
                        Err(e) if e.is_permanent() => Delivery::Failed(e.to_string()),
                        Err(e) => {
                            let max = settings_of(self.store.as_ref(), &m.shop, &self.defaults)
                                .map_or(8, |s| s.max_attempts);
                            if m.attempts >= max {
                                Delivery::Failed(format!("{e} (after {} attempts)", m.attempts))
                            } else {
                                Delivery::Retry {
                                    error: e.to_string(),
                                    at: self.clock.now() + self.backoff.after(m.attempts),
                                }
                            }
                        }
                    },
                },
            };
            match &outcome {
                Delivery::Sent => stats.sent += 1,
                Delivery::Retry { .. } => stats.retried += 1,
                Delivery::Failed(e) => {
                    tracing::warn!(id = m.id, "message given up: {e}");
                    stats.failed += 1
                }
                Delivery::Suppressed(_) => stats.suppressed += 1,
                Delivery::Deferred { .. } => stats.deferred += 1,
            }
            self.store.outbox_finish(m.id, &outcome, self.clock.now())?;
        }
        Ok(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Backoff::default();
        assert_eq!(b.after(1), 60_000);
        assert_eq!(b.after(2), 120_000);
        assert_eq!(b.after(4), 480_000);
        assert_eq!(b.after(100), b.max_ms);
        assert_eq!(b.after(0), 60_000);
    }
}
