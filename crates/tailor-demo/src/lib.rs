//! A deterministic demo shop: a generated catalog and simulated shoppers with hidden tastes.
//!
//! [`generate_catalog`] fills a general online shop (food-heavy, so allergens and diets matter) with
//! believable products: brands, titles, prices and sales, stock, pack-size and colour/size variants,
//! allergens consistent with titles and diet claims consistent with allergens. [`simulate`] then lets
//! shoppers with hidden tastes ([`Shopper`]) browse, search, cart, wishlist, hide and buy in it for some days,
//! restocking consumables on their own cycle, and returns the event history. [`Shopper::affinity`] is the
//! ground truth: the same function drives behaviour and scores recommendations in later simulations.
//! [`render_product_svg`] draws a placeholder picture for each product. The same seed always gives the same
//! bytes.
//!
//! ```
//! use tailor_demo::{generate_catalog, render_product_svg, simulate, DEFAULT_START_MILLIS};
//! use tailor_model::{Event, EventKind};
//!
//! let catalog = generate_catalog(42, 300);
//! assert_eq!(catalog.len(), 300);
//! assert!(catalog.iter().all(|p| p.validate(None).is_empty()));
//!
//! let sim = simulate(42, &catalog, 20, 14, DEFAULT_START_MILLIS);
//! assert!(sim.events.windows(2).all(|w| w[0].time() <= w[1].time()));
//! // Events speak the API's language.
//! let raw = serde_json::to_value(&sim.events[0]).unwrap();
//! assert_eq!(Event::from_json(&raw, 0).unwrap(), sim.events[0]);
//!
//! // Every purchase respects the buyer's hidden constraints.
//! for e in &sim.events {
//!     if let EventKind::Purchase { lines, .. } = &e.kind {
//!         let buyer = sim.shoppers.iter().find(|s| s.visitor_id == e.visitor_id).unwrap();
//!         for line in lines {
//!             let p = catalog.iter().find(|p| p.id == line.product_id).unwrap();
//!             assert!(buyer.may_buy(p) && buyer.affinity(p) > 0.0);
//!         }
//!     }
//! }
//!
//! let svg = render_product_svg(&catalog[0]);
//! assert!(svg.starts_with("<svg"));
//! ```
#![warn(missing_docs)]

mod catalog;
mod configurable;
mod diet;
mod giftbox;
mod query;
mod rng;
mod shelf;
mod shopper;
mod simulate;
mod svg;
mod taxonomy;

pub use catalog::{DEMO_EPOCH_MILLIS, generate_catalog, generate_catalog_at};
pub use configurable::{CONFIGURABLE_ID, configurable_product};
pub use diet::{Allergen, Diet};
pub use giftbox::giftbox_templates;
pub use shopper::{Shopper, Tastes, generate_shoppers};
pub use simulate::{Simulation, simulate};
pub use svg::render_product_svg;

use tailor_model::Millis;

/// Products in the default demo catalog.
pub const DEFAULT_PRODUCTS: usize = 2_000;
/// Shoppers in the default simulation.
pub const DEFAULT_SHOPPERS: usize = 300;
/// Days the default simulation covers.
pub const DEFAULT_DAYS: u32 = 60;
/// Where the default simulation starts: at [`DEMO_EPOCH_MILLIS`], when the default catalog is complete.
pub const DEFAULT_START_MILLIS: Millis = DEMO_EPOCH_MILLIS;
