//! Behaviour every `Store` backend must have. Each check takes `&dyn Store`, so a new backend
//! (PostgreSQL) runs the same suite.

use std::sync::Arc;
use tailor_model::{CustomerId, Event, EventKind, Product, ProductId, ShopId, VisitorId};
use tailor_store::{KeyRole, SqliteStore, Store};

fn view(event_id: Option<&str>, visitor: &str, product: &str) -> Event {
    Event {
        event_id: event_id.map(String::from),
        visitor_id: VisitorId::new(visitor).unwrap(),
        session_id: None,
        customer_id: None,
        timestamp: None,
        received_at: 1,
        kind: EventKind::View {
            product_id: ProductId::new(product).unwrap(),
        },
    }
}

fn product(id: &str) -> Product {
    Product::new(ProductId::new(id).unwrap(), format!("Product {id}"))
}

fn shop(s: &str) -> ShopId {
    ShopId::new(s).unwrap()
}

fn check_events_are_idempotent_and_ordered(store: &dyn Store) {
    let s = shop("a");
    let r = store
        .append_events(&s, vec![view(Some("e1"), "v", "p1"), view(None, "v", "p2")])
        .unwrap();
    assert!(r.iter().all(Option::is_some));
    // A retry of e1 is acknowledged as a duplicate; an event without id is always new.
    let r2 = store
        .append_events(
            &s,
            vec![view(Some("e1"), "v", "p1"), view(Some("e3"), "v", "p3")],
        )
        .unwrap();
    assert_eq!(r2[0], None);
    assert!(r2[1].unwrap() > r[1].unwrap());
    // Duplicates inside one batch count once.
    let r3 = store
        .append_events(
            &s,
            vec![view(Some("e4"), "v", "p"), view(Some("e4"), "v", "p")],
        )
        .unwrap();
    assert!(r3[0].is_some() && r3[1].is_none());
    let mut seen = Vec::new();
    store
        .replay_events(&s, 0, &mut |seq, e| {
            seen.push((seq, e.kind.product().unwrap().to_string()))
        })
        .unwrap();
    let products: Vec<_> = seen.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(products, ["p1", "p2", "p3", "p"]);
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0));
    // Replay from a position returns only what came after.
    let mut after = 0;
    store
        .replay_events(&s, seen[1].0, &mut |_, _| after += 1)
        .unwrap();
    assert_eq!(after, 2);
    assert_eq!(store.append_events(&s, vec![]).unwrap(), vec![]);
}

fn check_shops_are_isolated(store: &dyn Store) {
    let (a, b) = (shop("iso-a"), shop("iso-b"));
    store.upsert_products(&a, &[product("x")]).unwrap();
    store
        .append_events(&a, vec![view(Some("same"), "v", "x")])
        .unwrap();
    // The same event id in another shop is a different event.
    let r = store
        .append_events(&b, vec![view(Some("same"), "v", "x")])
        .unwrap();
    assert!(r[0].is_some());
    assert!(
        store
            .get_product(&b, &ProductId::new("x").unwrap())
            .unwrap()
            .is_none()
    );
    assert_eq!(store.count_products(&a).unwrap(), 1);
    assert_eq!(store.count_events(&b).unwrap(), 1);
    // Events alone make a shop known (start-up replay walks the shop list).
    assert!(store.shops().unwrap().contains(&b));
}

fn check_catalog_crud_and_paging(store: &dyn Store) {
    let s = shop("cat");
    let ps: Vec<_> = (0..25).map(|i| product(&format!("p{i:02}"))).collect();
    let stats = store.upsert_products(&s, &ps).unwrap();
    assert_eq!((stats.inserted, stats.updated), (25, 0));
    let mut changed = ps[3].clone();
    changed.title = "Kaffee ☕ Bohnen".into();
    let stats = store.upsert_products(&s, &[changed.clone()]).unwrap();
    assert_eq!((stats.inserted, stats.updated), (0, 1));
    assert_eq!(
        store.get_product(&s, &changed.id).unwrap().unwrap(),
        changed
    );
    let page1 = store.list_products(&s, None, 10).unwrap();
    let page2 = store.list_products(&s, Some(&page1[9].id), 10).unwrap();
    let page3 = store.list_products(&s, Some(&page2[9].id), 10).unwrap();
    assert_eq!((page1.len(), page2.len(), page3.len()), (10, 10, 5));
    assert!(store.delete_product(&s, &changed.id).unwrap());
    assert!(!store.delete_product(&s, &changed.id).unwrap());
    let mut n = 0;
    store.for_each_product(&s, &mut |_| n += 1).unwrap();
    assert_eq!(n, 24);
}

