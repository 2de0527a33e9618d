//! Who is calling: the shop a request is for and what its key may do.
//!
//! A path may name a shop (`/v1/shops/{shop}/...`); [`route_shop`] strips that prefix before
//! routing, so every route is declared once. A key is scoped to one shop. A server without any
//! key runs in open development mode, where every caller acts as admin.

use crate::app::App;
use crate::error::ApiError;
use axum::extract::{FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use tailor_model::ShopId;
use tailor_store::KeyRole;

/// The shop named in the path, if any (set by [`route_shop`]).
#[derive(Debug, Clone)]
pub struct PathShop(pub Result<ShopId, String>);

/// Rewrites `/v1/shops/{shop}/rest` to `/v1/rest` and remembers the shop.
pub fn route_shop(mut req: Request) -> Request {
    let path = req.uri().path();
    let Some(rest) = path.strip_prefix("/v1/shops/") else {
        return req;
    };
    let (shop, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let shop = ShopId::new(shop.to_string()).map_err(|e| format!("shop {shop:?}: {e}"));
    let new_path = format!("/v1/{tail}");
    let pq = match req.uri().query() {
        Some(q) => format!("{new_path}?{q}"),
        None => new_path,
    };
    if let Ok(pq) = pq.parse::<axum::http::uri::PathAndQuery>() {
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = Some(pq);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
    }
    req.extensions_mut().insert(PathShop(shop));
    req
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The shop the request acts on.
    pub shop: ShopId,
    /// What the caller may do.
    pub role: KeyRole,
}

impl Caller {
    /// Refuses callers without an admin key.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            KeyRole::Admin => Ok(()),
            KeyRole::Public => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_key_required",
                "this endpoint needs an admin key; a public key may only send events, read \
                 recommendations and search, and touch the visitor's own data",
            )),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    if let Some(v) = parts.headers.get("x-tailor-key") {
        return v.to_str().ok();
    }
    let v = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    v.strip_prefix("Bearer ").map(str::trim)
}

/// `?key=...`: `navigator.sendBeacon` cannot set headers, so the tracker sends its public key in
/// the URL. Only public keys may come this way (URLs end up in logs).
fn query_key(parts: &Parts) -> Option<&str> {
    parts
        .uri
        .query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("key="))
        .filter(|k| !k.is_empty())
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let requested = match parts.extensions.get::<PathShop>() {
            Some(PathShop(Ok(s))) => Some(s.clone()),
            Some(PathShop(Err(e))) => return Err(ApiError::field("shop", e.clone())),
            None => None,
        };
        let from_header = bearer(parts);
        let in_url = from_header.is_none() && query_key(parts).is_some();
        let secret = from_header.or_else(|| query_key(parts)).map(str::to_string);
        // The hot path answers from the key cache; only a miss goes to the store.
        let (dev, key) = match app.cached_auth(secret.as_deref()) {
            Some(hit) => hit,
            None => {
                let app2 = app.clone();
                let (dev, key) = tokio::task::spawn_blocking(move || {
                    let key = secret.as_deref().map(|s| app2.authenticate(s)).transpose();
                    (app2.dev_mode(), key)
                })
                .await
                .map_err(ApiError::internal)?;
                (dev, key?)
            }
        };
        match (key, dev) {
            (Some(None), false) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_key",
                "the API key is unknown or revoked",
            )),
            (None, false) => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing_key",
                "send an API key as `Authorization: Bearer KEY` (this server has keys, so it is not in development mode)",
            )),
            (Some(Some(k)), _) if in_url && k.role == KeyRole::Admin => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_key_in_url",
                "admin keys may not be sent as ?key= (URLs end up in logs); use `Authorization: Bearer KEY`",
            )),
            (Some(Some(k)), _) => {
                if let Some(r) = requested
                    && r != k.shop
                {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "wrong_shop",
                        format!(
                            "this key belongs to shop {:?}, not {:?}",
                            k.shop.as_str(),
                            r.as_str()
                        ),
                    ));
                }
                Ok(Caller {
                    shop: k.shop,
                    role: k.role,
                })
            }
            (_, true) => Ok(Caller {
                shop: requested.unwrap_or_else(ShopId::default_shop),
                role: KeyRole::Admin,
            }),
        }
    }
}
