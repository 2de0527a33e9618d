//! A/B tests: experiments that split shoppers between arms by hashing their id with a salt.
//! An arm is a strategy for the pipeline (`personalized`, `popular`, `rules_only`) or a
//! parameter set (`personalize`, `rules`). The unit is the shopper: the customer once known,
//! else the visitor. Assignment is a pure function of salt and id, so it holds across sessions
//! and restarts; a visitor's arm is carried to the customer at login (see `analytics.rs`), so it
//! survives login too. Results are computed by [`results`] from the per-unit outcomes analytics
//! keeps.

use crate::rules::Surface;
use crate::stats;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tailor_model::FieldError;

/// Most arms in one experiment.
pub const MAX_ARMS: usize = 10;
/// Bootstrap resamples for revenue.
pub const BOOTSTRAP_ROUNDS: usize = 2000;
/// The relative change of conversion a sample-size estimate is for.
pub const PLANNED_LIFT: f64 = 0.10;
/// Fewest units per arm before any verdict is given.
pub const MIN_UNITS: u64 = 100;

/// What an arm changes in the pipeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Treatment {
    /// Personal candidates and ranking (false: popularity only; hard constraints still hold).
    pub personalize: bool,
    /// Merchandising rules apply.
    pub rules: bool,
}

/// One arm.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// Its name, unique in the experiment.
    pub name: String,
    /// Relative share of units.
    pub weight: u32,
    /// What it does.
    pub treatment: Treatment,
}

