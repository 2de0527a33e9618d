//! Merchandising rules against a real server: CRUD with precise errors, durability across a
//! restart, every action on search, browse and boxes, conflicts, schedules, audiences,
//! `explain`, the preview, and that a public key cannot write rules.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

fn catalog() -> Value {
    let p = |id: &str, title: &str, brand: &str, cat: &str, price: f64| {
        json!({"id": id, "title": title, "brand": brand, "categories": [cat], "price": price,
               "availability": "in_stock"})
    };
    json!([
        p("m1", "Whole Milk 1l", "Dairyland", "Food > Dairy", 1.2),
        p("m2", "Skimmed Milk 1l", "Dairyland", "Food > Dairy", 1.1),
        p("m3", "Oat Milk 1l", "Oatly", "Food > Dairy", 2.1),
        p("m4", "Goat Milk 1l", "Capra", "Food > Dairy", 3.0),
        p("c1", "Cheddar Cheese", "Dairyland", "Food > Dairy", 4.0),
        p("b1", "Sourdough Bread", "Bakery", "Food > Bread", 3.5),
        p("t1", "Green Tea", "Leafy", "Drinks > Tea", 5.0),
    ])
}

async fn shop() -> common::Server {
    let s = common::start().await;
    let (st, body) = s.post("/v1/products", None, catalog()).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    s
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

async fn search(s: &common::Server, body: Value) -> Value {
    let (st, out) = s.post("/v1/search", None, body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    out
}

async fn milk(s: &common::Server) -> Vec<String> {
    ids(&search(s, json!({"query": "milk", "visitor_id": "v"})).await["items"])
}

async fn put(s: &common::Server, id: &str, rule: Value) {
    let (st, body) = s
        .call(Method::PUT, &format!("/v1/rules/{id}"), None, rule)
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
}

async fn delete(s: &common::Server, id: &str) {
    let (st, _) = s
        .call(
            Method::DELETE,
            &format!("/v1/rules/{id}"),
            None,
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn crud_validates_and_survives_a_restart() {
    let s = shop().await;
    let rule = json!({"id": "pin-oat", "name": "Oat milk first", "priority": 5,
        "when": {"query": {"contains": "milk"}},
        "actions": [{"type": "pin", "product_id": "m3", "position": 0}]});
    let (st, body) = s.post("/v1/rules", None, rule.clone()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], "pin-oat");
    // The same id again is a conflict; PUT replaces.
    let (st, body) = s.post("/v1/rules", None, rule.clone()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    // An id is generated when the body has none.
    let (st, body) = s
        .post(
            "/v1/rules",
            None,
            json!({"actions": [{"type": "hide", "products": {"id": "t1"}}]}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let generated = body["id"].as_str().unwrap().to_string();
    assert!(generated.starts_with("rule-"), "{generated}");
    // Precise 4xx naming the field.
    for (bad, field) in [
        (
            json!({"id": "x", "actions": [{"type": "boost", "factor": 1}]}),
            "actions[0].factor",
        ),
        (json!({"id": "x", "actions": "hide"}), "actions"),
        (
            json!({"id": "x", "when": {"surfaces": ["email"]}, "actions": [{"type": "hide"}]}),
            "when.surfaces[0]",
        ),
        (
            json!({"id": "x", "active_from": "soon", "actions": [{"type": "hide"}]}),
            "active_from",
        ),
        (
            json!({"id": "x", "priority": 1.5, "actions": [{"type": "hide"}]}),
            "priority",
        ),
        (json!({"id": "ü", "actions": [{"type": "hide"}]}), "id"),
        (json!([1]), "body"),
    ] {
        let (st, body) = s.post("/v1/rules", None, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad} -> {body}");
        assert_eq!(body["error"]["field"], field, "{bad} -> {body}");
    }
    let (st, body) = s
        .call(
            Method::PUT,
            "/v1/rules/a",
            None,
            json!({"id": "b", "actions": [{"type": "hide"}]}),
        )
        .await;
    assert_eq!(
        (st, body["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("id"))
    );
    let (st, body) = s.post("/v1/rules", None, json!("{not json")).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(s.get("/v1/rules/nope", None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        s.call(Method::DELETE, "/v1/rules/nope", None, Value::Null)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = s.get("/v1/rules", None).await;
    assert_eq!(list["rules"].as_array().unwrap().len(), 2);
    assert_eq!(list["rules"][0]["id"], "pin-oat", "priority 5 runs first");
    assert_eq!(milk(&s).await[0], "m3");
    // Durable: a restart loads the rules from the store.
    let s = s.restart().await;
    let (_, got) = s.get("/v1/rules/pin-oat", None).await;
    assert_eq!(got["name"], "Oat milk first");
    assert_eq!(milk(&s).await[0], "m3");
    delete(&s, "pin-oat").await;
    let s = s.restart().await;
    assert_eq!(
        s.get("/v1/rules/pin-oat", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, list) = s.get("/v1/rules", None).await;
    assert_eq!(list["rules"][0]["id"], json!(generated));
}

#[tokio::test]
async fn each_action_and_explain() {
    let s = shop().await;
    let base = milk(&s).await;
    assert!(base.len() >= 4, "{base:?}");
    // Pin: a product that does not even match the query can be pinned (here bread).
    put(
        &s,
        "pin",
        json!({"when": {"query": {"matches": "milk"}},
        "actions": [{"type": "pin", "product_id": "b1", "position": 1}]}),
    )
    .await;
    let out = search(&s, json!({"query": "milk", "explain": true})).await;
    let got = ids(&out["items"]);
    assert_eq!(got[1], "b1");
    assert_eq!(
        out["items"][1]["explain"]["rules"][0],
        json!({"rule": "pin", "action": "pin", "delta": 0.0})
    );
    assert_eq!(
        out["rules"],
        json!([{"rule": "pin", "action": "pin", "items": 1}])
    );
    // A different query is untouched.
    assert!(
        !ids(&search(&s, json!({"query": "cheese"})).await["items"]).contains(&"b1".to_string())
    );
    delete(&s, "pin").await;
    // Hide, by brand.
    put(
        &s,
        "hide",
        json!({"actions": [{"type": "hide", "products": {"brand": "Dairyland"}}]}),
    )
    .await;
    let got = milk(&s).await;
    assert!(got.iter().all(|i| i != "m1" && i != "m2"), "{got:?}");
    let out = search(&s, json!({"query": "milk", "explain": true})).await;
    assert_eq!(
        out["rules"],
        json!([{"rule": "hide", "action": "hide", "items": 2}])
    );
    delete(&s, "hide").await;
    // Filter: keep only what matches.
    put(
        &s,
        "only-cheap",
        json!({"actions": [{"type": "filter", "products": {"price": {"$range": [null, 2.5]}}}]}),
    )
    .await;
    let mut got = milk(&s).await;
    got.sort();
    assert_eq!(got, ["m1", "m2", "m3"]);
    delete(&s, "only-cheap").await;
    // Boost the last one to the top; bury the first one to the bottom.
    let last = base.last().unwrap().clone();
    put(
        &s,
        "boost",
        json!({"actions": [{"type": "boost", "factor": 1000, "products": {"id": last}}]}),
    )
    .await;
    let out = search(&s, json!({"query": "milk", "explain": true})).await;
    assert_eq!(ids(&out["items"])[0], last);
    let e = &out["items"][0]["explain"];
    assert_eq!(e["rules"][0]["action"], "boost");
    // The parts still add up to the score.
    let parts: f64 = e["sources"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_f64().unwrap())
        .sum::<f64>()
        + e["affinity"].as_f64().unwrap()
        + e["stated"].as_f64().unwrap()
        + e["popularity"].as_f64().unwrap()
        + e["rules"][0]["delta"].as_f64().unwrap();
    assert!((parts - e["total"].as_f64().unwrap()).abs() < 1e-9, "{e}");
    delete(&s, "boost").await;
    let first = base[0].clone();
    put(
        &s,
        "bury",
        json!({"actions": [{"type": "bury", "factor": 1000, "products": {"id": first}}]}),
    )
    .await;
    assert_eq!(milk(&s).await.last().unwrap(), &first);
    delete(&s, "bury").await;
    assert_eq!(milk(&s).await, base);
}

#[tokio::test]
async fn rules_reach_browse_and_boxes_by_surface_category_and_box() {
    let s = shop().await;
    put(
        &s,
        "dairy-pin",
        json!({"when": {"surfaces": ["browse"], "category": "Food"},
        "actions": [{"type": "pin", "product_id": "c1", "position": 0}]}),
    )
    .await;
    let browse = search(&s, json!({"filters": {"category": "Food > Dairy"}})).await;
    assert_eq!(ids(&browse["items"])[0], "c1");
    // A browse rule does not touch search.
    let out = search(&s, json!({"query": "milk"})).await;
    assert!(!ids(&out["items"]).contains(&"c1".to_string()));
    // Boxes: hide tea in the "home" box only.
    put(
        &s,
        "no-tea",
        json!({"when": {"box": "home"},
        "actions": [{"type": "hide", "products": {"category": "Drinks"}}]}),
    )
    .await;
    let req = |name: &str| {
        json!({"visitor_id": "v", "explain": true,
        "boxes": [{"name": name, "sources": [{"source": "trending"}], "count": 10},
                  {"name": "pinned", "preset": "trending", "count": 3}]})
    };
    // Give trending something to rank.
    let ev: Vec<Value> = ["t1", "m1", "b1", "t1"]
        .iter()
        .map(|p| json!({"type": "view", "visitor_id": "w", "product_id": p}))
        .collect();
    assert_eq!(
        s.post("/v1/events", None, json!(ev)).await.0,
        StatusCode::OK
    );
    let (_, out) = s.post("/v1/recommendations", None, req("home")).await;
    assert!(
        !ids(&out["boxes"][0]["items"]).contains(&"t1".to_string()),
        "{out}"
    );
    assert_eq!(
        out["boxes"][0]["rules"],
        json!([{"rule": "no-tea", "action": "hide", "items": 1}])
    );
    let (_, out) = s.post("/v1/recommendations", None, req("other")).await;
    assert_eq!(ids(&out["boxes"][0]["items"])[0], "t1");
    // A pin in a box inserts a sellable product no source proposed; the next box does not repeat it.
    put(
        &s,
        "box-pin",
        json!({"when": {"box": "other"},
        "actions": [{"type": "pin", "product_id": "m4", "position": 0}]}),
    )
    .await;
    let (_, out) = s.post("/v1/recommendations", None, req("other")).await;
    assert_eq!(ids(&out["boxes"][0]["items"])[0], "m4");
    assert!(!ids(&out["boxes"][1]["items"]).contains(&"m4".to_string()));
}

#[tokio::test]
async fn conflicts_resolve_deterministically() {
    let s = shop().await;
    // Hide beats pin, whatever the priorities.
    put(
        &s,
        "pin",
        json!({"priority": 100, "actions": [{"type": "pin", "product_id": "m4", "position": 0}]}),
    )
    .await;
    put(
        &s,
        "hide",
        json!({"priority": 1, "actions": [{"type": "hide", "products": {"id": "m4"}}]}),
    )
    .await;
    assert!(!milk(&s).await.contains(&"m4".to_string()));
    delete(&s, "hide").await;
    // Two pins on one slot: the higher priority keeps it, the other takes the next slot.
    put(
        &s,
        "pin2",
        json!({"priority": 50, "actions": [{"type": "pin", "product_id": "m1", "position": 0}]}),
    )
    .await;
    assert_eq!(milk(&s).await[..2], ["m4", "m1"]);
    // Equal priority: the smaller id wins.
    put(
        &s,
        "pin",
        json!({"priority": 50, "actions": [{"type": "pin", "product_id": "m4", "position": 0}]}),
    )
    .await;
    assert_eq!(milk(&s).await[..2], ["m4", "m1"]);
    put(
        &s,
        "pin",
        json!({"priority": 10, "actions": [{"type": "pin", "product_id": "m4", "position": 0}]}),
    )
    .await;
    assert_eq!(milk(&s).await[..2], ["m1", "m4"]);
    // The same product pinned twice keeps the stronger rule's slot.
    put(
        &s,
        "pin",
        json!({"priority": 10, "actions": [{"type": "pin", "product_id": "m1", "position": 3}]}),
    )
    .await;
    assert_eq!(milk(&s).await[0], "m1");
    // Boost and bury multiply: x4 and /4 cancel.
    delete(&s, "pin").await;
    delete(&s, "pin2").await;
    let base = milk(&s).await;
    let last = base.last().unwrap().clone();
    put(
        &s,
        "up",
        json!({"actions": [{"type": "boost", "factor": 4, "products": {"id": last}}]}),
    )
    .await;
    put(
        &s,
        "down",
        json!({"actions": [{"type": "bury", "factor": 4, "products": {"id": last}}]}),
    )
    .await;
    assert_eq!(milk(&s).await, base);
    // A pin cannot break the shopper's hard constraints: a pinned product outside a stated
    // price ceiling stays out.
    put(
        &s,
        "pin",
        json!({"actions": [{"type": "pin", "product_id": "b1", "position": 0}]}),
    )
    .await;
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/v/preferences",
            None,
            json!({"max_price": 3.0}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(!milk(&s).await.contains(&"b1".to_string()));
    assert_eq!(
        ids(&search(&s, json!({"query": "milk", "visitor_id": "other"})).await["items"])[0],
        "b1"
    );
}

#[tokio::test]
async fn schedules_and_audiences() {
    let s = shop().await;
    // A window in the past and one in the future: neither applies now.
    put(&s, "past", json!({"active_until": "2020-01-01", "actions": [{"type": "hide", "products": {"id": "m1"}}]})).await;
    put(&s, "future", json!({"active_from": "2999-01-01T00:00:00Z", "actions": [{"type": "hide", "products": {"id": "m2"}}]})).await;
    put(&s, "now", json!({"active_from": "2020-01-01", "active_until": "2999-01-01", "actions": [{"type": "hide", "products": {"id": "m3"}}]})).await;
    put(
        &s,
        "off",
        json!({"enabled": false, "actions": [{"type": "hide", "products": {"id": "m4"}}]}),
    )
    .await;
    let got = milk(&s).await;
    assert!(
        got.contains(&"m1".into()) && got.contains(&"m2".into()) && got.contains(&"m4".into()),
        "{got:?}"
    );
    assert!(!got.contains(&"m3".into()));
    for id in ["past", "future", "now", "off"] {
        delete(&s, id).await;
    }
    // New visitors get the goat milk first; returning ones (an earlier session) the oat milk.
    put(&s, "new", json!({"when": {"audience": "new"}, "actions": [{"type": "pin", "product_id": "m4", "position": 0}]})).await;
    put(&s, "back", json!({"when": {"audience": "returning"}, "actions": [{"type": "pin", "product_id": "m3", "position": 0}]})).await;
    let first = |out: Value| ids(&out["items"])[0].clone();
    assert_eq!(
        first(search(&s, json!({"query": "milk", "visitor_id": "nobody"})).await),
        "m4"
    );
    let ev = json!([{"type": "view", "visitor_id": "r", "product_id": "t1", "session_id": "s1", "timestamp": 1000},
                    {"type": "view", "visitor_id": "r", "product_id": "t1", "session_id": "s2", "timestamp": 2000}]);
    assert_eq!(s.post("/v1/events", None, ev).await.0, StatusCode::OK);
    assert_eq!(
        first(search(&s, json!({"query": "milk", "visitor_id": "r"})).await),
        "m3"
    );
    // One session is still new.
    let ev = json!([{"type": "view", "visitor_id": "once", "product_id": "t1"}]);
    assert_eq!(s.post("/v1/events", None, ev).await.0, StatusCode::OK);
    assert_eq!(
        first(search(&s, json!({"query": "milk", "visitor_id": "once"})).await),
        "m4"
    );
    delete(&s, "new").await;
    delete(&s, "back").await;
    // A stated preference.
    put(
        &s,
        "oat-fans",
        json!({"when": {"audience": {"stated": {"field": "favorite_brands", "value": "oatly"}}},
        "actions": [{"type": "pin", "product_id": "m3", "position": 0}]}),
    )
    .await;
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/fan/preferences",
            None,
            json!({"favorite_brands": ["Oatly"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let out = search(
        &s,
        json!({"query": "milk", "visitor_id": "fan", "explain": true}),
    )
    .await;
    assert_eq!(out["rules"][0]["rule"], "oat-fans", "{out}");
    assert_eq!(ids(&out["items"])[0], "m3");
    let out = search(
        &s,
        json!({"query": "milk", "visitor_id": "nobody", "explain": true}),
    )
    .await;
    assert_eq!(out["rules"], json!([]));
}

#[tokio::test]
async fn preview_shows_with_and_without_a_draft() {
    let s = shop().await;
    let body = json!({"rule": {"id": "draft-1", "actions": [{"type": "pin", "product_id": "m4", "position": 0}]},
                      "search": {"query": "milk", "visitor_id": "v"}});
    let (st, out) = s.post("/v1/rules/preview", None, body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!(ids(&out["with"]["items"])[0], "m4");
    assert_eq!(out["with"]["items"][0]["position"], 0);
    assert_eq!(out["with"]["rules"][0]["rule"], "draft-1");
    assert_eq!(ids(&out["without"]["items"]), milk(&s).await);
    assert_eq!(out["changed"], true);
    // The draft was not saved.
    assert_eq!(
        s.get("/v1/rules/draft-1", None).await.0,
        StatusCode::NOT_FOUND
    );
    // A stored rule: without it, the list is as if it did not exist.
    put(
        &s,
        "stored",
        json!({"actions": [{"type": "hide", "products": {"id": "m1"}}]}),
    )
    .await;
    let (st, out) = s
        .post("/v1/rules/preview", None, json!({"rule_id": "stored",
            "recommendations": {"visitor_id": "v", "boxes": [{"name": "b", "sources": [{"source": "content_similar"}], "context": {"products": ["m2"]}}]}}))
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert!(!ids(&out["with"]["boxes"][0]["items"]).contains(&"m1".to_string()));
    assert!(
        ids(&out["without"]["boxes"][0]["items"]).contains(&"m1".to_string()),
        "{out}"
    );
    for (bad, field) in [
        (json!({"search": {"query": "x"}}), "rule"),
        (json!({"rule_id": "nope", "search": {}}), "rule_id"),
        (json!({"rule_id": "stored"}), "search"),
        (
            json!({"rule": {"actions": [{"type": "pin"}]}, "search": {}}),
            "rule.actions[0].product_id",
        ),
        (
            json!({"rule_id": "stored", "search": {"limit": 0}}),
            "search.limit",
        ),
        (json!({"rule_id": "stored", "bogus": 1}), "bogus"),
    ] {
        let (st, body) = s.post("/v1/rules/preview", None, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad} -> {body}");
        assert_eq!(body["error"]["field"], field, "{bad} -> {body}");
    }
}

#[tokio::test]
async fn a_public_key_cannot_read_or_write_rules() {
    let s = common::start().await;
    let shop = ShopId::new("default").unwrap();
    let admin = s
        .store
        .create_key(&shop, KeyRole::Admin, "t")
        .unwrap()
        .secret;
    let public = s
        .store
        .create_key(&shop, KeyRole::Public, "t")
        .unwrap()
        .secret;
    let rule = json!({"id": "r", "actions": [{"type": "hide"}]});
    assert_eq!(
        s.post("/v1/rules", Some(&public), rule.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.call(Method::PUT, "/v1/rules/r", Some(&public), rule.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/v1/rules", Some(&public)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.post(
            "/v1/rules/preview",
            Some(&public),
            json!({"rule": rule, "search": {}})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.post("/v1/rules", None, rule.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.post("/v1/rules", Some(&admin), rule.clone()).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        s.call(Method::DELETE, "/v1/rules/r", Some(&public), Value::Null)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (st, list) = s.get("/v1/rules", Some(&admin)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(list["rules"].as_array().unwrap().len(), 1);
}