fn check_keys(store: &dyn Store) {
    let s = shop("keys");
    let admin = store.create_key(&s, KeyRole::Admin, "ci").unwrap();
    let public = store.create_key(&s, KeyRole::Public, "site").unwrap();
    assert!(admin.secret.starts_with("tak_") && public.secret.starts_with("tpk_"));
    let who = store.authenticate(&admin.secret).unwrap().unwrap();
    assert_eq!((who.role, who.shop.clone()), (KeyRole::Admin, s.clone()));
    assert!(store.authenticate("tak_nope").unwrap().is_none());
    assert!(store.revoke_key(&admin.info.id).unwrap());
    assert!(!store.revoke_key(&admin.info.id).unwrap());
    assert!(store.authenticate(&admin.secret).unwrap().is_none());
    let listed = store.list_keys().unwrap();
    assert!(listed.iter().any(|k| k.id == admin.info.id && k.revoked));
    assert!(store.shops().unwrap().contains(&s));
}

fn check_identity_links(store: &dyn Store) {
    let s = shop("ids");
    let v = VisitorId::new("v1").unwrap();
    store
        .link_identity(&s, &v, &CustomerId::new("c1").unwrap())
        .unwrap();
    store
        .link_identity(&s, &v, &CustomerId::new("c1").unwrap())
        .unwrap();
    assert_eq!(store.identity_links(&s).unwrap().len(), 1);
}

#[test]
fn sqlite_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    check_events_are_idempotent_and_ordered(&store);
    check_shops_are_isolated(&store);
    check_catalog_crud_and_paging(&store);
    check_keys(&store);
    check_identity_links(&store);
    check_settings(&store);
    check_outbox(&store);
    check_contacts_and_unsubscribe(&store);
    check_served_log(&store);
    check_notifications(&store);
    check_shopper_export_and_erasure(&store);
}

fn check_served_log(store: &dyn Store) {
    let (a, b) = (shop("served-a"), shop("served-b"));
    let row = |rid: &str, at: i64| tailor_model::Served {
        at,
        request_id: rid.into(),
        list: "for_you".into(),
        visitor_id: Some(VisitorId::new("v").unwrap()),
        customer_id: None,
        query: Some("café ☕".into()),
        total: Some(3),
        items: vec![(ProductId::new("p1").unwrap(), "trending".into())],
        arm: None,
    };
    store.append_served(&a, vec![row("r1", 5), row("r2", 3)]);
    store.append_served(&b, vec![row("r3", 1)]);
    store.append_served(&a, vec![]);
    // An event appended afterwards commits after them (one writer, in order).
    store
        .append_events(&a, vec![view(None, "v", "p1")])
        .unwrap();
    let mut got = Vec::new();
    assert_eq!(store.replay_served(&a, &mut |r| got.push(r)).unwrap(), 2);
    assert_eq!(
        got,
        vec![row("r1", 5), row("r2", 3)],
        "append order, not time order"
    );
    let mut other = Vec::new();
    store.replay_served(&b, &mut |r| other.push(r)).unwrap();
    assert_eq!(other, vec![row("r3", 1)]);
}

