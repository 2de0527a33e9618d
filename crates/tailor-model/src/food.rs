//! The food-safety vocabulary shoppers state and products declare: the EU's 14 allergens
//! (Regulation 1169/2011, Annex II) and six diets. Feeds and shoppers spell them many ways
//! ("Peanut", "arachis", "en:peanuts"), so everything goes through [`Allergen::parse`] and
//! [`Diet::parse`] before it is compared.

use serde::{Deserialize, Serialize};

/// The product tag that says "not food": diet and allergen constraints do not apply to it.
/// Without it a product is treated as food, so an unlabelled product never slips past a
/// shopper's allergy.
pub const NON_FOOD_TAG: &str = "non-food";
/// Attribute listing allergens known to be present when the full list is not known (for example
/// derived from partly recognised ingredients). Hard constraints honour it like a declaration.
pub const DETECTED_ALLERGENS_ATTR: &str = "allergens_detected";

/// One of the 14 allergens EU law requires food labels to declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Allergen {
    /// Cereals containing gluten.
    Gluten,
    /// Crabs, prawns, lobsters.
    Crustaceans,
    /// Eggs.
    Eggs,
    /// Fish.
    Fish,
    /// Peanuts.
    Peanuts,
    /// Soybeans.
    Soybeans,
    /// Milk, including lactose.
    Milk,
    /// Tree nuts.
    Nuts,
    /// Celery and celeriac.
    Celery,
    /// Mustard.
    Mustard,
    /// Sesame seeds.
    Sesame,
    /// Sulphur dioxide and sulphites.
    Sulphites,
    /// Lupin.
    Lupin,
    /// Mussels, oysters, squid, snails.
    Molluscs,
}

/// Spellings accepted for each allergen, after lowercasing, dropping a language prefix
/// (`en:`) and turning `_`/`-` into spaces. The first one is the canonical name.
const ALLERGEN_NAMES: [(Allergen, &[&str]); 14] = [
    (
        Allergen::Gluten,
        &[
            "gluten",
            "cereals containing gluten",
            "wheat",
            "rye",
            "barley",
            "oats",
            "oat",
            "spelt",
            "kamut",
        ],
    ),
    (
        Allergen::Crustaceans,
        &[
            "crustaceans",
            "crustacean",
            "shrimp",
            "prawn",
            "prawns",
            "crab",
            "lobster",
        ],
    ),
    (Allergen::Eggs, &["eggs", "egg"]),
    (Allergen::Fish, &["fish"]),
    (
        Allergen::Peanuts,
        &["peanuts", "peanut", "arachis", "groundnut", "groundnuts"],
    ),
    (
        Allergen::Soybeans,
        &["soybeans", "soybean", "soy", "soya", "soja", "soy beans"],
    ),
    (
        Allergen::Milk,
        &["milk", "dairy", "lactose", "milk products"],
    ),
    (
        Allergen::Nuts,
        &[
            "nuts",
            "nut",
            "tree nuts",
            "tree nut",
            "almond",
            "almonds",
            "hazelnut",
            "hazelnuts",
            "walnut",
            "walnuts",
            "cashew",
            "cashews",
            "pecan",
            "pecans",
            "pistachio",
            "pistachios",
            "macadamia",
            "brazil nut",
            "brazil nuts",
        ],
    ),
    (Allergen::Celery, &["celery", "celeriac"]),
    (Allergen::Mustard, &["mustard"]),
    (Allergen::Sesame, &["sesame", "sesame seeds", "sesame seed"]),
    (
        Allergen::Sulphites,
        &[
            "sulphites",
            "sulfites",
            "sulphite",
            "sulfite",
            "sulphur dioxide",
            "sulfur dioxide",
            "sulphur dioxide and sulphites",
            "so2",
        ],
    ),
    (Allergen::Lupin, &["lupin", "lupine", "lupins"]),
    (
        Allergen::Molluscs,
        &[
            "molluscs", "mollusks", "mollusc", "mollusk", "mussels", "oysters", "squid", "snails",
        ],
    ),
];

/// Lowercase, no language prefix, separators as single spaces.
fn normalise(s: &str) -> String {
    let s = s.trim().to_lowercase();
    let s = match s.split_once(':') {
        Some((lang, rest)) if lang.len() == 2 => rest.to_string(),
        _ => s,
    };
    s.replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Allergen {
    /// All 14, in the order of the regulation's annex.
    pub const ALL: [Allergen; 14] = [
        Self::Gluten,
        Self::Crustaceans,
        Self::Eggs,
        Self::Fish,
        Self::Peanuts,
        Self::Soybeans,
        Self::Milk,
        Self::Nuts,
        Self::Celery,
        Self::Mustard,
        Self::Sesame,
        Self::Sulphites,
        Self::Lupin,
        Self::Molluscs,
    ];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        ALLERGEN_NAMES[self as usize].1[0]
    }

    /// The allergen any accepted spelling names (`Peanut`, `arachis`, `en:peanuts`).
    pub fn parse(s: &str) -> Option<Self> {
        let n = normalise(s);
        ALLERGEN_NAMES
            .iter()
            .find(|(_, names)| names.contains(&n.as_str()))
            .map(|(a, _)| *a)
    }

    /// Accepted names, for error messages.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }
}

