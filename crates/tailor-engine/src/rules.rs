//! Merchandising rules: the stage after rank. A rule says *when* (a query, a category page, a
//! box, an audience, a schedule) and *what* (pin a product to a slot, boost or bury products by a
//! factor, hide them, or keep only some). Search, browse and recommendation boxes all pass
//! through [`apply`], so a rule holds wherever products are shown.
//!
//! Conflicts resolve in one documented order (docs/ARCHITECTURE.md, "Merchandising rules"):
//! rules run highest priority first, equal priorities by id; `filter` and `hide` remove products
//! before anything else, so they beat a pin; boosts and buries multiply; pins are placed last,
//! and a pin whose slot is taken by an earlier (stronger) pin takes the next free slot.

use crate::catalog::Item;
use crate::filter::{ContextMap, Filter};
use crate::pipeline::rank::Ranked;
use crate::shopper::ShopperState;
use crate::state::ShopState;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tailor_model::{FieldError, Millis, ProductId};

/// Most rules a shop may have.
pub const MAX_RULES: usize = 1000;
/// Most actions in one rule.
pub const MAX_ACTIONS: usize = 50;
/// Largest boost or bury factor.
pub const MAX_FACTOR: f64 = 1000.0;
/// Deepest slot a pin may name.
pub const MAX_PIN_POSITION: usize = 1000;
/// Longest rule id.
pub const MAX_ID_LEN: usize = 64;

/// Where a list of products is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// A search with a query.
    Search,
    /// A category page (a search without a query).
    Browse,
    /// A recommendation box (and everything built from boxes, such as emails).
    Recommendations,
}

impl Surface {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Search => "search",
            Self::Browse => "browse",
            Self::Recommendations => "recommendations",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        [Self::Search, Self::Browse, Self::Recommendations]
            .into_iter()
            .find(|x| x.name() == s)
    }
}

/// How a rule looks at the query.
#[derive(Debug, Clone, PartialEq)]
enum QueryCond {
    /// The whole query, normalised (lowercase, single spaces), equals one of these.
    Matches(Vec<String>),
    /// The normalised query contains one of these as a whole word or phrase.
    Contains(Vec<String>),
}

/// Who a rule is for.
#[derive(Debug, Clone, PartialEq, Default)]
enum Audience {
    #[default]
    Anyone,
    /// No earlier session (or no history at all).
    New,
    /// At least one earlier session, or a past purchase.
    Returning,
    /// The shopper stated this value in this preference field.
    Stated { field: String, value: String },
}

/// Preference fields an audience may look at.
const STATED_FIELDS: [&str; 6] = [
    "diets",
    "exclude_allergens",
    "favorite_brands",
    "exclude_brands",
    "colors",
    "liked_categories",
];

/// When a rule applies. Every stated part must hold; an absent part always holds.
#[derive(Debug, Clone, PartialEq, Default)]
struct Condition {
    surfaces: Vec<Surface>,
    query: Option<QueryCond>,
    categories: Vec<String>,
    boxes: Vec<String>,
    audience: Audience,
}

/// What an action does.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Put this product at this 0-based slot (inserting it if the list lacks it).
    Pin {
        /// The product.
        product: ProductId,
        /// The slot.
        position: usize,
    },
    /// Multiply the score of matching products.
    Boost(f64),
    /// Divide the score of matching products.
    Bury(f64),
    /// Remove matching products.
    Hide,
    /// Keep only matching products.
    Filter,
}

impl ActionKind {
    /// The wire name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Pin { .. } => "pin",
            Self::Boost(_) => "boost",
            Self::Bury(_) => "bury",
            Self::Hide => "hide",
            Self::Filter => "filter",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Action {
    kind: ActionKind,
    /// Which products the action touches (all when empty; unused by pins).
    products: Filter,
}

/// One merchandising rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Unique within the shop.
    pub id: String,
    /// Higher runs first.
    pub priority: i64,
    /// A disabled rule is kept but never applies.
    pub enabled: bool,
    /// Applies from this time (ms since the epoch), inclusive.
    pub active_from: Option<Millis>,
    /// Applies until this time, exclusive.
    pub active_until: Option<Millis>,
    when: Condition,
    actions: Vec<Action>,
    /// The rule as given, normalised, for reading it back.
    pub json: Value,
}

