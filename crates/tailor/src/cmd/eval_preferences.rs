//! `tailor eval preferences`: a simulation. The demo generator's shoppers have hidden tastes
//! and state only some of them; the last days of their simulated shopping are held out. Each
//! shopper then gets a `for_you` box under four conditions: no personalization (a stranger's
//! view), behaviour only (their own history), stated preferences only (no history), and both.
//! Scored on the held-out purchases and views (`HR@10`: any of them in the top 10) and on the
//! hidden tastes themselves (`Taste@10`: share of the top 10 among the shopper's own best 5% of
//! the catalog by true affinity). Deterministic from the seed.
//!
//! Two more rows add filters: in a training session where the shopper looked at a product of a
//! favourite brand, or in a favourite colour, they had filtered that product's category page by
//! it first (a `search` event with an empty query and those filters). Their hidden tastes decide
//! what they would filter by; their own sessions decide when. The four rows above them are the
//! same events without those filters.

use clap::Args;
use std::collections::HashSet;
use tailor_demo::Shopper;
use tailor_engine::pipeline::RecRequest;
use tailor_engine::{ShopState, recommend};
use tailor_eval::{Report, Row};
use tailor_model::{AppliedFilters, AttrValue, Event, EventKind, Product};

#[derive(Args, Debug, Clone)]
pub struct PreferencesEvalArgs {
    /// Seed of the catalog, the shoppers and what they state.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Products in the generated catalog.
    #[arg(long, default_value_t = 2_000)]
    pub products: usize,
    /// Simulated shoppers.
    #[arg(long, default_value_t = 300)]
    pub shoppers: usize,
    /// Days simulated; the last `--test-days` are held out.
    #[arg(long, default_value_t = 42)]
    pub days: u32,
    /// Days held out.
    #[arg(long, default_value_t = 7)]
    pub test_days: u32,
}

/// Recommendations scored per shopper.
const K: usize = 10;
/// A product is to a shopper's taste when its true affinity is in their best share of the catalog.
const TASTE_SHARE: f64 = 0.05;

/// splitmix64: a tiny deterministic hash for what a shopper states.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What shopper `i` states: their hard constraints (an allergic shopper says so), the first of
/// their favourite categories, and with even odds their first favourite brand and colours.
/// The rest of their taste stays hidden.
pub fn statement(seed: u64, i: usize, s: &Shopper) -> serde_json::Value {
    let t = &s.tastes;
    let h = mix(seed ^ mix(i as u64));
    let mut v = serde_json::Map::new();
    if !t.avoids.is_empty() {
        v.insert(
            "exclude_allergens".into(),
            serde_json::json!(t.avoids.iter().map(|a| a.as_str()).collect::<Vec<_>>()),
        );
    }
    if let Some(d) = t.diet {
        v.insert("diets".into(), serde_json::json!([d.as_str()]));
    }
    if let Some((path, _)) = t.categories.first() {
        v.insert(
            "liked_categories".into(),
            serde_json::json!([path.join(" > ")]),
        );
    }
    if h & 1 == 1
        && let Some(b) = t.brands.first()
    {
        v.insert("favorite_brands".into(), serde_json::json!([b]));
    }
    if h & 2 == 2 && !t.colours.is_empty() {
        v.insert("colors".into(), serde_json::json!(t.colours));
    }
    serde_json::Value::Object(v)
}

