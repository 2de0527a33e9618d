//! Simulated shoppers and their hidden tastes. [`Shopper::affinity`] is a shopper's true utility for a
//! product: `simulate` drives every view, cart and purchase with it, and later simulations score
//! recommendations against it ("did personalization find the taste?").

use crate::diet::{Allergen, Diet};
use crate::rng::{Dice, Stream};
use crate::shelf::{Shelf, Traits};
use crate::taxonomy::{CLOTHING_SIZES, SHOE_SIZES, SOCK_SIZES};
use tailor_model::{CustomerId, Product, VisitorId};

/// Interest in a category the shopper has no taste for: browsing noise, not zero.
const BASE_INTEREST: f64 = 0.03;
/// How much a favourite category lifts its siblings under the same root (coffee lovers glance at tea).
const ROOT_SPILLOVER: f64 = 0.15;
/// Utility multiplier for a favourite brand.
const BRAND_BOOST: f64 = 1.6;
/// How strongly a fully price-sensitive shopper reacts to price against the typical price.
const PRICE_ELASTICITY: f64 = 1.5;
/// Bounds on the price multiplier, so that no bargain or luxury dominates everything else.
const PRICE_FIT: (f64, f64) = (0.25, 2.5);
/// Multipliers for a favourite colour and any other colour.
const COLOUR_LIKED: f64 = 1.4;
const COLOUR_OTHER: f64 = 0.85;
/// Multiplier for apparel in a size that does not fit: nearly worthless, yet not forbidden.
const WRONG_SIZE: f64 = 0.05;

/// How many favourite categories, brands and colours a shopper has.
const FAVOURITE_LEAVES: (usize, usize) = (2, 6);
const FAVOURITE_BRANDS: (usize, usize) = (1, 3);
const FAVOURITE_COLOURS: usize = 2;
/// Share of shoppers avoiding at least one allergen, and of those avoiding a second.
const ALLERGIC_SHARE: f64 = 0.22;
const SECOND_ALLERGEN_SHARE: f64 = 0.25;
/// How often each allergen is the one avoided (roughly European prevalence of allergy and intolerance).
const ALLERGEN_PREVALENCE: [(Allergen, f64); 14] = [
    (Allergen::Milk, 0.20),
    (Allergen::Gluten, 0.18),
    (Allergen::Nuts, 0.14),
    (Allergen::Peanuts, 0.12),
    (Allergen::Eggs, 0.08),
    (Allergen::Soybeans, 0.05),
    (Allergen::Crustaceans, 0.05),
    (Allergen::Fish, 0.04),
    (Allergen::Sesame, 0.04),
    (Allergen::Sulphites, 0.03),
    (Allergen::Celery, 0.02),
    (Allergen::Mustard, 0.02),
    (Allergen::Molluscs, 0.02),
    (Allergen::Lupin, 0.01),
];
/// How many shoppers follow each diet; the rest follow none.
const DIET_SHARES: [(Option<Diet>, f64); 7] = [
    (None, 0.68),
    (Some(Diet::Vegan), 0.06),
    (Some(Diet::Vegetarian), 0.10),
    (Some(Diet::GlutenFree), 0.05),
    (Some(Diet::LactoseFree), 0.05),
    (Some(Diet::Halal), 0.04),
    (Some(Diet::Kosher), 0.02),
];
/// Share of shoppers per clothing size, in the order of [`CLOTHING_SIZES`].
const CLOTHING_SIZE_SHARES: [f64; 6] = [0.05, 0.20, 0.30, 0.27, 0.13, 0.05];
/// EU shoe size distribution.
const SHOE_SIZE_MEAN: f64 = 41.0;
const SHOE_SIZE_SD: f64 = 2.6;
/// Household consumption: log-normal spread around 1 (one typical household), within bounds.
const CONSUMPTION_SIGMA: f64 = 0.3;
const CONSUMPTION_RANGE: (f64, f64) = (0.5, 2.0);
/// Days of supply a shopper buys at once when restocking a consumable.
const STOCK_UP_DAYS: (f64, f64) = (5.0, 16.0);
/// Visits per week: log-normal around the median, within bounds (a few heavy users, many occasional ones).
const VISITS_PER_WEEK_MEDIAN: f64 = 1.5;
const VISITS_PER_WEEK_SIGMA: f64 = 0.6;
const VISITS_PER_WEEK_RANGE: (f64, f64) = (0.3, 10.0);
/// Share of shoppers who have an account and log in at their first checkout.
const REGISTERED_SHARE: f64 = 0.5;

