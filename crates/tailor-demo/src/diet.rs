//! The demo's use of the food-safety vocabulary (defined in tailor-model): allergen and diet sets
//! as bit masks, so the simulation checks a shopper against a product in a few instructions.

pub use tailor_model::{Allergen, Diet};

/// An allergen as one bit of a set, for fast checks on the simulation's hot path.
pub(crate) fn allergen_bit(a: Allergen) -> u16 {
    1 << a as u16
}

/// A diet as one bit of a set.
pub(crate) fn diet_bit(d: Diet) -> u8 {
    1 << d as u8
}

/// The set of allergens named in `names`; unknown spellings are ignored.
pub(crate) fn allergen_mask<'a>(names: impl IntoIterator<Item = &'a String>) -> u16 {
    names
        .into_iter()
        .filter_map(|n| Allergen::parse(n))
        .fold(0, |m, a| m | allergen_bit(a))
}

/// The set of diets named in `names`; unknown spellings are ignored.
pub(crate) fn diet_mask<'a>(names: impl IntoIterator<Item = &'a String>) -> u8 {
    names
        .into_iter()
        .filter_map(|n| Diet::parse(n))
        .fold(0, |m, d| m | diet_bit(d))
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
    }

    #[test]
    fn masks_have_one_bit_each() {
        let all: u16 = Allergen::ALL.iter().fold(0, |m, &a| m | allergen_bit(a));
        assert_eq!(all.count_ones(), 14);
        let names = vec!["milk".to_string(), "bogus".to_string(), "nuts".to_string()];
        assert_eq!(
            allergen_mask(&names),
            allergen_bit(Allergen::Milk) | allergen_bit(Allergen::Nuts)
        );
    }
}
