//! Replenishment over HTTP: a shopper's items due (`GET /v1/shoppers/{id}/replenishment`, the
//! visitor itself with a public key, like preferences), every reminder due on a date for the
//! shop's own email tool (`GET /v1/replenishment/due`, admin), the reminder settings, the
//! customers' contact details and consent, and the unsubscribe link every email carries.

use super::Body;
use super::preferences::{Kind, Who, who};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Html;
use serde_json::{Value, json};
use tailor_engine::ShopState;
use tailor_engine::replenish::{DAY_MS, DueItem, reminders_between, shopper_due};
use tailor_model::{CustomerId, Millis, now_millis};
use tailor_notify::ReminderSettings;
use tailor_notify::settings::{SETTINGS_KEY, date_string, parse_date};
use tailor_store::Contact;

/// Days ahead a shopper's list looks when the request does not say.
pub const DEFAULT_WITHIN_DAYS: u64 = 7;
/// Longest look-ahead.
pub const MAX_WITHIN_DAYS: u64 = 365;

fn settings(app: &App, caller: &Caller) -> Result<ReminderSettings, ApiError> {
    tailor_notify::settings_of(app.store.as_ref(), &caller.shop, &app.reminder_defaults)
        .map_err(ApiError::internal)
}

fn item_json(shop: &ShopState, s: &ReminderSettings, d: &DueItem, today: Millis) -> Value {
    let ms = |day: f64| (day * DAY_MS) as Millis;
    let date = |day: f64| date_string(s.local_date(ms(day)));
    let p = shop.catalog.product(d.item);
    json!({
        "product_id": shop.catalog.id(d.item).as_str(),
        "title": p.map(|p| p.title.as_str()),
        "due_date": date(d.due.day),
        "due_at": ms(d.due.day),
        "window": {"from": date(d.due.low), "to": date(d.due.high)},
        "confidence": (d.due.confidence * 1000.0).round() / 1000.0,
        "last_purchased": date(d.due.last),
        "cycle_days": ((d.due.day - d.due.last) * 10.0).round() / 10.0,
        "own_repeats": d.due.own_gaps,
        "overdue": ms(d.due.day) < today,
    })
}

/// `?kind=` and `?within_days=` of the shopper's list.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ShopperQuery {
    #[serde(flatten)]
    kind: Kind,
    within_days: Option<String>,
}

/// The shopper's items due within the next days, soonest first, with due date, band and
/// confidence. Items their hard constraints exclude are left out.
#[utoipa::path(get, path = "/v1/shoppers/{id}/replenishment", tag = "replenishment",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)"),
           ("within_days" = Option<u32>, Query, description = "look-ahead in days, 0 to 365 (default 7); overdue items are always listed")),
    responses((status = 200, description = "`{shopper, as_of, timezone, items: [{product_id, title, due_date, due_at, window: {from, to}, confidence, last_purchased, cycle_days, own_repeats, overdue}]}`"),
              (status = 400, description = "names the field: id, kind, within_days"), (status = 403)))]
pub async fn get_shopper_replenishment(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<ShopperQuery>,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &q.kind)?;
    let within = match q.within_days.as_deref() {
        None => DEFAULT_WITHIN_DAYS,
        Some(w) => w
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= MAX_WITHIN_DAYS)
            .ok_or_else(|| {
                ApiError::field(
                    "within_days",
                    format!("{w:?} is not a whole number of days from 0 to {MAX_WITHIN_DAYS}"),
                )
            })?,
    };
    let s = settings(&app, &caller)?;
    let now = now_millis();
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let (shopper, label) = match &who {
        Who::Visitor(v) => (st.shopper(Some(v), None), json!({"visitor_id": v.as_str()})),
        Who::Customer(c) => (
            st.shopper(None, Some(c)),
            json!({"customer_id": c.as_str()}),
        ),
    };
    let until = now + within as Millis * DAY_MS as Millis;
    let items: Vec<Value> = shopper
        .map(|sh| shopper_due(&st, sh, until))
        .unwrap_or_default()
        .iter()
        .map(|d| item_json(&st, &s, d, now))
        .collect();
    Ok(Json(json!({
        "shopper": label,
        "as_of": date_string(s.local_date(now)),
        "timezone": s.timezone,
        "within_days": within,
        "items": items,
    })))
}

/// `?date=` of the due list.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DueQuery {
    date: Option<String>,
}

/// Every customer's reminders due on a local date (the shop's time zone), for the shop's own
/// email tool. Consent is not applied here: the list says what is due, the shop decides.
#[utoipa::path(get, path = "/v1/replenishment/due", tag = "replenishment",
    params(("date" = String, Query, description = "the local date, YYYY-MM-DD")),
    responses((status = 200, description = "`{date, timezone, count, reminders: [{customer_id, items: [...]}]}`"),
              (status = 400, description = "`date` missing or not a calendar date"), (status = 403)))]
pub async fn get_due(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<DueQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let raw = q
        .date
        .ok_or_else(|| ApiError::field("date", "is required: a date as YYYY-MM-DD"))?;
    let date = parse_date(&raw, "date").map_err(|e| ApiError::field(e.field, e.reason))?;
    let s = settings(&app, &caller)?;
    let (from, to) = s.day_bounds(date);
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let reminders: Vec<Value> = reminders_between(&st, from, to)
        .iter()
        .map(|(c, items)| {
            json!({"customer_id": c.as_str(),
                   "items": items.iter().map(|d| item_json(&st, &s, d, from)).collect::<Vec<_>>()})
        })
        .collect();
    Ok(Json(json!({
        "date": date_string(date),
        "timezone": s.timezone,
        "count": reminders.len(),
        "reminders": reminders,
    })))
}