/// The filtered category pages of the simulated shoppers (see the module doc): before a view,
/// from a listing, of a product of a favourite brand or colour, once per session and filter.
pub fn filter_events(
    sim: &tailor_demo::Simulation,
    catalog: &[Product],
    cut: tailor_model::Millis,
) -> Vec<Event> {
    let by_id: std::collections::HashMap<&str, &Product> =
        catalog.iter().map(|p| (p.id.as_str(), p)).collect();
    let tastes: std::collections::HashMap<&str, &Shopper> = sim
        .shoppers
        .iter()
        .map(|s| (s.visitor_id.as_str(), s))
        .collect();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    // The visitor's previous event: a view right after a click came from a search result, not
    // from a category page, and is left alone.
    let mut prev: std::collections::HashMap<&str, &EventKind> = std::collections::HashMap::new();
    for e in sim.events.iter().filter(|e| e.time() < cut) {
        let from_search = matches!(
            prev.insert(e.visitor_id.as_str(), &e.kind),
            Some(EventKind::Click { .. })
        );
        let (EventKind::View { product_id }, false, Some(s), Some(session)) = (
            &e.kind,
            from_search,
            tastes.get(e.visitor_id.as_str()),
            e.session_id.as_ref(),
        ) else {
            continue;
        };
        let Some(p) = by_id.get(product_id.as_str()) else {
            continue;
        };
        let mut f = AppliedFilters::default();
        if let Some(b) = p.brand.as_ref().filter(|b| s.tastes.brands.contains(b)) {
            f.brands.push(b.clone());
        }
        if let Some(AttrValue::Text(c)) = p.attributes.get("colour")
            && s.tastes.colours.iter().any(|x| x.eq_ignore_ascii_case(c))
        {
            f.colors.push(c.clone());
        }
        let Some(path) = p.categories.first().filter(|_| !f.is_empty()) else {
            continue;
        };
        f.categories.push(path.join(" > "));
        let key = format!("{f:?}");
        if !seen.insert((session.as_str().to_string(), key)) {
            continue;
        }
        let mut ev = e.clone();
        ev.event_id = ev.event_id.map(|id| format!("{id}-filter"));
        // Just before the view: the shopper filtered the page, then opened the product.
        ev.timestamp = Some(e.time() - 1);
        ev.kind = EventKind::Search {
            query: String::new(),
            shown: vec![product_id.clone()],
            filters: f,
        };
        out.push(ev);
    }
    out
}

