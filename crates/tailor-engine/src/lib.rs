//! Tailor's engine: live state and the request pipeline.
//!
//! [`Engine`] holds one [`ShopState`] per shop. Ingest calls [`ShopState::prepare`] before an
//! event is stored and [`ShopState::apply`] after it commits; requests read the same state. The
//! engine knows nothing of HTTP or SQL, so it is tested and benchmarked on its own.
#![warn(missing_docs)]

pub mod analytics;
pub mod catalog;
pub mod constraints;
pub mod experiments;
pub mod filter;
pub mod filter_taste;
pub mod giftbox;
pub mod lists;
pub mod models;
pub mod pipeline;
pub mod replenish;
pub mod rules;
pub mod search;
pub mod shopper;
pub mod state;
pub mod stats;

pub use catalog::{Catalog, Item};
pub use models::Models;
pub use pipeline::{BoxResult, RecRequest, recommend};
pub use shopper::{ShopperKey, ShopperRef, ShopperState};
pub use state::ShopState;

use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;
use tailor_model::ShopId;

/// Every shop's live state.
#[derive(Default)]
pub struct Engine {
    shops: RwLock<HashMap<ShopId, Arc<RwLock<ShopState>>>>,
}

impl Engine {
    /// An engine with no shops.
    pub fn new() -> Self {
        Self::default()
    }

    /// The state of `shop`, created empty on first use.
    pub fn shop(&self, shop: &ShopId) -> Arc<RwLock<ShopState>> {
        if let Some(s) = self.shops.read().get(shop) {
            return s.clone();
        }
        self.shops.write().entry(shop.clone()).or_default().clone()
    }
}
