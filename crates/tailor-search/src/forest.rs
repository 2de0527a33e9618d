//! Gradient-boosted regression trees for the learned text ranker, fitted with LambdaMART
//! (Burges 2010, "From RankNet to LambdaRank to LambdaMART"; Friedman 2001 for the boosting).
//! The trees add to the linear score of [`crate::rank::Ranker`] what one weight per feature
//! cannot say: that a number mismatch matters more when the head noun matched, that coverage of
//! a two-word query is not coverage of a six-word one.
//!
//! Each tree keeps, at every node, the value it would predict if it stopped there, so a score
//! can be split into one part per feature (the value's change at each split goes to the split's
//! feature, Saabas's path attribution) plus the roots' values, and the parts add up exactly.
//!
//! A forest is stored as text, one node a line (see [`Forest::to_text`]), so a fitted model can
//! be kept as a readable file. Not in the search path: on the Home Depot titles no forest beat
//! the linear ranker in a 2-fold split of the tuning half (docs/BENCHMARKS.md, "Search
//! relevance"); `cargo run -p tailor-eval --example search_cv` repeats that selection.

use crate::rank::{Features, Judged, NUM_FEATURES};

/// One node: a split (`feature`, `threshold`, children) or a leaf (`left == LEAF`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// Split feature; unused for a leaf.
    pub feature: u16,
    /// A value goes left when it is `<= threshold`.
    pub threshold: f32,
    /// Index of the left child in the tree, or [`LEAF`].
    pub left: u32,
    /// Index of the right child.
    pub right: u32,
    /// What the tree predicts for the samples that reach this node (a leaf's output).
    pub value: f32,
}

/// `left` of a leaf.
pub const LEAF: u32 = u32::MAX;

/// One regression tree; node 0 is the root.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    /// Nodes, root first, children after their parent.
    pub nodes: Vec<Node>,
}

impl Tree {
    fn leaf(&self, x: &Features) -> &Node {
        let mut n = &self.nodes[0];
        while n.left != LEAF {
            let v = x.get(usize::from(n.feature)).copied().unwrap_or(0.0);
            n = &self.nodes[if v <= n.threshold { n.left } else { n.right } as usize];
        }
        n
    }

    /// The tree's output for `x`.
    pub fn predict(&self, x: &Features) -> f32 {
        if self.nodes.is_empty() {
            return 0.0;
        }
        self.leaf(x).value
    }

    /// Adds each split's change of value on `x`'s path to its feature; returns the root's value.
    fn attribute(&self, x: &Features, parts: &mut Features) -> f32 {
        let Some(root) = self.nodes.first() else {
            return 0.0;
        };
        let mut n = root;
        while n.left != LEAF {
            let f = usize::from(n.feature);
            let v = x.get(f).copied().unwrap_or(0.0);
            let next = &self.nodes[if v <= n.threshold { n.left } else { n.right } as usize];
            if let Some(p) = parts.get_mut(f) {
                *p += next.value - n.value;
            }
            n = next;
        }
        root.value
    }
}

/// A sum of trees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forest {
    /// The trees, in the order they were fitted.
    pub trees: Vec<Tree>,
}

/// A forest file that does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("forest model line {line}: {message}")]
pub struct ForestParseError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong with it.
    pub message: String,
}

impl Forest {
    /// The sum of the trees' outputs.
    pub fn score(&self, x: &Features) -> f32 {
        self.trees.iter().map(|t| t.predict(x)).sum()
    }

    /// Per-feature parts of [`Forest::score`] and the base (the sum of the roots' values); the
    /// parts and the base add up to the score.
    pub fn attribution(&self, x: &Features) -> (Features, f32) {
        let mut parts = [0.0; NUM_FEATURES];
        let base = self.trees.iter().map(|t| t.attribute(x, &mut parts)).sum();
        (parts, base)
    }

