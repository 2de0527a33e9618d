//! Wishlists over HTTP: `/v1/shoppers/{id}/lists...` (the shopper's own lists; public key for a
//! visitor, admin key for `?kind=customer`, as with preferences), read-only share links
//! (`GET /v1/lists/shared/{token}`), and the notifications that catalog changes raise for
//! listed products (`GET /v1/notifications`, admin).
//!
//! Every change is an event through the ordinary ingest path (`wishlist_add`,
//! `wishlist_remove`, or a `list` edit), so lists are durable, replay on restart, merge on login
//! and teach personalization. Handlers check an edit against the live state first, so a
//! missing list or product is a 4xx here and never a silent no-op.

use super::preferences::{Kind, Who, author, who};
use super::{Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tailor_engine::lists::{Alert, Change, Wishlist};
use tailor_engine::{Item, ShopState, ShopperKey, ShopperState};
use tailor_model::limits::MAX_ID_LEN;
use tailor_model::lists::{MAX_LIST_ITEMS, MAX_LISTS, check_name, display_name, stored_name};
use tailor_model::{Event, EventKind, ListEdit, Product, ProductId, now_millis};
use tailor_store::{NewNotification, NotificationKind, NotificationQuery, Recipient};

/// Random bytes in a share token (256 bits from the OS's CSPRNG).
const TOKEN_BYTES: usize = 32;

/// A list name from the path, in its stored form.
fn path_list(raw: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_ID_LEN {
        return Err(ApiError::field(
            "name",
            format!("longer than {MAX_ID_LEN} bytes"),
        ));
    }
    Ok(stored_name(Some(raw)).to_string())
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("list {:?}", display_name(name)))
}

fn conflict(code: &'static str, field: &str, message: String) -> ApiError {
    ApiError {
        status: StatusCode::CONFLICT,
        field: Some(field.to_string()),
        ..ApiError::new(StatusCode::CONFLICT, code, message)
    }
}

/// A required string field of a JSON object body.
fn body_str(body: &[u8], field: &str) -> Result<String, ApiError> {
    match parse_json(body)? {
        Value::Object(o) => match o.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            None | Some(Value::Null) => Err(ApiError::field(field, "is required")),
            Some(_) => Err(ApiError::field(field, "must be a string")),
        },
        _ => Err(ApiError::field("body", "must be a JSON object")),
    }
}

fn item_json(p: Option<&Product>, id: &str) -> Value {
    match p {
        Some(p) => json!({
            "product_id": id, "title": p.title, "price": p.price, "sale_price": p.sale_price,
            "currency": p.currency, "image_url": p.image_url, "url": p.url,
            "available": p.is_sellable(),
        }),
        // Deleted from the catalog since it was listed: kept, shown as unavailable.
        None => json!({"product_id": id, "available": false}),
    }
}

fn list_json(shop: &ShopState, name: &str, l: &Wishlist, owner: bool) -> Value {
    let items: Vec<Value> = l
        .items
        .iter()
        .filter_map(|&i| {
            let p = shop.catalog.product(i).map(|p| p.as_ref());
            // A share link shows only what the shop shows anyone.
            (owner || p.is_some_and(|p| !p.hidden))
                .then(|| item_json(p, shop.catalog.id(i).as_str()))
        })
        .collect();
    let mut v = json!({"name": display_name(name), "items": items});
    if owner {
        v["created_at"] = json!(l.created);
        v["shared"] = json!(!l.shares.is_empty());
    }
    v
}

fn shopper<'a>(st: &'a ShopState, who: &Who) -> Option<&'a ShopperState> {
    match who {
        Who::Visitor(v) => st.shopper(Some(v), None),
        Who::Customer(c) => st.shopper(None, Some(c)),
    }
}

/// Runs `f` on the shopper's lists under the read lock (empty lists for an unknown shopper).
fn with_lists<T>(
    app: &App,
    caller: &Caller,
    who: &Who,
    f: impl FnOnce(&ShopState, &tailor_engine::lists::Lists) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let empty = Default::default();
    let lists = shopper(&st, who).map_or(&empty, |s| &s.wishlists);
    f(&st, lists)
}

