use crate::limits::{MAX_ID_LEN, MAX_LIST_LEN, MAX_TEXT_LEN};
use crate::{
    AppliedFilters, CustomerId, FieldError, ListEdit, Millis, Preferences, ProductId, SessionId,
    VisitorId,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderLine {
    /// What was bought.
    pub product_id: ProductId,
    /// How many units.
    pub quantity: u32,
    /// Price per unit, when the shop sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<f64>,
}

/// What the shopper did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// Looked at a product page.
    View {
        /// The product viewed.
        product_id: ProductId,
    },
    /// Searched (or opened a category page, with an empty query), and was shown these products.
    Search {
        /// The text typed; empty for a category page.
        query: String,
        /// Ids shown, in order.
        #[serde(default)]
        shown: Vec<ProductId>,
        /// The filters applied (brand, category, colour, size, price): repeated, a taste.
        #[serde(default, skip_serializing_if = "AppliedFilters::is_empty")]
        filters: AppliedFilters,
    },
    /// Clicked a product that Tailor returned.
    Click {
        /// The product clicked.
        product_id: ProductId,
        /// The request that returned it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        /// Its 0-based position in the list.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        position: Option<u32>,
    },
    /// Put units into the cart.
    CartAdd {
        /// The product added.
        product_id: ProductId,
        /// Units added.
        quantity: u32,
    },
    /// Took units out of the cart.
    CartRemove {
        /// The product removed.
        product_id: ProductId,
        /// Units removed.
        quantity: u32,
    },
    /// Placed an order.
    Purchase {
        /// The shop's order id.
        order_id: String,
        /// What was bought.
        lines: Vec<OrderLine>,
    },
    /// Added a product to a wishlist.
    WishlistAdd {
        /// The product.
        product_id: ProductId,
        /// List name; the default list when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        list: Option<String>,
    },
    /// Removed a product from a wishlist.
    WishlistRemove {
        /// The product.
        product_id: ProductId,
        /// List name; the default list when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        list: Option<String>,
    },
    /// "Not interested": never show this product to this shopper again.
    Hide {
        /// The product.
        product_id: ProductId,
    },
    /// Stated preferences, replacing the previous ones (empty clears them).
    Preferences {
        /// The whole new set.
        preferences: Preferences,
    },
    /// Renamed, made, deleted, shared a list or moved a product between lists. Written only by
    /// the lists endpoints, which check the edit first; `/v1/events` does not take it.
    List {
        /// What changed.
        edit: ListEdit,
    },
    /// Picked options in a product's configurator (colour, size, ...): a signal of taste.
    Customize {
        /// The configurable product.
        product_id: ProductId,
        /// Values picked per option group (free-text groups are not sent).
        choices: BTreeMap<String, Vec<String>>,
    },
}

impl EventKind {
    /// The wire name of this kind (`view`, `cart_add`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::View { .. } => "view",
            Self::Search { .. } => "search",
            Self::Click { .. } => "click",
            Self::CartAdd { .. } => "cart_add",
            Self::CartRemove { .. } => "cart_remove",
            Self::Purchase { .. } => "purchase",
            Self::WishlistAdd { .. } => "wishlist_add",
            Self::WishlistRemove { .. } => "wishlist_remove",
            Self::Hide { .. } => "hide",
            Self::Preferences { .. } => "preferences",
            Self::List { .. } => "list",
            Self::Customize { .. } => "customize",
        }
    }

    /// The one product this event is about, for the kinds that have one.
    pub fn product(&self) -> Option<&ProductId> {
        match self {
            Self::View { product_id }
            | Self::Click { product_id, .. }
            | Self::CartAdd { product_id, .. }
            | Self::CartRemove { product_id, .. }
            | Self::WishlistAdd { product_id, .. }
            | Self::WishlistRemove { product_id, .. }
            | Self::Hide { product_id }
            | Self::Customize { product_id, .. } => Some(product_id),
            Self::List { edit } => edit.product(),
            Self::Search { .. } | Self::Purchase { .. } | Self::Preferences { .. } => None,
        }
    }
}

