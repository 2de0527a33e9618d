//! Packing a gift box: choose items that maximise predicted affinity, with some diversity,
//! within the budget, the capacity and the template's rules. Pure: it sees candidates as
//! numbers and small integer keys, not products, so it is tested on its own.
//!
//! The value of a set is the sum of its items' scores, each discounted by
//! [`CATEGORY_DECAY`] for every better item of the same category and [`BRAND_DECAY`] for every
//! better item of the same brand before it: a second fudge is worth less than a first tea.
//! Solving goes in four steps: (1) for each must-include rule, most constrained first, the
//! best-gain matching candidate that fits; (2) greedy fill by marginal gain, keeping enough
//! budget for the items still needed to reach `min_items`; (3) repair: while the total is
//! below the budget's minimum, the swap that raises it at the least loss of value; (4) local
//! improvement: best value-raising one-for-one swaps that keep every rule. What cannot be met
//! is returned as an [`Infeasible`] that names the rule.

/// A second item of the same category counts this much of its score (a third, the square).
pub const CATEGORY_DECAY: f64 = 0.5;
/// A second item of the same brand counts this much of its score.
pub const BRAND_DECAY: f64 = 0.8;
/// Passes of the local-improvement step at most (each applies the best swap).
pub const MAX_SWAP_PASSES: usize = 20;

/// Key for "no category" / "no brand": never counts as a repeat.
pub const NONE: u32 = u32::MAX;

/// One product as the packer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Predicted affinity (> 0 is useful).
    pub score: f64,
    /// Price paid for it.
    pub price: f64,
    /// Its amount of the capacity measure (0 without one).
    pub size: f64,
    /// Diversity key: its leaf category.
    pub category: u32,
    /// Diversity key: its brand.
    pub brand: u32,
    /// Per `max_per_category` rule (in [`Problem::caps`] order), the category it counts under.
    pub cap_keys: Vec<u32>,
    /// Bit `i` is set when it satisfies must-include rule `i` (in [`Problem::musts`] order).
    pub covers: u32,
}

/// The limits of a box, with rules referred to by their index in the template.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Fewest items.
    pub min_items: usize,
    /// Most items.
    pub max_items: usize,
    /// Most total size, when the template bounds a measure.
    pub max_size: Option<f64>,
    /// Lowest total price of the items (the template's minimum less packaging).
    pub budget_min: f64,
    /// Highest total price of the items.
    pub budget_max: f64,
    /// `max_per_category` rules: (template rule index, most items per category).
    pub caps: Vec<(usize, usize)>,
    /// Must-include rules: template rule indices.
    pub musts: Vec<usize>,
}

/// What in the template a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The budget range.
    Budget,
    /// `min_items` / `max_items`.
    Items,
    /// The capacity measure.
    Measure,
    /// A template rule, by index.
    Rule(usize),
    /// Eligibility, availability and hard constraints together: nothing is left to pack.
    Candidates,
}

/// Why no valid box exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasible {
    /// What cannot be met.
    pub limit: Limit,
    /// Why, with the numbers.
    pub message: String,
}

/// How a pick got into the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Chosen to satisfy must-include rule (template index).
    MustInclude(usize),
    /// The best marginal gain that fitted.
    Fill,
    /// Swapped in to reach the budget's minimum.
    BudgetRepair,
    /// Swapped in because it raised the box's value.
    Improve,
}

/// A packed box.
#[derive(Debug, Clone, PartialEq)]
pub struct Packed {
    /// Candidate indices with how each got in, best value first.
    pub picks: Vec<(usize, Step)>,
    /// Per pick (same order), the diversity factor its score counts with in the final box.
    pub factors: Vec<f64>,
    /// Total price of the items.
    pub total: f64,
    /// Total size.
    pub size: f64,
    /// The box's value (diversified score sum).
    pub value: f64,
}

/// One broken limit of a given set of items.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// What is broken.
    pub limit: Limit,
    /// The item (position in the checked list) that breaks it, where one does.
    pub item: Option<usize>,
    /// Why, with the numbers.
    pub message: String,
}

fn money(x: f64) -> String {
    format!("{x:.2}")
}

