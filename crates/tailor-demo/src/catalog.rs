//! The demo catalog: turns the `taxonomy` table into a few thousand believable products with prices, sales,
//! stock, pack-size and colour/size variants, allergens and diet claims. The first stage of the demo shop:
//! `simulate` then lets shoppers loose on what this produces.

use crate::diet::{Allergen, Diet};
use crate::rng::{Dice, Stream};
use crate::taxonomy::{Brand, COLOURS, Kind, LEAVES, Leaf, Measure, Origin, Style, find_leaf};
use std::collections::{BTreeMap, BTreeSet};
use tailor_model::{AttrValue, Availability, Millis, Product, ProductId};

/// The moment [`generate_catalog`] dates products against: 2026-01-01T00:00:00Z. Fixed, so that the same seed
/// gives the same bytes on any day; use [`generate_catalog_at`] for a catalog that ends today.
pub const DEMO_EPOCH_MILLIS: Millis = 1_767_225_600_000;

/// Milliseconds in a day.
pub(crate) const DAY_MS: Millis = 86_400_000;

/// Products were created at some point during this many days before "now".
const CATALOG_AGE_DAYS: Millis = 365;
/// Products created this recently are tagged `new`.
const NEW_ARRIVAL_DAYS: Millis = 30;
/// Price grows with pack size to this power, so bigger packs are cheaper per gram (bulk discount).
const PACK_PRICE_EXPONENT: f64 = 0.85;
/// Share of food models with several pack sizes that are sold as pack-size variants of one group.
const PACK_GROUP_SHARE: f64 = 0.25;
/// Share of colourable home and pet models sold in several colours (the rest come in one).
const COLOUR_GROUP_SHARE: f64 = 0.6;
/// Colours per apparel or decor model.
const MODEL_COLOURS: (usize, usize) = (2, 4);
/// Fewest sizes an apparel model comes in (when the quota allows).
const MODEL_MIN_SIZES: usize = 3;
/// Share of models on sale, and how much a sale takes off.
const SALE_SHARE: f64 = 0.12;
const SALE_DISCOUNT: (f64, f64) = (0.10, 0.35);
/// Share of products out of stock, and of those that can be ordered but ship later.
const OUT_OF_STOCK_SHARE: f64 = 0.03;
const BACKORDER_SHARE: f64 = 0.01;
/// Units on hand for an in-stock product; one size of one colour has fewer.
const STOCK_RANGE: (usize, usize) = (3, 240);
const VARIANT_STOCK_RANGE: (usize, usize) = (1, 40);
/// Share of food whose allergens the shop does not know (`allergens: None`).
const UNKNOWN_ALLERGENS_SHARE: f64 = 0.05;
/// Share of eligible food that carries a halal or kosher certificate.
const CERTIFIED_SHARE: f64 = 0.35;
/// Tries to find a brand/kind/style combination the leaf does not sell yet before allowing a repeat.
const MODEL_ATTEMPTS: usize = 40;
/// The lowest price, in cents.
const MIN_PRICE_CENTS: i64 = 49;
/// Above these regular prices, charm prices end in .99 on whole euros and on multiples of five euros.
const WHOLE_EURO_FROM: f64 = 10.0;
const FIVE_EURO_FROM: f64 = 100.0;

/// [`generate_catalog_at`] dated against [`DEMO_EPOCH_MILLIS`].
pub fn generate_catalog(seed: u64, n_products: usize) -> Vec<Product> {
    generate_catalog_at(seed, n_products, DEMO_EPOCH_MILLIS)
}

/// Exactly `n_products` products (variants included) spread over the demo shop's categories, created during
/// the year before `now`. The same arguments always give the same products, byte for byte.
pub fn generate_catalog_at(seed: u64, n_products: usize, now: Millis) -> Vec<Product> {
    let mut builder = Builder {
        now,
        products: Vec::with_capacity(n_products),
    };
    for (i, (leaf, quota)) in LEAVES.iter().zip(quotas(n_products)).enumerate() {
        // One stream per leaf: resizing one leaf does not reshuffle the others.
        let mut dice = Dice::new(seed, Stream::Catalog, i as u64);
        builder.fill_leaf(&mut dice, leaf, quota);
    }
    builder.products
}