/// One thing one shopper did, as accepted by ingest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Client-chosen id that makes a retry idempotent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The anonymous browser.
    pub visitor_id: VisitorId,
    /// The visit; derived by the server when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// The logged-in customer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<CustomerId>,
    /// When the client says it happened (ms). Kept, never trusted for ordering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Millis>,
    /// When the server accepted it (ms); 0 until ingest sets it.
    #[serde(default)]
    pub received_at: Millis,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// When it happened as far as models are concerned: the client's time when given, else the server's.
    pub fn time(&self) -> Millis {
        self.timestamp.unwrap_or(self.received_at)
    }

    /// Parses one event of a batch, collecting every field error instead of stopping at the first.
    /// `index` is its position in the batch and appears in each error.
    pub fn from_json(v: &Value, index: usize) -> Result<Event, Vec<FieldError>> {
        let mut p = Parser {
            index,
            errs: Vec::new(),
        };
        let Some(obj) = v.as_object() else {
            return Err(vec![FieldError::new(
                Some(index),
                "",
                "must be a JSON object",
            )]);
        };
        let kind_name = p.req_str(obj, "type");
        let visitor_id = p.req_id(obj, "visitor_id", VisitorId::new);
        let session_id = p.opt_id(obj, "session_id", SessionId::new);
        let customer_id = p.opt_id(obj, "customer_id", CustomerId::new);
        let event_id = p.opt_str(obj, "event_id", MAX_ID_LEN);
        let timestamp = p.opt_int(obj, "timestamp");
        let kind = match kind_name.as_deref() {
            Some("view") => p
                .product(obj)
                .map(|product_id| EventKind::View { product_id }),
            Some("hide") => p
                .product(obj)
                .map(|product_id| EventKind::Hide { product_id }),
            Some("preferences") => match crate::preferences::from_event_field(obj, index) {
                Ok(preferences) => Some(EventKind::Preferences { preferences }),
                Err(e) => {
                    p.errs.extend(e);
                    None
                }
            },
            Some("search") => {
                let query = p.req_str(obj, "query");
                let shown = p.id_list(obj, "shown");
                let filters = obj
                    .get("filters")
                    .map_or(Ok(AppliedFilters::default()), |v| {
                        AppliedFilters::from_json(v, "filters")
                    });
                let filters = filters
                    .map_err(|mut e| {
                        e.index = Some(index);
                        p.errs.push(e);
                    })
                    .ok();
                query
                    .zip(filters)
                    .map(|(query, filters)| EventKind::Search {
                        query,
                        shown,
                        filters,
                    })
            }
            Some("click") => {
                let product_id = p.product(obj);
                let request_id = p.opt_str(obj, "request_id", MAX_ID_LEN);
                let position = p
                    .opt_int(obj, "position")
                    .and_then(|n| p.checked_u32("position", n));
                product_id.map(|product_id| EventKind::Click {
                    product_id,
                    request_id,
                    position,
                })
            }
            Some(k @ ("cart_add" | "cart_remove")) => {
                let product_id = p.product(obj);
                let quantity = p.quantity(obj, "quantity");
                product_id.map(|product_id| {
                    if k == "cart_add" {
                        EventKind::CartAdd {
                            product_id,
                            quantity,
                        }
                    } else {
                        EventKind::CartRemove {
                            product_id,
                            quantity,
                        }
                    }
                })
            }
            Some(k @ ("wishlist_add" | "wishlist_remove")) => {
                let product_id = p.product(obj);
                let list = p.opt_str(obj, "list", MAX_ID_LEN);
                product_id.map(|product_id| {
                    if k == "wishlist_add" {
                        EventKind::WishlistAdd { product_id, list }
                    } else {
                        EventKind::WishlistRemove { product_id, list }
                    }
                })
            }
            Some("customize") => {
                let product_id = p.product(obj);
                let choices = p.choices(obj);
                product_id
                    .zip(choices)
                    .map(|(product_id, choices)| EventKind::Customize {
                        product_id,
                        choices,
                    })
            }
            Some("purchase") => {
                let order_id = p.req_str(obj, "order_id");
                if order_id.as_ref().is_some_and(|o| o.len() > MAX_ID_LEN) {
                    p.err("order_id", format!("longer than {MAX_ID_LEN} bytes"));
                }
                let lines = p.lines(obj);
                order_id
                    .zip(lines)
                    .map(|(order_id, lines)| EventKind::Purchase { order_id, lines })
            }
            Some(other) => {
                p.err(
                    "type",
                    format!(
                        "unknown event type {other:?}; expected one of view, search, click, cart_add, \
                         cart_remove, purchase, wishlist_add, wishlist_remove, hide, preferences, \
                         customize"
                    ),
                );
                None
            }
            None => None,
        };
        match (p.errs.is_empty(), kind, visitor_id) {
            (true, Some(kind), Some(visitor_id)) => Ok(Event {
                event_id,
                visitor_id,
                session_id,
                customer_id,
                timestamp,
                received_at: 0,
                kind,
            }),
            _ => Err(p.errs),
        }
    }
}

