//! Replenishment over HTTP: a shopper's due items (own data only with a public key), every
//! reminder due on a date (admin), settings, contacts and unsubscribe, with precise 4xx errors.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::{ShopId, now_millis};
use tailor_store::{KeyRole, NewMessage, Store};

const DAY: i64 = 86_400_000;

/// Five customers and one anonymous visitor buy milk and peanut butter weekly; the last order
/// was a week ago, so both are due about today. "nut" is allergic to peanuts.
async fn shop(s: &common::Server, admin: &str) {
    let products = json!([
        {"id": "milk", "title": "Oat Milk", "categories": [["Food"]], "price": 2, "allergens": []},
        {"id": "pb", "title": "Peanut Butter", "categories": [["Food"]], "price": 4, "allergens": ["peanuts"]},
        {"id": "toaster", "title": "Toaster", "categories": [["Home"]], "price": 40, "allergens": []}
    ]);
    assert_eq!(
        s.post("/v1/products", Some(admin), products).await.0,
        StatusCode::OK
    );
    let now = now_millis();
    let mut events = Vec::new();
    for who in ["c0", "c1", "c2", "c3", "nut", "anon"] {
        for week in (1..=5).rev() {
            let mut e = json!({"type": "purchase", "visitor_id": format!("v-{who}"), "order_id": format!("{who}-{week}"),
                               "timestamp": now - week * 7 * DAY, "lines": [{"product_id": "milk", "quantity": 1}, {"product_id": "pb", "quantity": 1}]});
            if who != "anon" {
                e["customer_id"] = json!(who);
            }
            events.push(e);
        }
    }
    events.push(json!({"type": "purchase", "visitor_id": "v-c0", "customer_id": "c0", "order_id": "t",
                       "timestamp": now - DAY, "lines": [{"product_id": "toaster", "quantity": 1}]}));
    events.push(
        json!({"type": "preferences", "visitor_id": "v-nut", "customer_id": "nut",
                       "timestamp": now - DAY, "preferences": {"exclude_allergens": ["peanuts"]}}),
    );
    let (st, r) = s.post("/v1/events", Some(admin), json!(events)).await;
    assert_eq!(st, StatusCode::OK, "{r}");
}

