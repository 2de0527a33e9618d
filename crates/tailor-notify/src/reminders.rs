//! The daily reminder run: for one shop and one local date, every customer with items due that
//! day gets one message in the outbox, unless consent, the contact cap or an earlier reminder of
//! the same cycle says no. Recommendations come from the shared pipeline, so the shopper's hard
//! constraints hold in the email as on the site.

use crate::render::{self, Line};
use crate::settings::{MAX_CATCH_UP_DAYS, ReminderSettings, SETTINGS_KEY, date_string, parse_date};
use crate::{Clock, NotifyError};
use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Value, json};
use std::sync::Arc;
use tailor_engine::replenish::{DAY_MS, DueItem, reminders_between};
use tailor_engine::{Engine, RecRequest, ShopState, recommend};
use tailor_model::{CustomerId, Millis, ShopId};
use tailor_store::{MessageStatus, NewMessage, OutboxMessage, Revision, Store};

/// The outbox kind of a replenishment reminder.
pub const KIND: &str = "replenishment";
/// The store setting holding the last local date the scheduler ran for.
pub const LAST_RUN_KEY: &str = "reminders.last_run";
/// Earlier messages of one shopper looked at for the cap and for reminded items.
const HISTORY: usize = 50;

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunStats {
    /// The local date.
    pub date: String,
    /// Customers with items due.
    pub due: usize,
    /// Messages queued by this run.
    pub queued: usize,
    /// Customers whose message for this date was queued before (a rerun).
    pub already: usize,
    /// Without an email address or consent.
    pub no_consent: usize,
    /// Over the contact cap.
    pub capped: usize,
    /// Every due item was reminded of already in this cycle.
    pub reminded: usize,
}

/// A tracked link to a product.
fn link(base: &str, url: Option<&str>, id: &str, code: &str) -> String {
    let u = match url {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => u.to_string(),
        _ => format!("{base}/products/{}", encode(id)),
    };
    let sep = if u.contains('?') { '&' } else { '?' };
    format!(
        "{u}{sep}tailor_code={}&utm_source=tailor&utm_medium=email&utm_campaign={KIND}",
        encode(code)
    )
}

/// Percent-encodes everything but unreserved characters.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn line(
    shop: &ShopState,
    s: &ReminderSettings,
    item: u32,
    code: String,
    cycle: Option<u32>,
) -> Option<Line> {
    let p = shop.catalog.product(item)?;
    Some(Line {
        product_id: p.id.to_string(),
        title: p.title.clone(),
        price: render::price(p.effective_price(), p.currency.as_deref()),
        link: link(&s.shop_url, p.url.as_deref(), p.id.as_str(), &code),
        tracking: code,
        cycle_days: cycle,
    })
}

