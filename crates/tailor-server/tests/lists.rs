//! Wishlists over HTTP: several named lists, edits and their errors, share links, merging on
//! login, durability, and notifications when listed products drop in price or come back.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

/// Percent-encodes a path segment (list names are free unicode text).
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn catalog(s: &common::Server, key: Option<&str>) {
    let products = json!([
        {"id": "p1", "title": "Teapot", "price": 10, "stock": 4, "categories": [["Kitchen"]]},
        {"id": "p2", "title": "Kettle", "price": 30, "stock": 0, "categories": [["Kitchen"]]},
        {"id": "p3", "title": "Mug", "price": 5, "categories": [["Kitchen"]]},
        {"id": "p4", "title": "Secret", "price": 5, "hidden": true},
    ]);
    let (st, r) = s.post("/v1/products", key, products).await;
    assert_eq!(st, StatusCode::OK, "{r}");
}

fn names(r: &Value) -> Vec<String> {
    r["lists"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect()
}

fn items(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

fn field(r: &Value) -> &str {
    r["error"]["field"].as_str().unwrap_or("")
}

#[tokio::test]
async fn named_lists_add_move_rename_delete_and_refuse_bad_input() {
    let s = common::start().await;
    catalog(&s, None).await;
    let add = |list: &str, p: &str| {
        let path = format!("/v1/shoppers/v/lists/{}/items", seg(list));
        let body = json!({ "product_id": p });
        let s = &s;
        async move { s.post(&path, None, body).await }
    };
    let (st, r) = add("default", "p1").await;
    assert_eq!(
        (st, r["added"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{r}"
    );
    assert_eq!(r["list"]["name"], "default");
    assert_eq!(r["list"]["items"][0]["title"], "Teapot");
    // Adding it again is acknowledged and changes nothing (and is no second signal).
    let (st, r) = add("default", "p1").await;
    assert_eq!((st, r["added"].as_bool()), (StatusCode::OK, Some(false)));
    let (_, profile) = s.get("/v1/visitors/v", None).await;
    assert_eq!(profile["events"], 1);
    // A new list by adding to it, with a unicode name.
    let gift = "Geburtstag 🎂";
    assert_eq!(add(gift, "p3").await.0, StatusCode::OK);
    let (st, r) = s.get("/v1/shoppers/v/lists", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(names(&r), ["default", gift]);
    // Unknown, hidden and malformed products are refused, naming the field.
    for p in ["nope", "p4", ""] {
        let (st, r) = add("default", p).await;
        assert_eq!(
            (st, field(&r)),
            (StatusCode::BAD_REQUEST, "product_id"),
            "{p}: {r}"
        );
    }
    let (st, r) = s
        .post(
            "/v1/shoppers/v/lists/default/items",
            None,
            json!({"product": "p1"}),
        )
        .await;
    assert_eq!((st, field(&r)), (StatusCode::BAD_REQUEST, "product_id"));
    // Names: too long (in characters), empty, control characters; a duplicate conflicts.
    let long = "ü".repeat(65);
    for bad in [long.as_str(), "   ", "a\u{7}b"] {
        let (st, r) = s
            .post("/v1/shoppers/v/lists", None, json!({ "name": bad }))
            .await;
        assert_eq!(
            (st, field(&r)),
            (StatusCode::BAD_REQUEST, "name"),
            "{bad:?}: {r}"
        );
    }
    let (st, r) = add(&long, "p1").await;
    assert_eq!((st, field(&r)), (StatusCode::BAD_REQUEST, "name"));
    let (st, r) = s
        .post("/v1/shoppers/v/lists", None, json!({ "name": gift }))
        .await;
    assert_eq!((st, field(&r)), (StatusCode::CONFLICT, "name"));
    let (st, r) = s
        .post("/v1/shoppers/v/lists", None, json!({"name": " Später "}))
        .await;
    assert_eq!(
        (st, r["name"].as_str()),
        (StatusCode::CREATED, Some("Später"))
    );
    assert_eq!(r["items"], json!([]));
    // Move p1 from the default list to the birthday list.
    let mv = "/v1/shoppers/v/lists/default/items/p1/move";
    let (st, r) = s.post(mv, None, json!({ "to": gift })).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(items(&r["from"]), Vec::<String>::new());
    assert_eq!(items(&r["to"]), ["p3", "p1"]);
    // It is no longer where it was.
    let (st, _) = s.post(mv, None, json!({ "to": gift })).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let back = format!("/v1/shoppers/v/lists/{}/items/p1/move", seg(gift));
    let (st, r) = s.post(&back, None, json!({ "to": gift })).await;
    assert_eq!((st, field(&r)), (StatusCode::BAD_REQUEST, "to"));
    // Rename: products follow; a taken name conflicts; a missing list is 404.
    let path = format!("/v1/shoppers/v/lists/{}", seg(gift));
    let (st, r) = s
        .call(Method::PATCH, &path, None, json!({"name": "Cumpleaños"}))
        .await;
    assert_eq!(
        (st, items(&r)),
        (StatusCode::OK, vec!["p3".into(), "p1".into()])
    );
    let (st, r) = s
        .call(
            Method::PATCH,
            "/v1/shoppers/v/lists/Cumplea%C3%B1os",
            None,
            json!({"name": "Später"}),
        )
        .await;
    assert_eq!((st, field(&r)), (StatusCode::CONFLICT, "name"));
    let (st, _) = s
        .call(Method::PATCH, &path, None, json!({"name": "x"}))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Remove one item; removing it twice is 404.
    let rm = "/v1/shoppers/v/lists/Cumplea%C3%B1os/items/p3";
    let (st, r) = s.call(Method::DELETE, rm, None, Value::Null).await;
    assert_eq!((st, items(&r)), (StatusCode::OK, vec!["p1".into()]));
    assert_eq!(
        s.call(Method::DELETE, rm, None, Value::Null).await.0,
        StatusCode::NOT_FOUND
    );
    // Delete a list.
    let del = "/v1/shoppers/v/lists/Sp%C3%A4ter";
    assert_eq!(
        s.call(Method::DELETE, del, None, Value::Null).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(s.get(del, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        s.call(Method::DELETE, del, None, Value::Null).await.0,
        StatusCode::NOT_FOUND
    );
    // Everything is in the event log: a restart shows the same lists.
    let (_, before) = s.get("/v1/shoppers/v/lists", None).await;
    let s = s.restart().await;
    let (_, after) = s.get("/v1/shoppers/v/lists", None).await;
    assert_eq!(before, after);
    assert_eq!(names(&after), ["default", "Cumpleaños"]);
    // List edits are not accepted as raw events.
    let (st, _) = s
        .post(
            "/v1/events",
            None,
            json!([{"type": "list", "visitor_id": "v", "edit": {"op": "delete", "list": ""}}]),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn share_links_are_read_only_unguessable_revocable_and_survive_restart() {
    let s = common::start().await;
    catalog(&s, None).await;
    for p in ["p1", "p3"] {
        s.post(
            "/v1/shoppers/v/lists/Xmas/items",
            None,
            json!({"product_id": p}),
        )
        .await;
    }
    let (st, a) = s
        .post("/v1/shoppers/v/lists/Xmas/share", None, Value::Null)
        .await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    let token = a["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
    let (_, b) = s
        .post("/v1/shoppers/v/lists/Xmas/share", None, Value::Null)
        .await;
    assert_ne!(b["token"], a["token"]);
    let path = a["path"].as_str().unwrap().to_string();
    let (st, shared) = s.get(&path, None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(shared["name"], "Xmas");
    assert_eq!(items(&shared), ["p1", "p3"]);
    // Read-only: it says nothing about the owner, and there is no way to write through it.
    assert!(shared.get("created_at").is_none() && shared.get("owner").is_none());
    assert_eq!(
        s.post(&path, None, json!({"product_id": "p1"})).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    // A product the shop hides later disappears from the shared view.
    s.call(
        Method::PATCH,
        "/v1/products/p3",
        None,
        json!({"hidden": true}),
    )
    .await;
    assert_eq!(items(&s.get(&path, None).await.1), ["p1"]);
    // Unknown and malformed tokens are all simply 404.
    for bad in ["0".repeat(64), "zz".into(), "x".repeat(5000)] {
        assert_eq!(
            s.get(&format!("/v1/lists/shared/{bad}"), None).await.0,
            StatusCode::NOT_FOUND
        );
    }
    // A rename keeps the link working; a restart too.
    s.call(
        Method::PATCH,
        "/v1/shoppers/v/lists/Xmas",
        None,
        json!({"name": "Noël"}),
    )
    .await;
    let s = s.restart().await;
    let (st, shared) = s.get(&path, None).await;
    assert_eq!(
        (st, shared["name"].as_str()),
        (StatusCode::OK, Some("Noël"))
    );
    assert_eq!(
        s.get("/v1/shoppers/v/lists/No%C3%ABl", None).await.1["shared"],
        true
    );
    // Revoking kills every link of the list.
    let (st, _) = s
        .call(
            Method::DELETE,
            "/v1/shoppers/v/lists/No%C3%ABl/share",
            None,
            Value::Null,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    for t in [&path, b["path"].as_str().unwrap()] {
        assert_eq!(s.get(t, None).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        s.post("/v1/shoppers/v/lists/none/share", None, Value::Null)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_visitors_lists_merge_into_the_customers_on_login() {
    let s = common::start().await;
    catalog(&s, None).await;
    let add = |who: &str, list: &str, p: &str| {
        let path = format!("/v1/shoppers/{who}/lists/{list}/items");
        let s = &s;
        let body = json!({ "product_id": p });
        async move { assert_eq!(s.post(&path, None, body).await.0, StatusCode::OK) }
    };
    // The customer already has a default list from another device.
    add("phone", "default", "p3").await;
    s.post(
        "/v1/identity/merge",
        None,
        json!({"visitor_id": "phone", "customer_id": "alice"}),
    )
    .await;
    // Anonymous on the laptop: a default list and a named one.
    add("laptop", "default", "p1").await;
    add("laptop", "Xmas", "p2").await;
    let (_, shared) = s
        .post("/v1/shoppers/laptop/lists/Xmas/share", None, Value::Null)
        .await;
    let (st, _) = s
        .post(
            "/v1/identity/merge",
            None,
            json!({"visitor_id": "laptop", "customer_id": "alice"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, r) = s.get("/v1/shoppers/alice/lists?kind=customer", None).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(names(&r), ["default", "Xmas"]);
    assert_eq!(items(&r["lists"][0]), ["p3", "p1"]);
    assert_eq!(items(&r["lists"][1]), ["p2"]);
    // The laptop now sees the customer's lists, and its share link still opens the list.
    let (_, r2) = s.get("/v1/shoppers/laptop/lists", None).await;
    assert_eq!(r2, r);
    let (st, l) = s.get(shared["path"].as_str().unwrap(), None).await;
    assert_eq!((st, items(&l)), (StatusCode::OK, vec!["p2".to_string()]));
    // Writes addressed to the customer land on the same lists; and all of it survives restart.
    let (st, _) = s
        .post(
            "/v1/shoppers/alice/lists/Xmas/items?kind=customer",
            None,
            json!({"product_id": "p1"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let s = s.restart().await;
    let (_, r) = s.get("/v1/shoppers/laptop/lists", None).await;
    assert_eq!(items(&r["lists"][1]), ["p2", "p1"]);
}

#[tokio::test]
async fn keys_scope_lists_to_the_shoppers_own() {
    let s = common::start().await;
    let shop = ShopId::default_shop();
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
    catalog(&s, Some(&admin)).await;
    let (st, _) = s
        .post(
            "/v1/shoppers/v/lists/default/items",
            Some(&public),
            json!({"product_id": "p1"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // A customer id is guessable: addressing one needs the admin key.
    let (st, _) = s
        .get("/v1/shoppers/c/lists?kind=customer", Some(&public))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(
        s.get("/v1/shoppers/c/lists?kind=customer", Some(&admin))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        s.get("/v1/shoppers/v/lists", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        s.get("/v1/notifications", Some(&public)).await.0,
        StatusCode::FORBIDDEN
    );
}

fn notes(r: &Value) -> Vec<(String, String, String)> {
    r["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["recipient"]["id"].as_str().unwrap().to_string(),
                n["product"].as_str().unwrap().to_string(),
                n["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn price_drops_and_restocks_of_listed_products_become_notifications() {
    let s = common::start().await;
    catalog(&s, None).await;
    for (who, p) in [("v", "p1"), ("v", "p2"), ("c-device", "p1")] {
        s.post(
            &format!("/v1/shoppers/{who}/lists/default/items"),
            None,
            json!({ "product_id": p }),
        )
        .await;
    }
    s.post(
        "/v1/identity/merge",
        None,
        json!({"visitor_id": "c-device", "customer_id": "carol"}),
    )
    .await;
    let (st, r) = s.get("/v1/notifications", None).await;
    assert_eq!(
        (st, r["notifications"].as_array().unwrap().len()),
        (StatusCode::OK, 0)
    );
    // A bulk upsert lowers p1's price and p3's (which nobody lists).
    s.post(
        "/v1/products",
        None,
        json!([{"id": "p1", "title": "Teapot", "price": 8, "stock": 4},
               {"id": "p3", "title": "Mug", "price": 1}]),
    )
    .await;
    // A partial update restocks p2.
    let (st, _) = s
        .call(Method::PATCH, "/v1/products/p2", None, json!({"stock": 5}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let (_, r) = s.get("/v1/notifications?pending=true", None).await;
    let mut got = notes(&r);
    got.sort();
    assert_eq!(
        got,
        [
            ("carol".into(), "p1".into(), "price_drop".into()),
            ("v".into(), "p1".into(), "price_drop".into()),
            ("v".into(), "p2".into(), "back_in_stock".into()),
        ]
    );
    let carol = r["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["recipient"]["id"] == "carol")
        .unwrap()
        .clone();
    assert_eq!(carol["recipient"]["kind"], "customer");
    assert_eq!(
        (carol["old_price"].as_f64(), carol["new_price"].as_f64()),
        (Some(10.0), Some(8.0))
    );
    // The same price again is no change; a further drop updates the waiting notification.
    s.call(Method::PATCH, "/v1/products/p1", None, json!({"price": 8}))
        .await;
    s.call(Method::PATCH, "/v1/products/p1", None, json!({"price": 7}))
        .await;
    let (_, r) = s.get("/v1/notifications", None).await;
    assert_eq!(notes(&r).len(), 3);
    let carol = r["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["recipient"]["id"] == "carol")
        .unwrap()
        .clone();
    assert_eq!(
        (carol["old_price"].as_f64(), carol["new_price"].as_f64()),
        (Some(10.0), Some(7.0))
    );
    // What the outbox claims is no longer pending.
    let claimed = s
        .store
        .claim_notifications(&ShopId::default_shop(), 2)
        .unwrap();
    assert_eq!(claimed.len(), 2);
    let (_, r) = s.get("/v1/notifications?pending=true", None).await;
    assert_eq!(notes(&r).len(), 1);
    // Paging and bad input.
    let (_, r) = s.get("/v1/notifications?limit=1", None).await;
    assert_eq!(notes(&r).len(), 1);
    let next = r["next_after"].as_i64().unwrap();
    let (_, r) = s
        .get(&format!("/v1/notifications?after={next}"), None)
        .await;
    assert_eq!(notes(&r).len(), 2);
    let (st, r) = s.get("/v1/notifications?limit=0", None).await;
    assert_eq!((st, field(&r)), (StatusCode::BAD_REQUEST, "limit"));
}

#[tokio::test]
async fn list_endpoints_are_in_the_openapi_document() {
    let s = common::start().await;
    let (_, doc) = s.get("/openapi.json", None).await;
    for p in [
        "/v1/shoppers/{id}/lists",
        "/v1/shoppers/{id}/lists/{name}",
        "/v1/shoppers/{id}/lists/{name}/items",
        "/v1/shoppers/{id}/lists/{name}/items/{product_id}",
        "/v1/shoppers/{id}/lists/{name}/items/{product_id}/move",
        "/v1/shoppers/{id}/lists/{name}/share",
        "/v1/lists/shared/{token}",
        "/v1/notifications",
    ] {
        assert!(
            doc["paths"].get(p).is_some(),
            "{p} missing from /openapi.json"
        );
    }
}
