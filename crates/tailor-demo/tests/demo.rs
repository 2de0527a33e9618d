//! The demo shop's promises, checked through the public API only: a valid, consistent, deterministic catalog
//! and a believable, well-formed event history that respects every shopper's hidden constraints.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use tailor_demo::{
    Allergen, DEFAULT_START_MILLIS, DEMO_EPOCH_MILLIS, Diet, Shopper, Simulation, generate_catalog,
    generate_catalog_at, generate_shoppers, render_product_svg, simulate,
};
use tailor_model::{AttrValue, Availability, Event, EventKind, Product};

const DAY_MS: i64 = 86_400_000;
const SESSION_GAP_MS: i64 = 30 * 60 * 1000;
const FOOD_ROOTS: [&str; 2] = ["Groceries", "Beverages"];
const SIM_SHOPPERS: usize = 80;
const SIM_DAYS: u32 = 60;

/// One default-sized catalog and one simulation on it, shared by the tests that only read them.
fn shop() -> &'static (Vec<Product>, Simulation) {
    static SHOP: OnceLock<(Vec<Product>, Simulation)> = OnceLock::new();
    SHOP.get_or_init(|| {
        let catalog = generate_catalog(7, 2000);
        let sim = simulate(7, &catalog, SIM_SHOPPERS, SIM_DAYS, DEFAULT_START_MILLIS);
        (catalog, sim)
    })
}

fn by_id(catalog: &[Product]) -> BTreeMap<&str, &Product> {
    catalog.iter().map(|p| (p.id.as_str(), p)).collect()
}

fn is_food(p: &Product) -> bool {
    FOOD_ROOTS.contains(&p.categories[0][0].as_str())
}

fn attr<'a>(p: &'a Product, name: &str) -> Option<&'a AttrValue> {
    p.attributes.get(name)
}

fn shopper_of<'a>(sim: &'a Simulation, e: &Event) -> &'a Shopper {
    sim.shoppers
        .iter()
        .find(|s| s.visitor_id == e.visitor_id)
        .expect("every event belongs to a shopper")
}

// ---------------------------------------------------------------------------------------------- catalog

#[test]
fn catalog_is_deterministic() {
    let a = serde_json::to_string(&generate_catalog(1, 2000)).unwrap();
    assert_eq!(
        a,
        serde_json::to_string(&generate_catalog(1, 2000)).unwrap()
    );
    assert_ne!(
        a,
        serde_json::to_string(&generate_catalog(2, 2000)).unwrap()
    );
    let later = generate_catalog_at(1, 50, DEMO_EPOCH_MILLIS + DAY_MS);
    assert_eq!(
        later[0].created_at.unwrap() - DAY_MS,
        generate_catalog(1, 50)[0].created_at.unwrap()
    );
}

#[test]
fn catalog_has_the_requested_size_and_only_valid_unique_products() {
    for n in [0, 1, 17, 250] {
        assert_eq!(generate_catalog(3, n).len(), n);
    }
    let (catalog, _) = shop();
    assert_eq!(catalog.len(), 2000);
    let mut ids = BTreeSet::new();
    for (i, p) in catalog.iter().enumerate() {
        assert_eq!(p.validate(Some(i)), vec![], "{}", p.id);
        assert!(ids.insert(p.id.as_str()), "duplicate id {}", p.id);
        assert_eq!(
            p.image_url.as_deref(),
            Some(format!("/demo/images/{}.svg", p.id).as_str())
        );
        assert_eq!(
            p.url.as_deref(),
            Some(format!("/demo/product/{}", p.id).as_str())
        );
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert!(p.brand.is_some() && !p.description.is_empty() && !p.tags.is_empty());
        let created = p.created_at.unwrap();
        assert!((DEMO_EPOCH_MILLIS - 365 * DAY_MS..=DEMO_EPOCH_MILLIS).contains(&created));
        assert!(p.updated_at.unwrap() >= created);
        let price = p.price.unwrap();
        assert!(price > 0.0);
        if let Some(sale) = p.sale_price {
            assert!(sale < price, "{}", p.id);
        }
        match p.availability {
            Availability::InStock => assert!(p.stock.unwrap() > 0),
            _ => assert_eq!(p.stock, Some(0)),
        }
    }
    let share = |f: &dyn Fn(&Product) -> bool| {
        catalog.iter().filter(|p| f(p)).count() as f64 / catalog.len() as f64
    };
    assert!((0.05..0.2).contains(&share(&|p| p.sale_price.is_some())));
    assert!((0.01..0.08).contains(&share(&|p| p.availability == Availability::OutOfStock)));
    assert!(share(&|p| is_food(p)) > 0.5, "food-heavy");
    let leaves: BTreeSet<_> = catalog.iter().map(|p| &p.categories[0]).collect();
    assert!(leaves.len() >= 30, "{} leaves", leaves.len());
}