/// Renders the message of one customer: their due items and recommendations from the shared
/// pipeline (the due items left out of them), with tracking codes `request:box:position`.
pub fn compose(
    shop: &ShopState,
    s: &ReminderSettings,
    customer: &CustomerId,
    due: &[DueItem],
    now: Millis,
    token: &str,
) -> Result<(render::Reminder, Value), NotifyError> {
    let request = format!("m{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let due: Vec<(&DueItem, u32)> = due
        .iter()
        .filter(|d| shop.catalog.product(d.item).is_some())
        .map(|d| (d, (d.due.day - d.due.last).round().max(1.0) as u32))
        .collect();
    let due_lines: Vec<Line> = due
        .iter()
        .enumerate()
        .filter_map(|(pos, &(d, cycle))| {
            line(shop, s, d.item, format!("{request}:due:{pos}"), Some(cycle))
        })
        .collect();
    let mut recommended = Vec::new();
    if s.recommendations > 0 {
        let body = json!({"customer_id": customer.as_str(), "boxes": [
            {"name": "email", "preset": "for_you", "count": (s.recommendations + due.len()).min(100)}]});
        let req = RecRequest::parse(&body, &shop.catalog)
            .map_err(|e| NotifyError::Compose(format!("{}: {}", e.field, e.reason)))?;
        let items = recommend(shop, &req, now)
            .into_iter()
            .flat_map(|b| b.items)
            .filter(|r| !due.iter().any(|(d, _)| d.item == r.item))
            .take(s.recommendations);
        for (pos, r) in items.enumerate() {
            recommended.extend(line(
                shop,
                s,
                r.item,
                format!("{request}:email:{pos}"),
                None,
            ));
        }
    }
    let payload = json!({
        "request": request,
        "items": due_lines.iter().map(|l| &l.product_id).collect::<Vec<_>>(),
        "cycle_days": due.iter().map(|(_, c)| c).collect::<Vec<_>>(),
        "due": due.iter().map(|(d, _)| json!({"day": d.due.day, "low": d.due.low, "high": d.due.high,
            "confidence": d.due.confidence})).collect::<Vec<_>>(),
        "recommended": recommended.iter().map(|l| &l.product_id).collect::<Vec<_>>(),
    });
    let r = render::Reminder {
        subject: subject(&due_lines),
        due: due_lines,
        recommended,
        unsubscribe: format!("{}/v1/unsubscribe/{token}", s.public_url),
    };
    Ok((r, payload))
}

fn subject(due: &[Line]) -> String {
    match due {
        [one] => format!("Running low on {}?", one.title),
        many => format!("Time to restock {} of your usuals?", many.len()),
    }
}

/// The queued reminder `m` again without the due items in `bought` (ids), for delivery after
/// some were bought: the same tracking codes, recommendations and unsubscribe link, rendered
/// from the message's payload. `None` when no due item is left to remind of.
pub fn without_items(
    shop: &ShopState,
    s: &ReminderSettings,
    m: &NewMessage,
    bought: &[&str],
) -> Result<Option<Revision>, NotifyError> {
    let p = &m.payload;
    let request = p["request"].as_str().unwrap_or_default();
    let ids = |key: &str| -> Vec<String> {
        p[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (items, recommended) = (ids("items"), ids("recommended"));
    let keep: Vec<usize> = (0..items.len())
        .filter(|&k| !bought.contains(&items[k].as_str()))
        .collect();
    let lines = |kept: &mut dyn Iterator<Item = (usize, &String)>, bx: &str, due: bool| {
        kept.filter_map(|(pos, id)| {
            let cycle = due
                .then(|| p["cycle_days"][pos].as_u64().map(|c| c as u32))
                .flatten();
            line(
                shop,
                s,
                shop.catalog.item(id)?,
                format!("{request}:{bx}:{pos}"),
                cycle,
            )
        })
        .collect::<Vec<Line>>()
    };
    let due_lines = lines(&mut keep.iter().map(|&k| (k, &items[k])), "due", true);
    if due_lines.is_empty() {
        return Ok(None);
    }
    let r = render::Reminder {
        subject: subject(&due_lines),
        due: due_lines,
        recommended: lines(&mut recommended.iter().enumerate(), "email", false),
        unsubscribe: format!("{}/v1/unsubscribe/{}", s.public_url, m.unsubscribe_token),
    };
    let (html, text) = render::reminder(&r)?;
    let mut payload = p.clone();
    // Keep the per-item lists aligned with `items`, so a later revision reads the right cycle.
    payload["items"] = json!(keep.iter().map(|&k| &items[k]).collect::<Vec<_>>());
    for key in ["cycle_days", "due"] {
        if let Some(a) = p[key].as_array() {
            payload[key] = json!(keep.iter().filter_map(|&k| a.get(k)).collect::<Vec<_>>());
        }
    }
    payload["dropped"] = json!(bought);
    Ok(Some(Revision {
        subject: r.subject,
        html,
        text,
        payload,
    }))
}

fn counts_for_cap(m: &OutboxMessage) -> bool {
    matches!(
        m.status,
        MessageStatus::Pending | MessageStatus::Sending | MessageStatus::Sent
    )
}

/// Items of `due` not yet in a reminder created after their last purchase.
fn not_yet_reminded(
    due: Vec<DueItem>,
    history: &[OutboxMessage],
    shop: &ShopState,
) -> Vec<DueItem> {
    due.into_iter()
        .filter(|d| {
            let last_ms = (d.due.last * DAY_MS) as Millis;
            let id = shop.catalog.id(d.item).as_str();
            !history.iter().any(|m| {
                m.message.kind == KIND
                    && m.status != MessageStatus::Failed
                    && m.created_at >= last_ms
                    && m.message.payload["items"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(id)))
            })
        })
        .collect()
}

/// Queues the reminders of `date` for `shop`. Safe to run again for the same date: the outbox's
/// idempotency key keeps one message per customer and date.
pub fn run_date(
    store: &dyn Store,
    engine: &Engine,
    shop: &ShopId,
    s: &ReminderSettings,
    date: Date,
    now: Millis,
) -> Result<RunStats, NotifyError> {
    let (from, to) = s.day_bounds(date);
    let date_s = date_string(date);
    let state = engine.shop(shop);
    let due = reminders_between(&state.read(), from, to);
    let mut stats = RunStats {
        date: date_s.clone(),
        due: due.len(),
        ..RunStats::default()
    };
    for (customer, items) in due {
        let history = store.outbox_list(shop, Some(customer.as_str()), HISTORY)?;
        if history
            .iter()
            .any(|m| m.message.kind == KIND && m.message.date == date_s)
        {
            stats.already += 1;
            continue;
        }
        let contact = match store.contact(shop, customer.as_str())? {
            Some(c) if c.consent && !c.email.is_empty() => c,
            _ => {
                stats.no_consent += 1;
                continue;
            }
        };
        let window = now - i64::from(s.cap_days) * DAY_MS as i64;
        let recent = history
            .iter()
            .filter(|m| m.created_at >= window && counts_for_cap(m))
            .count();
        if recent >= s.max_per_shopper as usize {
            stats.capped += 1;
            continue;
        }
        let token = uuid::Uuid::new_v4().simple().to_string();
        let (message, payload) = {
            let st = state.read();
            let items = not_yet_reminded(items, &history, &st);
            if items.is_empty() {
                stats.reminded += 1;
                continue;
            }
            compose(&st, s, &customer, &items, now, &token)?
        };
        let (html, text) = render::reminder(&message)?;
        let m = NewMessage {
            shopper: customer.as_str().to_string(),
            kind: KIND.into(),
            date: date_s.clone(),
            recipient: contact.email,
            subject: message.subject,
            html,
            text,
            payload,
            unsubscribe_token: token,
            not_before: s.after_quiet(now.max(s.run_time(date))),
        };
        let (_, new) = store.outbox_enqueue(shop, &m, now)?;
        if new {
            stats.queued += 1;
        } else {
            stats.already += 1;
        }
    }
    Ok(stats)
}

/// The settings of `shop`: built-in defaults, then `defaults` (the `tailor serve` flags), then
/// the shop's stored setting.
pub fn settings_of(
    store: &dyn Store,
    shop: &ShopId,
    defaults: &Value,
) -> Result<ReminderSettings, NotifyError> {
    let base = ReminderSettings::default()
        .merged(defaults)
        .map_err(|e| NotifyError::Settings(format!("{}: {}", e.field, e.reason)))?;
    match store.setting(shop, SETTINGS_KEY)? {
        Some(v) => base
            .merged(&v)
            .map_err(|e| NotifyError::Settings(format!("stored {}: {}", e.field, e.reason))),
        None => Ok(base),
    }
}

/// The daily scheduler: on each tick, every enabled shop whose local run time has passed gets
/// the run of each date since its last one (at most [`MAX_CATCH_UP_DAYS`] back), so a restart
/// neither repeats nor skips a day.
pub struct Scheduler {
    store: Arc<dyn Store>,
    engine: Arc<Engine>,
    clock: Arc<dyn Clock>,
    defaults: Value,
}

impl Scheduler {
    /// A scheduler over the store and engine; `defaults` are settings every shop starts from.
    pub fn new(
        store: Arc<dyn Store>,
        engine: Arc<Engine>,
        clock: Arc<dyn Clock>,
        defaults: Value,
    ) -> Self {
        Self {
            store,
            engine,
            clock,
            defaults,
        }
    }

    /// Runs what is due now; returns each run's statistics. A shop whose run fails is logged
    /// and retried on the next tick; the other shops go on.
    pub fn tick(&self) -> Result<Vec<(ShopId, RunStats)>, NotifyError> {
        let mut out = Vec::new();
        for shop in self.store.shops()? {
            if let Err(e) = self.tick_shop(&shop, &mut out) {
                tracing::error!(shop = shop.as_str(), "reminder run: {e}");
            }
        }
        Ok(out)
    }

    fn tick_shop(
        &self,
        shop: &ShopId,
        out: &mut Vec<(ShopId, RunStats)>,
    ) -> Result<(), NotifyError> {
        let s = settings_of(self.store.as_ref(), shop, &self.defaults)?;
        if !s.enabled {
            return Ok(());
        }
        let now = self.clock.now();
        let today = s.local_date(now);
        let last = self
            .store
            .setting(shop, LAST_RUN_KEY)?
            .and_then(|v| v.as_str().and_then(|d| parse_date(d, "last_run").ok()));
        let earliest = today
            .checked_sub((MAX_CATCH_UP_DAYS - 1).days())
            .unwrap_or(today);
        let mut d = match last {
            Some(l) => l.checked_add(1.day()).unwrap_or(today).max(earliest),
            None => today,
        };
        while d <= today && s.run_time(d) <= now {
            let stats = run_date(self.store.as_ref(), &self.engine, shop, &s, d, now)?;
            // Recorded after the run: a crash before this line reruns the date, and the
            // outbox's idempotency key keeps the messages already queued.
            self.store
                .put_setting(shop, LAST_RUN_KEY, &json!(date_string(d)))?;
            tracing::info!(shop = shop.as_str(), date = %stats.date, queued = stats.queued, "reminders");
            out.push((shop.clone(), stats));
            d = match d.checked_add(1.day()) {
                Ok(n) => n,
                Err(_) => break,
            };
        }
        let alerts = crate::alerts::queue_alerts(self.store.as_ref(), &self.engine, shop, &s, now)?;
        if alerts.claimed > 0 {
            tracing::info!(
                shop = shop.as_str(),
                claimed = alerts.claimed,
                queued = alerts.queued,
                "wishlist alerts"
            );
        }
        Ok(())
    }
}
