//! Real public data through the real API: taobao-userbehavior-head replayed as events, shuffled
//! out of order, and the instacart catalog upserted over HTTP. Skips where ../shared is absent.

use reqwest::Client;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tailor_model::ShopId;
use tailor_server::App;
use tailor_store::{SqliteStore, Store};

fn dataset(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/datasets"
    ))
    .join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (clone the project with ../shared beside it)",
            p.display()
        );
        None
    }
}

async fn start(
    dir: &std::path::Path,
) -> (String, Arc<SqliteStore>, tokio::sync::oneshot::Sender<()>) {
    let store = Arc::new(SqliteStore::open(dir).unwrap());
    let (app, _) = App::open(store.clone()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(tailor_server::serve(app, listener, async {
        let _ = rx.await;
    }));
    (base, store, tx)
}

async fn post(client: &Client, url: String, body: &impl serde::Serialize) -> Value {
    client
        .post(url)
        .json(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn get(client: &Client, url: String) -> Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

#[tokio::test]
async fn taobao_history_replays_as_events_and_survives_restart() {
    let Some(path) = dataset("taobao-userbehavior-head/UserBehavior_head.csv") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let mut events = Vec::new();
    let mut per_kind: HashMap<&str, usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        let (user, item, behaviour, ts) = (f[0], f[1], f[3], f[4].parse::<i64>().unwrap() * 1000);
        let kind = match behaviour {
            "pv" => json!({"type": "view", "product_id": item}),
            "cart" => json!({"type": "cart_add", "product_id": item, "quantity": 1}),
            "fav" => json!({"type": "wishlist_add", "product_id": item}),
            "buy" => {
                json!({"type": "purchase", "order_id": format!("o{i}"), "lines": [{"product_id": item, "quantity": 1}]})
            }
            other => panic!("unknown behaviour {other}"),
        };
        *per_kind.entry(behaviour).or_default() += 1;
        let mut e = kind;
        e["event_id"] = json!(format!("tb{i}"));
        e["visitor_id"] = json!(format!("u{user}"));
        e["timestamp"] = json!(ts);
        events.push(e);
    }
    // Out of order: the file is per user; interleave users by sending in reverse.
    events.reverse();
    let dir = tempfile::tempdir().unwrap();
    let (base, store, stop) = start(dir.path()).await;
    let client = Client::new();
    for chunk in events.chunks(500) {
        let r: Value = post(&client, format!("{base}/v1/events"), &chunk).await;
        assert_eq!(r["accepted"].as_u64(), Some(chunk.len() as u64), "{r}");
    }
    let shop = ShopId::default_shop();
    assert_eq!(store.count_events(&shop).unwrap() as usize, events.len());
    let before: Value = get(&client, format!("{base}/v1/visitors/u1")).await;
    assert!(before["events"].as_u64().unwrap() > 0);
    let favs = before["wishlists"][0]["products"]
        .as_array()
        .map_or(0, Vec::len);
    drop(stop);
    drop(store);

    // A restart rebuilds the same profile from the log.
    let (base, _store, _stop) = start(dir.path()).await;
    let after: Value = get(&client, format!("{base}/v1/visitors/u1")).await;
    assert_eq!(after["events"], before["events"]);
    assert_eq!(
        after["wishlists"][0]["products"]
            .as_array()
            .map_or(0, Vec::len),
        favs
    );
    assert_eq!(per_kind.values().sum::<usize>(), events.len());
}

#[tokio::test]
async fn instacart_catalog_upserts_over_http() {
    let Some(dir_in) = dataset("instacart-sample") else {
        return;
    };
    let reader = tailor_catalog::FeedReader::open(dir_in.join("products.csv")).unwrap();
    let products: Vec<_> = reader.map(|r| r.unwrap()).collect();
    assert_eq!(products.len(), 49_688);
    let dir = tempfile::tempdir().unwrap();
    let (base, store, _stop) = start(dir.path()).await;
    let client = Client::new();
    for chunk in products.chunks(10_000) {
        let r: Value = post(&client, format!("{base}/v1/products"), &chunk).await;
        assert_eq!(r["inserted"].as_u64(), Some(chunk.len() as u64), "{r}");
    }
    assert_eq!(
        store.count_products(&ShopId::default_shop()).unwrap(),
        49_688
    );
    let p: Value = get(&client, format!("{base}/v1/products/{}", products[0].id)).await;
    assert_eq!(p["title"], json!(products[0].title));
    // Browse the trending box of a department: the catalog fallback fills it before any events.
    let body =
        json!({"boxes": [{"preset": "trending", "count": 5, "filter": {"category": "frozen"}}]});
    let r = post(&client, format!("{base}/v1/recommendations"), &body).await;
    assert_eq!(
        r["boxes"][0]["items"].as_array().map(Vec::len),
        Some(5),
        "{r}"
    );
}
