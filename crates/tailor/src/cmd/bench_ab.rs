//! `tailor bench ab`: an A/B test on a simulation. A child `tailor serve` gets the demo catalog
//! and a simulated history (the demo generator's shoppers), then an experiment of personalized
//! against popular recommendations. Each simulated shopper visits a few times, sees a "for you"
//! box, and clicks and buys from it by their hidden taste (`Shopper::affinity`); the server
//! assigns the arms, logs the exposures and computes the results. The uplift is a property of
//! this simulation's response model, not a forecast for a real shop.

use super::bench_serve::Server;
use clap::Args;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use tailor_eval::{Report, Row};
use tailor_model::now_millis;

#[derive(Args, Debug, Clone)]
pub struct AbArgs {
    /// Products in the generated catalog.
    #[arg(long, default_value_t = 600)]
    pub products: usize,
    /// Simulated shoppers (each one unit of the experiment).
    #[arg(long, default_value_t = 2000)]
    pub shoppers: usize,
    /// Days of simulated history before the experiment starts.
    #[arg(long, default_value_t = 14)]
    pub days: u32,
    /// Experiment visits per shopper.
    #[arg(long, default_value_t = 3)]
    pub visits: usize,
    /// Seed of the catalog, the history and the shoppers' choices.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// How likely a shopper clicks an item of utility `a` shown at 0-based `pos`: saturating in
/// the utility, halving about every four positions down the box.
fn click_probability(a: f64, pos: usize) -> f64 {
    0.35 * (a / (a + 1.0)) / (1.0 + 0.25 * pos as f64)
}

/// How likely a click ends in a purchase: most likely for a favourite.
fn buy_probability(a: f64) -> f64 {
    0.5 * (a / (a + 1.5))
}

async fn post(client: &reqwest::Client, url: &str, body: &Value) -> anyhow::Result<Value> {
    let resp = client.post(url).json(body).send().await?;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "{url}: {status} {v}");
    Ok(v)
}

