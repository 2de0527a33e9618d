use crate::limits::{MAX_DESCRIPTION_LEN, MAX_LIST_LEN, MAX_TEXT_LEN};
use crate::{FieldError, Millis, ProductId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether a product can be bought now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Can be bought and shipped now.
    #[default]
    InStock,
    /// Cannot be bought now.
    OutOfStock,
    /// Can be ordered before release.
    Preorder,
    /// Can be ordered; ships when restocked.
    Backorder,
}

impl Availability {
    /// Parses the spellings shops use (`in stock`, `in_stock`, `out of stock`, `preorder`, ...).
    pub fn parse(s: &str) -> Option<Self> {
        let norm: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match norm.as_str() {
            "instock" | "available" | "yes" | "true" => Some(Self::InStock),
            "outofstock" | "soldout" | "unavailable" | "no" | "false" | "discontinued" => {
                Some(Self::OutOfStock)
            }
            "preorder" => Some(Self::Preorder),
            "backorder" => Some(Self::Backorder),
            _ => None,
        }
    }
}

/// A free attribute: text, a list of texts, or a number.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrValue {
    /// A number, e.g. weight in grams.
    Number(f64),
    /// One text, e.g. colour.
    Text(String),
    /// Several texts, e.g. materials.
    List(Vec<String>),
}

/// One sellable product (or one variant of a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// The shop's id for this product or variant.
    pub id: ProductId,
    /// Variants of one product share a group id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// Display title.
    pub title: String,
    /// Long description, plain text.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Brand or maker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Category paths, each from the root down, e.g. `[["Food", "Snacks", "Nuts"]]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Vec<String>>,
    /// Regular price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// Sale price, when on sale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<f64>,
    /// ISO 4217 currency code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Whether it can be bought now.
    #[serde(default)]
    pub availability: Availability,
    /// Units in stock, when the shop tracks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<i64>,
    /// Image URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Product page URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Allergens the product contains. `None` means unknown, which differs from "none".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allergens: Option<Vec<String>>,
    /// Diets the product suits (vegan, gluten-free, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diets: Vec<String>,
    /// Free attributes (colour, size, volume, ...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, AttrValue>,
    /// Option groups, price deltas, rules and SKUs of a configurable product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Box<crate::configure::Configuration>>,
    /// Hidden products are never returned to shoppers.
    #[serde(default)]
    pub hidden: bool,
    /// When the shop created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Millis>,
    /// When the shop last changed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Millis>,
}

/// What a storefront needs to draw a product in a list: the product fields every list response
/// (recommendation boxes, search, gift boxes) carries per item. The engine keeps each product's
/// tile rendered as JSON, so answering a list copies bytes instead of escaping text again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tile<'a> {
    /// Brand or maker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brand: Option<&'a str>,
    /// ISO 4217 currency code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<&'a str>,
    /// Image URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<&'a str>,
    /// Regular price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    /// The product's id.
    pub product_id: &'a str,
    /// Sale price, when on sale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sale_price: Option<f64>,
    /// Display title.
    pub title: &'a str,
    /// Product page URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'a str>,
}

impl Product {
    /// A visible, in-stock product with only an id and a title; the rest left empty.
    pub fn new(id: ProductId, title: impl Into<String>) -> Self {
        Self {
            id,
            group_id: None,
            title: title.into(),
            description: String::new(),
            brand: None,
            categories: Vec::new(),
            price: None,
            sale_price: None,
            currency: None,
            availability: Availability::InStock,
            stock: None,
            image_url: None,
            url: None,
            tags: Vec::new(),
            allergens: None,
            diets: Vec::new(),
            attributes: BTreeMap::new(),
            configuration: None,
            hidden: false,
            created_at: None,
            updated_at: None,
        }
    }

    /// The price a shopper pays now: the sale price when there is one.
    pub fn effective_price(&self) -> Option<f64> {
        self.sale_price.or(self.price)
    }

    /// Whether a shopper may be shown this product at all.
    pub fn is_sellable(&self) -> bool {
        !self.hidden
            && matches!(
                self.availability,
                Availability::InStock | Availability::Preorder | Availability::Backorder
            )
            && self
                .stock
                .is_none_or(|s| s > 0 || self.availability != Availability::InStock)
    }

