//! The JSON product: what the HTTP API accepts and what JSON/NDJSON feeds hold, plus partial
//! updates ([`apply_patch`]). Every field error is collected, not just the first.
//!
//! Unknown top-level fields are rejected (with a "did you mean" hint): a typo such as `"hiden"`
//! must not silently publish a product that was meant to be hidden. Shop-specific data goes
//! under `"attributes"`.

use crate::fields::{
    blank, check_amount, finish, non_empty, parse_availability, parse_bool, parse_currency,
    parse_price, parse_stock, parse_time, push_path, same_names, show, split_path,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use tailor_model::{AttrValue, Availability, FieldError, Millis, Product, ProductId};

/// Field names a JSON product may have.
const FIELDS: &[&str] = &[
    "id",
    "group_id",
    "title",
    "description",
    "brand",
    "categories",
    "price",
    "sale_price",
    "currency",
    "availability",
    "stock",
    "image_url",
    "url",
    "tags",
    "allergens",
    "diets",
    "attributes",
    "configuration",
    "hidden",
    "created_at",
    "updated_at",
];

/// Google Merchant names accepted as synonyms, so Merchant-style JSON maps without a rewrite.
const ALIASES: &[(&str, &str)] = &[
    ("link", "url"),
    ("image_link", "image_url"),
    ("item_group_id", "group_id"),
];

/// Parses one JSON product, collecting every field error, then runs [`Product::validate`].
///
/// `index` is echoed in each [`FieldError`] (a batch position or feed row).
///
/// Accepted shapes, beyond the plain serde form of [`Product`]:
/// - `id`: a string or an integer.
/// - `price`, `sale_price`: a number, a numeric string (`"12.50"`), a Merchant-style string with a
///   currency (`"12.50 EUR"`), or `{"value": 12.5, "currency": "EUR"}`. A currency given this way
///   sets `currency` and must agree with an explicit `currency` and with the other price.
/// - `categories`: a list of paths (`[["Food", "Snacks"]]`), a list of `"Food > Snacks"` strings,
///   or one such string. Empty levels are dropped; duplicate paths are merged.
/// - `availability`: any spelling [`Availability::parse`] knows, or a boolean.
/// - `hidden`: a boolean or `"true"`/`"false"`/`"yes"`/`"no"`/`1`/`0`.
/// - `stock`: a whole number or a numeric string.
/// - `attributes`: an object whose values are strings, numbers, booleans (kept as text) or lists
///   of those (kept as a list of text).
/// - `allergens`, `diets`: lists of strings, lower-cased so that filters compare reliably;
///   `allergens: null` or absent means "unknown", `[]` means "none".
/// - `created_at`, `updated_at`: epoch milliseconds or an RFC 3339 string.
/// - `link`, `image_link`, `item_group_id`: synonyms of `url`, `image_url`, `group_id`.
/// - `configuration`: option groups of a configurable product
///   ([`tailor_model::configure::Configuration`]); errors name the path inside it.
///
/// Strings are trimmed; an empty optional string counts as absent. Unknown fields are errors.
///
/// ```
/// use serde_json::json;
/// let p = tailor_catalog::parse_product(&json!({
///     "id": 42, "title": "Salted peanuts", "price": "2.49 EUR",
///     "categories": ["Food > Snacks > Nuts"], "attributes": {"weight_g": 200}
/// }), None).unwrap();
/// assert_eq!(p.id.as_str(), "42");
/// assert_eq!((p.price, p.currency.as_deref()), (Some(2.49), Some("EUR")));
///
/// let errs = tailor_catalog::parse_product(&json!({"id": "a", "price": "abc"}), Some(3)).unwrap_err();
/// let text: Vec<String> = errs.iter().map(ToString::to_string).collect();
/// assert_eq!(text, ["[3] title: is required", r#"[3] price: must be a number >= 0, got "abc""#]);
/// ```
pub fn parse_product(v: &Value, index: Option<usize>) -> Result<Product, Vec<FieldError>> {
    let Some(obj) = v.as_object() else {
        return Err(vec![FieldError::new(
            index,
            "",
            format!("must be a JSON object, got {}", kind(v)),
        )]);
    };
    let mut p = blank(index)?;
    let mut cx = Cx::new(index, false);
    for (key, value) in obj {
        cx.set(&mut p, key, value);
    }
    for field in ["id", "title"] {
        if !cx.given.contains(&field) && !cx.errs.iter().any(|e| e.field == field) {
            cx.err(field, "is required");
        }
    }
    cx.settle_currency(&mut p);
    sort_errors(&mut cx.errs);
    finish(p, cx.errs, index, &same_names)
}

/// Applies a partial update to `p`: only the fields present in `patch` change.
///
/// Values are read exactly as in [`parse_product`]. `null` clears an optional field (`price`,
/// `brand`, `stock`, `tags`, `allergens` back to "unknown", ...). `title`, `availability` and
/// `hidden` cannot be cleared, only set. `id` may be repeated but not changed.
/// `attributes` merges like a JSON Merge Patch (RFC 7396): `{"attributes": {"color": null,
/// "size": "M"}}` removes `color`, sets `size`, and keeps the rest; `"attributes": null` removes
/// them all.
///
/// The update is atomic: on any error `p` is left untouched and every error is returned.
///
/// ```
/// use serde_json::json;
/// let mut p = tailor_catalog::parse_product(&json!({"id": "a", "title": "Tea", "price": 3}), None).unwrap();
/// tailor_catalog::apply_patch(&mut p, &json!({"sale_price": "2.50", "stock": 0, "price": null})).unwrap();
/// assert_eq!((p.price, p.sale_price, p.stock), (None, Some(2.5), Some(0)));
/// assert!(tailor_catalog::apply_patch(&mut p, &json!({"id": "b"})).is_err());
/// ```
pub fn apply_patch(p: &mut Product, patch: &Value) -> Result<(), Vec<FieldError>> {
    let Some(obj) = patch.as_object() else {
        return Err(vec![FieldError::new(
            None,
            "",
            format!("a patch must be a JSON object, got {}", kind(patch)),
        )]);
    };
    let mut next = p.clone();
    let mut cx = Cx::new(None, true);
    for (key, value) in obj {
        cx.set(&mut next, key, value);
    }
    cx.settle_currency(&mut next);
    sort_errors(&mut cx.errs);
    *p = finish(next, cx.errs, None, &same_names)?;
    Ok(())
}

/// Errors in the order of [`FIELDS`], so messages read like the schema.
fn sort_errors(errs: &mut [FieldError]) {
    let rank = |f: &str| {
        let base = f.split(['.', '[']).next().unwrap_or(f);
        FIELDS
            .iter()
            .position(|k| *k == base)
            .unwrap_or(FIELDS.len())
    };
    errs.sort_by_key(|e| rank(&e.field));
}

/// A short description of a JSON value's type and content for messages.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => show(s),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Parsing state for one object: errors so far, which fields were given, currencies seen.
struct Cx {
    index: Option<usize>,
    patch: bool,
    errs: Vec<FieldError>,
    given: Vec<&'static str>,
    /// The explicit `currency` field: `Some(None)` when a patch clears it.
    currency: Option<Option<String>>,
    /// Currencies written inside prices, with the field that wrote them.
    implied: Vec<(&'static str, String)>,
}

impl Cx {
    fn new(index: Option<usize>, patch: bool) -> Self {
        Self {
            index,
            patch,
            errs: Vec::new(),
            given: Vec::new(),
            currency: None,
            implied: Vec::new(),
        }
    }

    fn err(&mut self, field: &str, reason: impl Into<String>) {
        self.errs.push(FieldError::new(self.index, field, reason));
    }

    /// Reads one top-level field into `p`.
    fn set(&mut self, p: &mut Product, key: &str, v: &Value) {
        let canonical = ALIASES
            .iter()
            .find(|(alias, _)| *alias == key)
            .map(|(_, c)| *c)
            .or_else(|| FIELDS.iter().copied().find(|f| *f == key));
        let Some(field) = canonical else {
            let hint = suggest(key)
                .map(|s| format!("did you mean {s:?}? "))
                .unwrap_or_default();
            self.err(
                key,
                format!("unknown field; {hint}shop-specific data goes under \"attributes\""),
            );
            return;
        };
        if self.given.contains(&field) {
            self.err(key, format!("given twice (also as {field:?} or a synonym)"));
            return;
        }
        self.given.push(field);
        let null = v.is_null();
        if null && !self.patch && matches!(field, "id" | "title") {
            self.err(key, "is required");
            return;
        }
        if null && self.patch && matches!(field, "id" | "title" | "availability" | "hidden") {
            self.err(key, "cannot be cleared; send a value instead");
            return;
        }
        match field {
            "id" => {
                let Some(id) = self.id(key, v) else { return };
                if self.patch && id != p.id {
                    self.err(
                        key,
                        format!(
                            "cannot change (this product is {}); create a new product instead",
                            show(p.id.as_str())
                        ),
                    );
                } else {
                    p.id = id;
                }
            }
            "title" => {
                if let Some(s) = self.string(key, v) {
                    p.title = s;
                }
            }
            "description" => {
                if let Some(s) = self.opt_string(key, v) {
                    p.description = s.unwrap_or_default();
                }
            }
            "group_id" => self.opt_text_into(key, v, &mut p.group_id),
            "brand" => self.opt_text_into(key, v, &mut p.brand),
            "image_url" => self.opt_text_into(key, v, &mut p.image_url),
            "url" => self.opt_text_into(key, v, &mut p.url),
            "currency" => match self.opt_string(key, v) {
                Some(None) => self.currency = Some(None),
                Some(Some(c)) => match parse_currency(&c) {
                    Ok(c) => self.currency = Some(Some(c)),
                    Err(e) => self.err(key, e),
                },
                None => {}
            },
            "price" => {
                if let Some(x) = self.price("price", key, v) {
                    p.price = x;
                }
            }
            "sale_price" => {
                if let Some(x) = self.price("sale_price", key, v) {
                    p.sale_price = x;
                }
            }
            "availability" => {
                if let Some(a) = self.availability(key, v) {
                    p.availability = a;
                }
            }
            "stock" => {
                if let Some(s) = self.stock(key, v) {
                    p.stock = s;
                }
            }
            "hidden" => {
                if let Some(h) = self.boolean(key, v) {
                    p.hidden = h;
                }
            }
            "tags" => {
                if let Some(t) = self.strings(key, v, false) {
                    p.tags = t.unwrap_or_default();
                }
            }
            "diets" => {
                if let Some(t) = self.strings(key, v, true) {
                    p.diets = t.unwrap_or_default();
                }
            }
            "allergens" => {
                if let Some(t) = self.strings(key, v, true) {
                    p.allergens = t;
                }
            }
            "categories" => {
                if let Some(c) = self.categories(key, v) {
                    p.categories = c;
                }
            }
            "attributes" => self.attributes(key, v, &mut p.attributes),
            "configuration" => {
                if v.is_null() {
                    p.configuration = None;
                } else {
                    match tailor_model::configure::Configuration::from_json(v, key) {
                        Ok(c) => p.configuration = Some(Box::new(c)),
                        Err(errs) => {
                            for e in errs {
                                self.err(&e.field, e.reason);
                            }
                        }
                    }
                }
            }
            "created_at" => {
                if let Some(t) = self.time(key, v) {
                    p.created_at = t;
                }
            }
            "updated_at" => {
                if let Some(t) = self.time(key, v) {
                    p.updated_at = t;
                }
            }
            _ => {}
        }
    }

    /// Makes the currency written in prices and the explicit `currency` agree, then stores it.
    fn settle_currency(&mut self, p: &mut Product) {
        let explicit = self.currency.take();
        let reference = match &explicit {
            Some(Some(c)) => Some(("currency", c.clone())),
            _ => self.implied.first().cloned(),
        };
        if let Some((ref_field, code)) = &reference {
            let clashes: Vec<_> = self
                .implied
                .iter()
                .filter(|(_, c)| c != code)
                .cloned()
                .collect();
            for (field, c) in clashes {
                self.err(
                    field,
                    format!("is in {c} but {ref_field} says {code}; one product has one currency"),
                );
            }
        }
        match (explicit, reference) {
            (_, Some((_, code))) => p.currency = Some(code),
            (Some(None), None) => p.currency = None,
            (_, None) => {}
        }
    }

    fn id(&mut self, key: &str, v: &Value) -> Option<ProductId> {
        let raw = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) if n.is_u64() || n.is_i64() => n.to_string(),
            other => {
                self.err(
                    key,
                    format!("must be a string or an integer, got {}", kind(other)),
                );
                return None;
            }
        };
        ProductId::new(raw)
            .map_err(|e| self.err(key, e.to_string()))
            .ok()
    }

    fn string(&mut self, key: &str, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_string()),
            other => {
                self.err(key, format!("must be a string, got {}", kind(other)));
                None
            }
        }
    }

    /// `Some(None)` for null or blank, `Some(Some(s))` for text, `None` after an error.
    fn opt_string(&mut self, key: &str, v: &Value) -> Option<Option<String>> {
        match v {
            Value::Null => Some(None),
            Value::String(s) => Some(non_empty(s)),
            Value::Number(n) => Some(Some(n.to_string())),
            other => {
                self.err(key, format!("must be a string, got {}", kind(other)));
                None
            }
        }
    }

    fn opt_text_into(&mut self, key: &str, v: &Value, slot: &mut Option<String>) {
        if let Some(s) = self.opt_string(key, v) {
            *slot = s;
        }
    }

    fn price(&mut self, field: &'static str, key: &str, v: &Value) -> Option<Option<f64>> {
        let (amount, code) = match v {
            Value::Null => return Some(None),
            Value::String(s) if s.trim().is_empty() => return Some(None),
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                match check_amount(x, &n.to_string()) {
                    Ok(x) => (x, None),
                    Err(e) => {
                        self.err(key, e);
                        return None;
                    }
                }
            }
            Value::String(s) => match parse_price(s) {
                Ok(x) => x,
                Err(e) => {
                    self.err(key, e);
                    return None;
                }
            },
            Value::Object(o) => return self.price_object(field, key, o),
            other => {
                self.err(key, format!("must be a number >= 0, got {}", kind(other)));
                return None;
            }
        };
        if let Some(c) = code {
            self.implied.push((field, c));
        }
        Some(Some(amount))
    }

    /// `{"value": "12.50", "currency": "EUR"}`, the Merchant API shape (`amount` also accepted).
    fn price_object(
        &mut self,
        field: &'static str,
        key: &str,
        o: &Map<String, Value>,
    ) -> Option<Option<f64>> {
        let shape = "must be a number, a string like \"12.50 EUR\", or {\"value\": 12.5, \"currency\": \"EUR\"}";
        if o.keys()
            .any(|k| !matches!(k.as_str(), "value" | "amount" | "currency"))
        {
            self.err(key, shape);
            return None;
        }
        let amount = match o.get("value").or_else(|| o.get("amount")) {
            Some(Value::Number(n)) => check_amount(n.as_f64().unwrap_or(f64::NAN), &n.to_string()),
            Some(Value::String(s)) => match parse_price(s) {
                Ok((x, None)) => Ok(x),
                Ok((_, Some(_))) => Err(format!(
                    "{key}.value must be a plain amount, got {}",
                    show(s)
                )),
                Err(e) => Err(e),
            },
            _ => Err(shape.to_string()),
        };
        let amount = match amount {
            Ok(x) => x,
            Err(e) => {
                self.err(key, e);
                return None;
            }
        };
        match o.get("currency") {
            None | Some(Value::Null) => {}
            Some(Value::String(c)) => match parse_currency(c) {
                Ok(c) => self.implied.push((field, c)),
                Err(e) => {
                    self.err(&format!("{key}.currency"), e);
                    return None;
                }
            },
            Some(other) => {
                self.err(
                    &format!("{key}.currency"),
                    format!("must be a string, got {}", kind(other)),
                );
                return None;
            }
        }
        Some(Some(amount))
    }

    fn availability(&mut self, key: &str, v: &Value) -> Option<Availability> {
        match v {
            Value::Null => Some(Availability::default()),
            Value::Bool(true) => Some(Availability::InStock),
            Value::Bool(false) => Some(Availability::OutOfStock),
            Value::String(s) => parse_availability(s).map_err(|e| self.err(key, e)).ok(),
            other => {
                self.err(
                    key,
                    format!(
                        "must be one of in_stock, out_of_stock, preorder, backorder, got {}",
                        kind(other)
                    ),
                );
                None
            }
        }
    }

    fn stock(&mut self, key: &str, v: &Value) -> Option<Option<i64>> {
        let r = match v {
            Value::Null => return Some(None),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Ok(i),
                None => parse_stock(&n.to_string()),
            },
            Value::String(s) if s.trim().is_empty() => return Some(None),
            Value::String(s) => parse_stock(s),
            other => Err(format!("must be a whole number, got {}", kind(other))),
        };
        r.map(Some).map_err(|e| self.err(key, e)).ok()
    }

    fn boolean(&mut self, key: &str, v: &Value) -> Option<bool> {
        let b = match v {
            Value::Null => Some(false),
            Value::Bool(b) => Some(*b),
            Value::Number(n) if n.as_u64() == Some(0) => Some(false),
            Value::Number(n) if n.as_u64() == Some(1) => Some(true),
            Value::String(s) => parse_bool(s),
            _ => None,
        };
        if b.is_none() {
            self.err(key, format!("must be true or false, got {}", kind(v)));
        }
        b
    }

    /// A list of strings; `Some(None)` for null. `lower` folds case (allergens, diets).
    fn strings(&mut self, key: &str, v: &Value, lower: bool) -> Option<Option<Vec<String>>> {
        let items = match v {
            Value::Null => return Some(None),
            Value::Array(a) => a,
            other => {
                self.err(
                    key,
                    format!("must be a list of strings, got {}", kind(other)),
                );
                return None;
            }
        };
        if items.len() > tailor_model::limits::MAX_LIST_LEN {
            self.err(
                key,
                format!("more than {} entries", tailor_model::limits::MAX_LIST_LEN),
            );
            return None;
        }
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => {
                    let t = if lower {
                        s.trim().to_lowercase()
                    } else {
                        s.trim().to_string()
                    };
                    if !t.is_empty() && !out.contains(&t) {
                        out.push(t);
                    }
                }
                other => {
                    ok = false;
                    self.err(
                        &format!("{key}[{i}]"),
                        format!("must be a string, got {}", kind(other)),
                    );
                }
            }
        }
        ok.then_some(Some(out))
    }

    fn categories(&mut self, key: &str, v: &Value) -> Option<Vec<Vec<String>>> {
        let items: &[Value] = match v {
            Value::Null => return Some(Vec::new()),
            Value::String(s) => {
                let mut paths = Vec::new();
                push_path(&mut paths, split_path(s));
                return Some(paths);
            }
            Value::Array(a) => a,
            other => {
                self.err(
                    key,
                    format!(
                        "must be a list of paths ([[\"Food\", \"Nuts\"]] or [\"Food > Nuts\"]), got {}",
                        kind(other)
                    ),
                );
                return None;
            }
        };
        if items.len() > tailor_model::limits::MAX_LIST_LEN {
            self.err(
                key,
                format!("more than {} entries", tailor_model::limits::MAX_LIST_LEN),
            );
            return None;
        }
        let mut paths = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => push_path(&mut paths, split_path(s)),
                Value::Array(levels) => {
                    let mut path = Vec::with_capacity(levels.len());
                    for (j, level) in levels.iter().enumerate() {
                        match level {
                            Value::String(s) => {
                                if let Some(t) = non_empty(s) {
                                    path.push(t);
                                }
                            }
                            other => {
                                ok = false;
                                self.err(
                                    &format!("{key}[{i}][{j}]"),
                                    format!("must be a string, got {}", kind(other)),
                                );
                            }
                        }
                    }
                    push_path(&mut paths, path);
                }
                other => {
                    ok = false;
                    self.err(
                        &format!("{key}[{i}]"),
                        format!(
                            "must be a path: a list of strings or \"A > B\", got {}",
                            kind(other)
                        ),
                    );
                }
            }
        }
        ok.then_some(paths)
    }

    /// Fills `attrs`: replaced wholesale when parsing, merged (RFC 7396) when patching.
    fn attributes(&mut self, key: &str, v: &Value, attrs: &mut BTreeMap<String, AttrValue>) {
        let obj = match v {
            Value::Null => {
                attrs.clear();
                return;
            }
            Value::Object(o) => o,
            other => {
                self.err(
                    key,
                    format!("must be an object of name: value, got {}", kind(other)),
                );
                return;
            }
        };
        if !self.patch {
            attrs.clear();
        }
        for (name, value) in obj {
            let field = format!("{key}.{name}");
            let name = name.trim();
            match attr_value(value) {
                Ok(Some(a)) => {
                    attrs.insert(name.to_string(), a);
                }
                Ok(None) => {
                    attrs.remove(name);
                }
                Err(e) => self.err(&field, e),
            }
        }
    }

    fn time(&mut self, key: &str, v: &Value) -> Option<Option<Millis>> {
        match v {
            Value::Null => Some(None),
            Value::Number(n) if n.is_i64() => Some(n.as_i64()),
            Value::String(s) => match parse_time(s) {
                Some(t) => Some(Some(t)),
                None => {
                    self.err(
                        key,
                        format!(
                            "must be epoch milliseconds or an RFC 3339 time, got {}",
                            show(s)
                        ),
                    );
                    None
                }
            },
            other => {
                self.err(
                    key,
                    format!(
                        "must be epoch milliseconds or an RFC 3339 time, got {}",
                        kind(other)
                    ),
                );
                None
            }
        }
    }
}