/// What one rule did to one item; `explain` lists these.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleEffect {
    /// The rule's id.
    pub rule: Arc<str>,
    /// `pin`, `boost` or `bury`.
    pub action: &'static str,
    /// What it added to the score (boost and bury), so the parts still sum to the total.
    pub delta: f64,
}

/// What one rule did to one list; `explain` lists these at the list level, so rules that
/// removed products (hide, filter) show too.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The rule's id.
    pub rule: String,
    /// The action's name.
    pub action: &'static str,
    /// Products it pinned, reweighted or removed.
    pub items: usize,
}

/// What the rules stage knows about the request.
pub struct RuleContext<'a> {
    /// Where the list is shown.
    pub surface: Surface,
    /// The query typed (empty for browse and boxes).
    pub query: &'a str,
    /// The page's category paths (a category page's filter, a box's `context.category`).
    pub categories: Vec<String>,
    /// The box's name (recommendations).
    pub box_name: Option<&'a str>,
    /// The shopper, if known.
    pub shopper: Option<&'a ShopperState>,
    /// Request time, for schedules.
    pub now: Millis,
}

/// A shop's rules, kept in the order they run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleSet {
    rules: Vec<Arc<Rule>>,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError::new(None, field, reason)
}

/// Lowercase words separated by single spaces.
fn normalise(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn text_list(v: &Value, path: &str) -> Result<Vec<String>, FieldError> {
    let list: Vec<&Value> = match v {
        Value::Array(a) if !a.is_empty() => a.iter().collect(),
        Value::String(_) => vec![v],
        _ => return Err(err(path, "must be a string or a non-empty list of strings")),
    };
    list.iter()
        .enumerate()
        .map(|(i, x)| match x.as_str() {
            Some(s) if !s.trim().is_empty() && s.len() <= tailor_model::limits::MAX_TEXT_LEN => {
                Ok(s.trim().to_string())
            }
            _ => Err(err(
                format!("{path}[{i}]"),
                "must be a non-empty string of at most 1000 bytes",
            )),
        })
        .collect()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// A time as ms since the epoch, or a UTC date (`2026-12-24`) or date-time
/// (`2026-12-24T18:00:00Z`).
pub fn parse_time(v: &Value, path: &str) -> Result<Option<Millis>, FieldError> {
    let bad = || {
        err(
            path,
            "must be ms since the epoch, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)",
        )
    };
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n.as_i64().filter(|x| *x >= 0).map(Some).ok_or_else(bad),
        Value::String(s) => {
            let s = s.trim();
            let (date, time) = s.split_once('T').unwrap_or((s, ""));
            let num = |x: &str| x.parse::<i64>().ok();
            let mut d = date.split('-');
            let (Some(y), Some(m), Some(dd), None) = (
                d.next().and_then(num),
                d.next().and_then(num),
                d.next().and_then(num),
                d.next(),
            ) else {
                return Err(bad());
            };
            if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
                return Err(bad());
            }
            let mut secs = 0;
            if !time.is_empty() {
                let t = time.strip_suffix('Z').ok_or_else(bad)?;
                let mut p = t.split(':');
                let (Some(h), Some(mi), sec, None) = (
                    p.next().and_then(num),
                    p.next().and_then(num),
                    p.next(),
                    p.next(),
                ) else {
                    return Err(bad());
                };
                let sec = match sec {
                    Some(x) => num(x).ok_or_else(bad)?,
                    None => 0,
                };
                if !(0..24).contains(&h) || !(0..60).contains(&mi) || !(0..60).contains(&sec) {
                    return Err(bad());
                }
                secs = h * 3600 + mi * 60 + sec;
            }
            Ok(Some((days_from_civil(y, m, dd) * 86_400 + secs) * 1000))
        }
        _ => Err(bad()),
    }
}