/// A diet a product can claim and a shopper can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Diet {
    /// No animal products.
    Vegan,
    /// No meat or seafood.
    Vegetarian,
    /// No gluten.
    GlutenFree,
    /// No milk.
    LactoseFree,
    /// Certified halal.
    Halal,
    /// Certified kosher.
    Kosher,
}

impl Diet {
    /// All six.
    pub const ALL: [Diet; 6] = [
        Self::Vegan,
        Self::Vegetarian,
        Self::GlutenFree,
        Self::LactoseFree,
        Self::Halal,
        Self::Kosher,
    ];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vegan => "vegan",
            Self::Vegetarian => "vegetarian",
            Self::GlutenFree => "gluten-free",
            Self::LactoseFree => "lactose-free",
            Self::Halal => "halal",
            Self::Kosher => "kosher",
        }
    }

    /// The diet any accepted spelling names (`gluten_free`, `Gluten Free`, `en:vegan`).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match normalise(s).replace(' ', "").as_str() {
            "vegan" => Self::Vegan,
            "vegetarian" | "veggie" => Self::Vegetarian,
            "glutenfree" | "nogluten" => Self::GlutenFree,
            "lactosefree" | "nolactose" | "dairyfree" => Self::LactoseFree,
            "halal" => Self::Halal,
            "kosher" => Self::Kosher,
            _ => return None,
        })
    }

    /// Accepted names, for error messages.
    pub fn names() -> String {
        Self::ALL.map(Self::as_str).join(", ")
    }

    /// Allergens a product meeting this diet can never contain: a claim that contradicts the
    /// product's own allergen list is not believed.
    pub fn forbidden_allergens(self) -> &'static [Allergen] {
        use Allergen::*;
        match self {
            Self::Vegan => &[Milk, Eggs, Fish, Crustaceans, Molluscs],
            Self::Vegetarian => &[Fish, Crustaceans, Molluscs],
            Self::GlutenFree => &[Gluten],
            Self::LactoseFree => &[Milk],
            Self::Halal => &[],
            Self::Kosher => &[Crustaceans, Molluscs],
        }
    }

    /// Whether a product's claim of `claim` implies this diet (vegan food is vegetarian).
    pub fn implied_by(self, claim: Diet) -> bool {
        claim == self
            || (claim == Self::Vegan && matches!(self, Self::Vegetarian | Self::LactoseFree))
    }

    /// Diets that a complete allergen declaration proves on its own: no declared gluten is
    /// gluten-free, no declared milk is lactose-free. The others need the producer's claim.
    pub fn provable_from_allergens(self) -> bool {
        matches!(self, Self::GlutenFree | Self::LactoseFree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_and_spellings_resolve() {
        for a in Allergen::ALL {
            assert_eq!(Allergen::parse(a.as_str()), Some(a));
        }
        for s in ["peanut", "Peanuts", " ARACHIS ", "en:peanuts", "groundnut"] {
            assert_eq!(Allergen::parse(s), Some(Allergen::Peanuts), "{s}");
        }
        assert_eq!(Allergen::parse("sulfur-dioxide"), Some(Allergen::Sulphites));
        assert_eq!(Allergen::parse("tree_nuts"), Some(Allergen::Nuts));
        assert_eq!(Allergen::parse("kryptonite"), None);
        assert_eq!(Allergen::parse(""), None);
        for d in Diet::ALL {
            assert_eq!(Diet::parse(d.as_str()), Some(d));
        }
        assert_eq!(Diet::parse("Gluten_Free"), Some(Diet::GlutenFree));
        assert_eq!(Diet::parse("en:vegan"), Some(Diet::Vegan));
        assert_eq!(Diet::parse("paleo"), None);
    }

    #[test]
    fn serde_uses_canonical_names() {
        let j = serde_json::to_string(&(Allergen::Peanuts, Diet::GlutenFree)).unwrap();
        assert_eq!(j, r#"["peanuts","gluten-free"]"#);
    }

    #[test]
    fn vegan_implies_vegetarian_not_the_reverse() {
        assert!(Diet::Vegetarian.implied_by(Diet::Vegan));
        assert!(!Diet::Vegan.implied_by(Diet::Vegetarian));
        assert!(Diet::Halal.implied_by(Diet::Halal));
    }
}
