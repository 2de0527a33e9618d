//! `POST /v1/search`, `GET /v1/suggest` and the search settings against a real server: typos,
//! prefixes, synonyms, stemming, facets with variants, filters with facets, unicode, empty, huge
//! and stop-word queries, zero-result fallback, freshness, personal reranking, query learning,
//! hard constraints, and precise errors.

mod common;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn catalog() -> Value {
    let p = |id: &str, title: &str, brand: &str, cat: &str, price: f64| {
        json!({"id": id, "title": title, "brand": brand, "categories": [cat], "price": price,
               "availability": "in_stock"})
    };
    let mut v = vec![
        p("d1", "Cordless Drill 18V", "Ryobi", "Tools > Drills", 99.0),
        p(
            "d2",
            "Hammer Drill with Case",
            "Bosch",
            "Tools > Drills",
            149.0,
        ),
        p("d3", "Right Angle Drill", "Makita", "Tools > Drills", 129.0),
        p("h1", "Claw Hammer", "Estwing", "Tools > Hammers", 25.0),
        p("s1", "Garden Hose 50 ft", "Gardena", "Garden > Hoses", 35.0),
        p("c1", "Café au lait Mug", "Bodum", "Kitchen > Mugs", 12.0),
        p(
            "f1",
            "Peanut Butter Cookies",
            "Bakery",
            "Food > Biscuits",
            4.0,
        ),
        p("f2", "Oat Cookies", "Bakery", "Food > Biscuits", 4.5),
        p(
            "sofa",
            "Three Seat Sofa",
            "Ikea",
            "Home > Living room",
            499.0,
        ),
    ];
    v[6]["allergens"] = json!(["peanuts"]);
    v[7]["allergens"] = json!([]);
    // One T-shirt in three colours: one group, three variants.
    for (i, colour) in ["red", "blue", "green"].iter().enumerate() {
        v.push(json!({"id": format!("t{i}"), "group_id": "tee", "title": format!("Cotton T-Shirt {colour}"),
                      "brand": "Basics", "categories": ["Clothing > Shirts"], "price": 15.0,
                      "attributes": {"color": colour}, "availability": "in_stock"}));
    }
    v.push(json!({"id": "t9", "title": "Linen Shirt", "brand": "Basics", "categories": ["Clothing > Shirts"],
                  "price": 45.0, "availability": "out_of_stock"}));
    json!(v)
}

async fn shop() -> common::Server {
    let s = common::start().await;
    let (st, body) = s.post("/v1/products", None, catalog()).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    s
}

async fn search(s: &common::Server, body: Value) -> Value {
    let (st, out) = s.post("/v1/search", None, body).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    out
}