#[test]
fn variants_share_a_group_and_differ_in_colour_or_size() {
    let (catalog, _) = shop();
    let mut groups: BTreeMap<&str, Vec<&Product>> = BTreeMap::new();
    for p in catalog {
        if let Some(g) = &p.group_id {
            groups.entry(g).or_default().push(p);
        }
    }
    let (mut apparel, mut packs) = (0, 0);
    for (g, members) in &groups {
        assert!(members.len() >= 2, "group {g} has one member");
        let first = members[0];
        let mut seen = BTreeSet::new();
        for m in members {
            assert_eq!(
                (&m.brand, &m.categories, m.created_at),
                (&first.brand, &first.categories, first.created_at)
            );
            let key = format!(
                "{:?}",
                ["colour", "size", "weight_g", "volume_ml", "count"].map(|a| attr(m, a))
            );
            assert!(seen.insert(key), "two identical variants in {g}");
        }
        if members
            .iter()
            .all(|m| attr(m, "colour").is_some() && attr(m, "size").is_some())
        {
            apparel += 1;
        }
        if members
            .iter()
            .all(|m| attr(m, "weight_g").is_some() || attr(m, "volume_ml").is_some())
        {
            packs += 1;
        }
    }
    assert!(
        apparel >= 10 && packs >= 10,
        "{apparel} apparel groups, {packs} pack groups"
    );
}

#[test]
fn allergens_match_titles_and_diets_match_allergens() {
    let (catalog, _) = shop();
    let implied = [
        ("Peanut", "peanuts"),
        ("Almond", "nuts"),
        ("Hazelnut", "nuts"),
        ("Walnut", "nuts"),
        ("Pistachio", "nuts"),
        ("Tahini", "sesame"),
        ("Prawns", "crustaceans"),
        ("Mussels", "molluscs"),
        ("Salmon", "fish"),
        ("Tuna", "fish"),
        ("Wine", "sulphites"),
        ("Mustard", "mustard"),
        ("Lupin", "lupin"),
    ];
    let mut unknown = 0;
    let mut food = 0;
    for p in catalog {
        if !is_food(p) {
            assert_eq!(p.allergens, Some(vec![]), "{}", p.title);
            assert!(p.diets.is_empty(), "{}", p.title);
            continue;
        }
        food += 1;
        let Some(allergens) = &p.allergens else {
            unknown += 1;
            assert!(p.diets.is_empty(), "no claims without a label: {}", p.title);
            continue;
        };
        for a in allergens {
            assert!(Allergen::parse(a).is_some(), "{a}");
        }
        for (word, allergen) in implied {
            if p.title.contains(word) {
                assert!(
                    allergens.iter().any(|a| a == allergen),
                    "{} lacks {allergen}",
                    p.title
                );
            }
        }
        for d in &p.diets {
            let diet = Diet::parse(d).expect("a known diet");
            for a in diet.forbidden_allergens() {
                assert!(
                    !allergens.iter().any(|x| x == a.as_str()),
                    "{} claims {d} but holds {}",
                    p.title,
                    a.as_str()
                );
            }
        }
        let has = |a: &str| allergens.iter().any(|x| x == a);
        if p.diets.iter().any(|d| d == "vegan") {
            assert!(
                !["milk", "eggs", "fish", "crustaceans", "molluscs"]
                    .iter()
                    .any(|a| has(a)),
                "{}",
                p.title
            );
            assert!(
                p.diets.iter().any(|d| d == "vegetarian"),
                "vegan implies vegetarian: {}",
                p.title
            );
        }
        if p.diets.iter().any(|d| d == "gluten-free") {
            assert!(!has("gluten"), "{}", p.title);
        }
        if p.title.contains("Gluten-Free") {
            assert!(!has("gluten"), "{}", p.title);
        }
    }
    let share = unknown as f64 / food as f64;
    assert!(
        (0.01..0.12).contains(&share),
        "unknown allergens on {share:.3} of food"
    );
    let all: BTreeSet<&str> = catalog
        .iter()
        .flat_map(|p| p.allergens.iter().flatten())
        .map(String::as_str)
        .collect();
    assert_eq!(all.len(), 14, "{all:?}");
    let diets: BTreeSet<&str> = catalog
        .iter()
        .flat_map(|p| &p.diets)
        .map(String::as_str)
        .collect();
    assert_eq!(diets.len(), 6, "{diets:?}");
}

