//! The demo storefront that `tailor demo` serves at `/demo/`: home, category, product, search,
//! cart and a fake checkout, plus the "See personalization in action" panel.
//!
//! It is the integration example made real: the pages talk to Tailor only through `/tracker.js`
//! and the public API, with the public key, exactly as a shop on another server would. This
//! crate only hands out the static pages (compiled in), the shop's configuration (key and
//! category menu, as a shop's own templates would carry them) and the product pictures drawn by
//! [`tailor_demo::render_product_svg`].
//!
//! ```
//! use tailor_storefront::{Storefront, router};
//!
//! let products = tailor_demo::generate_catalog(42, 50);
//! let app: axum::Router = router(Storefront::new("tpk_example", products));
//! # let _ = app;
//! ```
#![warn(missing_docs)]

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use tailor_model::Product;

const SHELL_HTML: &str = include_str!("../assets/shell.html");
const SHOP_JS: &str = include_str!("../assets/shop.js");
const SHOP_CSS: &str = include_str!("../assets/shop.css");

/// Where the page shell takes the shop's configuration.
const CONFIG_SLOT: &str = "__TAILOR_DEMO_CONFIG__";
/// Pictures never change for a given product id within a demo shop.
const IMAGE_MAX_AGE_SECS: u32 = 3600;

/// What the storefront needs: the public key its pages use, and the catalog (for the menu and
/// the pictures; the pages themselves read products through the API).
#[derive(Debug, Clone)]
pub struct Storefront {
    /// A public key (`tpk_...`) of the demo shop, handed to the pages.
    pub public_key: String,
    /// Tailor's base URL as the browser sees it; empty for "this server".
    pub endpoint: String,
    /// The demo catalog.
    pub products: Vec<Product>,
}

impl Storefront {
    /// A storefront over `products` served by the same server as the API.
    pub fn new(public_key: impl Into<String>, products: Vec<Product>) -> Self {
        Self {
            public_key: public_key.into(),
            endpoint: String::new(),
            products,
        }
    }
}

struct Shared {
    shell: String,
    config: String,
    products: HashMap<String, Product>,
}

