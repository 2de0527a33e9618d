//! Configurable products: the option groups a product declares (single-select, multi-select,
//! free text), price deltas, rules between values (requires, excludes), and the SKUs complete
//! choices map to. Pure logic: the server exposes it, the engine reads picked colours from it.
//!
//! ```
//! use tailor_model::configure::{Choices, Configuration};
//! let c = Configuration::from_json(&serde_json::json!({
//!     "groups": [
//!         {"id": "colour", "kind": "single", "attribute": "color",
//!          "values": [{"id": "red"}, {"id": "blue", "price_delta": 2}]},
//!         {"id": "engraving", "kind": "text", "required": false, "max_length": 20,
//!          "allowed": ["letters", "space"], "price_delta": 5}
//!     ],
//!     "skus": [{"sku": "MUG-R", "when": {"colour": "red"}, "stock": 3},
//!              {"sku": "MUG-B", "when": {"colour": "blue"}, "stock": 0}]
//! }), "configuration").unwrap();
//! let pick = Choices::from_json(&serde_json::json!({"colour": "blue", "engraving": "Anna"})).unwrap();
//! assert!(c.validate(&pick).is_empty());
//! assert_eq!(c.price(10.0, &pick).unwrap().total, 17.0);
//! assert_eq!(c.resolve(&pick).unwrap_err()[0].rule, "out_of_stock");
//! ```

use crate::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Most option groups, values per group, rules and SKUs one product may declare.
pub const MAX_GROUPS: usize = 50;
/// Most values in one group.
pub const MAX_VALUES: usize = 200;
/// Most rules or SKUs.
pub const MAX_ENTRIES: usize = 10_000;
/// Longest free text any group may allow, in characters.
pub const MAX_TEXT_CHARS: u32 = 1000;

/// How a group is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// Exactly one value (or none, if not required).
    Single,
    /// Several values, between `min` and `max`.
    Multi,
    /// Free text (an engraving, say).
    Text,
}

/// A class of characters free text may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CharClass {
    /// Letters of any script.
    Letters,
    /// Decimal digits of any script.
    Digits,
    /// The space character.
    Space,
    /// ASCII punctuation.
    Punctuation,
}

impl CharClass {
    fn admits(self, c: char) -> bool {
        match self {
            Self::Letters => c.is_alphabetic(),
            Self::Digits => c.is_numeric(),
            Self::Space => c == ' ',
            Self::Punctuation => c.is_ascii_punctuation(),
        }
    }
}

/// One value of a select group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionValue {
    /// Stable id, used in choices.
    pub id: String,
    /// Display text (the id when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Added to the product's price when chosen (may be negative).
    #[serde(default)]
    pub price_delta: f64,
}

/// One option group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionGroup {
    /// Stable id, used in choices.
    pub id: String,
    /// Display text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// How it is chosen.
    pub kind: GroupKind,
    /// Whether a choice is needed (default: yes for single-select, no otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// The values of a select group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<OptionValue>,
    /// Multi-select: fewest values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Multi-select: most values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// Text: most characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// Text: the character classes allowed (any when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<CharClass>>,
    /// Text: further characters allowed one by one (`"&-'"`, say).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub allowed_extra: String,
    /// Text: added to the price when the text is not empty.
    #[serde(default)]
    pub price_delta: f64,
    /// The product attribute this group sets (`color`, `size`): what personalization learns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute: Option<String>,
}

impl OptionGroup {
    /// Whether the group must be chosen.
    pub fn is_required(&self) -> bool {
        self.required.unwrap_or(self.kind == GroupKind::Single)
    }
    fn value(&self, id: &str) -> Option<&OptionValue> {
        self.values.iter().find(|v| v.id == id)
    }
}

/// A group and one of its values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pick {
    /// Group id.
    pub group: String,
    /// Value id.
    pub value: String,
}

/// A rule between values: when `when` is chosen, `requires` must be chosen too, or `excludes`
/// must not be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The value that triggers the rule.
    pub when: Pick,
    /// A value that must be chosen with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Pick>,
    /// A value that may not be chosen with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excludes: Option<Pick>,
}