#[test]
fn consumables_say_how_long_they_last() {
    let (catalog, _) = shop();
    for p in catalog {
        match attr(p, "consumable") {
            Some(AttrValue::Text(t)) if t == "true" => {
                assert!(
                    matches!(attr(p, "usage_days"), Some(AttrValue::Number(d)) if *d >= 1.0),
                    "{}",
                    p.title
                );
            }
            Some(AttrValue::Text(t)) if t == "false" => {
                assert!(attr(p, "usage_days").is_none(), "{}", p.title)
            }
            other => panic!("{}: consumable = {other:?}", p.title),
        }
        if is_food(p) {
            assert!(
                attr(p, "weight_g").is_some()
                    || attr(p, "volume_ml").is_some()
                    || attr(p, "count").is_some(),
                "{}",
                p.title
            );
        }
    }
}

#[test]
fn every_product_has_a_picture() {
    let (catalog, _) = shop();
    for p in catalog.iter().step_by(5) {
        let svg = render_product_svg(p);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg, render_product_svg(p));
    }
}

// ---------------------------------------------------------------------------------------------- simulation

#[test]
fn simulation_is_deterministic() {
    let catalog = generate_catalog(5, 400);
    let a = simulate(5, &catalog, 15, 20, DEFAULT_START_MILLIS);
    assert_eq!(a, simulate(5, &catalog, 15, 20, DEFAULT_START_MILLIS));
    assert_eq!(
        serde_json::to_string(&a.events).unwrap(),
        serde_json::to_string(&simulate(5, &catalog, 15, 20, DEFAULT_START_MILLIS).events).unwrap()
    );
    assert_ne!(
        a.events,
        simulate(6, &catalog, 15, 20, DEFAULT_START_MILLIS).events
    );
    assert_eq!(a.shoppers, generate_shoppers(5, &catalog, 15));
    assert!(
        simulate(5, &catalog, 0, 20, DEFAULT_START_MILLIS)
            .events
            .is_empty()
    );
    assert!(
        simulate(5, &catalog, 15, 0, DEFAULT_START_MILLIS)
            .events
            .is_empty()
    );
    assert!(
        simulate(5, &[], 15, 20, DEFAULT_START_MILLIS)
            .events
            .is_empty()
    );
}

#[test]
fn events_are_plentiful_and_of_every_kind() {
    let (_, sim) = shop();
    assert_eq!(sim.shoppers.len(), SIM_SHOPPERS);
    let counts = sim.counts_by_kind();
    for kind in [
        "view",
        "search",
        "click",
        "cart_add",
        "cart_remove",
        "purchase",
        "wishlist_add",
        "wishlist_remove",
        "hide",
    ] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} events: {counts:?}"
        );
    }
    // Tens of thousands at the default 300 shoppers means thousands here.
    assert!(sim.events.len() > 8_000, "{}", sim.events.len());
    assert!(counts["view"] > counts["cart_add"] && counts["cart_add"] > counts["purchase"]);
}