/// One list as the owner sees it.
fn one(app: &App, caller: &Caller, who: &Who, name: &str) -> Result<Value, ApiError> {
    with_lists(app, caller, who, |st, lists| {
        let l = lists.get(name).ok_or_else(|| not_found(name))?;
        Ok(list_json(st, name, l, true))
    })
}

/// Writes one shopper event for `who` through ingest.
/// Records `edit` of the existing list `name` (404 when the shopper has none of that name).
async fn edit_existing(
    app: &App,
    caller: &Caller,
    who: &Who,
    name: &str,
    edit: impl FnOnce(String) -> ListEdit,
) -> Result<StatusCode, ApiError> {
    let name = path_list(name)?;
    with_lists(app, caller, who, |_, lists| {
        lists.get(&name).map(|_| ()).ok_or_else(|| not_found(&name))
    })?;
    let edit = edit(name);
    emit(app, caller, who, EventKind::List { edit }).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn emit(app: &App, caller: &Caller, who: &Who, kind: EventKind) -> Result<(), ApiError> {
    let (visitor, customer) = author(who)?;
    let e = Event {
        event_id: Some(format!("list-{}", uuid::Uuid::new_v4().simple())),
        visitor_id: visitor,
        session_id: None,
        customer_id: customer,
        timestamp: Some(now_millis()),
        received_at: 0,
        kind,
    };
    super::events::ingest(app, caller, vec![e]).await?;
    Ok(())
}

/// A product a shopper may put on a list: one the catalog has and shows.
fn listable(st: &ShopState, raw: String) -> Result<(ProductId, Item), ApiError> {
    let id = ProductId::new(raw).map_err(|e| ApiError::field("product_id", e.to_string()))?;
    match st.catalog.item(id.as_str()) {
        Some(i) if st.catalog.product(i).is_some_and(|p| !p.hidden) => Ok((id, i)),
        _ => Err(ApiError::field(
            "product_id",
            format!("unknown product {:?}", id.as_str()),
        )),
    }
}

fn room_for_list(lists: &tailor_engine::lists::Lists, name: &str) -> Result<(), ApiError> {
    if !lists.contains_key(name) && lists.len() >= MAX_LISTS {
        return Err(conflict(
            "limit_exceeded",
            "name",
            format!("a shopper may have at most {MAX_LISTS} lists"),
        ));
    }
    Ok(())
}

/// Every list of a shopper.
#[utoipa::path(get, path = "/v1/shoppers/{id}/lists", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 200, description = "`{lists: [{name, created_at, shared, items: [{product_id, title, price, sale_price, currency, image_url, url, available}]}]}`; the default list is named `default`"), (status = 403)))]
pub async fn get_lists(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    with_lists(&app, &caller, &who, |st, lists| {
        let all: Vec<Value> = lists
            .iter()
            .map(|(n, l)| list_json(st, n, l, true))
            .collect();
        Ok(Json(json!({ "lists": all })))
    })
}

/// Make an empty list.
#[utoipa::path(post, path = "/v1/shoppers/{id}/lists", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    request_body(content = Object, description = "`{\"name\": \"Birthday 🎂\"}`: 1 to 64 characters, trimmed, no control characters"),
    responses((status = 201, description = "the new list"), (status = 400, description = "names the field"), (status = 409, description = "a list of that name exists, or the shopper has 50 lists")))]
pub async fn create_list(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = who(&caller, id, &kind)?;
    let name = check_name(&body_str(&body, "name")?).map_err(|e| ApiError::field("name", e))?;
    with_lists(&app, &caller, &who, |_, lists| {
        if lists.contains_key(&name) {
            return Err(conflict(
                "list_exists",
                "name",
                format!("a list named {:?} exists", display_name(&name)),
            ));
        }
        room_for_list(lists, &name)
    })?;
    let edit = ListEdit::Create { list: name.clone() };
    emit(&app, &caller, &who, EventKind::List { edit }).await?;
    Ok((StatusCode::CREATED, Json(one(&app, &caller, &who, &name)?)))
}

