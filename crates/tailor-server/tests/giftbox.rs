//! Gift boxes over HTTP: template CRUD (admin only, survives a restart), validation reasons that
//! name rule and item, pricing, and auto-fill that keeps every rule and hard constraint, or says
//! which rule makes a box impossible.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

/// Teas, fudges and nuts (the nuts contain peanuts), with weights; some history on the teas.
async fn shop(s: &common::Server) {
    let kinds = [("Tea", None), ("Sweets", None), ("Snacks", Some("peanuts"))];
    let products: Vec<Value> = (0..30)
        .map(|i| {
            let (cat, allergen) = kinds[i % 3];
            json!({"id": format!("p{i}"), "title": format!("{cat} {i}"),
                   "categories": [["Food", cat]], "brand": format!("B{}", i % 4),
                   "price": 3 + (i % 6), "tags": if i % 5 == 0 { json!(["giftable"]) } else { json!([]) },
                   "allergens": allergen.map_or(json!([]), |a| json!([a])),
                   "attributes": {"weight_g": 100 + 10 * i}})
        })
        .collect();
    assert_eq!(
        s.post("/v1/products", None, json!(products)).await.0,
        StatusCode::OK
    );
    let events: Vec<Value> = ["p0", "p3", "p6", "p0", "p9"]
        .iter()
        .map(|p| json!({"type": "view", "visitor_id": "fan", "product_id": p}))
        .collect();
    assert_eq!(
        s.post("/v1/events", None, json!(events)).await.0,
        StatusCode::OK
    );
}

fn template() -> Value {
    json!({"name": "Tasting box", "currency": "EUR",
           "capacity": {"min_items": 3, "max_items": 5, "measure": {"attribute": "weight_g", "max": 900}},
           "budget": {"min": 15, "max": 30}, "packaging_price": 2,
           "eligible": {"categories": ["Food"]},
           "rules": [{"id": "two-per", "max_per_category": 2},
                     {"id": "sweet", "must_include": {"categories": ["Food > Sweets"]}}]})
}