    /// The text form: a header line, then per tree a `tree N` line and one line per node,
    /// `feature threshold left right value` (`left` and `right` are `-` for a leaf).
    pub fn to_text(&self) -> String {
        let mut out =
            String::from("# tailor-search forest v1: feature threshold left right value\n");
        for (i, t) in self.trees.iter().enumerate() {
            out.push_str(&format!("tree {i}\n"));
            for n in &t.nodes {
                if n.left == LEAF {
                    out.push_str(&format!("- - - - {:e}\n", n.value));
                } else {
                    out.push_str(&format!(
                        "{} {:e} {} {} {:e}\n",
                        n.feature, n.threshold, n.left, n.right, n.value
                    ));
                }
            }
        }
        out
    }

    /// Parses [`Forest::to_text`]; checks that every split names a known feature and children
    /// that come after it in the same tree, so prediction always ends at a leaf.
    pub fn from_text(text: &str) -> Result<Self, ForestParseError> {
        let mut trees: Vec<Tree> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let err = |message: &str| ForestParseError {
                line: i + 1,
                message: message.to_string(),
            };
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with("tree") {
                trees.push(Tree::default());
                continue;
            }
            let tree = trees
                .last_mut()
                .ok_or_else(|| err("node before any `tree` line"))?;
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() != 5 {
                return Err(err("expected 5 columns"));
            }
            let value: f32 = cols[4].parse().map_err(|_| err("bad value"))?;
            if !value.is_finite() {
                return Err(err("value is not finite"));
            }
            let node = if cols[0] == "-" {
                Node {
                    feature: 0,
                    threshold: 0.0,
                    left: LEAF,
                    right: LEAF,
                    value,
                }
            } else {
                let feature: u16 = cols[0].parse().map_err(|_| err("bad feature"))?;
                if usize::from(feature) >= NUM_FEATURES {
                    return Err(err("unknown feature"));
                }
                let threshold: f32 = cols[1].parse().map_err(|_| err("bad threshold"))?;
                let left: u32 = cols[2].parse().map_err(|_| err("bad left child"))?;
                let right: u32 = cols[3].parse().map_err(|_| err("bad right child"))?;
                let me = tree.nodes.len() as u32;
                if left <= me || right <= me {
                    return Err(err("a child must come after its parent"));
                }
                Node {
                    feature,
                    threshold,
                    left,
                    right,
                    value,
                }
            };
            tree.nodes.push(node);
        }
        for (t, tree) in trees.iter().enumerate() {
            let n = tree.nodes.len() as u32;
            if n == 0
                || tree
                    .nodes
                    .iter()
                    .any(|x| x.left != LEAF && (x.left >= n || x.right >= n))
            {
                return Err(ForestParseError {
                    line: 0,
                    message: format!("tree {t} is empty or has a child out of range"),
                });
            }
        }
        Ok(Self { trees })
    }
}

/// Training options for [`fit_lambdamart`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestOptions {
    /// Number of trees.
    pub trees: usize,
    /// Greatest depth of a tree (a depth-`d` tree has up to `2^d` leaves).
    pub depth: usize,
    /// Shrinkage: each tree's Newton step is scaled by this.
    pub learning_rate: f32,
    /// Least summed hessian in a child.
    pub min_child_hessian: f32,
    /// L2 penalty on leaf values (added to the summed hessian).
    pub l2: f32,
    /// Histogram bins per feature (at most 255).
    pub bins: usize,
    /// Least label gap for a pair to train on.
    pub min_gap: f32,
}

impl Default for ForestOptions {
    fn default() -> Self {
        Self {
            trees: 150,
            depth: 4,
            learning_rate: 0.1,
            min_child_hessian: 20.0,
            l2: 10.0,
            bins: 64,
            min_gap: 0.5,
        }
    }
}

