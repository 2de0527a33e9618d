//! The one output shape every `tailor eval` and `tailor bench` command prints.

use serde::Serialize;
use std::fmt::Write;

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Latency {
    /// Percentiles (nearest rank) of samples in microseconds. Sorts `samples`. Zero for none.
    pub fn from_samples(samples: &mut [f64]) -> Self {
        samples.sort_by(f64::total_cmp);
        let at = |q: f64| {
            if samples.is_empty() {
                return 0.0;
            }
            let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            samples[rank - 1]
        };
        Self {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
        }
    }
}

/// One line of a result table: a method (ours or a baseline) and its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// `tailor` for ours; baselines by their EVALUATION.md names (`pop`, `v-sknn`, ...).
    pub name: String,
    /// Metric name to value, in the order they were added.
    #[serde(serialize_with = "ordered_map")]
    pub metrics: Vec<(String, f64)>,
    /// Per-prediction latency, where measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_us: Option<Latency>,
}

impl Row {
    /// A row with no figures yet.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            metrics: Vec::new(),
            latency_us: None,
        }
    }

    /// Adds one metric; builder style.
    pub fn metric(mut self, key: impl Into<String>, value: f64) -> Self {
        self.metrics.push((key.into(), value));
        self
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<f64> {
        self.metrics.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

fn ordered_map<S: serde::Serializer>(m: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(m.len()))?;
    for (k, v) in m {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// A whole result: what was measured, on which data, one row per method, and notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The protocol, e.g. `sessions`.
    pub task: String,
    /// The data set, e.g. `yoochoose-rsc15-100k`.
    pub dataset: String,
    /// One row per method.
    pub rows: Vec<Row>,
    /// Facts a reader needs: split sizes, counts, caveats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Report {
    /// An empty report for `task` on `dataset`.
    pub fn new(task: impl Into<String>, dataset: impl Into<String>) -> Self {
        Self {
            task: task.into(),
            dataset: dataset.into(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The row called `name`.
    pub fn row(&self, name: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.name == name)
    }

    /// The machine-readable form (EVALUATION.md, "Machine-readable output").
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a report always serialises")
    }

    /// A fixed-width table for people, with latency columns where any row has them.
    pub fn to_table(&self) -> String {
        let mut cols: Vec<String> = Vec::new();
        for r in &self.rows {
            for (k, _) in &r.metrics {
                if !cols.contains(k) {
                    cols.push(k.clone());
                }
            }
        }
        let has_lat = self.rows.iter().any(|r| r.latency_us.is_some());
        if has_lat {
            cols.extend(["p50_us", "p90_us", "p99_us"].map(String::from));
        }
        let name_w = self
            .rows
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(4)
            .max(6);
        let mut out = format!("{} on {}\n", self.task, self.dataset);
        let _ = write!(out, "{:<name_w$}", "method");
        for c in &cols {
            let _ = write!(out, " {:>12}", c);
        }
        out.push('\n');
        for r in &self.rows {
            let _ = write!(out, "{:<name_w$}", r.name);
            for c in &cols {
                let v = match (c.as_str(), r.latency_us) {
                    ("p50_us", Some(l)) => Some(l.p50),
                    ("p90_us", Some(l)) => Some(l.p90),
                    ("p99_us", Some(l)) => Some(l.p99),
                    _ => r.get(c),
                };
                match v {
                    Some(v) if v.abs() >= 1000.0 || v.fract() == 0.0 => {
                        let _ = write!(out, " {:>12.0}", v);
                    }
                    Some(v) => {
                        let _ = write!(out, " {:>12.4}", v);
                    }
                    None => {
                        let _ = write!(out, " {:>12}", "-");
                    }
                }
            }
            out.push('\n');
        }
        for n in &self.notes {
            let _ = writeln!(out, "note: {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let mut s: Vec<f64> = (1..=100).map(f64::from).collect();
        let l = Latency::from_samples(&mut s);
        assert_eq!((l.p50, l.p90, l.p99), (50.0, 90.0, 99.0));
        assert_eq!(Latency::from_samples(&mut []).p99, 0.0);
    }

    #[test]
    fn json_keeps_metric_order_and_names() {
        let mut r = Report::new("sessions", "toy");
        let mut row = Row::new("tailor")
            .metric("HR@20", 0.5)
            .metric("MRR@20", 0.25);
        row.latency_us = Some(Latency {
            p50: 1.0,
            p90: 2.0,
            p99: 3.0,
        });
        r.rows.push(row);
        let json = r.to_json();
        assert!(json.find("HR@20").unwrap() < json.find("MRR@20").unwrap());
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["rows"][0]["latency_us"]["p99"], 3.0);
        assert_eq!(v["rows"][0]["metrics"]["MRR@20"], 0.25);
        let table = r.to_table();
        assert!(table.contains("tailor") && table.contains("0.2500"));
    }
}
