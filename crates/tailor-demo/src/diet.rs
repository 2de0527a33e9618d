//! The closed vocabularies of food safety: the EU's 14 declarable allergens and the diets a product can claim.
//! The catalog derives every diet claim from a product's allergens and origin through these rules, and
//! shoppers use them to decide what they must never buy.

/// One of the 14 allergens EU law requires food labels to declare (Regulation 1169/2011, Annex II).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Allergen {
    /// Cereals containing gluten (wheat, rye, barley, oats, spelt).
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
    /// Tree nuts (almonds, hazelnuts, walnuts, cashews, pistachios, ...).
    Nuts,
    /// Celery and celeriac.
    Celery,
    /// Mustard.
    Mustard,
    /// Sesame seeds.
    Sesame,
    /// Sulphur dioxide and sulphites above 10 mg/kg.
    Sulphites,
    /// Lupin.
    Lupin,
    /// Mussels, oysters, squid, snails.
    Molluscs,
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

    /// The spelling used in [`tailor_model::Product::allergens`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Gluten => "gluten",
            Self::Crustaceans => "crustaceans",
            Self::Eggs => "eggs",
            Self::Fish => "fish",
            Self::Peanuts => "peanuts",
            Self::Soybeans => "soybeans",
            Self::Milk => "milk",
            Self::Nuts => "nuts",
            Self::Celery => "celery",
            Self::Mustard => "mustard",
            Self::Sesame => "sesame",
            Self::Sulphites => "sulphites",
            Self::Lupin => "lupin",
            Self::Molluscs => "molluscs",
        }
    }

    /// The allergen spelled `s` (as [`Allergen::as_str`] writes it), if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// This allergen as one bit of a set, for fast checks on the simulation's hot path.
    pub(crate) fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A diet a product can claim and a shopper can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Diet {
    /// No animal products at all.
    Vegan,
    /// No meat or seafood.
    Vegetarian,
    /// No gluten.
    GlutenFree,
    /// No milk.
    LactoseFree,
    /// Certified halal: no pork, no alcohol.
    Halal,
    /// Certified kosher: no pork, no shellfish.
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

    /// The spelling used in [`tailor_model::Product::diets`].
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

    /// The diet spelled `s` (as [`Diet::as_str`] writes it), if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Allergens a product claiming this diet can never list. Lactose-free is stricter than the
    /// real-world label (lactose-free milk still holds milk protein) so that a claim never has to be
    /// second-guessed against the allergen list.
    pub fn excluded_allergens(self) -> &'static [Allergen] {
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

    /// This diet as one bit of a set.
    pub(crate) fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// The set of allergens named in `names`; unknown spellings are ignored.
pub(crate) fn allergen_mask<'a>(names: impl IntoIterator<Item = &'a String>) -> u16 {
    names
        .into_iter()
        .filter_map(|n| Allergen::parse(n))
        .fold(0, |m, a| m | a.bit())
}

/// The set of diets named in `names`; unknown spellings are ignored.
pub(crate) fn diet_mask<'a>(names: impl IntoIterator<Item = &'a String>) -> u8 {
    names
        .into_iter()
        .filter_map(|n| Diet::parse(n))
        .fold(0, |m, d| m | d.bit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for a in Allergen::ALL {
            assert_eq!(Allergen::parse(a.as_str()), Some(a));
        }
        for d in Diet::ALL {
            assert_eq!(Diet::parse(d.as_str()), Some(d));
        }
        assert_eq!(Allergen::parse("Peanuts"), None);
    }

    #[test]
    fn masks_have_one_bit_each() {
        let all: u16 = Allergen::ALL.iter().fold(0, |m, a| m | a.bit());
        assert_eq!(all.count_ones(), 14);
        let names = vec!["milk".to_string(), "bogus".to_string(), "nuts".to_string()];
        assert_eq!(
            allergen_mask(&names),
            Allergen::Milk.bit() | Allergen::Nuts.bit()
        );
    }
}
