//! The last stage every session recommender shares: turn candidate scores into the top `n`,
//! with hard filters applied before the cut, plus the small hash maps the scorers accumulate in.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hasher for integer ids. The keys are our own dense ids, never attacker-chosen
/// strings, so SipHash's flood resistance buys nothing and costs a large share of a prediction.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

/// The odd constant of FxHash (rustc): multiplying by it spreads consecutive ids over all bits.
const ID_HASH_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl IdHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(ID_HASH_SEED);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by an integer id.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// An empty [`IdMap`] with room for `capacity` entries.
pub(crate) fn id_map<K, V>(capacity: usize) -> IdMap<K, V> {
    HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default())
}

/// Heap bytes of a hash map: its buckets plus one control byte each (hashbrown's layout).
pub(crate) fn map_bytes<K, V, S>(map: &HashMap<K, V, S>) -> usize {
    map.capacity() * (size_of::<(K, V)>() + 1)
}

/// Best first: higher score, then the lower item id, so equal scores always come out the same way.
pub(crate) fn by_score_then_id(a: &(u32, f32), b: &(u32, f32)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

/// The best `n` of `candidates` that `exclude` lets through, best first.
///
/// Each candidate must appear once. Filtering happens before the cut, so an excluded item never
/// costs the caller a slot. `exclude` (the shop's filters, often the costliest part) is asked
/// only about candidates in score order until `n` pass: a block of the best is cut out and
/// sorted, then the next, twice as large, and so on.
pub(crate) fn top_n(
    candidates: impl IntoIterator<Item = (u32, f32)>,
    n: usize,
    exclude: &dyn Fn(u32) -> bool,
) -> Vec<(u32, f32)> {
    if n == 0 {
        return Vec::new();
    }
    // Each candidate as one integer in the same order as `by_score_then_id`: selecting and
    // sorting plain `u64`s costs a fraction of comparing floats and then ids.
    let mut all: Vec<u64> = candidates
        .into_iter()
        .map(|(item, score)| (u64::from(descending_f32(score)) << 32) | u64::from(item))
        .collect();
    let mut kept = Vec::with_capacity(n.min(all.len()));
    let (mut start, mut block) = (0, n.saturating_mul(2).max(16));
    while kept.len() < n && start < all.len() {
        let end = start.saturating_add(block).min(all.len());
        let rest = &mut all[start..];
        if end < start + rest.len() {
            rest.select_nth_unstable(end - start - 1);
        }
        let best = &mut rest[..end - start];
        best.sort_unstable();
        kept.extend(
            best.iter()
                .map(|&key| {
                    (
                        key as u32,
                        f32::from_bits(ascending_bits_f32(!(key >> 32) as u32)),
                    )
                })
                .filter(|&(item, _)| !exclude(item))
                .take(n - kept.len()),
        );
        start = end;
        block = block.saturating_mul(2);
    }
    kept
}

/// `x`'s bits, mapped so that unsigned order is `f32::total_cmp`'s order, then flipped:
/// ascending integers are descending scores.
pub(crate) fn descending_f32(x: f32) -> u32 {
    let b = x.to_bits();
    !(if b >> 31 == 1 { !b } else { b | (1 << 31) })
}

/// The inverse of the mapping inside [`descending_f32`] (before the flip).
fn ascending_bits_f32(ordered: u32) -> u32 {
    if ordered >> 31 == 1 {
        ordered & !(1 << 31)
    } else {
        !ordered
    }
}

/// `f64` version of [`descending_f32`].
pub(crate) fn descending_f64(x: f64) -> u64 {
    let b = x.to_bits();
    !(if b >> 63 == 1 { !b } else { b | (1 << 63) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_n_orders_by_score_then_id_and_filters_before_the_cut() {
        let cands = [(7, 1.0), (3, 2.0), (5, 1.0), (9, 3.0), (1, 0.5)];
        assert_eq!(
            top_n(cands, 3, &|_| false),
            vec![(9, 3.0), (3, 2.0), (5, 1.0)]
        );
        // Excluding two of the best still returns three.
        assert_eq!(
            top_n(cands, 3, &|i| i == 9 || i == 3),
            vec![(5, 1.0), (7, 1.0), (1, 0.5)]
        );
        assert!(top_n(cands, 0, &|_| false).is_empty());
        // Excluded candidates far down the list are never looked at; many excluded ones at the
        // top make it look further, block by block, and the answer is the same as filtering all.
        let many: Vec<(u32, f32)> = (0..1000).map(|i| (i, (i % 97) as f32)).collect();
        let asked = std::cell::Cell::new(0);
        let got = top_n(many.clone(), 5, &|_| {
            asked.set(asked.get() + 1);
            false
        });
        assert_eq!(got.len(), 5);
        assert!(asked.get() <= 16, "asked about {} candidates", asked.get());
        let odd = |i: u32| i % 97 > 20 || i % 2 == 1;
        let mut want: Vec<(u32, f32)> = many.iter().copied().filter(|&(i, _)| !odd(i)).collect();
        want.sort_unstable_by(by_score_then_id);
        want.truncate(30);
        assert_eq!(top_n(many.clone(), 30, &odd), want);
        assert_eq!(
            top_n(many, 2000, &odd).len(),
            1000 - (0..1000).filter(|&i| odd(i)).count()
        );
        assert_eq!(top_n(cands, 10, &|_| false).len(), 5);
    }

    #[test]
    fn descending_keys_order_like_total_cmp_reversed() {
        let xs = [
            f32::NEG_INFINITY,
            -3.5,
            -0.0,
            0.0,
            f32::MIN_POSITIVE,
            1.0,
            1e30,
            f32::INFINITY,
            f32::NAN,
        ];
        for a in xs {
            for b in xs {
                assert_eq!(
                    descending_f32(a).cmp(&descending_f32(b)),
                    b.total_cmp(&a),
                    "{a} {b}"
                );
                assert_eq!(
                    descending_f64(f64::from(a)).cmp(&descending_f64(f64::from(b))),
                    f64::from(b).total_cmp(&f64::from(a))
                );
            }
            let back = f32::from_bits(ascending_bits_f32(!descending_f32(a)));
            assert_eq!(back.to_bits(), a.to_bits());
        }
    }

    #[test]
    fn id_map_works_as_a_map() {
        let mut m: IdMap<u32, u32> = id_map(4);
        for i in 0..1000 {
            *m.entry(i % 100).or_default() += 1;
        }
        assert_eq!(m.len(), 100);
        assert!(m.values().all(|&v| v == 10));
        assert!(map_bytes(&m) >= 100 * 9);
    }
}