/// One experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    /// Unique within the shop.
    pub id: String,
    /// Mixed into the hash, so two experiments split independently.
    pub salt: String,
    /// Only a running experiment assigns.
    pub running: bool,
    /// Where it applies.
    pub surfaces: Vec<Surface>,
    /// The arms; the first is the control.
    pub arms: Vec<Arm>,
    /// As given, normalised.
    pub json: Value,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError::new(None, field, reason)
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// FNV-1a, then SplitMix64's finaliser: stable across versions and platforms (unlike std's
/// hasher), and well mixed in its high bits.
pub fn unit_hash(salt: &str, unit: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in salt.bytes().chain([0u8]).chain(unit.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

impl Experiment {
    /// Parses an experiment; `id` is used when the body has none. Errors name the field.
    pub fn parse(v: &Value, id: Option<&str>) -> Result<Self, FieldError> {
        let o = v
            .as_object()
            .ok_or_else(|| err("body", "must be a JSON object"))?;
        for k in o.keys() {
            if !["id", "name", "salt", "status", "surfaces", "arms"].contains(&k.as_str()) {
                return Err(err(
                    k,
                    "unknown field; use id, name, salt, status, surfaces or arms",
                ));
            }
        }
        let id = match (o.get("id"), id) {
            (Some(Value::String(s)), Some(p)) if s != p => {
                return Err(err("id", "differs from the id in the path"));
            }
            (Some(Value::String(s)), _) => s.clone(),
            (None | Some(Value::Null), Some(p)) => p.to_string(),
            (None | Some(Value::Null), None) => return Err(err("id", "is required")),
            (Some(_), _) => return Err(err("id", "must be a string")),
        };
        if !valid_name(&id) {
            return Err(err(
                "id",
                "must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or '.'",
            ));
        }
        let name = match o.get("name") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) if s.len() <= 200 => s.clone(),
            _ => return Err(err("name", "must be a string of at most 200 bytes")),
        };
        let salt = match o.get("salt") {
            None | Some(Value::Null) => id.clone(),
            Some(Value::String(s)) if !s.is_empty() && s.len() <= 200 => s.clone(),
            _ => return Err(err("salt", "must be a string of 1 to 200 bytes")),
        };
        let running = match o.get("status").and_then(Value::as_str) {
            None if o.get("status").is_none_or(Value::is_null) => true,
            Some("running") => true,
            Some("stopped") => false,
            _ => return Err(err("status", "must be running or stopped")),
        };
        let surfaces = match o.get("surfaces") {
            None | Some(Value::Null) => vec![Surface::Recommendations],
            Some(Value::Array(a)) if !a.is_empty() => {
                let mut out = Vec::new();
                for (i, s) in a.iter().enumerate() {
                    let s = match s.as_str() {
                        Some("recommendations") => Surface::Recommendations,
                        Some("search") => Surface::Search,
                        Some("browse") => Surface::Browse,
                        _ => {
                            return Err(err(
                                format!("surfaces[{i}]"),
                                "must be recommendations, search or browse",
                            ));
                        }
                    };
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                out
            }
            _ => return Err(err("surfaces", "must be a non-empty list")),
        };
        let list = o
            .get("arms")
            .and_then(Value::as_array)
            .filter(|a| (2..=MAX_ARMS).contains(&a.len()))
            .ok_or_else(|| err("arms", format!("must be a list of 2 to {MAX_ARMS} arms")))?;
        let mut arms: Vec<Arm> = Vec::new();
        for (i, a) in list.iter().enumerate() {
            let p = format!("arms[{i}]");
            let a = a.as_object().ok_or_else(|| err(&p, "must be an object"))?;
            for k in a.keys() {
                if !["name", "weight", "strategy", "params"].contains(&k.as_str()) {
                    return Err(err(
                        format!("{p}.{k}"),
                        "unknown field; use name, weight, strategy or params",
                    ));
                }
            }
            let name = a
                .get("name")
                .and_then(Value::as_str)
                .filter(|n| valid_name(n))
                .ok_or_else(|| {
                    err(
                        format!("{p}.name"),
                        "must be 1 to 64 characters of A-Z, a-z, 0-9, '-', '_' or '.'",
                    )
                })?
                .to_string();
            if arms.iter().any(|x| x.name == name) {
                return Err(err(format!("{p}.name"), "is used by another arm"));
            }
            let weight = match a.get("weight") {
                None | Some(Value::Null) => 1,
                Some(w) => w
                    .as_u64()
                    .filter(|w| (1..=1000).contains(w))
                    .ok_or_else(|| {
                        err(format!("{p}.weight"), "must be an integer from 1 to 1000")
                    })? as u32,
            };
            let treatment = match (a.get("strategy"), a.get("params")) {
                (Some(s), None) => match s.as_str() {
                    Some("personalized") => Treatment {
                        personalize: true,
                        rules: true,
                    },
                    Some("popular") => Treatment {
                        personalize: false,
                        rules: false,
                    },
                    Some("rules_only") => Treatment {
                        personalize: false,
                        rules: true,
                    },
                    _ => {
                        return Err(err(
                            format!("{p}.strategy"),
                            "must be personalized, popular or rules_only",
                        ));
                    }
                },
                (None, Some(Value::Object(params))) => {
                    let mut t = Treatment {
                        personalize: true,
                        rules: true,
                    };
                    for (k, v) in params {
                        let b = v.as_bool().ok_or_else(|| {
                            err(format!("{p}.params.{k}"), "must be true or false")
                        })?;
                        match k.as_str() {
                            "personalize" => t.personalize = b,
                            "rules" => t.rules = b,
                            _ => {
                                return Err(err(
                                    format!("{p}.params.{k}"),
                                    "unknown parameter; use personalize or rules",
                                ));
                            }
                        }
                    }
                    t
                }
                (None, Some(_)) => {
                    return Err(err(format!("{p}.params"), "must be an object"));
                }
                _ => {
                    return Err(err(
                        format!("{p}.strategy"),
                        "give either a strategy or params",
                    ));
                }
            };
            arms.push(Arm {
                name,
                weight,
                treatment,
            });
        }
        let mut json = Map::new();
        json.insert("id".into(), json!(id));
        json.insert("name".into(), json!(name));
        json.insert("salt".into(), json!(salt));
        json.insert(
            "status".into(),
            json!(if running { "running" } else { "stopped" }),
        );
        json.insert(
            "surfaces".into(),
            surfaces.iter().map(|s| json!(s.name())).collect(),
        );
        json.insert("arms".into(), Value::Array(list.clone()));
        Ok(Self {
            id,
            salt,
            running,
            surfaces,
            arms,
            json: Value::Object(json),
        })
    }

    /// The arm a unit (`c:CUSTOMER` or `v:VISITOR`) falls in by hash.
    pub fn hashed_arm(&self, unit: &str) -> usize {
        let total: u64 = self.arms.iter().map(|a| u64::from(a.weight)).sum();
        let mut x = unit_hash(&self.salt, unit) % total.max(1);
        for (i, a) in self.arms.iter().enumerate() {
            if x < u64::from(a.weight) {
                return i;
            }
            x -= u64::from(a.weight);
        }
        self.arms.len() - 1
    }
}

/// A shop's experiments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExperimentSet {
    list: Vec<Arc<Experiment>>,
}

