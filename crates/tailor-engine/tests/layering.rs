//! The layering property: whatever the catalog, the stated preferences and the request, no
//! endpoint that returns products returns one a hard constraint forbids. Recommendations (every
//! preset), search with and without a query, category pages and buy-again all run through the
//! one pipeline; this checks them against an oracle written from the product data alone.

use proptest::prelude::*;
use serde_json::{Value, json};
use tailor_engine::pipeline::search::{SearchRequest, search};
use tailor_engine::{RecRequest, ShopState, recommend};
use tailor_model::{Event, Product, ProductId};

const BRANDS: &[&str] = &["Acme", "Nutwood", "Crunch", "Fizz"];
const ALLERGENS: &[&str] = &["peanuts", "milk", "gluten", "eggs", "soybeans"];
const DIETS: &[&str] = &["vegan", "vegetarian", "gluten-free"];
const CATEGORIES: &[&[&str]] = &[&["Food", "Snacks"], &["Food", "Drinks"], &["Home"]];
const WORDS: &[&str] = &["crunchy", "peanut", "bar", "oat", "milk", "choc", "tea"];
const PRESETS: &[&str] = &[
    "for_you",
    "alternatives",
    "bought_together",
    "trending",
    "bestsellers",
    "recently_viewed",
    "buy_again",
];
const NOW: i64 = 10_000_000;

#[derive(Debug, Clone)]
struct Spec {
    brand: usize,
    price: u32,
    category: usize,
    // None: allergens unknown.
    allergens: Option<Vec<bool>>,
    diets: Vec<bool>,
    words: (usize, usize),
    out_of_stock: bool,
    non_food: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0..BRANDS.len(),
        1u32..100,
        0..CATEGORIES.len(),
        prop::option::weighted(
            0.8,
            prop::collection::vec(prop::bool::weighted(0.3), ALLERGENS.len()),
        ),
        prop::collection::vec(prop::bool::weighted(0.3), DIETS.len()),
        (0..WORDS.len(), 0..WORDS.len()),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(brand, price, category, allergens, diets, words, out_of_stock, non_food)| Spec {
                brand,
                price,
                category,
                allergens,
                diets,
                words,
                out_of_stock,
                non_food,
            },
        )
}

fn product(i: usize, s: &Spec) -> Product {
    let mut p = Product::new(
        ProductId::new(format!("p{i}")).unwrap(),
        format!("{} {} {i}", WORDS[s.words.0], WORDS[s.words.1]),
    );
    p.brand = Some(BRANDS[s.brand].to_string());
    p.price = Some(f64::from(s.price));
    p.categories = vec![
        CATEGORIES[s.category]
            .iter()
            .map(|c| c.to_string())
            .collect(),
    ];
    p.allergens = s.allergens.as_ref().map(|a| {
        ALLERGENS
            .iter()
            .zip(a)
            .filter(|(_, on)| **on)
            .map(|(n, _)| n.to_string())
            .collect()
    });
    p.diets = DIETS
        .iter()
        .zip(&s.diets)
        .filter(|(_, on)| **on)
        .map(|(d, _)| d.to_string())
        .collect();
    if s.out_of_stock {
        p.stock = Some(0);
    }
    if s.non_food {
        p.tags = vec![tailor_model::NON_FOOD_TAG.to_string()];
    }
    p
}

#[derive(Debug, Clone)]
struct Stated {
    allergens: Vec<bool>,
    diets: Vec<bool>,
    max_price: Option<u32>,
    brands: Vec<bool>,
    warn: bool,
}

fn stated() -> impl Strategy<Value = Stated> {
    (
        prop::collection::vec(prop::bool::weighted(0.3), ALLERGENS.len()),
        prop::collection::vec(prop::bool::weighted(0.2), DIETS.len()),
        prop::option::of(5u32..80),
        prop::collection::vec(prop::bool::weighted(0.2), BRANDS.len()),
        any::<bool>(),
    )
        .prop_map(|(allergens, diets, max_price, brands, warn)| Stated {
            allergens,
            diets,
            max_price,
            brands,
            warn,
        })
}

fn pick<'a>(names: &[&'a str], on: &[bool]) -> Vec<&'a str> {
    names
        .iter()
        .zip(on)
        .filter(|(_, b)| **b)
        .map(|(n, _)| *n)
        .collect()
}

