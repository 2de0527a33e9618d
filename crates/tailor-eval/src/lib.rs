//! Offline evaluation of Tailor on real data.
//!
//! Each protocol (see `../shared/docs/EVALUATION.md`) lives in its own module, reads public data
//! files, runs Tailor's algorithm and its baselines on the same split in the same run, and returns
//! a [`Report`]: a table for people, or one JSON object with `--json`.
#![warn(missing_docs)]

pub mod report;

pub use report::{Latency, Report, Row};
pub mod basket;
pub mod browse;
pub mod replenishment;
pub mod search;
pub mod sessions;