/// A simulated shopper: who they are to the shop, and what they really like (which the shop never sees).
#[derive(Debug, Clone, PartialEq)]
pub struct Shopper {
    /// The anonymous browser id every event of theirs carries.
    pub visitor_id: VisitorId,
    /// The account they log into at their first checkout; `None` for guests, who never log in.
    pub customer_id: Option<CustomerId>,
    /// What they like, hidden from the shop.
    pub tastes: Tastes,
}

/// A shopper's hidden tastes.
#[derive(Debug, Clone, PartialEq)]
pub struct Tastes {
    /// Favourite category paths (as in [`Product::categories`]) with weights summing to 1.
    pub categories: Vec<(Vec<String>, f64)>,
    /// Favourite brands.
    pub brands: Vec<String>,
    /// 0 ignores price; 1 strongly prefers cheap products and sales.
    pub price_sensitivity: f64,
    /// Allergens they never buy, nor buy food of unknown allergens when this is not empty.
    pub avoids: Vec<Allergen>,
    /// The diet every food they buy must claim.
    pub diet: Option<Diet>,
    /// Colours they like.
    pub colours: Vec<String>,
    /// Sizes that fit them: clothing, shoe and sock size.
    pub sizes: Vec<String>,
    /// How fast their household gets through consumables (1 = a typical household).
    pub consumption_rate: f64,
    /// Days of supply they buy at once when restocking.
    pub stock_up_days: f64,
    /// How often they visit the shop on their own (restocking brings them back in between).
    pub visits_per_week: f64,
}

impl Shopper {
    /// The shopper's true utility for `p`: 0 for a product they must never buy (an avoided allergen, food of
    /// unknown allergens for an allergic shopper, food not claiming their diet); otherwise a positive number,
    /// larger for better matches (favourite category, brand, price they like, colour, fitting size, appeal).
    /// Typical values: well under 0.1 off-taste, around 1 to 3 for a favourite.
    pub fn affinity(&self, p: &Product) -> f64 {
        self.score(&Traits::of(p))
    }

    /// Whether the shopper would ever buy `p` (the hard constraints of [`Shopper::affinity`] only).
    pub fn may_buy(&self, p: &Product) -> bool {
        self.permits(&Traits::of(p))
    }

    /// Days one unit of a consumable lasts this shopper's household; `None` for durable goods.
    pub fn usage_cycle_days(&self, p: &Product) -> Option<f64> {
        self.cycle_days(&Traits::of(p))
    }

    pub(crate) fn cycle_days(&self, t: &Traits) -> Option<f64> {
        t.usage_days.map(|d| d / self.tastes.consumption_rate)
    }

    pub(crate) fn permits(&self, t: &Traits) -> bool {
        let avoid = self
            .tastes
            .avoids
            .iter()
            .fold(0, |m, &a| m | crate::diet::allergen_bit(a));
        match t.allergens {
            Some(found) if found & avoid != 0 => return false,
            // An allergic shopper does not gamble on food whose label says nothing.
            None if t.food && avoid != 0 => return false,
            _ => {}
        }
        match self.tastes.diet {
            Some(d) if t.food => t.diets & crate::diet::diet_bit(d) != 0,
            _ => true,
        }
    }