/// One list.
#[utoipa::path(get, path = "/v1/shoppers/{id}/lists/{name}", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 200, description = "the list"), (status = 404)))]
pub async fn get_list(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    let name = path_list(&name)?;
    Ok(Json(one(&app, &caller, &who, &name)?))
}

/// Rename a list (its products and share links stay with it).
#[utoipa::path(patch, path = "/v1/shoppers/{id}/lists/{name}", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    request_body(content = Object, description = "`{\"name\": \"new name\"}`"),
    responses((status = 200, description = "the renamed list"), (status = 400), (status = 404), (status = 409, description = "the new name is taken")))]
pub async fn rename_list(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    Query(kind): Query<Kind>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    let name = path_list(&name)?;
    let to = check_name(&body_str(&body, "name")?).map_err(|e| ApiError::field("name", e))?;
    with_lists(&app, &caller, &who, |_, lists| {
        if !lists.contains_key(&name) {
            return Err(not_found(&name));
        }
        if to != name && lists.contains_key(&to) {
            return Err(conflict(
                "list_exists",
                "name",
                format!("a list named {:?} exists", display_name(&to)),
            ));
        }
        Ok(())
    })?;
    if to != name {
        let edit = ListEdit::Rename {
            list: name,
            to: to.clone(),
        };
        emit(&app, &caller, &who, EventKind::List { edit }).await?;
    }
    Ok(Json(one(&app, &caller, &who, &to)?))
}

/// Delete a list, its products and its share links.
#[utoipa::path(delete, path = "/v1/shoppers/{id}/lists/{name}", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 204), (status = 404)))]
pub async fn delete_list(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    Query(kind): Query<Kind>,
) -> Result<StatusCode, ApiError> {
    let who = who(&caller, id, &kind)?;
    edit_existing(&app, &caller, &who, &name, |list| ListEdit::Delete { list }).await
}

/// Put a product on a list (made if missing). Adding what is already there changes nothing.
#[utoipa::path(post, path = "/v1/shoppers/{id}/lists/{name}/items", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    request_body(content = Object, description = "`{\"product_id\": \"p1\"}`"),
    responses((status = 200, description = "`{added: bool, list}`"), (status = 400, description = "unknown product or bad name"), (status = 409, description = "list or item limit")))]
pub async fn add_item(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    Query(kind): Query<Kind>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    // A new list gets a checked name; an existing one is addressed as it is.
    let raw = path_list(&name)?;
    let product = body_str(&body, "product_id")?;
    let (product_id, name, fresh) = with_lists(&app, &caller, &who, |st, lists| {
        let (pid, item) = listable(st, product)?;
        let name = if lists.contains_key(&raw) {
            raw
        } else {
            check_name(&name).map_err(|e| ApiError::field("name", e))?
        };
        room_for_list(lists, &name)?;
        let l = lists.get(&name);
        let fresh = !l.is_some_and(|l| l.items.contains(&item));
        if fresh && l.is_some_and(|l| l.items.len() >= MAX_LIST_ITEMS) {
            return Err(conflict(
                "limit_exceeded",
                "product_id",
                format!("a list holds at most {MAX_LIST_ITEMS} products"),
            ));
        }
        Ok((pid, name, fresh))
    })?;
    // A repeat would count as interest twice; it is acknowledged and not written.
    if fresh {
        let list = (!name.is_empty()).then(|| name.clone());
        emit(
            &app,
            &caller,
            &who,
            EventKind::WishlistAdd { product_id, list },
        )
        .await?;
    }
    Ok(Json(
        json!({"added": fresh, "list": one(&app, &caller, &who, &name)?}),
    ))
}