/// Each item's diversity factor in `set` (same order): better items of its category and brand
/// come first.
pub fn factors(cands: &[Candidate], set: &[usize]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..set.len()).collect();
    order.sort_by(|&a, &b| {
        cands[set[b]]
            .score
            .total_cmp(&cands[set[a]].score)
            .then(set[a].cmp(&set[b]))
    });
    let mut out = vec![1.0; set.len()];
    let mut cats: Vec<u32> = Vec::with_capacity(set.len());
    let mut brands: Vec<u32> = Vec::with_capacity(set.len());
    for pos in order {
        let c = &cands[set[pos]];
        let nc = cats
            .iter()
            .filter(|&&k| k != NONE && k == c.category)
            .count();
        let nb = brands
            .iter()
            .filter(|&&k| k != NONE && k == c.brand)
            .count();
        out[pos] = CATEGORY_DECAY.powi(nc as i32) * BRAND_DECAY.powi(nb as i32);
        cats.push(c.category);
        brands.push(c.brand);
    }
    out
}

/// The diversified value of `set`.
pub fn value(cands: &[Candidate], set: &[usize]) -> f64 {
    factors(cands, set)
        .iter()
        .zip(set)
        .map(|(f, &i)| f * cands[i].score)
        .sum()
}

/// Every limit `set` breaks, in a stable order: items, measure, caps (naming the first item
/// over the cap), must-includes, then the budget.
pub fn check(p: &Problem, cands: &[Candidate], set: &[usize]) -> Vec<Violation> {
    let mut out = Vec::new();
    if set.len() < p.min_items {
        out.push(Violation {
            limit: Limit::Items,
            item: None,
            message: format!(
                "{} item(s); the box needs at least {}",
                set.len(),
                p.min_items
            ),
        });
    }
    if set.len() > p.max_items {
        out.push(Violation {
            limit: Limit::Items,
            item: Some(p.max_items),
            message: format!("{} items; the box holds at most {}", set.len(), p.max_items),
        });
    }
    if let Some(max) = p.max_size {
        let mut size = 0.0;
        for (pos, &i) in set.iter().enumerate() {
            size += cands[i].size;
            if size > max + 1e-9 {
                out.push(Violation {
                    limit: Limit::Measure,
                    item: Some(pos),
                    message: format!("brings the total to {size}, above the capacity of {max}"),
                });
                break;
            }
        }
    }
    for (r, &(rule, max)) in p.caps.iter().enumerate() {
        let mut seen: Vec<(u32, usize)> = Vec::new();
        for (pos, &i) in set.iter().enumerate() {
            let k = cands[i].cap_keys[r];
            if k == NONE {
                continue;
            }
            let n = match seen.iter_mut().find(|(key, _)| *key == k) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    seen.push((k, 1));
                    1
                }
            };
            if n == max + 1 {
                out.push(Violation {
                    limit: Limit::Rule(rule),
                    item: Some(pos),
                    message: format!("item {n} of its category; the rule allows at most {max}"),
                });
            }
        }
    }
    for (m, &rule) in p.musts.iter().enumerate() {
        if !set.iter().any(|&i| cands[i].covers & (1 << m) != 0) {
            out.push(Violation {
                limit: Limit::Rule(rule),
                item: None,
                message: "no item of the box matches this must-include rule".into(),
            });
        }
    }
    let total: f64 = set.iter().map(|&i| cands[i].price).sum();
    if total > p.budget_max + 1e-9 {
        // Name the item whose price crosses the line, in the order given.
        let mut run = 0.0;
        let pos = set.iter().position(|&i| {
            run += cands[i].price;
            run > p.budget_max + 1e-9
        });
        out.push(Violation {
            limit: Limit::Budget,
            item: pos,
            message: format!(
                "items total {}, above the budget's {} for items",
                money(total),
                money(p.budget_max)
            ),
        });
    } else if total + 1e-9 < p.budget_min {
        out.push(Violation {
            limit: Limit::Budget,
            item: None,
            message: format!(
                "items total {}, below the budget's {} for items",
                money(total),
                money(p.budget_min)
            ),
        });
    }
    out
}

/// The packer's working state.
struct Box<'a> {
    p: &'a Problem,
    c: &'a [Candidate],
    set: Vec<usize>,
    steps: Vec<Step>,
    taken: Vec<bool>,
    total: f64,
    size: f64,
    /// Per cap rule: (category key, count).
    counts: Vec<Vec<(u32, usize)>>,
    /// Candidate prices, ascending (for keeping budget for the items still needed).
    cheapest: Vec<f64>,
}