/// What a typical standard-brand pack of this product costs regularly, judged from the demo taxonomy; `None`
/// for products that did not come from it. Lets a shopper tell a bargain from a premium price.
pub(crate) fn reference_price(p: &Product) -> Option<f64> {
    let leaf = find_leaf(p.categories.first()?)?;
    let kind = leaf
        .kinds
        .iter()
        .filter(|k| p.title.contains(k.noun))
        .max_by_key(|k| k.noun.len())?;
    let measure = kind.measure.unwrap_or(leaf.measure);
    let attr = match measure {
        Measure::Grams(_) => "weight_g",
        Measure::Millilitres(_) => "volume_ml",
        Measure::Count(..) | Measure::Multi(..) => "count",
        Measure::Sizes(_) | Measure::Unit => "",
    };
    let factor = match p.attributes.get(attr) {
        Some(AttrValue::Number(n)) => pack_factor(measure, *n),
        _ => 1.0,
    };
    Some((leaf.price.0 + leaf.price.1) / 2.0 * kind.price * factor)
}

/// How many products each leaf gets: proportional to its share, rounded so the total is exact
/// (largest remainder first, earlier leaves first on ties).
fn quotas(n: usize) -> Vec<usize> {
    let total: usize = LEAVES.iter().map(|l| l.share as usize).sum();
    let mut out: Vec<usize> = LEAVES
        .iter()
        .map(|l| n * l.share as usize / total)
        .collect();
    let mut by_remainder: Vec<usize> = (0..LEAVES.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse(n * LEAVES[i].share as usize % total));
    let short = n - out.iter().sum::<usize>();
    for &i in by_remainder.iter().cycle().take(short) {
        out[i] += 1;
    }
    out
}

/// The amounts a measure comes in (grams, millilitres, counts); empty for sizes and single items.
fn amounts(measure: Measure) -> &'static [u32] {
    match measure {
        Measure::Grams(a)
        | Measure::Millilitres(a)
        | Measure::Count(a, _)
        | Measure::Multi(a, _) => a,
        Measure::Sizes(_) | Measure::Unit => &[],
    }
}

/// How a pack of `amount` prices against the measure's base pack.
fn pack_factor(measure: Measure, amount: f64) -> f64 {
    match amounts(measure).first() {
        Some(&base) if amount > 0.0 => (amount / f64::from(base)).powf(PACK_PRICE_EXPONENT),
        _ => 1.0,
    }
}

/// "340 g", "1.5 kg", "330 ml", "1 L", "20 bags", "5 x 35 g".
fn amount_label(measure: Measure, amount: u32) -> String {
    fn metric(n: u32, small: &str, big: &str) -> String {
        if n >= 1000 {
            let tenths = n % 1000 / 100;
            if tenths == 0 {
                format!("{} {big}", n / 1000)
            } else {
                format!("{}.{tenths} {big}", n / 1000)
            }
        } else {
            format!("{n} {small}")
        }
    }
    match measure {
        Measure::Grams(_) => metric(amount, "g", "kg"),
        Measure::Millilitres(_) => metric(amount, "ml", "L"),
        Measure::Count(_, unit) => format!("{amount} {unit}"),
        Measure::Multi(_, each) => format!("{amount} x {}", metric(each, "g", "kg")),
        Measure::Sizes(_) | Measure::Unit => String::new(),
    }
}

/// A shop-style price: x.x9 below ten euros, whole euros minus a cent above, multiples of five above a hundred.
fn charm(price: f64) -> f64 {
    let cents = if price < WHOLE_EURO_FROM {
        (price * 10.0).round() as i64 * 10 - 1
    } else if price < FIVE_EURO_FROM {
        price.round() as i64 * 100 - 1
    } else {
        (price / 5.0).round() as i64 * 500 - 1
    };
    cents.max(MIN_PRICE_CENTS) as f64 / 100.0
}

/// `k` distinct indices below `n` in random order (partial Fisher-Yates).
fn distinct(dice: &mut Dice, n: usize, k: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    let k = k.min(n);
    for i in 0..k {
        let j = i + dice.below(n - i);
        all.swap(i, j);
    }
    all.truncate(k);
    all
}