    pub(crate) fn score(&self, t: &Traits) -> f64 {
        if !self.permits(t) {
            return 0.0;
        }
        t.appeal * self.interest(t) * self.brand_fit(t) * self.price_fit(t) * self.look_fit(t)
    }

    /// How much the shopper cares for the product's category: 1 plus spill-over for their top category.
    fn interest(&self, t: &Traits) -> f64 {
        let Some(leaf) = t.leaf else {
            return BASE_INTEREST;
        };
        let top = self
            .tastes
            .categories
            .iter()
            .map(|(_, w)| *w)
            .fold(0.0, f64::max);
        if top <= 0.0 {
            return BASE_INTEREST;
        }
        let (mut own, mut siblings) = (0.0, 0.0);
        for (path, w) in &self.tastes.categories {
            if path.as_slice() == leaf {
                own += w;
            } else if path.first() == leaf.first() {
                siblings += w;
            }
        }
        BASE_INTEREST + own / top + ROOT_SPILLOVER * (siblings / top).min(1.0)
    }

    fn brand_fit(&self, t: &Traits) -> f64 {
        match t.brand {
            Some(b) if self.tastes.brands.iter().any(|f| f == b) => BRAND_BOOST,
            _ => 1.0,
        }
    }

    /// Cheaper than typical (or on sale) pleases a price-sensitive shopper; dearer puts them off.
    fn price_fit(&self, t: &Traits) -> f64 {
        let (Some(price), Some(anchor)) = (t.price, t.reference.or(t.regular)) else {
            return 1.0;
        };
        if price <= 0.0 || anchor <= 0.0 {
            return 1.0;
        }
        (anchor / price)
            .powf(self.tastes.price_sensitivity * PRICE_ELASTICITY)
            .clamp(PRICE_FIT.0, PRICE_FIT.1)
    }

    fn look_fit(&self, t: &Traits) -> f64 {
        let colour = match t.colour {
            Some(c) if self.tastes.colours.iter().any(|f| f == c) => COLOUR_LIKED,
            Some(_) => COLOUR_OTHER,
            None => 1.0,
        };
        let size = match t.size {
            Some(s) if is_wearable_size(s) && !self.tastes.sizes.iter().any(|f| f == s) => {
                WRONG_SIZE
            }
            _ => 1.0,
        };
        colour * size
    }
}

/// Whether `size` is a clothing, shoe or sock size (as opposed to a pack size such as "500 g").
fn is_wearable_size(size: &str) -> bool {
    [CLOTHING_SIZES, SHOE_SIZES, SOCK_SIZES]
        .iter()
        .any(|list| list.contains(&size))
}

/// `n` shoppers with tastes drawn from what `catalog` sells. Shopper `i` is the same for a given seed and
/// catalog however many others are drawn, and is exactly the shopper [`crate::simulate`] lets loose.
pub fn generate_shoppers(seed: u64, catalog: &[Product], n: usize) -> Vec<Shopper> {
    let shelf = Shelf::new(catalog);
    (0..n).map(|i| draw_shopper(&shelf, seed, i)).collect()
}

