//! Tailor recommendation algorithms (pure, in-memory).

pub mod cooccur;