fn check_notifications(store: &dyn Store) {
    use tailor_store::{NewNotification, NotificationKind, NotificationQuery, Recipient};
    let (a, b) = (shop("note-a"), shop("note-b"));
    let drop = |who: &str, product: &str, old: f64, new: f64| NewNotification {
        recipient: Recipient::Customer(who.into()),
        product: ProductId::new(product).unwrap(),
        kind: NotificationKind::PriceDrop,
        list: "Geschenke 🎁".into(),
        old_price: Some(old),
        new_price: Some(new),
        old_stock: None,
        new_stock: None,
    };
    let restock = NewNotification {
        recipient: Recipient::Visitor("v".into()),
        kind: NotificationKind::BackInStock,
        old_price: None,
        new_price: None,
        old_stock: Some(0),
        new_stock: Some(4),
        ..drop("v", "p1", 0.0, 0.0)
    };
    store
        .add_notifications(&a, &[drop("c", "p1", 10.0, 9.0), restock])
        .unwrap();
    store.add_notifications(&a, &[]).unwrap();
    // The same drop again while pending updates it: one message, from the first old price to
    // the newest one.
    store
        .add_notifications(&a, &[drop("c", "p1", 9.0, 7.5)])
        .unwrap();
    let all = NotificationQuery {
        pending_only: false,
        after: 0,
        limit: 100,
    };
    let pending = NotificationQuery {
        pending_only: true,
        ..all
    };
    let got = store.notifications(&a, all).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].old_price, got[0].new_price),
        (Some(10.0), Some(7.5))
    );
    assert_eq!(got[0].list, "Geschenke 🎁");
    assert_eq!(got[1].recipient, Recipient::Visitor("v".into()));
    assert_eq!(got[1].new_stock, Some(4));
    assert!(store.notifications(&b, all).unwrap().is_empty(), "per shop");
    // Paging by id.
    let after = store
        .notifications(
            &a,
            NotificationQuery {
                after: got[0].id,
                ..all
            },
        )
        .unwrap();
    assert_eq!(after.len(), 1);
    // Claiming hands each out once, oldest first.
    let c1 = store.claim_notifications(&a, 1).unwrap();
    assert_eq!(c1.len(), 1);
    assert_eq!(c1[0].id, got[0].id);
    assert!(c1[0].claimed_at.is_some());
    let c2 = store.claim_notifications(&a, 10).unwrap();
    assert_eq!(c2.iter().map(|n| n.id).collect::<Vec<_>>(), [got[1].id]);
    assert!(store.claim_notifications(&a, 10).unwrap().is_empty());
    assert!(store.notifications(&a, pending).unwrap().is_empty());
    // After a claim, a new drop is a new notification.
    store
        .add_notifications(&a, &[drop("c", "p1", 7.5, 5.0)])
        .unwrap();
    let p = store.notifications(&a, pending).unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].old_price, Some(7.5));
    assert_eq!(store.notifications(&a, all).unwrap().len(), 3);
}

fn check_settings(store: &dyn Store) {
    let (a, b) = (shop("set-a"), shop("set-b"));
    assert_eq!(store.setting(&a, "search").unwrap(), None);
    let v = serde_json::json!({"language": "german", "synonyms": [["sofa", "couch"]], "ü": "ß"});
    store.put_setting(&a, "search", &v).unwrap();
    assert_eq!(store.setting(&a, "search").unwrap(), Some(v));
    assert!(
        store.shops().unwrap().contains(&a),
        "a shop with only settings is listed, so start-up loads them"
    );
    assert_eq!(
        store.setting(&b, "search").unwrap(),
        None,
        "settings are per shop"
    );
    store
        .put_setting(&a, "search", &serde_json::json!(1))
        .unwrap();
    assert_eq!(
        store.setting(&a, "search").unwrap(),
        Some(serde_json::json!(1))
    );
}

#[test]
fn sqlite_keeps_everything_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let s = shop("re");
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .append_events(&s, vec![view(Some("e1"), "v", "p")])
            .unwrap();
        store.upsert_products(&s, &[product("p")]).unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(store.count_events(&s).unwrap(), 1);
    assert_eq!(store.count_products(&s).unwrap(), 1);
    // Idempotency survives a restart too.
    assert_eq!(
        store
            .append_events(&s, vec![view(Some("e1"), "v", "p")])
            .unwrap(),
        vec![None]
    );
}

#[test]
fn concurrent_appends_are_group_committed_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let s = shop("conc");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (store, s) = (store.clone(), s.clone());
            std::thread::spawn(move || {
                for b in 0..20 {
                    let batch = (0..10)
                        .map(|i| view(Some(&format!("{t}-{b}-{i}")), "v", "p"))
                        .collect();
                    let r = store.append_events(&s, batch).unwrap();
                    assert!(r.iter().all(Option::is_some));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store.count_events(&s).unwrap(), 8 * 20 * 10);
}

#[test]
fn sqlite_replays_json_rows_written_before_the_binary_format() {
    // Logs written before the binary body hold JSON text; they must replay unchanged, mixed
    // with the binary rows appended after an upgrade.
    let dir = tempfile::tempdir().unwrap();
    let s = shop("old");
    let mut old = view(Some("old-1"), "v", "p");
    old.session_id = Some(tailor_model::SessionId::new("s1").unwrap());
    old.timestamp = Some(42);
    let old_purchase = Event::from_json(
        &serde_json::json!({"type":"purchase","visitor_id":"v","customer_id":"c","order_id":"o",
            "lines":[{"product_id":"p","quantity":2,"unit_price":9.5}]}),
        0,
    )
    .unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store.create_shop(&s).unwrap();
    }
    {
        let conn = rusqlite::Connection::open(dir.path().join("tailor.sqlite")).unwrap();
        for e in [&old, &old_purchase] {
            conn.execute(
                "INSERT INTO events(shop, event_id, body) VALUES (?1, ?2, ?3)",
                rusqlite::params![s.as_str(), e.event_id, serde_json::to_string(e).unwrap()],
            )
            .unwrap();
        }
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let new = view(Some("new-1"), "v", "q");
    store.append_events(&s, vec![new.clone()]).unwrap();
    // The old row's event id still makes a retry a duplicate.
    assert_eq!(
        store.append_events(&s, vec![old.clone()]).unwrap(),
        vec![None]
    );
    let mut seen = Vec::new();
    store
        .replay_events(&s, 0, &mut |_, e| seen.push(e))
        .unwrap();
    assert_eq!(seen, vec![old, old_purchase, new]);
}

#[test]
fn sqlite_reports_an_unreadable_event_body() {
    let dir = tempfile::tempdir().unwrap();
    let s = shop("bad");
    SqliteStore::open(dir.path())
        .unwrap()
        .create_shop(&s)
        .unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join("tailor.sqlite")).unwrap();
        conn.execute(
            "INSERT INTO events(shop, event_id, body) VALUES (?1, NULL, ?2)",
            rusqlite::params![s.as_str(), &[1u8, 0, 0][..]],
        )
        .unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let err = store.replay_events(&s, 0, &mut |_, _| {}).unwrap_err();
    assert!(matches!(err, tailor_store::StoreError::Corrupt(_)), "{err}");
}