impl ExperimentSet {
    /// Reads the stored list.
    pub fn from_json(v: &Value) -> Result<Self, FieldError> {
        let list = v
            .as_array()
            .ok_or_else(|| err("experiments", "must be a list"))?;
        let mut out = Vec::new();
        for (i, e) in list.iter().enumerate() {
            out.push(Arc::new(Experiment::parse(e, None).map_err(|e| {
                err(format!("experiments[{i}].{}", e.field), e.reason.clone())
            })?));
        }
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Self { list: out })
    }

    /// The list as stored.
    pub fn to_json(&self) -> Value {
        Value::Array(self.list.iter().map(|e| e.json.clone()).collect())
    }

    /// Every experiment, by id.
    pub fn iter(&self) -> impl Iterator<Item = &Experiment> {
        self.list.iter().map(|e| e.as_ref())
    }

    /// One experiment.
    pub fn get(&self, id: &str) -> Option<&Experiment> {
        self.iter().find(|e| e.id == id)
    }

    /// The running experiment on a surface (at most one runs per surface).
    pub fn running_on(&self, s: Surface) -> Option<&Experiment> {
        self.iter().find(|e| e.running && e.surfaces.contains(&s))
    }

    /// The running experiment other than `id` that shares a surface with `e`, if any.
    pub fn clash(&self, e: &Experiment) -> Option<&Experiment> {
        if !e.running {
            return None;
        }
        self.iter().find(|o| {
            o.id != e.id && o.running && o.surfaces.iter().any(|s| e.surfaces.contains(s))
        })
    }

    /// The set with `e` added or replacing its namesake.
    pub fn with(&self, e: Experiment) -> Self {
        let mut list: Vec<Arc<Experiment>> =
            self.list.iter().filter(|x| x.id != e.id).cloned().collect();
        list.push(Arc::new(e));
        list.sort_by(|a, b| a.id.cmp(&b.id));
        Self { list }
    }

    /// The set without `id`.
    pub fn without(&self, id: &str) -> Self {
        Self {
            list: self.list.iter().filter(|x| x.id != id).cloned().collect(),
        }
    }
}

/// One unit's outcome in one experiment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    /// Arm index.
    pub arm: usize,
    /// Orders placed after the first exposure.
    pub orders: u32,
    /// Their revenue.
    pub revenue: f64,
}

