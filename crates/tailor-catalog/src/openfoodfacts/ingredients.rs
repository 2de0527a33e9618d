//! Allergens and diets from free ingredient text, through the Open Food Facts taxonomies.
//!
//! The text is cut into ingredients (commas, brackets, colons, "and"), each ingredient is
//! matched in the product's language (guessed as the taxonomy language that recognises most
//! of it) by its longest known phrases, and every match is walked up to its ancestors: an
//! `allergens` property or an ancestor named like an allergen (`en:dairy`, `en:wheat`) gives
//! the EU allergen, and the nearest `vegan` / `vegetarian` property decides those diets.
//! OFF marks allergens in the text with underscores (`_blé_`); those words are matched too.
//!
//! Unknown stays unknown: the allergen list is only claimed complete (`Some`) when every
//! ingredient was recognised; vegan and vegetarian only when every ingredient says yes;
//! gluten- and lactose-free only from a complete list without gluten or milk. Halal and
//! kosher come only from labels, here the label names found in the product name.

use super::taxonomy::{Taxonomy, normalise};
use std::collections::BTreeSet;
use tailor_model::{Allergen, Diet};

/// Languages tried when guessing a text's language, most common in the data set first.
pub const LANGUAGES: [&str; 15] = [
    "fr", "en", "de", "es", "it", "nl", "pt", "sv", "da", "fi", "ro", "pl", "cs", "hu", "bg",
];
/// Longest phrase, in words, looked up as one ingredient.
const MAX_PHRASE_WORDS: usize = 6;
/// Words that join ingredients ("salt and pepper"), per language; they split the text.
const JOINERS: [&str; 7] = [" and ", " et ", " und ", " y ", " e ", " och ", " og "];

/// What the text says about one product.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// The language the text was matched in.
    pub language: Option<&'static str>,
    /// Ingredients the text lists.
    pub ingredients: usize,
    /// Of which the taxonomy recognised.
    pub recognised: usize,
    /// Allergens found, whatever the coverage.
    pub found: BTreeSet<Allergen>,
    /// The allergen list when every ingredient was recognised; `None` is unknown.
    pub allergens: Option<BTreeSet<Allergen>>,
    /// Diets the ingredients (or labels) establish.
    pub diets: BTreeSet<Diet>,
    /// Taxonomy ids matched, for checking by hand.
    pub matched: Vec<String>,
}

/// The two taxonomies an analysis needs.
pub struct Analyser {
    ingredients: Taxonomy,
    /// Label phrases per language for halal and kosher (and the free-from claims).
    labels: Vec<(Diet, String)>,
}

fn is_sep(c: char) -> bool {
    matches!(
        c,
        ',' | ';' | '(' | ')' | '[' | ']' | '{' | '}' | ':' | '*' | '/' | '|' | '•' | '\n' | '\r'
    ) || c == '.'
}

