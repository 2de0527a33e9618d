//! What a shop's pages may do with a public key: read products (never hidden ones), send events
//! by beacon with the key in the URL, load /tracker.js, and call from another origin.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tailor_model::ShopId;
use tailor_server::App;
use tailor_store::{KeyRole, SqliteStore, Store};

struct Server {
    base: String,
    public: String,
    admin: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let shop = ShopId::default_shop();
    let public = store
        .create_key(&shop, KeyRole::Public, "t")
        .unwrap()
        .secret;
    let admin = store.create_key(&shop, KeyRole::Admin, "t").unwrap().secret;
    let (app, _) = App::open(store).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tailor_server::serve(app, listener, async {
        let _ = rx.await;
    }));
    Server {
        base,
        public,
        admin,
        _dir: dir,
        _stop: tx,
    }
}

impl Server {
    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str, key: &str) -> (StatusCode, Value) {
        self.send(
            Client::new()
                .get(format!("{}{path}", self.base))
                .bearer_auth(key),
        )
        .await
    }
}

#[tokio::test]
async fn public_keys_read_visible_products_and_cannot_write() {
    let s = start().await;
    let products: Vec<Value> = (0..5)
        .map(|i| json!({"id": format!("p{i}"), "title": format!("Product {i}"), "price": 1.5, "hidden": i == 2}))
        .collect();
    let (st, r) = s
        .send(
            Client::new()
                .post(format!("{}/v1/products", s.base))
                .bearer_auth(&s.admin)
                .json(&products),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");

    let (st, p) = s.get("/v1/products/p1", &s.public).await;
    assert_eq!(
        (st, p["title"].as_str()),
        (StatusCode::OK, Some("Product 1"))
    );
    // Hidden products do not exist for shoppers, but do for the shop's admin.
    let (st, _) = s.get("/v1/products/p2", &s.public).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, p) = s.get("/v1/products/p2", &s.admin).await;
    assert_eq!((st, &p["hidden"]), (StatusCode::OK, &json!(true)));

    let ids = |v: &Value| -> Vec<String> {
        v["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (st, page) = s.get("/v1/products?limit=3", &s.public).await;
    assert_eq!(st, StatusCode::OK);
    // The page skips the hidden p2 but still says where to go on.
    assert_eq!(ids(&page), ["p0", "p1"]);
    assert_eq!(page["next_after"], "p2");
    let (_, page) = s.get("/v1/products?limit=3&after=p2", &s.public).await;
    assert_eq!(ids(&page), ["p3", "p4"]);
    let (_, page) = s.get("/v1/products?limit=10", &s.admin).await;
    assert_eq!(ids(&page).len(), 5);

    // Writes stay admin-only.
    let c = Client::new();
    let url = |p: &str| format!("{}{p}", s.base);
    for req in [
        c.post(url("/v1/products"))
            .json(&json!([{"id": "x", "title": "X"}])),
        c.patch(url("/v1/products/p1"))
            .json(&json!({"price": 0.01})),
        c.delete(url("/v1/products/p1")),
    ] {
        let (st, r) = s.send(req.bearer_auth(&s.public)).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{r}");
        assert_eq!(r["error"]["code"], "admin_key_required");
    }
    let (_, p) = s.get("/v1/products/p1", &s.admin).await;
    assert_eq!(p["price"], 1.5);
}

#[tokio::test]
async fn beacons_send_the_public_key_in_the_url_but_admin_keys_may_not() {
    let s = start().await;
    let events = json!({"events": [
        {"event_id": "b1", "type": "view", "visitor_id": "vb", "product_id": "p1"},
        {"event_id": "b2", "type": "cart_add", "visitor_id": "vb", "product_id": "p1", "quantity": 2}
    ]});
    // What navigator.sendBeacon sends: text/plain, no headers of our own.
    let beacon = |key: &str| {
        Client::new()
            .post(format!("{}/v1/events?partial=true&key={key}", s.base))
            .header("content-type", "text/plain;charset=UTF-8")
            .body(events.to_string())
    };
    let (st, r) = s.send(beacon(&s.public)).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["accepted"], 2);
    let (st, v) = s
        .send(Client::new().get(format!("{}/v1/visitors/vb?key={}", s.base, s.public)))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["cart"][0]["quantity"], 2);

    let (st, r) = s.send(beacon(&s.admin)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{r}");
    assert_eq!(r["error"]["code"], "admin_key_in_url");
    let (st, r) = s.send(beacon("tpk_nonsense")).await;
    assert_eq!(
        (st, &r["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &json!("invalid_key"))
    );
    // A key in the URL is still only a public key: no admin reads through it.
    let (st, _) = s
        .send(Client::new().get(format!("{}/v1/customers/c1?key={}", s.base, s.public)))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A header wins over the URL, so an admin header with a public URL key acts as admin.
    let (st, _) = s
        .send(
            Client::new()
                .get(format!("{}/v1/products?key={}", s.base, s.public))
                .bearer_auth(&s.admin),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
}

#[tokio::test]
async fn tracker_js_is_served_and_other_origins_may_call() {
    let s = start().await;
    let resp = Client::new()
        .get(format!("{}/tracker.js", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/javascript"), "{ct}");
    let js = resp.text().await.unwrap();
    assert!(js.contains("sendBeacon") && js.contains("window") && js.contains("dataLayer"));

    // A preflight from a shop's origin, as a browser sends before a request with a header.
    let resp = Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/recommendations", s.base),
        )
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let allowed = resp.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");

    let resp = Client::new()
        .post(format!("{}/v1/recommendations?key={}", s.base, s.public))
        .header("origin", "https://shop.example")
        .body(json!({"visitor_id": "v", "boxes": [{"preset": "trending"}]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}
