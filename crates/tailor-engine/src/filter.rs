//! Business filters of a recommendation box or a search: a small JSON language over product
//! fields, with values that may refer to the request's context.
//!
//! ```json
//! {"category": {"$in": "$context.category"}, "price": {"$range": [0, 20]},
//!  "brand": {"$not": "Acme"}, "tags": {"$all": ["organic", "fair"]}, "availability": "in_stock"}
//! ```
//! A bare value means equality. Text compares case-insensitively. `category` matches any prefix
//! of any of the product's category paths, so `"Food"` matches `Food > Nuts`.

use serde_json::{Map, Value};
use tailor_model::{AttrValue, FieldError, Product};

/// Where a filter's `$context.*` references are resolved.
pub type ContextMap = Map<String, Value>;

/// One condition on one field.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    Eq(Vec<String>),
    In(Vec<String>),
    All(Vec<String>),
    Not(Vec<String>),
    Range(Option<f64>, Option<f64>),
}

/// Fields a filter may name.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    Category,
    Brand,
    Tags,
    Diets,
    Allergens,
    Availability,
    Price,
    Id,
    Group,
    Attribute(String),
}

/// A parsed filter: every condition must hold.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Filter {
    conds: Vec<(Field, Op)>,
}

fn parse_field(name: &str) -> Option<Field> {
    Some(match name {
        "category" => Field::Category,
        "brand" => Field::Brand,
        "tags" => Field::Tags,
        "diets" => Field::Diets,
        "allergens" => Field::Allergens,
        "availability" => Field::Availability,
        "price" => Field::Price,
        "id" => Field::Id,
        "group_id" => Field::Group,
        _ => Field::Attribute(name.strip_prefix("attributes.")?.to_string()),
    })
}

/// Resolves `"$context.x"` against the context; other values stand for themselves.
fn resolve<'a>(v: &'a Value, ctx: &'a ContextMap, path: &str) -> Result<&'a Value, FieldError> {
    if let Some(key) = v.as_str().and_then(|s| s.strip_prefix("$context.")) {
        return ctx.get(key).ok_or_else(|| {
            FieldError::new(
                None,
                path,
                format!("refers to $context.{key}, which the request's context does not have"),
            )
        });
    }
    Ok(v)
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>, FieldError> {
    let one = |x: &Value| match x {
        Value::String(s) => Ok(s.to_lowercase()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(FieldError::new(
            None,
            path,
            "values must be strings, numbers or booleans",
        )),
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        x => Ok(vec![one(x)?]),
    }
}

fn number(v: &Value, path: &str) -> Result<Option<f64>, FieldError> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        _ => Err(FieldError::new(
            None,
            path,
            "range bounds must be numbers or null",
        )),
    }
}

impl Filter {
    /// Parses a filter object, resolving context references now. Errors name the field path.
    pub fn parse(v: &Value, ctx: &ContextMap, path: &str) -> Result<Self, FieldError> {
        let Some(obj) = v.as_object() else {
            return Err(FieldError::new(
                None,
                path,
                "must be an object of field conditions",
            ));
        };
        let mut conds = Vec::new();
        for (name, cond) in obj {
            let fpath = format!("{path}.{name}");
            let field = parse_field(name).ok_or_else(|| {
                FieldError::new(None, &fpath, "unknown field; use category, brand, tags, diets, allergens, availability, price, id, group_id or attributes.NAME")
            })?;
            let op = match cond {
                Value::Object(o) if o.len() == 1 => {
                    let (op, arg) = o.iter().next().expect("one entry");
                    let opath = format!("{fpath}.{op}");
                    let arg = resolve(arg, ctx, &opath)?;
                    match op.as_str() {
                        "$eq" => Op::Eq(strings(arg, &opath)?),
                        "$in" => Op::In(strings(arg, &opath)?),
                        "$all" => Op::All(strings(arg, &opath)?),
                        "$not" => Op::Not(strings(arg, &opath)?),
                        "$range" => match arg.as_array().map(Vec::as_slice) {
                            Some([lo, hi]) => Op::Range(number(lo, &opath)?, number(hi, &opath)?),
                            _ => {
                                return Err(FieldError::new(
                                    None,
                                    &opath,
                                    "must be [min, max] (either may be null)",
                                ));
                            }
                        },
                        other => {
                            return Err(FieldError::new(
                                None,
                                &opath,
                                format!(
                                    "unknown operator {other:?}; use $eq, $in, $all, $not or $range"
                                ),
                            ));
                        }
                    }
                }
                Value::Object(_) => {
                    return Err(FieldError::new(
                        None,
                        &fpath,
                        "must hold exactly one operator",
                    ));
                }
                other => Op::Eq(strings(resolve(other, ctx, &fpath)?, &fpath)?),
            };
            if matches!(field, Field::Price) && !matches!(op, Op::Range(..)) {
                return Err(FieldError::new(
                    None,
                    &fpath,
                    "price takes {\"$range\": [min, max]}",
                ));
            }
            conds.push((field, op));
        }
        Ok(Self { conds })
    }

    /// Whether the filter has no conditions.
    pub fn is_empty(&self) -> bool {
        self.conds.is_empty()
    }