fn parse_condition(v: Option<&Value>) -> Result<Condition, FieldError> {
    let mut c = Condition::default();
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(c);
    };
    let o = v
        .as_object()
        .ok_or_else(|| err("when", "must be an object"))?;
    for (k, v) in o {
        let path = format!("when.{k}");
        match k.as_str() {
            "surfaces" => {
                for (i, s) in text_list(v, &path)?.iter().enumerate() {
                    let s = Surface::parse(s).ok_or_else(|| {
                        err(
                            format!("{path}[{i}]"),
                            "unknown surface; use search, browse or recommendations",
                        )
                    })?;
                    if !c.surfaces.contains(&s) {
                        c.surfaces.push(s);
                    }
                }
            }
            "query" => {
                let q = v.as_object().filter(|q| q.len() == 1).ok_or_else(|| {
                    err(
                        &path,
                        "must be {\"matches\": text or [text]} or {\"contains\": text or [text]}",
                    )
                })?;
                let (op, arg) = q.iter().next().expect("one entry");
                let list: Vec<String> = text_list(arg, &format!("{path}.{op}"))?
                    .iter()
                    .map(|s| normalise(s))
                    .collect();
                c.query = Some(match op.as_str() {
                    "matches" => QueryCond::Matches(list),
                    "contains" => QueryCond::Contains(list),
                    _ => {
                        return Err(err(
                            format!("{path}.{op}"),
                            "unknown operator; use matches or contains",
                        ));
                    }
                });
            }
            "category" => c.categories = text_list(v, &path)?,
            "box" => c.boxes = text_list(v, &path)?,
            "audience" => {
                c.audience = match v {
                    Value::String(s) if s == "new" => Audience::New,
                    Value::String(s) if s == "returning" => Audience::Returning,
                    Value::String(s) if s == "anyone" => Audience::Anyone,
                    Value::Object(o) if o.len() == 1 && o.contains_key("stated") => {
                        let s = o["stated"].as_object().ok_or_else(|| {
                            err(format!("{path}.stated"), "must be {\"field\", \"value\"}")
                        })?;
                        let field = s.get("field").and_then(Value::as_str).unwrap_or_default();
                        if !STATED_FIELDS.contains(&field) {
                            return Err(err(
                                format!("{path}.stated.field"),
                                format!("must be one of {}", STATED_FIELDS.join(", ")),
                            ));
                        }
                        let value = match s.get("value").and_then(Value::as_str) {
                            Some(x) if !x.trim().is_empty() && x.len() <= MAX_ID_LEN * 4 => {
                                x.trim().to_lowercase()
                            }
                            _ => {
                                return Err(err(
                                    format!("{path}.stated.value"),
                                    "must be a non-empty string",
                                ));
                            }
                        };
                        Audience::Stated {
                            field: field.to_string(),
                            value,
                        }
                    }
                    _ => {
                        return Err(err(
                            &path,
                            "must be \"new\", \"returning\", \"anyone\" or {\"stated\": {\"field\", \"value\"}}",
                        ));
                    }
                }
            }
            _ => {
                return Err(err(
                    &path,
                    "unknown condition; use surfaces, query, category, box or audience",
                ));
            }
        }
    }
    Ok(c)
}

