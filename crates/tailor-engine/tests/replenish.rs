//! Replenishment live: purchases feed the cycle and next-basket models, `buy_again` uses them,
//! and hard constraints hold in it like in every source.

use serde_json::{Value, json};
use tailor_engine::{RecRequest, ShopState, recommend};
use tailor_model::{Event, Product, ProductId};

const DAY: i64 = 86_400_000;
const T0: i64 = 1_700_000_000_000;

fn product(id: &str, allergens: &[&str]) -> Product {
    let mut p = Product::new(ProductId::new(id).unwrap(), format!("Product {id}"));
    p.categories = vec![vec!["Food".into()]];
    p.price = Some(3.0);
    p.allergens = Some(allergens.iter().map(|s| s.to_string()).collect());
    p
}

fn apply(s: &mut ShopState, v: Value) {
    let mut e = Event::from_json(&v, 0).unwrap();
    s.prepare(&mut e);
    s.apply(&e);
}

fn buy(s: &mut ShopState, visitor: &str, day: i64, items: &[&str]) {
    let lines: Vec<Value> = items
        .iter()
        .map(|p| json!({"product_id": p, "quantity": 1}))
        .collect();
    apply(
        s,
        json!({"type": "purchase", "visitor_id": visitor, "order_id": format!("{visitor}-{day}"),
               "timestamp": T0 + day * DAY, "lines": lines}),
    );
}

/// Staples: milk and peanut butter weekly for ten shoppers; a toaster bought once by each.
fn shop() -> ShopState {
    let mut s = ShopState::default();
    s.upsert_product(product("milk", &["milk"]));
    s.upsert_product(product("pb", &["peanuts"]));
    s.upsert_product(product("bread", &["gluten"]));
    s.upsert_product(product("toaster", &[]));
    for v in 0..10 {
        let who = format!("h{v}");
        buy(&mut s, &who, 0, &["milk", "pb", "toaster"]);
        for week in 1..5 {
            buy(&mut s, &who, week * 7, &["milk", "pb"]);
        }
    }
    s
}

fn buy_again(s: &ShopState, visitor: &str, day: i64) -> Vec<String> {
    let req = json!({"visitor_id": visitor, "boxes": [{"preset": "buy_again", "count": 10}]});
    let req = RecRequest::parse(&req, &s.catalog).unwrap();
    recommend(s, &req, T0 + day * DAY)
        .remove(0)
        .items
        .iter()
        .map(|r| s.catalog.id(r.item).to_string())
        .collect()
}

#[test]
fn a_purchase_changes_the_next_buy_again_response() {
    let mut s = shop();
    assert!(
        buy_again(&s, "me", 30).is_empty(),
        "no purchase, no buy-again"
    );
    buy(&mut s, "me", 30, &["milk", "toaster"]);
    let after = buy_again(&s, "me", 31);
    // Milk is a staple for the population; one toaster proves nothing, and it stays out.
    assert_eq!(after.first().map(String::as_str), Some("milk"), "{after:?}");
    assert!(!after.contains(&"toaster".to_string()), "{after:?}");
    // Neighbours who buy what "me" buys bring their other staple along (explore).
    assert!(after.contains(&"pb".to_string()), "{after:?}");
}

#[test]
fn hard_constraints_never_appear_in_buy_again() {
    let mut s = shop();
    for week in 0..4 {
        buy(&mut s, "me", week * 7, &["milk", "pb"]);
    }
    assert!(buy_again(&s, "me", 28).contains(&"pb".to_string()));
    apply(
        &mut s,
        json!({"type": "preferences", "visitor_id": "me", "timestamp": T0 + 28 * DAY,
               "preferences": {"exclude_allergens": ["peanuts"]}}),
    );
    for day in [28, 35, 60] {
        let got = buy_again(&s, "me", day);
        assert!(!got.contains(&"pb".to_string()), "{got:?}");
        assert!(got.contains(&"milk".to_string()), "{got:?}");
    }
    // Request-level preferences bind too, with the explicit source name.
    let req = json!({"visitor_id": "h1", "preferences": {"exclude_allergens": ["milk"]},
                     "boxes": [{"sources": ["buy_again"], "count": 10}]});
    let req = RecRequest::parse(&req, &s.catalog).unwrap();
    let got: Vec<String> = recommend(&s, &req, T0 + 35 * DAY)[0]
        .items
        .iter()
        .map(|r| s.catalog.id(r.item).to_string())
        .collect();
    assert_eq!(got, ["pb"]);
}

#[test]
fn replay_feeds_replenishment_like_live_events() {
    let mut events = Vec::new();
    for v in 0..6 {
        for week in 0..4i64 {
            let e = json!({"type": "purchase", "visitor_id": format!("r{v}"), "order_id": format!("r{v}-{week}"),
                           "timestamp": T0 + week * 7 * DAY, "lines": [{"product_id": "milk", "quantity": 1}]});
            events.push(Event::from_json(&e, 0).unwrap());
        }
    }
    let mut one = shop();
    let mut two = shop();
    for e in &mut events {
        one.prepare(e);
    }
    for e in &events {
        one.apply(e);
    }
    two.replay(events.chunks(5).map(<[Event]>::to_vec));
    one.models.replenish.refresh();
    assert_eq!(buy_again(&one, "r2", 28), buy_again(&two, "r2", 28));
    let b = two
        .shopper(Some(&tailor_model::VisitorId::new("r2").unwrap()), None)
        .unwrap();
    let due = two.models.replenish.cycles_of(b.buyer.unwrap());
    assert_eq!(due.len(), 1);
    let expected = T0 as f64 / DAY as f64 + 28.0;
    assert!((due[0].due.day - expected).abs() < 1.0, "{due:?}");
}
