//! Wishlist alerts: the price-drop and back-in-stock notifications the catalog records for
//! listed products (`Store::add_notifications`) become one outbox message per customer and
//! batch. Only customers with an address and consent are emailed, and a product the customer's
//! hard constraints now exclude is left out, as everywhere else.
//!
//! Claiming and queueing are two steps: a crash between them loses that batch's alerts (the
//! record says it was claimed), never sends one twice. Visitors' notifications are claimed and
//! dropped: there is no address to send them to.

use crate::NotifyError;
use crate::reminders::line;
use crate::render::{self, Line};
use crate::settings::{ReminderSettings, date_string};
use serde_json::json;
use std::collections::BTreeMap;
use tailor_engine::Engine;
use tailor_engine::constraints::verdict;
use tailor_model::{CustomerId, Millis, ShopId};
use tailor_store::{NewMessage, Notification, NotificationKind, Recipient, Store};

/// The outbox kind of an alert (the batch's first notification id follows it).
pub const KIND: &str = "wishlist_alert";
/// Notifications claimed per run.
const BATCH: usize = 500;

/// What one alert run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AlertStats {
    /// Notifications claimed.
    pub claimed: usize,
    /// Messages queued.
    pub queued: usize,
    /// Notifications of visitors (no address), dropped.
    pub visitors: usize,
    /// Customers without an address or consent.
    pub no_consent: usize,
    /// Products left out because the customer's hard constraints exclude them now.
    pub excluded: usize,
}

fn what(n: &Notification) -> String {
    match n.kind {
        NotificationKind::PriceDrop => match (n.old_price, n.new_price) {
            (Some(a), Some(b)) => format!("now {b:.2}, was {a:.2}"),
            _ => "now cheaper".into(),
        },
        NotificationKind::BackInStock => "back in stock".into(),
    }
}

/// Claims the shop's pending notifications and queues one message per customer.
pub fn queue_alerts(
    store: &dyn Store,
    engine: &Engine,
    shop: &ShopId,
    s: &ReminderSettings,
    now: Millis,
) -> Result<AlertStats, NotifyError> {
    let claimed = store.claim_notifications(shop, BATCH)?;
    let mut stats = AlertStats {
        claimed: claimed.len(),
        ..AlertStats::default()
    };
    let mut by_customer: BTreeMap<String, Vec<Notification>> = BTreeMap::new();
    for n in claimed {
        match &n.recipient {
            Recipient::Customer(c) => by_customer.entry(c.clone()).or_default().push(n),
            Recipient::Visitor(_) => stats.visitors += 1,
        }
    }
    let state = engine.shop(shop);
    for (customer, notes) in by_customer {
        let contact = match store.contact(shop, &customer)? {
            Some(c) if c.consent && !c.email.is_empty() => c,
            _ => {
                stats.no_consent += 1;
                continue;
            }
        };
        let request = format!("m{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        let mut lines: Vec<Line> = Vec::new();
        {
            let st = state.read();
            let prefs = CustomerId::new(customer.clone())
                .ok()
                .and_then(|c| st.shopper(None, Some(&c)))
                .map(|sh| sh.preferences.clone())
                .unwrap_or_default();
            for n in &notes {
                let Some(item) = st.catalog.item(&n.product) else {
                    continue;
                };
                let Some(p) = st.catalog.product(item) else {
                    continue;
                };
                if p.hidden || !verdict(&prefs, p).allows() {
                    stats.excluded += 1;
                    continue;
                }
                let code = format!("{request}:alert:{}", lines.len());
                if let Some(mut l) = line(&st, s, item, code, None) {
                    l.title = format!("{} ({})", l.title, what(n));
                    lines.push(l);
                }
            }
        }
        if lines.is_empty() {
            continue;
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        let subject = match lines.as_slice() {
            [one] => format!("From your list: {}", one.title),
            many => format!("{} products from your lists changed", many.len()),
        };
        let message = render::Alert {
            subject: subject.clone(),
            items: lines,
            unsubscribe: format!("{}/v1/unsubscribe/{token}", s.public_url),
        };
        let (html, text) = render::alert(&message)?;
        let first = notes.iter().map(|n| n.id).min().unwrap_or_default();
        let m = NewMessage {
            shopper: customer.clone(),
            // One message per batch: the key (shop, shopper, kind, date) must not merge two.
            kind: format!("{KIND}:{first}"),
            date: date_string(s.local_date(now)),
            recipient: contact.email,
            subject,
            html,
            text,
            payload: json!({
                "request": request,
                "items": message.items.iter().map(|l| &l.product_id).collect::<Vec<_>>(),
                "notifications": notes.iter().map(|n| n.id).collect::<Vec<_>>(),
            }),
            unsubscribe_token: token,
            not_before: s.after_quiet(now),
        };
        if store.outbox_enqueue(shop, &m, now)?.1 {
            stats.queued += 1;
        }
    }
    Ok(stats)
}
