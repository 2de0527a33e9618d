//! Open Food Facts as a food catalog: the Lifyzer export (`barcode, product_name,
//! ingredients_text, product_image_url, <nutrients>_100g, ...`) read into products whose
//! `allergens` and `diets` are derived from the ingredient text with the OFF taxonomies
//! ([`ingredients`]). The export has no prices, brands, categories or labels: every product
//! goes under `Food`, and the nutrients become numeric attributes.

pub mod ingredients;
pub mod taxonomy;

pub use ingredients::{Analyser, Analysis};
pub use taxonomy::Taxonomy;

use crate::CatalogError;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;
use tailor_model::{Allergen, AttrValue, Diet, Product, ProductId};

/// The export's file in its data set folder.
pub const PRODUCTS_FILE: &str = "off_products_sample.csv.gz";
/// Numeric columns kept as attributes.
const NUTRIENTS: [&str; 9] = [
    "fat_100g",
    "saturated_fat_100g",
    "carbohydrates_100g",
    "sugars_100g",
    "fiber_100g",
    "proteins_100g",
    "salt_100g",
    "sodium_100g",
    "alcohol_100g",
];

/// One product with what the analysis found, for reports and checking by hand.
#[derive(Debug, Clone)]
pub struct FoodProduct {
    /// The catalog product.
    pub product: Product,
    /// The ingredient analysis behind its tags.
    pub analysis: Analysis,
}

/// What a read skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Skipped {
    /// Rows without a product name.
    pub no_name: usize,
    /// Rows whose barcode is not a valid id.
    pub bad_id: usize,
    /// Rows repeating an earlier barcode (the first is kept).
    pub duplicate: usize,
}

/// Loads the ingredient and label taxonomies from their folder.
pub fn analyser(taxonomies: &Path) -> Result<Analyser, CatalogError> {
    let ingredients = Taxonomy::load(&taxonomies.join("ingredients.full.json.gz"))?;
    let labels = Taxonomy::load(&taxonomies.join("labels.full.json.gz"))?;
    Ok(Analyser::new(ingredients, &labels))
}

/// Reads the export at `path` (`.csv` or `.csv.gz`) into products tagged by `a`.
pub fn read(path: &Path, a: &Analyser) -> Result<(Vec<FoodProduct>, Skipped), CatalogError> {
    let f = std::fs::File::open(path).map_err(|source| CatalogError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let r: Box<dyn Read> = if path.extension().is_some_and(|e| e == "gz") {
        Box::new(flate2::read::GzDecoder::new(f))
    } else {
        Box::new(f)
    };
    from_reader(r, a).map_err(|reason| CatalogError::Companion {
        path: path.to_path_buf(),
        reason,
    })
}

/// Reads the export's CSV from any reader.
pub fn from_reader(r: impl Read, a: &Analyser) -> Result<(Vec<FoodProduct>, Skipped), String> {
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(r);
    let headers = csv.headers().map_err(|e| e.to_string())?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(id_col), Some(name_col)) = (col("barcode"), col("product_name")) else {
        return Err("needs the columns barcode and product_name".into());
    };
    let text_col = col("ingredients_text");
    let image_col = col("product_image_url");
    let nutrient_cols: Vec<(&str, usize)> = NUTRIENTS
        .iter()
        .filter_map(|n| col(n).map(|c| (*n, c)))
        .collect();
    let mut seen = HashSet::new();
    let mut skipped = Skipped::default();
    let mut out = Vec::new();
    for rec in csv.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let Some(name) = get(Some(name_col)) else {
            skipped.no_name += 1;
            continue;
        };
        let Some(id) = get(Some(id_col)).and_then(|s| ProductId::new(s).ok()) else {
            skipped.bad_id += 1;
            continue;
        };
        if !seen.insert(id.clone()) {
            skipped.duplicate += 1;
            continue;
        }
        let text = get(text_col);
        let analysis = a.analyse(text, name);
        let mut p = Product::new(id, name);
        p.categories = vec![vec!["Food".into()]];
        p.description = text.unwrap_or_default().to_string();
        p.image_url = get(image_col).map(str::to_string);
        p.allergens = analysis
            .allergens
            .as_ref()
            .map(|s| s.iter().map(|a| a.as_str().to_string()).collect());
        p.diets = analysis
            .diets
            .iter()
            .map(|d| d.as_str().to_string())
            .collect();
        let mut attrs = BTreeMap::new();
        for (n, c) in &nutrient_cols {
            if let Some(x) = get(Some(*c))
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|x| x.is_finite())
            {
                attrs.insert((*n).to_string(), AttrValue::Number(x));
            }
        }
        if let Some(l) = analysis.language {
            attrs.insert("ingredients_language".into(), AttrValue::Text(l.into()));
        }
        // What was found when the list is not complete: hard constraints honour it, so a
        // shopper who excludes milk and accepts unknown allergens still never sees found milk.
        if analysis.allergens.is_none() && !analysis.found.is_empty() {
            attrs.insert(
                tailor_model::DETECTED_ALLERGENS_ATTR.into(),
                AttrValue::List(
                    analysis
                        .found
                        .iter()
                        .map(|a| a.as_str().to_string())
                        .collect(),
                ),
            );
        }
        p.attributes = attrs;
        out.push(FoodProduct {
            product: p,
            analysis,
        });
    }
    Ok((out, skipped))
}