#[test]
fn events_are_ordered_unique_and_refer_to_real_products() {
    let (catalog, sim) = shop();
    let products = by_id(catalog);
    let end = DEFAULT_START_MILLIS + i64::from(SIM_DAYS) * DAY_MS;
    let mut ids = BTreeSet::new();
    let mut orders = BTreeSet::new();
    let mut previous = i64::MIN;
    for e in &sim.events {
        let t = e.timestamp.expect("every event is stamped");
        assert!(t >= previous, "out of order");
        previous = t;
        assert!((DEFAULT_START_MILLIS..end + DAY_MS).contains(&t));
        assert!(ids.insert(e.event_id.clone().expect("every event has an id")));
        assert!(e.session_id.is_some());
        let mut referenced: Vec<&str> = e.kind.product().map(|p| p.as_str()).into_iter().collect();
        match &e.kind {
            EventKind::Search { shown, query, .. } => {
                assert!(!query.is_empty());
                referenced.extend(shown.iter().map(|p| p.as_str()));
            }
            EventKind::Purchase { order_id, lines } => {
                assert!(orders.insert(order_id.clone()), "duplicate order id");
                assert!(!lines.is_empty());
                for l in lines {
                    referenced.push(l.product_id.as_str());
                    assert!(l.quantity >= 1);
                    assert_eq!(
                        l.unit_price,
                        products[l.product_id.as_str()].effective_price()
                    );
                }
            }
            _ => {}
        }
        for id in referenced {
            let p = products
                .get(id)
                .unwrap_or_else(|| panic!("unknown product {id}"));
            assert!(
                p.created_at.is_none_or(|c| c <= t),
                "{id} seen before it existed"
            );
        }
    }
}

#[test]
fn events_reparse_through_the_api_parser() {
    let (_, sim) = shop();
    for (i, e) in sim.events.iter().enumerate() {
        let raw = serde_json::to_value(e).unwrap();
        assert_eq!(Event::from_json(&raw, i).as_ref(), Ok(e), "event {i}");
    }
}

#[test]
fn sessions_split_at_thirty_minute_gaps() {
    let (_, sim) = shop();
    let mut last: BTreeMap<&str, &Event> = BTreeMap::new();
    let mut sessions = BTreeSet::new();
    for e in &sim.events {
        let session = e.session_id.as_ref().unwrap();
        assert!(session.as_str().starts_with(e.visitor_id.as_str()));
        if let Some(prev) = last.insert(e.visitor_id.as_str(), e) {
            let gap = e.time() - prev.time();
            let same = prev.session_id.as_ref() == Some(session);
            assert_eq!(same, gap < SESSION_GAP_MS, "{session}: gap of {gap} ms");
            if !same {
                assert!(
                    sessions.insert(session.clone()),
                    "session {session} resumed"
                );
            }
        } else {
            sessions.insert(session.clone());
        }
    }
    assert!(sessions.len() > sim.shoppers.len() * 5);
}

#[test]
fn customers_are_known_from_their_first_purchase() {
    let (_, sim) = shop();
    let mut bought: BTreeSet<&str> = BTreeSet::new();
    for e in &sim.events {
        let s = shopper_of(sim, e);
        if matches!(e.kind, EventKind::Purchase { .. }) {
            bought.insert(e.visitor_id.as_str());
        }
        let logged_in = s.customer_id.is_some() && bought.contains(e.visitor_id.as_str());
        assert_eq!(
            e.customer_id.as_ref(),
            if logged_in {
                s.customer_id.as_ref()
            } else {
                None
            }
        );
    }
    let registered = sim
        .shoppers
        .iter()
        .filter(|s| s.customer_id.is_some())
        .count() as f64;
    let share = registered / sim.shoppers.len() as f64;
    assert!((0.3..0.7).contains(&share), "{share}");
}

