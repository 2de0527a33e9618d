//! Tailor's recommendation algorithms: pure, in-memory, and free of I/O.
//!
//! Items are dense `u32` indices; the engine maps product ids to them. Each module is one family
//! of candidate sources, written from its paper and measured by `tailor eval`.

pub mod cooccur;
pub mod popularity;
pub mod query_clicks;
pub mod replenish;
pub mod session;
