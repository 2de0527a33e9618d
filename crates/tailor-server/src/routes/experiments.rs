//! A/B tests over HTTP (admin key): experiments CRUD, persisted as one list in the settings
//! table, and their results. [`assign`] is what the recommendation and search handlers call to
//! learn a shopper's arm.

use super::{Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tailor_engine::experiments::{Experiment, ExperimentSet, Outcome, Treatment, results};
use tailor_engine::rules::Surface;
use tailor_engine::{ShopState, ShopperKey};
use tailor_model::{CustomerId, VisitorId};

/// The store key the experiment list is kept under.
pub const SETTINGS_KEY: &str = "experiments";
/// Most experiments a shop keeps.
pub const MAX_EXPERIMENTS: usize = 100;

static WRITE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A shopper's arm in the experiment running on `surface`, if any.
pub struct Assigned {
    /// `experiment:arm`, as logged with the served lists.
    pub label: String,
    /// What the arm changes.
    pub treatment: Treatment,
    /// The customer the shopper is known as (the unit), if any.
    pub customer: Option<CustomerId>,
}

/// The arm of this shopper: the one they were first served under (carried over at login), else
/// the hash of their unit id.
pub fn assign(
    st: &ShopState,
    surface: Surface,
    visitor: Option<&VisitorId>,
    customer: Option<&CustomerId>,
) -> Option<Assigned> {
    let e = st.experiments.running_on(surface)?;
    let customer = customer.cloned().or_else(|| match st.key_of(visitor?) {
        ShopperKey::Customer(c) => Some(c),
        ShopperKey::Visitor(_) => None,
    });
    let unit = match (&customer, visitor) {
        (Some(c), _) => format!("c:{c}"),
        (None, Some(v)) => format!("v:{v}"),
        (None, None) => return None,
    };
    let stored = st
        .analytics
        .lock()
        .assignment(&e.id, &unit)
        .and_then(|name| e.arms.iter().position(|a| a.name == name));
    let arm = &e.arms[stored.unwrap_or_else(|| e.hashed_arm(&unit))];
    Some(Assigned {
        label: format!("{}:{}", e.id, arm.name),
        treatment: arm.treatment,
        customer,
    })
}

/// Loads a shop's stored experiments (start-up).
pub fn parse_stored(v: &Value) -> Result<ExperimentSet, tailor_model::FieldError> {
    ExperimentSet::from_json(v)
}

fn field_error(e: tailor_model::FieldError) -> ApiError {
    ApiError::field(e.field, e.reason)
}

fn current(app: &App, caller: &Caller) -> ExperimentSet {
    app.engine.shop(&caller.shop).read().experiments.clone()
}

async fn save(app: &App, caller: &Caller, next: ExperimentSet) -> Result<(), ApiError> {
    if next.iter().count() > MAX_EXPERIMENTS {
        return Err(ApiError::field(
            "id",
            format!("a shop keeps at most {MAX_EXPERIMENTS} experiments"),
        ));
    }
    let (store, shop, value) = (app.store.clone(), caller.shop.clone(), next.to_json());
    blocking(move || Ok(store.put_setting(&shop, SETTINGS_KEY, &value)?)).await?;
    app.engine.shop(&caller.shop).write().experiments = next;
    Ok(())
}

fn check_clash(set: &ExperimentSet, e: &Experiment) -> Result<(), ApiError> {
    match set.clash(e) {
        Some(o) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "experiment {:?} already runs on one of these surfaces; stop it first (at most one experiment runs per surface, so arms never mix)",
                o.id
            ),
        )),
        None => Ok(()),
    }
}

/// Every experiment.
#[utoipa::path(get, path = "/v1/experiments", tag = "experiments",
    responses((status = 200, description = "`{experiments: [Experiment]}`"), (status = 403)))]
pub async fn list(State(app): State<App>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    Ok(Json(
        json!({"experiments": current(&app, &caller).to_json()}),
    ))
}