#[test]
fn nobody_buys_what_they_must_avoid_and_purchases_follow_taste() {
    let (catalog, sim) = shop();
    let products = by_id(catalog);
    let (mut lines, mut in_taste, mut bought_affinity) = (0, 0, 0.0);
    for e in &sim.events {
        let EventKind::Purchase { lines: ls, .. } = &e.kind else {
            continue;
        };
        let s = shopper_of(sim, e);
        for l in ls {
            let p = products[l.product_id.as_str()];
            for a in &s.tastes.avoids {
                assert!(
                    !p.allergens.iter().flatten().any(|x| x == a.as_str()),
                    "{} bought {} holding {}",
                    s.visitor_id,
                    p.title,
                    a.as_str()
                );
            }
            if is_food(p) {
                if !s.tastes.avoids.is_empty() {
                    assert!(
                        p.allergens.is_some(),
                        "allergic {} bought unlabelled {}",
                        s.visitor_id,
                        p.title
                    );
                }
                if let Some(d) = s.tastes.diet {
                    assert!(
                        p.diets.iter().any(|x| x == d.as_str()),
                        "{:?} shopper bought {}",
                        d,
                        p.title
                    );
                }
            }
            assert!(s.may_buy(p) && s.affinity(p) > 0.0);
            lines += 1;
            in_taste += usize::from(
                s.tastes
                    .categories
                    .iter()
                    .any(|(c, _)| *c == p.categories[0]),
            );
            bought_affinity += s.affinity(p);
        }
    }
    assert!(lines > 500, "{lines} order lines");
    assert!(
        in_taste as f64 / lines as f64 > 0.8,
        "purchases follow the hidden favourite categories"
    );
    let baseline: f64 = sim
        .shoppers
        .iter()
        .map(|s| {
            catalog
                .iter()
                .step_by(10)
                .map(|p| s.affinity(p))
                .sum::<f64>()
                / (catalog.len() / 10) as f64
        })
        .sum::<f64>()
        / sim.shoppers.len() as f64;
    assert!(
        bought_affinity / lines as f64 > 4.0 * baseline,
        "bought {:.3} vs baseline {baseline:.3}",
        bought_affinity / lines as f64
    );
    assert!(sim.shoppers.iter().any(|s| !s.tastes.avoids.is_empty()));
}

#[test]
fn consumables_are_bought_again_on_the_household_cycle() {
    let (catalog, sim) = shop();
    let products = by_id(catalog);
    let mut last: BTreeMap<(&str, &str), (i64, u32)> = BTreeMap::new();
    let mut ratios = Vec::new();
    for e in &sim.events {
        let EventKind::Purchase { lines, .. } = &e.kind else {
            continue;
        };
        let s = shopper_of(sim, e);
        for l in lines {
            let p = products[l.product_id.as_str()];
            let key = (e.visitor_id.as_str(), p.id.as_str());
            if let (Some((at, quantity)), Some(cycle)) = (last.get(&key), s.usage_cycle_days(p)) {
                let gap_days = (e.time() - at) as f64 / DAY_MS as f64;
                ratios.push(gap_days / (cycle * f64::from(*quantity)));
            }
            last.insert(key, (e.time(), l.quantity));
        }
    }
    assert!(ratios.len() > 300, "{} repeat purchases", ratios.len());
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    let (p10, p90) = (ratios[ratios.len() / 10], ratios[ratios.len() * 9 / 10]);
    assert!(
        (0.8..1.2).contains(&median),
        "median gap is {median:.2} cycles"
    );
    assert!(p10 > 0.4 && p90 < 2.0, "p10 {p10:.2}, p90 {p90:.2}");
}

#[test]
fn searches_come_from_wants_and_some_have_typos() {
    let (_, sim) = shop();
    let searches: Vec<(&String, usize)> = sim
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Search { query, shown, .. } => Some((query, shown.len())),
            _ => None,
        })
        .collect();
    let empty = searches.iter().filter(|(_, n)| *n == 0).count();
    assert!(searches.len() > 500);
    assert!(
        empty > 0 && (empty as f64) < 0.2 * searches.len() as f64,
        "{empty} of {} searches found nothing",
        searches.len()
    );
    assert!(searches.iter().all(|(q, _)| *q == &q.to_lowercase()));
}