impl<'a> Box<'a> {
    fn new(p: &'a Problem, c: &'a [Candidate]) -> Self {
        let mut cheapest: Vec<f64> = c.iter().map(|x| x.price).collect();
        cheapest.sort_by(f64::total_cmp);
        Self {
            p,
            c,
            set: Vec::new(),
            steps: Vec::new(),
            taken: vec![false; c.len()],
            total: 0.0,
            size: 0.0,
            counts: vec![Vec::new(); p.caps.len()],
            cheapest,
        }
    }

    fn count(&self, r: usize, key: u32) -> usize {
        self.counts[r]
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(0, |x| x.1)
    }

    /// Whether `i` can be added while the box can still reach `min_items` within budget.
    fn fits(&self, i: usize) -> bool {
        let x = &self.c[i];
        if self.taken[i] || self.set.len() >= self.p.max_items {
            return false;
        }
        if self
            .p
            .max_size
            .is_some_and(|m| self.size + x.size > m + 1e-9)
        {
            return false;
        }
        let still = self.p.min_items.saturating_sub(self.set.len() + 1);
        let reserve: f64 = self.cheapest.iter().take(still).sum();
        if self.total + x.price + reserve > self.p.budget_max + 1e-9 {
            return false;
        }
        x.cap_keys
            .iter()
            .enumerate()
            .all(|(r, &k)| k == NONE || self.count(r, k) < self.p.caps[r].1)
    }

    /// Marginal gain of adding `i`: its score with the discount of what is in the box.
    fn gain(&self, i: usize) -> f64 {
        let x = &self.c[i];
        let (mut nc, mut nb) = (0, 0);
        for &j in &self.set {
            let y = &self.c[j];
            nc += i32::from(x.category != NONE && y.category == x.category);
            nb += i32::from(x.brand != NONE && y.brand == x.brand);
        }
        x.score * CATEGORY_DECAY.powi(nc) * BRAND_DECAY.powi(nb)
    }

    fn add(&mut self, i: usize, step: Step) {
        let x = &self.c[i];
        self.taken[i] = true;
        self.total += x.price;
        self.size += x.size;
        for (r, &k) in x.cap_keys.iter().enumerate() {
            if k == NONE {
                continue;
            }
            match self.counts[r].iter_mut().find(|(key, _)| *key == k) {
                Some((_, n)) => *n += 1,
                None => self.counts[r].push((k, 1)),
            }
        }
        self.set.push(i);
        self.steps.push(step);
    }

    fn covered(&self, m: usize) -> bool {
        self.set.iter().any(|&i| self.c[i].covers & (1 << m) != 0)
    }

    fn best(&self, ok: impl Fn(usize) -> bool) -> Option<usize> {
        (0..self.c.len())
            .filter(|&i| ok(i) && self.fits(i))
            .map(|i| (i, self.gain(i)))
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|x| x.0)
    }

    /// Whether replacing the pick at `pos` by `j` keeps every limit except the budget's
    /// minimum; the new total when it does.
    fn swap_ok(&self, pos: usize, j: usize) -> Option<f64> {
        let out = &self.c[self.set[pos]];
        let x = &self.c[j];
        if self.taken[j] {
            return None;
        }
        let total = self.total - out.price + x.price;
        if total > self.p.budget_max + 1e-9 {
            return None;
        }
        let size = self.size - out.size + x.size;
        if self.p.max_size.is_some_and(|m| size > m + 1e-9) {
            return None;
        }
        for (r, &k) in x.cap_keys.iter().enumerate() {
            if k != NONE && k != out.cap_keys[r] && self.count(r, k) >= self.p.caps[r].1 {
                return None;
            }
        }
        for m in 0..self.p.musts.len() {
            let bit = 1 << m;
            if out.covers & bit != 0
                && x.covers & bit == 0
                && !self
                    .set
                    .iter()
                    .enumerate()
                    .any(|(q, &i)| q != pos && self.c[i].covers & bit != 0)
            {
                return None;
            }
        }
        Some(total)
    }

    /// The box's value with the pick at `pos` replaced by `j`.
    fn value_with(&self, pos: usize, j: usize) -> f64 {
        let mut set = self.set.clone();
        set[pos] = j;
        value(self.c, &set)
    }

    /// Per pick, the box's value without it: with `score(j)` added, an upper bound on the value
    /// of any swap at that position (a newcomer counts at most its whole score).
    fn values_without(&self) -> Vec<f64> {
        (0..self.set.len())
            .map(|pos| {
                let mut set = self.set.clone();
                set.remove(pos);
                value(self.c, &set)
            })
            .collect()
    }

    fn replace(&mut self, pos: usize, j: usize, step: Step) {
        let i = self.set.remove(pos);
        self.steps.remove(pos);
        self.taken[i] = false;
        let x = &self.c[i];
        self.total -= x.price;
        self.size -= x.size;
        for (r, &k) in x.cap_keys.iter().enumerate() {
            if let Some(e) = self.counts[r].iter_mut().find(|(key, _)| *key == k) {
                e.1 -= 1;
            }
        }
        self.add(j, step);
    }
}