    /// Whether `p` passes every condition.
    pub fn matches(&self, p: &Product) -> bool {
        self.conds.iter().all(|(f, op)| match (f, op) {
            (Field::Price, Op::Range(lo, hi)) => p
                .effective_price()
                .is_some_and(|x| lo.is_none_or(|lo| x >= lo) && hi.is_none_or(|hi| x <= hi)),
            (Field::Price, _) => false,
            (f, op) => {
                let vals = values(p, f);
                match op {
                    Op::Eq(want) | Op::In(want) => want.iter().any(|w| vals.contains(w)),
                    Op::All(want) => want.iter().all(|w| vals.contains(w)),
                    Op::Not(want) => !want.iter().any(|w| vals.contains(w)),
                    Op::Range(lo, hi) => vals
                        .iter()
                        .filter_map(|v| v.parse::<f64>().ok())
                        .any(|x| lo.is_none_or(|lo| x >= lo) && hi.is_none_or(|hi| x <= hi)),
                }
            }
        })
    }
}

/// The lower-cased values of a field; categories expand to every path prefix.
fn values(p: &Product, f: &Field) -> Vec<String> {
    let low = |s: &String| s.to_lowercase();
    match f {
        Field::Category => p
            .categories
            .iter()
            .flat_map(|path| {
                (1..=path.len()).map(move |d| {
                    path[..d]
                        .join(crate::catalog::CATEGORY_SEPARATOR)
                        .to_lowercase()
                })
            })
            .collect(),
        Field::Brand => p.brand.iter().map(low).collect(),
        Field::Tags => p.tags.iter().map(low).collect(),
        Field::Diets => p.diets.iter().map(low).collect(),
        Field::Allergens => p.allergens.iter().flatten().map(low).collect(),
        Field::Availability => vec![
            serde_json::to_value(p.availability)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ],
        Field::Id => vec![p.id.as_str().to_lowercase()],
        Field::Group => vec![p.group_key().to_lowercase()],
        Field::Price => Vec::new(),
        Field::Attribute(name) => match p.attributes.get(name) {
            Some(AttrValue::Text(s)) => vec![s.to_lowercase()],
            Some(AttrValue::List(l)) => l.iter().map(low).collect(),
            Some(AttrValue::Number(n)) => vec![n.to_string()],
            None => Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tailor_model::ProductId;

    fn product() -> Product {
        let mut p = Product::new(ProductId::new("p").unwrap(), "Salted peanuts");
        p.brand = Some("Acme".into());
        p.categories = vec![vec!["Food".into(), "Nuts".into()]];
        p.price = Some(3.0);
        p.tags = vec!["Organic".into(), "fair".into()];
        p.attributes
            .insert("colour".into(), AttrValue::Text("Red".into()));
        p
    }

    fn check(f: Value, ctx: Value) -> bool {
        let ctx = ctx.as_object().cloned().unwrap_or_default();
        Filter::parse(&f, &ctx, "filter")
            .unwrap()
            .matches(&product())
    }

    #[test]
    fn operators_match_as_documented() {
        assert!(check(json!({"brand": "acme"}), json!({})));
        assert!(check(json!({"category": "Food"}), json!({})));
        assert!(check(
            json!({"category": {"$in": ["Drinks", "Food > Nuts"]}}),
            json!({})
        ));
        assert!(!check(json!({"category": "Nuts"}), json!({})));
        assert!(check(
            json!({"tags": {"$all": ["organic", "FAIR"]}}),
            json!({})
        ));
        assert!(!check(json!({"brand": {"$not": ["Acme"]}}), json!({})));
        assert!(check(json!({"price": {"$range": [null, 3]}}), json!({})));
        assert!(!check(
            json!({"price": {"$range": [3.01, null]}}),
            json!({})
        ));
        assert!(check(
            json!({"attributes.colour": "red", "availability": "in_stock"}),
            json!({})
        ));
        assert!(check(json!({}), json!({})));
    }

    #[test]
    fn context_references_resolve() {
        assert!(check(
            json!({"category": {"$in": "$context.category"}}),
            json!({"category": ["Food"]})
        ));
        assert!(!check(
            json!({"brand": "$context.brand"}),
            json!({"brand": "Other"})
        ));
    }

    #[test]
    fn errors_name_the_path() {
        let ctx = ContextMap::new();
        let err = |v: Value| {
            Filter::parse(&v, &ctx, "boxes[0].filter")
                .unwrap_err()
                .field
        };
        assert_eq!(err(json!({"colour": "red"})), "boxes[0].filter.colour");
        assert_eq!(
            err(json!({"brand": {"$like": "x"}})),
            "boxes[0].filter.brand.$like"
        );
        assert_eq!(
            err(json!({"brand": {"$in": "$context.brand"}})),
            "boxes[0].filter.brand.$in"
        );
        assert_eq!(err(json!({"price": 3})), "boxes[0].filter.price");
        assert_eq!(
            err(json!({"price": {"$range": [1]}})),
            "boxes[0].filter.price.$range"
        );
        assert_eq!(err(json!([1])), "boxes[0].filter");
    }
}
