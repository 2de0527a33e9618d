//! Export and erasure of one person (GDPR) over HTTP: admin key only, everything stored about
//! every identity their logins join, and after a deletion nothing of them in the live state,
//! in the store, or after a restart.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

/// Visitor "Jürgen-😀" views, logs in as customer "zoë" and has a second device; "other" is
/// someone else who viewed the same products.
async fn shop(s: &common::Server, admin: &str) {
    let products: Vec<Value> = (1..=4)
        .map(|i| json!({"id": format!("p{i}"), "title": format!("Tea {i}"), "categories": [["Food", "Tea"]], "price": i}))
        .collect();
    assert_eq!(
        s.post("/v1/products", Some(admin), json!(products)).await.0,
        StatusCode::OK
    );
    let events = json!([
        {"type": "view", "visitor_id": "Jürgen-😀", "product_id": "p1"},
        {"type": "view", "visitor_id": "Jürgen-😀", "product_id": "p2"},
        {"type": "cart_add", "visitor_id": "Jürgen-😀", "customer_id": "zoë", "product_id": "p3", "quantity": 1},
        {"type": "view", "visitor_id": "phone", "customer_id": "zoë", "product_id": "p3"},
        {"type": "view", "visitor_id": "other", "product_id": "p1"},
        {"type": "view", "visitor_id": "other", "product_id": "p2"},
        {"type": "view", "visitor_id": "other", "product_id": "p4"},
    ]);
    let (st, r) = s.post("/v1/events", Some(admin), events).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, r) = s
        .post(
            "/v1/identity/merge",
            Some(admin),
            json!({"visitor_id": "tablet", "customer_id": "zoë"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    for v in ["Jürgen-😀", "other"] {
        let (st, r) = s
            .post(
                "/v1/recommendations",
                Some(admin),
                json!({"visitor_id": v, "boxes": [{"name": "a", "preset": "trending"}]}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    let (st, r) = s
        .call(
            Method::PUT,
            "/v1/customers/zoë/contact",
            Some(admin),
            json!({"email": "zoe@example.com", "consent": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
}

async fn keys(s: &common::Server) -> (String, String) {
    let shop = ShopId::default_shop();
    let admin = s.store.create_key(&shop, KeyRole::Admin, "t").unwrap();
    let public = s.store.create_key(&shop, KeyRole::Public, "t").unwrap();
    (admin.secret, public.secret)
}

/// What the shop's models recommend to a shopper with no history of their own.
async fn probe(s: &common::Server, admin: &str) -> Vec<Vec<String>> {
    let boxes = json!([{"name": "t", "preset": "trending"},
        {"name": "a", "preset": "alternatives", "context": {"products": ["p3"]}},
        {"name": "b", "preset": "bought_together", "context": {"products": ["p1"]}}]);
    let (st, r) = s
        .post(
            "/v1/recommendations",
            Some(admin),
            json!({"visitor_id": "probe", "boxes": boxes}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    r["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            b["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["product_id"].as_str().unwrap().to_string())
                .collect()
        })
        .collect()
}

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn export_names_everything_and_delete_forgets_it_for_good() {
    let s = common::start().await;
    let (admin, public) = keys(&s).await;
    shop(&s, &admin).await;
    let me = "/v1/shoppers/Jürgen-😀";

    // Another shopper's data needs the admin key, even for a visitor id.
    for (method, path) in [
        (Method::GET, format!("{me}/export")),
        (Method::DELETE, me.to_string()),
    ] {
        let (st, r) = s.call(method, &path, Some(&public), Value::Null).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{r}");
        assert_eq!(r["error"]["code"], "admin_key_required");
    }

    let (st, r) = s.get(&format!("{me}/export"), Some(&admin)).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["shopper"], json!({"kind": "visitor", "id": "Jürgen-😀"}));
    assert_eq!(
        strs(&r["identities"]["visitors"]),
        ["Jürgen-😀", "phone", "tablet"]
    );
    assert_eq!(strs(&r["identities"]["customers"]), ["zoë"]);
    let kinds: Vec<&str> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["view", "view", "cart_add", "view"], "{r}");
    assert_eq!(
        r["identity_links"],
        json!([{"visitor_id": "tablet", "customer_id": "zoë"}])
    );
    let served = r["served"].as_array().unwrap();
    assert_eq!(served.len(), 1, "{r}");
    assert_eq!(served[0]["visitor_id"], "Jürgen-😀");
    assert_eq!(r["contacts"][0]["email"], "zoe@example.com");
    assert_eq!(r["outbox"], json!([]));
    // What the engine derived: the customer's profile holds every device's history.
    let profiles = r["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 1, "{r}");
    assert_eq!(profiles[0]["customer_id"], "zoë");
    assert_eq!(profiles[0]["profile"]["events"], 4);
    assert_eq!(profiles[0]["profile"]["cart"][0]["product_id"], "p3");
    // The customer id names the same person.
    let (st, by_customer) = s
        .get("/v1/shoppers/zoë/export?kind=customer", Some(&admin))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(by_customer["identities"], r["identities"]);
    assert_eq!(by_customer["events"], r["events"]);

    let (st, r) = s.call(Method::DELETE, me, Some(&admin), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(
        r["removed"],
        json!({"events": 4, "served": 1, "identity_links": 1, "contacts": 1, "outbox": 0, "notifications": 0})
    );
    assert_eq!(strs(&r["identities"]["customers"]), ["zoë"]);

    // Gone from the live state, the store and the API; the other shopper is untouched.
    let gone = async |s: &common::Server| {
        for path in [
            "/v1/visitors/Jürgen-😀",
            "/v1/visitors/phone",
            "/v1/visitors/tablet",
            "/v1/customers/zoë",
            "/v1/shoppers/Jürgen-😀/export",
            "/v1/shoppers/zoë/export?kind=customer",
            "/v1/customers/zoë/contact",
        ] {
            let (st, r) = s.get(path, Some(&admin)).await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{path}: {r}");
        }
        let (st, r) = s.get("/v1/visitors/other", Some(&admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(r["events"], 3);
        let (st, r) = s.get("/v1/shoppers/other/export", Some(&admin)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(r["served"].as_array().unwrap().len(), 1, "{r}");
    };
    gone(&s).await;
    let (st, _) = s.call(Method::DELETE, me, Some(&admin), Value::Null).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Only the other shopper's events remain in the log.
    assert_eq!(s.store.count_events(&ShopId::default_shop()).unwrap(), 3);

    // A restart rebuilds from the log and does not bring them back, and the models serve what
    // they served right after the deletion.
    let models = probe(&s, &admin).await;
    let s = s.restart().await;
    gone(&s).await;
    assert_eq!(probe(&s, &admin).await, models);

    // An event sent for their id later starts a new, empty shopper, applied once.
    let (st, r) = s
        .post(
            "/v1/events",
            Some(&admin),
            json!([{"type": "view", "visitor_id": "Jürgen-😀", "product_id": "p4"}]),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let (st, r) = s.get("/v1/visitors/Jürgen-😀", Some(&public)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(r["events"], 1);
    assert_eq!(r["cart"], json!([]));
    let (_, r) = s.get(&format!("{me}/export"), Some(&admin)).await;
    assert_eq!(strs(&r["identities"]["customers"]), Vec::<&str>::new());
}

/// Deleting, then sending an event at once: the rebuilt state takes it exactly once.
#[tokio::test]
async fn events_right_after_a_delete_are_applied_once() {
    let s = common::start().await;
    let (admin, _) = keys(&s).await;
    shop(&s, &admin).await;
    let (st, _) = s
        .call(
            Method::DELETE,
            "/v1/shoppers/other",
            Some(&admin),
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    for i in 0..5 {
        let e = json!([{"type": "view", "visitor_id": "other", "product_id": format!("p{}", i % 4 + 1)}]);
        assert_eq!(
            s.post("/v1/events", Some(&admin), e).await.0,
            StatusCode::OK
        );
    }
    let (_, r) = s.get("/v1/visitors/other", Some(&admin)).await;
    assert_eq!(r["events"], 5);
    let (_, r) = s.get("/v1/customers/zoë", Some(&admin)).await;
    assert_eq!(r["events"], 4);
}

#[tokio::test]
async fn bad_and_unknown_ids_are_refused_precisely() {
    let s = common::start().await;
    let (admin, _) = keys(&s).await;
    shop(&s, &admin).await;
    let long = "x".repeat(300);
    for method in [Method::GET, Method::DELETE] {
        let export = |p: &str| {
            if method == Method::GET {
                format!("{p}/export")
            } else {
                p.to_string()
            }
        };
        for (path, field) in [
            (export(&format!("/v1/shoppers/{long}")), "id"),
            (export("/v1/shoppers/%01"), "id"),
            (export("/v1/shoppers/zoë") + "?kind=robot", "kind"),
        ] {
            let (st, r) = s
                .call(method.clone(), &path, Some(&admin), Value::Null)
                .await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{path}: {r}");
            assert_eq!(r["error"]["field"], field, "{path}: {r}");
        }
        for path in [
            export("/v1/shoppers/nobody"),
            export("/v1/shoppers/nobody") + "?kind=customer",
            // A customer id is not a visitor id.
            export("/v1/shoppers/zoë"),
        ] {
            let (st, r) = s
                .call(method.clone(), &path, Some(&admin), Value::Null)
                .await;
            assert_eq!(st, StatusCode::NOT_FOUND, "{path}: {r}");
        }
    }
    // Nothing was deleted by any of that.
    let (st, _) = s.get("/v1/customers/zoë", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn the_routes_are_in_the_openapi_document() {
    let s = common::start().await;
    let (_, doc) = s.get("/openapi.json", None).await;
    assert!(doc["paths"]["/v1/shoppers/{id}/export"]["get"].is_object());
    assert!(doc["paths"]["/v1/shoppers/{id}"]["delete"].is_object());
}
