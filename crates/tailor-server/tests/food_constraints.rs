//! Hard constraints on a real food catalog: Open Food Facts products whose allergens and diets
//! were derived from their ingredient text. A shopper who excludes milk, or follows a
//! gluten-free diet, never gets a product whose derived tags break that, from recommendations,
//! search and category pages (the export has no prices, so gift boxes are tested elsewhere).
//! Skips where ../shared is absent.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use tailor_catalog::openfoodfacts;
use tailor_model::{Product, ShopId};
use tailor_store::{SqliteStore, Store};

/// Products taken from the export: every 6th row with ingredient text, so the test stays fast.
const EVERY: usize = 6;

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

fn returned(r: &Value) -> Vec<String> {
    let items = r["items"].as_array().cloned().unwrap_or_else(|| {
        r["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|b| b["items"].as_array().cloned().unwrap_or_default())
            .collect()
    });
    items
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn excluded_allergens_and_diets_hold_on_open_food_facts() {
    let (Some(data), Some(tax)) = (
        dataset("openfoodfacts-lifyzer"),
        dataset("openfoodfacts-taxonomies"),
    ) else {
        return;
    };
    let analyser = openfoodfacts::analyser(&tax).unwrap();
    let (all, _) =
        openfoodfacts::read(&data.join(openfoodfacts::PRODUCTS_FILE), &analyser).unwrap();
    let products: Vec<Product> = all
        .into_iter()
        .filter(|p| p.analysis.ingredients > 0)
        .step_by(EVERY)
        .map(|p| p.product)
        .collect();
    let by_id: HashMap<String, Product> = products
        .iter()
        .map(|p| (p.id.as_str().to_string(), p.clone()))
        .collect();
    let with_milk = products
        .iter()
        .filter(|p| {
            p.allergens
                .as_ref()
                .is_some_and(|a| a.iter().any(|x| x == "milk"))
        })
        .count();
    assert!(
        with_milk > 50,
        "the sample should hold milk products, has {with_milk}"
    );
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .upsert_products(&ShopId::default_shop(), &products)
            .unwrap();
    }
    let s = common::start_in(dir).await;
    // Everyone views the first 300 products, so trending and co-views have something.
    let views: Vec<Value> = products
        .iter()
        .take(300)
        .enumerate()
        .map(|(i, p)| json!({"type": "view", "visitor_id": format!("crowd{}", i % 20), "product_id": p.id.as_str()}))
        .collect();
    assert_eq!(
        s.post("/v1/events", None, json!(views)).await.0,
        StatusCode::OK
    );
    for (who, prefs) in [
        ("no-milk", json!({"exclude_allergens": ["milk"]})),
        ("coeliac", json!({"diets": ["gluten-free"]})),
    ] {
        let (st, _) = s
            .call(
                Method::PUT,
                &format!("/v1/shoppers/{who}/preferences"),
                None,
                prefs,
            )
            .await;
        assert_eq!(st, StatusCode::OK);
        // Some history of their own, including products they may not get.
        let own: Vec<Value> = products
            .iter()
            .take(40)
            .map(|p| json!({"type": "view", "visitor_id": who, "product_id": p.id.as_str()}))
            .collect();
        s.post("/v1/events", None, json!(own)).await;
    }
    let breaks = |who: &str, p: &Product| -> bool {
        match who {
            // Excluding milk: a known list without milk (unknown lists are excluded by default).
            "no-milk" => p
                .allergens
                .as_ref()
                .is_none_or(|a| a.iter().any(|x| x == "milk")),
            // Gluten-free: a known list without gluten, or a gluten-free label the text does
            // not contradict.
            _ => match &p.allergens {
                Some(a) => a.iter().any(|x| x == "gluten"),
                None => !p.diets.iter().any(|d| d == "gluten-free"),
            },
        }
    };
    let boxes = json!([{"name": "a", "preset": "for_you", "count": 100},
                       {"name": "b", "preset": "trending", "count": 100},
                       {"name": "c", "preset": "recently_viewed", "count": 100},
                       {"name": "d", "preset": "alternatives", "count": 100,
                        "context": {"products": [products[0].id.as_str()]}}]);
    let mut seen = 0;
    for who in ["no-milk", "coeliac"] {
        let mut got = Vec::new();
        let (st, r) = s
            .post(
                "/v1/recommendations",
                None,
                json!({"visitor_id": who, "boxes": boxes}),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        got.extend(returned(&r));
        for q in [
            "chocolat",
            "lait",
            "biscuits",
            "pain",
            "fromage",
            "chocolate milk",
            "",
        ] {
            for offset in [0, 100] {
                let (st, r) = s
                    .post(
                        "/v1/search",
                        None,
                        json!({"query": q, "visitor_id": who, "limit": 100, "offset": offset}),
                    )
                    .await;
                assert_eq!(st, StatusCode::OK, "{r}");
                got.extend(returned(&r));
            }
        }
        assert!(got.len() > 100, "{who} got only {} products", got.len());
        for id in &got {
            let p = &by_id[id];
            assert!(
                !breaks(who, p),
                "{who} got {id} {:?}: {:?} {:?}",
                p.title,
                p.allergens,
                p.diets
            );
        }
        seen += got.len();
    }
    // Without constraints the same searches do return milk products: the filter did the work.
    let (_, r) = s
        .post("/v1/search", None, json!({"query": "lait", "limit": 100}))
        .await;
    assert!(returned(&r).iter().any(|id| breaks("no-milk", &by_id[id])));
    assert!(seen > 0);
}