/// The shop's reminder settings (defaults filled in).
#[utoipa::path(get, path = "/v1/replenishment/settings", tag = "replenishment",
    responses((status = 200, description = "`{enabled, send_at, timezone, quiet_hours, max_per_shopper, cap_days, from, shop_url, public_url, recommendations, max_attempts}`"), (status = 403)))]
pub async fn get_settings(State(app): State<App>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    Ok(Json(settings(&app, &caller)?.to_json()))
}

/// Changes some reminder settings; the fields not given keep their value.
#[utoipa::path(put, path = "/v1/replenishment/settings", tag = "replenishment",
    request_body(content = Object, description = "any of `{enabled, send_at: \"HH:MM\", timezone: IANA name, quiet_hours: {start, end} | null, max_per_shopper, cap_days, from, shop_url, public_url, recommendations, max_attempts}`"),
    responses((status = 200, description = "the settings as stored"), (status = 400, description = "names the field"), (status = 403)))]
pub async fn put_settings(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let s = settings(&app, &caller)?
        .merged(&parse_json(&body)?)
        .map_err(|e| ApiError::field(e.field, e.reason))?;
    let v = s.to_json();
    let store = app.store.clone();
    let shop = caller.shop.clone();
    let stored = v.clone();
    super::blocking(move || Ok(store.put_setting(&shop, SETTINGS_KEY, &stored)?)).await?;
    Ok(Json(v))
}

fn customer(id: String) -> Result<CustomerId, ApiError> {
    CustomerId::new(id).map_err(|e| ApiError::field("id", e.to_string()))
}

/// A customer's email address and consent to reminders.
#[utoipa::path(get, path = "/v1/customers/{id}/contact", tag = "replenishment",
    responses((status = 200, description = "`{email, consent, updated_at}`"), (status = 404), (status = 403)))]
pub async fn get_contact(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let c = customer(id)?;
    let store = app.store.clone();
    let shop = caller.shop.clone();
    let cid = c.as_str().to_string();
    let got = super::blocking(move || Ok(store.contact(&shop, &cid)?)).await?;
    let got =
        got.ok_or_else(|| ApiError::not_found(format!("contact of customer {:?}", c.as_str())))?;
    Ok(Json(
        json!({"email": got.email, "consent": got.consent, "updated_at": got.updated_at}),
    ))
}

/// Sets a customer's email address and consent (the shop's records are the source of truth).
#[utoipa::path(put, path = "/v1/customers/{id}/contact", tag = "replenishment",
    request_body(content = Object, description = "`{email, consent: true|false}`"),
    responses((status = 200, description = "`{email, consent, updated_at}`"), (status = 400, description = "names the field"), (status = 403)))]
pub async fn put_contact(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let c = customer(id)?;
    let v = parse_json(&body)?;
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::field("body", "must be {\"email\", \"consent\"}"))?;
    if let Some(k) = o.keys().find(|k| *k != "email" && *k != "consent") {
        return Err(ApiError::field(
            k.clone(),
            "unknown field; use email and consent",
        ));
    }
    let email = o
        .get("email")
        .and_then(Value::as_str)
        .map(str::trim)
        .ok_or_else(|| ApiError::field("email", "is required: an email address"))?;
    if email.len() > 254 || email.parse::<lettre::Address>().is_err() {
        return Err(ApiError::field(
            "email",
            format!("{email:?} is not an email address"),
        ));
    }
    let consent = o
        .get("consent")
        .and_then(Value::as_bool)
        .ok_or_else(|| ApiError::field("consent", "is required: true or false"))?;
    let contact = Contact {
        email: email.to_string(),
        consent,
        updated_at: now_millis(),
    };
    let out = json!({"email": contact.email, "consent": contact.consent, "updated_at": contact.updated_at});
    let store = app.store.clone();
    let shop = caller.shop.clone();
    let cid = c.as_str().to_string();
    super::blocking(move || Ok(store.put_contact(&shop, &cid, &contact)?)).await?;
    Ok(Json(out))
}

/// The unsubscribe link of an email (no key: the token in the link is the secret). Withdraws
/// consent for reminders and suppresses what is still queued. POST serves one-click
/// unsubscribe from mail clients (RFC 8058).
#[utoipa::path(get, path = "/v1/unsubscribe/{token}", tag = "replenishment",
    responses((status = 200, description = "an HTML page confirming it"), (status = 404, description = "unknown token")))]
pub async fn unsubscribe(
    State(app): State<App>,
    Path(token): Path<String>,
) -> Result<Html<&'static str>, ApiError> {
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::field("token", "is not an unsubscribe token"));
    }
    let store = app.store.clone();
    let found = super::blocking(move || Ok(store.unsubscribe(&token, now_millis())?)).await?;
    match found {
        Some(_) => Ok(Html(
            "<!doctype html><html><body><p>You are unsubscribed and will get no more reminders.</p></body></html>",
        )),
        None => Err(ApiError::not_found("unsubscribe token")),
    }
}