fn parse_action(v: &Value, path: &str) -> Result<Action, FieldError> {
    let o = v
        .as_object()
        .ok_or_else(|| err(path, "must be an object with a type"))?;
    for k in o.keys() {
        if !["type", "product_id", "position", "factor", "products"].contains(&k.as_str()) {
            return Err(err(
                format!("{path}.{k}"),
                "unknown field; use type, product_id, position, factor or products",
            ));
        }
    }
    let products = match o.get("products") {
        None | Some(Value::Null) => Filter::default(),
        Some(f) => Filter::parse(f, &ContextMap::new(), &format!("{path}.products"))?,
    };
    let factor = || -> Result<f64, FieldError> {
        o.get("factor")
            .and_then(Value::as_f64)
            .filter(|f| *f > 1.0 && *f <= MAX_FACTOR)
            .ok_or_else(|| {
                err(
                    format!("{path}.factor"),
                    format!("must be a number above 1 and at most {MAX_FACTOR}"),
                )
            })
    };
    let kind = match o.get("type").and_then(Value::as_str) {
        Some("pin") => {
            let product = o
                .get("product_id")
                .and_then(Value::as_str)
                .ok_or_else(|| err(format!("{path}.product_id"), "is required for a pin"))
                .and_then(|s| {
                    ProductId::new(s.to_string())
                        .map_err(|e| err(format!("{path}.product_id"), e.to_string()))
                })?;
            let position = o
                .get("position")
                .and_then(Value::as_u64)
                .filter(|p| *p <= MAX_PIN_POSITION as u64)
                .ok_or_else(|| {
                    err(
                        format!("{path}.position"),
                        format!("must be a 0-based slot from 0 to {MAX_PIN_POSITION}"),
                    )
                })? as usize;
            if !products.is_empty() {
                return Err(err(
                    format!("{path}.products"),
                    "a pin names one product_id, not a filter",
                ));
            }
            ActionKind::Pin { product, position }
        }
        Some("boost") => ActionKind::Boost(factor()?),
        Some("bury") => ActionKind::Bury(factor()?),
        Some("hide") => ActionKind::Hide,
        Some("filter") => {
            if products.is_empty() {
                return Err(err(
                    format!("{path}.products"),
                    "a filter action needs the products to keep",
                ));
            }
            ActionKind::Filter
        }
        _ => {
            return Err(err(
                format!("{path}.type"),
                "must be pin, boost, bury, hide or filter",
            ));
        }
    };
    let pin = matches!(kind, ActionKind::Pin { .. });
    for (f, allowed) in [("product_id", pin), ("position", pin)] {
        if o.contains_key(f) && !allowed {
            return Err(err(format!("{path}.{f}"), "only a pin takes this"));
        }
    }
    if o.contains_key("factor") && !matches!(kind, ActionKind::Boost(_) | ActionKind::Bury(_)) {
        return Err(err(
            format!("{path}.factor"),
            "only boost and bury take a factor",
        ));
    }
    Ok(Action { kind, products })
}

