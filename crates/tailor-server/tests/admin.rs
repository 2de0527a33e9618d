//! The admin dashboard's endpoints against a real server: the embedded pages, SVG charts, the
//! shopper inspector (which must not count impressions), catalog health, and the admin key.

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

async fn text(s: &common::Server, path: &str, key: Option<&str>) -> (StatusCode, String, String) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", s.base));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let r = req.send().await.unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (r.status(), ct, r.text().await.unwrap())
}

fn catalog() -> Value {
    json!([
        {"id": "a", "title": "Apple Juice", "brand": "X", "categories": ["Drinks > Juice"], "price": 2.0,
         "image_url": "https://img/a.png", "allergens": []},
        {"id": "b", "title": "Hammer", "categories": ["Tools"], "tags": ["non-food"], "image_url": "https://img/b.png"},
        {"id": "c", "title": "Mystery Cake"},
    ])
}

#[tokio::test]
async fn pages_charts_inspector_and_health() {
    let s = common::start().await;
    assert_eq!(
        s.post("/v1/products", None, catalog()).await.0,
        StatusCode::OK
    );
    let (st, ct, html) = text(&s, "/admin", None).await;
    assert_eq!(st, StatusCode::OK);
    assert!(ct.starts_with("text/html") && html.contains("id=\"login-form\""));
    let (_, ct, js) = text(&s, "/admin/admin.js", None).await;
    assert!(ct.starts_with("text/javascript") && js.contains("sessionStorage"));
    assert!(
        text(&s, "/admin/admin.css", None)
            .await
            .1
            .starts_with("text/css")
    );
    // Some history, then the charts.
    let ev = json!([{"type": "view", "visitor_id": "v1", "product_id": "a"},
                    {"type": "purchase", "visitor_id": "v1", "order_id": "o", "lines": [{"product_id": "a", "quantity": 3}]}]);
    assert_eq!(s.post("/v1/events", None, ev).await.0, StatusCode::OK);
    for name in ["events", "revenue", "widgets"] {
        let (st, ct, svg) = text(&s, &format!("/v1/admin/charts/{name}?days=7"), None).await;
        assert_eq!(st, StatusCode::OK, "{name}: {svg}");
        assert_eq!(ct, "image/svg+xml");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"), "{name}");
    }
    let (_, _, revenue) = text(&s, "/v1/admin/charts/revenue?days=1", None).await;
    assert!(
        revenue.contains(": 6</title>"),
        "today's revenue is 3 x 2.0: {revenue}"
    );
    let (st, body) = s.get("/v1/admin/charts/pie", None).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "{body}");
    let (st, body) = s.get("/v1/admin/charts/events?days=0", None).await;
    assert_eq!(
        (st, body["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("days"))
    );
    let (st, body) = s.get("/v1/admin/charts/experiment", None).await;
    assert_eq!(
        (st, body["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("experiment"))
    );
    // The inspector: profile and explained widgets, and no impressions counted.
    let (st, out) = s
        .post("/v1/admin/inspect", None, json!({"visitor_id": "v1"}))
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert_eq!(out["profile"]["events"], 2);
    let names: Vec<&str> = out["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "for_you",
            "recently_viewed",
            "buy_again",
            "trending",
            "bestsellers"
        ]
    );
    // The viewed and bought product shows in one of them (boxes never repeat a product), with why.
    let shown: Vec<&Value> = out["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["items"].as_array().unwrap())
        .filter(|i| i["product_id"] == "a")
        .collect();
    assert_eq!(shown.len(), 1, "{out}");
    assert!(shown[0]["explain"]["sources"].is_object());
    let (_, w) = s.get("/v1/analytics/widgets", None).await;
    assert_eq!(
        w["total"]["impressions"], 0,
        "inspecting is not an impression: {w}"
    );
    let (_, out) = s
        .post("/v1/admin/inspect", None, json!({"visitor_id": "nobody"}))
        .await;
    assert_eq!(out["profile"], Value::Null);
    let (st, body) = s.post("/v1/admin/inspect", None, json!({})).await;
    assert_eq!(
        (st, body["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("visitor_id"))
    );
    // Catalog health.
    let (_, h) = s.get("/v1/admin/catalog-health", None).await;
    assert_eq!(h["products"], 3);
    let problem = |name: &str| {
        h["problems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["problem"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(problem("missing_image")["sample"], json!(["c"]));
    assert_eq!(problem("missing_price")["count"], 2);
    assert_eq!(
        problem("missing_allergens")["sample"],
        json!(["c"]),
        "non-food needs no allergens"
    );
    assert_eq!(problem("missing_category")["sample"], json!(["c"]));
}

#[tokio::test]
async fn admin_endpoints_need_the_admin_key() {
    let s = common::start().await;
    let shop = ShopId::new("default").unwrap();
    let public = s
        .store
        .create_key(&shop, KeyRole::Public, "t")
        .unwrap()
        .secret;
    // The page itself is public (it holds no data); everything it reads is not.
    assert_eq!(text(&s, "/admin", None).await.0, StatusCode::OK);
    for path in ["/v1/admin/charts/events", "/v1/admin/catalog-health"] {
        assert_eq!(
            s.get(path, Some(&public)).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            s.get(path, None).await.0,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }
    assert_eq!(
        s.post(
            "/v1/admin/inspect",
            Some(&public),
            json!({"visitor_id": "v"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_merchandising_endpoint_is_in_openapi() {
    let s = common::start().await;
    let (st, api) = s.get("/openapi.json", None).await;
    assert_eq!(st, StatusCode::OK);
    for path in [
        "/v1/rules",
        "/v1/rules/{id}",
        "/v1/rules/preview",
        "/v1/analytics/widgets",
        "/v1/analytics/search",
        "/v1/analytics/settings",
        "/v1/experiments",
        "/v1/experiments/{id}",
        "/v1/experiments/{id}/results",
        "/v1/admin/charts/{name}",
        "/v1/admin/inspect",
        "/v1/admin/catalog-health",
    ] {
        assert!(
            api["paths"].get(path).is_some(),
            "{path} missing from openapi"
        );
    }
}
