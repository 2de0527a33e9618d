//! Configurable products over HTTP: the schema, validation that names every broken rule,
//! pricing, resolution to a SKU, and the configurator's colour as a signal.

mod common;

use reqwest::StatusCode;
use serde_json::{Value, json};

async fn shop(s: &common::Server) {
    let mug = serde_json::to_value(tailor_demo::configurable_product()).unwrap();
    let plain = json!({"id": "plain", "title": "Plain mug", "price": 5, "attributes": {"color": "Blue"},
                       "categories": [["Home", "Kitchen"]]});
    let red = json!({"id": "red-plate", "title": "Plate", "price": 7, "attributes": {"color": "red"},
                     "categories": [["Home", "Kitchen"]]});
    let (st, r) = s.post("/v1/products", None, json!([mug, plain, red])).await;
    assert_eq!(st, StatusCode::OK, "{r}");
}

fn rules(r: &Value) -> Vec<(String, String)> {
    r["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["group"].as_str().unwrap().to_string(),
                p["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const BASE: &str = "/v1/products/mug-custom/configuration";

#[tokio::test]
async fn schema_validate_price_and_resolve() {
    let s = common::start().await;
    shop(&s).await;
    let (st, schema) = s.get(BASE, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(schema["base_price"], 12.99);
    assert_eq!(schema["configuration"]["groups"][0]["id"], "colour");
    assert_eq!(
        s.get("/v1/products/plain/configuration", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/v1/products/nope/configuration", None).await.0,
        StatusCode::NOT_FOUND
    );

    let good = json!({"choices": {"colour": "red", "size": "l", "extras": ["gold_rim", "card"],
                                  "engraving": "Für Zoë & Ünal"}});
    let (st, r) = s
        .post(&format!("{BASE}/validate"), None, good.clone())
        .await;
    assert_eq!(
        (st, r["valid"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{r}"
    );
    // Every broken rule at once, each naming its group (and value) and rule.
    let bad = json!({"choices": {"colour": "white", "size": "s", "extras": ["gold_rim", "card", "gift_box"],
                                 "engraving": "x".repeat(21), "handle": "left"}});
    let (st, r) = s.post(&format!("{BASE}/validate"), None, bad.clone()).await;
    assert_eq!((st, r["valid"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(
        rules(&r),
        [
            ("handle".into(), "unknown_group".into()),
            ("extras".into(), "too_many".into()),
            ("engraving".into(), "too_long".into()),
            ("extras".into(), "requires".into()),
            ("colour".into(), "excludes".into()),
        ]
    );
    assert_eq!(r["problems"][3]["value"], "gold_rim");
    let (st, r) = s
        .post(
            &format!("{BASE}/validate"),
            None,
            json!({"choices": {"colour": "red", "size": "s", "engraving": "<b>hi</b>"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(r["problems"][0]["rule"], "bad_character");

    // Price: base + deltas, cents exact; an invalid choice is a 422 naming the group and rule.
    let (st, r) = s.post(&format!("{BASE}/price"), None, good.clone()).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    // 12.99 + 3 (large) + 5 (gold rim) + 1.5 (card) + 6 (engraving), to the cent.
    assert_eq!(r["total"], 28.49);
    assert_eq!(r["deltas"].as_array().unwrap().len(), 4);
    assert_eq!(r["currency"], "EUR");
    let (st, r) = s.post(&format!("{BASE}/price"), None, bad).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r["error"]["code"], "invalid_configuration");
    assert_eq!(r["error"]["field"], "choices.handle");
    assert_eq!(r["errors"].as_array().unwrap().len(), 5);

    // Resolve: the SKU and its stock; sold out and not made are explained.
    let (st, r) = s.post(&format!("{BASE}/resolve"), None, good).await;
    assert_eq!(
        (st, r["sku"].as_str()),
        (StatusCode::OK, Some("MUG-RED-L")),
        "{r}"
    );
    assert_eq!(r["stock"], 7);
    for (choice, rule) in [
        (json!({"colour": "blue", "size": "s"}), "out_of_stock"),
        (json!({"colour": "black", "size": "s"}), "no_sku"),
        (json!({"colour": "blue"}), "required"),
    ] {
        let (st, r) = s
            .post(
                &format!("{BASE}/resolve"),
                None,
                json!({ "choices": choice }),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{choice}: {r}");
        assert!(
            r["error"]["message"].as_str().unwrap().contains(rule),
            "{choice}: {r}"
        );
    }

    // Malformed bodies name their field.
    for (body, field) in [
        (json!({}), "choices"),
        (json!({"choices": {"colour": 3}}), "choices.colour"),
        (json!({"choices": {}, "colour": "red"}), "colour"),
        (json!({"choices": {}, "customer_id": "c"}), "visitor_id"),
        (json!([1]), "body"),
    ] {
        let (st, r) = s
            .post(&format!("{BASE}/validate"), None, body.clone())
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r["error"]["field"], field, "{body}: {r}");
    }
}

#[tokio::test]
async fn a_colour_picked_in_the_configurator_and_a_wishlisted_colour_raise_colour_affinity() {
    let s = common::start().await;
    shop(&s).await;
    let for_you = |v: &str| {
        json!({"visitor_id": v, "explain": true,
        "boxes": [{"preset": "for_you", "count": 10, "filter": {"id": {"$in": ["plain", "red-plate"]}}}]})
    };
    let affinity = |r: &Value, id: &str| -> f64 {
        r["boxes"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["product_id"] == id)
            .map_or(0.0, |i| i["explain"]["affinity"].as_f64().unwrap_or(0.0))
    };
    let (_, before) = s.post("/v1/recommendations", None, for_you("fan")).await;
    assert_eq!(affinity(&before, "red-plate"), 0.0, "{before}");
    // Picking red in the mug's configurator is recorded for this visitor...
    let (st, _) = s
        .post(
            &format!("{BASE}/validate"),
            None,
            json!({"visitor_id": "fan", "choices": {"colour": "red", "size": "l"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, profile) = s.get("/v1/visitors/fan", None).await;
    assert_eq!(profile["events"], 1);
    // ... and lifts the red plate, which shares nothing else with the mug but its category.
    let (_, after) = s.post("/v1/recommendations", None, for_you("fan")).await;
    assert!(
        affinity(&after, "red-plate") > affinity(&after, "plain"),
        "{after}"
    );
    // A wishlisted blue product lifts blue for another shopper.
    s.post(
        "/v1/shoppers/keeper/lists/default/items",
        None,
        json!({"product_id": "plain"}),
    )
    .await;
    let (_, r) = s.post("/v1/recommendations", None, for_you("keeper")).await;
    let (_, fan) = s.post("/v1/recommendations", None, for_you("fan")).await;
    assert!(
        affinity(&r, "plain") > affinity(&fan, "plain"),
        "keeper {r} fan {fan}"
    );
    // An invalid choice teaches nothing.
    s.post(
        &format!("{BASE}/validate"),
        None,
        json!({"visitor_id": "nobody", "choices": {"colour": "mauve"}}),
    )
    .await;
    assert_eq!(
        s.get("/v1/visitors/nobody", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_catalog_refuses_a_broken_configuration_naming_the_path() {
    let s = common::start().await;
    let (st, r) = s
        .post(
            "/v1/products",
            None,
            json!([{"id": "x", "title": "X", "configuration": {"groups": [
                {"id": "a", "kind": "single", "values": [{"id": "v"}]}],
                "rules": [{"when": {"group": "a", "value": "w"}, "excludes": {"group": "a", "value": "v"}}]}}]),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        r["error"]["field"], "[0].configuration.rules[0].when",
        "{r}"
    );
    // A configuration survives a restart and can be removed with a PATCH.
    shop(&s).await;
    let s = s.restart().await;
    assert_eq!(s.get(BASE, None).await.0, StatusCode::OK);
    let (st, _) = s
        .call(
            reqwest::Method::PATCH,
            "/v1/products/mug-custom",
            None,
            json!({"configuration": null}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(s.get(BASE, None).await.0, StatusCode::NOT_FOUND);
}