#[test]
fn sqlite_append_then_hands_the_events_back_after_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let s = shop("then");
    let (tx, rx) = std::sync::mpsc::channel();
    let batch = vec![view(Some("a"), "v", "p"), view(Some("a"), "v", "q")];
    let tx2 = tx.clone();
    store.append_events_then(
        &s,
        batch.clone(),
        Box::new(move |events, result| tx2.send((events, result)).unwrap()),
    );
    let (events, result) = rx.recv().unwrap();
    assert_eq!(events, batch);
    let seqs = result.unwrap();
    // Committed by the time `done` runs; the repeated event id inside the batch is a duplicate.
    assert!(seqs[0].is_some() && seqs[1].is_none());
    assert_eq!(store.count_events(&s).unwrap(), 1);
    // An empty batch is answered at once.
    store.append_events_then(
        &s,
        Vec::new(),
        Box::new(move |events, result| tx.send((events, result)).unwrap()),
    );
    let (events, result) = rx.recv().unwrap();
    assert!(events.is_empty() && result.unwrap().is_empty());
}

fn message(shopper: &str, date: &str, token: &str) -> tailor_store::NewMessage {
    tailor_store::NewMessage {
        shopper: shopper.into(),
        kind: "replenishment".into(),
        date: date.into(),
        recipient: format!("{shopper}@example.com"),
        subject: "Running low?".into(),
        html: "<p>Milk</p>".into(),
        text: "Milk".into(),
        payload: serde_json::json!({"items": ["milk"]}),
        unsubscribe_token: token.into(),
        not_before: 1_000,
    }
}

