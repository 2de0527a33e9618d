//! Google Merchant Center attributes to a [`Product`]. One record arrives as `(name, value)`
//! pairs, whether it came from a TSV/CSV row (header names) or an RSS/Atom `<item>` (element
//! names), so both feed shapes share this mapping and its error messages.
//!
//! Mapping: `id`, `title`, `description`, `link` (url), `image_link` (image_url), `price` and
//! `sale_price` (`"12.99 USD"` gives the amount and the currency), `availability`, `brand`,
//! `item_group_id` (group_id) and `product_type` (`"A > B > C"`, one category path per value).
//! Everything else, including `gtin`, `google_product_category`, `color`, `size` and
//! `custom_label_0..4`, becomes a free attribute; a repeated name becomes a list.
//! `google_product_category` stays an attribute because categories hold the shop's own taxonomy.

use crate::fields::{
    add_attr_text, blank, finish, non_empty, parse_availability, parse_price, push_path, show,
    split_path,
};
use tailor_model::{FieldError, Product, ProductId};

/// Merchant attributes that map onto [`Product`] fields, in message order.
const CORE: &[&str] = &[
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "price",
    "sale_price",
    "availability",
    "brand",
    "item_group_id",
    "product_type",
];

/// Merchant attribute names kept as attributes under their lower-case name even when written
/// without the `g:` prefix or in another case. Other unknown names are kept as written.
const KNOWN_ATTRIBUTES: &[&str] = &[
    "gtin",
    "mpn",
    "google_product_category",
    "color",
    "size",
    "custom_label_0",
    "custom_label_1",
    "custom_label_2",
    "custom_label_3",
    "custom_label_4",
    "condition",
    "gender",
    "age_group",
    "material",
    "pattern",
    "additional_image_link",
    "mobile_link",
    "shipping",
    "shipping_weight",
    "availability_date",
    "sale_price_effective_date",
    "identifier_exists",
    "adult",
    "multipack",
    "is_bundle",
    "size_type",
    "size_system",
    "unit_pricing_measure",
    "unit_pricing_base_measure",
];

/// Splits a Merchant name into its bare form and whether it carried the `g:` prefix.
pub(crate) fn strip_prefix(name: &str) -> (bool, &str) {
    let name = name.trim();
    match name.get(..2) {
        Some(p) if p.eq_ignore_ascii_case("g:") => (true, name[2..].trim()),
        _ => (false, name),
    }
}

/// Whether a header names the Merchant attribute `field` (any case, with or without `g:`).
pub(crate) fn names(header: &str, field: &str) -> bool {
    strip_prefix(header).1.eq_ignore_ascii_case(field)
}

/// Builds a product from one record's `(name, value)` pairs; `row` goes into every error.
///
/// When a core attribute appears twice, a `g:`-prefixed occurrence beats a plain one (an RSS
/// `<title>` next to `<g:title>`); two different values at the same level are an error.
pub(crate) fn merchant_product(
    pairs: &[(String, String)],
    row: usize,
) -> Result<Product, Vec<FieldError>> {
    let index = Some(row);
    let mut p = blank(index)?;
    let mut errs = Vec::new();
    let mut slots: Vec<Option<(bool, String)>> = vec![None; CORE.len()];
    for (name, value) in pairs {
        let Some(value) = non_empty(value) else {
            continue;
        };
        let (prefixed, bare) = strip_prefix(name);
        let lower = bare.to_ascii_lowercase();
        // Atom feeds carry the description as <summary>.
        let core = if lower == "summary" && !prefixed {
            Some(2)
        } else {
            CORE.iter().position(|c| *c == lower)
        };
        match core {
            Some(i) if CORE[i] == "product_type" => {
                push_path(&mut p.categories, split_path(&value))
            }
            Some(i) => match &slots[i] {
                Some((was_prefixed, old)) if *was_prefixed == prefixed && *old != value => {
                    errs.push(FieldError::new(
                        index,
                        CORE[i],
                        format!(
                            "given twice with different values: {} and {}",
                            show(old),
                            show(&value)
                        ),
                    ));
                }
                Some((was_prefixed, _)) if *was_prefixed || !prefixed => {}
                _ => slots[i] = Some((prefixed, value)),
            },
            None => {
                let attr = if prefixed || KNOWN_ATTRIBUTES.contains(&lower.as_str()) {
                    lower
                } else {
                    bare.to_string()
                };
                add_attr_text(&mut p, &attr, value);
            }
        }
    }
    let mut take = |name: &str| {
        CORE.iter()
            .position(|c| *c == name)
            .and_then(|i| slots[i].take())
            .map(|(_, v)| v)
    };
    let (id, title) = (take("id"), take("title"));
    match id.map(ProductId::new) {
        Some(Ok(id)) => p.id = id,
        Some(Err(e)) => errs.push(FieldError::new(index, "id", e.to_string())),
        None => errs.push(FieldError::new(index, "id", "is required")),
    }
    match title {
        Some(t) => p.title = t,
        None => errs.push(FieldError::new(index, "title", "is required")),
    }
    p.description = take("description").unwrap_or_default();
    p.url = take("link");
    p.image_url = take("image_link");
    p.brand = take("brand");
    p.group_id = take("item_group_id");
    let mut currency: Option<(&str, String)> = None;
    for field in ["price", "sale_price"] {
        let Some(raw) = take(field) else { continue };
        match parse_price(&raw) {
            Ok((amount, code)) => {
                if field == "price" {
                    p.price = Some(amount);
                } else {
                    p.sale_price = Some(amount);
                }
                match (code, &currency) {
                    (Some(c), Some((first, was))) if c != *was => errs.push(FieldError::new(
                        index,
                        field,
                        format!("is in {c} but {first} is in {was}; one product has one currency"),
                    )),
                    (Some(c), None) => currency = Some((field, c)),
                    _ => {}
                }
            }
            Err(e) => errs.push(FieldError::new(index, field, e)),
        }
    }
    p.currency = currency.map(|(_, c)| c);
    if let Some(raw) = take("availability") {
        match parse_availability(&raw) {
            Ok(a) => p.availability = a,
            Err(e) => errs.push(FieldError::new(index, "availability", e)),
        }
    }
    errs.sort_by_key(|e| {
        CORE.iter()
            .position(|c| *c == e.field)
            .unwrap_or(CORE.len())
    });
    finish(p, errs, index, &merchant_name)
}

