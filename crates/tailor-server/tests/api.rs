//! API tests against a real server on an ephemeral port.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tailor_model::ShopId;
use tailor_server::App;
use tailor_store::{KeyRole, SqliteStore, Store};

struct Server {
    base: String,
    store: Arc<SqliteStore>,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let (app, _) = App::open(store.clone()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tailor_server::serve(app, listener, async {
        let _ = rx.await;
    }));
    Server {
        base,
        store,
        _dir: dir,
        _stop: tx,
    }
}

impl Server {
    async fn post(&self, path: &str, key: Option<&str>, body: Value) -> (StatusCode, Value) {
        let mut req = Client::new()
            .post(format!("{}{path}", self.base))
            .json(&body);
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
        body: &str,
        ct: &str,
    ) -> (StatusCode, Value) {
        let mut req = Client::new()
            .request(method, format!("{}{path}", self.base))
            .header("content-type", ct)
            .body(body.to_string());
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str, key: Option<&str>) -> (StatusCode, Value) {
        self.raw(reqwest::Method::GET, path, key, "", "text/plain")
            .await
    }
}

fn view(id: &str, visitor: &str, product: &str) -> Value {
    json!({"event_id": id, "type": "view", "visitor_id": visitor, "product_id": product})
}

#[tokio::test]
async fn events_are_acknowledged_idempotent_and_visible_at_once() {
    let s = start().await;
    let (st, body) = s
        .post(
            "/v1/events",
            None,
            json!({"events": [view("e1", "v1", "p1"), view("e2", "v1", "p2")]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 2);
    // The very next request sees them.
    let (st, profile) = s.get("/v1/visitors/v1", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(profile["recently_viewed"], json!(["p2", "p1"]));
    // A retry is acknowledged as a duplicate and not applied twice.
    let (_, body) = s
        .post("/v1/events", None, json!([view("e1", "v1", "p1")]))
        .await;
    assert_eq!(
        (body["accepted"].as_u64(), body["duplicates"].as_u64()),
        (Some(0), Some(1))
    );
    let (_, profile) = s.get("/v1/visitors/v1", None).await;
    assert_eq!(profile["events"], 2);
    assert_eq!(s.store.count_events(&ShopId::default_shop()).unwrap(), 2);
}

#[tokio::test]
async fn bad_events_get_precise_errors_and_nothing_is_stored() {
    let s = start().await;
    let (st, body) = s
        .post("/v1/events", None, json!({"events": [view("a", "v", "p"), {"type": "view", "visitor_id": "v"}, {"type": "warp", "visitor_id": "v"}]}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "invalid_events");
    assert_eq!(body["error"]["field"], "[1].product_id");
    let errs = body["errors"].as_array().unwrap();
    assert_eq!(errs.len(), 2);
    assert_eq!(
        (errs[1]["index"].as_u64(), errs[1]["field"].as_str()),
        (Some(2), Some("type"))
    );
    assert_eq!(s.store.count_events(&ShopId::default_shop()).unwrap(), 0);

    // With ?partial=true the valid ones land and the rest are reported.
    let (st, body) = s
        .post(
            "/v1/events?partial=true",
            None,
            json!([view("a", "v", "p"), {"type": "view"}]),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(body["accepted"], 1);
    assert_eq!(body["rejected"][0]["index"], 1);

    for (body, code) in [
        ("{not json", "malformed_json"),
        ("", "invalid_field"),
        ("42", "invalid_field"),
        ("{\"events\": 5}", "invalid_field"),
    ] {
        let (st, v) = s
            .raw(
                reqwest::Method::POST,
                "/v1/events",
                None,
                body,
                "application/json",
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(v["error"]["code"], code, "{body}");
    }
    let too_many: Vec<Value> = (0..10_001)
        .map(|i| view(&i.to_string(), "v", "p"))
        .collect();
    let (st, v) = s
        .post("/v1/events", None, json!({ "events": too_many }))
        .await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["error"]["field"], "events");
    // Unicode goes through untouched.
    let (st, _) = s
        .post(
            "/v1/events",
            None,
            json!([{"type": "search", "visitor_id": "訪問者", "query": "café crème ☕"}]),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, p) = s
        .get("/v1/visitors/%E8%A8%AA%E5%95%8F%E8%80%85", None)
        .await;
    assert_eq!(p["recent_queries"], json!(["café crème ☕"]));
}

#[tokio::test]
async fn keys_scope_shops_and_roles() {
    let s = start().await;
    let shop = ShopId::new("acme").unwrap();
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
    let product = json!([{"id": "p1", "title": "Tea"}]);
    // No key, a bad key, a public key on the catalog: all refused.
    assert_eq!(
        s.post("/v1/products", None, product.clone()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.post("/v1/products", Some("tak_bogus"), product.clone())
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (st, body) = s.post("/v1/products", Some(&public), product.clone()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "admin_key_required");
    assert_eq!(
        s.post("/v1/products", Some(&admin), product.clone())
            .await
            .0,
        StatusCode::OK
    );
    // A public key may send events and read its own visitor, not a customer.
    let ev = json!([{"type": "view", "visitor_id": "v", "customer_id": "c", "product_id": "p1"}]);
    assert_eq!(
        s.post("/v1/events", Some(&public), ev).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/v1/visitors/v", Some(&public)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/v1/customers/c", Some(&public)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/v1/customers/c", Some(&admin)).await.0,
        StatusCode::OK
    );
    // The key's shop is implied; naming another shop is refused.
    assert_eq!(
        s.get("/v1/shops/acme/products/p1", Some(&admin)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/v1/products/p1", Some(&admin)).await.0,
        StatusCode::OK
    );
    let (st, body) = s.get("/v1/shops/other/products/p1", Some(&admin)).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_shop"))
    );
}

#[tokio::test]
async fn shops_are_isolated_in_dev_mode() {
    let s = start().await;
    let (st, h) = s.get("/healthz", None).await;
    assert_eq!((st, h["dev_mode"].as_bool()), (StatusCode::OK, Some(true)));
    s.post(
        "/v1/shops/a/products",
        None,
        json!([{"id": "x", "title": "In A"}]),
    )
    .await;
    s.post(
        "/v1/shops/b/products",
        None,
        json!([{"id": "x", "title": "In B"}]),
    )
    .await;
    assert_eq!(
        s.get("/v1/shops/a/products/x", None).await.1["title"],
        "In A"
    );
    assert_eq!(
        s.get("/v1/shops/b/products/x", None).await.1["title"],
        "In B"
    );
    assert_eq!(s.get("/v1/products/x", None).await.0, StatusCode::NOT_FOUND);
    let (st, body) = s.get("/v1/shops/%20/products/x", None).await;
    assert!(
        st == StatusCode::BAD_REQUEST || st == StatusCode::NOT_FOUND,
        "{st} {body}"
    );
}

#[tokio::test]
async fn catalog_crud_paging_and_ndjson() {
    let s = start().await;
    let products: Vec<Value> = (0..30)
        .map(|i| json!({"id": format!("p{i:02}"), "title": format!("Product {i}"), "price": 1.5}))
        .collect();
    let (st, body) = s
        .post("/v1/products", None, json!({ "products": products }))
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["inserted"], 30);
    let (_, page) = s.get("/v1/products?limit=20", None).await;
    assert_eq!(page["products"].as_array().unwrap().len(), 20);
    let next = page["next_after"].as_str().unwrap().to_string();
    let (_, page2) = s
        .get(&format!("/v1/products?limit=20&after={next}"), None)
        .await;
    assert_eq!(page2["products"].as_array().unwrap().len(), 10);
    assert_eq!(
        s.get("/v1/products?limit=0", None).await.0,
        StatusCode::BAD_REQUEST
    );

    let (st, p) = s
        .raw(
            reqwest::Method::PATCH,
            "/v1/products/p01",
            None,
            r#"{"price": 2.25, "stock": 0}"#,
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(
        (p["price"].as_f64(), p["stock"].as_i64()),
        (Some(2.25), Some(0))
    );
    let (st, _) = s
        .raw(
            reqwest::Method::PATCH,
            "/v1/products/p01",
            None,
            r#"{"price": "cheap"}"#,
            "application/json",
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        s.raw(
            reqwest::Method::PATCH,
            "/v1/products/nope",
            None,
            "{}",
            "application/json"
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.raw(
            reqwest::Method::DELETE,
            "/v1/products/p02",
            None,
            "",
            "text/plain"
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/v1/products/p02", None).await.0,
        StatusCode::NOT_FOUND
    );

    let nd = "{\"id\":\"n1\",\"title\":\"Ñandú\"}\n\n{\"id\":\"n2\",\"title\":\"寿司\"}\n";
    let (st, body) = s
        .raw(
            reqwest::Method::POST,
            "/v1/products",
            None,
            nd,
            "application/x-ndjson",
        )
        .await;
    assert_eq!((st, body["inserted"].as_u64()), (StatusCode::OK, Some(2)));
    // A bad row refuses the whole batch and names row and field.
    let (st, body) = s
        .post(
            "/v1/products",
            None,
            json!([{"id": "ok", "title": "fine"}, {"id": "bad", "title": "x", "price": -1}]),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["index"], 1);
    assert_eq!(body["errors"][0]["field"], "price");
    assert_eq!(
        s.get("/v1/products/ok", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn merge_endpoint_and_login_event_merge_history() {
    let s = start().await;
    s.post(
        "/v1/events",
        None,
        json!([view("1", "phone", "a"), view("2", "laptop", "b")]),
    )
    .await;
    s.post(
        "/v1/events",
        None,
        json!([{"type": "view", "visitor_id": "phone", "customer_id": "alice", "product_id": "c"}]),
    )
    .await;
    let (st, m) = s
        .post(
            "/v1/identity/merge",
            None,
            json!({"visitor_id": "laptop", "customer_id": "alice"}),
        )
        .await;
    assert_eq!((st, m["merged"].as_bool()), (StatusCode::OK, Some(true)));
    let (_, p) = s.get("/v1/customers/alice", None).await;
    let mut seen: Vec<_> = p["recently_viewed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    seen.sort();
    assert_eq!(seen, ["a", "b", "c"]);
    let (st, e) = s
        .post("/v1/identity/merge", None, json!({"visitor_id": "laptop"}))
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("customer_id"))
    );
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let s = start().await;
    s.post("/v1/events", None, json!([view("1", "v", "p")]))
        .await;
    let text = Client::new()
        .get(format!("{}/metrics", s.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("tailor_events_ingested_total{kind=\"view\"} 1"),
        "{text}"
    );
    let (st, api) = s.get("/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    for path in [
        "/v1/events",
        "/v1/products",
        "/v1/products/{id}",
        "/v1/identity/merge",
        "/v1/visitors/{id}",
    ] {
        assert!(
            api["paths"].get(path).is_some(),
            "{path} missing from openapi"
        );
    }
}

#[tokio::test]
async fn recommendations_over_http_track_explain_and_take_events_along() {
    let s = start().await;
    let products: Vec<Value> = (0..6)
        .map(|i| json!({"id": format!("p{i}"), "title": format!("P{i}"), "categories": [["A"]]}))
        .collect();
    s.post("/v1/products", None, json!(products)).await;
    for v in 0..5 {
        s.post(
            "/v1/events",
            None,
            json!([
                view(&format!("h{v}a"), &format!("h{v}"), "p0"),
                view(&format!("h{v}b"), &format!("h{v}"), "p3")
            ]),
        )
        .await;
    }
    // One call records the click and answers with boxes that already reflect it.
    let (st, r) = s
        .post("/v1/recommendations", None, json!({"visitor_id": "me", "explain": true,
            "events": [{"type": "view", "visitor_id": "me", "product_id": "p0"}],
            "boxes": [{"name": "next", "sources": ["session_next"], "count": 3}, {"name": "top", "preset": "trending", "count": 3}]}))
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["events"]["accepted"], 1);
    let next = &r["boxes"][0]["items"][0];
    assert_eq!(next["product_id"], "p3");
    let rid = r["request_id"].as_str().unwrap();
    assert_eq!(next["tracking"], format!("{rid}:next:0"));
    assert!(next["explain"]["sources"]["session_next"].as_f64().unwrap() > 0.0);
    let all: Vec<&str> = r["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["items"].as_array().unwrap())
        .map(|i| i["product_id"].as_str().unwrap())
        .collect();
    let mut dedup = all.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), all.len(), "repeated across boxes: {all:?}");
    // Mistakes are 4xx with the field, never 500.
    for (body, field) in [
        (
            json!({"boxes": [{"sources": ["psychic"]}]}),
            "boxes[0].sources[0].source",
        ),
        (
            json!({"boxes": [{"preset": "alternatives", "context": {"products": ["nope"]}}]}),
            "boxes[0].context.products[0]",
        ),
        (
            json!({"boxes": [{"preset": "trending", "filter": {"price": "cheap"}}]}),
            "boxes[0].filter.price",
        ),
        (
            json!({"events": [{"type": "view"}], "boxes": [{"preset": "trending"}]}),
            "[0].visitor_id",
        ),
    ] {
        let (st, e) = s.post("/v1/recommendations", None, body).await;
        assert_eq!(
            (st, e["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{e}"
        );
    }
}