/// The diet claims a food with these allergens and this origin can honestly make. Halal and kosher are
/// certificates, so only some eligible products carry them.
fn diets_for(dice: &mut Dice, allergens: &[Allergen], origin: Origin) -> Vec<String> {
    let clean = |d: Diet| {
        d.forbidden_allergens()
            .iter()
            .all(|a| !allergens.contains(a))
    };
    let halal_certified = dice.chance(CERTIFIED_SHARE);
    let kosher_certified = dice.chance(CERTIFIED_SHARE);
    let eligible = [
        (Diet::Vegan, origin == Origin::Plant && clean(Diet::Vegan)),
        (
            Diet::Vegetarian,
            matches!(origin, Origin::Plant | Origin::AnimalProduct) && clean(Diet::Vegetarian),
        ),
        (Diet::GlutenFree, clean(Diet::GlutenFree)),
        (Diet::LactoseFree, clean(Diet::LactoseFree)),
        (
            Diet::Halal,
            halal_certified && !matches!(origin, Origin::Pork | Origin::Alcohol),
        ),
        (
            Diet::Kosher,
            kosher_certified && origin != Origin::Pork && clean(Diet::Kosher),
        ),
    ];
    eligible
        .into_iter()
        .filter(|(_, ok)| *ok)
        .map(|(d, _)| d.as_str().to_string())
        .collect()
}

/// "a", "a and b", "a, b and c".
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// One sellable version of a model: a pack size, a colour, a size, or just the model.
#[derive(Clone, Copy, Default)]
struct Variant {
    amount: Option<u32>,
    size: Option<&'static str>,
    colour: Option<(&'static str, &'static str)>,
}

/// A brand's kind in a style ("Nutwood Crunchy Peanut Butter"): what its variants share.
struct Model<'a> {
    leaf: &'a Leaf,
    kind: &'a Kind,
    style: &'a Style,
    brand: &'a Brand,
    measure: Measure,
}

struct Builder {
    now: Millis,
    products: Vec<Product>,
}

impl Builder {
    fn fill_leaf(&mut self, dice: &mut Dice, leaf: &'static Leaf, quota: usize) {
        let mut seen = BTreeSet::new();
        let mut made = 0;
        while made < quota {
            let mut pick = (0, 0, 0);
            for _ in 0..MODEL_ATTEMPTS {
                let kind = dice.below(leaf.kinds.len());
                pick = (
                    kind,
                    dice.below(leaf.kinds[kind].styles.len()),
                    dice.below(leaf.brands.len()),
                );
                if !seen.contains(&pick) {
                    break;
                }
            }
            seen.insert(pick);
            let kind = &leaf.kinds[pick.0];
            let model = Model {
                leaf,
                kind,
                style: &kind.styles[pick.1],
                brand: &leaf.brands[pick.2],
                measure: kind.measure.unwrap_or(leaf.measure),
            };
            let variants = self.variants(dice, &model, quota - made);
            made += variants.len();
            self.emit(dice, &model, &variants);
        }
    }

    /// The variants one model is sold in, never more than `left`.
    fn variants(&self, dice: &mut Dice, m: &Model, left: usize) -> Vec<Variant> {
        match m.measure {
            Measure::Sizes(sizes) => {
                let mut n_colours = dice.between(MODEL_COLOURS.0, MODEL_COLOURS.1);
                let mut n_sizes = dice.between(MODEL_MIN_SIZES.min(sizes.len()), sizes.len());
                while n_colours * n_sizes > left {
                    if n_sizes > 1 {
                        n_sizes -= 1;
                    } else if n_colours > 1 {
                        n_colours -= 1;
                    }
                }
                let first_size = dice.below(sizes.len() - n_sizes + 1);
                let colours = distinct(dice, COLOURS.len(), n_colours);
                colours
                    .iter()
                    .flat_map(|&c| {
                        sizes[first_size..first_size + n_sizes]
                            .iter()
                            .map(move |s| Variant {
                                size: Some(*s),
                                colour: Some(COLOURS[c]),
                                ..Variant::default()
                            })
                    })
                    .collect()
            }
            Measure::Unit if m.leaf.colours => {
                let n = if left >= 2 && dice.chance(COLOUR_GROUP_SHARE) {
                    dice.between(MODEL_COLOURS.0, MODEL_COLOURS.1.min(left))
                } else {
                    1
                };
                distinct(dice, COLOURS.len(), n)
                    .into_iter()
                    .map(|c| Variant {
                        colour: Some(COLOURS[c]),
                        ..Variant::default()
                    })
                    .collect()
            }
            Measure::Unit => vec![Variant::default()],
            measure => {
                let all = amounts(measure);
                let mut chosen = if all.len() >= 2 && left >= 2 && dice.chance(PACK_GROUP_SHARE) {
                    let n = dice.between(2, all.len().min(left));
                    distinct(dice, all.len(), n)
                } else {
                    vec![dice.below(all.len())]
                };
                // Smallest pack first, as shops list them.
                chosen.sort_unstable();
                chosen
                    .into_iter()
                    .map(|i| Variant {
                        amount: Some(all[i]),
                        ..Variant::default()
                    })
                    .collect()
            }
        }
    }