pub fn run(a: &PreferencesEvalArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(a.test_days < a.days, "--test-days must be below --days");
    let catalog: Vec<Product> = tailor_demo::generate_catalog(a.seed, a.products);
    let sim = tailor_demo::simulate(
        a.seed,
        &catalog,
        a.shoppers,
        a.days,
        tailor_demo::DEFAULT_START_MILLIS,
    );
    let cut = tailor_demo::DEFAULT_START_MILLIS + i64::from(a.days - a.test_days) * 86_400_000;
    let filters = filter_events(&sim, &catalog, cut);
    let load = |with_filters: bool| {
        let mut st = ShopState::new(tailor_engine::state::DEFAULT_SESSION_GAP_MS);
        for p in &catalog {
            st.upsert_product(p.clone());
        }
        let mut train: Vec<&tailor_model::Event> =
            sim.events.iter().filter(|e| e.time() < cut).collect();
        if with_filters {
            train.extend(&filters);
            train.sort_by_key(|e| e.time());
        }
        for e in &train {
            let mut e = (*e).clone();
            st.prepare(&mut e);
            st.apply(&e);
        }
        (st, train.len())
    };
    let (plain, train) = load(false);
    let (filtered, _) = load(true);
    let now = cut;
    let names = [
        "none",
        "behaviour",
        "stated",
        "both",
        "behaviour+filters",
        "both+filters",
    ];
    let mut hits = [0usize; 6];
    let mut taste = [0f64; 6];
    let mut scored = 0usize;
    for (i, s) in sim.shoppers.iter().enumerate() {
        let future: HashSet<&str> = sim
            .events
            .iter()
            .filter(|e| e.time() >= cut && e.visitor_id == s.visitor_id)
            .filter_map(|e| match &e.kind {
                EventKind::View { product_id } | EventKind::CartAdd { product_id, .. } => {
                    Some(product_id.as_str())
                }
                _ => None,
            })
            .chain(
                sim.events
                    .iter()
                    .filter(|e| e.time() >= cut && e.visitor_id == s.visitor_id)
                    .flat_map(|e| match &e.kind {
                        EventKind::Purchase { lines, .. } => {
                            lines.iter().map(|l| l.product_id.as_str()).collect()
                        }
                        _ => Vec::new(),
                    }),
            )
            .collect();
        if future.is_empty() {
            continue;
        }
        scored += 1;
        let mut aff: Vec<f64> = catalog.iter().map(|p| s.affinity(p)).collect();
        aff.sort_by(|x, y| y.total_cmp(x));
        let bar = aff[((catalog.len() as f64 * TASTE_SHARE) as usize).min(aff.len() - 1)];
        let stated = statement(a.seed, i, s);
        for (c, name) in names.iter().enumerate() {
            let own = *name != "none" && *name != "stated";
            let says = name.starts_with("stated") || name.starts_with("both");
            let st = if name.ends_with("+filters") {
                &filtered
            } else {
                &plain
            };
            let visitor = if own {
                s.visitor_id.as_str().to_string()
            } else {
                format!("stranger-{i}")
            };
            let mut body = serde_json::json!({
                "visitor_id": visitor,
                "boxes": [{"name": "r", "preset": "for_you", "count": K}],
            });
            if says {
                body["preferences"] = stated.clone();
            }
            let req = RecRequest::parse(&body, &st.catalog).map_err(|e| anyhow::anyhow!("{e}"))?;
            let out = recommend(st, &req, now);
            let items: Vec<&Product> = out[0]
                .items
                .iter()
                .filter_map(|r| st.catalog.product(r.item).map(|p| p.as_ref()))
                .collect();
            hits[c] += usize::from(items.iter().any(|p| future.contains(p.id.as_str())));
            taste[c] += items.iter().filter(|p| s.affinity(p) >= bar).count() as f64 / K as f64;
        }
    }
    anyhow::ensure!(scored > 0, "no shopper came back in the held-out days");
    let mut report = Report::new("eval preferences (simulation)", "generated demo shop");
    for (c, name) in names.iter().enumerate() {
        report.rows.push(
            Row::new(*name)
                .metric("HR@10", hits[c] as f64 / scored as f64)
                .metric("Taste@10", taste[c] / scored as f64),
        );
    }
    report.notes.push(format!(
        "a simulation, not real shoppers: seed {}, {} products, {} shoppers over {} days; the last {} days held out ({} shoppers came back and are scored); {} training events",
        a.seed, a.products, a.shoppers, a.days, a.test_days, scored, train
    ));
    report.notes.push(format!(
        "+filters: the same events plus {} filtered category pages (a favourite brand or colour the shopper then viewed a product of, once per session)",
        filters.len()
    ));
    report.notes.push(
        "stated: hard constraints, the first favourite category, and with even odds the first favourite brand and the colours; none: a stranger's for_you box; HR@10: any held-out view, cart or purchase in the top 10; Taste@10: share of the top 10 in the shopper's best 5% by hidden affinity"
            .into(),
    );
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_come_from_hidden_tastes_before_listing_views_once_per_session() {
        let catalog = tailor_demo::generate_catalog(3, 300);
        let start = tailor_demo::DEFAULT_START_MILLIS;
        let sim = tailor_demo::simulate(3, &catalog, 20, 10, start);
        let cut = start + 7 * 86_400_000;
        let evs = filter_events(&sim, &catalog, cut);
        assert!(!evs.is_empty());
        assert_eq!(evs, filter_events(&sim, &catalog, cut), "deterministic");
        let by_id: std::collections::HashMap<&str, &Product> =
            catalog.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut once = HashSet::new();
        for e in &evs {
            assert!(e.time() < cut);
            let s = sim
                .shoppers
                .iter()
                .find(|s| s.visitor_id == e.visitor_id)
                .unwrap();
            let EventKind::Search {
                query,
                shown,
                filters,
            } = &e.kind
            else {
                panic!("{e:?}")
            };
            assert!(query.is_empty());
            assert_eq!(filters.categories.len(), 1);
            assert!(filters.brands.iter().all(|b| s.tastes.brands.contains(b)));
            assert!(
                filters.colors.iter().all(|c| s
                    .tastes
                    .colours
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(c)))
            );
            assert!(!filters.brands.is_empty() || !filters.colors.is_empty());
            // The product viewed next passes the filter.
            let p = by_id[shown[0].as_str()];
            assert!(filters.brands.iter().all(|b| p.brand.as_ref() == Some(b)));
            assert!(once.insert((e.session_id.clone(), format!("{filters:?}"))));
        }
    }
}
