//! The demo shop's configurable product: a mug with a colour, a size, extras and an engraving,
//! rules between them and a SKU per colour and size, so the storefront has something to
//! configure and the configuration endpoints something to answer.

use tailor_model::configure::Configuration;
use tailor_model::{AttrValue, Product, ProductId};

/// The id of the configurable demo product.
pub const CONFIGURABLE_ID: &str = "mug-custom";

/// A personalised mug: colour and size pick the SKU (blue S is sold out, black S is not made),
/// extras cost extra, a gold rim needs the large size, and the engraving takes 20 letters,
/// digits, spaces or `&'-.`.
pub fn configurable_product() -> Product {
    let config = serde_json::json!({
        "groups": [
            {"id": "colour", "label": "Colour", "kind": "single", "attribute": "color", "values": [
                {"id": "red", "label": "Red"}, {"id": "blue", "label": "Blue"},
                {"id": "black", "label": "Black", "price_delta": 1.0}, {"id": "white", "label": "White"}]},
            {"id": "size", "label": "Size", "kind": "single", "attribute": "size", "values": [
                {"id": "s", "label": "Small (250 ml)"}, {"id": "l", "label": "Large (400 ml)", "price_delta": 3.0}]},
            {"id": "extras", "label": "Extras", "kind": "multi", "max": 2, "values": [
                {"id": "gift_box", "label": "Gift box", "price_delta": 4.0},
                {"id": "card", "label": "Greeting card", "price_delta": 1.5},
                {"id": "gold_rim", "label": "Gold rim", "price_delta": 5.0}]},
            {"id": "engraving", "label": "Engraving", "kind": "text", "max_length": 20,
             "allowed": ["letters", "digits", "space"], "allowed_extra": "&'-.", "price_delta": 6.0}
        ],
        "rules": [
            {"when": {"group": "extras", "value": "gold_rim"}, "requires": {"group": "size", "value": "l"}},
            {"when": {"group": "colour", "value": "white"}, "excludes": {"group": "extras", "value": "gold_rim"}}
        ],
        "skus": [
            {"sku": "MUG-RED-S", "when": {"colour": "red", "size": "s"}, "stock": 12},
            {"sku": "MUG-RED-L", "when": {"colour": "red", "size": "l"}, "stock": 7},
            {"sku": "MUG-BLUE-S", "when": {"colour": "blue", "size": "s"}, "stock": 0},
            {"sku": "MUG-BLUE-L", "when": {"colour": "blue", "size": "l"}, "stock": 9},
            {"sku": "MUG-BLACK-L", "when": {"colour": "black", "size": "l"}, "stock": 4},
            {"sku": "MUG-WHITE-S", "when": {"colour": "white", "size": "s"}, "stock": 20},
            {"sku": "MUG-WHITE-L", "when": {"colour": "white", "size": "l"}, "stock": 15}
        ]
    });
    let mut p = Product::new(
        ProductId::new(CONFIGURABLE_ID).expect("a short id"),
        "Personalised Enamel Mug",
    );
    p.description =
        "An enamel mug in your colour and size, engraved with up to 20 characters.".to_string();
    p.brand = Some("Tailor Workshop".to_string());
    p.categories = vec![vec!["Home".to_string(), "Kitchen".to_string()]];
    p.price = Some(12.99);
    p.currency = Some("EUR".to_string());
    p.stock = Some(67);
    p.image_url = Some(format!("/demo/images/{CONFIGURABLE_ID}.svg"));
    p.url = Some(format!("/demo/product/{CONFIGURABLE_ID}"));
    p.tags = vec!["personalised".to_string(), "gift".to_string()];
    p.attributes.insert(
        "consumable".to_string(),
        AttrValue::Text("false".to_string()),
    );
    p.configuration = Some(Box::new(
        Configuration::from_json(&config, "configuration")
            .expect("the demo configuration is valid"),
    ));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tailor_model::configure::Choices;

    #[test]
    fn the_demo_mug_validates_prices_and_resolves() {
        let p = configurable_product();
        assert!(p.validate(None).is_empty());
        let c = p.configuration.as_ref().unwrap();
        let pick = |v| Choices::from_json(&v).unwrap();
        let ok = pick(
            json!({"colour": "red", "size": "l", "extras": ["gold_rim"], "engraving": "Für Anna"}),
        );
        assert!(c.validate(&ok).is_empty());
        assert_eq!(c.price(12.99, &ok).unwrap().total, 26.99);
        assert_eq!(c.resolve(&ok).unwrap().unwrap().sku, "MUG-RED-L");
        let rim_small = pick(json!({"colour": "red", "size": "s", "extras": ["gold_rim"]}));
        assert_eq!(c.validate(&rim_small)[0].rule, "requires");
        let sold_out = pick(json!({"colour": "blue", "size": "s"}));
        assert_eq!(c.resolve(&sold_out).unwrap_err()[0].rule, "out_of_stock");
        let not_made = pick(json!({"colour": "black", "size": "s"}));
        assert_eq!(c.resolve(&not_made).unwrap_err()[0].rule, "no_sku");
    }
}