/// One attribute value; `Ok(None)` for null (absent, or "remove" in a patch).
fn attr_value(v: &Value) -> Result<Option<AttrValue>, String> {
    let scalar = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    };
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.is_finite() => Ok(Some(AttrValue::Number(x))),
            _ => Err(format!("must be a finite number, got {n}")),
        },
        Value::Array(items) => items
            .iter()
            .map(|i| scalar(i).ok_or(()))
            .collect::<Result<Vec<_>, ()>>()
            .map(|l| Some(AttrValue::List(l)))
            .map_err(|()| "a list may only hold strings, numbers and booleans".to_string()),
        Value::Object(_) => Err("must be a string, a number or a list, not an object".into()),
        other => Ok(scalar(other).map(AttrValue::Text)),
    }
}

/// The known field closest to a mistyped one (edit distance at most 2).
fn suggest(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    FIELDS
        .iter()
        .chain(ALIASES.iter().map(|(a, _)| a))
        .map(|f| (edit_distance(&lower, f), *f))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, f)| f)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields_of(r: Result<Product, Vec<FieldError>>) -> Vec<String> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn full_product_parses() {
        let p = parse_product(
            &json!({
                "id": "sku-1", "item_group_id": "g1", "title": " Trail mix ",
                "description": "Nuts and raisins", "brand": "Acme",
                "categories": [["Food", "Snacks"], "Food > Snacks > Nuts", "Food > Snacks"],
                "price": 12.5, "sale_price": {"value": "9.99", "currency": "eur"},
                "availability": "in stock", "stock": "7",
                "image_link": "https://x/img.jpg", "url": "https://x/p",
                "tags": ["bio", "bio", " new "], "allergens": ["Peanuts"], "diets": ["Vegan"],
                "attributes": {"weight_g": 200, "colour": "brown", "labels": ["a", 1, true], "gone": null},
                "hidden": "no", "created_at": "2024-01-01T00:00:00Z", "updated_at": 1
            }),
            Some(0),
        )
        .unwrap();
        assert_eq!(p.title, "Trail mix");
        assert_eq!(p.group_id.as_deref(), Some("g1"));
        assert_eq!(
            p.categories,
            vec![vec!["Food", "Snacks"], vec!["Food", "Snacks", "Nuts"]]
        );
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(p.sale_price, Some(9.99));
        assert_eq!(p.stock, Some(7));
        assert_eq!(p.image_url.as_deref(), Some("https://x/img.jpg"));
        assert_eq!(p.tags, ["bio", "new"]);
        assert_eq!(p.allergens, Some(vec!["peanuts".to_string()]));
        assert_eq!(p.diets, ["vegan"]);
        assert_eq!(p.attributes["weight_g"], AttrValue::Number(200.0));
        assert_eq!(
            p.attributes["labels"],
            AttrValue::List(vec!["a".into(), "1".into(), "true".into()])
        );
        assert!(!p.attributes.contains_key("gone"));
        assert!(!p.hidden);
        assert_eq!(p.created_at, Some(1_704_067_200_000));
    }

    #[test]
    fn every_error_is_collected_with_its_reason() {
        let errs = parse_product(
            &json!({
                "id": "", "price": "abc", "sale_price": -1, "stock": 1.5,
                "availability": "maybe", "tags": "a,b", "hidden": "perhaps",
                "categories": [["A", 3]], "attributes": {"x": {"y": 1}}, "prise": 3
            }),
            Some(9),
        )
        .unwrap_err();
        let shown: Vec<String> = errs
            .iter()
            .map(|e| format!("{}: {}", e.field, e.reason))
            .collect();
        assert!(
            shown.contains(&"price: must be a number >= 0, got \"abc\"".to_string()),
            "{shown:?}"
        );
        assert!(shown.contains(&"sale_price: must be a number >= 0, got -1".to_string()));
        assert!(shown.contains(&"id: must not be empty".to_string()));
        assert!(shown.contains(&"title: is required".to_string()));
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("prise: unknown field; did you mean \"price\"?"))
        );
        for f in [
            "stock",
            "availability",
            "tags",
            "hidden",
            "categories[0][1]",
            "attributes.x",
        ] {
            assert!(
                errs.iter().any(|e| e.field == f),
                "{f} missing in {shown:?}"
            );
        }
        assert!(errs.iter().all(|e| e.index == Some(9)));
    }

    #[test]
    fn not_an_object_and_integer_ids() {
        assert_eq!(fields_of(parse_product(&json!([1]), None)), [""]);
        assert_eq!(
            parse_product(&json!({"id": 7, "title": "x"}), None)
                .unwrap()
                .id
                .as_str(),
            "7"
        );
        assert_eq!(
            fields_of(parse_product(&json!({"id": 1.5, "title": "x"}), None)),
            ["id"]
        );
        assert_eq!(
            fields_of(parse_product(&json!({"id": null, "title": null}), None)),
            ["id", "title"]
        );
    }

    #[test]
    fn currencies_must_agree() {
        let r = parse_product(
            &json!({"id": "a", "title": "t", "price": "1 EUR", "sale_price": "1 USD"}),
            None,
        );
        assert_eq!(fields_of(r), ["sale_price"]);
        let r = parse_product(
            &json!({"id": "a", "title": "t", "price": "1 EUR", "currency": "USD"}),
            None,
        );
        assert_eq!(fields_of(r), ["price"]);
        let p = parse_product(
            &json!({"id": "a", "title": "t", "price": "1 EUR", "currency": "eur"}),
            None,
        )
        .unwrap();
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(
            fields_of(parse_product(
                &json!({"id": "a", "title": "t", "currency": "euro"}),
                None
            )),
            ["currency"]
        );
    }

    #[test]
    fn aliases_cannot_double_a_field() {
        let r = parse_product(
            &json!({"id": "a", "title": "t", "url": "u", "link": "v"}),
            None,
        );
        assert_eq!(fields_of(r).len(), 1);
    }

    #[test]
    fn limits_beyond_validate_are_checked() {
        let long = "x".repeat(tailor_model::limits::MAX_TEXT_LEN + 1);
        let r = parse_product(
            &json!({"id": "a", "title": long, "tags": [long], "categories": [["A", long]], "attributes": {"k": long}}),
            None,
        );
        assert_eq!(
            fields_of(r),
            ["title", "categories[0][1]", "tags[0]", "attributes.k"]
        );
        let many: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
        assert_eq!(
            fields_of(parse_product(
                &json!({"id": "a", "title": "t", "tags": many}),
                None
            )),
            ["tags"]
        );
    }

    #[test]
    fn patch_sets_clears_and_merges() {
        let mut p = parse_product(
            &json!({"id": "a", "title": "Tea", "brand": "B", "price": "3 EUR",
                    "attributes": {"color": "red", "size": "S"}, "allergens": ["milk"]}),
            None,
        )
        .unwrap();
        apply_patch(
            &mut p,
            &json!({"id": "a", "brand": null, "availability": "out of stock", "hidden": true,
                    "attributes": {"color": null, "size": "M", "new": 1}, "allergens": null,
                    "categories": "Drinks > Tea", "sale_price": "2.5 EUR"}),
        )
        .unwrap();
        assert_eq!(p.brand, None);
        assert_eq!(p.availability, Availability::OutOfStock);
        assert!(p.hidden);
        assert_eq!(p.attributes.len(), 2);
        assert_eq!(p.attributes["size"], AttrValue::Text("M".into()));
        assert_eq!(p.allergens, None);
        assert_eq!(p.categories, vec![vec!["Drinks", "Tea"]]);
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        apply_patch(
            &mut p,
            &json!({"attributes": null, "price": "4 USD", "sale_price": null}),
        )
        .unwrap();
        assert!(p.attributes.is_empty());
        assert_eq!(p.currency.as_deref(), Some("USD"));
    }

    #[test]
    fn patch_is_atomic_and_guards_required_fields() {
        let mut p = parse_product(&json!({"id": "a", "title": "Tea", "price": 3}), None).unwrap();
        let before = p.clone();
        let errs = apply_patch(
            &mut p,
            &json!({"id": "b", "title": null, "hidden": null, "availability": null, "price": "x", "stock": 3}),
        )
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "title", "price", "availability", "hidden"]);
        assert_eq!(p, before);
        assert!(apply_patch(&mut p, &json!({"title": " "})).is_err());
        assert!(apply_patch(&mut p, &json!([])).is_err());
        assert_eq!(p, before);
    }

    #[test]
    fn suggestions_are_close_only() {
        assert_eq!(suggest("hiden"), Some("hidden"));
        assert_eq!(suggest("Title"), Some("title"));
        assert_eq!(suggest("zzzzzz"), None);
    }
}
