//! Tailor's HTTP API: thin wiring from requests to the store and the engine.
//!
//! [`router`] builds the axum app; [`serve`] binds and runs it. Handlers live in [`routes`], one
//! module per resource, and never hold business logic: that lives in `tailor-engine`.
#![warn(missing_docs)]

pub mod app;
pub mod auth;
pub mod charts;
pub mod error;
pub mod metrics;
pub mod routes;

pub use app::{App, ReplayStats};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use std::time::Instant;

/// Largest request body accepted (a catalog batch of 10,000 rich products fits).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// The OpenAPI description of every endpoint.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Tailor",
        description = "Self-hosted ecommerce personalization. Send `Authorization: Bearer KEY`; prefix any /v1 path with /v1/shops/{shop} to name a shop (otherwise the key's shop, or `default`)."
    ),
    paths(
        routes::system::healthz,
        routes::system::metrics,
        routes::events::post_events,
        routes::events::merge,
        routes::catalog::post_products,
        routes::catalog::list_products,
        routes::catalog::get_product,
        routes::catalog::patch_product,
        routes::catalog::delete_product,
        routes::shoppers::get_visitor,
        routes::shoppers::get_customer,
        routes::shoppers::export_shopper,
        routes::shoppers::delete_shopper,
        routes::recommend::post_recommendations,
        routes::preferences::put_preferences,
        routes::preferences::get_preferences,
        routes::preferences::delete_preferences,
        routes::search::post_search,
        routes::search::get_suggest,
        routes::search::get_settings,
        routes::search::put_settings,
        routes::replenishment::get_shopper_replenishment,
        routes::replenishment::get_due,
        routes::replenishment::get_settings,
        routes::replenishment::put_settings,
        routes::replenishment::get_contact,
        routes::replenishment::put_contact,
        routes::replenishment::unsubscribe,
        routes::giftbox::list_templates,
        routes::giftbox::get_template,
        routes::giftbox::put_template,
        routes::giftbox::delete_template,
        routes::giftbox::validate,
        routes::giftbox::price,
        routes::giftbox::autofill,
        routes::rules::list_rules,
        routes::rules::create_rule,
        routes::rules::get_rule,
        routes::rules::put_rule,
        routes::rules::delete_rule,
        routes::rules::preview,
        routes::analytics::widgets,
        routes::analytics::search,
        routes::analytics::get_settings,
        routes::analytics::put_settings,
        routes::experiments::list,
        routes::experiments::create,
        routes::experiments::get,
        routes::experiments::put,
        routes::experiments::delete,
        routes::experiments::get_results,
        routes::admin::chart,
        routes::admin::inspect,
        routes::admin::catalog_health,
        routes::lists::get_lists,
        routes::lists::create_list,
        routes::lists::get_list,
        routes::lists::rename_list,
        routes::lists::delete_list,
        routes::lists::add_item,
        routes::lists::remove_item,
        routes::lists::move_item,
        routes::lists::share_list,
        routes::lists::unshare_list,
        routes::lists::get_shared,
        routes::lists::get_notifications,
        routes::configure::get_configuration,
        routes::configure::validate,
        routes::configure::price,
        routes::configure::resolve,
    )
)]
pub struct ApiDoc;

async fn track(State(app): State<App>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |m| m.as_str())
        .to_string();
    let t = Instant::now();
    let resp = next.run(req).await;
    app.metrics
        .request(&route, resp.status().as_u16(), t.elapsed().as_secs_f64());
    resp
}

fn cors() -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderName, Method, header};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-tailor-key"),
        ])
}

