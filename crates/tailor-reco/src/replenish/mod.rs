//! Replenishment: when each customer will need each product again, and what goes in their next
//! basket. Fed one purchase at a time by the engine; read by the `buy_again` source and by
//! reminders.
//!
//! - [`cycles`]: per-product and per-customer purchase cycles (log-normal gaps, empirical-Bayes
//!   shrinkage, censoring), giving a due date with a band and a confidence.
//! - [`next_basket`]: TIFU-KNN and Tailor's buy-again ranker, which adds the cycles' timing to it.
//!
//! ```
//! use tailor_reco::replenish::cycles::{CycleModel, Purchase};
//!
//! let mut m = CycleModel::new();
//! for customer in 0..20 {
//!     for k in 0..5 {
//!         let day = f64::from(k) * 7.0;
//!         m.observe(Purchase { customer, item: 1, day, qty: 1.0, censored_since_previous: false });
//!     }
//! }
//! m.refit();
//! let due = m.due(0, 1, 28.0).unwrap();
//! assert!((due.day - 35.0).abs() < 1.0 && due.low < due.day && due.day < due.high);
//! assert!(m.is_consumable(1));
//! ```

pub mod cycles;
pub mod next_basket;
mod normal;
