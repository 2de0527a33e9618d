//! The filters a shopper applied to a search or a category page, as a `search` event records
//! them. One use says little; the same brand or colour filtered again and again says a lot, so
//! the engine learns affinities from them (`tailor-engine`'s shopper state).
//!
//! The JSON form is the one `POST /v1/search` takes in `filters` (so a storefront can pass its
//! request's filters through unchanged), plus `color` and `size` for facets the shop filters on
//! itself:
//!
//! ```
//! use tailor_model::AppliedFilters;
//! let v = serde_json::json!({"brand": ["Acme", "acme"], "category": "Food>Nuts", "price": {"max": 20}});
//! let f = AppliedFilters::from_json(&v, "filters").unwrap();
//! assert_eq!(f.brands, ["Acme"]); // duplicates (any case) count once
//! assert_eq!(f.categories, ["Food > Nuts"]);
//! assert_eq!(f.price.unwrap().max, Some(20.0));
//! ```

use crate::FieldError;
use crate::limits::MAX_ID_LEN;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most values one filter field may hold (brands ticked at once, say). More is not a taste but
/// a script, and is refused with a 400 naming the field.
pub const MAX_FILTER_VALUES: usize = 100;

/// A price range filter; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceFilter {
    /// Lowest price shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Highest price shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl PriceFilter {
    /// Whether `price` is inside the range.
    pub fn contains(&self, price: f64) -> bool {
        self.min.is_none_or(|lo| price >= lo) && self.max.is_none_or(|hi| price <= hi)
    }
}

/// Filters applied to one search or browse page. Values are kept as first given (trimmed,
/// duplicates dropped case-insensitively); they compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppliedFilters {
    /// Brands.
    #[serde(rename = "brand", default, skip_serializing_if = "Vec::is_empty")]
    pub brands: Vec<String>,
    /// Category paths, `Food > Nuts`.
    #[serde(rename = "category", default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Colours.
    #[serde(rename = "color", default, skip_serializing_if = "Vec::is_empty")]
    pub colors: Vec<String>,
    /// Sizes.
    #[serde(rename = "size", default, skip_serializing_if = "Vec::is_empty")]
    pub sizes: Vec<String>,
    /// Price range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<PriceFilter>,
}

fn err(path: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError::new(None, path, reason)
}

/// A string or a list of strings, trimmed, non-empty, bounded, deduplicated (any case).
fn values(v: &Value, path: &str) -> Result<Vec<String>, FieldError> {
    let list: Vec<&Value> = match v {
        Value::Null => Vec::new(),
        Value::String(_) => vec![v],
        Value::Array(a) if a.len() > MAX_FILTER_VALUES => {
            return Err(err(path, format!("more than {MAX_FILTER_VALUES} values")));
        }
        Value::Array(a) => a.iter().collect(),
        _ => return Err(err(path, "must be a string or a list of strings")),
    };
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    let mut seen = std::collections::HashSet::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let s = match v.as_str().map(str::trim) {
            Some(s) if s.len() > MAX_ID_LEN => {
                return Err(err(
                    format!("{path}[{i}]"),
                    format!("longer than {MAX_ID_LEN} bytes"),
                ));
            }
            Some(s) if !s.is_empty() => s,
            _ => return Err(err(format!("{path}[{i}]"), "must be a non-empty string")),
        };
        if seen.insert(s.to_lowercase()) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

fn bound(v: Option<&Value>, path: String) -> Result<Option<f64>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(Some)
            .ok_or_else(|| err(path, "must be a number >= 0")),
    }
}