impl Stated {
    fn json(&self) -> Value {
        let mut v = json!({
            // Aliases and odd case on purpose: they must bind like the canonical names.
            "exclude_allergens": pick(ALLERGENS, &self.allergens).iter().map(|a| match *a {
                "peanuts" => "Peanut", "soybeans" => "soya", other => other }).collect::<Vec<_>>(),
            "diets": pick(DIETS, &self.diets),
            "exclude_brands": pick(BRANDS, &self.brands).iter().map(|b| b.to_uppercase()).collect::<Vec<_>>(),
            "unknown_allergens": if self.warn { "warn" } else { "exclude" },
        });
        if let Some(m) = self.max_price {
            v["max_price"] = json!(m);
        }
        v
    }

    /// Why `p` must not be shown, judged from the data alone, or `None`. `warned` says whether
    /// the response flagged it.
    fn violation(&self, p: &Product, warned: bool) -> Option<String> {
        let brand = p.brand.as_deref().unwrap_or("");
        if pick(BRANDS, &self.brands).contains(&brand) {
            return Some(format!("excluded brand {brand}"));
        }
        if let (Some(m), Some(price)) = (self.max_price, p.effective_price())
            && price > f64::from(m)
        {
            return Some(format!("price {price} above {m}"));
        }
        if !p.is_sellable() {
            return Some("not sellable".into());
        }
        let food = !p.tags.iter().any(|t| t == tailor_model::NON_FOOD_TAG);
        let excluded = pick(ALLERGENS, &self.allergens);
        let diets = pick(DIETS, &self.diets);
        if !food || (excluded.is_empty() && diets.is_empty()) {
            return None;
        }
        match &p.allergens {
            Some(declared) => {
                if let Some(a) = declared.iter().find(|a| excluded.contains(&a.as_str())) {
                    return Some(format!("contains excluded {a}"));
                }
                let has = |a: &str| declared.iter().any(|d| d == a);
                if diets.contains(&"vegan") && (has("milk") || has("eggs")) {
                    return Some("vegan stated, contains milk or eggs".into());
                }
                if diets.contains(&"gluten-free") && has("gluten") {
                    return Some("gluten-free stated, contains gluten".into());
                }
                for d in &diets {
                    let claimed = p
                        .diets
                        .iter()
                        .any(|c| c == d || (*d == "vegetarian" && c == "vegan"));
                    // Gluten-free is proved by a declaration without gluten.
                    if !claimed && *d != "gluten-free" {
                        return Some(format!("diet {d} neither claimed nor proved"));
                    }
                }
                None
            }
            None => {
                let unproved_diet = diets.iter().any(|d| {
                    !p.diets
                        .iter()
                        .any(|c| c == d || (*d == "vegetarian" && c == "vegan"))
                });
                let unknown_matters = !excluded.is_empty() || unproved_diet;
                if unknown_matters && !self.warn {
                    Some("allergens unknown under the exclude policy".into())
                } else if unknown_matters && !warned {
                    Some("allergens unknown shown without a warning".into())
                } else {
                    None
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Act {
    View(usize),
    Cart(usize),
    Buy(usize),
}

fn acts() -> impl Strategy<Value = Vec<(u8, Act)>> {
    prop::collection::vec(
        (
            0u8..4,
            prop_oneof![
                (0usize..60).prop_map(Act::View),
                (0usize..60).prop_map(Act::Cart),
                (0usize..60).prop_map(Act::Buy),
            ],
        ),
        0..40,
    )
}

fn apply(s: &mut ShopState, v: Value) {
    let mut e = Event::from_json(&v, 0).unwrap();
    s.prepare(&mut e);
    s.apply(&e);
}

fn build(specs: &[Spec], history: &[(u8, Act)], prefs: &Stated) -> ShopState {
    let mut s = ShopState::default();
    for (i, sp) in specs.iter().enumerate() {
        s.upsert_product(product(i, sp));
    }
    let n = specs.len();
    for (t, (who, act)) in history.iter().enumerate() {
        // Visitor 0 is the shopper under test; the others make the models non-trivial.
        let v = format!("v{who}");
        let ts = 1_000_000 + t as i64 * 60_000;
        let e = match act {
            Act::View(i) => {
                json!({"type": "view", "visitor_id": v, "product_id": format!("p{}", i % n), "timestamp": ts})
            }
            Act::Cart(i) => {
                json!({"type": "cart_add", "visitor_id": v, "product_id": format!("p{}", i % n), "timestamp": ts})
            }
            Act::Buy(i) => json!({"type": "purchase", "visitor_id": v, "order_id": format!("o{t}"),
                                  "lines": [{"product_id": format!("p{}", i % n), "quantity": 1}], "timestamp": ts}),
        };
        apply(&mut s, e);
    }
    apply(
        &mut s,
        json!({"type": "preferences", "visitor_id": "v0", "preferences": prefs.json(), "timestamp": 9_000_000}),
    );
    s
}

fn check(
    s: &ShopState,
    prefs: &Stated,
    items: impl Iterator<Item = (u32, bool)>,
    what: &str,
) -> Result<(), TestCaseError> {
    for (item, warned) in items {
        let p = s.catalog.product(item).expect("returned items exist");
        if let Some(why) = prefs.violation(p, warned) {
            return Err(TestCaseError::fail(format!(
                "{what} returned {} ({why}): {p:?}",
                p.id.as_str()
            )));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn no_endpoint_returns_a_product_a_hard_constraint_forbids(
        specs in prop::collection::vec(spec(), 3..30),
        history in acts(),
        prefs in stated(),
        context in 0usize..30,
        word in 0..WORDS.len(),
        category in 0..CATEGORIES.len(),
    ) {
        let s = build(&specs, &history, &prefs);
        let ctx = format!("p{}", context % specs.len());
        let boxes: Vec<Value> = PRESETS
            .iter()
            .map(|p| json!({"name": p, "preset": p, "count": 50, "context": {"products": [ctx]}}))
            .collect();
        // All presets in one request (no repeats across boxes), and each alone (no box starves
        // another of candidates).
        let mut requests = vec![json!({"visitor_id": "v0", "boxes": boxes})];
        requests.extend(boxes.iter().map(|b| json!({"visitor_id": "v0", "boxes": [b]})));
        for req in requests {
            let req = RecRequest::parse(&req, &s.catalog).unwrap();
            for b in recommend(&s, &req, NOW) {
                check(&s, &prefs, b.items.iter().map(|r| (r.item, r.warning.is_some())), &b.name)?;
            }
        }
        let path = CATEGORIES[category].join(" > ");
        for (what, req) in [
            ("search", json!({"visitor_id": "v0", "query": WORDS[word], "limit": 100})),
            ("search without a query", json!({"visitor_id": "v0", "limit": 100})),
            ("category page", json!({"visitor_id": "v0", "limit": 100, "filters": {"category": [path]}})),
            ("unpersonalised search", json!({"visitor_id": "v0", "query": WORDS[word], "personalize": false})),
        ] {
            let req = SearchRequest::parse(&req).unwrap();
            let out = search(&s, &req, NOW).unwrap();
            check(&s, &prefs, out.items.iter().map(|h| (h.ranked.item, h.ranked.warning.is_some())), what)?;
        }
    }
}

/// The property has teeth: without stated preferences the same shop shows products the oracle
/// would flag for the stated ones, and with them every box and search still returns something.
#[test]
fn the_oracle_flags_what_an_unconstrained_shopper_is_shown() {
    let spec = |brand, price, allergens: Option<Vec<bool>>| Spec {
        brand,
        price,
        category: 0,
        allergens,
        diets: vec![false; DIETS.len()],
        words: (0, 2),
        out_of_stock: false,
        non_food: false,
    };
    let mut peanut = vec![false; ALLERGENS.len()];
    peanut[0] = true;
    let specs = vec![
        spec(0, 10, Some(peanut)),
        spec(1, 10, None),
        spec(2, 90, Some(vec![false; ALLERGENS.len()])),
        spec(3, 10, Some(vec![false; ALLERGENS.len()])),
        spec(3, 20, Some(vec![false; ALLERGENS.len()])),
    ];
    let prefs = Stated {
        allergens: peanut_only(),
        diets: vec![false; DIETS.len()],
        max_price: Some(50),
        brands: vec![false; BRANDS.len()],
        warn: false,
    };
    let history: Vec<(u8, Act)> = (0..5).map(|i| (1, Act::View(i))).collect();
    let s = build(&specs, &history, &prefs);
    let req = |v: &str| json!({"visitor_id": v, "boxes": [{"preset": "trending", "count": 10}]});
    let shown = |v: &str| -> Vec<u32> {
        let r = RecRequest::parse(&req(v), &s.catalog).unwrap();
        recommend(&s, &r, NOW)[0]
            .items
            .iter()
            .map(|r| r.item)
            .collect()
    };
    let free = shown("stranger");
    let flagged = free
        .iter()
        .filter(|&&i| {
            prefs
                .violation(s.catalog.product(i).unwrap(), false)
                .is_some()
        })
        .count();
    assert_eq!(free.len(), 5);
    assert_eq!(flagged, 3, "peanuts, unknown allergens, above the ceiling");
    let bound = shown("v0");
    assert_eq!(bound.len(), 2);
    assert!(bound.iter().all(|&i| {
        prefs
            .violation(s.catalog.product(i).unwrap(), false)
            .is_none()
    }));
}

fn peanut_only() -> Vec<bool> {
    let mut v = vec![false; ALLERGENS.len()];
    v[0] = true;
    v
}