    fn emit(&mut self, dice: &mut Dice, m: &Model, variants: &[Variant]) {
        let leaf = m.leaf;
        let food = leaf.is_food();
        let mut allergens: Vec<Allergen> = m
            .kind
            .allergens
            .iter()
            .chain(m.style.allergens)
            .copied()
            .collect();
        allergens.sort_unstable();
        allergens.dedup();
        let origin = m.kind.origin.max(m.style.origin);
        let known = !food || !dice.chance(UNKNOWN_ALLERGENS_SHARE);
        let diets = if food && known {
            diets_for(dice, &allergens, origin)
        } else {
            Vec::new()
        };
        let base_title = if m.style.word.is_empty() {
            m.kind.noun.to_string()
        } else {
            format!("{} {}", m.style.word, m.kind.noun)
        };
        let band =
            dice.real(leaf.price.0, leaf.price.1) * m.kind.price * m.brand.tier.price_factor();
        let sale = dice
            .chance(SALE_SHARE)
            .then(|| dice.real(SALE_DISCOUNT.0, SALE_DISCOUNT.1));
        let age = dice.below((CATALOG_AGE_DAYS * DAY_MS) as usize) as Millis;
        let created = self.now - age;
        let updated = created + dice.below(age as usize) as Millis;
        let blurbs: Vec<&str> = distinct(dice, leaf.blurbs.len(), 2)
            .into_iter()
            .map(|i| leaf.blurbs[i])
            .collect();
        let mut tags: BTreeSet<&str> = leaf
            .tags
            .iter()
            .chain(m.kind.tags)
            .chain(m.style.tags)
            .copied()
            .collect();
        if sale.is_some() {
            tags.insert("sale");
        }
        if age < NEW_ARRIVAL_DAYS * DAY_MS {
            tags.insert("new");
        }
        if !food {
            // How a shop tells Tailor that diet constraints do not apply (see tailor-engine).
            tags.insert(tailor_model::NON_FOOD_TAG);
        }
        let description = describe(
            m,
            &base_title,
            &blurbs,
            food,
            known.then_some(&allergens[..]),
            &diets,
        );
        let grouped = variants.len() > 1;
        let group_id = grouped.then(|| format!("g{:05}", self.products.len() + 1));

        for v in variants {
            let n = self.products.len() + 1;
            let id =
                ProductId::new(format!("p{n:05}")).expect("generated ids are short and printable");
            let mut attributes = BTreeMap::new();
            let mut title = base_title.clone();
            if let Some(amount) = v.amount {
                let label = amount_label(m.measure, amount);
                title = format!("{title} {label}");
                let (weight, volume, count) = match m.measure {
                    Measure::Grams(_) => (Some(amount), None, None),
                    Measure::Millilitres(_) => (None, Some(amount), None),
                    Measure::Count(..) => (None, None, Some(amount)),
                    Measure::Multi(_, each) => (Some(amount * each), None, Some(amount)),
                    Measure::Sizes(_) | Measure::Unit => (None, None, None),
                };
                for (name, value) in [
                    ("weight_g", weight),
                    ("volume_ml", volume),
                    ("count", count),
                ] {
                    if let Some(x) = value {
                        attributes.insert(name.to_string(), AttrValue::Number(f64::from(x)));
                    }
                }
                if grouped {
                    attributes.insert("size".to_string(), AttrValue::Text(label));
                }
            }
            match (v.colour, v.size) {
                (Some((colour, _)), Some(size)) => title = format!("{title} – {colour}, {size}"),
                (Some((colour, _)), None) => title = format!("{title} – {colour}"),
                _ => {}
            }
            if let Some((colour, _)) = v.colour {
                attributes.insert("colour".to_string(), AttrValue::Text(colour.to_string()));
            }
            if let Some(size) = v.size {
                attributes.insert("size".to_string(), AttrValue::Text(size.to_string()));
            }
            attributes.insert(
                "consumable".to_string(),
                AttrValue::Text(leaf.usage_days.is_some().to_string()),
            );
            let amount_factor = match (v.amount, amounts(m.measure).first()) {
                (Some(a), Some(&base)) => f64::from(a) / f64::from(base),
                _ => 1.0,
            };
            if let Some(days) = leaf.usage_days {
                let days = (days * m.kind.usage * amount_factor).round().max(1.0);
                attributes.insert("usage_days".to_string(), AttrValue::Number(days));
            }

            let price = charm(band * pack_factor(m.measure, v.amount.map_or(0.0, f64::from)));
            let sale_price = sale
                .map(|d| charm(price * (1.0 - d)))
                .filter(|s| *s < price);
            let (availability, stock) = if dice.chance(OUT_OF_STOCK_SHARE) {
                (Availability::OutOfStock, 0)
            } else if dice.chance(BACKORDER_SHARE) {
                (Availability::Backorder, 0)
            } else {
                let range = if grouped {
                    VARIANT_STOCK_RANGE
                } else {
                    STOCK_RANGE
                };
                (Availability::InStock, dice.between(range.0, range.1))
            };

            let mut p = Product::new(id, title);
            p.group_id = group_id.clone();
            p.description = description.clone();
            p.brand = Some(m.brand.name.to_string());
            p.categories = vec![leaf.path.iter().map(|s| s.to_string()).collect()];
            p.price = Some(price);
            p.sale_price = sale_price;
            p.currency = Some("EUR".to_string());
            p.availability = availability;
            p.stock = Some(stock as i64);
            p.image_url = Some(format!("/demo/images/p{n:05}.svg"));
            p.url = Some(format!("/demo/product/p{n:05}"));
            p.tags = tags.iter().map(|t| t.to_string()).collect();
            p.allergens = if known {
                Some(allergens.iter().map(|a| a.as_str().to_string()).collect())
            } else {
                None
            };
            p.diets = diets.clone();
            p.attributes = attributes;
            p.created_at = Some(created);
            p.updated_at = Some(updated);
            self.products.push(p);
        }
    }
}