/// Take a product off a list.
#[utoipa::path(delete, path = "/v1/shoppers/{id}/lists/{name}/items/{product_id}", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 200, description = "the list"), (status = 404, description = "no such list, or the product is not on it")))]
pub async fn remove_item(
    State(app): State<App>,
    caller: Caller,
    Path((id, name, product)): Path<(String, String, String)>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    let name = path_list(&name)?;
    let product_id = on_list(&app, &caller, &who, &name, product)?;
    let list = (!name.is_empty()).then(|| name.clone());
    emit(
        &app,
        &caller,
        &who,
        EventKind::WishlistRemove { product_id, list },
    )
    .await?;
    Ok(Json(one(&app, &caller, &who, &name)?))
}

/// The product id if it is on the list, else a 404 naming what is missing.
fn on_list(
    app: &App,
    caller: &Caller,
    who: &Who,
    name: &str,
    product: String,
) -> Result<ProductId, ApiError> {
    let pid = ProductId::new(product).map_err(|e| ApiError::field("product_id", e.to_string()))?;
    with_lists(app, caller, who, |st, lists| {
        let l = lists.get(name).ok_or_else(|| not_found(name))?;
        match st.catalog.item(pid.as_str()) {
            Some(i) if l.items.contains(&i) => Ok(pid.clone()),
            _ => Err(ApiError::not_found(format!(
                "product {:?} on list {:?}",
                pid.as_str(),
                display_name(name)
            ))),
        }
    })
}

/// Move a product to another list (made if missing).
#[utoipa::path(post, path = "/v1/shoppers/{id}/lists/{name}/items/{product_id}/move", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    request_body(content = Object, description = "`{\"to\": \"other list\"}`"),
    responses((status = 200, description = "`{from: list, to: list}`"), (status = 400, description = "bad or same target name"), (status = 404), (status = 409, description = "list or item limit")))]
pub async fn move_item(
    State(app): State<App>,
    caller: Caller,
    Path((id, name, product)): Path<(String, String, String)>,
    Query(kind): Query<Kind>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    let name = path_list(&name)?;
    let to = check_name(&body_str(&body, "to")?).map_err(|e| ApiError::field("to", e))?;
    if to == name {
        return Err(ApiError::field("to", "is the list the product is on"));
    }
    let product_id = on_list(&app, &caller, &who, &name, product)?;
    with_lists(&app, &caller, &who, |_, lists| {
        room_for_list(lists, &to)?;
        if lists
            .get(&to)
            .is_some_and(|l| l.items.len() >= MAX_LIST_ITEMS)
        {
            return Err(conflict(
                "limit_exceeded",
                "to",
                format!("a list holds at most {MAX_LIST_ITEMS} products"),
            ));
        }
        Ok(())
    })?;
    let edit = ListEdit::Move {
        product_id,
        list: name.clone(),
        to: to.clone(),
    };
    emit(&app, &caller, &who, EventKind::List { edit }).await?;
    Ok(Json(json!({
        "from": one(&app, &caller, &who, &name)?,
        "to": one(&app, &caller, &who, &to)?,
    })))
}

fn token_hash(token: &str) -> String {
    sha1_smol::Sha1::from(token.as_bytes()).digest().to_string()
}

fn new_token() -> Result<String, ApiError> {
    use rand::TryRngCore;
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(ApiError::internal)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Make a read-only share link. The token is shown once; only its hash is stored. Each call
/// makes another link; revoking revokes them all.
#[utoipa::path(post, path = "/v1/shoppers/{id}/lists/{name}/share", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 201, description = "`{token, path}`: `GET path` shows the list"), (status = 404)))]
pub async fn share_list(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    Query(kind): Query<Kind>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let who = who(&caller, id, &kind)?;
    let name = path_list(&name)?;
    with_lists(&app, &caller, &who, |_, lists| {
        lists.get(&name).map(|_| ()).ok_or_else(|| not_found(&name))
    })?;
    let token = new_token()?;
    let edit = ListEdit::Share {
        list: name,
        token_hash: token_hash(&token),
    };
    emit(&app, &caller, &who, EventKind::List { edit }).await?;
    let path = format!("/v1/lists/shared/{token}");
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "path": path})),
    ))
}

