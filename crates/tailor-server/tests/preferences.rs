//! Stated preferences over HTTP: validation, key scoping, durability, and hard constraints in
//! every recommendation box.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

/// p0..p9 with peanuts in the even ones, q0..q3 with unknown allergens, and some history.
async fn shop(s: &common::Server, key: Option<&str>) {
    let mut products: Vec<Value> = (0..10)
        .map(|i| {
            let allergens = if i % 2 == 0 { json!(["peanuts"]) } else { json!([]) };
            json!({"id": format!("p{i}"), "title": format!("Snack {i}"), "categories": [["Food", "Snacks"]],
                   "brand": if i < 5 { "Crunch" } else { "Nutwood" }, "price": 2 + i, "allergens": allergens})
        })
        .collect();
    products.extend((0..4).map(|i| {
        json!({"id": format!("q{i}"), "title": format!("Mystery {i}"), "categories": [["Food", "Snacks"]]})
    }));
    assert_eq!(
        s.post("/v1/products", key, json!(products)).await.0,
        StatusCode::OK
    );
    for v in 0..6 {
        let events: Vec<Value> = ["p0", "p1", "p2", "q0", "p5"]
            .iter()
            .map(|p| json!({"type": "view", "visitor_id": format!("h{v}"), "product_id": p}))
            .collect();
        assert_eq!(
            s.post("/v1/events", key, json!(events)).await.0,
            StatusCode::OK
        );
    }
}

fn ids(r: &Value) -> Vec<String> {
    r["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["items"].as_array().unwrap())
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

const ALL_BOXES: &str = r#"[{"name": "a", "preset": "for_you"}, {"name": "b", "preset": "alternatives",
    "context": {"products": ["p0"]}}, {"name": "c", "preset": "trending"}, {"name": "d", "preset": "recently_viewed"},
    {"name": "e", "preset": "bestsellers"}, {"name": "f", "preset": "bought_together", "context": {"products": ["p0"]}}]"#;

#[tokio::test]
async fn stated_allergies_hold_everywhere_survive_restart_and_can_warn() {
    let s = common::start().await;
    shop(&s, None).await;
    let boxes: Value = serde_json::from_str(ALL_BOXES).unwrap();
    s.post(
        "/v1/events",
        None,
        json!([{"type": "view", "visitor_id": "me", "product_id": "p0"}]),
    )
    .await;
    let (st, r) = s
        .call(
            Method::PUT,
            "/v1/shoppers/me/preferences",
            None,
            json!({"exclude_allergens": ["Peanut"], "favorite_brands": ["nutwood"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["preferences"]["exclude_allergens"], json!(["peanuts"]));
    let (_, r) = s
        .post(
            "/v1/recommendations",
            None,
            json!({"visitor_id": "me", "explain": true, "boxes": boxes}),
        )
        .await;
    let got = ids(&r);
    assert!(!got.is_empty(), "{r}");
    for id in &got {
        let n: usize = id[1..].parse().unwrap();
        assert!(
            id.starts_with('p') && n % 2 == 1,
            "{id} breaks the allergy: {got:?}"
        );
    }
    // The stated favourite brand shows as its own part of the score.
    let first = &r["boxes"][0]["items"][0];
    assert!(
        first["explain"]["stated"].as_f64().unwrap() > 0.0,
        "{first}"
    );

    // Restart: the preferences come back from the event log.
    let s = s.restart().await;
    let (_, p) = s.get("/v1/shoppers/me/preferences", None).await;
    assert_eq!(
        p["preferences"]["exclude_allergens"],
        json!(["peanuts"]),
        "{p}"
    );
    let (_, r) = s
        .post(
            "/v1/recommendations",
            None,
            json!({"visitor_id": "me", "boxes": boxes}),
        )
        .await;
    assert!(
        ids(&r)
            .iter()
            .all(|id| id.starts_with('p') && id[1..].parse::<usize>().unwrap() % 2 == 1)
    );

    // With "warn", unknown-allergen products come back flagged.
    s.call(
        Method::PUT,
        "/v1/shoppers/me/preferences",
        None,
        json!({"exclude_allergens": ["peanuts"], "unknown_allergens": "warn"}),
    )
    .await;
    let (_, r) = s
        .post(
            "/v1/recommendations",
            None,
            json!({"visitor_id": "me", "boxes": [{"preset": "trending", "count": 20}]}),
        )
        .await;
    let items = r["boxes"][0]["items"].as_array().unwrap();
    let q = items
        .iter()
        .find(|i| i["product_id"].as_str().unwrap().starts_with('q'))
        .expect("a q product");
    assert_eq!(q["warnings"], json!(["allergens_unknown"]));
    assert!(
        items
            .iter()
            .all(|i| i["product_id"].as_str().unwrap().starts_with('q')
                || i.get("warnings").is_none())
    );

    // DELETE forgets them.
    let (st, p) = s
        .call(
            Method::DELETE,
            "/v1/shoppers/me/preferences",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(
        (st, &p["preferences"]["exclude_allergens"]),
        (StatusCode::OK, &json!([]))
    );
}

#[tokio::test]
async fn bad_preferences_name_the_field_and_keys_are_scoped() {
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
    for (body, field) in [
        (
            json!({"exclude_allergens": ["kryptonite"]}),
            "exclude_allergens[0]",
        ),
        (json!({"diets": "vegan"}), "diets"),
        (json!({"max_price": -3}), "max_price"),
        (json!({"price_range": {"min": 5, "max": 1}}), "price_range"),
        (json!({"favourite_colour": ["red"]}), "favourite_colour"),
        (json!({"exclude_brands": [""]}), "exclude_brands[0]"),
    ] {
        let (st, e) = s
            .call(
                Method::PUT,
                "/v1/shoppers/v%C3%A9ronique/preferences",
                Some(&public),
                body,
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(e["errors"][0]["field"], field, "{e}");
    }
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/v1/preferences",
            Some(&public),
            json!("vegan"),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // A public key reaches its own visitor, never a customer by id.
    let ok = json!({"diets": ["vegan"], "sizes": {"*": ["M"]}});
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/v%C3%A9ronique/preferences",
            Some(&public),
            ok.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/c1/preferences?kind=customer",
            Some(&public),
            ok.clone(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/c1/preferences?kind=customer",
            Some(&admin),
            ok,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // Logging in merges the visitor's diet into the customer's profile.
    s.post(
        "/v1/events",
        Some(&public),
        json!([{"type": "view", "visitor_id": "véronique", "customer_id": "c1", "product_id": "x"}]),
    )
    .await;
    let (_, p) = s
        .get("/v1/shoppers/c1/preferences?kind=customer", Some(&admin))
        .await;
    assert_eq!(p["preferences"]["diets"], json!(["vegan"]), "{p}");
    let (st, _) = s
        .get("/v1/shoppers/c1/preferences?kind=martian", Some(&admin))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}