/// Tailor field names back to the Merchant names the feed used, for messages.
fn merchant_name(field: &str) -> Option<&'static str> {
    match field {
        "url" => Some("link"),
        "image_url" => Some("image_link"),
        "group_id" => Some("item_group_id"),
        "currency" => Some("price"),
        "categories" => Some("product_type"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailor_model::{AttrValue, Availability};

    fn pairs(kv: &[(&str, &str)]) -> Vec<(String, String)> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn maps_every_merchant_field() {
        let p = merchant_product(
            &pairs(&[
                ("g:id", "SKU-1"),
                ("title", "Sofa"),
                ("g:description", "Big"),
                ("link", "https://shop/p"),
                ("g:image_link", "https://shop/i.jpg"),
                ("price", "499.00 EUR"),
                ("sale_price", "399 EUR"),
                ("availability", "backorder"),
                ("brand", "Sofaco"),
                ("gtin", "4006381333931"),
                ("google_product_category", "Furniture > Sofas"),
                ("product_type", "Home > Living > Sofas"),
                ("item_group_id", "SOFA"),
                ("Color", "grey"),
                ("size", "3-seat"),
                ("custom_label_0", "summer"),
                ("Material Note", "linen"),
                ("g:Pattern", "plain"),
                ("empty", "  "),
            ]),
            2,
        )
        .unwrap();
        assert_eq!(p.id.as_str(), "SKU-1");
        assert_eq!(p.url.as_deref(), Some("https://shop/p"));
        assert_eq!(p.image_url.as_deref(), Some("https://shop/i.jpg"));
        assert_eq!((p.price, p.sale_price), (Some(499.0), Some(399.0)));
        assert_eq!(p.currency.as_deref(), Some("EUR"));
        assert_eq!(p.availability, Availability::Backorder);
        assert_eq!(p.group_id.as_deref(), Some("SOFA"));
        assert_eq!(p.categories, vec![vec!["Home", "Living", "Sofas"]]);
        let keys: Vec<_> = p.attributes.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "Material Note",
                "color",
                "custom_label_0",
                "google_product_category",
                "gtin",
                "pattern",
                "size"
            ]
        );
        assert_eq!(p.attributes["color"], AttrValue::Text("grey".into()));
    }

    #[test]
    fn errors_use_merchant_names_and_the_row() {
        let errs = merchant_product(
            &pairs(&[
                ("id", "a"),
                ("title", "t"),
                ("price", "12.99 USD"),
                ("sale_price", "9 EUR"),
                ("availability", "sometimes"),
                ("image_link", &"x".repeat(5000)),
            ]),
            41,
        )
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["sale_price", "availability", "image_link"]);
        assert!(errs.iter().all(|e| e.index == Some(41)));
    }

    #[test]
    fn prefixed_wins_and_conflicts_are_reported() {
        let p = merchant_product(
            &pairs(&[("title", "plain"), ("g:title", "google"), ("g:id", "1")]),
            1,
        )
        .unwrap();
        assert_eq!(p.title, "google");
        let errs =
            merchant_product(&pairs(&[("id", "1"), ("id", "2"), ("title", "t")]), 1).unwrap_err();
        assert_eq!(errs[0].field, "id");
        assert!(errs[0].reason.contains("given twice"));
        let missing = merchant_product(&pairs(&[("price", "1")]), 5).unwrap_err();
        let fields: Vec<_> = missing.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "title"]);
    }
}