/// Collects field errors while reading one JSON object.
struct Parser {
    index: usize,
    errs: Vec<FieldError>,
}

impl Parser {
    fn err(&mut self, field: &str, reason: impl Into<String>) {
        self.errs
            .push(FieldError::new(Some(self.index), field, reason));
    }

    fn req_str(&mut self, o: &Map<String, Value>, f: &str) -> Option<String> {
        match o.get(f) {
            Some(Value::String(s)) if s.len() > MAX_TEXT_LEN => {
                self.err(f, format!("longer than {MAX_TEXT_LEN} bytes"));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) => {
                self.err(f, "is required");
                None
            }
            Some(_) => {
                self.err(f, "must be a string");
                None
            }
        }
    }

    fn opt_str(&mut self, o: &Map<String, Value>, f: &str, max: usize) -> Option<String> {
        match o.get(f) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.len() > max => {
                self.err(f, format!("longer than {max} bytes"));
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.err(f, "must be a string");
                None
            }
        }
    }

    fn req_id<T, E: std::fmt::Display>(
        &mut self,
        o: &Map<String, Value>,
        f: &str,
        make: impl Fn(String) -> Result<T, E>,
    ) -> Option<T> {
        let s = self.req_str(o, f)?;
        make(s).map_err(|e| self.err(f, e.to_string())).ok()
    }

    fn opt_id<T, E: std::fmt::Display>(
        &mut self,
        o: &Map<String, Value>,
        f: &str,
        make: impl Fn(String) -> Result<T, E>,
    ) -> Option<T> {
        let s = self.opt_str(o, f, usize::MAX)?;
        make(s).map_err(|e| self.err(f, e.to_string())).ok()
    }

    fn product(&mut self, o: &Map<String, Value>) -> Option<ProductId> {
        self.req_id(o, "product_id", ProductId::new)
    }

    fn opt_int(&mut self, o: &Map<String, Value>, f: &str) -> Option<i64> {
        match o.get(f) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => Some(i),
                None => {
                    self.err(f, "must be an integer");
                    None
                }
            },
            Some(_) => {
                self.err(f, "must be an integer");
                None
            }
        }
    }

    fn checked_u32(&mut self, f: &str, n: i64) -> Option<u32> {
        match u32::try_from(n) {
            Ok(v) => Some(v),
            Err(_) => {
                self.err(f, "must be between 0 and 4294967295");
                None
            }
        }
    }

    /// Defaults to 1; must be 1 or more.
    fn quantity(&mut self, o: &Map<String, Value>, f: &str) -> u32 {
        match self.opt_int(o, f) {
            None => 1,
            Some(n) if n >= 1 => self.checked_u32(f, n).unwrap_or(1),
            Some(_) => {
                self.err(f, "must be 1 or more");
                1
            }
        }
    }

    fn list<'a>(&mut self, o: &'a Map<String, Value>, f: &str) -> Option<&'a Vec<Value>> {
        match o.get(f) {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) if a.len() > MAX_LIST_LEN => {
                self.err(f, format!("more than {MAX_LIST_LEN} entries"));
                None
            }
            Some(Value::Array(a)) => Some(a),
            Some(_) => {
                self.err(f, "must be an array");
                None
            }
        }
    }

    fn id_list(&mut self, o: &Map<String, Value>, f: &str) -> Vec<ProductId> {
        let Some(items) = self.list(o, f) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            match v.as_str().map(ProductId::new) {
                Some(Ok(id)) => out.push(id),
                Some(Err(e)) => self.err(&format!("{f}[{i}]"), e.to_string()),
                None => self.err(&format!("{f}[{i}]"), "must be a string"),
            }
        }
        out
    }

    /// `{"group": "value" | ["value", ...]}`, bounded like any list.
    fn choices(&mut self, o: &Map<String, Value>) -> Option<BTreeMap<String, Vec<String>>> {
        let Some(groups) = o.get("choices").and_then(Value::as_object) else {
            self.err(
                "choices",
                "is required and must be an object of group: value(s)",
            );
            return None;
        };
        if groups.len() > MAX_LIST_LEN {
            self.err("choices", format!("more than {MAX_LIST_LEN} groups"));
            return None;
        }
        let mut out = BTreeMap::new();
        for (g, v) in groups {
            let f = format!("choices.{g}");
            if g.len() > MAX_ID_LEN {
                self.err(&f, format!("group name longer than {MAX_ID_LEN} bytes"));
                continue;
            }
            let values: Vec<&Value> = match v {
                Value::Array(a) if a.len() <= MAX_LIST_LEN => a.iter().collect(),
                Value::Array(_) => {
                    self.err(&f, format!("more than {MAX_LIST_LEN} values"));
                    continue;
                }
                one => vec![one],
            };
            let mut vals = Vec::with_capacity(values.len());
            for v in values {
                match v.as_str() {
                    Some(s) if s.len() <= MAX_ID_LEN => vals.push(s.to_string()),
                    Some(_) => self.err(&f, format!("a value is longer than {MAX_ID_LEN} bytes")),
                    None => self.err(&f, "values must be strings"),
                }
            }
            out.insert(g.clone(), vals);
        }
        Some(out)
    }

    fn lines(&mut self, o: &Map<String, Value>) -> Option<Vec<OrderLine>> {
        let Some(items) = self.list(o, "lines") else {
            if !o.contains_key("lines") {
                self.err("lines", "is required");
            }
            return None;
        };
        if items.is_empty() {
            self.err("lines", "must hold at least one line");
            return None;
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            let Some(line) = v.as_object() else {
                self.err(&format!("lines[{i}]"), "must be an object");
                continue;
            };
            let before = self.errs.len();
            let product_id = self.req_id(line, "product_id", ProductId::new).ok_or(());
            let quantity = self.quantity(line, "quantity");
            let unit_price = match line.get("unit_price") {
                None | Some(Value::Null) => None,
                Some(Value::Number(n)) => match n.as_f64() {
                    Some(x) if x.is_finite() && x >= 0.0 => Some(x),
                    _ => {
                        self.err("unit_price", "must be a finite number >= 0");
                        None
                    }
                },
                Some(_) => {
                    self.err("unit_price", "must be a number");
                    None
                }
            };
            // Name the line in the fields of the errors just pushed.
            for e in &mut self.errs[before..] {
                e.field = format!("lines[{i}].{}", e.field);
            }
            if let Ok(product_id) = product_id {
                out.push(OrderLine {
                    product_id,
                    quantity,
                    unit_price,
                });
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Vec<String> {
        Event::from_json(&v, 7)
            .unwrap_err()
            .into_iter()
            .map(|e| {
                assert_eq!(e.index, Some(7));
                e.field
            })
            .collect()
    }

    #[test]
    fn parses_every_kind() {
        let cases = [
            json!({"type":"view","visitor_id":"v","product_id":"p"}),
            json!({"type":"search","visitor_id":"v","query":"nuts","shown":["a","b"]}),
            json!({"type":"search","visitor_id":"v","query":"","filters":{"brand":"Acme","price":{"max":9}}}),
            json!({"type":"click","visitor_id":"v","product_id":"p","request_id":"r","position":2}),
            json!({"type":"cart_add","visitor_id":"v","product_id":"p","quantity":3}),
            json!({"type":"cart_remove","visitor_id":"v","product_id":"p"}),
            json!({"type":"purchase","visitor_id":"v","order_id":"o","lines":[{"product_id":"p","quantity":2,"unit_price":1.5}]}),
            json!({"type":"wishlist_add","visitor_id":"v","product_id":"p","list":"xmas"}),
            json!({"type":"wishlist_remove","visitor_id":"v","product_id":"p"}),
            json!({"type":"hide","visitor_id":"v","product_id":"p"}),
            json!({"type":"preferences","visitor_id":"v","preferences":{"exclude_allergens":["peanut"],"diets":["vegan"]}}),
            json!({"type":"customize","visitor_id":"v","product_id":"p","choices":{"colour":"Red","extras":["gift wrap","card"]}}),
        ];
        for c in cases {
            let e = Event::from_json(&c, 0).unwrap();
            assert_eq!(e.kind.name(), c["type"].as_str().unwrap());
            // What we store round-trips through serde.
            let back: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
            assert_eq!(back, e);
        }
    }

    #[test]
    fn names_missing_and_wrong_fields() {
        assert_eq!(fields(json!({"type":"view"})), ["visitor_id", "product_id"]);
        assert_eq!(
            fields(json!({"type":"teleport","visitor_id":"v"})),
            ["type"]
        );
        assert_eq!(
            fields(json!({"type":"cart_add","visitor_id":"v","product_id":"p","quantity":0})),
            ["quantity"]
        );
        assert_eq!(
            fields(
                json!({"type":"purchase","visitor_id":"v","order_id":"o","lines":[{"quantity":1},{"product_id":"p","quantity":-1}]})
            ),
            ["lines[0].product_id", "lines[1].quantity"]
        );
        assert_eq!(
            fields(json!({"type":"view","visitor_id":"","product_id":"p","timestamp":"yesterday"})),
            ["visitor_id", "timestamp"]
        );
        assert_eq!(fields(json!([1, 2])), [""]);
        assert_eq!(
            fields(
                json!({"type":"customize","visitor_id":"v","product_id":"p","choices":{"colour":[1]}})
            ),
            ["choices.colour"]
        );
        assert_eq!(
            fields(json!({"type":"customize","visitor_id":"v","product_id":"p"})),
            ["choices"]
        );
        assert_eq!(
            fields(json!({"type":"search","visitor_id":"v","query":"q","filters":{"flavour":"x"}})),
            ["filters.flavour"]
        );
        // List edits come only through the lists endpoints, which check them.
        assert_eq!(
            fields(json!({"type":"list","visitor_id":"v","edit":{"op":"delete","list":"x"}})),
            ["type"]
        );
    }

    #[test]
    fn enforces_length_limits() {
        let long = "x".repeat(MAX_TEXT_LEN + 1);
        assert_eq!(
            fields(json!({"type":"search","visitor_id":"v","query":long})),
            ["query"]
        );
        let many: Vec<String> = (0..=MAX_LIST_LEN).map(|i| i.to_string()).collect();
        assert_eq!(
            fields(json!({"type":"search","visitor_id":"v","query":"q","shown":many})),
            ["shown"]
        );
        let brands: Vec<String> = (0..=crate::MAX_FILTER_VALUES)
            .map(|i| i.to_string())
            .collect();
        assert_eq!(
            fields(json!({"type":"search","visitor_id":"v","query":"","filters":{"brand":brands}})),
            ["filters.brand"]
        );
    }

    #[test]
    fn unicode_survives() {
        let e = Event::from_json(
            &json!({"type":"search","visitor_id":"👩‍🍳","query":"crème brûlée 抹茶"}),
            0,
        )
        .unwrap();
        assert!(
            matches!(e.kind, EventKind::Search { ref query, .. } if query == "crème brûlée 抹茶")
        );
    }
}