/// The category menu: top-level categories with their second-level children and counts,
/// visible products only.
pub fn category_menu(products: &[Product]) -> Value {
    let mut tree: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for p in products.iter().filter(|p| !p.hidden) {
        for path in &p.categories {
            let Some(top) = path.first() else { continue };
            let children = tree.entry(top).or_default();
            if let Some(sub) = path.get(1) {
                *children.entry(sub).or_default() += 1;
            }
        }
    }
    Value::Array(
        tree.into_iter()
            .map(|(top, children)| {
                json!({
                    "name": top,
                    "path": top,
                    "children": children.into_iter().map(|(sub, n)| json!({
                        "name": sub, "path": format!("{top} > {sub}"), "count": n
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// Brands of visible products, most products first, for the preferences page.
pub fn brands(products: &[Product]) -> Vec<String> {
    let mut n: BTreeMap<&str, usize> = BTreeMap::new();
    for p in products.iter().filter(|p| !p.hidden) {
        if let Some(b) = p.brand.as_deref().filter(|b| !b.trim().is_empty()) {
            *n.entry(b).or_default() += 1;
        }
    }
    let mut v: Vec<(&str, usize)> = n.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.into_iter().map(|(b, _)| b.to_string()).collect()
}

/// The storefront's routes, all under `/demo/`; merge them into the API router.
pub fn router(sf: Storefront) -> Router {
    let config = json!({
        "key": sf.public_key,
        "endpoint": sf.endpoint,
        "shop_name": "Larder & Loom",
        "categories": category_menu(&sf.products),
        "brands": brands(&sf.products),
        "allergens": tailor_model::Allergen::ALL.map(|a| a.as_str()),
        "diets": tailor_model::Diet::ALL.map(|d| d.as_str()),
    });
    // `</` inside an inline script would end it early.
    let inline = config.to_string().replace("</", "<\\/");
    let shared = Arc::new(Shared {
        shell: SHELL_HTML.replace(CONFIG_SLOT, &inline),
        config: config.to_string(),
        products: sf
            .products
            .into_iter()
            .map(|p| (p.id.as_str().to_string(), p))
            .collect(),
    });
    Router::new()
        .route("/demo", get(|| async { Redirect::permanent("/demo/") }))
        .route("/demo/", get(page))
        .route("/demo/category", get(page))
        .route("/demo/search", get(page))
        .route("/demo/cart", get(page))
        .route("/demo/giftbox", get(page))
        .route("/demo/checkout", get(page))
        .route("/demo/preferences", get(page))
        .route("/demo/lists", get(page))
        .route("/demo/product/{id}", get(product_page))
        .route("/demo/config.json", get(config_json))
        .route("/demo/assets/shop.js", get(shop_js))
        .route("/demo/assets/shop.css", get(shop_css))
        .route("/demo/images/{file}", get(image))
        .with_state(shared)
}

fn html(status: StatusCode, body: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

async fn page(State(s): State<Arc<Shared>>) -> Response {
    html(StatusCode::OK, &s.shell)
}

async fn product_page(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let known = s.products.get(&id).is_some_and(|p| !p.hidden);
    let status = if known {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    html(status, &s.shell)
}

async fn config_json(State(s): State<Arc<Shared>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        s.config.clone(),
    )
        .into_response()
}

async fn shop_js() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        SHOP_JS,
    )
        .into_response()
}

async fn shop_css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        SHOP_CSS,
    )
        .into_response()
}

async fn image(State(s): State<Arc<Shared>>, Path(file): Path<String>) -> Response {
    let Some(p) = file.strip_suffix(".svg").and_then(|id| s.products.get(id)) else {
        return (StatusCode::NOT_FOUND, "no such picture").into_response();
    };
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml".to_string()),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={IMAGE_MAX_AGE_SECS}"),
            ),
        ],
        tailor_demo::render_product_svg(p),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn get(app: &Router, path: &str) -> (StatusCode, String, String) {
        let resp = app
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        (status, ct, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn pages_carry_the_key_and_pictures_match_products() {
        let mut products = tailor_demo::generate_catalog(7, 40);
        products[1].hidden = true;
        let (shown, hidden) = (products[0].id.clone(), products[1].id.clone());
        let app = router(Storefront::new("tpk_</script>x", products));

        let (st, ct, body) = get(&app, "/demo/").await;
        assert_eq!(st, StatusCode::OK);
        assert!(ct.starts_with("text/html"));
        assert!(body.contains(r#"src="/tracker.js""#));
        // The key arrives, and cannot close the inline script.
        assert!(body.contains(r#""key":"tpk_<\/script>x""#), "{body}");
        assert!(!body.contains(CONFIG_SLOT));

        let (st, _, _) = get(&app, &format!("/demo/product/{}", shown.as_str())).await;
        assert_eq!(st, StatusCode::OK);
        let (st, _, _) = get(&app, &format!("/demo/product/{}", hidden.as_str())).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        let (st, ct, svg) = get(&app, &format!("/demo/images/{}.svg", shown.as_str())).await;
        assert_eq!((st, ct.as_str()), (StatusCode::OK, "image/svg+xml"));
        assert!(svg.starts_with("<svg"));
        let (st, _, _) = get(&app, "/demo/lists").await;
        assert_eq!(st, StatusCode::OK);
        let (st, _, _) = get(&app, "/demo/images/nope.svg").await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        let (_, ct, js) = get(&app, "/demo/assets/shop.js").await;
        assert!(ct.starts_with("application/javascript") && js.contains("Tailor."));
        let (_, _, cfg) = get(&app, "/demo/config.json").await;
        let cfg: Value = serde_json::from_str(&cfg).unwrap();
        assert_eq!(cfg["key"], "tpk_</script>x");
    }

    #[test]
    fn menu_counts_visible_products_per_subcategory() {
        let mut products = tailor_demo::generate_catalog(7, 200);
        let menu = category_menu(&products);
        let total = |m: &Value| -> u64 {
            m.as_array()
                .unwrap()
                .iter()
                .flat_map(|c| c["children"].as_array().unwrap())
                .map(|c| c["count"].as_u64().unwrap())
                .sum()
        };
        assert_eq!(total(&menu), 200);
        products[0].hidden = true;
        assert_eq!(total(&category_menu(&products)), 199);
        let first = &menu[0]["children"][0];
        assert!(first["path"].as_str().unwrap().contains(" > "));
    }
}