pub(crate) fn draw_shopper(shelf: &Shelf, seed: u64, i: usize) -> Shopper {
    let mut dice = Dice::new(seed, Stream::Tastes, i as u64);

    // Favourite categories: bigger categories are more often someone's favourite.
    let mut leaf_weights: Vec<f64> = shelf.leaf_products.iter().map(|p| p.len() as f64).collect();
    let n_leaves = dice.between(FAVOURITE_LEAVES.0, FAVOURITE_LEAVES.1);
    let mut favourites = Vec::new();
    for _ in 0..n_leaves {
        let Some(l) = dice.weighted(&leaf_weights) else {
            break;
        };
        leaf_weights[l] = 0.0;
        // Exponential draws normalised below: a flat Dirichlet, so some shoppers have one passion, others many.
        favourites.push((l, dice.exponential(1.0)));
    }
    let total: f64 = favourites.iter().map(|(_, w)| w).sum();
    let categories: Vec<(Vec<String>, f64)> = favourites
        .iter()
        .map(|&(l, w)| {
            (
                shelf.leaves[l].to_vec(),
                if total > 0.0 { w / total } else { 0.0 },
            )
        })
        .collect();

    let mut brands: Vec<String> = Vec::new();
    let weights: Vec<f64> = favourites.iter().map(|(_, w)| *w).collect();
    for _ in 0..dice.between(FAVOURITE_BRANDS.0, FAVOURITE_BRANDS.1) {
        let Some(f) = dice.weighted(&weights) else {
            break;
        };
        let pool = &shelf.leaf_brands[favourites[f].0];
        if !pool.is_empty() {
            let b = pool[dice.below(pool.len())];
            if !brands.iter().any(|x| x == b) {
                brands.push(b.to_string());
            }
        }
    }

    let price_sensitivity = (dice.unit() + dice.unit()) / 2.0;

    let mut avoids = Vec::new();
    if dice.chance(ALLERGIC_SHARE) {
        let prevalence: Vec<f64> = ALLERGEN_PREVALENCE.iter().map(|(_, p)| *p).collect();
        let wanted = if dice.chance(SECOND_ALLERGEN_SHARE) {
            2
        } else {
            1
        };
        while avoids.len() < wanted {
            if let Some(a) = dice.weighted(&prevalence).map(|k| ALLERGEN_PREVALENCE[k].0)
                && !avoids.contains(&a)
            {
                avoids.push(a);
            }
        }
        avoids.sort_unstable();
    }
    let diet_weights: Vec<f64> = DIET_SHARES.iter().map(|(_, s)| *s).collect();
    let diet = dice.weighted(&diet_weights).and_then(|k| DIET_SHARES[k].0);

    let colours: Vec<String> = {
        let mut pool = shelf.colours.clone();
        let mut out = Vec::new();
        while out.len() < FAVOURITE_COLOURS && !pool.is_empty() {
            out.push(pool.remove(dice.below(pool.len())).to_string());
        }
        out
    };
    let clothing = dice
        .weighted(&CLOTHING_SIZE_SHARES)
        .map_or("M", |k| CLOTHING_SIZES[k]);
    let shoe_index = (dice.normal(SHOE_SIZE_MEAN, SHOE_SIZE_SD).round() - 36.0)
        .clamp(0.0, (SHOE_SIZES.len() - 1) as f64);
    let shoe = SHOE_SIZES[shoe_index as usize];
    // Sock sizes span four shoe sizes each, starting at 35.
    let sock = SOCK_SIZES[((shoe_index as usize + 1) / 4).min(SOCK_SIZES.len() - 1)];
    let sizes = vec![clothing.to_string(), shoe.to_string(), sock.to_string()];

    let consumption_rate = dice
        .log_normal(1.0, CONSUMPTION_SIGMA)
        .clamp(CONSUMPTION_RANGE.0, CONSUMPTION_RANGE.1);
    let stock_up_days = dice.real(STOCK_UP_DAYS.0, STOCK_UP_DAYS.1);
    let visits_per_week = dice
        .log_normal(VISITS_PER_WEEK_MEDIAN, VISITS_PER_WEEK_SIGMA)
        .clamp(VISITS_PER_WEEK_RANGE.0, VISITS_PER_WEEK_RANGE.1);
    let registered = dice.chance(REGISTERED_SHARE);

    Shopper {
        visitor_id: VisitorId::new(format!("v{i:05}"))
            .expect("generated ids are short and printable"),
        customer_id: registered.then(|| {
            CustomerId::new(format!("c{i:05}")).expect("generated ids are short and printable")
        }),
        tastes: Tastes {
            categories,
            brands,
            price_sensitivity,
            avoids,
            diet,
            colours,
            sizes,
            consumption_rate,
            stock_up_days,
            visits_per_week,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::generate_catalog;

    fn plain_shopper() -> Shopper {
        Shopper {
            visitor_id: VisitorId::new("v").unwrap(),
            customer_id: None,
            tastes: Tastes {
                categories: vec![(
                    vec!["Groceries".into(), "Pantry".into(), "Spreads".into()],
                    1.0,
                )],
                brands: vec![],
                price_sensitivity: 0.5,
                avoids: vec![],
                diet: None,
                colours: vec![],
                sizes: vec!["M".into(), "42".into(), "39-42".into()],
                consumption_rate: 1.0,
                stock_up_days: 7.0,
                visits_per_week: 2.0,
            },
        }
    }

    #[test]
    fn affinity_follows_taste_and_respects_allergies() {
        let catalog = generate_catalog(11, 2000);
        let peanut_butter = catalog
            .iter()
            .find(|p| p.title.contains("Peanut Butter") && p.allergens.is_some())
            .unwrap();
        let socks = catalog.iter().find(|p| p.title.contains("Socks")).unwrap();
        let mut s = plain_shopper();
        assert!(s.affinity(peanut_butter) > 10.0 * s.affinity(socks));
        s.tastes.avoids = vec![Allergen::Peanuts];
        assert_eq!(s.affinity(peanut_butter), 0.0);
        assert!(!s.may_buy(peanut_butter));
        assert!(s.may_buy(socks), "socks hold no peanuts");
        assert!(s.usage_cycle_days(peanut_butter).is_some());
        assert_eq!(s.usage_cycle_days(socks), None);
    }

    #[test]
    fn diets_and_unknown_allergens_are_hard_constraints() {
        let catalog = generate_catalog(11, 2000);
        let mut vegan = plain_shopper();
        vegan.tastes.diet = Some(Diet::Vegan);
        for p in &catalog {
            let t = Traits::of(p);
            if t.food && !p.diets.iter().any(|d| d == "vegan") {
                assert!(!vegan.may_buy(p), "{}", p.title);
            }
        }
        let mut allergic = plain_shopper();
        allergic.tastes.avoids = vec![Allergen::Sesame];
        let unknown = catalog.iter().find(|p| p.allergens.is_none()).unwrap();
        assert!(!allergic.may_buy(unknown));
    }

    #[test]
    fn wrong_sizes_barely_appeal() {
        use tailor_model::AttrValue;
        let catalog = generate_catalog(11, 2000);
        let s = plain_shopper();
        let attr = |p: &Product, k: &str| p.attributes.get(k).cloned();
        let size = |v: &str| Some(AttrValue::Text(v.into()));
        // The same model in the same colour, once in the shopper's size and once not.
        let (fits, too_big) = catalog
            .iter()
            .filter(|p| p.group_id.is_some() && attr(p, "size") == size("M"))
            .find_map(|m| {
                catalog
                    .iter()
                    .find(|q| {
                        q.group_id == m.group_id
                            && attr(q, "colour") == attr(m, "colour")
                            && attr(q, "size") == size("XL")
                    })
                    .map(|q| (m, q))
            })
            .unwrap();
        let ratio = s.affinity(too_big) / s.affinity(fits);
        assert!(ratio < 0.1, "{ratio}");
    }

    #[test]
    fn shoppers_are_reproducible_and_varied() {
        let catalog = generate_catalog(2, 500);
        let a = generate_shoppers(4, &catalog, 50);
        assert_eq!(a, generate_shoppers(4, &catalog, 50));
        assert_eq!(a[..10], generate_shoppers(4, &catalog, 10)[..]);
        assert!(a.iter().any(|s| !s.tastes.avoids.is_empty()));
        assert!(a.iter().any(|s| s.tastes.diet.is_some()));
        assert!(
            a.iter().any(|s| s.customer_id.is_some()) && a.iter().any(|s| s.customer_id.is_none())
        );
        for s in &a {
            let total: f64 = s.tastes.categories.iter().map(|(_, w)| w).sum();
            assert!((total - 1.0).abs() < 1e-9);
        }
    }
}