/// "Crunchy Peanut Butter by Nutwood. <two leaf blurbs> Contains: peanuts. Suitable for vegan ... diets."
fn describe(
    m: &Model,
    base_title: &str,
    blurbs: &[&str],
    food: bool,
    allergens: Option<&[Allergen]>,
    diets: &[String],
) -> String {
    // "Kernel & Co." already ends its sentence.
    let stop = if m.brand.name.ends_with('.') { "" } else { "." };
    let mut d = format!(
        "{base_title} by {}{stop} {}",
        m.brand.name,
        blurbs.join(" ")
    );
    if food {
        match allergens {
            None => d.push_str(" Allergen information not available; please check the pack."),
            Some([]) => d.push_str(" Free from the 14 major allergens."),
            Some(list) => {
                let names: Vec<&str> = list.iter().map(|a| a.as_str()).collect();
                d.push_str(&format!(" Contains: {}.", names.join(", ")));
            }
        }
        if !diets.is_empty() {
            d.push_str(&format!(" Suitable for {} diets.", join_words(diets)));
        }
    }
    if let Measure::Sizes(sizes) = m.measure
        && let (Some(first), Some(last)) = (sizes.first(), sizes.last())
    {
        d.push_str(&format!(" Made in sizes {first} to {last}."));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_add_up_and_follow_shares() {
        for n in [0, 1, 37, 2000, 5003] {
            assert_eq!(quotas(n).iter().sum::<usize>(), n);
        }
        let q = quotas(2000);
        let biggest = LEAVES.iter().map(|l| l.share).max().unwrap_or(0);
        let i = LEAVES.iter().position(|l| l.share == biggest).unwrap_or(0);
        assert!(q[i] >= q.iter().copied().min().unwrap_or(0));
    }

    #[test]
    fn labels_and_prices_read_like_a_shop() {
        assert_eq!(amount_label(Measure::Grams(&[340]), 340), "340 g");
        assert_eq!(amount_label(Measure::Grams(&[1]), 2500), "2.5 kg");
        assert_eq!(amount_label(Measure::Millilitres(&[1]), 1000), "1 L");
        assert_eq!(amount_label(Measure::Multi(&[5], 35), 5), "5 x 35 g");
        assert_eq!(amount_label(Measure::Count(&[20], "bags"), 20), "20 bags");
        assert_eq!(charm(3.44), 3.39);
        assert_eq!(charm(24.4), 23.99);
        assert_eq!(charm(123.0), 124.99);
        assert_eq!(charm(0.01), 0.49);
    }

    #[test]
    fn reference_price_scales_with_pack_size() {
        let catalog = generate_catalog(3, 400);
        for p in &catalog {
            let r = reference_price(p);
            assert!(r.is_some_and(|r| r > 0.0), "{}", p.title);
        }
        let mut alien = Product::new(ProductId::new("x").unwrap(), "Mystery");
        alien.categories = vec![vec!["Nowhere".into()]];
        assert_eq!(reference_price(&alien), None);
    }
}