/// How many products got which tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagCounts {
    /// Products read.
    pub products: usize,
    /// With ingredient text.
    pub with_text: usize,
    /// Whose allergen list is known (every ingredient recognised).
    pub allergens_known: usize,
    /// Per allergen: (in a known list, found at all).
    pub allergens: BTreeMap<Allergen, (usize, usize)>,
    /// Per diet.
    pub diets: BTreeMap<Diet, usize>,
    /// Per matched language.
    pub languages: BTreeMap<&'static str, usize>,
    /// Ingredients listed and recognised, over all products.
    pub ingredients: (usize, usize),
}

/// Counts the tags of `products`.
pub fn count(products: &[FoodProduct]) -> TagCounts {
    let mut c = TagCounts {
        products: products.len(),
        ..TagCounts::default()
    };
    for a in Allergen::ALL {
        c.allergens.insert(a, (0, 0));
    }
    for d in Diet::ALL {
        c.diets.insert(d, 0);
    }
    for fp in products {
        let a = &fp.analysis;
        c.with_text += usize::from(a.ingredients > 0);
        c.ingredients.0 += a.ingredients;
        c.ingredients.1 += a.recognised;
        if let Some(l) = a.language {
            *c.languages.entry(l).or_default() += 1;
        }
        if let Some(list) = &a.allergens {
            c.allergens_known += 1;
            for x in list {
                c.allergens.entry(*x).or_default().0 += 1;
            }
        }
        for x in &a.found {
            c.allergens.entry(*x).or_default().1 += 1;
        }
        for d in &a.diets {
            *c.diets.entry(*d).or_default() += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_export_and_keeps_unknown_apart_from_none() {
        let ing = Taxonomy::from_json(&json!({
            "en:sugar": {"name": {"en": "Sugar"}, "vegan": {"en": "yes"}, "vegetarian": {"en": "yes"}},
            "en:dairy": {"name": {"en": "Dairy"}},
            "en:milk": {"name": {"en": "Milk"}, "parents": ["en:dairy"], "vegan": {"en": "no"}}
        }))
        .unwrap();
        let a = Analyser::new(ing, &Taxonomy::default());
        let csv = "barcode,product_name,ingredients_text,product_image_url,fat_100g\n\
                   1,Sugar,Sugar,,0\n2,Milk drink,\"milk, sugar, mystery\",,3.5\n3,No text,,,\n\
                   1,Again,,,\n4,,sugar,,\n";
        let (ps, skipped) = from_reader(csv.as_bytes(), &a).unwrap();
        assert_eq!(
            skipped,
            Skipped {
                no_name: 1,
                bad_id: 0,
                duplicate: 1
            }
        );
        assert_eq!(ps.len(), 3);
        assert_eq!(ps[0].product.allergens, Some(vec![]));
        assert!(ps[0].product.diets.contains(&"vegan".to_string()));
        assert_eq!(ps[1].product.allergens, None);
        assert_eq!(
            ps[1].product.attributes.get("allergens_detected"),
            Some(&AttrValue::List(vec!["milk".into()]))
        );
        assert_eq!(
            ps[1].product.attributes.get("fat_100g"),
            Some(&AttrValue::Number(3.5))
        );
        assert_eq!(
            (ps[2].product.allergens.clone(), ps[2].product.diets.len()),
            (None, 0)
        );
        let c = count(&ps);
        assert_eq!((c.products, c.with_text, c.allergens_known), (3, 2, 1));
        assert_eq!(c.allergens[&Allergen::Milk], (0, 1));
        assert!(ps.iter().all(|p| p.product.validate(None).is_empty()));
    }
}