/// The whole API as a router (before shop-prefix rewriting; see [`service`]).
pub fn router(app: App) -> Router {
    use routes::{
        admin, analytics, assets, catalog, configure, events, experiments, giftbox, lists,
        preferences, recommend, replenishment, rules, search, shoppers, system,
    };
    Router::new()
        .route("/healthz", get(system::healthz))
        .route("/metrics", get(system::metrics))
        .route("/openapi.json", get(system::openapi))
        .route("/tracker.js", get(assets::tracker_js))
        .route("/admin", get(admin::page))
        .route("/admin/", get(admin::page))
        .route("/admin/admin.js", get(admin::script))
        .route("/admin/admin.css", get(admin::style))
        .route("/v1/admin/charts/{name}", get(admin::chart))
        .route("/v1/admin/inspect", post(admin::inspect))
        .route("/v1/admin/catalog-health", get(admin::catalog_health))
        .route("/v1/events", post(events::post_events))
        .route("/v1/identity/merge", post(events::merge))
        .route(
            "/v1/products",
            post(catalog::post_products).get(catalog::list_products),
        )
        .route(
            "/v1/products/{id}",
            get(catalog::get_product)
                .patch(catalog::patch_product)
                .delete(catalog::delete_product),
        )
        .route(
            "/v1/products/{id}/configuration",
            get(configure::get_configuration),
        )
        .route(
            "/v1/products/{id}/configuration/validate",
            post(configure::validate),
        )
        .route(
            "/v1/products/{id}/configuration/price",
            post(configure::price),
        )
        .route(
            "/v1/products/{id}/configuration/resolve",
            post(configure::resolve),
        )
        .route("/v1/recommendations", post(recommend::post_recommendations))
        .route("/v1/search", post(search::post_search))
        .route("/v1/suggest", get(search::get_suggest))
        .route(
            "/v1/search/settings",
            get(search::get_settings).put(search::put_settings),
        )
        .route("/v1/rules", get(rules::list_rules).post(rules::create_rule))
        .route("/v1/rules/preview", post(rules::preview))
        .route(
            "/v1/rules/{id}",
            get(rules::get_rule)
                .put(rules::put_rule)
                .delete(rules::delete_rule),
        )
        .route("/v1/analytics/widgets", get(analytics::widgets))
        .route("/v1/analytics/search", get(analytics::search))
        .route(
            "/v1/analytics/settings",
            get(analytics::get_settings).put(analytics::put_settings),
        )
        .route(
            "/v1/experiments",
            get(experiments::list).post(experiments::create),
        )
        .route(
            "/v1/experiments/{id}",
            get(experiments::get)
                .put(experiments::put)
                .delete(experiments::delete),
        )
        .route(
            "/v1/experiments/{id}/results",
            get(experiments::get_results),
        )
        .route("/v1/visitors/{id}", get(shoppers::get_visitor))
        .route("/v1/customers/{id}", get(shoppers::get_customer))
        .route(
            "/v1/shoppers/{id}",
            axum::routing::delete(shoppers::delete_shopper),
        )
        .route("/v1/shoppers/{id}/export", get(shoppers::export_shopper))
        .route(
            "/v1/shoppers/{id}/preferences",
            get(preferences::get_preferences)
                .put(preferences::put_preferences)
                .delete(preferences::delete_preferences),
        )
        .route(
            "/v1/shoppers/{id}/replenishment",
            get(replenishment::get_shopper_replenishment),
        )
        .route("/v1/replenishment/due", get(replenishment::get_due))
        .route(
            "/v1/replenishment/settings",
            get(replenishment::get_settings).put(replenishment::put_settings),
        )
        .route(
            "/v1/customers/{id}/contact",
            get(replenishment::get_contact).put(replenishment::put_contact),
        )
        .route(
            "/v1/unsubscribe/{token}",
            get(replenishment::unsubscribe).post(replenishment::unsubscribe),
        )
        .route("/v1/giftboxes/templates", get(giftbox::list_templates))
        .route(
            "/v1/giftboxes/templates/{id}",
            get(giftbox::get_template)
                .put(giftbox::put_template)
                .delete(giftbox::delete_template),
        )
        .route(
            "/v1/giftboxes/templates/{id}/validate",
            post(giftbox::validate),
        )
        .route("/v1/giftboxes/templates/{id}/price", post(giftbox::price))
        .route(
            "/v1/giftboxes/templates/{id}/autofill",
            post(giftbox::autofill),
        )
        .route(
            "/v1/shoppers/{id}/lists",
            get(lists::get_lists).post(lists::create_list),
        )
        .route(
            "/v1/shoppers/{id}/lists/{name}",
            get(lists::get_list)
                .patch(lists::rename_list)
                .delete(lists::delete_list),
        )
        .route(
            "/v1/shoppers/{id}/lists/{name}/items",
            post(lists::add_item),
        )
        .route(
            "/v1/shoppers/{id}/lists/{name}/items/{product_id}",
            axum::routing::delete(lists::remove_item),
        )
        .route(
            "/v1/shoppers/{id}/lists/{name}/items/{product_id}/move",
            post(lists::move_item),
        )
        .route(
            "/v1/shoppers/{id}/lists/{name}/share",
            post(lists::share_list).delete(lists::unshare_list),
        )
        .route("/v1/lists/shared/{token}", get(lists::get_shared))
        .route("/v1/notifications", get(lists::get_notifications))
        .route_layer(middleware::from_fn_with_state(app.clone(), track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Shops call from their own origin; keys, not cookies, authenticate, so any origin may.
        .layer(cors())
        .with_state(app)
}

/// The API as a make-service: the router behind the shop-prefix rewrite.
pub type Service = axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
    tower::util::MapRequest<Router, fn(Request) -> Request>,
    std::net::SocketAddr,
>;

/// The router with `/v1/shops/{shop}/...` rewritten to `/v1/...` before routing.
pub fn service(app: App) -> Service {
    use tower::ServiceExt;
    let svc = router(app).map_request(auth::route_shop as fn(Request) -> Request);
    axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(svc)
}

/// Serves on `listener` until `shutdown` resolves.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, service(app))
        .with_graceful_shutdown(shutdown)
        .await
}