/// A SKU: the stock-keeping unit a combination of select values maps to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sku {
    /// The SKU code.
    pub sku: String,
    /// The value each named group must have (groups not named may be anything).
    pub when: BTreeMap<String, String>,
    /// Units in stock; absent when not tracked (always available).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
}

/// Everything a configurable product declares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Configuration {
    /// The option groups, in display order.
    pub groups: Vec<OptionGroup>,
    /// Rules between values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// SKUs of complete choices; without any, every valid choice is orderable as the product.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skus: Vec<Sku>,
}

/// What a shopper chose: values per select group, text per text group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choices(pub BTreeMap<String, Choice>);

/// One group's choice.
#[derive(Debug, Clone, PartialEq)]
pub enum Choice {
    /// One value id, or a text.
    One(String),
    /// Several value ids.
    Many(Vec<String>),
}

impl Choices {
    /// Reads `{"group": "value" | ["value", ...], ...}`; anything else names its field.
    pub fn from_json(v: &Value) -> Result<Self, Vec<FieldError>> {
        let Some(o) = v.as_object() else {
            return Err(vec![FieldError::new(
                None,
                "choices",
                "must be an object of group: value",
            )]);
        };
        let mut out = BTreeMap::new();
        let mut errs = Vec::new();
        for (g, v) in o {
            let f = format!("choices.{g}");
            match v {
                Value::String(s) => {
                    out.insert(g.clone(), Choice::One(s.clone()));
                }
                Value::Array(a) if a.len() <= MAX_VALUES => {
                    let vals: Option<Vec<String>> =
                        a.iter().map(|x| x.as_str().map(str::to_string)).collect();
                    match vals {
                        Some(vals) => {
                            out.insert(g.clone(), Choice::Many(vals));
                        }
                        None => errs.push(FieldError::new(None, f, "values must be strings")),
                    }
                }
                Value::Array(_) => errs.push(FieldError::new(
                    None,
                    f,
                    format!("more than {MAX_VALUES} values"),
                )),
                Value::Null => {}
                _ => errs.push(FieldError::new(
                    None,
                    f,
                    "must be a value id, a list of value ids, or a text",
                )),
            }
        }
        if errs.is_empty() {
            Ok(Self(out))
        } else {
            Err(errs)
        }
    }

    fn values(&self, group: &str) -> Vec<&str> {
        match self.0.get(group) {
            Some(Choice::One(s)) => vec![s.as_str()],
            Some(Choice::Many(v)) => v.iter().map(String::as_str).collect(),
            None => Vec::new(),
        }
    }

    fn has(&self, p: &Pick) -> bool {
        self.values(&p.group).contains(&p.value.as_str())
    }
}

/// Why a configuration is not acceptable: the group (and value) concerned, which rule, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The group concerned.
    pub group: String,
    /// The value concerned, where one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Which rule: `unknown_group`, `unknown_value`, `required`, `one_value`, `too_few`,
    /// `too_many`, `duplicate`, `too_long`, `bad_character`, `requires`, `excludes`, `no_sku`,
    /// `out_of_stock`.
    pub rule: &'static str,
    /// In words.
    pub message: String,
}

fn problem(group: &str, value: Option<&str>, rule: &'static str, message: String) -> Problem {
    Problem {
        group: group.to_string(),
        value: value.map(str::to_string),
        rule,
        message,
    }
}

/// A priced configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Priced {
    /// The product's own price.
    pub base: f64,
    /// Each delta that applies, with its group and value (or `text`).
    pub deltas: Vec<(String, String, f64)>,
    /// Base plus deltas.
    pub total: f64,
}

/// The SKU a configuration resolves to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resolved {
    /// The SKU code.
    pub sku: String,
    /// Units in stock, when tracked.
    pub stock: Option<i64>,
}