/// Revoke every share link of a list.
#[utoipa::path(delete, path = "/v1/shoppers/{id}/lists/{name}/share", tag = "lists",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 204), (status = 404)))]
pub async fn unshare_list(
    State(app): State<App>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
    Query(kind): Query<Kind>,
) -> Result<StatusCode, ApiError> {
    let who = who(&caller, id, &kind)?;
    edit_existing(&app, &caller, &who, &name, |list| ListEdit::Unshare {
        list,
    })
    .await
}

/// A shared list, read-only: its name and the products the shop shows (no owner, no dates).
#[utoipa::path(get, path = "/v1/lists/shared/{token}", tag = "lists",
    responses((status = 200, description = "`{name, items}`"), (status = 404, description = "unknown or revoked link")))]
pub async fn get_shared(
    State(app): State<App>,
    caller: Caller,
    Path(token): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let gone = || ApiError::not_found("shared list");
    if token.len() != TOKEN_BYTES * 2 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(gone());
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let (name, l) = st
        .shared_list(&token_hash(&token.to_ascii_lowercase()))
        .ok_or_else(gone)?;
    Ok(Json(list_json(&st, name, l, false)))
}

/// The notifications a catalog write raises: who lists each changed product.
pub(crate) fn alerts(st: &ShopState, changed: &[(Item, Change)]) -> Vec<NewNotification> {
    let found: Vec<Alert> =
        tailor_engine::lists::alerts(st.shoppers().map(|(k, s)| (k, &s.wishlists)), changed);
    found
        .into_iter()
        .map(|a| {
            let recipient = match a.shopper {
                ShopperKey::Visitor(v) => Recipient::Visitor(v.as_str().to_string()),
                ShopperKey::Customer(c) => Recipient::Customer(c.as_str().to_string()),
            };
            let (kind, old_price, new_price, old_stock, new_stock) = match a.change {
                Change::PriceDrop { old, new } => (
                    NotificationKind::PriceDrop,
                    Some(old),
                    Some(new),
                    None,
                    None,
                ),
                Change::BackInStock { old, new } => {
                    (NotificationKind::BackInStock, None, None, old, new)
                }
            };
            NewNotification {
                recipient,
                product: st.catalog.id(a.item).clone(),
                kind,
                list: display_name(&a.list).to_string(),
                old_price,
                new_price,
                old_stock,
                new_stock,
            }
        })
        .collect()
}

/// Stores notifications. The catalog write that raised them has already committed, so a
/// failure here is logged rather than failing that write.
pub(crate) async fn record(app: &App, caller: &Caller, notes: Vec<NewNotification>) {
    if notes.is_empty() {
        return;
    }
    let (store, shop) = (app.store.clone(), caller.shop.clone());
    if let Err(e) = blocking(move || Ok(store.add_notifications(&shop, &notes)?)).await {
        tracing::error!(
            shop = caller.shop.as_str(),
            "notifications not stored: {}",
            e.message
        );
    }
}

/// Paging for notifications.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct NotificationParams {
    /// Only ones the outbox has not claimed yet.
    pub pending: Option<bool>,
    /// Ids above this one.
    pub after: Option<i64>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// Price-drop and back-in-stock notifications for listed products (admin key).
#[utoipa::path(get, path = "/v1/notifications", tag = "lists", params(NotificationParams),
    responses((status = 200, description = "`{notifications: [{id, recipient: {kind, id}, product, kind: price_drop|back_in_stock, list, old_price, new_price, old_stock, new_stock, created_at, claimed_at}], next_after}`"), (status = 400), (status = 403)))]
pub async fn get_notifications(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<NotificationParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let query = NotificationQuery {
        pending_only: q.pending.unwrap_or(false),
        after: q.after.unwrap_or(0),
        limit,
    };
    let (store, shop) = (app.store.clone(), caller.shop.clone());
    let page = blocking(move || Ok(store.notifications(&shop, query)?)).await?;
    let next = (page.len() == limit)
        .then(|| page.last().map(|n| n.id))
        .flatten();
    Ok(Json(json!({"notifications": page, "next_after": next})))
}
