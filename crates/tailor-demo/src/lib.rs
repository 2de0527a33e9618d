//! A deterministic demo shop: a generated catalog and simulated shoppers with hidden tastes.