fn check_outbox(store: &dyn Store) {
    use tailor_store::{Delivery, MessageStatus};
    let s = shop("mail");
    let (id, new) = store
        .outbox_enqueue(&s, &message("c1", "2026-01-05", "t1"), 500)
        .unwrap();
    assert!(new);
    // The same (shop, shopper, kind, date) is kept once, whatever the rest says.
    let (again, new) = store
        .outbox_enqueue(&s, &message("c1", "2026-01-05", "t1b"), 600)
        .unwrap();
    assert_eq!((again, new), (id, false));
    let (other, _) = store
        .outbox_enqueue(&s, &message("c1", "2026-01-06", "t2"), 600)
        .unwrap();
    store
        .outbox_enqueue(&shop("mail2"), &message("c1", "2026-01-05", "t3"), 600)
        .unwrap();
    // Nothing is due before its time; then the oldest first, each claimed once per lease.
    assert!(store.outbox_claim(999, 100, 10).unwrap().is_empty());
    let got = store.outbox_claim(1_000, 100, 2).unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, id);
    assert_eq!(got[0].status, MessageStatus::Sending);
    assert_eq!(got[0].attempts, 1);
    assert_eq!(got[0].message.payload["items"][0], "milk");
    assert_eq!(got[0].created_at, 500);
    let third = store.outbox_claim(1_000, 100, 10).unwrap();
    assert_eq!(third.len(), 1, "the claimed two are leased");
    // A claimed message can be revised before it goes out; a finished one cannot.
    let revised = tailor_store::Revision {
        subject: "Running low on bread?".into(),
        html: "<p>bread</p>".into(),
        text: "bread".into(),
        payload: serde_json::json!({"items": ["bread"]}),
    };
    store.outbox_revise(id, &revised).unwrap();
    store.outbox_finish(id, &Delivery::Sent, 1_010).unwrap();
    assert!(store.outbox_revise(id, &revised).is_err(), "already sent");
    let sent = store.outbox_list(&s, Some("c1"), 10).unwrap();
    let sent = sent.iter().find(|m| m.id == id).unwrap();
    assert_eq!(
        (sent.message.subject.as_str(), sent.message.text.as_str()),
        ("Running low on bread?", "bread")
    );
    assert_eq!(sent.message.payload["items"][0], "bread");
    store
        .outbox_finish(
            got[1].id,
            &Delivery::Retry {
                error: "421 busy".into(),
                at: 5_000,
            },
            1_010,
        )
        .unwrap();
    // A lease that ran out (a crashed worker) is claimed again.
    let stale = store.outbox_claim(1_200, 100, 10).unwrap();
    assert_eq!(
        stale.iter().map(|m| m.id).collect::<Vec<_>>(),
        [third[0].id]
    );
    assert_eq!(stale[0].attempts, 2);
    store
        .outbox_finish(third[0].id, &Delivery::Deferred { at: 9_000 }, 1_200)
        .unwrap();
    let retry = store.outbox_claim(5_000, 100, 10).unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!((retry[0].id, retry[0].attempts), (other, 2));
    store
        .outbox_finish(
            retry[0].id,
            &Delivery::Failed("550 no such user".into()),
            5_001,
        )
        .unwrap();
    let list = store.outbox_list(&s, Some("c1"), 10).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].status, MessageStatus::Failed, "newest first");
    assert_eq!(list[0].last_error.as_deref(), Some("550 no such user"));
    assert_eq!(list[1].status, MessageStatus::Sent);
    assert_eq!(list[1].sent_at, Some(1_010));
    assert!(
        store
            .outbox_list(&s, Some("nobody"), 10)
            .unwrap()
            .is_empty()
    );
    let deferred = store.outbox_claim(9_000, 100, 10).unwrap();
    assert_eq!(deferred.len(), 1);
    assert_eq!(
        deferred[0].attempts, 2,
        "a deferral does not count as an attempt"
    );
    store
        .outbox_finish(
            deferred[0].id,
            &Delivery::Suppressed("bought".into()),
            9_000,
        )
        .unwrap();
    assert!(
        store
            .outbox_claim(i64::MAX / 2, 100, 10)
            .unwrap()
            .is_empty()
    );
    assert!(store.outbox_finish(424_242, &Delivery::Sent, 0).is_err());
}

fn check_contacts_and_unsubscribe(store: &dyn Store) {
    use tailor_store::{Contact, MessageStatus};
    let s = shop("unsub");
    assert_eq!(store.contact(&s, "c9").unwrap(), None);
    let c = Contact {
        email: "ü@example.com".into(),
        consent: true,
        updated_at: 1,
    };
    store.put_contact(&s, "c9", &c).unwrap();
    assert_eq!(store.contact(&s, "c9").unwrap(), Some(c));
    store
        .outbox_enqueue(&s, &message("c9", "2026-01-05", "tok-9"), 1)
        .unwrap();
    store
        .outbox_enqueue(&s, &message("c9", "2026-01-06", "tok-9b"), 1)
        .unwrap();
    assert_eq!(store.unsubscribe("nope", 5).unwrap(), None);
    assert_eq!(
        store.unsubscribe("tok-9", 5).unwrap(),
        Some((s.clone(), "c9".into()))
    );
    let after = store.contact(&s, "c9").unwrap().unwrap();
    assert!(!after.consent);
    assert_eq!(after.email, "ü@example.com", "the address stays");
    assert!(
        store
            .outbox_list(&s, Some("c9"), 10)
            .unwrap()
            .iter()
            .all(|m| m.status == MessageStatus::Suppressed),
        "nothing queued goes out after unsubscribing"
    );
    // Unsubscribing twice is fine; a shopper without a contact row gets one without consent.
    assert!(store.unsubscribe("tok-9", 6).unwrap().is_some());
    store
        .outbox_enqueue(&s, &message("c10", "2026-01-05", "tok-10"), 1)
        .unwrap();
    store.unsubscribe("tok-10", 7).unwrap();
    assert!(!store.contact(&s, "c10").unwrap().unwrap().consent);
}

/// Records what the writer shows an observer: every committed event once, with its sequence
/// number, after it was prepared; the prepared field is what the log stores.
#[derive(Default)]
struct Recorder {
    prepared: parking_lot::Mutex<Vec<String>>,
    applied: parking_lot::Mutex<Vec<(String, Option<i64>)>>,
}