/// Bin edges of one feature: a value goes to the first bin whose upper edge is >= it.
fn bin_edges(values: &mut [f32], bins: usize) -> Vec<f32> {
    values.sort_by(f32::total_cmp);
    let mut distinct: Vec<f32> = values.to_vec();
    distinct.dedup();
    if distinct.len() <= 1 {
        return Vec::new();
    }
    if distinct.len() <= bins {
        // Midpoints between neighbouring values.
        return distinct.windows(2).map(|w| 0.5 * (w[0] + w[1])).collect();
    }
    let mut edges: Vec<f32> = (1..bins).map(|b| values[b * values.len() / bins]).collect();
    edges.dedup();
    // An edge at the largest value would leave the last bin empty.
    if edges.last() == values.last() {
        edges.pop();
    }
    edges
}

/// Fits a forest by LambdaMART with pairwise (RankNet) lambdas: within each query, for every two
/// products whose labels differ by `min_gap` or more, the better one should score higher; a pair
/// weighs its label gap, as in [`crate::rank::fit_pairwise`]. `base[q][i]` is the score already
/// given to product `i` of query `q` (the linear part), which the trees add to. Deterministic.
pub fn fit_lambdamart(queries: &[Vec<Judged>], base: &[Vec<f32>], opts: ForestOptions) -> Forest {
    let rows: Vec<&Features> = queries.iter().flatten().map(|j| &j.features).collect();
    let n = rows.len();
    let bins = opts.bins.clamp(2, 255);
    // Histogram edges and each row's bin per feature.
    let mut edges: Vec<Vec<f32>> = Vec::with_capacity(NUM_FEATURES);
    let mut binned: Vec<Vec<u8>> = Vec::with_capacity(NUM_FEATURES);
    for k in 0..NUM_FEATURES {
        let mut col: Vec<f32> = rows.iter().map(|r| r[k]).collect();
        let e = bin_edges(&mut col, bins);
        binned.push(
            rows.iter()
                .map(|r| e.partition_point(|&edge| edge < r[k]) as u8)
                .collect(),
        );
        edges.push(e);
    }
    // Pairs as (better row, worse row, weight).
    let mut pairs: Vec<(u32, u32, f32)> = Vec::new();
    let mut start = 0usize;
    let mut score: Vec<f32> = Vec::with_capacity(n);
    for (qi, q) in queries.iter().enumerate() {
        for (a, ja) in q.iter().enumerate() {
            score.push(base.get(qi).and_then(|b| b.get(a)).copied().unwrap_or(0.0));
            for (b, jb) in q.iter().enumerate() {
                let gap = ja.label - jb.label;
                if gap >= opts.min_gap - 1e-4 {
                    pairs.push(((start + a) as u32, (start + b) as u32, gap));
                }
            }
        }
        start += q.len();
    }
    let mut forest = Forest::default();
    if pairs.is_empty() || n == 0 {
        return forest;
    }
    let mut grad = vec![0.0f32; n];
    let mut hess = vec![0.0f32; n];
    for _ in 0..opts.trees {
        grad.iter_mut().for_each(|g| *g = 0.0);
        hess.iter_mut().for_each(|h| *h = 0.0);
        // Gradient of sum w * log(1 + exp(-(s_i - s_j))) and its diagonal hessian.
        for &(i, j, w) in &pairs {
            let (i, j) = (i as usize, j as usize);
            let rho = 1.0 / (1.0 + (score[i] - score[j]).exp());
            let h = (w * rho * (1.0 - rho)).max(1e-6);
            grad[i] -= w * rho;
            grad[j] += w * rho;
            hess[i] += h;
            hess[j] += h;
        }
        let tree = grow(&binned, &edges, &grad, &hess, opts);
        for (s, r) in score.iter_mut().zip(&rows) {
            *s += tree.predict(r);
        }
        forest.trees.push(tree);
    }
    forest
}