impl Rule {
    /// Parses a rule; `id` is used when the body has none (a path id, or a generated one).
    /// Every mistake names its field.
    pub fn parse(v: &Value, id: Option<&str>) -> Result<Self, FieldError> {
        let o = v
            .as_object()
            .ok_or_else(|| err("body", "must be a JSON object"))?;
        for k in o.keys() {
            if ![
                "id",
                "name",
                "priority",
                "enabled",
                "active_from",
                "active_until",
                "when",
                "actions",
            ]
            .contains(&k.as_str())
            {
                return Err(err(
                    k,
                    "unknown field; use id, name, priority, enabled, active_from, active_until, when or actions",
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
        if id.is_empty()
            || id.len() > MAX_ID_LEN
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            return Err(err(
                "id",
                format!("must be 1 to {MAX_ID_LEN} characters of A-Z, a-z, 0-9, '-', '_' or '.'"),
            ));
        }
        let name = match o.get("name") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) if s.len() <= 200 => s.clone(),
            Some(_) => return Err(err("name", "must be a string of at most 200 bytes")),
        };
        let priority = match o.get("priority") {
            None | Some(Value::Null) => 0,
            Some(v) => v
                .as_i64()
                .filter(|p| p.abs() <= 1_000_000)
                .ok_or_else(|| err("priority", "must be an integer from -1000000 to 1000000"))?,
        };
        let enabled = match o.get("enabled") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(err("enabled", "must be true or false")),
        };
        let active_from = parse_time(o.get("active_from").unwrap_or(&Value::Null), "active_from")?;
        let active_until = parse_time(
            o.get("active_until").unwrap_or(&Value::Null),
            "active_until",
        )?;
        if let (Some(a), Some(b)) = (active_from, active_until)
            && a >= b
        {
            return Err(err("active_until", "must be later than active_from"));
        }
        let when = parse_condition(o.get("when"))?;
        let list = o
            .get("actions")
            .and_then(Value::as_array)
            .filter(|a| (1..=MAX_ACTIONS).contains(&a.len()))
            .ok_or_else(|| {
                err(
                    "actions",
                    format!("must be a list of 1 to {MAX_ACTIONS} actions"),
                )
            })?;
        let actions = list
            .iter()
            .enumerate()
            .map(|(i, a)| parse_action(a, &format!("actions[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut json = Map::new();
        json.insert("id".into(), json!(id));
        json.insert("name".into(), json!(name));
        json.insert("priority".into(), json!(priority));
        json.insert("enabled".into(), json!(enabled));
        json.insert("active_from".into(), json!(active_from));
        json.insert("active_until".into(), json!(active_until));
        json.insert(
            "when".into(),
            o.get("when").cloned().unwrap_or_else(|| json!({})),
        );
        json.insert("actions".into(), Value::Array(list.clone()));
        Ok(Self {
            id,
            priority,
            enabled,
            active_from,
            active_until,
            when,
            actions,
            json: Value::Object(json),
        })
    }

    /// Whether the schedule covers `now` (and the rule is enabled).
    pub fn live_at(&self, now: Millis) -> bool {
        self.enabled
            && self.active_from.is_none_or(|a| now >= a)
            && self.active_until.is_none_or(|u| now < u)
    }

    /// Whether the rule applies to this request.
    pub fn applies(&self, ctx: &RuleContext<'_>) -> bool {
        let c = &self.when;
        if !self.live_at(ctx.now) || (!c.surfaces.is_empty() && !c.surfaces.contains(&ctx.surface))
        {
            return false;
        }
        if let Some(q) = &c.query {
            let typed = normalise(ctx.query);
            let ok = match q {
                QueryCond::Matches(l) => l.contains(&typed),
                QueryCond::Contains(l) => {
                    let padded = format!(" {typed} ");
                    l.iter().any(|w| padded.contains(&format!(" {w} ")))
                }
            };
            if !ok {
                return false;
            }
        }
        if !c.categories.is_empty() {
            // The page is in the rule's category when its path starts with the rule's path.
            let under = |page: &str, rule: &str| {
                let (p, r) = (page.to_lowercase(), rule.to_lowercase());
                p == r || p.starts_with(&format!("{r}{}", crate::catalog::CATEGORY_SEPARATOR))
            };
            if !ctx
                .categories
                .iter()
                .any(|p| c.categories.iter().any(|r| under(p, r)))
            {
                return false;
            }
        }
        if !c.boxes.is_empty() && !ctx.box_name.is_some_and(|b| c.boxes.iter().any(|x| x == b)) {
            return false;
        }
        match &c.audience {
            Audience::Anyone => true,
            Audience::New => ctx.shopper.is_none_or(|s| !returning(s)),
            Audience::Returning => ctx.shopper.is_some_and(returning),
            Audience::Stated { field, value } => ctx.shopper.is_some_and(|s| {
                let v = serde_json::to_value(&s.preferences).unwrap_or_default();
                match v.get(field) {
                    Some(Value::Array(a)) => a
                        .iter()
                        .any(|x| x.as_str().is_some_and(|x| x.eq_ignore_ascii_case(value))),
                    _ => false,
                }
            }),
        }
    }
}

fn returning(s: &ShopperState) -> bool {
    s.sessions > 1 || !s.purchases.is_empty()
}

impl RuleSet {
    /// Rules in run order: priority descending, then id ascending.
    pub fn new(mut rules: Vec<Rule>) -> Self {
        rules.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        rules.dedup_by(|a, b| a.id == b.id);
        Self {
            rules: rules.into_iter().map(Arc::new).collect(),
        }
    }

    /// Reads the stored list; every mistake names its index.
    pub fn from_json(v: &Value) -> Result<Self, FieldError> {
        let list = v
            .as_array()
            .ok_or_else(|| err("rules", "must be a list of rules"))?;
        let rules = list
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Rule::parse(r, None)
                    .map_err(|e| err(format!("rules[{i}].{}", e.field), e.reason.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(rules))
    }

    /// The list as stored.
    pub fn to_json(&self) -> Value {
        Value::Array(self.rules.iter().map(|r| r.json.clone()).collect())
    }

    /// The rules in run order.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|r| r.as_ref())
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.iter().find(|r| r.id == id)
    }

    /// The set with `rule` added, or replacing the one with its id.
    pub fn with(&self, rule: Rule) -> Self {
        let mut rules: Vec<Rule> = self.iter().filter(|r| r.id != rule.id).cloned().collect();
        rules.push(rule);
        Self::new(rules)
    }

    /// The set without the rule `id`.
    pub fn without(&self, id: &str) -> Self {
        Self {
            rules: self.rules.iter().filter(|r| r.id != id).cloned().collect(),
        }
    }
}

/// The rules stage: applies every rule of `rules` that holds for `ctx` to `list`, in the
/// documented order. `reorder` is how many leading items are ordered by score (boosts and
/// buries re-sort those; 0 for an explicit sort such as price). `insertable` says whether a
/// pinned product the list lacks may be shown here (sellable, within the shopper's hard
/// constraints and the request's filters).
pub fn apply(
    rules: &RuleSet,
    ctx: &RuleContext<'_>,
    shop: &ShopState,
    list: &mut Vec<Ranked>,
    reorder: usize,
    insertable: &dyn Fn(Item) -> bool,
) -> Vec<Applied> {
    let mut applied = Vec::new();
    let live: Vec<&Rule> = rules.iter().filter(|r| r.applies(ctx)).collect();
    if live.is_empty() {
        return applied;
    }
    let product = |item: Item| shop.catalog.product(item);
    let touches = |a: &Action, item: Item| product(item).is_some_and(|p| a.products.matches(p));
    // 1. Removal: filter keeps only what every filter action matches, hide removes.
    let removed = |item: Item, applied: &mut Vec<Applied>, count: bool| {
        for r in &live {
            for a in &r.actions {
                let gone = match a.kind {
                    ActionKind::Filter => !touches(a, item),
                    ActionKind::Hide => touches(a, item),
                    _ => false,
                };
                if gone {
                    if count {
                        bump(applied, &r.id, a.kind.name());
                    }
                    return true;
                }
            }
        }
        false
    };
    list.retain(|x| !removed(x.item, &mut applied, true));
    // 2. Boost and bury, multiplied in rule order; each effect is recorded as a score delta.
    let mut reweighted = false;
    for x in list.iter_mut() {
        for r in &live {
            for a in &r.actions {
                let f = match a.kind {
                    ActionKind::Boost(f) => f,
                    ActionKind::Bury(f) => 1.0 / f,
                    _ => continue,
                };
                if touches(a, x.item) {
                    let delta = x.score * (f - 1.0);
                    x.score += delta;
                    x.why.rules.push(RuleEffect {
                        rule: Arc::from(r.id.as_str()),
                        action: a.kind.name(),
                        delta,
                    });
                    bump(&mut applied, &r.id, a.kind.name());
                    reweighted = true;
                }
            }
        }
    }
    let head = reorder.min(list.len());
    if reweighted && head > 1 {
        list[..head].sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
    }
    // 3. Pins, strongest first; a taken slot sends the pin to the next free one, a product
    // pinned twice keeps its first slot.
    let mut pins: Vec<(usize, Item, Arc<str>)> = Vec::new();
    for r in &live {
        for a in &r.actions {
            let ActionKind::Pin { product, position } = &a.kind else {
                continue;
            };
            let Some(item) = shop.catalog.item(product.as_str()) else {
                continue;
            };
            let present = list.iter().any(|x| x.item == item);
            if pins.iter().any(|p| p.1 == item)
                || removed(item, &mut applied, false)
                || !(present || insertable(item))
            {
                continue;
            }
            let mut slot = *position;
            while pins.iter().any(|p| p.0 == slot) {
                slot += 1;
            }
            pins.push((slot, item, Arc::from(r.id.as_str())));
            bump(&mut applied, &r.id, "pin");
        }
    }
    if !pins.is_empty() {
        pins.sort_by_key(|p| p.0);
        for (slot, item, rule) in pins {
            let mut x = match list.iter().position(|x| x.item == item) {
                Some(i) => list.remove(i),
                None => Ranked {
                    item,
                    score: 0.0,
                    why: Default::default(),
                    warning: None,
                },
            };
            x.why.rules.push(RuleEffect {
                rule,
                action: "pin",
                delta: 0.0,
            });
            list.insert(slot.min(list.len()), x);
        }
    }
    applied
}

fn bump(applied: &mut Vec<Applied>, rule: &str, action: &'static str) {
    match applied
        .iter_mut()
        .find(|a| a.rule == rule && a.action == action)
    {
        Some(a) => a.items += 1,
        None => applied.push(Applied {
            rule: rule.to_string(),
            action,
            items: 1,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(v: Value) -> Rule {
        Rule::parse(&v, None).unwrap()
    }

    fn field(v: Value) -> String {
        Rule::parse(&v, None).unwrap_err().field
    }

    #[test]
    fn dates_parse_as_utc() {
        assert_eq!(
            parse_time(&json!("1970-01-02"), "t").unwrap(),
            Some(86_400_000)
        );
        assert_eq!(
            parse_time(&json!("2026-12-24T18:30:00Z"), "t").unwrap(),
            Some(1_798_137_000_000)
        );
        assert_eq!(parse_time(&json!(5), "t").unwrap(), Some(5));
        for bad in [
            json!("2026-13-01"),
            json!("yesterday"),
            json!(-1),
            json!("2026-12-24T25:00:00Z"),
            json!(true),
        ] {
            assert!(parse_time(&bad, "t").is_err(), "{bad}");
        }
    }

    #[test]
    fn bad_rules_name_their_field() {
        let ok = json!({"id":"r","actions":[{"type":"hide"}]});
        assert!(Rule::parse(&ok, None).is_ok());
        assert_eq!(field(json!({"actions":[{"type":"hide"}]})), "id");
        assert_eq!(field(json!({"id":"a b","actions":[{"type":"hide"}]})), "id");
        assert_eq!(field(json!({"id":"r","actions":[]})), "actions");
        assert_eq!(
            field(json!({"id":"r","actions":[{"type":"shove"}]})),
            "actions[0].type"
        );
        assert_eq!(
            field(json!({"id":"r","actions":[{"type":"boost","factor":0.5}]})),
            "actions[0].factor"
        );
        assert_eq!(
            field(json!({"id":"r","actions":[{"type":"pin","product_id":"p"}]})),
            "actions[0].position"
        );
        assert_eq!(
            field(json!({"id":"r","actions":[{"type":"hide","products":{"colour":"red"}}]})),
            "actions[0].products.colour"
        );
        assert_eq!(
            field(json!({"id":"r","actions":[{"type":"filter"}]})),
            "actions[0].products"
        );
        assert_eq!(
            field(json!({"id":"r","when":{"query":{"like":"x"}},"actions":[{"type":"hide"}]})),
            "when.query.like"
        );
        assert_eq!(
            field(json!({"id":"r","when":{"audience":"vip"},"actions":[{"type":"hide"}]})),
            "when.audience"
        );
        assert_eq!(
            field(
                json!({"id":"r","when":{"audience":{"stated":{"field":"age","value":"x"}}},"actions":[{"type":"hide"}]})
            ),
            "when.audience.stated.field"
        );
        assert_eq!(
            field(
                json!({"id":"r","active_from":"2026-02-01","active_until":"2026-01-01","actions":[{"type":"hide"}]})
            ),
            "active_until"
        );
        assert_eq!(
            field(json!({"id":"r","colour":1,"actions":[{"type":"hide"}]})),
            "colour"
        );
    }

    #[test]
    fn run_order_is_priority_then_id() {
        let set = RuleSet::new(vec![
            rule(json!({"id":"b","priority":1,"actions":[{"type":"hide"}]})),
            rule(json!({"id":"a","priority":1,"actions":[{"type":"hide"}]})),
            rule(json!({"id":"z","priority":5,"actions":[{"type":"hide"}]})),
        ]);
        let ids: Vec<&str> = set.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["z", "a", "b"]);
        assert_eq!(set.without("a").len(), 2);
        let replaced = set.with(rule(
            json!({"id":"a","priority":9,"actions":[{"type":"hide"}]}),
        ));
        assert_eq!(replaced.iter().next().unwrap().id, "a");
        assert_eq!(replaced.len(), 3);
        assert_eq!(RuleSet::from_json(&set.to_json()).unwrap(), set);
    }

    #[test]
    fn conditions_match_query_surface_schedule_and_audience() {
        let r = rule(json!({"id":"r","active_from":1000,"active_until":2000,
            "when":{"surfaces":["search"],"query":{"contains":"Peanut Butter"}},
            "actions":[{"type":"hide"}]}));
        let ctx = |q: &'static str, now: Millis, surface: Surface| RuleContext {
            surface,
            query: q,
            categories: vec![],
            box_name: None,
            shopper: None,
            now,
        };
        assert!(r.applies(&ctx("crunchy  peanut BUTTER", 1500, Surface::Search)));
        assert!(!r.applies(&ctx("peanut butterscotch", 1500, Surface::Search)));
        assert!(!r.applies(&ctx("peanut butter", 2000, Surface::Search)));
        assert!(!r.applies(&ctx("peanut butter", 999, Surface::Search)));
        assert!(!r.applies(&ctx("peanut butter", 1500, Surface::Browse)));
        let m = rule(
            json!({"id":"m","when":{"query":{"matches":["milk"]}},"actions":[{"type":"hide"}]}),
        );
        assert!(m.applies(&ctx(" Milk ", 0, Surface::Search)));
        assert!(!m.applies(&ctx("oat milk", 0, Surface::Search)));
        let cat = rule(json!({"id":"c","when":{"category":"Food"},"actions":[{"type":"hide"}]}));
        let mut c = ctx("", 0, Surface::Browse);
        c.categories = vec!["food > nuts".into()];
        assert!(cat.applies(&c));
        c.categories = vec!["Foodstuff".into()];
        assert!(!cat.applies(&c));
        let new = rule(json!({"id":"n","when":{"audience":"new"},"actions":[{"type":"hide"}]}));
        let back =
            rule(json!({"id":"b","when":{"audience":"returning"},"actions":[{"type":"hide"}]}));
        let once = ShopperState {
            sessions: 1,
            ..Default::default()
        };
        let s = ShopperState {
            sessions: 2,
            ..Default::default()
        };
        let mut c = ctx("", 0, Surface::Recommendations);
        assert!(new.applies(&c) && !back.applies(&c));
        c.shopper = Some(&once);
        assert!(new.applies(&c) && !back.applies(&c));
        c.shopper = Some(&s);
        assert!(!new.applies(&c) && back.applies(&c));
        let mut vegan = ShopperState::default();
        vegan.preferences.diets.insert(tailor_model::Diet::Vegan);
        let v = rule(
            json!({"id":"v","when":{"audience":{"stated":{"field":"diets","value":"Vegan"}}},"actions":[{"type":"hide"}]}),
        );
        c.shopper = Some(&vegan);
        assert!(v.applies(&c));
        c.shopper = Some(&s);
        assert!(!v.applies(&c));
        // Unicode queries normalise the same way.
        let u = rule(
            json!({"id":"u","when":{"query":{"contains":"CRÈME brûlée"}},"actions":[{"type":"hide"}]}),
        );
        assert!(u.applies(&ctx("Vanilla crème  BRÛLÉE 抹茶", 0, Surface::Search)));
        assert!(!u.applies(&ctx("crème", 0, Surface::Search)));
        let off = rule(json!({"id":"o","enabled":false,"actions":[{"type":"hide"}]}));
        assert!(!off.applies(&c));
    }
}