fn ids(out: &Value) -> Vec<String> {
    out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["product_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn typos_prefixes_stemming_and_unicode_find_products() {
    let s = shop().await;
    // Two typos in a long word, one in a short one; a plural; a prefix being typed.
    for (q, want) in [
        ("cordles dril", "d1"),
        ("hammers", "h1"),
        ("garde", "s1"),
        ("cafe", "c1"),
        ("CAFÉ AU LAIT", "c1"),
        ("ryobi", "d1"),
    ] {
        let out = search(&s, json!({"query": q})).await;
        assert_eq!(
            ids(&out).first().map(String::as_str),
            Some(want),
            "{q}: {out}"
        );
    }
    assert_eq!(
        search(&s, json!({"query": "cafe"})).await["relaxation"],
        "none"
    );
    let out = search(&s, json!({"query": "drill"})).await;
    let got = ids(&out);
    assert!(
        got.len() >= 3 && got[..3].iter().all(|id| id.starts_with('d')),
        "{got:?}"
    );
    // Every item carries a tracking code of this request, box `search`, absolute position.
    let rid = out["request_id"].as_str().unwrap();
    assert_eq!(out["items"][1]["tracking"], format!("{rid}:search:1"));
    let page2 = search(&s, json!({"query": "drill", "offset": 1, "limit": 1})).await;
    assert_eq!(ids(&page2), vec![got[1].clone()]);
    assert!(
        page2["items"][0]["tracking"]
            .as_str()
            .unwrap()
            .ends_with(":search:1")
    );
}

#[tokio::test]
async fn synonyms_are_managed_by_the_admin_and_survive_a_restart() {
    let s = shop().await;
    let out = search(&s, json!({"query": "couch"})).await;
    assert!(!ids(&out).contains(&"sofa".to_string()) || out["relaxation"] != "none");
    let (st, body) = s
        .call(
            Method::PUT,
            "/v1/search/settings",
            None,
            json!({"synonyms": [["couch", "sofa"]]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let out = search(&s, json!({"query": "couch"})).await;
    assert_eq!(ids(&out)[0], "sofa", "{out}");
    let s = s.restart().await;
    let (_, settings) = s.get("/v1/search/settings", None).await;
    assert_eq!(settings["synonyms"], json!([["couch", "sofa"]]));
    assert_eq!(settings["language"], "english");
    let out = search(&s, json!({"query": "couch"})).await;
    assert_eq!(ids(&out)[0], "sofa", "after restart: {out}");
    // A new language re-indexes; bad settings name the field.
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/search/settings",
            None,
            json!({"language": "german"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ids(&search(&s, json!({"query": "hammer"})).await)[0], "h1");
    for (body, field) in [
        (json!({"language": "klingon"}), "language"),
        (json!({"synonyms": [["solo"]]}), "synonyms[0]"),
        (json!({"synonyms": [["a", ""]]}), "synonyms[0][1]"),
        (json!({"synonyms": "couch=sofa"}), "synonyms"),
        (json!({"colour": 1}), "colour"),
    ] {
        let (st, e) = s.call(Method::PUT, "/v1/search/settings", None, body).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
        assert_eq!(e["error"]["field"], field, "{e}");
    }
}

#[tokio::test]
async fn facets_count_groups_and_ignore_their_own_filter() {
    let s = shop().await;
    let out = search(
        &s,
        json!({"query": "shirt", "facets": true, "filters": {"in_stock": false}}),
    )
    .await;
    // Three coloured variants are one tile and count once; the linen shirt is another group.
    assert_eq!(out["total"], 2, "{out}");
    assert_eq!(
        out["facets"]["brand"],
        json!([{"value": "Basics", "count": 2}])
    );
    assert_eq!(out["facets"]["in_stock"], json!({"true": 1, "false": 1}));
    let with_variants = search(
        &s,
        json!({"query": "shirt", "collapse_variants": false, "filters": {"in_stock": false}}),
    )
    .await;
    assert_eq!(with_variants["total"], 4);
    // In stock by default: the out-of-stock shirt is not a result, but the facet still says
    // it exists.
    let out = search(&s, json!({"query": "shirt", "facets": ["in_stock"]})).await;
    assert_eq!(out["total"], 1);
    assert_eq!(out["facets"]["in_stock"], json!({"true": 1, "false": 1}));
    // A brand filter keeps the other brands in the brand facet, and narrows the others.
    let out = search(
        &s,
        json!({"query": "drill", "filters": {"brand": "bosch"}, "facets": ["brand", "category", "price"]}),
    )
    .await;
    assert_eq!(ids(&out), vec!["d2"]);
    assert_eq!(out["facets"]["brand"].as_array().unwrap().len(), 3, "{out}");
    assert_eq!(out["facets"]["price"], json!({"min": 149.0, "max": 149.0}));
    assert_eq!(
        out["facets"]["category"][1],
        json!([{"value": "Tools > Drills", "count": 1}])
    );
    // Filters combine: category, price range.
    let out = search(
        &s,
        json!({"filters": {"category": "Tools", "price": {"max": 100}}, "sort": "price_asc"}),
    )
    .await;
    assert_eq!(ids(&out), vec!["h1", "d1"]);
    let out = search(&s, json!({"query": "drill", "sort": "price_desc"})).await;
    assert_eq!(ids(&out), vec!["d2", "d3", "d1"]);
    // The recommendation filter language works here too.
    let out = search(
        &s,
        json!({"query": "drill", "filter": {"brand": {"$in": ["Ryobi", "Makita"]}}}),
    )
    .await;
    let mut got = ids(&out);
    got.sort();
    assert_eq!(got, vec!["d1", "d3"]);
}

#[tokio::test]
async fn empty_huge_and_stop_word_queries_and_zero_results_never_leave_a_blank_page() {
    let s = shop().await;
    // No query: a browse page of everything that can be bought.
    let all = search(&s, json!({})).await;
    assert_eq!(all["relaxation"], "browse");
    assert_eq!(all["total"], 10, "{all}");
    assert!(all.get("fallback").is_none());
    let stop = search(&s, json!({"query": "the of and"})).await;
    assert_eq!(stop["total"], 10);
    assert!(stop.get("message").is_none());
    // Nothing matches: say so, and show the popular products of the closest category.
    let out = search(&s, json!({"query": "hamers xyzzyq qqqq"})).await;
    assert_eq!(out["relaxation"], "any_term");
    let out = search(&s, json!({"query": "biscuitz"})).await;
    assert_eq!(
        out["fallback"],
        json!({"kind": "category", "category": "Food > Biscuits"}),
        "{out}"
    );
    assert!(out["message"].as_str().unwrap().contains("biscuitz"));
    assert_eq!(ids(&out).len(), 2);
    let out = search(&s, json!({"query": "qqqqzzzz"})).await;
    assert_eq!(out["fallback"], json!({"kind": "popular"}));
    assert!(!ids(&out).is_empty());
    // A huge query is cut, not refused, up to the text limit; beyond it, a 400.
    let long = "drill ".repeat(600);
    let out = search(&s, json!({"query": long})).await;
    assert_eq!(ids(&out)[0].chars().next(), Some('d'));
    let (st, e) = s
        .post("/v1/search", None, json!({"query": "x".repeat(5000)}))
        .await;
    assert_eq!(
        (st, e["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("query"))
    );
    // Unicode that matches nothing still answers.
    let out = search(&s, json!({"query": "日本語 🙂"})).await;
    assert!(!ids(&out).is_empty());
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let s = shop().await;
    for (body, field) in [
        (json!({"query": 7}), "query"),
        (json!({"sort": "cheap"}), "sort"),
        (json!({"limit": 0}), "limit"),
        (json!({"limit": 101}), "limit"),
        (json!({"offset": -1}), "offset"),
        (json!({"facets": ["colour"]}), "facets[0]"),
        (
            json!({"filters": {"price": {"min": 5, "max": 1}}}),
            "filters.price",
        ),
        (
            json!({"filters": {"price": {"min": "cheap"}}}),
            "filters.price.min",
        ),
        (json!({"filters": {"colour": "red"}}), "filters.colour"),
        (json!({"filters": {"brand": [""]}}), "filters.brand[0]"),
        (
            json!({"filter": {"price": {"$between": 1}}}),
            "filter.price.$between",
        ),
        (json!({"explain": "yes"}), "explain"),
        (json!({"visitor_id": ""}), "visitor_id"),
        (json!([]), "body"),
    ] {
        let (st, e) = s.post("/v1/search", None, body.clone()).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{body}: {e}");
        assert_eq!(e["error"]["field"], field, "{body}: {e}");
    }
    let (st, _) = s.get("/v1/suggest?limit=0", None).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn catalog_changes_are_searchable_at_once() {
    let s = shop().await;
    let (st, _) = s
        .post(
            "/v1/products",
            None,
            json!([{"id": "n1", "title": "Wheelbarrow", "categories": ["Garden"], "price": 80}]),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(
        ids(&search(&s, json!({"query": "wheelbarrow"})).await),
        vec!["n1"]
    );
    let (st, _) = s
        .call(Method::PATCH, "/v1/products/n1", None, json!({"price": 60}))
        .await;
    assert_eq!(st, StatusCode::OK);
    let cheap = search(
        &s,
        json!({"query": "wheelbarrow", "filters": {"price": {"max": 70}}}),
    )
    .await;
    assert_eq!(ids(&cheap), vec!["n1"]);
    let (st, _) = s
        .call(Method::DELETE, "/v1/products/n1", None, Value::Null)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let gone = search(&s, json!({"query": "wheelbarrow"})).await;
    assert!(!ids(&gone).contains(&"n1".to_string()));
    // And after a restart the index is rebuilt from the store.
    let s = s.restart().await;
    assert_eq!(
        ids(&search(&s, json!({"query": "cordless"})).await)[0],
        "d1"
    );
}

#[tokio::test]
async fn the_session_reranks_results_and_explain_adds_up() {
    let s = shop().await;
    let plain = ids(&search(&s, json!({"query": "drill"})).await);
    let last = plain.last().unwrap().clone();
    // A shopper looks at the brand of the last drill: its products rise for them alone.
    let events: Vec<Value> = (0..3)
        .map(|i| json!({"type": "view", "visitor_id": "v1", "product_id": last, "timestamp": 1_000 + i}))
        .collect();
    let out = search(
        &s,
        json!({"query": "drill", "visitor_id": "v1", "events": events, "explain": true}),
    )
    .await;
    assert_eq!(ids(&out)[0], last, "{out}");
    assert_eq!(out["events"]["accepted"], 3);
    for item in out["items"].as_array().unwrap() {
        let e = &item["explain"];
        let parts: f64 = e["sources"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum::<f64>()
            + e["affinity"].as_f64().unwrap()
            + e["stated"].as_f64().unwrap()
            + e["popularity"].as_f64().unwrap();
        assert!(
            (parts - item["score"].as_f64().unwrap()).abs() < 1e-9,
            "{item}"
        );
        assert!(e["sources"]["text_match"].as_f64().unwrap() > 0.0);
        assert!(!e["text"].as_array().unwrap().is_empty());
    }
    // Plain for someone else, and for this shopper when they ask for it.
    assert_eq!(
        ids(&search(&s, json!({"query": "drill", "visitor_id": "v2"})).await),
        plain
    );
    assert_eq!(
        ids(&search(
            &s,
            json!({"query": "drill", "visitor_id": "v1", "personalize": false})
        )
        .await),
        plain
    );
}

#[tokio::test]
async fn what_shoppers_chose_after_a_query_lifts_it_for_the_next_one() {
    let s = shop().await;
    let plain = ids(&search(&s, json!({"query": "drill"})).await);
    let third = plain[2].clone();
    // Twenty shoppers searched, skipped the first two results and bought the third.
    let mut events = Vec::new();
    for v in 0..20 {
        let visitor = format!("buyer{v}");
        events.push(json!({"type": "search", "visitor_id": visitor, "query": "Drills", "shown": plain, "timestamp": 10_000 + v}));
        events.push(json!({"type": "click", "visitor_id": visitor, "product_id": third, "position": 2, "timestamp": 10_100 + v}));
        events.push(json!({"type": "purchase", "visitor_id": visitor, "order_id": format!("o{v}"),
                           "lines": [{"product_id": third, "quantity": 1, "unit_price": 10}], "timestamp": 10_200 + v}));
    }
    let (st, body) = s.post("/v1/events", None, json!(events)).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let out = search(
        &s,
        json!({"query": "drill", "visitor_id": "newcomer", "explain": true}),
    )
    .await;
    assert_eq!(ids(&out)[0], third, "{out}");
    assert!(
        out["items"][0]["explain"]["sources"]["query_clicks"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    // Completions come from those searches.
    let (_, sug) = s.get("/v1/suggest?q=dri", None).await;
    assert_eq!(
        sug["suggestions"][0],
        json!({"query": "drills", "searches": 20})
    );
    let (_, none) = s.get("/v1/suggest?q=zz", None).await;
    assert_eq!(none["suggestions"], json!([]));
}

#[tokio::test]
async fn hard_constraints_hold_in_results_and_counts() {
    let s = shop().await;
    let (st, _) = s
        .call(
            Method::PUT,
            "/v1/shoppers/allergic/preferences",
            None,
            json!({"exclude_allergens": ["peanut"], "unknown_allergens": "exclude"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let out = search(
        &s,
        json!({"query": "cookies", "visitor_id": "allergic", "facets": ["brand"]}),
    )
    .await;
    assert_eq!(ids(&out), vec!["f2"], "{out}");
    assert_eq!(
        out["facets"]["brand"],
        json!([{"value": "Bakery", "count": 1}])
    );
    // The browse page too; and a product the shopper hid is gone for them.
    let out = search(
        &s,
        json!({"filters": {"category": "Food"}, "visitor_id": "allergic"}),
    )
    .await;
    assert_eq!(ids(&out), vec!["f2"]);
    s.post(
        "/v1/events",
        None,
        json!([{"type": "hide", "visitor_id": "v9", "product_id": "h1"}]),
    )
    .await;
    let out = search(&s, json!({"query": "hammer", "visitor_id": "v9"})).await;
    assert!(!ids(&out).contains(&"h1".to_string()), "{out}");
}

/// Position of the first item of `brand` in a list answer, `len` when absent.
fn brand_rank(items: &Value, brand: &str) -> usize {
    let items = items.as_array().unwrap();
    items
        .iter()
        .position(|i| i["brand"] == brand)
        .unwrap_or(items.len())
}

/// The `filters` part of the first item of `brand` (0 when it has none).
fn filter_part(items: &Value, brand: &str) -> f64 {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["brand"] == brand)
        .and_then(|i| i["explain"]["filters"].as_f64())
        .unwrap_or(0.0)
}

async fn for_you(s: &common::Server, visitor: &str) -> Value {
    let (st, out) = s
        .post(
            "/v1/recommendations",
            None,
            json!({"visitor_id": visitor, "explain": true,
                   "boxes": [{"name": "home", "preset": "for_you", "count": 12}]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    out["boxes"][0]["items"].clone()
}

fn filtered(visitor: &str, brand: &str, n: i64) -> Value {
    // A category page filtered by brand, an hour apart (another session) each time, ending now:
    // uses decay with time like every behaviour signal.
    let at = tailor_model::now_millis() - (3 - n) * 3_600_000;
    json!({"type": "search", "visitor_id": visitor, "query": "", "timestamp": at,
           "filters": {"brand": [brand, brand.to_uppercase()], "category": "Tools > Drills", "in_stock": true}})
}

#[tokio::test]
async fn a_brand_filtered_again_and_again_lifts_it_when_no_longer_filtered() {
    let s = shop().await;
    let q = json!({"query": "drill", "visitor_id": "vf", "explain": true});
    let plain = search(&s, q.clone()).await;
    let last = plain["items"].as_array().unwrap().last().unwrap()["brand"]
        .as_str()
        .unwrap()
        .to_string();
    let before = brand_rank(&plain["items"], &last);
    let recs_before = for_you(&s, "vf").await;
    assert!(before > 0 && brand_rank(&recs_before, &last) > 0);
    assert_eq!(filter_part(&plain["items"], &last), 0.0);

    // One use is weak.
    let (st, out) = s
        .post(
            "/v1/events",
            None,
            json!({"events": [filtered("vf", &last, 0)]}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let once = filter_part(&search(&s, q.clone()).await["items"], &last);
    assert!(once > 0.0, "one use counts a little");
    // Three uses, across sessions, are clear: the brand rises in an unfiltered search and in
    // for_you, and `explain` names the signal apart from `affinity` and `stated`.
    let events = json!({"events": [filtered("vf", &last, 1), filtered("vf", &last, 2)]});
    let (st, out) = s.post("/v1/events", None, events).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let after = search(&s, q.clone()).await;
    let thrice = filter_part(&after["items"], &last);
    assert!(thrice > 3.0 * once, "{once} then {thrice}");
    assert!(brand_rank(&after["items"], &last) < before, "{after}");
    for item in after["items"].as_array().unwrap() {
        let e = &item["explain"];
        let parts: f64 = e["sources"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum::<f64>()
            + e["affinity"].as_f64().unwrap()
            + e["filters"].as_f64().unwrap_or(0.0)
            + e["stated"].as_f64().unwrap()
            + e["popularity"].as_f64().unwrap();
        assert!((parts - item["score"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!(e["stated"], 0.0, "nothing was stated");
    }
    let recs = for_you(&s, "vf").await;
    assert_eq!(brand_rank(&recs, &last), 0, "{recs}");
    assert!((filter_part(&recs, &last) - thrice).abs() < 1e-6);
    // Someone who never filtered sees the plain order.
    assert_eq!(
        ids(&search(&s, json!({"query": "drill", "visitor_id": "other"})).await),
        ids(&plain)
    );
    // The profile shows the habit (duplicates in one filter counted once), with its strength.
    let (_, profile) = s.get("/v1/visitors/vf", None).await;
    let habit = &profile["filter_affinity"];
    let brand = habit
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "brand")
        .unwrap_or_else(|| panic!("{profile}"));
    assert_eq!(brand["value"], last.to_lowercase());
    let uses = brand["uses"].as_f64().unwrap();
    assert!(uses > 2.9 && uses <= 3.0, "{brand}");
    assert!(
        profile["recent_queries"].as_array().unwrap().is_empty(),
        "a category page is no query"
    );

    // The filters are in the durable log: a restart replays them to the same scores.
    let s = s.restart().await;
    let replayed = search(&s, q).await;
    assert_eq!(ids(&replayed), ids(&after));
    // (The clock moved on a little since, and uses decay with it.)
    assert!((filter_part(&replayed["items"], &last) - thrice).abs() < 1e-6);
}

#[tokio::test]
async fn filters_in_events_are_checked_like_search_filters() {
    let s = shop().await;
    let many: Vec<String> = (0..=tailor_model::MAX_FILTER_VALUES)
        .map(|i| format!("b{i}"))
        .collect();
    for (filters, field) in [
        (json!({"flavour": "x"}), "filters.flavour"),
        (json!({"brand": many}), "filters.brand"),
        (json!({"brand": ["ok", ""]}), "filters.brand[1]"),
        (json!({"price": {"min": 9, "max": 1}}), "filters.price"),
        (json!("Bosch"), "filters"),
    ] {
        let ev = json!({"type": "search", "visitor_id": "v", "query": "", "filters": filters});
        let (st, e) = s
            .post(
                "/v1/events",
                None,
                json!({"events": [{"type": "view", "visitor_id": "v", "product_id": "d1"}, ev]}),
            )
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{filters}: {e}");
        assert_eq!(e["errors"][0]["index"], 1, "{e}");
        assert_eq!(e["errors"][0]["field"], field, "{e}");
    }
    // The same bound holds for a search's own filters.
    let (st, e) = s
        .post("/v1/search", None, json!({"filters": {"brand": many}}))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(e["error"]["field"], "filters.brand");
    // Empty filters and unicode values are fine, and an empty filter teaches nothing.
    let evs = json!({"events": [
        {"type": "search", "visitor_id": "u", "query": "drill", "filters": {}},
        {"type": "search", "visitor_id": "u", "query": "", "filters": {"brand": [], "price": {}}},
        {"type": "search", "visitor_id": "u", "query": "", "filters": {"brand": "Café 抹茶 😀"}}]});
    let (st, out) = s.post("/v1/events", None, evs).await;
    assert_eq!(st, StatusCode::OK, "{out}");
    let (_, profile) = s.get("/v1/visitors/u", None).await;
    assert_eq!(
        profile["filter_affinity"].as_array().unwrap().len(),
        1,
        "{profile}"
    );
    assert_eq!(profile["filter_affinity"][0]["value"], "café 抹茶 😀");
}
