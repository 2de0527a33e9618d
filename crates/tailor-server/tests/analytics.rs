//! Attribution and analytics against a real server, on a small scripted history with exact
//! expected numbers, before and after a restart (the counters are rebuilt from the served log
//! and the event log).

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::{ShopId, now_millis};
use tailor_store::{KeyRole, Store};

fn catalog() -> Value {
    json!([
        {"id": "t1", "title": "Green Tea", "brand": "Leafy", "categories": ["Drinks > Tea"], "price": 4.0},
        {"id": "t2", "title": "Black Tea", "brand": "Leafy", "categories": ["Drinks > Tea"], "price": 3.0},
        {"id": "c1", "title": "Carrot Cake", "brand": "Bakery", "categories": ["Food > Cake"], "price": 12.0},
    ])
}

fn code(item: &Value) -> (String, u64) {
    let t = item["tracking"].as_str().unwrap();
    let (rid, pos) = t.rsplit_once(':').unwrap();
    (rid.to_string(), pos.parse().unwrap())
}

fn day(offset_days: i64) -> String {
    tailor_engine::analytics::day_name(tailor_engine::analytics::day_of(now_millis()) + offset_days)
}

async fn report(s: &common::Server, path: &str) -> Value {
    let (st, body) = s.get(path, None).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    body
}

fn row<'a>(rows: &'a Value, key: &str, value: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row {key}={value} in {rows}"))
}

fn close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((got - want).abs() < 1e-9, "{got} != {want}");
}