    /// The fields a list response carries for this product (see [`Tile`]).
    pub fn tile(&self) -> Tile<'_> {
        // A number JSON cannot hold is left out (validation refuses them; this is the backstop).
        let number = |x: Option<f64>| x.filter(|v| v.is_finite());
        Tile {
            brand: self.brand.as_deref(),
            currency: self.currency.as_deref(),
            image_url: self.image_url.as_deref(),
            price: number(self.price),
            product_id: self.id.as_str(),
            sale_price: number(self.sale_price),
            title: &self.title,
            url: self.url.as_deref(),
        }
    }

    /// The group id, or the product id for a product without variants.
    pub fn group_key(&self) -> &str {
        self.group_id.as_deref().unwrap_or(self.id.as_str())
    }

    /// Checks the rules serde cannot: lengths, list sizes, finite non-negative prices.
    /// `index` is the row or batch position, echoed in every error.
    pub fn validate(&self, index: Option<usize>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let mut text = |field: &str, v: &str, max: usize| {
            if v.len() > max {
                errs.push(FieldError::new(
                    index,
                    field,
                    format!("longer than {max} bytes"),
                ));
            }
        };
        text("title", &self.title, MAX_TEXT_LEN);
        text("description", &self.description, MAX_DESCRIPTION_LEN);
        for (field, v) in [
            ("group_id", &self.group_id),
            ("brand", &self.brand),
            ("currency", &self.currency),
            ("image_url", &self.image_url),
            ("url", &self.url),
        ] {
            if let Some(v) = v {
                text(field, v, MAX_TEXT_LEN);
            }
        }
        if self.title.trim().is_empty() {
            errs.push(FieldError::new(index, "title", "must not be empty"));
        }
        for (field, price) in [("price", self.price), ("sale_price", self.sale_price)] {
            if let Some(p) = price
                && (!p.is_finite() || p < 0.0)
            {
                errs.push(FieldError::new(
                    index,
                    field,
                    "must be a finite number >= 0",
                ));
            }
        }
        if let Some(c) = &self.currency
            && (c.len() != 3 || !c.chars().all(|c| c.is_ascii_alphabetic()))
        {
            errs.push(FieldError::new(
                index,
                "currency",
                "must be a 3-letter ISO 4217 code",
            ));
        }
        let lists = [
            ("categories", self.categories.len()),
            ("tags", self.tags.len()),
            ("allergens", self.allergens.as_ref().map_or(0, Vec::len)),
            ("diets", self.diets.len()),
            ("attributes", self.attributes.len()),
        ];
        for (field, n) in lists {
            if n > MAX_LIST_LEN {
                errs.push(FieldError::new(
                    index,
                    field,
                    format!("more than {MAX_LIST_LEN} entries"),
                ));
            }
        }
        for (name, v) in &self.attributes {
            if let AttrValue::Number(n) = v
                && !n.is_finite()
            {
                errs.push(FieldError::new(
                    index,
                    format!("attributes.{name}"),
                    "must be a finite number",
                ));
            }
        }
        errs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Product {
        Product::new(ProductId::new("p1").unwrap(), "Peanut butter")
    }

    #[test]
    fn availability_parses_common_spellings() {
        assert_eq!(Availability::parse("in stock"), Some(Availability::InStock));
        assert_eq!(
            Availability::parse("OUT_OF_STOCK"),
            Some(Availability::OutOfStock)
        );
        assert_eq!(
            Availability::parse("pre-order"),
            Some(Availability::Preorder)
        );
        assert_eq!(Availability::parse("maybe"), None);
    }

    #[test]
    fn validation_names_each_bad_field() {
        let mut bad = p();
        bad.title = " ".into();
        bad.price = Some(f64::NAN);
        bad.currency = Some("euro".into());
        let fields: Vec<_> = bad.validate(Some(3)).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title", "price", "currency"]);
        assert!(p().validate(None).is_empty());
    }

    #[test]
    fn sellable_respects_hidden_stock_and_availability() {
        let mut x = p();
        assert!(x.is_sellable());
        x.stock = Some(0);
        assert!(!x.is_sellable());
        x.availability = Availability::Backorder;
        assert!(x.is_sellable());
        x.hidden = true;
        assert!(!x.is_sellable());
    }

    #[test]
    fn json_round_trip_keeps_unknown_allergens_apart_from_none() {
        let mut x = p();
        x.allergens = Some(vec![]);
        let back: Product = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
        assert_eq!(back.allergens, Some(vec![]));
        let unknown: Product = serde_json::from_str(r#"{"id":"a","title":"t"}"#).unwrap();
        assert_eq!(unknown.allergens, None);
    }
}