pub fn run(a: AbArgs) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let server = Server::start(dir.path(), "process")?;
    let base = format!("http://{}", server.addr);
    let rt = tokio::runtime::Runtime::new()?;
    let catalog = tailor_demo::generate_catalog(a.seed, a.products);
    let start = now_millis() - i64::from(a.days) * 86_400_000;
    let sim = tailor_demo::simulate(a.seed, &catalog, a.shoppers, a.days, start);
    let by_id: std::collections::HashMap<&str, &tailor_model::Product> =
        catalog.iter().map(|p| (p.id.as_str(), p)).collect();
    let out = rt.block_on(async {
        let client = reqwest::Client::new();
        for chunk in catalog.chunks(1000) {
            post(&client, &format!("{base}/v1/products"), &json!(chunk)).await?;
        }
        for chunk in sim.events.chunks(2000) {
            post(&client, &format!("{base}/v1/events"), &json!({"events": chunk})).await?;
        }
        let id = format!("ab-{}", a.seed);
        post(
            &client,
            &format!("{base}/v1/experiments"),
            &json!({"id": id, "salt": format!("sim-{}", a.seed), "surfaces": ["recommendations"],
                    "arms": [{"name": "popular", "strategy": "popular"},
                             {"name": "personalized", "strategy": "personalized"}]}),
        )
        .await?;
        let mut rng = StdRng::seed_from_u64(a.seed ^ 0xab);
        let (mut served, mut clicks, mut orders) = (0u64, 0u64, 0u64);
        for visit in 0..a.visits {
            for (i, s) in sim.shoppers.iter().enumerate() {
                let r = post(
                    &client,
                    &format!("{base}/v1/recommendations"),
                    &json!({"visitor_id": s.visitor_id,
                            "boxes": [{"name": "home", "preset": "for_you", "count": 10}]}),
                )
                .await?;
                served += 1;
                let mut events = Vec::new();
                let t = now_millis();
                for (pos, item) in r["boxes"][0]["items"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let Some(p) = item["product_id"].as_str().and_then(|id| by_id.get(id)) else {
                        continue;
                    };
                    let utility = if s.may_buy(p) { s.affinity(p) } else { 0.0 };
                    if !rng.random_bool(click_probability(utility, pos).clamp(0.0, 1.0)) {
                        continue;
                    }
                    clicks += 1;
                    let code = item["tracking"].as_str().unwrap_or_default();
                    let request_id = code.rsplit_once(':').map_or(code, |x| x.0);
                    events.push(json!({"type": "click", "visitor_id": s.visitor_id, "product_id": p.id,
                                       "request_id": request_id, "position": pos, "timestamp": t}));
                    if rng.random_bool(buy_probability(utility).clamp(0.0, 1.0)) {
                        orders += 1;
                        let price = p.effective_price().unwrap_or(0.0);
                        events.push(json!({"type": "cart_add", "visitor_id": s.visitor_id, "product_id": p.id,
                                           "quantity": 1, "timestamp": t + 1}));
                        events.push(json!({"type": "purchase", "visitor_id": s.visitor_id,
                                           "order_id": format!("ab-{visit}-{i}-{pos}"), "timestamp": t + 2,
                                           "lines": [{"product_id": p.id, "quantity": 1, "unit_price": price}]}));
                    }
                }
                if !events.is_empty() {
                    post(&client, &format!("{base}/v1/events"), &json!({"events": events})).await?;
                }
            }
        }
        let results: Value = client
            .get(format!("{base}/v1/experiments/{id}/results?seed={}", a.seed))
            .send()
            .await?
            .json()
            .await?;
        anyhow::Ok((results, served, clicks, orders))
    })?;
    drop(server);
    let (results, served, clicks, orders) = out;
    let mut report = Report::new(
        "ab-simulation",
        format!(
            "SIMULATION: demo catalog of {} products, {} simulated shoppers, {} days of history, {} visits each (seed {})",
            a.products, a.shoppers, a.days, a.visits, a.seed
        ),
    );
    let num = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let pair = |v: &Value, i: usize| v.get(i).map_or(f64::NAN, num);
    for arm in results["arms"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        report.rows.push(
            Row::new(arm["arm"].as_str().unwrap_or("?"))
                .metric("shoppers", num(&arm["units"]))
                .metric("converted", num(&arm["converted"]))
                .metric("conversion", num(&arm["conversion_rate"]))
                .metric("conv_lo95", pair(&arm["conversion_interval"], 0))
                .metric("conv_hi95", pair(&arm["conversion_interval"], 1))
                .metric("revenue_per_shopper", num(&arm["revenue_per_unit"]))
                .metric("rps_lo95", pair(&arm["revenue_per_unit_interval"], 0))
                .metric("rps_hi95", pair(&arm["revenue_per_unit_interval"], 1)),
        );
    }
    if let Some(c) = results["comparisons"].get(0) {
        report.rows.push(
            Row::new("personalized vs popular")
                .metric("conversion_lift", num(&c["conversion_lift"]))
                .metric("diff_lo95", pair(&c["conversion_difference_interval"], 0))
                .metric("diff_hi95", pair(&c["conversion_difference_interval"], 1))
                .metric("p_value", num(&c["p_value"]))
                .metric("rps_difference", num(&c["revenue_per_unit_difference"]))
                .metric(
                    "rps_diff_lo95",
                    pair(&c["revenue_per_unit_difference_interval"], 0),
                )
                .metric(
                    "rps_diff_hi95",
                    pair(&c["revenue_per_unit_difference_interval"], 1),
                )
                .metric("revenue_p_value", num(&c["revenue_p_value"])),
        );
        report
            .notes
            .push(format!("verdict: {}", c["verdict"].as_str().unwrap_or("?")));
    }
    report.notes.push(format!(
        "this is a simulation: shoppers click with p = 0.35*a/(a+1)/(1+0.25*position) and buy a click with p = 0.5*a/(a+1.5), a = their hidden affinity; {served} boxes served, {clicks} clicks, {orders} orders"
    ));
    report.notes.push(format!(
        "tests: {}; {}; sample size per arm for a 10% relative change: {}",
        results["tests"]["conversion"].as_str().unwrap_or("?"),
        results["tests"]["revenue"].as_str().unwrap_or("?"),
        results["sample_size"]["per_arm"]
    ));
    Ok(report)
}
