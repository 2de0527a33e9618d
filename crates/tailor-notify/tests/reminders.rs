//! Reminders end to end: purchases in the engine, the scheduler on a hand-driven clock, the
//! outbox in a real SQLite store, and delivery to a real SMTP server on loopback (Python's
//! aiosmtpd, `tests/smtp_sink.py`), whose received messages are read back and checked.

use serde_json::{Value, json};
use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use tailor_engine::Engine;
use tailor_model::{Event, Product, ProductId, ShopId};
use tailor_notify::settings::{SETTINGS_KEY, parse_date};
use tailor_notify::{
    Clock, Deliverer, ManualClock, Scheduler, run_date, settings_of, smtp_from_url,
};
use tailor_store::{Contact, MessageStatus, NewMessage, SqliteStore, Store};

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
/// 2026-01-05 00:00 UTC.
const T0: i64 = 1_767_571_200_000;

/// The SMTP sink, stopped when dropped.
struct Sink {
    child: Child,
    dir: tempfile::TempDir,
    url: String,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    fn start(fail_first: u32) -> Option<Sink> {
        let has = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has {
            eprintln!(
                "SKIPPED: Python's aiosmtpd is not installed (pip install aiosmtpd); the SMTP delivery test needs a real server"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .args([
                script,
                &port.to_string(),
                dir.path().to_str().unwrap(),
                &fail_first.to_string(),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "READY", "the SMTP sink did not start");
        Some(Sink {
            child,
            dir,
            url: format!("smtp://127.0.0.1:{port}"),
        })
    }

    /// Every message received so far, in order.
    fn received(&self) -> Vec<Value> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

fn product(id: &str, title: &str, allergens: &[&str]) -> Product {
    let mut p = Product::new(ProductId::new(id).unwrap(), title);
    p.categories = vec![vec!["Food".into()]];
    p.price = Some(2.5);
    p.currency = Some("EUR".into());
    p.allergens = Some(allergens.iter().map(|s| s.to_string()).collect());
    p
}

struct World {
    store: Arc<SqliteStore>,
    engine: Arc<Engine>,
    shop: ShopId,
    _dir: tempfile::TempDir,
}

impl World {
    fn apply(&self, v: Value) {
        let mut e = Event::from_json(&v, 0).unwrap();
        let st = self.engine.shop(&self.shop);
        let mut st = st.write();
        st.prepare(&mut e);
        st.apply(&e);
    }

    fn buy(&self, customer: &str, at: i64, items: &[&str]) {
        let lines: Vec<Value> = items
            .iter()
            .map(|p| json!({"product_id": p, "quantity": 1}))
            .collect();
        self.apply(json!({"type": "purchase", "visitor_id": format!("v-{customer}"), "customer_id": customer,
                          "order_id": format!("{customer}-{at}"), "timestamp": at, "lines": lines}));
    }

    fn contact(&self, customer: &str, consent: bool) {
        let c = Contact {
            email: format!("{customer}@example.com"),
            consent,
            updated_at: 0,
        };
        self.store.put_contact(&self.shop, customer, &c).unwrap();
    }

    fn messages(&self, customer: &str) -> Vec<tailor_store::OutboxMessage> {
        self.store
            .outbox_list(&self.shop, Some(customer), 100)
            .unwrap()
    }
}

/// Ten customers buy milk and peanut butter every Monday at 10:00 UTC for five weeks; "me" does
/// too but is allergic to peanuts. Milk and peanut butter are due on Monday 2026-02-09.
fn world(settings: Value) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let shop = ShopId::default_shop();
    store.create_shop(&shop).unwrap();
    let w = World {
        store,
        engine: Arc::new(Engine::new()),
        shop,
        _dir: dir,
    };
    {
        let st = w.engine.shop(&w.shop);
        let mut st = st.write();
        st.upsert_product(product("milk", "Oat Milk", &[]));
        st.upsert_product(product("pb", "Peanut Butter", &["peanuts"]));
        st.upsert_product(product("bread", "Rye Bread", &[]));
    }
    let mut customers: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    customers.push("me".into());
    for c in &customers {
        for week in 0..5 {
            w.buy(c, T0 + week * 7 * DAY + 10 * HOUR, &["milk", "pb"]);
        }
    }
    w.apply(
        json!({"type": "preferences", "visitor_id": "v-me", "customer_id": "me", "timestamp": T0,
                   "preferences": {"exclude_allergens": ["peanuts"]}}),
    );
    w.engine.shop(&w.shop).write().models.replenish.refresh();
    let mut s = json!({"enabled": true, "send_at": "09:00", "timezone": "Europe/Berlin",
                       "shop_url": "https://shop.example", "public_url": "https://tailor.example",
                       "from": "Corner Shop <hello@shop.example>"});
    s.as_object_mut()
        .unwrap()
        .extend(settings.as_object().unwrap().clone());
    w.store.put_setting(&w.shop, SETTINGS_KEY, &s).unwrap();
    w
}

/// 2026-02-09 at `hh:mm` in Berlin (UTC+1 in February).
fn feb9(hh: i64, mm: i64) -> i64 {
    T0 + 35 * DAY + (hh - 1) * HOUR + mm * 60_000
}

fn scheduler(w: &World, clock: &ManualClock) -> Scheduler {
    Scheduler::new(
        w.store.clone(),
        w.engine.clone(),
        Arc::new(clock.clone()),
        json!({}),
    )
}

fn deliverer(w: &World, clock: &ManualClock, sink: &Sink) -> Deliverer {
    Deliverer::new(
        w.store.clone(),
        w.engine.clone(),
        Arc::new(clock.clone()),
        smtp_from_url(&sink.url).unwrap(),
        json!({}),
    )
}

#[tokio::test]
async fn reminders_are_queued_once_rendered_and_delivered_over_smtp() {
    let Some(sink) = Sink::start(0) else { return };
    let w = world(json!({}));
    w.contact("c1", true);
    w.contact("c2", false);
    w.contact("me", true);
    let clock = ManualClock::at(feb9(8, 30));
    let sched = scheduler(&w, &clock);
    // Before the run time nothing happens; at 09:30 the day runs once.
    assert!(sched.tick().unwrap().is_empty());
    clock.set(feb9(9, 30));
    let runs = sched.tick().unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    let stats = &runs[0].1;
    assert_eq!(stats.date, "2026-02-09");
    assert_eq!(stats.due, 11);
    assert_eq!(
        stats.queued, 2,
        "c1 and me; c2 said no, the rest gave no address: {stats:?}"
    );
    assert_eq!(stats.no_consent, 9);
    assert!(sched.tick().unwrap().is_empty(), "the day ran already");
    // A crash before the run was recorded: the date runs again and the outbox keeps one each.
    w.store
        .put_setting(
            &w.shop,
            tailor_notify::reminders::LAST_RUN_KEY,
            &json!("2026-02-08"),
        )
        .unwrap();
    let again = sched.tick().unwrap();
    assert_eq!((again[0].1.queued, again[0].1.already), (0, 2));
    let s = settings_of(w.store.as_ref(), &w.shop, &json!({})).unwrap();
    let date = parse_date("2026-02-09", "d").unwrap();
    let direct = run_date(w.store.as_ref(), &w.engine, &w.shop, &s, date, clock.now()).unwrap();
    assert_eq!(direct.queued, 0);
    assert_eq!(w.messages("c1").len(), 1);
    assert_eq!(w.messages("me").len(), 1);
    assert!(w.messages("c2").is_empty());

    let d = deliverer(&w, &clock, &sink);
    let sent = d.deliver_due().await.unwrap();
    assert_eq!(sent.sent, 2, "{sent:?}");
    assert_eq!(d.deliver_due().await.unwrap().sent, 0, "sent once");
    let got = sink.received();
    assert_eq!(got.len(), 2);
    let to_me = got.iter().find(|m| m["to"][0] == "me@example.com").unwrap();
    let to_c1 = got.iter().find(|m| m["to"][0] == "c1@example.com").unwrap();
    assert!(
        to_c1["headers"]["From"]
            .as_str()
            .unwrap()
            .contains("hello@shop.example")
    );
    for m in [to_me, to_c1] {
        let text = m["text"].as_str().unwrap();
        let html = m["html"].as_str().unwrap();
        assert!(
            text.contains("Oat Milk") && html.contains("Oat Milk"),
            "{text}"
        );
        assert!(text.contains("usually every 7 days"), "{text}");
        assert!(
            text.contains("https://shop.example/products/milk?tailor_code=m"),
            "{text}"
        );
        assert!(text.contains("utm_medium=email"));
        let unsub = m["headers"]["List-Unsubscribe"].as_str().unwrap();
        assert!(
            unsub.starts_with("<https://tailor.example/v1/unsubscribe/"),
            "{unsub}"
        );
        assert!(text.contains(unsub.trim_matches(['<', '>'])));
    }
    // The allergic shopper is not reminded of peanut butter, nor shown it among the picks.
    for part in ["text", "html", "subject"] {
        assert!(
            !to_me[part].as_str().unwrap().contains("Peanut"),
            "{}",
            to_me[part]
        );
    }
    assert!(to_c1["text"].as_str().unwrap().contains("Peanut Butter"));
    assert_eq!(to_me["subject"], "Running low on Oat Milk?");
    let stored = &w.messages("me")[0];
    assert_eq!(stored.status, MessageStatus::Sent);
    assert_eq!(stored.message.payload["items"], json!(["milk"]));

    // Unsubscribing from c1's message: the next day's run leaves c1 out.
    let token = w.messages("c1")[0].message.unsubscribe_token.clone();
    assert!(w.store.unsubscribe(&token, clock.now()).unwrap().is_some());
    assert!(!w.store.contact(&w.shop, "c1").unwrap().unwrap().consent);
}

#[tokio::test]
async fn temporary_failures_are_retried_with_backoff() {
    let Some(sink) = Sink::start(1) else { return };
    let w = world(json!({}));
    w.contact("c3", true);
    let clock = ManualClock::at(feb9(9, 5));
    assert_eq!(scheduler(&w, &clock).tick().unwrap()[0].1.queued, 1);
    let d = deliverer(&w, &clock, &sink);
    let first = d.deliver_due().await.unwrap();
    assert_eq!((first.sent, first.retried), (0, 1));
    let m = &w.messages("c3")[0];
    assert_eq!((m.status, m.attempts), (MessageStatus::Pending, 1));
    assert!(m.last_error.as_deref().unwrap().contains("451"), "{m:?}");
    assert_eq!(m.next_attempt_at, clock.now() + d.backoff.after(1));
    assert_eq!(
        d.deliver_due().await.unwrap().sent,
        0,
        "not before the backoff"
    );
    clock.advance(d.backoff.after(1));
    assert_eq!(d.deliver_due().await.unwrap().sent, 1);
    assert_eq!(sink.received().len(), 1);
    assert_eq!(w.messages("c3")[0].attempts, 2);
}

#[tokio::test]
async fn quiet_hours_cap_and_a_purchase_in_the_meantime_hold_messages_back() {
    let Some(sink) = Sink::start(0) else { return };
    let w = world(
        json!({"quiet_hours": {"start": "08:00", "end": "11:00"}, "max_per_shopper": 1, "cap_days": 7}),
    );
    for c in ["c4", "c5", "c6", "c7"] {
        w.contact(c, true);
    }
    // c6 got another message yesterday: over the cap of one per week.
    let other = NewMessage {
        shopper: "c6".into(),
        kind: "price_drop".into(),
        date: "2026-02-08".into(),
        recipient: "c6@example.com".into(),
        subject: "s".into(),
        html: "h".into(),
        text: "t".into(),
        payload: json!({}),
        unsubscribe_token: "tok6".into(),
        not_before: feb9(9, 0) - DAY,
    };
    w.store
        .outbox_enqueue(&w.shop, &other, feb9(9, 0) - DAY)
        .unwrap();
    w.store.outbox_claim(feb9(9, 0), 1, 10).unwrap();
    w.store
        .outbox_finish(1, &tailor_store::Delivery::Sent, feb9(9, 0))
        .unwrap();
    let clock = ManualClock::at(feb9(9, 30));
    let stats = scheduler(&w, &clock).tick().unwrap().remove(0).1;
    assert_eq!((stats.queued, stats.capped), (3, 1), "{stats:?}");
    // Queued in quiet hours: held until 11:00.
    let d = deliverer(&w, &clock, &sink);
    assert_eq!(d.deliver_due().await.unwrap(), Default::default());
    // At 10:00 c5 buys both due items and c7 only the milk: c5's reminder is suppressed, c7's
    // goes out at 11:00 without the milk (stored as sent), and c4's as queued.
    w.buy("c5", feb9(10, 0), &["milk", "pb"]);
    w.buy("c7", feb9(10, 0), &["milk"]);
    clock.set(feb9(11, 0));
    let out = d.deliver_due().await.unwrap();
    assert_eq!((out.sent, out.suppressed), (2, 1), "{out:?}");
    let c5 = &w.messages("c5")[0];
    assert_eq!(c5.status, MessageStatus::Suppressed);
    assert_eq!(c5.last_error.as_deref(), Some("bought in the meantime"));
    let got = sink.received();
    assert_eq!(got.len(), 2);
    let to = |c: &str| {
        got.iter()
            .find(|m| m["to"][0] == format!("{c}@example.com"))
            .unwrap_or_else(|| panic!("nothing sent to {c}: {got:?}"))
    };
    assert!(to("c4")["text"].as_str().unwrap().contains("Oat Milk"));
    let c7 = to("c7");
    assert_eq!(c7["subject"], "Running low on Peanut Butter?");
    let text = c7["text"].as_str().unwrap();
    assert!(
        text.contains("Peanut Butter") && text.contains("usually every 7 days"),
        "{text}"
    );
    assert!(!text.contains("Oat Milk"), "{text}");
    assert!(!c7["html"].as_str().unwrap().contains("Oat Milk"));
    let stored = &w.messages("c7")[0];
    assert_eq!(stored.status, MessageStatus::Sent);
    assert_eq!(stored.message.payload["items"], json!(["pb"]));
    assert_eq!(stored.message.payload["dropped"], json!(["milk"]));
    assert!(
        stored.message.text.contains("Peanut Butter") && !stored.message.text.contains("Oat Milk")
    );
}

#[tokio::test]
async fn a_scheduler_that_was_down_catches_up_each_missed_day_once() {
    let w = world(json!({}));
    w.contact("c7", true);
    // The first run ever starts today, without backfilling history.
    let clock = ManualClock::at(feb9(9, 30) + 2 * DAY);
    let sched = scheduler(&w, &clock);
    let runs = sched.tick().unwrap();
    assert_eq!(
        runs.iter().map(|r| r.1.date.as_str()).collect::<Vec<_>>(),
        ["2026-02-11"]
    );
    // Down from the 11th to the 14th at noon: the 12th, 13th and 14th run, each once.
    clock.set(feb9(12, 0) + 5 * DAY);
    let runs = sched.tick().unwrap();
    let dates: Vec<&str> = runs.iter().map(|r| r.1.date.as_str()).collect();
    assert_eq!(dates, ["2026-02-12", "2026-02-13", "2026-02-14"]);
    assert!(sched.tick().unwrap().is_empty());
    // Down for a month: at most a week is caught up.
    clock.set(feb9(12, 0) + 40 * DAY);
    assert_eq!(sched.tick().unwrap().len(), 7);
    // A shop that switches reminders off is left alone.
    w.store
        .put_setting(&w.shop, SETTINGS_KEY, &json!({"enabled": false}))
        .unwrap();
    clock.advance(DAY);
    assert!(sched.tick().unwrap().is_empty());
}

#[test]
fn wishlist_price_drops_and_restocks_become_one_alert_per_consenting_customer() {
    use tailor_store::{NewNotification, NotificationKind, Recipient};
    let w = world(json!({}));
    w.contact("c1", true);
    w.contact("c2", false);
    w.contact("me", true);
    let note = |who: Recipient, product: &str, kind: NotificationKind| NewNotification {
        recipient: who,
        product: ProductId::new(product).unwrap(),
        kind,
        list: "default".into(),
        old_price: Some(2.5),
        new_price: Some(1.9),
        old_stock: None,
        new_stock: None,
    };
    let c = |id: &str| Recipient::Customer(id.into());
    w.store
        .add_notifications(
            &w.shop,
            &[
                note(c("c1"), "milk", NotificationKind::PriceDrop),
                note(c("c2"), "milk", NotificationKind::PriceDrop),
                // "me" excludes peanuts: the peanut butter restock is left out, the milk is not.
                note(c("me"), "pb", NotificationKind::BackInStock),
                note(c("me"), "milk", NotificationKind::PriceDrop),
                note(
                    Recipient::Visitor("anon".into()),
                    "milk",
                    NotificationKind::PriceDrop,
                ),
            ],
        )
        .unwrap();
    let s = settings_of(w.store.as_ref(), &w.shop, &json!({})).unwrap();
    let now = feb9(12, 0);
    let stats = tailor_notify::queue_alerts(w.store.as_ref(), &w.engine, &w.shop, &s, now).unwrap();
    assert_eq!(
        (
            stats.claimed,
            stats.queued,
            stats.visitors,
            stats.no_consent,
            stats.excluded
        ),
        (5, 2, 1, 1, 1),
        "{stats:?}"
    );
    let alert = |who: &str| {
        let m: Vec<_> = w
            .messages(who)
            .into_iter()
            .filter(|m| m.message.kind.starts_with("wishlist_alert"))
            .collect();
        assert_eq!(m.len(), 1, "one alert for {who}");
        m[0].message.clone()
    };
    let one = alert("c1");
    assert_eq!(one.recipient, "c1@example.com");
    assert!(
        one.text.contains("Oat Milk (now 1.90, was 2.50)"),
        "{}",
        one.text
    );
    assert!(one.html.contains("tailor_code="), "{}", one.html);
    assert!(one.text.contains("/v1/unsubscribe/"), "{}", one.text);
    let mine = alert("me");
    assert!(mine.text.contains("Oat Milk"), "{}", mine.text);
    assert!(
        !mine.text.contains("Peanut"),
        "a hard constraint holds in alerts: {}",
        mine.text
    );
    assert!(w.messages("c2").is_empty(), "no consent, no email");
    // Claimed once: a second run queues nothing.
    let again = tailor_notify::queue_alerts(w.store.as_ref(), &w.engine, &w.shop, &s, now).unwrap();
    assert_eq!((again.claimed, again.queued), (0, 0));
}
