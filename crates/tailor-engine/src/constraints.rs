//! Hard constraints: what a shopper's stated preferences forbid. The pipeline asks this for
//! every candidate of every source, so no endpoint can return a violating product.
//!
//! Food rules, stated once: a product is food unless tagged [`NON_FOOD_TAG`]. Its declared
//! allergens are believed complete (EU labelling law); an excluded allergen on the list
//! forbids it. A diet is met by the producer's claim (vegan implies vegetarian and
//! lactose-free) unless the product's own allergens contradict the claim; gluten-free and
//! lactose-free are also proved by a declaration without gluten or milk. Food whose allergens
//! are unknown is excluded, or shown with a warning when the shopper chose `warn` — unless an
//! allergen known to be present ([`DETECTED_ALLERGENS_ATTR`]) already forbids it.

use tailor_model::{
    Allergen, AttrValue, DETECTED_ALLERGENS_ATTR, Diet, NON_FOOD_TAG, Preferences, Product,
    UnknownPolicy,
};

/// Why an allowed product carries a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// The product's allergens are unknown; the shopper asked to see such products anyway.
    AllergensUnknown,
}

impl Warning {
    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::AllergensUnknown => "allergens_unknown",
        }
    }
}

/// The judgement on one product for one shopper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing stated forbids it.
    Allowed,
    /// Allowed, with a flag to show.
    Warn(Warning),
    /// A hard constraint forbids it; the reason names which.
    Denied(&'static str),
}