/// Create an experiment.
#[utoipa::path(post, path = "/v1/experiments", tag = "experiments",
    request_body(content = Object, description = "`{id, name?, salt? (default the id), status?: running|stopped, surfaces?: [recommendations|search|browse] (default recommendations), arms: [{name, weight? (1-1000), strategy: personalized|popular|rules_only} | {name, weight?, params: {personalize?, rules?}}]}`; the first arm is the control"),
    responses((status = 201, description = "the experiment"), (status = 400, description = "names the field"), (status = 403), (status = 409, description = "the id exists, or another experiment runs on one of its surfaces")))]
pub async fn create(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let e = Experiment::parse(&v, None).map_err(field_error)?;
    let _w = WRITE.lock().await;
    let set = current(&app, &caller);
    if set.get(&e.id).is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!("experiment {:?} exists; PUT replaces it", e.id),
        ));
    }
    check_clash(&set, &e)?;
    let out = e.json.clone();
    save(&app, &caller, set.with(e)).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// One experiment.
#[utoipa::path(get, path = "/v1/experiments/{id}", tag = "experiments",
    responses((status = 200, description = "the experiment"), (status = 403), (status = 404)))]
pub async fn get(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    current(&app, &caller)
        .get(&id)
        .map(|e| Json(e.json.clone()))
        .ok_or_else(|| ApiError::not_found(format!("experiment {id:?}")))
}

/// Create or replace an experiment (stop one with `"status": "stopped"`).
#[utoipa::path(put, path = "/v1/experiments/{id}", tag = "experiments",
    request_body(content = Object, description = "as for POST"),
    responses((status = 200, description = "the experiment"), (status = 400), (status = 403), (status = 409)))]
pub async fn put(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let e = Experiment::parse(&v, Some(&id)).map_err(field_error)?;
    let _w = WRITE.lock().await;
    let set = current(&app, &caller);
    check_clash(&set, &e)?;
    let out = e.json.clone();
    save(&app, &caller, set.with(e)).await?;
    Ok(Json(out))
}

/// Delete an experiment (its exposures stay in the served log).
#[utoipa::path(delete, path = "/v1/experiments/{id}", tag = "experiments",
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    let _w = WRITE.lock().await;
    let set = current(&app, &caller);
    if set.get(&id).is_none() {
        return Err(ApiError::not_found(format!("experiment {id:?}")));
    }
    save(&app, &caller, set.without(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `?seed=` for the bootstrap.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ResultParams {
    /// Bootstrap seed (default 1): the same seed gives the same intervals.
    pub seed: Option<String>,
}

/// An experiment's results: per arm shoppers, conversion with its Wilson interval, revenue per
/// shopper with its bootstrap interval; per arm against the control a two-proportion z-test, a
/// bootstrap of the revenue difference, the sample size needed, and a verdict.
#[utoipa::path(get, path = "/v1/experiments/{id}/results", tag = "experiments", params(ResultParams),
    responses((status = 200, description = "`{experiment, unit, arms: [{arm, units, converted, conversion_rate, conversion_interval, revenue, revenue_per_unit, revenue_per_unit_interval}], comparisons: [{arm, control, conversion_lift, conversion_difference_interval, z, p_value, significant, revenue_per_unit_difference, revenue_per_unit_difference_interval, revenue_significant, verdict}], tests, sample_size}`"), (status = 400), (status = 403), (status = 404)))]
pub async fn get_results(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<ResultParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let seed = match p.seed.as_deref() {
        None | Some("") => 1,
        Some(s) => s
            .parse::<u64>()
            .map_err(|_| ApiError::field("seed", "must be a non-negative integer"))?,
    };
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let e = st
        .experiments
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("experiment {id:?}")))?;
    let outcomes: Vec<Outcome> = st
        .analytics
        .lock()
        .outcomes(&e.id)
        .into_iter()
        .filter_map(|(arm, orders, revenue)| {
            Some(Outcome {
                arm: e.arms.iter().position(|a| a.name == arm)?,
                orders,
                revenue,
            })
        })
        .collect();
    let mut r = results(e, &outcomes, seed);
    r["status"] = e.json["status"].clone();
    Ok(Json(r))
}