impl AppliedFilters {
    /// Whether no filter was applied.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
            && self.categories.is_empty()
            && self.colors.is_empty()
            && self.sizes.is_empty()
            && self.price.is_none()
    }

    /// Reads `{brand?, category?, color?, size?, price?: {min?, max?}, in_stock?}` found at
    /// `path`. `in_stock` is accepted (storefronts pass their search filters through) and
    /// ignored: wanting what is in stock is no taste. Anything else is an error naming it.
    pub fn from_json(v: &Value, path: &str) -> Result<Self, FieldError> {
        let mut f = Self::default();
        let o = match v {
            Value::Null => return Ok(f),
            Value::Object(o) => o,
            _ => return Err(err(path, "must be an object")),
        };
        for (k, v) in o {
            let at = format!("{path}.{k}");
            match k.as_str() {
                "brand" => f.brands = values(v, &at)?,
                "category" => {
                    f.categories = Vec::new();
                    let mut seen = std::collections::HashSet::new();
                    for (i, c) in values(v, &at)?.into_iter().enumerate() {
                        let parts: Vec<&str> = c
                            .split('>')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .collect();
                        if parts.is_empty() {
                            return Err(err(format!("{at}[{i}]"), "names no category"));
                        }
                        let c = parts.join(" > ");
                        if seen.insert(c.to_lowercase()) {
                            f.categories.push(c);
                        }
                    }
                }
                "color" | "colour" => f.colors = values(v, &at)?,
                "size" => f.sizes = values(v, &at)?,
                "price" => {
                    let p = v
                        .as_object()
                        .ok_or_else(|| err(&at, "must be {\"min\": n, \"max\": n}"))?;
                    if let Some(key) = p.keys().find(|k| *k != "min" && *k != "max") {
                        return Err(err(format!("{at}.{key}"), "unknown; use min or max"));
                    }
                    let range = PriceFilter {
                        min: bound(p.get("min"), format!("{at}.min"))?,
                        max: bound(p.get("max"), format!("{at}.max"))?,
                    };
                    if let (Some(lo), Some(hi)) = (range.min, range.max)
                        && lo > hi
                    {
                        return Err(err(&at, "min must not exceed max"));
                    }
                    f.price = (range != PriceFilter::default()).then_some(range);
                }
                "in_stock" => {
                    if !matches!(v, Value::Bool(_) | Value::Null) {
                        return Err(err(&at, "must be true or false"));
                    }
                }
                other => {
                    return Err(err(
                        &at,
                        format!(
                            "unknown filter {other:?}; use brand, category, color, size, price or in_stock"
                        ),
                    ));
                }
            }
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(v: Value) -> String {
        AppliedFilters::from_json(&v, "filters").unwrap_err().field
    }

    #[test]
    fn reads_every_field_and_round_trips() {
        let f = AppliedFilters::from_json(
            &json!({"brand":"Acme","category":["Food > Nuts"," Home>Décor "],"colour":["Rot","ROT","rot"],
                    "size":"M","price":{"min":2.5},"in_stock":true}),
            "filters",
        )
        .unwrap();
        assert_eq!(f.brands, ["Acme"]);
        assert_eq!(f.categories, ["Food > Nuts", "Home > Décor"]);
        assert_eq!(f.colors, ["Rot"]);
        assert_eq!(f.sizes, ["M"]);
        assert_eq!(
            f.price,
            Some(PriceFilter {
                min: Some(2.5),
                max: None
            })
        );
        // The stored (serde) form reads back through the wire parser and through serde.
        let stored = serde_json::to_value(&f).unwrap();
        assert_eq!(AppliedFilters::from_json(&stored, "filters").unwrap(), f);
        assert_eq!(serde_json::from_value::<AppliedFilters>(stored).unwrap(), f);
    }

    #[test]
    fn empty_is_empty() {
        for v in [
            json!(null),
            json!({}),
            json!({"brand":[]}),
            json!({"price":{}}),
            json!({"in_stock":false}),
        ] {
            assert!(
                AppliedFilters::from_json(&v, "f").unwrap().is_empty(),
                "{v}"
            );
        }
        assert_eq!(
            serde_json::to_string(&AppliedFilters::default()).unwrap(),
            "{}"
        );
    }

    #[test]
    fn bad_input_names_the_field() {
        assert_eq!(field(json!({"flavour":"x"})), "filters.flavour");
        assert_eq!(field(json!([1])), "filters");
        assert_eq!(field(json!({"brand":["a",""]})), "filters.brand[1]");
        assert_eq!(field(json!({"brand":7})), "filters.brand");
        assert_eq!(field(json!({"category":" > "})), "filters.category[0]");
        assert_eq!(field(json!({"price":{"min":3,"max":1}})), "filters.price");
        assert_eq!(field(json!({"price":{"min":-1}})), "filters.price.min");
        assert_eq!(field(json!({"price":{"lo":1}})), "filters.price.lo");
        assert_eq!(field(json!({"in_stock":"yes"})), "filters.in_stock");
        let many: Vec<String> = (0..=MAX_FILTER_VALUES).map(|i| i.to_string()).collect();
        assert_eq!(field(json!({ "color": many })), "filters.color");
        assert_eq!(
            field(json!({"size":["x".repeat(MAX_ID_LEN + 1)]})),
            "filters.size[0]"
        );
    }

    #[test]
    fn unicode_values_survive() {
        let f = AppliedFilters::from_json(
            &json!({"brand":["Ünïcødé 抹茶", "ÜNÏCØDÉ 抹茶"],"color":"🟥"}),
            "f",
        )
        .unwrap();
        assert_eq!(f.brands, ["Ünïcødé 抹茶"]);
        assert_eq!(f.colors, ["🟥"]);
    }
}