fn ids(r: &Value) -> Vec<String> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn templates_crud_needs_admin_and_survives_restart() {
    let s = common::start().await;
    let (st, t) = s
        .call(
            Method::PUT,
            "/v1/giftboxes/templates/tasting",
            None,
            template(),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    assert_eq!(t["id"], "tasting");
    assert_eq!(t["rules"][1]["id"], "sweet");
    // Canonical: defaults spelled out, stored as checked.
    assert_eq!(t["capacity"]["min_items"], 3);
    let (st, e) = s
        .call(
            Method::PUT,
            "/v1/giftboxes/templates/bad",
            None,
            json!({"capacity": {"max_items": 3}, "budget": {"min": 9, "max": 5}}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("budget.min"))
    );
    let (st, e) = s
        .call(
            Method::PUT,
            "/v1/giftboxes/templates/caf%C3%A9%20box",
            None,
            template(),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("id"))
    );
    let s = s.restart().await;
    let (st, got) = s.get("/v1/giftboxes/templates/tasting", None).await;
    assert_eq!((st, &got), (StatusCode::OK, &t));
    let (_, list) = s.get("/v1/giftboxes/templates", None).await;
    assert_eq!(list["templates"].as_array().unwrap().len(), 1);
    // With keys in place, a public key reads but cannot write.
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
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/giftboxes/templates/x",
            Some(&public),
            template(),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get("/v1/giftboxes/templates/tasting", Some(&public))
            .await
            .0,
        StatusCode::OK
    );
    let (st, _) = s
        .call(
            Method::DELETE,
            "/v1/giftboxes/templates/tasting",
            Some(&admin),
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, e) = s.get("/v1/giftboxes/templates/tasting", Some(&admin)).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let (st, _) = s
        .call(
            Method::DELETE,
            "/v1/giftboxes/templates/tasting",
            Some(&admin),
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn validate_and_price_name_rule_and_item() {
    let s = common::start().await;
    shop(&s).await;
    s.call(Method::PUT, "/v1/giftboxes/templates/t", None, template())
        .await;
    // p0, p3 and p6 are three teas (cap 2); p2 has peanuts; "nope" is unknown; no fudge.
    let (st, r) = s
        .post(
            "/v1/giftboxes/templates/t/validate",
            None,
            json!({"items": ["p0", "p3", "p6", "p2", "nope"],
                   "preferences": {"exclude_allergens": ["arachis"]}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["valid"], false);
    let got: Vec<(String, Value)> = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["rule"].as_str().unwrap().to_string(),
                x["product_id"].clone(),
            )
        })
        .collect();
    for want in [
        ("catalog", json!("nope")),
        ("hard_constraint", json!("p2")),
        ("two-per", json!("p6")),
        ("sweet", Value::Null),
    ] {
        assert!(
            got.contains(&(want.0.to_string(), want.1.clone())),
            "{want:?} not in {got:?}"
        );
    }
    let sweet = r["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "sweet")
        .unwrap();
    assert_eq!(sweet["field"], "rules[1]");
    // A valid box.
    let (_, r) = s
        .post(
            "/v1/giftboxes/templates/t/validate",
            None,
            json!({"items": ["p0", "p1", "p4", "p5"]}),
        )
        .await;
    assert_eq!(r, json!({"valid": true, "reasons": []}));
    // Over budget names the item that crosses it.
    let (_, r) = s
        .post(
            "/v1/giftboxes/templates/t/validate",
            None,
            json!({"items": ["p4", "p5", "p10", "p11", "p16"]}),
        )
        .await;
    assert!(
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["rule"] == "budget"),
        "{r}"
    );
    let (st, p) = s
        .post(
            "/v1/giftboxes/templates/t/price",
            None,
            json!({"items": ["p0", "p1"]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        (p["items_total"].as_f64(), p["total"].as_f64()),
        (Some(7.0), Some(9.0))
    );
    assert_eq!(p["within_budget"], false);
    assert_eq!(p["currency"], "EUR");
    // Bad input is a 400 naming the field; a missing template a 404.
    for (body, field) in [
        (json!({"items": ["p0", "nope"]}), "items[1]"),
        (json!({"items": "p0"}), "items"),
        (json!({}), "items"),
        (json!({"items": [1]}), "items[0]"),
        (json!({"items": ["p0"], "colour": 1}), "colour"),
        (json!({"items": vec!["p0"; 1001]}), "items"),
        (
            json!({"items": ["p0"], "preferences": {"exclude_allergens": ["kryptonite"]}}),
            "preferences.exclude_allergens[0]",
        ),
    ] {
        let (st, e) = s.post("/v1/giftboxes/templates/t/price", None, body).await;
        assert_eq!(
            (st, e["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{e}"
        );
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/giftboxes/templates/t/validate", s.base))
        .body("{\"items\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"]["code"], "malformed_json");
    let (st, _) = s
        .post(
            "/v1/giftboxes/templates/none/price",
            None,
            json!({"items": []}),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn autofill_keeps_rules_and_constraints_explains_and_refuses_the_impossible() {
    let s = common::start().await;
    shop(&s).await;
    s.call(Method::PUT, "/v1/giftboxes/templates/t", None, template())
        .await;
    let (st, r) = s
        .post(
            "/v1/giftboxes/templates/t/autofill",
            None,
            json!({"visitor_id": "fan", "explain": true,
                   "preferences": {"exclude_allergens": ["peanuts"], "favorite_brands": ["B1"]}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let picked = ids(&r);
    assert!((3..=5).contains(&picked.len()), "{r}");
    let total = r["total"].as_f64().unwrap();
    assert!((15.0..=30.0).contains(&total), "{total}");
    for item in r["items"].as_array().unwrap() {
        assert!(!item["reason"].as_str().unwrap().is_empty());
        assert!(item["explain"]["stated"].is_number() && item["explain"]["affinity"].is_number());
    }
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["covers"] == json!(["sweet"]))
    );
    // The box it made is valid for the same recipient, so no peanuts.
    let (_, v) = s
        .post(
            "/v1/giftboxes/templates/t/validate",
            None,
            json!({"items": picked, "visitor_id": "fan", "preferences": {"exclude_allergens": ["peanuts"]}}),
        )
        .await;
    assert_eq!(v["valid"], true, "{v}");
    // The viewed teas (behaviour) are in the box.
    assert!(
        picked
            .iter()
            .any(|p| ["p0", "p3", "p6", "p9"].contains(&p.as_str())),
        "{picked:?}"
    );
    // Impossible: a must-include that only peanut products meet, for a peanut-allergic recipient.
    let mut t = template();
    t["rules"][1] = json!({"id": "nutty", "must_include": {"categories": ["Food > Snacks"]}});
    s.call(Method::PUT, "/v1/giftboxes/templates/nuts", None, t)
        .await;
    let (st, e) = s
        .post(
            "/v1/giftboxes/templates/nuts/autofill",
            None,
            json!({"preferences": {"exclude_allergens": ["peanuts"]}}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["code"], "infeasible");
    assert_eq!(e["error"]["field"], "rules[1]");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("nutty"),
        "{e}"
    );
    // Budget too low for three items.
    let mut t = template();
    t["budget"] = json!({"min": 0, "max": 10});
    t["rules"] = json!([]);
    s.call(Method::PUT, "/v1/giftboxes/templates/cheap", None, t)
        .await;
    let (st, e) = s
        .post("/v1/giftboxes/templates/cheap/autofill", None, json!({}))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"]["field"], "capacity.items", "{e}");
    let (st, e) = s
        .post(
            "/v1/giftboxes/templates/t/autofill",
            None,
            json!({"items": ["p1"]}),
        )
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("items"))
    );
    // Every endpoint is in the OpenAPI document.
    let (_, doc) = s.get("/openapi.json", None).await;
    for path in [
        "/v1/giftboxes/templates/{id}",
        "/v1/giftboxes/templates/{id}/autofill",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}
