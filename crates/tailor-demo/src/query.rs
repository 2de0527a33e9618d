//! What simulated shoppers type into the search box: a query built from the product they are after (its noun,
//! brand, category, colour, or their diet) and, now and then, a typo, so that search logs hold the zero-result
//! queries and retypes a real shop sees.

use crate::diet::Diet;
use crate::rng::Dice;
use tailor_model::{AttrValue, Product};

/// How often each kind of query is chosen when it applies.
const NOUN_WEIGHT: f64 = 0.35; // "peanut butter"
const TITLE_WEIGHT: f64 = 0.20; // "crunchy peanut butter"
const BRAND_WEIGHT: f64 = 0.12; // "nutwood butter"
const CATEGORY_WEIGHT: f64 = 0.15; // "spreads"
const DIET_WEIGHT: f64 = 0.10; // "vegan butter"
const COLOUR_WEIGHT: f64 = 0.10; // "navy t-shirt"
/// Words of at most this many characters are left alone by typos (too short to mistype believably).
const TYPO_MIN_WORD: usize = 4;
/// Words in titles that name a measure, not the product.
const MEASURE_WORDS: &[&str] = &["g", "kg", "ml", "l", "x", "pcs", "bags"];

/// The words of a title that name the product: no variant suffix ("– Navy, M"), no pack size ("340 g").
pub(crate) fn title_words(title: &str) -> Vec<&str> {
    let head = title.split(" – ").next().unwrap_or(title);
    head.split_whitespace()
        .filter(|w| {
            !w.chars().any(|c| c.is_ascii_digit())
                && !MEASURE_WORDS.contains(&w.to_lowercase().as_str())
        })
        .collect()
}

/// A query for someone looking for `p`, lowercase as people type.
pub(crate) fn build(p: &Product, diet: Option<Diet>, dice: &mut Dice) -> String {
    let words = title_words(&p.title);
    let last = words.last().copied().unwrap_or(p.title.as_str());
    let noun = if words.len() >= 2 {
        words[words.len() - 2..].join(" ")
    } else {
        last.to_string()
    };
    let mut options: Vec<(f64, String)> =
        vec![(NOUN_WEIGHT, noun), (TITLE_WEIGHT, words.join(" "))];
    if let Some(b) = &p.brand {
        options.push((BRAND_WEIGHT, format!("{b} {last}")));
    }
    if let Some(category) = p.categories.first().and_then(|c| c.last()) {
        options.push((CATEGORY_WEIGHT, category.clone()));
    }
    if let Some(d) = diet
        && p.diets.iter().any(|x| x == d.as_str())
    {
        options.push((DIET_WEIGHT, format!("{} {last}", d.as_str())));
    }
    if let Some(AttrValue::Text(colour)) = p.attributes.get("colour") {
        options.push((COLOUR_WEIGHT, format!("{colour} {last}")));
    }
    let weights: Vec<f64> = options.iter().map(|(w, _)| *w).collect();
    let k = dice.weighted(&weights).unwrap_or(0);
    options.swap_remove(k).1.to_lowercase()
}

/// The query someone types to find a product they bought before: brand and name, no typo.
pub(crate) fn repeat(p: &Product) -> String {
    let name = title_words(&p.title).join(" ");
    match &p.brand {
        Some(b) => format!("{b} {name}").to_lowercase(),
        None => name.to_lowercase(),
    }
}

/// `query` with one slip of the finger in one longer word (two letters swapped, one dropped or one doubled);
/// `None` when no word is long enough.
pub(crate) fn typo(query: &str, dice: &mut Dice) -> Option<String> {
    let words: Vec<&str> = query.split(' ').collect();
    let long: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= TYPO_MIN_WORD)
        .collect();
    if long.is_empty() {
        return None;
    }
    let target = long[dice.below(long.len())];
    let mut chars: Vec<char> = words[target].chars().collect();
    // Slips happen inside words more than at their first letter.
    let at = 1 + dice.below(chars.len() - 1);
    match dice.below(3) {
        0 if chars[at - 1] != chars[at] => chars.swap(at - 1, at),
        1 => chars.insert(at, chars[at]),
        _ => {
            chars.remove(at);
        }
    }
    let slipped: String = chars.into_iter().collect();
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| if i == target { slipped.as_str() } else { w })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;
    use tailor_model::ProductId;

    fn product(title: &str) -> Product {
        let mut p = Product::new(ProductId::new("p").unwrap(), title);
        p.brand = Some("Nutwood".into());
        p.categories = vec![vec!["Groceries".into(), "Pantry".into(), "Spreads".into()]];
        p
    }

    #[test]
    fn titles_lose_sizes_and_variant_suffixes() {
        assert_eq!(
            title_words("Crunchy Peanut Butter 340 g"),
            ["Crunchy", "Peanut", "Butter"]
        );
        assert_eq!(title_words("Granola Bars 5 x 35 g"), ["Granola", "Bars"]);
        assert_eq!(
            title_words("Crew Neck T-shirt – Navy, M"),
            ["Crew", "Neck", "T-shirt"]
        );
        assert_eq!(
            title_words("Dark Chocolate 70% 100 g"),
            ["Dark", "Chocolate"]
        );
    }

    #[test]
    fn queries_come_from_the_product() {
        let p = product("Crunchy Peanut Butter 340 g");
        let mut dice = Dice::new(1, Stream::Behaviour, 0);
        let allowed = [
            "peanut butter",
            "crunchy peanut butter",
            "nutwood butter",
            "spreads",
        ];
        for _ in 0..50 {
            let q = build(&p, None, &mut dice);
            assert!(allowed.contains(&q.as_str()), "{q}");
        }
        assert_eq!(repeat(&p), "nutwood crunchy peanut butter");
    }

    #[test]
    fn typos_change_exactly_one_long_word() {
        let mut dice = Dice::new(2, Stream::Behaviour, 0);
        for _ in 0..200 {
            let t = typo("oat milk", &mut dice).unwrap();
            assert_ne!(t, "oat milk");
            assert!(t.starts_with("oat "), "{t}");
        }
        assert_eq!(typo("tea", &mut dice), None);
    }
}