fn products(r: &Value) -> Vec<&str> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn a_shopper_sees_their_due_items_and_the_shop_sees_every_reminder_of_a_date() {
    let s = common::start().await;
    let shop_id = ShopId::default_shop();
    let admin = s
        .store
        .create_key(&shop_id, KeyRole::Admin, "t")
        .unwrap()
        .secret;
    let public = s
        .store
        .create_key(&shop_id, KeyRole::Public, "t")
        .unwrap()
        .secret;
    shop(&s, &admin).await;

    // An anonymous visitor reads their own list with the public key.
    let (st, r) = s
        .get("/v1/shoppers/v-anon/replenishment", Some(&public))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let mut got = products(&r);
    got.sort();
    assert_eq!(got, ["milk", "pb"], "{r}");
    let milk = &r["items"][0];
    assert_eq!(milk["cycle_days"], 7.0, "{r}");
    assert_eq!(milk["own_repeats"], 4);
    assert!(milk["confidence"].as_f64().unwrap() > 0.5);
    assert!(milk["window"]["from"].as_str().unwrap() <= milk["due_date"].as_str().unwrap());
    assert!(milk["due_date"].as_str().unwrap() <= milk["window"]["to"].as_str().unwrap());
    assert_eq!(r["timezone"], "UTC");
    // Logged-in visitors resolve to their customer; the toaster bought once is not due.
    let (_, r) = s
        .get(
            "/v1/shoppers/v-c0/replenishment?within_days=30",
            Some(&public),
        )
        .await;
    assert!(!products(&r).contains(&"toaster"), "{r}");
    assert_eq!(products(&r).len(), 2);
    // Hard constraints hold: no peanut butter for the allergic customer.
    let (st, r) = s
        .get("/v1/shoppers/nut/replenishment?kind=customer", Some(&admin))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(products(&r), ["milk"], "{r}");
    // Nothing due far ahead of a fresh purchase; unknown shoppers have an empty list.
    let (_, r) = s
        .get("/v1/shoppers/nobody/replenishment", Some(&public))
        .await;
    assert!(products(&r).is_empty());

    // Errors name the field; customers need the admin key.
    for (path, field) in [
        (
            "/v1/shoppers/v-anon/replenishment?within_days=abc",
            "within_days",
        ),
        (
            "/v1/shoppers/v-anon/replenishment?within_days=366",
            "within_days",
        ),
        (
            "/v1/shoppers/v-anon/replenishment?within_days=-1",
            "within_days",
        ),
        ("/v1/shoppers/v-anon/replenishment?kind=robot", "kind"),
    ] {
        let (st, r) = s.get(path, Some(&public)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{path}: {r}");
        assert_eq!(r["error"]["field"], field, "{r}");
    }
    let (st, _) = s
        .get("/v1/shoppers/c1/replenishment?kind=customer", Some(&public))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The due list of the date c1's milk is due holds every customer due then, never "anon".
    let (_, r) = s
        .get("/v1/shoppers/c1/replenishment?kind=customer", Some(&admin))
        .await;
    let date = r["items"][0]["due_date"].as_str().unwrap().to_string();
    let (st, r) = s
        .get(&format!("/v1/replenishment/due?date={date}"), Some(&admin))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["date"], date.as_str());
    let who: Vec<&str> = r["reminders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["c0", "c1", "c2", "c3", "nut"], "{r}");
    assert_eq!(r["count"], 5);
    let nut = &r["reminders"][4]["items"];
    assert_eq!(nut.as_array().unwrap().len(), 1, "{nut}");
    assert_eq!(nut[0]["product_id"], "milk");
    let (_, r) = s
        .get("/v1/replenishment/due?date=2001-01-01", Some(&admin))
        .await;
    assert_eq!(r["count"], 0);
    for q in [
        "",
        "?date=",
        "?date=2026-02-30",
        "?date=26-02-01",
        "?date=2026-02-01T00:00",
        "?date=%F0%9F%A5%9B",
    ] {
        let (st, r) = s
            .get(&format!("/v1/replenishment/due{q}"), Some(&admin))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{q}: {r}");
        assert_eq!(r["error"]["field"], "date", "{r}");
    }
    let (st, _) = s
        .get(&format!("/v1/replenishment/due?date={date}"), Some(&public))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn settings_contacts_and_unsubscribe() {
    let s = common::start().await;
    let shop_id = ShopId::default_shop();
    let admin = s
        .store
        .create_key(&shop_id, KeyRole::Admin, "t")
        .unwrap()
        .secret;
    let public = s
        .store
        .create_key(&shop_id, KeyRole::Public, "t")
        .unwrap()
        .secret;

    let (st, r) = s.get("/v1/replenishment/settings", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(r["enabled"], false, "off until the shop turns it on");
    let (st, r) = s
        .call(Method::PUT, "/v1/replenishment/settings", Some(&admin),
              json!({"enabled": true, "timezone": "Asia/Tokyo", "quiet_hours": {"start": "22:00", "end": "07:30"}}))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["quiet_hours"]["end"], "07:30");
    let (_, r) = s.get("/v1/replenishment/settings", Some(&admin)).await;
    assert_eq!(
        (r["timezone"].as_str(), r["enabled"].as_bool()),
        (Some("Asia/Tokyo"), Some(true))
    );
    for (body, field) in [
        (json!({"send_at": "24:00"}), "send_at"),
        (json!({"timezone": "Atlantis/Capital"}), "timezone"),
        (json!({"cap_days": "seven"}), "cap_days"),
        (json!({"unknown": 1}), "unknown"),
    ] {
        let (st, r) = s
            .call(
                Method::PUT,
                "/v1/replenishment/settings",
                Some(&admin),
                body,
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r}");
        assert_eq!(r["error"]["field"], field, "{r}");
    }
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/replenishment/settings",
            Some(&public),
            json!({}),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // The due list follows the shop's time zone.
    let (_, r) = s
        .get("/v1/replenishment/due?date=2026-03-01", Some(&admin))
        .await;
    assert_eq!(r["timezone"], "Asia/Tokyo");

    let (st, _) = s.get("/v1/customers/c1/contact", Some(&admin)).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, r) = s
        .call(
            Method::PUT,
            "/v1/customers/c1/contact",
            Some(&admin),
            json!({"email": "zoe@example.com", "consent": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (_, r) = s.get("/v1/customers/c1/contact", Some(&admin)).await;
    assert_eq!(
        (r["email"].as_str(), r["consent"].as_bool()),
        (Some("zoe@example.com"), Some(true))
    );
    for (body, field) in [
        (json!({"email": "not an address", "consent": true}), "email"),
        (json!({"consent": true}), "email"),
        (json!({"email": "a@b.example"}), "consent"),
        (
            json!({"email": "a@b.example", "consent": true, "phone": "1"}),
            "phone",
        ),
    ] {
        let (st, r) = s
            .call(Method::PUT, "/v1/customers/c1/contact", Some(&admin), body)
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{r}");
        assert_eq!(r["error"]["field"], field, "{r}");
    }
    let (st, _) = s.get("/v1/customers/c1/contact", Some(&public)).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // The link in an email withdraws consent, without a key.
    let m = NewMessage {
        shopper: "c1".into(),
        kind: "replenishment".into(),
        date: "2026-03-01".into(),
        recipient: "zoe@example.com".into(),
        subject: "s".into(),
        html: "h".into(),
        text: "t".into(),
        payload: json!({"items": ["milk"]}),
        unsubscribe_token: "abc123".into(),
        not_before: 0,
    };
    s.store.outbox_enqueue(&shop_id, &m, 0).unwrap();
    let resp = reqwest::get(format!("{}/v1/unsubscribe/abc123", s.base))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("unsubscribed"));
    let (_, r) = s.get("/v1/customers/c1/contact", Some(&admin)).await;
    assert_eq!(r["consent"], false);
    let (st, _) = s.post("/v1/unsubscribe/abc123", None, Value::Null).await;
    assert_eq!(st, StatusCode::OK, "one-click POST, and twice is fine");
    let (st, _) = s.get("/v1/unsubscribe/nope", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, r) = s.get("/v1/unsubscribe/a-b", None).await;
    assert_eq!(
        (st, r["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("token"))
    );

    let (_, api) = s.get("/openapi.json", None).await;
    for path in [
        "/v1/shoppers/{id}/replenishment",
        "/v1/replenishment/due",
        "/v1/replenishment/settings",
        "/v1/customers/{id}/contact",
        "/v1/unsubscribe/{token}",
    ] {
        assert!(
            api["paths"].get(path).is_some(),
            "{path} missing from openapi"
        );
    }
}