impl tailor_store::CommitObserver for Recorder {
    fn step(
        &self,
        committed: &[tailor_store::Committed<'_>],
        next: &mut [tailor_store::Pending<'_>],
    ) {
        let mut applied = self.applied.lock();
        for c in committed {
            assert_eq!(c.events.len(), c.seqs.len());
            for (e, seq) in c.events.iter().zip(c.seqs) {
                applied.push((e.event_id.clone().unwrap_or_default(), *seq));
            }
        }
        for p in next.iter_mut() {
            for e in p.events.iter_mut() {
                let id = e.event_id.clone().unwrap_or_default();
                assert!(
                    !self.prepared.lock().contains(&id) || id.starts_with("dup"),
                    "{id} prepared twice"
                );
                self.prepared.lock().push(id.clone());
                e.session_id = Some(tailor_model::SessionId::new(format!("s-{id}")).unwrap());
            }
        }
    }
}

#[test]
fn the_observer_prepares_before_the_write_and_sees_every_commit_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let recorder = Arc::new(Recorder::default());
    store.observe(recorder.clone()).unwrap();
    let s = shop("observed");
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (store, s) = (store.clone(), s.clone());
            std::thread::spawn(move || {
                for b in 0..25 {
                    let batch = (0..3)
                        .map(|i| view(Some(&format!("{t}-{b}-{i}")), "v", "p"))
                        .collect();
                    store.append_events(&s, batch).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // A retry is prepared again but applied as a duplicate (no sequence number).
    store
        .append_events(&s, vec![view(Some("dup"), "v", "p")])
        .unwrap();
    store
        .append_events(&s, vec![view(Some("dup"), "v", "p")])
        .unwrap();
    let applied = recorder.applied.lock().clone();
    assert_eq!(applied.len(), 4 * 25 * 3 + 2);
    let mut ids: Vec<&str> = applied.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 4 * 25 * 3 + 1, "each event applied once");
    assert_eq!(applied.iter().filter(|(_, seq)| seq.is_none()).count(), 1);
    // Applied in commit order: sequence numbers only grow.
    let seqs: Vec<i64> = applied.iter().filter_map(|(_, seq)| *seq).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    // What prepare filled in is what was stored.
    let mut stored = 0;
    store
        .replay_events(&s, 0, &mut |_, e| {
            let id = e.event_id.clone().unwrap();
            assert_eq!(e.session_id.unwrap().as_str(), format!("s-{id}"));
            stored += 1;
        })
        .unwrap();
    assert_eq!(stored, 4 * 25 * 3 + 1);
}

#[test]
fn sqlite_replays_json_served_rows_beside_binary_batches() {
    let dir = tempfile::tempdir().unwrap();
    let s = shop("old-served");
    let row = served_row;
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store.create_shop(&s).unwrap();
    }
    {
        let conn = rusqlite::Connection::open(dir.path().join("tailor.sqlite")).unwrap();
        conn.execute(
            "INSERT INTO served(shop, at, body) VALUES (?1, 7, ?2)",
            rusqlite::params![s.as_str(), serde_json::to_string(&row("old")).unwrap()],
        )
        .unwrap();
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    store.append_served(&s, vec![row("new-1"), row("new-2")]);
    store
        .append_events(&s, vec![view(None, "v", "p1")])
        .unwrap();
    let mut got = Vec::new();
    assert_eq!(store.replay_served(&s, &mut |r| got.push(r)).unwrap(), 3);
    assert_eq!(got, vec![row("old"), row("new-1"), row("new-2")]);
}

fn served_row(rid: &str) -> tailor_model::Served {
    tailor_model::Served {
        at: 7,
        request_id: rid.into(),
        list: "for_you".into(),
        visitor_id: Some(VisitorId::new("v").unwrap()),
        customer_id: None,
        query: None,
        total: None,
        items: vec![(ProductId::new("p1").unwrap(), "trending".into())],
        arm: None,
    }
}

fn served_ids(store: &dyn Store, s: &ShopId) -> Vec<String> {
    let mut got = Vec::new();
    store
        .replay_served(s, &mut |r| got.push(r.request_id))
        .unwrap();
    got
}

/// A shop that only asks for recommendations still gets its served lists committed: no event
/// has to come along to carry them.
#[test]
fn sqlite_commits_served_lists_without_events() {
    let dir = tempfile::tempdir().unwrap();
    let s = shop("only-served");
    let store = SqliteStore::open(dir.path()).unwrap();
    store.create_shop(&s).unwrap();
    store.append_served(&s, vec![served_row("a"), served_row("b")]);
    // Not a timing: the writer's idle flush commits them; give it up to 20 s on a busy machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while served_ids(&store, &s).len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(served_ids(&store, &s), ["a", "b"]);
    // Many lists at once wake the writer; all are kept, in order.
    for i in 0..3000 {
        store.append_served(&s, vec![served_row(&format!("n{i}"))]);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while served_ids(&store, &s).len() < 3002 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let got = served_ids(&store, &s);
    assert_eq!(got.len(), 3002);
    assert!(
        got[2..]
            .iter()
            .enumerate()
            .all(|(i, id)| *id == format!("n{i}"))
    );
}

/// Lists still waiting when the store closes are committed before it does.
#[test]
fn sqlite_commits_waiting_served_lists_on_close() {
    let dir = tempfile::tempdir().unwrap();
    let s = shop("closing");
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store.create_shop(&s).unwrap();
        store.append_served(&s, vec![served_row("last")]);
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    assert_eq!(served_ids(&store, &s), ["last"]);
}

/// A person for the erasure checks: visitor `v1` logs in as `c1` (unicode), `v2` is their
/// second device, `v5` is linked by a stored login only. `v3` and `c2`/`v4` are other people.
fn erasure_shop(store: &dyn Store, s: &ShopId) {
    use tailor_store::{Contact, NewNotification, NotificationKind, Recipient};
    let logged_in = |v: &str, c: &str, p: &str| Event {
        customer_id: Some(CustomerId::new(c).unwrap()),
        ..view(None, v, p)
    };
    store
        .append_events(
            s,
            vec![
                view(Some("a1"), "v1", "p1"),
                view(None, "v3", "p1"),
                logged_in("v1", "Zoë-😀", "p2"),
                logged_in("v2", "Zoë-😀", "p3"),
                logged_in("v4", "c2", "p3"),
            ],
        )
        .unwrap();
    store
        .link_identity(
            s,
            &VisitorId::new("v5").unwrap(),
            &CustomerId::new("Zoë-😀").unwrap(),
        )
        .unwrap();
    let served = |rid: &str, v: Option<&str>, c: Option<&str>| tailor_model::Served {
        visitor_id: v.map(|v| VisitorId::new(v).unwrap()),
        customer_id: c.map(|c| CustomerId::new(c).unwrap()),
        ..served_row(rid)
    };
    // One stored row holds both people's lists; the other's must survive.
    store.append_served(
        s,
        vec![
            served("r-v1", Some("v1"), None),
            served("r-v3", Some("v3"), None),
        ],
    );
    store.append_served(s, vec![served("r-c1", None, Some("Zoë-😀"))]);
    store
        .append_events(s, vec![view(None, "v3", "p2")])
        .unwrap();
    for c in ["Zoë-😀", "c2"] {
        let contact = Contact {
            email: format!("{c}@example.com"),
            consent: true,
            updated_at: 1,
        };
        store.put_contact(s, c, &contact).unwrap();
        store
            .outbox_enqueue(s, &message(c, "2026-01-05", &format!("tok-{c}")), 1)
            .unwrap();
    }
    let note = |r: Recipient| NewNotification {
        recipient: r,
        product: ProductId::new("p1").unwrap(),
        kind: NotificationKind::PriceDrop,
        list: "default".into(),
        old_price: Some(2.0),
        new_price: Some(1.0),
        old_stock: None,
        new_stock: None,
    };
    store
        .add_notifications(
            s,
            &[
                note(Recipient::Customer("Zoë-😀".into())),
                note(Recipient::Visitor("v1".into())),
                note(Recipient::Customer("c2".into())),
            ],
        )
        .unwrap();
}

fn names(ids: &tailor_store::Identities) -> (Vec<&str>, Vec<&str>) {
    let v = ids.visitors.iter().map(VisitorId::as_str).collect();
    let c = ids.customers.iter().map(CustomerId::as_str).collect();
    (v, c)
}

fn check_shopper_export_and_erasure(store: &dyn Store) {
    use tailor_store::{NotificationQuery, Subject};
    let (s, other) = (shop("gdpr"), shop("gdpr-other"));
    erasure_shop(store, &s);
    store
        .append_events(&other, vec![view(None, "v1", "p1")])
        .unwrap();
    let v1 = Subject::Visitor(VisitorId::new("v1").unwrap());
    let c1 = Subject::Customer(CustomerId::new("Zoë-😀").unwrap());

    let r = store
        .shopper_records(&s, &v1)
        .unwrap()
        .expect("v1 is known");
    assert_eq!(
        names(&r.identities),
        (vec!["v1", "v2", "v5"], vec!["Zoë-😀"])
    );
    let products: Vec<&str> = r
        .events
        .iter()
        .map(|(_, e)| e.kind.product().unwrap().as_str())
        .collect();
    assert_eq!(products, ["p1", "p2", "p3"]);
    assert_eq!(r.identity_links.len(), 1);
    let rids: Vec<&str> = r.served.iter().map(|l| l.request_id.as_str()).collect();
    assert_eq!(rids, ["r-v1", "r-c1"]);
    assert_eq!(r.contacts.len(), 1);
    assert_eq!(r.contacts[0].1.email, "Zoë-😀@example.com");
    assert_eq!(r.outbox.len(), 1);
    assert_eq!(r.outbox[0].message.shopper, "Zoë-😀");
    assert_eq!(r.notifications.len(), 2);
    // The customer is the same person.
    let by_customer = store.shopper_records(&s, &c1).unwrap().unwrap();
    assert_eq!(by_customer.identities, r.identities);
    assert_eq!(by_customer.events.len(), 3);

    let unknown = Subject::Visitor(VisitorId::new("nobody").unwrap());
    assert!(store.shopper_records(&s, &unknown).unwrap().is_none());
    assert!(store.erase_shopper(&s, &unknown).unwrap().is_none());

    // A list served just before, perhaps still waiting for the writer, is exported and erased.
    store.append_served(&s, vec![served_row("r-late")]);
    let mut late = served_row("r-late-v1");
    late.visitor_id = Some(VisitorId::new("v1").unwrap());
    store.append_served(&s, vec![late]);
    let r = store.shopper_records(&s, &v1).unwrap().unwrap();
    let rids: Vec<&str> = r.served.iter().map(|l| l.request_id.as_str()).collect();
    assert_eq!(rids, ["r-v1", "r-c1", "r-late-v1"]);
    let e = store.erase_shopper(&s, &c1).unwrap().expect("c1 is known");
    assert_eq!(
        names(&e.identities),
        (vec!["v1", "v2", "v5"], vec!["Zoë-😀"])
    );
    assert_eq!(
        (
            e.events,
            e.served,
            e.identity_links,
            e.contacts,
            e.outbox,
            e.notifications
        ),
        (3, 3, 1, 1, 1, 2)
    );
    assert!(store.shopper_records(&s, &v1).unwrap().is_none());
    assert!(store.erase_shopper(&s, &v1).unwrap().is_none());

    // Everyone else is untouched.
    let mut left = Vec::new();
    store
        .replay_events(&s, 0, &mut |_, e| left.push(e.visitor_id.to_string()))
        .unwrap();
    assert_eq!(left, ["v3", "v4", "v3"]);
    assert_eq!(served_ids(store, &s), ["r-v3", "r-late"]);
    assert_eq!(store.count_events(&other).unwrap(), 1);
    assert!(store.identity_links(&s).unwrap().is_empty());
    assert!(store.contact(&s, "Zoë-😀").unwrap().is_none());
    assert!(store.contact(&s, "c2").unwrap().is_some());
    let outbox = store.outbox_list(&s, None, 10).unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].message.shopper, "c2");
    let q = NotificationQuery {
        limit: 10,
        ..Default::default()
    };
    assert_eq!(store.notifications(&s, q).unwrap().len(), 1);
    let c2 = Subject::Customer(CustomerId::new("c2").unwrap());
    assert_eq!(
        store
            .shopper_records(&s, &c2)
            .unwrap()
            .unwrap()
            .events
            .len(),
        1
    );
}

#[test]
fn sqlite_erasure_survives_reopen() {
    use tailor_store::Subject;
    let dir = tempfile::tempdir().unwrap();
    let s = shop("gdpr");
    let v2 = Subject::Visitor(VisitorId::new("v2").unwrap());
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        erasure_shop(&store, &s);
        assert_eq!(store.erase_shopper(&s, &v2).unwrap().unwrap().events, 3);
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    assert!(store.shopper_records(&s, &v2).unwrap().is_none());
    assert_eq!(store.count_events(&s).unwrap(), 3);
    assert_eq!(served_ids(&store, &s), ["r-v3"]);
    // An idempotency key of theirs is free again: a new event starts a new shopper.
    assert!(
        store
            .append_events(&s, vec![view(Some("a1"), "v1", "p9")])
            .unwrap()[0]
            .is_some()
    );
    let v1 = Subject::Visitor(VisitorId::new("v1").unwrap());
    let fresh = store.shopper_records(&s, &v1).unwrap().unwrap();
    assert_eq!(fresh.events.len(), 1);
    assert!(fresh.identities.customers.is_empty());
}
