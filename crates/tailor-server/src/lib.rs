//! Tailor's HTTP API (axum): thin wiring from requests to the store and the engine.