impl Verdict {
    /// Whether the product may be shown.
    pub fn allows(self) -> bool {
        !matches!(self, Self::Denied(_))
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Judges `p` against the hard constraints of `prefs`.
pub fn verdict(prefs: &Preferences, p: &Product) -> Verdict {
    if !prefs.exclude_brands.is_empty()
        && let Some(b) = &p.brand
        && prefs.exclude_brands.iter().any(|x| eq_ignore_case(x, b))
    {
        return Verdict::Denied("excluded brand");
    }
    if let Some(max) = prefs.max_price
        && p.effective_price().is_some_and(|price| price > max)
    {
        return Verdict::Denied("above the price ceiling");
    }
    if (prefs.exclude_allergens.is_empty() && prefs.diets.is_empty())
        || p.tags.iter().any(|t| eq_ignore_case(t, NON_FOOD_TAG))
    {
        return Verdict::Allowed;
    }
    let declared: Option<Vec<Allergen>> = p
        .allergens
        .as_ref()
        .map(|l| l.iter().filter_map(|s| Allergen::parse(s)).collect());
    if let Some(d) = &declared
        && d.iter().any(|a| prefs.exclude_allergens.contains(a))
    {
        return Verdict::Denied("contains an excluded allergen");
    }
    // An incomplete list still says what is in the product.
    let detected: Vec<Allergen> = match p.attributes.get(DETECTED_ALLERGENS_ATTR) {
        Some(AttrValue::List(l)) => l.iter().filter_map(|s| Allergen::parse(s)).collect(),
        Some(AttrValue::Text(t)) => Allergen::parse(t).into_iter().collect(),
        _ => Vec::new(),
    };
    if detected.iter().any(|a| prefs.exclude_allergens.contains(a)) {
        return Verdict::Denied("contains an excluded allergen");
    }
    let claims: Vec<Diet> = p.diets.iter().filter_map(|s| Diet::parse(s)).collect();
    let mut unknown = declared.is_none() && !prefs.exclude_allergens.is_empty();
    for &diet in &prefs.diets {
        let contradicted = |forbidden: &[Allergen]| {
            declared
                .as_ref()
                .is_some_and(|d| d.iter().any(|a| forbidden.contains(a)))
                || detected.iter().any(|a| forbidden.contains(a))
        };
        let claimed = claims
            .iter()
            .any(|&c| diet.implied_by(c) && !contradicted(c.forbidden_allergens()));
        let proved = diet.provable_from_allergens()
            && declared.is_some()
            && !contradicted(diet.forbidden_allergens());
        if claimed || proved {
            continue;
        }
        if declared.is_some() || contradicted(diet.forbidden_allergens()) {
            return Verdict::Denied("does not meet a stated diet");
        }
        unknown = true;
    }
    match (unknown, prefs.unknown_allergens) {
        (false, _) => Verdict::Allowed,
        (true, UnknownPolicy::Exclude) => Verdict::Denied("allergens unknown"),
        (true, UnknownPolicy::Warn) => Verdict::Warn(Warning::AllergensUnknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tailor_model::ProductId;

    fn prefs(v: serde_json::Value) -> Preferences {
        Preferences::from_json(&v, "", None).unwrap()
    }

    fn food(allergens: Option<&[&str]>, diets: &[&str]) -> Product {
        let mut p = Product::new(ProductId::new("p").unwrap(), "P");
        p.allergens = allergens.map(|a| a.iter().map(|s| s.to_string()).collect());
        p.diets = diets.iter().map(|s| s.to_string()).collect();
        p
    }

    #[test]
    fn allergens_found_in_an_incomplete_list_still_deny() {
        let mut p = food(None, &["vegan"]);
        p.attributes.insert(
            DETECTED_ALLERGENS_ATTR.into(),
            AttrValue::List(vec!["milk".into()]),
        );
        let warn = prefs(json!({"exclude_allergens": ["milk"], "unknown_allergens": "warn"}));
        assert_eq!(
            verdict(&warn, &p),
            Verdict::Denied("contains an excluded allergen")
        );
        let vegan = prefs(json!({"diets": ["vegan"], "unknown_allergens": "warn"}));
        assert!(
            !verdict(&vegan, &p).allows(),
            "found milk contradicts a vegan claim"
        );
        let no_nuts = prefs(json!({"exclude_allergens": ["peanuts"], "unknown_allergens": "warn"}));
        assert_eq!(
            verdict(&no_nuts, &p),
            Verdict::Warn(Warning::AllergensUnknown),
            "the rest of the list is still unknown"
        );
    }

    #[test]
    fn allergens_deny_by_alias_and_unknown_follows_the_policy() {
        let no_peanuts = prefs(json!({"exclude_allergens": ["peanut"]}));
        assert!(!verdict(&no_peanuts, &food(Some(&["en:peanuts"]), &[])).allows());
        assert!(!verdict(&no_peanuts, &food(Some(&["Arachis"]), &[])).allows());
        assert_eq!(
            verdict(&no_peanuts, &food(Some(&["milk"]), &[])),
            Verdict::Allowed
        );
        assert!(!verdict(&no_peanuts, &food(None, &[])).allows());
        let warn = prefs(json!({"exclude_allergens": ["peanuts"], "unknown_allergens": "warn"}));
        assert_eq!(
            verdict(&warn, &food(None, &[])),
            Verdict::Warn(Warning::AllergensUnknown)
        );
        let mut shirt = food(None, &[]);
        shirt.tags = vec!["Non-Food".into()];
        assert_eq!(verdict(&no_peanuts, &shirt), Verdict::Allowed);
    }

    #[test]
    fn diets_need_a_claim_or_a_proof_and_claims_can_be_contradicted() {
        let vegan = prefs(json!({"diets": ["vegan"]}));
        assert!(verdict(&vegan, &food(Some(&[]), &["vegan"])).allows());
        assert!(!verdict(&vegan, &food(Some(&[]), &["vegetarian"])).allows());
        // A vegan claim on a product that declares milk is not believed.
        assert!(!verdict(&vegan, &food(Some(&["milk"]), &["vegan"])).allows());
        let veggie = prefs(json!({"diets": ["vegetarian"]}));
        assert!(verdict(&veggie, &food(Some(&[]), &["vegan"])).allows());
        let gf = prefs(json!({"diets": ["gluten-free"]}));
        assert!(verdict(&gf, &food(Some(&["milk"]), &[])).allows());
        assert!(!verdict(&gf, &food(Some(&["wheat"]), &[])).allows());
        assert!(!verdict(&gf, &food(None, &[])).allows());
        let gf_warn = prefs(json!({"diets": ["gluten-free"], "unknown_allergens": "warn"}));
        assert!(verdict(&gf_warn, &food(None, &[])) == Verdict::Warn(Warning::AllergensUnknown));
        assert!(verdict(&gf_warn, &food(None, &["gluten-free"])) == Verdict::Allowed);
    }

    #[test]
    fn price_ceiling_and_brands() {
        let p = prefs(json!({"max_price": 10, "exclude_brands": ["ACME"]}));
        let mut x = food(Some(&[]), &[]);
        x.price = Some(12.0);
        assert!(!verdict(&p, &x).allows());
        x.sale_price = Some(9.0);
        assert!(verdict(&p, &x).allows());
        x.brand = Some("acme ".into());
        assert!(!verdict(&p, &x).allows());
        // No price is not above any ceiling; nothing stated allows everything.
        assert!(verdict(&p, &food(None, &[])).allows());
        assert!(verdict(&Preferences::default(), &food(None, &[])).allows());
    }
}