/// The text cut into ingredient phrases, normalised, without amounts (`45%`, `2.5 g`).
pub fn split(text: &str) -> Vec<String> {
    let mut t = format!(" {} ", text.replace('_', " ").to_lowercase());
    for j in JOINERS {
        t = t.replace(j, ",");
    }
    t.split(is_sep)
        .map(|part| {
            let words: Vec<&str> = part
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .filter(|w| !w.ends_with('%'))
                .collect();
            normalise(&words.join(" "))
        })
        .map(|s| s.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
        // Units and stray letters are not ingredients; E numbers are.
        .filter(|s| s.chars().count() >= 2 && s.chars().any(char::is_alphabetic))
        .collect()
}

/// Words OFF marked as allergens with underscores: `_blé_`, `_lait écrémé_`.
fn marked(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(a) = rest.find('_') {
        let after = &rest[a + 1..];
        let Some(b) = after.find('_') else { break };
        let word = normalise(&after[..b]);
        if !word.is_empty() && word.len() < 60 {
            out.push(word);
        }
        rest = &after[b + 1..];
    }
    out
}

impl Analyser {
    /// An analyser over the ingredient taxonomy and the label taxonomy.
    pub fn new(ingredients: Taxonomy, labels: &Taxonomy) -> Self {
        let mut phrases = Vec::new();
        for (id, diet) in [
            ("en:halal", Diet::Halal),
            ("en:kosher", Diet::Kosher),
            ("en:no-gluten", Diet::GlutenFree),
            ("en:no-lactose", Diet::LactoseFree),
        ] {
            if labels.node(id).is_some() {
                for lang in LANGUAGES {
                    phrases.extend(labels.names_of(id, lang).into_iter().map(|p| (diet, p)));
                }
            }
        }
        phrases.sort();
        phrases.dedup();
        Self {
            ingredients,
            labels: phrases,
        }
    }

    /// The ingredient taxonomy.
    pub fn ingredients(&self) -> &Taxonomy {
        &self.ingredients
    }

    /// The longest known phrases of `part` in `lang`, left to right; and whether they cover at
    /// least half its words.
    fn phrases(&self, lang: &str, part: &str) -> (Vec<usize>, bool) {
        if let Some(n) = self.ingredients.lookup(lang, part) {
            return (vec![n], true);
        }
        let words: Vec<&str> = part.split(' ').collect();
        let (mut i, mut covered, mut out) = (0, 0, Vec::new());
        while i < words.len() {
            let mut hit = None;
            for len in (1..=MAX_PHRASE_WORDS.min(words.len() - i)).rev() {
                let phrase = words[i..i + len].join(" ");
                // One-letter and two-letter words alone are articles and units, not ingredients.
                if len == 1 && phrase.chars().count() < 3 {
                    continue;
                }
                if let Some(n) = self.ingredients.lookup(lang, &phrase) {
                    hit = Some((n, len));
                    break;
                }
            }
            match hit {
                Some((n, len)) => {
                    out.push(n);
                    covered += len;
                    i += len;
                }
                None => i += 1,
            }
        }
        let ok = !out.is_empty() && covered * 2 >= words.len();
        (out, ok)
    }

    /// The taxonomy language that recognises most of `parts` (French breaks ties: most of the
    /// data set is French).
    fn language(&self, parts: &[String]) -> Option<&'static str> {
        LANGUAGES
            .iter()
            .filter(|l| self.ingredients.has_language(l))
            .map(|&l| (l, parts.iter().filter(|p| self.phrases(l, p).1).count()))
            .filter(|(_, n)| *n > 0)
            .max_by_key(|&(l, n)| (n, std::cmp::Reverse(LANGUAGES.iter().position(|x| *x == l))))
            .map(|(l, _)| l)
    }

    fn allergens_of(&self, node: usize) -> BTreeSet<Allergen> {
        let t = &self.ingredients;
        let chain = t.ancestors(node);
        // Where the taxonomy says which allergen a branch is (`en:peanut` -> peanuts), that is
        // the answer: its ancestors' names (`en:nut`) would mislead.
        let stated: BTreeSet<Allergen> = chain
            .iter()
            .filter_map(|&n| t.prop(n, "allergens").and_then(Allergen::parse))
            .collect();
        if !stated.is_empty() {
            return stated;
        }
        // Otherwise a node named like an allergen: `en:dairy`, `en:egg`, `en:mustard`.
        chain
            .iter()
            .filter_map(|&n| t.id(n).strip_prefix("en:").and_then(Allergen::parse))
            .collect()
    }

    /// Analyses one product's ingredient text and name.
    pub fn analyse(&self, ingredients_text: Option<&str>, name: &str) -> Analysis {
        let mut a = Analysis::default();
        let name_n = format!(" {} ", normalise(name));
        for (diet, phrase) in &self.labels {
            if name_n.contains(&format!(" {phrase} ")) {
                a.diets.insert(*diet);
            }
        }
        let Some(text) = ingredients_text.filter(|t| !t.trim().is_empty()) else {
            return a;
        };
        let parts = split(text);
        a.ingredients = parts.len();
        let Some(lang) = self.language(&parts) else {
            return a;
        };
        a.language = Some(lang);
        let (mut vegan, mut vegetarian) = (true, true);
        for part in &parts {
            let (nodes, ok) = self.phrases(lang, part);
            a.recognised += usize::from(ok);
            // An ingredient is vegan when its nearest vegan property says yes; all must be.
            let says = |key: &str| {
                nodes
                    .iter()
                    .map(|&n| self.ingredients.inherited(n, key))
                    .collect::<Vec<_>>()
            };
            let v = says("vegan");
            let vg = says("vegetarian");
            vegan &= ok && !v.is_empty() && v.iter().all(|x| *x == Some("yes"));
            vegetarian &= ok
                && !vg.is_empty()
                && vg
                    .iter()
                    .zip(&v)
                    .all(|(x, y)| *x == Some("yes") || *y == Some("yes"));
            for &n in &nodes {
                a.found.extend(self.allergens_of(n));
                a.matched.push(self.ingredients.id(n).to_string());
            }
        }
        for w in marked(text) {
            if let (nodes, true) = self.phrases(lang, &w) {
                for n in nodes {
                    a.found.extend(self.allergens_of(n));
                }
            }
        }
        let complete = a.ingredients > 0 && a.recognised == a.ingredients;
        if complete {
            a.allergens = Some(a.found.clone());
            if vegan {
                a.diets.insert(Diet::Vegan);
            }
            if vegan || vegetarian {
                a.diets.insert(Diet::Vegetarian);
            }
            if !a.found.contains(&Allergen::Gluten) {
                a.diets.insert(Diet::GlutenFree);
            }
            if !a.found.contains(&Allergen::Milk) {
                a.diets.insert(Diet::LactoseFree);
            }
        }
        // A free-from label on a product whose text shows the allergen is not believed.
        if a.found.contains(&Allergen::Gluten) {
            a.diets.remove(&Diet::GlutenFree);
        }
        if a.found.contains(&Allergen::Milk) {
            a.diets.remove(&Diet::LactoseFree);
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn analyser() -> Analyser {
        let ingredients = Taxonomy::from_json(&json!({
            "en:dairy": {"name": {"en": "Dairy"}, "vegan": {"en": "no"}, "vegetarian": {"en": "yes"}},
            "en:milk": {"name": {"en": "Milk", "fr": "Lait"}, "parents": ["en:dairy"]},
            "en:skimmed-milk-powder": {"name": {"fr": "Lait écrémé en poudre"}, "parents": ["en:milk"]},
            "en:wheat": {"name": {"fr": "Blé", "en": "Wheat"}, "allergens": {"en": "en:gluten"},
                         "vegan": {"en": "yes"}, "vegetarian": {"en": "yes"}},
            "en:wheat-flour": {"name": {"fr": "Farine de blé", "en": "Wheat flour"}, "parents": ["en:wheat"]},
            "en:sugar": {"name": {"fr": "Sucre", "en": "Sugar"}, "vegan": {"en": "yes"}, "vegetarian": {"en": "yes"}},
            "en:salt": {"name": {"fr": "Sel", "en": "Salt"}, "vegan": {"en": "yes"}, "vegetarian": {"en": "yes"}},
            "en:pork": {"name": {"fr": "Porc", "en": "Pork"}, "vegan": {"en": "no"}, "vegetarian": {"en": "no"}},
            "en:nut": {"name": {"en": "Nut"}},
            "en:peanut": {"name": {"en": "Peanuts"}, "parents": ["en:nut"], "allergens": {"en": "en:peanuts"}},
            "en:soya-lecithin": {"name": {"fr": "Lécithine de soja"}, "allergens": {"en": "en:soybeans"},
                                 "vegan": {"en": "yes"}, "vegetarian": {"en": "yes"}}
        }))
        .unwrap();
        let labels = Taxonomy::from_json(&json!({
            "en:halal": {"name": {"en": "Halal", "fr": "Halal"}, "synonyms": {"fr": ["hallal"]}},
            "en:no-gluten": {"name": {"en": "No gluten", "fr": "Sans gluten"}, "synonyms": {"en": ["gluten free"]}}
        }))
        .unwrap();
        Analyser::new(ingredients, &labels)
    }

    fn names(s: &BTreeSet<Allergen>) -> Vec<&'static str> {
        s.iter().map(|a| a.as_str()).collect()
    }

    #[test]
    fn splits_text_into_ingredients() {
        assert_eq!(
            split(
                "Farine de _blé_ 45%, sucre; émulsifiant: lécithine de soja (E322). Sel et poivre"
            ),
            [
                "farine de blé",
                "sucre",
                "émulsifiant",
                "lécithine de soja",
                "e322",
                "sel",
                "poivre"
            ]
        );
        assert_eq!(
            marked("Farine de _blé_, _lait écrémé_"),
            ["blé", "lait écrémé"]
        );
        assert!(split("").is_empty());
    }

    #[test]
    fn complete_text_gives_allergens_and_diets() {
        let a = analyser();
        let r = a.analyse(
            Some("Farine de blé, sucre, lait écrémé en poudre, sel"),
            "Biscuits",
        );
        assert_eq!(r.language, Some("fr"));
        assert_eq!(names(r.allergens.as_ref().unwrap()), ["gluten", "milk"]);
        assert!(!r.diets.contains(&Diet::Vegan), "milk is not vegan");
        assert!(r.diets.contains(&Diet::Vegetarian));
        assert!(!r.diets.contains(&Diet::GlutenFree) && !r.diets.contains(&Diet::LactoseFree));
        let r = a.analyse(Some("Sugar, salt"), "Salted sugar");
        assert_eq!(r.language, Some("en"));
        assert_eq!(r.allergens, Some(BTreeSet::new()));
        for d in [
            Diet::Vegan,
            Diet::Vegetarian,
            Diet::GlutenFree,
            Diet::LactoseFree,
        ] {
            assert!(r.diets.contains(&d), "{d:?}");
        }
        let r = a.analyse(Some("Peanuts, salt"), "Salted peanuts");
        assert_eq!(
            names(r.allergens.as_ref().unwrap()),
            ["peanuts"],
            "not tree nuts"
        );
        let r = a.analyse(Some("porc, sel"), "Saucisson");
        assert!(!r.diets.contains(&Diet::Vegetarian));
    }

    #[test]
    fn unknown_stays_unknown() {
        let a = analyser();
        // "arôme mystère" is not in the taxonomy: milk was found, but the list is not complete.
        let r = a.analyse(Some("lait, arôme mystère"), "Dessert");
        assert_eq!(r.allergens, None);
        assert_eq!(names(&r.found), ["milk"]);
        assert!(r.diets.is_empty());
        assert_eq!((r.ingredients, r.recognised), (2, 1));
        let r = a.analyse(None, "Eau");
        assert_eq!((r.allergens, r.diets.len()), (None, 0));
        let r = a.analyse(Some("xyzzy, plugh"), "Mystery");
        assert_eq!((r.language, r.allergens), (None, None));
    }

    #[test]
    fn labels_give_halal_and_free_from_claims_unless_contradicted() {
        let a = analyser();
        let r = a.analyse(None, "Poulet rôti HALLAL");
        assert_eq!(r.diets.iter().copied().collect::<Vec<_>>(), [Diet::Halal]);
        let r = a.analyse(Some("farine de blé, sel"), "Pain sans gluten");
        assert!(
            !r.diets.contains(&Diet::GlutenFree),
            "wheat contradicts the label"
        );
        let r = a.analyse(Some("lait, arôme mystère"), "Gluten free pudding");
        assert!(r.diets.contains(&Diet::GlutenFree));
    }
}