async fn check(s: &common::Server) {
    let range = format!("from={}&to={}", day(-1), day(1));
    let w = report(s, &format!("/v1/analytics/widgets?{range}")).await;
    let search = row(&w["rows"], "widget", "search");
    assert_eq!(search["impressions"], 7, "{w}");
    assert_eq!(search["clicks"], 1);
    assert_eq!(search["cart_adds"], 1);
    assert_eq!(search["purchases"], 1);
    close(&search["revenue"], 8.0);
    close(&search["ctr"], 1.0 / 7.0);
    close(&search["add_to_cart_rate"], 1.0);
    close(&search["conversion_rate"], 1.0);
    close(&search["revenue_per_mille"], 8000.0 / 7.0);
    let pdp = row(&w["rows"], "widget", "pdp");
    assert_eq!(
        (
            pdp["impressions"].clone(),
            pdp["clicks"].clone(),
            pdp["cart_adds"].clone(),
            pdp["purchases"].clone()
        ),
        (json!(1), json!(1), json!(1), json!(0))
    );
    assert_eq!(pdp["conversion_rate"], 0.0);
    assert_eq!(w["total"]["impressions"], 8);
    assert_eq!(w["unattributed_clicks"], 1);
    // By widget and source: the pdp box's item came from content similarity.
    let w = report(
        s,
        &format!("/v1/analytics/widgets?{range}&group_by=widget,source"),
    )
    .await;
    let r = w["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["widget"] == "pdp")
        .unwrap();
    assert_eq!(r["source"], "content_similar");
    // By query: the click, cart add and purchase belong to "tea".
    let w = report(s, &format!("/v1/analytics/widgets?{range}&group_by=query")).await;
    let tea = row(&w["rows"], "query", "tea");
    assert_eq!(
        (tea["impressions"].clone(), tea["purchases"].clone()),
        (json!(4), json!(1))
    );
    // Search analytics.
    let q = report(s, &format!("/v1/analytics/search?{range}&min_searches=1")).await;
    let top: Vec<&Value> = q["top_queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["query"])
        .collect();
    assert_eq!(top, [&json!("tea"), &json!("zzzz")]);
    let tea = &q["top_queries"][0];
    assert_eq!(
        (tea["searches"].clone(), tea["zero_results"].clone()),
        (json!(2), json!(0))
    );
    close(&tea["clicks_per_search"], 0.5);
    close(&tea["ctr"], 0.25);
    let zero: Vec<&Value> = q["zero_result_queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["query"])
        .collect();
    assert_eq!(zero, [&json!("zzzz")]);
    assert_eq!(q["low_ctr_queries"][0]["query"], "zzzz");
    assert_eq!(q["low_ctr_queries"][1]["query"], "tea");
    // With the default threshold (5 searches) no query qualifies as low-CTR.
    let q = report(s, &format!("/v1/analytics/search?{range}")).await;
    assert_eq!(q["low_ctr_queries"], json!([]));
}

#[tokio::test]
async fn last_touch_attribution_with_exact_numbers_survives_a_restart() {
    let s = common::start().await;
    assert_eq!(
        s.post("/v1/products", None, catalog()).await.0,
        StatusCode::OK
    );
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/analytics/settings",
            None,
            json!({"attribution_window_hours": 1}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let now = now_millis();
    // Two searches for tea (2 products each) and one that matches nothing (3 popular instead).
    let (_, a) = s
        .post(
            "/v1/search",
            None,
            json!({"query": "tea", "visitor_id": "a"}),
        )
        .await;
    assert_eq!(a["items"].as_array().unwrap().len(), 2, "{a}");
    let (_, b) = s
        .post(
            "/v1/search",
            None,
            json!({"query": "  TEA ", "visitor_id": "b"}),
        )
        .await;
    assert_eq!(b["items"].as_array().unwrap().len(), 2);
    let (_, z) = s
        .post(
            "/v1/search",
            None,
            json!({"query": "zzzz", "visitor_id": "b"}),
        )
        .await;
    assert_eq!(z["items"].as_array().unwrap().len(), 3, "{z}");
    assert!(z.get("fallback").is_some());
    // A product page box for a: one similar product.
    let (_, r) = s
        .post("/v1/recommendations", None, json!({"visitor_id": "a",
            "boxes": [{"name": "pdp", "sources": [{"source": "content_similar"}], "context": {"products": ["t1"]}}]}))
        .await;
    assert_eq!(ids(&r["boxes"][0]["items"]), ["t2"], "{r}");
    // a clicks the tea search's green tea, adds two and buys them at 4.0 each.
    let hit = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["product_id"] == "t1")
        .unwrap();
    let (rid, pos) = code(hit);
    let (box_rid, box_pos) = code(&r["boxes"][0]["items"][0]);
    let events = json!([
        {"type": "click", "visitor_id": "a", "product_id": "t1", "request_id": rid, "position": pos, "timestamp": now + 1000},
        {"type": "cart_add", "visitor_id": "a", "product_id": "t1", "quantity": 2, "timestamp": now + 2000},
        {"type": "purchase", "visitor_id": "a", "order_id": "o1", "timestamp": now + 3000,
         "lines": [{"product_id": "t1", "quantity": 2, "unit_price": 4.0}, {"product_id": "c1", "quantity": 1}]},
        // The same product bought again: the touch was used up.
        {"type": "purchase", "visitor_id": "a", "order_id": "o2", "timestamp": now + 4000,
         "lines": [{"product_id": "t1", "quantity": 1}]},
        // a clicks the box's black tea and adds it; the purchase comes after the 1 h window.
        {"type": "click", "visitor_id": "a", "product_id": "t2", "request_id": box_rid, "position": box_pos, "timestamp": now + 5000},
        {"type": "cart_add", "visitor_id": "a", "product_id": "t2", "quantity": 1, "timestamp": now + 6000},
        {"type": "purchase", "visitor_id": "a", "order_id": "o3", "timestamp": now + 2 * 3_600_000,
         "lines": [{"product_id": "t2", "quantity": 1, "unit_price": 3.0}]},
        // b's cart add of green tea is not a's click.
        {"type": "cart_add", "visitor_id": "b", "product_id": "t1", "quantity": 1, "timestamp": now + 7000},
        // A click with an unknown tracking code.
        {"type": "click", "visitor_id": "b", "product_id": "t1", "request_id": "r0:search", "timestamp": now + 8000},
    ]);
    let (st, body) = s.post("/v1/events", None, events).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    check(&s).await;
    let s = s.restart().await;
    check(&s).await;
}

fn ids(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn login_carries_the_touch_to_the_customer() {
    let s = common::start().await;
    assert_eq!(
        s.post("/v1/products", None, catalog()).await.0,
        StatusCode::OK
    );
    let (_, a) = s
        .post(
            "/v1/search",
            None,
            json!({"query": "cake", "visitor_id": "anon"}),
        )
        .await;
    let (rid, pos) = code(&a["items"][0]);
    let now = now_millis();
    let events = json!([
        {"type": "click", "visitor_id": "anon", "product_id": "c1", "request_id": rid, "position": pos, "timestamp": now},
        // Logged in on the same browser, then bought.
        {"type": "purchase", "visitor_id": "anon", "customer_id": "cust", "order_id": "o", "timestamp": now + 10,
         "lines": [{"product_id": "c1", "quantity": 1}]},
    ]);
    assert_eq!(s.post("/v1/events", None, events).await.0, StatusCode::OK);
    let w = report(
        &s,
        &format!("/v1/analytics/widgets?from={}&to={}", day(-1), day(1)),
    )
    .await;
    let r = row(&w["rows"], "widget", "search");
    assert_eq!(r["purchases"], 1, "{w}");
    close(&r["revenue"], 12.0);
}

#[tokio::test]
async fn bad_parameters_name_the_field_and_public_keys_are_refused() {
    let s = common::start().await;
    for (path, field) in [
        ("/v1/analytics/widgets?group_by=colour", "group_by"),
        ("/v1/analytics/widgets?from=2026-13-01", "from"),
        (
            "/v1/analytics/widgets?from=2026-02-01&to=2026-01-01",
            "from",
        ),
        (
            "/v1/analytics/widgets?from=1990-01-01&to=2026-01-01",
            "from",
        ),
        ("/v1/analytics/search?limit=0", "limit"),
        ("/v1/analytics/search?min_searches=x", "min_searches"),
        ("/v1/analytics/search?group_by=widget", "group_by"),
    ] {
        let (st, body) = s.get(path, None).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{path} -> {body}");
        assert_eq!(body["error"]["field"], field, "{path} -> {body}");
    }
    for (bad, field) in [
        (
            json!({"attribution_window_hours": 0}),
            "attribution_window_hours",
        ),
        (
            json!({"attribution_window_hours": 1e9}),
            "attribution_window_hours",
        ),
        (json!({"window": 1}), "window"),
    ] {
        let (st, body) = s
            .call(Method::PUT, "/v1/analytics/settings", None, bad)
            .await;
        assert_eq!(
            (st, body["error"]["field"].clone()),
            (StatusCode::BAD_REQUEST, json!(field))
        );
    }
    let (_, v) = s.get("/v1/analytics/settings", None).await;
    assert_eq!(v["attribution_window_hours"], 24.0);
    let shop = ShopId::new("default").unwrap();
    let public = s
        .store
        .create_key(&shop, KeyRole::Public, "t")
        .unwrap()
        .secret;
    for path in [
        "/v1/analytics/widgets",
        "/v1/analytics/search",
        "/v1/analytics/settings",
    ] {
        assert_eq!(
            s.get(path, Some(&public)).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // An empty shop reports zeros, with null rates rather than a division by zero.
    let admin = s
        .store
        .create_key(&shop, KeyRole::Admin, "t")
        .unwrap()
        .secret;
    let (_, w) = s.get("/v1/analytics/widgets", Some(&admin)).await;
    assert_eq!(w["rows"], json!([]));
    assert_eq!(w["total"]["ctr"], Value::Null);
}