impl Configuration {
    /// Parses and checks a declaration. Errors name the path under `field`: duplicate ids,
    /// rules or SKUs naming what does not exist, settings that do not fit the group's kind.
    pub fn from_json(v: &Value, field: &str) -> Result<Self, Vec<FieldError>> {
        let c: Configuration = serde_json::from_value(v.clone())
            .map_err(|e| vec![FieldError::new(None, field, e.to_string())])?;
        let errs = c.check(field);
        if errs.is_empty() { Ok(c) } else { Err(errs) }
    }

    fn group(&self, id: &str) -> Option<&OptionGroup> {
        self.groups.iter().find(|g| g.id == id)
    }

    fn check(&self, field: &str) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let mut err = |path: String, why: String| errs.push(FieldError::new(None, path, why));
        if self.groups.is_empty() || self.groups.len() > MAX_GROUPS {
            err(
                format!("{field}.groups"),
                format!("must hold 1 to {MAX_GROUPS} groups"),
            );
        }
        if self.rules.len() > MAX_ENTRIES || self.skus.len() > MAX_ENTRIES {
            err(
                field.to_string(),
                format!("at most {MAX_ENTRIES} rules and {MAX_ENTRIES} SKUs"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, g) in self.groups.iter().enumerate() {
            let f = format!("{field}.groups[{i}]");
            if g.id.is_empty() || !seen.insert(g.id.as_str()) {
                err(
                    format!("{f}.id"),
                    format!("{:?} is empty or repeated", g.id),
                );
            }
            let select = g.kind != GroupKind::Text;
            if select && (g.values.is_empty() || g.values.len() > MAX_VALUES) {
                err(
                    format!("{f}.values"),
                    format!("a select group needs 1 to {MAX_VALUES} values"),
                );
            }
            if !select && !g.values.is_empty() {
                err(format!("{f}.values"), "a text group has no values".into());
            }
            let mut ids = BTreeSet::new();
            for (j, v) in g.values.iter().enumerate() {
                if v.id.is_empty() || !ids.insert(v.id.as_str()) {
                    err(
                        format!("{f}.values[{j}].id"),
                        format!("{:?} is empty or repeated", v.id),
                    );
                }
                if !v.price_delta.is_finite() {
                    err(
                        format!("{f}.values[{j}].price_delta"),
                        "must be a finite number".into(),
                    );
                }
            }
            if g.kind != GroupKind::Multi && (g.min.is_some() || g.max.is_some()) {
                err(f.clone(), "min and max are for multi-select groups".into());
            }
            if let (Some(a), Some(b)) = (g.min, g.max)
                && a > b
            {
                err(format!("{f}.min"), format!("{a} is above max {b}"));
            }
            if select && (g.max_length.is_some() || g.allowed.is_some()) {
                err(
                    f.clone(),
                    "max_length and allowed are for text groups".into(),
                );
            }
            if g.max_length.is_some_and(|m| m == 0 || m > MAX_TEXT_CHARS) {
                err(
                    format!("{f}.max_length"),
                    format!("must be 1 to {MAX_TEXT_CHARS}"),
                );
            }
            if !g.price_delta.is_finite() {
                err(format!("{f}.price_delta"), "must be a finite number".into());
            }
        }
        let known = |p: &Pick| {
            self.group(&p.group)
                .is_some_and(|g| g.value(&p.value).is_some())
        };
        for (i, r) in self.rules.iter().enumerate() {
            let f = format!("{field}.rules[{i}]");
            if !known(&r.when) {
                err(
                    format!("{f}.when"),
                    format!("names no value: {}={}", r.when.group, r.when.value),
                );
            }
            match (&r.requires, &r.excludes) {
                (Some(p), None) | (None, Some(p)) => {
                    if !known(p) {
                        err(
                            f.clone(),
                            format!("names no value: {}={}", p.group, p.value),
                        );
                    }
                }
                _ => err(f, "needs exactly one of requires and excludes".into()),
            }
        }
        for (i, s) in self.skus.iter().enumerate() {
            for (g, v) in &s.when {
                let ok = self
                    .group(g)
                    .is_some_and(|gr| gr.kind == GroupKind::Single && gr.value(v).is_some());
                if !ok {
                    err(
                        format!("{field}.skus[{i}].when.{g}"),
                        format!("{v:?} is not a value of a single-select group {g:?}"),
                    );
                }
            }
        }
        errs
    }

    /// Every way `choices` breaks the declaration, each naming its group, value and rule.
    /// Empty means valid (stock is [`resolve`](Self::resolve)'s business).
    pub fn validate(&self, choices: &Choices) -> Vec<Problem> {
        let mut out = Vec::new();
        for g in choices.0.keys() {
            if self.group(g).is_none() {
                out.push(problem(
                    g,
                    None,
                    "unknown_group",
                    format!("this product has no option {g:?}"),
                ));
            }
        }
        for g in &self.groups {
            self.check_group(g, choices.0.get(&g.id), &mut out);
        }
        for r in &self.rules {
            if !choices.has(&r.when) {
                continue;
            }
            let w = &r.when;
            if let Some(p) = &r.requires
                && !choices.has(p)
            {
                out.push(problem(
                    &w.group,
                    Some(&w.value),
                    "requires",
                    format!("{}={} requires {}={}", w.group, w.value, p.group, p.value),
                ));
            }
            if let Some(p) = &r.excludes
                && choices.has(p)
            {
                out.push(problem(
                    &w.group,
                    Some(&w.value),
                    "excludes",
                    format!(
                        "{}={} cannot be combined with {}={}",
                        w.group, w.value, p.group, p.value
                    ),
                ));
            }
        }
        out
    }

    fn check_group(&self, g: &OptionGroup, choice: Option<&Choice>, out: &mut Vec<Problem>) {
        let id = g.id.as_str();
        let empty = match choice {
            None => true,
            Some(Choice::One(s)) => g.kind == GroupKind::Text && s.is_empty(),
            Some(Choice::Many(v)) => v.is_empty(),
        };
        if empty {
            if g.is_required() {
                out.push(problem(
                    id,
                    None,
                    "required",
                    format!("choose a value for {id:?}"),
                ));
            } else if g.kind == GroupKind::Multi && g.min.is_some_and(|m| m > 0) {
                out.push(problem(
                    id,
                    None,
                    "too_few",
                    format!("choose at least {} for {id:?}", g.min.unwrap_or(0)),
                ));
            }
            return;
        }
        match (g.kind, choice) {
            (GroupKind::Text, Some(Choice::One(text))) => check_text(g, text, out),
            (GroupKind::Text, _) => out.push(problem(
                id,
                None,
                "one_value",
                format!("{id:?} takes one text"),
            )),
            (GroupKind::Single, Some(Choice::Many(v))) if v.len() > 1 => out.push(problem(
                id,
                None,
                "one_value",
                format!("{id:?} takes one value, got {}", v.len()),
            )),
            (_, Some(c)) => {
                let vals: Vec<&str> = match c {
                    Choice::One(s) => vec![s.as_str()],
                    Choice::Many(v) => v.iter().map(String::as_str).collect(),
                };
                let mut seen = BTreeSet::new();
                for v in &vals {
                    if g.value(v).is_none() {
                        out.push(problem(
                            id,
                            Some(*v),
                            "unknown_value",
                            format!("{v:?} is not a value of {id:?}"),
                        ));
                    } else if !seen.insert(*v) {
                        out.push(problem(
                            id,
                            Some(*v),
                            "duplicate",
                            format!("{v:?} is chosen twice"),
                        ));
                    }
                }
                let n = vals.len() as u32;
                if let Some(m) = g.min
                    && n < m
                {
                    out.push(problem(
                        id,
                        None,
                        "too_few",
                        format!("choose at least {m} for {id:?}, got {n}"),
                    ));
                }
                if let Some(m) = g.max
                    && n > m
                {
                    out.push(problem(
                        id,
                        None,
                        "too_many",
                        format!("choose at most {m} for {id:?}, got {n}"),
                    ));
                }
            }
            (_, None) => {}
        }
    }

    /// The price of a valid configuration: the base plus every chosen value's delta (and a text
    /// group's delta when its text is not empty). An invalid one gets its problems.
    pub fn price(&self, base: f64, choices: &Choices) -> Result<Priced, Vec<Problem>> {
        let problems = self.validate(choices);
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut deltas = Vec::new();
        for g in &self.groups {
            match g.kind {
                GroupKind::Text => {
                    if choices.values(&g.id).iter().any(|t| !t.is_empty()) && g.price_delta != 0.0 {
                        deltas.push((g.id.clone(), "text".to_string(), g.price_delta));
                    }
                }
                _ => {
                    for v in choices.values(&g.id) {
                        if let Some(val) = g.value(v).filter(|x| x.price_delta != 0.0) {
                            deltas.push((g.id.clone(), val.id.clone(), val.price_delta));
                        }
                    }
                }
            }
        }
        // Cents, so that 0.1 + 0.2 prices as 0.3.
        let total = ((base + deltas.iter().map(|d| d.2).sum::<f64>()) * 100.0).round() / 100.0;
        Ok(Priced {
            base,
            deltas,
            total,
        })
    }

    /// The SKU a valid configuration maps to: the most specific SKU whose values all match.
    /// Without SKUs, `None`: the product itself is what is ordered. No matching SKU, or one out
    /// of stock, is a problem that says so.
    pub fn resolve(&self, choices: &Choices) -> Result<Option<Resolved>, Vec<Problem>> {
        let problems = self.validate(choices);
        if !problems.is_empty() {
            return Err(problems);
        }
        if self.skus.is_empty() {
            return Ok(None);
        }
        let best = self
            .skus
            .iter()
            .filter(|s| {
                s.when.iter().all(|(g, v)| {
                    choices.has(&Pick {
                        group: g.clone(),
                        value: v.clone(),
                    })
                })
            })
            .max_by_key(|s| s.when.len());
        let Some(sku) = best else {
            let combo: Vec<String> = self
                .groups
                .iter()
                .filter(|g| g.kind == GroupKind::Single)
                .filter_map(|g| {
                    choices
                        .values(&g.id)
                        .first()
                        .map(|v| format!("{}={v}", g.id))
                })
                .collect();
            let first = self.groups.first().map_or("", |g| g.id.as_str());
            return Err(vec![problem(
                first,
                None,
                "no_sku",
                format!("this combination is not made: {}", combo.join(", ")),
            )]);
        };
        if sku.stock.is_some_and(|s| s <= 0) {
            let (g, v) = sku
                .when
                .iter()
                .next()
                .map_or(("", ""), |(g, v)| (g.as_str(), v.as_str()));
            return Err(vec![problem(
                g,
                (!v.is_empty()).then_some(v),
                "out_of_stock",
                format!("{} ({}) is out of stock", sku.sku, describe(&sku.when)),
            )]);
        }
        Ok(Some(Resolved {
            sku: sku.sku.clone(),
            stock: sku.stock,
        }))
    }

    /// The values picked in groups that set `attribute` (case-insensitive; a group whose id is
    /// the attribute counts too), as their labels: the colours a shopper chose, say.
    pub fn picked<'a>(&'a self, choices: &'a Choices, attribute: &[&str]) -> Vec<&'a str> {
        let mut out = Vec::new();
        for g in &self.groups {
            let named = |s: &str| attribute.iter().any(|a| a.eq_ignore_ascii_case(s));
            if g.kind == GroupKind::Text
                || !(g.attribute.as_deref().is_some_and(named) || named(&g.id))
            {
                continue;
            }
            for v in choices.values(&g.id) {
                if let Some(val) = g.value(v) {
                    out.push(val.label.as_deref().unwrap_or(&val.id));
                }
            }
        }
        out
    }
}

fn describe(when: &BTreeMap<String, String>) -> String {
    when.iter()
        .map(|(g, v)| format!("{g}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_text(g: &OptionGroup, text: &str, out: &mut Vec<Problem>) {
    let id = g.id.as_str();
    let n = text.chars().count();
    if let Some(max) = g.max_length
        && n > max as usize
    {
        out.push(problem(
            id,
            None,
            "too_long",
            format!("{id:?} takes at most {max} characters, got {n}"),
        ));
    }
    if let Some(classes) = &g.allowed {
        let bad = text
            .chars()
            .enumerate()
            .find(|&(_, c)| !classes.iter().any(|k| k.admits(c)) && !g.allowed_extra.contains(c));
        if let Some((i, c)) = bad {
            out.push(problem(
                id,
                None,
                "bad_character",
                format!("{c:?} at position {} is not allowed in {id:?}", i + 1),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ring() -> Configuration {
        Configuration::from_json(
            &json!({
                "groups": [
                    {"id": "metal", "kind": "single", "values": [
                        {"id": "silver"}, {"id": "gold", "price_delta": 120.5}]},
                    {"id": "colour", "kind": "single", "attribute": "color", "required": false,
                     "values": [{"id": "rose", "label": "Rose"}, {"id": "black", "label": "Black"}]},
                    {"id": "extras", "kind": "multi", "max": 2, "values": [
                        {"id": "box", "price_delta": 5}, {"id": "card", "price_delta": 0.1},
                        {"id": "wrap", "price_delta": 0.2}]},
                    {"id": "engraving", "kind": "text", "max_length": 20,
                     "allowed": ["letters", "space"], "allowed_extra": "&'", "price_delta": 15}
                ],
                "rules": [
                    {"when": {"group": "colour", "value": "black"}, "requires": {"group": "metal", "value": "silver"}},
                    {"when": {"group": "metal", "value": "gold"}, "excludes": {"group": "extras", "value": "wrap"}}
                ],
                "skus": [
                    {"sku": "R-S", "when": {"metal": "silver"}, "stock": 4},
                    {"sku": "R-S-B", "when": {"metal": "silver", "colour": "black"}, "stock": 0},
                    {"sku": "R-G-R", "when": {"metal": "gold", "colour": "rose"}}
                ]
            }),
            "configuration",
        )
        .unwrap()
    }

    fn pick(v: Value) -> Choices {
        Choices::from_json(&v).unwrap()
    }

    fn rules(c: &Configuration, v: Value) -> Vec<(String, Option<String>, &'static str)> {
        c.validate(&pick(v))
            .into_iter()
            .map(|p| (p.group, p.value, p.rule))
            .collect()
    }

    #[test]
    fn a_valid_choice_prices_with_every_delta() {
        let c = ring();
        let ch =
            pick(json!({"metal": "silver", "extras": ["card", "wrap"], "engraving": "Anna & Jo"}));
        assert!(c.validate(&ch).is_empty());
        let p = c.price(100.0, &ch).unwrap();
        assert_eq!(p.total, 115.3);
        assert_eq!(p.deltas.len(), 3);
        // An empty optional text costs nothing.
        let p = c
            .price(100.0, &pick(json!({"metal": "gold", "engraving": ""})))
            .unwrap();
        assert_eq!(p.total, 220.5);
    }

    #[test]
    fn every_broken_rule_is_named_with_its_group_and_value() {
        let c = ring();
        let s = |x: &str| Some(x.to_string());
        assert_eq!(rules(&c, json!({})), [("metal".into(), None, "required")]);
        assert_eq!(
            rules(&c, json!({"metal": "platinum", "size": "7"})),
            [
                ("size".into(), None, "unknown_group"),
                ("metal".into(), s("platinum"), "unknown_value")
            ]
        );
        assert_eq!(
            rules(&c, json!({"metal": ["silver", "gold"]})),
            [("metal".into(), None, "one_value")]
        );
        assert_eq!(
            rules(
                &c,
                json!({"metal": "silver", "extras": ["box", "card", "wrap"]})
            ),
            [("extras".into(), None, "too_many")]
        );
        assert_eq!(
            rules(&c, json!({"metal": "silver", "extras": ["box", "box"]})),
            [("extras".into(), s("box"), "duplicate")]
        );
        // Both rules at once, each named.
        assert_eq!(
            rules(
                &c,
                json!({"metal": "gold", "colour": "black", "extras": ["wrap"]})
            ),
            [
                ("colour".into(), s("black"), "requires"),
                ("metal".into(), s("gold"), "excludes")
            ]
        );
    }

    #[test]
    fn free_text_is_limited_in_characters_and_alphabet() {
        let c = ring();
        let text = |t: &str| rules(&c, json!({"metal": "silver", "engraving": t}));
        assert!(text("Zoë & Ünal").is_empty(), "letters of any script");
        assert!(text(&"é".repeat(20)).is_empty(), "20 characters, 40 bytes");
        assert_eq!(text(&"a".repeat(21))[0].2, "too_long");
        let bad = c.validate(&pick(json!({"metal": "silver", "engraving": "Anna <3"})));
        assert_eq!(bad[0].rule, "bad_character");
        assert!(
            bad[0].message.contains("'<' at position 6"),
            "{}",
            bad[0].message
        );
        assert_eq!(text("😀")[0].2, "bad_character");
        assert_eq!(
            rules(&c, json!({"metal": "silver", "engraving": ["a"]}))[0].2,
            "one_value"
        );
    }

    #[test]
    fn resolve_picks_the_most_specific_sku_and_explains_what_is_unavailable() {
        let c = ring();
        let r = c
            .resolve(&pick(json!({"metal": "silver", "colour": "rose"})))
            .unwrap();
        assert_eq!(
            r,
            Some(Resolved {
                sku: "R-S".into(),
                stock: Some(4)
            })
        );
        let r = c
            .resolve(&pick(json!({"metal": "gold", "colour": "rose"})))
            .unwrap();
        assert_eq!(r.unwrap().stock, None);
        let e = c
            .resolve(&pick(json!({"metal": "silver", "colour": "black"})))
            .unwrap_err();
        assert_eq!(e[0].rule, "out_of_stock");
        assert!(e[0].message.contains("R-S-B"));
        let e = c.resolve(&pick(json!({"metal": "gold"}))).unwrap_err();
        assert_eq!(e[0].rule, "no_sku");
        assert!(e[0].message.contains("metal=gold"), "{}", e[0].message);
        // An invalid choice is never resolved.
        assert_eq!(c.resolve(&pick(json!({}))).unwrap_err()[0].rule, "required");
    }

    #[test]
    fn declarations_are_checked_and_errors_name_the_path() {
        let fields = |v: Value| -> Vec<String> {
            Configuration::from_json(&v, "configuration")
                .unwrap_err()
                .into_iter()
                .map(|e| e.field)
                .collect()
        };
        assert_eq!(fields(json!({"groups": []})), ["configuration.groups"]);
        assert_eq!(
            fields(
                json!({"groups": [{"id": "a", "kind": "single", "values": [{"id": "x"}, {"id": "x"}]},
                                     {"id": "a", "kind": "text", "values": [{"id": "y"}]}]})
            ),
            [
                "configuration.groups[0].values[1].id",
                "configuration.groups[1].id",
                "configuration.groups[1].values"
            ]
        );
        assert_eq!(
            fields(
                json!({"groups": [{"id": "a", "kind": "single", "values": [{"id": "x"}]}],
                          "rules": [{"when": {"group": "a", "value": "nope"}, "requires": {"group": "a", "value": "x"}}],
                          "skus": [{"sku": "s", "when": {"b": "x"}}]})
            ),
            [
                "configuration.rules[0].when",
                "configuration.skus[0].when.b"
            ]
        );
        // Unknown keys and kinds are serde errors at the top.
        assert_eq!(
            fields(json!({"groups": [{"id": "a", "kind": "dial"}]})),
            ["configuration"]
        );
    }

    #[test]
    fn picked_colours_come_from_groups_that_set_the_attribute() {
        let c = ring();
        let ch = pick(json!({"metal": "silver", "colour": "rose"}));
        assert_eq!(c.picked(&ch, &["color", "colour"]), ["Rose"]);
        assert!(c.picked(&ch, &["size"]).is_empty());
    }

    #[test]
    fn round_trips_through_serde() {
        let c = ring();
        let back: Configuration =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
}
