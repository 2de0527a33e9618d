//! The demo shop's gift-box templates, in the JSON that `PUT /v1/giftboxes/templates/{id}`
//! takes, so the storefront's gift box builder has something to fill.

use serde_json::{Value, json};

/// Template id → template: a snack-and-sip box of 4–6 items for 20–45 EUR, packaging included.
pub fn giftbox_templates() -> Value {
    json!({
        "treats": {
            "name": "Snack & sip gift box",
            "currency": "EUR",
            "capacity": {"min_items": 4, "max_items": 6},
            "budget": {"min": 20, "max": 45},
            "packaging_price": 3.5,
            "eligible": {"categories": ["Groceries > Snacks", "Beverages > Coffee", "Beverages > Tea"]},
            "rules": [
                {"id": "variety", "max_per_category": 2},
                {"id": "something-to-sip", "must_include": {"categories": ["Beverages"]}}
            ]
        }
    })
}
