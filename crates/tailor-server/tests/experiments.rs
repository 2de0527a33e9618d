//! A/B tests against a real server: CRUD and its errors, one running experiment per surface,
//! a deterministic split that is sticky across sessions, login and restarts, arms that change
//! the pipeline, and results with exact counts.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_engine::experiments::Experiment;
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

fn experiment() -> Value {
    json!({"id": "reco-1", "name": "Personal vs popular", "salt": "s1",
           "arms": [{"name": "personal", "strategy": "personalized"}, {"name": "popular", "strategy": "popular"}]})
}

fn catalog() -> Value {
    json!([
        {"id": "a", "title": "Apple Juice", "brand": "X", "categories": ["Drinks > Juice"], "price": 2.0},
        {"id": "b", "title": "Orange Juice", "brand": "X", "categories": ["Drinks > Juice"], "price": 3.0},
        {"id": "c", "title": "Carrot Cake", "brand": "Y", "categories": ["Food > Cake"], "price": 10.0},
    ])
}

async fn arm_of(s: &common::Server, who: Value) -> String {
    let mut body = json!({"boxes": [{"name": "home", "preset": "trending"}]});
    for (k, v) in who.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (st, out) = s.post("/v1/recommendations", None, body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    out["experiment"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn crud_validates_and_one_experiment_runs_per_surface() {
    let s = common::start().await;
    let (st, body) = s.post("/v1/experiments", None, experiment()).await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    assert_eq!(
        s.post("/v1/experiments", None, experiment()).await.0,
        StatusCode::CONFLICT
    );
    // Another running experiment on recommendations clashes; on search it does not.
    let mut other = experiment();
    other["id"] = json!("reco-2");
    let (st, body) = s.post("/v1/experiments", None, other.clone()).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    other["surfaces"] = json!(["search"]);
    assert_eq!(
        s.post("/v1/experiments", None, other).await.0,
        StatusCode::CREATED
    );
    for (bad, field) in [
        (
            json!({"id": "x", "arms": [{"name": "a", "strategy": "personalized"}]}),
            "arms",
        ),
        (
            json!({"id": "x", "arms": [{"name": "a", "strategy": "best"}, {"name": "b", "strategy": "popular"}]}),
            "arms[0].strategy",
        ),
        (
            json!({"id": "x", "arms": [{"name": "a", "strategy": "popular", "weight": 0}, {"name": "b", "strategy": "popular"}]}),
            "arms[0].weight",
        ),
        (json!({"id": "x", "status": "paused", "arms": []}), "status"),
        (json!({"id": "x y", "arms": []}), "id"),
    ] {
        let (st, body) = s.post("/v1/experiments", None, bad.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad} -> {body}");
        assert_eq!(body["error"]["field"], field, "{bad} -> {body}");
    }
    let (_, list) = s.get("/v1/experiments", None).await;
    assert_eq!(list["experiments"].as_array().unwrap().len(), 2);
    // Stopping frees the surface; the list survives a restart.
    let mut stopped = experiment();
    stopped["status"] = json!("stopped");
    let (st, _) = s
        .call(Method::PUT, "/v1/experiments/reco-1", None, stopped)
        .await;
    assert_eq!(st, StatusCode::OK);
    let s = s.restart().await;
    let (_, e) = s.get("/v1/experiments/reco-1", None).await;
    assert_eq!(e["status"], "stopped");
    assert_eq!(
        s.call(Method::DELETE, "/v1/experiments/reco-2", None, Value::Null)
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.get("/v1/experiments/reco-2", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        s.get("/v1/experiments/nope/results", None).await.0,
        StatusCode::NOT_FOUND
    );
    let (st, body) = s.get("/v1/experiments/reco-1/results?seed=x", None).await;
    assert_eq!(
        (st, body["error"]["field"].clone()),
        (StatusCode::BAD_REQUEST, json!("seed"))
    );
    // A public key may neither read nor write experiments.
    let shop = ShopId::new("default").unwrap();
    let public = s
        .store
        .create_key(&shop, KeyRole::Public, "t")
        .unwrap()
        .secret;
    assert_eq!(
        s.get("/v1/experiments", Some(&public)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.post("/v1/experiments", Some(&public), experiment())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.get("/v1/experiments/reco-1/results", Some(&public))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn assignment_is_sticky_across_sessions_login_and_restarts() {
    let s = common::start().await;
    assert_eq!(
        s.post("/v1/products", None, catalog()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        s.post("/v1/experiments", None, experiment()).await.0,
        StatusCode::CREATED
    );
    let e = Experiment::parse(&experiment(), None).unwrap();
    // A visitor and a customer whose hashes fall in different arms.
    let visitor = (0..100)
        .map(|i| format!("v{i}"))
        .find(|v| e.hashed_arm(&format!("v:{v}")) == 1)
        .unwrap();
    let customer = (0..100)
        .map(|i| format!("c{i}"))
        .find(|c| e.hashed_arm(&format!("c:{c}")) == 0)
        .unwrap();
    let first = arm_of(&s, json!({"visitor_id": visitor})).await;
    assert_eq!(first, "reco-1:popular");
    // A new session: the same arm.
    let ev =
        json!([{"type": "view", "visitor_id": visitor, "product_id": "a", "session_id": "later"}]);
    assert_eq!(s.post("/v1/events", None, ev).await.0, StatusCode::OK);
    assert_eq!(arm_of(&s, json!({"visitor_id": visitor})).await, first);
    // Login: the customer inherits the visitor's arm, on any device.
    let ev = json!([{"type": "view", "visitor_id": visitor, "customer_id": customer, "product_id": "b"}]);
    assert_eq!(s.post("/v1/events", None, ev).await.0, StatusCode::OK);
    assert_eq!(arm_of(&s, json!({"visitor_id": visitor})).await, first);
    assert_eq!(arm_of(&s, json!({"customer_id": customer})).await, first);
    assert_eq!(
        arm_of(&s, json!({"visitor_id": "phone", "customer_id": customer})).await,
        first
    );
    // A fresh customer gets their own hash.
    let other = (0..100)
        .map(|i| format!("k{i}"))
        .find(|c| e.hashed_arm(&format!("c:{c}")) == 0)
        .unwrap();
    assert_eq!(
        arm_of(&s, json!({"customer_id": other})).await,
        "reco-1:personal"
    );
    let s = s.restart().await;
    assert_eq!(arm_of(&s, json!({"visitor_id": visitor})).await, first);
    assert_eq!(arm_of(&s, json!({"customer_id": customer})).await, first);
}

#[tokio::test]
async fn arms_change_the_pipeline_and_results_count_exactly() {
    let s = common::start().await;
    assert_eq!(
        s.post("/v1/products", None, catalog()).await.0,
        StatusCode::OK
    );
    // A rule that hides cake: the personalized arm applies rules, the popular arm does not.
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/rules/no-cake",
            None,
            json!({"actions": [{"type": "hide", "products": {"id": "c"}}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        s.post("/v1/experiments", None, experiment()).await.0,
        StatusCode::CREATED
    );
    let e = Experiment::parse(&experiment(), None).unwrap();
    let ev: Vec<Value> = ["a", "b", "c", "c"]
        .iter()
        .map(|p| json!({"type": "view", "visitor_id": "seed", "product_id": p}))
        .collect();
    assert_eq!(
        s.post("/v1/events", None, json!(ev)).await.0,
        StatusCode::OK
    );
    let in_arm = |arm: usize| -> Vec<String> {
        (0..1000)
            .map(|i| format!("u{i}"))
            .filter(|v| e.hashed_arm(&format!("v:{v}")) == arm)
            .take(4)
            .collect()
    };
    let (personal, popular) = (in_arm(0), in_arm(1));
    for (who, cake) in [(&personal[0], false), (&popular[0], true)] {
        let (_, out) = s
            .post(
                "/v1/recommendations",
                None,
                json!({"visitor_id": who, "boxes": [{"name": "home", "preset": "trending"}]}),
            )
            .await;
        let ids: Vec<&str> = out["boxes"][0]["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["product_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.contains(&"c"), cake, "{who}: {out}");
    }
    for who in personal.iter().chain(&popular) {
        arm_of(&s, json!({"visitor_id": who})).await;
    }
    // Purchases after exposure: 2 of 4 personal shoppers buy (10 + 4), 1 of 4 popular (3).
    let buy = |who: &str, id: &str, price: f64| {
        json!({"type": "purchase", "visitor_id": who, "order_id": format!("o-{who}-{id}"),
        "lines": [{"product_id": id, "quantity": 2, "unit_price": price}]})
    };
    let ev = json!([
        buy(&personal[0], "c", 5.0),
        buy(&personal[1], "a", 2.0),
        buy(&popular[2], "b", 1.5),
        // A shopper never exposed does not count.
        buy("stranger", "a", 100.0)
    ]);
    assert_eq!(s.post("/v1/events", None, ev).await.0, StatusCode::OK);
    let check = |r: &Value| {
        let arms = &r["arms"];
        assert_eq!(arms[0]["arm"], "personal");
        assert_eq!(
            (arms[0]["units"].clone(), arms[0]["converted"].clone()),
            (json!(4), json!(2)),
            "{r}"
        );
        assert_eq!(
            (arms[1]["units"].clone(), arms[1]["converted"].clone()),
            (json!(4), json!(1))
        );
        assert_eq!(arms[0]["revenue"], 14.0);
        assert_eq!(arms[1]["revenue_per_unit"], 0.75);
        assert_eq!(arms[0]["conversion_rate"], 0.5);
        let c = &r["comparisons"][0];
        assert_eq!(c["significant"], false);
        assert!(
            c["verdict"]
                .as_str()
                .unwrap()
                .starts_with("not enough data"),
            "{c}"
        );
        assert!((c["conversion_lift"].as_f64().unwrap() + 0.5).abs() < 1e-12);
    };
    let (st, r) = s.get("/v1/experiments/reco-1/results?seed=7", None).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    check(&r);
    let s = s.restart().await;
    let (_, r2) = s.get("/v1/experiments/reco-1/results?seed=7", None).await;
    check(&r2);
    assert_eq!(r, r2, "the same history and seed give the same results");
}