/// Packs the best box it can find, or says which limit cannot be met.
pub fn pack(p: &Problem, cands: &[Candidate]) -> Result<Packed, Infeasible> {
    if cands.is_empty() {
        return Err(Infeasible {
            limit: Limit::Candidates,
            message: "no product passes the template's eligibility, availability and the \
                      recipient's hard constraints"
                .into(),
        });
    }
    let mut b = Box::new(p, cands);
    // 1. Must-include rules, the one with the fewest matching candidates first.
    let mut order: Vec<usize> = (0..p.musts.len()).collect();
    let matching = |m: usize| cands.iter().filter(|c| c.covers & (1 << m) != 0).count();
    order.sort_by_key(|&m| (matching(m), m));
    for m in order {
        if b.covered(m) {
            continue;
        }
        let bit = 1 << m;
        match b.best(|i| cands[i].covers & bit != 0) {
            Some(i) => b.add(i, Step::MustInclude(p.musts[m])),
            None => {
                let n = matching(m);
                let message = if n == 0 {
                    "no allowed product matches this must-include rule".to_string()
                } else {
                    let cheapest = cands
                        .iter()
                        .filter(|c| c.covers & bit != 0)
                        .map(|c| c.price)
                        .fold(f64::INFINITY, f64::min);
                    let still = p.min_items.saturating_sub(b.set.len() + 1);
                    let reserve: f64 = b.cheapest.iter().take(still).sum();
                    format!(
                        "{n} allowed product(s) match, but none fits beside the other picks: \
                         the cheapest costs {}; {} of the budget is left for items, of which {} \
                         is kept for the {still} more item(s) the box needs",
                        money(cheapest),
                        money(p.budget_max - b.total),
                        money(reserve)
                    )
                };
                return Err(Infeasible {
                    limit: Limit::Rule(p.musts[m]),
                    message,
                });
            }
        }
    }
    // 2. Greedy fill by marginal gain.
    while let Some(i) = b.best(|_| true) {
        b.add(i, Step::Fill);
    }
    if b.set.len() < p.min_items {
        return Err(Infeasible {
            limit: Limit::Items,
            message: format!(
                "only {} item(s) fit within the budget, capacity and rules; the box needs at \
                 least {} ({} allowed candidate(s))",
                b.set.len(),
                p.min_items,
                cands.len()
            ),
        });
    }
    // 3. Repair the budget's minimum: the swap that raises the total for the least value lost.
    while b.total + 1e-9 < p.budget_min {
        let base = value(cands, &b.set);
        let mut best: Option<(usize, usize, f64)> = None;
        for pos in 0..b.set.len() {
            for j in 0..cands.len() {
                let Some(total) = b.swap_ok(pos, j) else {
                    continue;
                };
                if total <= b.total + 1e-9 {
                    continue;
                }
                let v = b.value_with(pos, j);
                // Value lost per unit of price gained; reaching the minimum outright wins ties.
                let cost = (base - v).max(0.0) / (total - b.total);
                if best.is_none_or(|(_, _, c)| cost < c) {
                    best = Some((pos, j, cost));
                }
            }
        }
        match best {
            Some((pos, j, _)) => b.replace(pos, j, Step::BudgetRepair),
            None => {
                return Err(Infeasible {
                    limit: Limit::Budget,
                    message: format!(
                        "the most the rules and capacity allow is {} for items, below the \
                         budget's minimum of {}",
                        money(b.total),
                        money(p.budget_min)
                    ),
                });
            }
        }
    }
    // 4. Local improvement: the best value-raising swap, a few passes.
    for _ in 0..MAX_SWAP_PASSES {
        let base = value(cands, &b.set);
        let without = b.values_without();
        let mut best: Option<(usize, usize, f64)> = None;
        for (pos, &rest) in without.iter().enumerate() {
            for (j, c) in cands.iter().enumerate() {
                // Most swaps cannot beat the best so far even at full score: skip them unpriced.
                let floor = best.map_or(base, |x| x.2);
                if rest + c.score <= floor + 1e-9 {
                    continue;
                }
                if let Some(total) = b.swap_ok(pos, j)
                    && total + 1e-9 >= p.budget_min
                {
                    let v = b.value_with(pos, j);
                    if v > floor + 1e-9 {
                        best = Some((pos, j, v));
                    }
                }
            }
        }
        let Some((pos, j, _)) = best else { break };
        b.replace(pos, j, Step::Improve);
        // A swap may free room (a cheaper item): fill it.
        while let Some(i) = b.best(|_| true) {
            b.add(i, Step::Fill);
        }
    }
    debug_assert!(check(p, cands, &b.set).is_empty());
    let f = factors(cands, &b.set);
    let mut picks: Vec<(usize, Step, f64)> = b
        .set
        .iter()
        .zip(&b.steps)
        .zip(&f)
        .map(|((&i, &s), &f)| (i, s, f))
        .collect();
    picks.sort_by(|a, b| {
        (b.2 * cands[b.0].score)
            .total_cmp(&(a.2 * cands[a.0].score))
            .then(a.0.cmp(&b.0))
    });
    Ok(Packed {
        value: value(cands, &b.set),
        total: b.total,
        size: b.size,
        factors: picks.iter().map(|x| x.2).collect(),
        picks: picks.into_iter().map(|x| (x.0, x.1)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(score: f64, price: f64, category: u32, brand: u32) -> Candidate {
        Candidate {
            score,
            price,
            size: 0.0,
            category,
            brand,
            cap_keys: vec![category],
            covers: 0,
        }
    }

    fn problem(min_items: usize, max_items: usize, budget: (f64, f64)) -> Problem {
        Problem {
            min_items,
            max_items,
            max_size: None,
            budget_min: budget.0,
            budget_max: budget.1,
            caps: vec![(0, 2)],
            musts: vec![],
        }
    }

    fn ids(p: &Packed) -> Vec<usize> {
        let mut v: Vec<usize> = p.picks.iter().map(|x| x.0).collect();
        v.sort();
        v
    }

    #[test]
    fn diversity_prefers_a_new_category_over_a_slightly_better_repeat() {
        // Two excellent teas and one good fudge; room for two.
        let c = vec![
            cand(1.0, 5.0, 0, 0),
            cand(0.9, 5.0, 0, 1),
            cand(0.6, 5.0, 1, 2),
        ];
        let packed = pack(&problem(1, 2, (0.0, 100.0)), &c).unwrap();
        assert_eq!(ids(&packed), [0, 2]);
        assert_eq!(packed.factors, [1.0, 1.0]);
        assert!((value(&c, &[0, 1]) - 1.45).abs() < 1e-9);
    }

    #[test]
    fn caps_budget_and_items_hold() {
        let c: Vec<Candidate> = (0..10)
            .map(|i| cand(1.0 - i as f64 * 0.05, 4.0, (i % 2) as u32, i as u32))
            .collect();
        let p = problem(2, 6, (0.0, 13.0));
        let packed = pack(&p, &c).unwrap();
        assert_eq!(packed.picks.len(), 3, "13 buys three items of 4");
        assert!(check(&p, &c, &ids(&packed)).is_empty());
        let mut tight = problem(1, 6, (0.0, 100.0));
        tight.caps = vec![(0, 1)];
        let packed = pack(&tight, &c).unwrap();
        assert_eq!(packed.picks.len(), 2, "one per category, two categories");
    }

    #[test]
    fn must_include_is_honoured_even_when_its_items_score_low() {
        let mut c = vec![
            cand(1.0, 5.0, 0, 0),
            cand(0.9, 5.0, 1, 1),
            cand(0.1, 5.0, 2, 2),
        ];
        c[2].covers = 1;
        let mut p = problem(1, 2, (0.0, 100.0));
        p.musts = vec![3];
        let packed = pack(&p, &c).unwrap();
        assert_eq!(ids(&packed), [0, 2]);
        assert!(packed.picks.contains(&(2, Step::MustInclude(3))));
    }

    #[test]
    fn budget_minimum_is_reached_by_swapping() {
        // Cheap favourites would fill the box below the minimum; one pricier item fixes it.
        let c = vec![
            cand(1.0, 3.0, 0, 0),
            cand(0.9, 3.0, 1, 1),
            cand(0.5, 12.0, 2, 2),
            cand(0.2, 30.0, 3, 3),
        ];
        let p = problem(2, 2, (14.0, 20.0));
        let packed = pack(&p, &c).unwrap();
        assert!(packed.total >= 14.0 && packed.total <= 20.0, "{packed:?}");
        assert_eq!(ids(&packed), [0, 2]);
        assert!(packed.picks.contains(&(2, Step::BudgetRepair)));
    }

    #[test]
    fn infeasible_templates_say_which_limit() {
        let c = vec![cand(1.0, 10.0, 0, 0), cand(0.5, 10.0, 1, 1)];
        let err = pack(&problem(3, 5, (0.0, 100.0)), &c).unwrap_err();
        assert_eq!(err.limit, Limit::Items);
        assert!(err.message.contains("needs at least 3"), "{}", err.message);
        let err = pack(&problem(1, 5, (50.0, 100.0)), &c).unwrap_err();
        assert_eq!(err.limit, Limit::Budget);
        assert!(err.message.contains("20.00"), "{}", err.message);
        let mut p = problem(1, 5, (0.0, 100.0));
        p.musts = vec![7];
        assert_eq!(pack(&p, &c).unwrap_err().limit, Limit::Rule(7));
        let mut c2 = c.clone();
        c2[1].covers = 1;
        c2[1].price = 200.0;
        let err = pack(&p, &c2).unwrap_err();
        assert_eq!(err.limit, Limit::Rule(7));
        assert!(err.message.contains("200.00"), "{}", err.message);
        assert_eq!(pack(&p, &[]).unwrap_err().limit, Limit::Candidates);
    }

    #[test]
    fn the_measure_bounds_the_box() {
        let mut c: Vec<Candidate> = (0..5).map(|i| cand(1.0, 1.0, i, i)).collect();
        for x in &mut c {
            x.size = 400.0;
        }
        let mut p = problem(1, 10, (0.0, 100.0));
        p.max_size = Some(1000.0);
        let packed = pack(&p, &c).unwrap();
        assert_eq!(packed.picks.len(), 2);
        assert_eq!(packed.size, 800.0);
    }

    #[test]
    fn check_names_the_item_that_breaks_a_rule() {
        let c: Vec<Candidate> = (0..4).map(|i| cand(1.0, 10.0, 0, i)).collect();
        let mut p = problem(1, 3, (0.0, 25.0));
        p.musts = vec![1];
        let v = check(&p, &c, &[0, 1, 2, 3]);
        let limits: Vec<(Limit, Option<usize>)> = v.iter().map(|x| (x.limit, x.item)).collect();
        assert_eq!(
            limits,
            [
                (Limit::Items, Some(3)),
                (Limit::Rule(0), Some(2)),
                (Limit::Rule(1), None),
                (Limit::Budget, Some(2)),
            ]
        );
        assert!(check(&p, &c, &[]).iter().any(|x| x.limit == Limit::Items));
    }

    #[test]
    fn packing_is_deterministic_and_never_breaks_a_limit() {
        // A small pseudo-random sweep (no external crate): every feasible answer checks clean.
        let mut seed = 7u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as f64 / (1u64 << 31) as f64
        };
        for _ in 0..200 {
            let n = 1 + (next() * 30.0) as usize;
            let c: Vec<Candidate> = (0..n)
                .map(|_| {
                    let mut x = cand(
                        next(),
                        1.0 + next() * 20.0,
                        (next() * 4.0) as u32,
                        (next() * 5.0) as u32,
                    );
                    x.size = next() * 500.0;
                    x.covers = u32::from(next() < 0.2) | (u32::from(next() < 0.3) << 1);
                    x
                })
                .collect();
            let lo = next() * 30.0;
            let mut p = problem(
                1 + (next() * 3.0) as usize,
                3 + (next() * 5.0) as usize,
                (lo, lo + 10.0 + next() * 40.0),
            );
            p.max_size = (next() < 0.5).then(|| 300.0 + next() * 1500.0);
            p.musts = vec![0, 1][..(next() * 3.0) as usize].to_vec();
            if let Ok(packed) = pack(&p, &c) {
                let set: Vec<usize> = packed.picks.iter().map(|x| x.0).collect();
                assert!(check(&p, &c, &set).is_empty(), "{p:?} {set:?}");
                assert_eq!(pack(&p, &c).unwrap(), packed);
            }
        }
    }
}