/// Grows one tree depth by depth on the histograms; node values are Newton steps
/// `-G / (H + l2)` times the learning rate.
fn grow(
    binned: &[Vec<u8>],
    edges: &[Vec<f32>],
    grad: &[f32],
    hess: &[f32],
    opts: ForestOptions,
) -> Tree {
    let lr = opts.learning_rate;
    let l2 = f64::from(opts.l2);
    let value = |g: f64, h: f64| (-g / (h + l2)) as f32 * lr;
    let all: Vec<u32> = (0..grad.len() as u32).collect();
    let sum = |rows: &[u32]| -> (f64, f64) {
        rows.iter().fold((0.0, 0.0), |(g, h), &r| {
            (
                g + f64::from(grad[r as usize]),
                h + f64::from(hess[r as usize]),
            )
        })
    };
    let (g0, h0) = sum(&all);
    let mut tree = Tree {
        nodes: vec![Node {
            feature: 0,
            threshold: 0.0,
            left: LEAF,
            right: LEAF,
            value: value(g0, h0),
        }],
    };
    // (node index, its rows, G, H)
    let mut frontier: Vec<(usize, Vec<u32>, f64, f64)> = vec![(0, all, g0, h0)];
    for _ in 0..opts.depth {
        let mut next = Vec::new();
        for (node, rows, g, h) in frontier {
            let Some((feature, bin, gain_g, gain_h)) =
                best_split(binned, edges, grad, hess, &rows, g, h, opts)
            else {
                continue;
            };
            let (left_rows, right_rows): (Vec<u32>, Vec<u32>) = rows
                .iter()
                .partition(|&&r| usize::from(binned[feature][r as usize]) <= bin);
            let (gl, hl) = (gain_g, gain_h);
            let (gr, hr) = (g - gl, h - hl);
            let li = tree.nodes.len();
            for (gg, hh) in [(gl, hl), (gr, hr)] {
                tree.nodes.push(Node {
                    feature: 0,
                    threshold: 0.0,
                    left: LEAF,
                    right: LEAF,
                    value: value(gg, hh),
                });
            }
            let n = &mut tree.nodes[node];
            n.feature = feature as u16;
            n.threshold = edges[feature][bin];
            n.left = li as u32;
            n.right = li as u32 + 1;
            next.push((li, left_rows, gl, hl));
            next.push((li + 1, right_rows, gr, hr));
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    tree
}

/// The best split of `rows`: (feature, last bin that goes left, G and H of the left side).
#[allow(clippy::too_many_arguments)]
fn best_split(
    binned: &[Vec<u8>],
    edges: &[Vec<f32>],
    grad: &[f32],
    hess: &[f32],
    rows: &[u32],
    g: f64,
    h: f64,
    opts: ForestOptions,
) -> Option<(usize, usize, f64, f64)> {
    let l2 = f64::from(opts.l2);
    let min_h = f64::from(opts.min_child_hessian);
    let parent = g * g / (h + l2);
    let mut best: Option<(f64, usize, usize, f64, f64)> = None;
    let mut hg = [0.0f64; 256];
    let mut hh = [0.0f64; 256];
    for (k, e) in edges.iter().enumerate() {
        if e.is_empty() {
            continue;
        }
        let nb = e.len() + 1;
        hg[..nb].iter_mut().for_each(|x| *x = 0.0);
        hh[..nb].iter_mut().for_each(|x| *x = 0.0);
        let col = &binned[k];
        for &r in rows {
            let b = usize::from(col[r as usize]);
            hg[b] += f64::from(grad[r as usize]);
            hh[b] += f64::from(hess[r as usize]);
        }
        let (mut gl, mut hl) = (0.0, 0.0);
        // Split after bin b (b < nb - 1, so the threshold edges[k][b] exists).
        for b in 0..nb - 1 {
            gl += hg[b];
            hl += hh[b];
            let (gr, hr) = (g - gl, h - hl);
            if hl < min_h || hr < min_h {
                continue;
            }
            let gain = gl * gl / (hl + l2) + gr * gr / (hr + l2) - parent;
            if gain > 1e-9 && best.is_none_or(|x| gain > x.0) {
                best = Some((gain, k, b, gl, hl));
            }
        }
    }
    best.map(|(_, k, b, gl, hl)| (k, b, gl, hl))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(a: f32, b: f32, label: f32) -> Judged {
        let mut features = [0.0; NUM_FEATURES];
        features[0] = a;
        features[1] = b;
        Judged { features, label }
    }

    /// Labels follow an interaction (relevant when both features are high, or both low) that
    /// no weighting of either feature alone can order.
    fn xor_queries() -> Vec<Vec<Judged>> {
        (0..40)
            .map(|q| {
                (0..8)
                    .map(|i| {
                        let a = ((q * 3 + i * 5) % 7) as f32 / 6.0;
                        let b = ((q * 5 + i * 3) % 11) as f32 / 10.0;
                        let label = if (a > 0.5) == (b > 0.5) { 3.0 } else { 1.0 };
                        judged(a, b, label)
                    })
                    .collect()
            })
            .collect()
    }

    fn pair_acc(qs: &[Vec<Judged>], f: &Forest) -> f64 {
        let (mut hit, mut all) = (0.0, 0.0);
        for q in qs {
            for a in q {
                for b in q {
                    if a.label - b.label >= 1.0 {
                        all += 1.0;
                        let (sa, sb) = (f.score(&a.features), f.score(&b.features));
                        hit += if sa > sb {
                            1.0
                        } else if sa == sb {
                            0.5
                        } else {
                            0.0
                        };
                    }
                }
            }
        }
        hit / all
    }

    #[test]
    fn trees_learn_an_interaction_and_parts_add_up() {
        let qs = xor_queries();
        let base: Vec<Vec<f32>> = qs.iter().map(|q| vec![0.0; q.len()]).collect();
        let opts = ForestOptions {
            trees: 30,
            depth: 2,
            min_child_hessian: 1.0,
            l2: 1.0,
            ..ForestOptions::default()
        };
        let f = fit_lambdamart(&qs, &base, opts);
        assert_eq!(f.trees.len(), 30);
        assert!(pair_acc(&qs, &f) > 0.95, "{}", pair_acc(&qs, &f));
        for x in qs.iter().flatten().map(|j| &j.features) {
            let (parts, base) = f.attribution(x);
            let total: f32 = parts.iter().sum::<f32>() + base;
            assert!(
                (total - f.score(x)).abs() < 1e-4,
                "{total} vs {}",
                f.score(x)
            );
            // Only the two informative features are ever split on.
            assert!(parts[2..].iter().all(|&p| p == 0.0));
        }
        assert_eq!(f, fit_lambdamart(&qs, &base, opts), "deterministic");
    }

    #[test]
    fn text_form_round_trips_and_rejects_bad_files() {
        let qs = xor_queries();
        let base: Vec<Vec<f32>> = qs.iter().map(|q| vec![0.0; q.len()]).collect();
        let opts = ForestOptions {
            trees: 5,
            depth: 3,
            min_child_hessian: 1.0,
            ..ForestOptions::default()
        };
        let f = fit_lambdamart(&qs, &base, opts);
        let back = Forest::from_text(&f.to_text()).unwrap();
        for x in qs.iter().flatten().map(|j| &j.features) {
            assert_eq!(back.score(x), f.score(x));
        }
        assert!(
            Forest::from_text("0 1 2 3 4\n").is_err(),
            "node before a tree"
        );
        assert!(
            Forest::from_text("tree 0\n0 0.5 0 2 0.1\n").is_err(),
            "cycle"
        );
        assert!(Forest::from_text("tree 0\n99 0.5 1 2 0.1\n- - - - 1\n- - - - 2\n").is_err());
        assert!(
            Forest::from_text("tree 0\n0 0.5 1 2 0.1\n- - - - 1\n").is_err(),
            "missing child"
        );
        assert!(Forest::from_text("tree 0\n- - - - NaN\n").is_err());
        assert_eq!(
            Forest::from_text("").unwrap().score(&[1.0; NUM_FEATURES]),
            0.0
        );
    }

    #[test]
    fn no_pairs_give_an_empty_forest() {
        let qs = vec![vec![judged(0.1, 0.2, 2.0), judged(0.3, 0.1, 2.0)]];
        let f = fit_lambdamart(&qs, &[], ForestOptions::default());
        assert!(f.trees.is_empty());
    }
}
