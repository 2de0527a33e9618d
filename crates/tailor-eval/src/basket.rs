//! Bought-together evaluation on order data (instacart-sample).