/// The results of an experiment, as JSON: per arm units, conversion (Wilson interval), revenue
/// per unit (bootstrap interval), and for each arm against the control (the first arm) the
/// z-test, the bootstrap of the revenue difference, the sample size needed, and a verdict that
/// claims significance only when the test shows it.
pub fn results(e: &Experiment, outcomes: &[Outcome], seed: u64) -> Value {
    let n = e.arms.len();
    let mut units = vec![0u64; n];
    let mut converted = vec![0u64; n];
    let mut revenue: Vec<Vec<f64>> = vec![Vec::new(); n];
    for o in outcomes.iter().filter(|o| o.arm < n) {
        units[o.arm] += 1;
        converted[o.arm] += u64::from(o.orders > 0);
        revenue[o.arm].push(o.revenue);
    }
    let rate = |i: usize| {
        if units[i] == 0 {
            Value::Null
        } else {
            json!(converted[i] as f64 / units[i] as f64)
        }
    };
    let arms: Vec<Value> = (0..n)
        .map(|i| {
            let (lo, hi) = stats::wilson(converted[i], units[i]);
            let rpv = if units[i] == 0 {
                Value::Null
            } else {
                json!(revenue[i].iter().sum::<f64>() / units[i] as f64)
            };
            let rpv_ci = stats::bootstrap_mean(&revenue[i], BOOTSTRAP_ROUNDS, seed ^ i as u64)
                .map(|(a, b)| json!([a, b]))
                .unwrap_or(Value::Null);
            json!({
                "arm": e.arms[i].name, "units": units[i], "converted": converted[i],
                "conversion_rate": rate(i),
                "conversion_interval": if units[i] == 0 { Value::Null } else { json!([lo, hi]) },
                "revenue": revenue[i].iter().sum::<f64>(),
                "revenue_per_unit": rpv, "revenue_per_unit_interval": rpv_ci,
            })
        })
        .collect();
    let base = converted[0] as f64 / units[0].max(1) as f64;
    let needed = stats::sample_size(base, PLANNED_LIFT);
    let comparisons: Vec<Value> = (1..n)
        .map(|i| {
            let z = stats::two_proportion(converted[0], units[0], converted[i], units[i]);
            let b = stats::bootstrap_diff(&revenue[0], &revenue[i], BOOTSTRAP_ROUNDS, seed.wrapping_add(i as u64));
            let enough = units[0].min(units[i]) >= MIN_UNITS;
            let planned = needed.is_some_and(|m| units[0].min(units[i]) >= m);
            let p_text = |p: f64| if p < 1e-4 { "p < 0.0001".to_string() } else { format!("p = {p:.4}") };
            let verdict = match (enough, z) {
                (false, _) => format!(
                    "not enough data: at least {MIN_UNITS} shoppers per arm are needed before any verdict"
                ),
                (true, None) => "no conversions to compare yet".to_string(),
                (true, Some(t)) if t.p_value < 0.05 && planned => format!(
                    "conversion differs at the 5% level ({})",
                    p_text(t.p_value)
                ),
                (true, Some(t)) if t.p_value < 0.05 => format!(
                    "{} is below 0.05, but the planned sample size is not reached: repeated looks inflate false positives, so treat it as provisional",
                    p_text(t.p_value)
                ),
                (true, Some(t)) => format!(
                    "no significant difference in conversion ({}); the interval of the difference includes 0",
                    p_text(t.p_value)
                ),
            };
            let lift = if base > 0.0 && units[i] > 0 {
                json!(converted[i] as f64 / units[i] as f64 / base - 1.0)
            } else {
                Value::Null
            };
            json!({
                "arm": e.arms[i].name, "control": e.arms[0].name,
                "conversion_lift": lift,
                "conversion_difference": z.map(|_| json!(converted[i] as f64 / units[i] as f64 - base)),
                "conversion_difference_interval": z.map(|t| json!([t.diff_interval.0, t.diff_interval.1])),
                "z": z.map(|t| t.z), "p_value": z.map(|t| t.p_value),
                "significant": z.is_some_and(|t| t.p_value < 0.05) && enough,
                "revenue_per_unit_difference": b.map(|b| b.diff),
                "revenue_per_unit_difference_interval": b.map(|b| json!([b.interval.0, b.interval.1])),
                "revenue_p_value": b.map(|b| b.p_value),
                "revenue_significant": b.is_some_and(|b| b.interval.0 > 0.0 || b.interval.1 < 0.0) && enough,
                "verdict": verdict,
            })
        })
        .collect();
    json!({
        "experiment": e.id,
        "unit": "shopper (customer once known, else visitor), counted from the first list served under the experiment",
        "arms": arms,
        "comparisons": comparisons,
        "tests": {
            "conversion": "two-sided two-proportion z-test (pooled), 95% Wilson intervals per arm",
            "revenue": format!("percentile bootstrap of the difference of means, {BOOTSTRAP_ROUNDS} resamples, seed {seed}"),
        },
        "sample_size": {
            "per_arm": needed,
            "for": format!("a {:.0}% relative change of the control's conversion rate, two-sided 5% test, 80% power", PLANNED_LIFT * 100.0),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(v: Value) -> Experiment {
        Experiment::parse(&v, None).unwrap()
    }

    #[test]
    fn parse_names_fields() {
        let bad = |v: Value| Experiment::parse(&v, None).unwrap_err().field;
        assert_eq!(bad(json!({"arms": []})), "id");
        assert_eq!(
            bad(json!({"id": "e", "arms": [{"name": "a", "strategy": "personalized"}]})),
            "arms"
        );
        assert_eq!(
            bad(
                json!({"id": "e", "arms": [{"name": "a", "strategy": "x"}, {"name": "b", "strategy": "popular"}]})
            ),
            "arms[0].strategy"
        );
        assert_eq!(
            bad(
                json!({"id": "e", "arms": [{"name": "a", "strategy": "popular"}, {"name": "a", "strategy": "popular"}]})
            ),
            "arms[1].name"
        );
        assert_eq!(
            bad(
                json!({"id": "e", "arms": [{"name": "a", "params": {"colour": true}}, {"name": "b", "strategy": "popular"}]})
            ),
            "arms[0].params.colour"
        );
        assert_eq!(
            bad(
                json!({"id": "e", "surfaces": ["email"], "arms": [{"name": "a", "strategy": "popular"}, {"name": "b", "strategy": "popular"}]})
            ),
            "surfaces[0]"
        );
    }

    #[test]
    fn split_is_deterministic_and_follows_weights() {
        let e = exp(
            json!({"id": "e", "arms": [{"name": "a", "strategy": "personalized", "weight": 3},
                                               {"name": "b", "strategy": "popular"}]}),
        );
        let arms: Vec<usize> = (0..10_000)
            .map(|i| e.hashed_arm(&format!("v:{i}")))
            .collect();
        let again: Vec<usize> = (0..10_000)
            .map(|i| e.hashed_arm(&format!("v:{i}")))
            .collect();
        assert_eq!(arms, again);
        let b = arms.iter().filter(|a| **a == 1).count();
        assert!((2300..2700).contains(&b), "{b} of 10000 in a 1:3 arm");
        // Another salt splits independently.
        let f = exp(
            json!({"id": "f", "arms": [{"name": "a", "strategy": "personalized", "weight": 3},
                                               {"name": "b", "strategy": "popular"}]}),
        );
        let same = (0..10_000)
            .filter(|i| f.hashed_arm(&format!("v:{i}")) == arms[*i])
            .count();
        assert!(same < 7000, "{same}");
        assert_eq!(unit_hash("s", "v:1"), unit_hash("s", "v:1"));
        assert_ne!(unit_hash("s", "v:1"), unit_hash("s2", "v:1"));
    }

    #[test]
    fn results_never_claim_significance_without_data() {
        let e = exp(
            json!({"id": "e", "arms": [{"name": "a", "strategy": "personalized"},
                                               {"name": "b", "strategy": "popular"}]}),
        );
        let few: Vec<Outcome> = (0..20)
            .map(|i| Outcome {
                arm: i % 2,
                orders: u32::from(i % 4 == 0),
                revenue: 0.0,
            })
            .collect();
        let r = results(&e, &few, 1);
        assert_eq!(r["comparisons"][0]["significant"], false);
        assert!(
            r["comparisons"][0]["verdict"]
                .as_str()
                .unwrap()
                .starts_with("not enough data")
        );
        // 1000 vs 1000 at 20% vs 25%: significant, with the planned size (for a 10% lift on 20%:
        // 6,500 per arm) not reached, so provisional.
        let mut many = Vec::new();
        for i in 0..1000 {
            many.push(Outcome {
                arm: 0,
                orders: u32::from(i % 5 == 0),
                revenue: if i % 5 == 0 { 10.0 } else { 0.0 },
            });
            many.push(Outcome {
                arm: 1,
                orders: u32::from(i % 4 == 0),
                revenue: if i % 4 == 0 { 10.0 } else { 0.0 },
            });
        }
        let r = results(&e, &many, 1);
        let c = &r["comparisons"][0];
        assert_eq!(c["significant"], true);
        assert!(
            (c["p_value"].as_f64().unwrap() - 0.00742).abs() < 2e-4,
            "{c}"
        );
        assert!(
            c["verdict"].as_str().unwrap().contains("provisional"),
            "{c}"
        );
        assert!((c["conversion_lift"].as_f64().unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(r["arms"][1]["converted"], 250);
        assert_eq!(
            r["sample_size"]["per_arm"],
            json!(stats::sample_size(0.2, 0.1).unwrap())
        );
        assert_eq!(results(&e, &many, 1), r, "seeded");
    }
}
