//! Seeded randomness for both generators. Each purpose (one catalog leaf, one shopper's tastes, one shopper's
//! behaviour) draws from its own ChaCha8 stream, so tuning one leaf or shopper does not reshuffle the rest,
//! and the helpers below depend only on ChaCha's fixed output, never on a `rand` version's sampling code.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a stream feeds; mixed into its key so that no two purposes ever share a stream.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    /// One catalog leaf (index = leaf position).
    Catalog = 1,
    /// One shopper's hidden tastes (index = shopper position).
    Tastes = 2,
    /// One shopper's behaviour over the simulated days.
    Behaviour = 3,
}

/// 2^-53: turns the top 53 bits of a `u64` into a uniform `f64` in [0, 1).
const UNIT_SCALE: f64 = 1.0 / (1u64 << 53) as f64;

/// SplitMix64: spreads a seed's bits so that neighbouring seeds give unrelated keys.
fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic source of the few kinds of randomness the generators need.
pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    /// The stream for `purpose` number `index` under `seed`.
    pub(crate) fn new(seed: u64, purpose: Stream, index: u64) -> Self {
        let mut state = splitmix(splitmix(splitmix(seed) ^ purpose as u64) ^ index);
        let mut key = [0u8; 32];
        for chunk in key.chunks_exact_mut(8) {
            state = splitmix(state);
            chunk.copy_from_slice(&state.to_le_bytes());
        }
        Self(ChaCha8Rng::from_seed(key))
    }

    /// Uniform in [0, 1).
    pub(crate) fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * UNIT_SCALE
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform in [0, n); 0 when `n` is 0. Multiply-shift: the bias is below 2^-32 for any n we use.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.0.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in [lo, hi] (inclusive).
    pub(crate) fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// Uniform in [lo, hi).
    pub(crate) fn real(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An index drawn in proportion to `weights`; `None` when none is positive.
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> Option<usize> {
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        if total <= 0.0 || !total.is_finite() {
            return None;
        }
        let mut left = self.unit() * total;
        let mut last = None;
        for (i, w) in weights.iter().enumerate() {
            if *w > 0.0 {
                last = Some(i);
                if left < *w {
                    return Some(i);
                }
                left -= w;
            }
        }
        // Rounding can leave a sliver past the last positive weight.
        last
    }

    /// Exponentially distributed with the given mean (waiting times between independent events).
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }

    /// Normally distributed (Box-Muller).
    pub(crate) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normally distributed around `median` (multiplicative spread, e.g. how often people shop).
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * self.normal(0.0, sigma).exp()
    }

    /// Number of successes before the first failure, each succeeding with probability `p`; capped at `max`.
    pub(crate) fn geometric(&mut self, p: f64, max: usize) -> usize {
        let mut n = 0;
        while n < max && self.chance(p) {
            n += 1;
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let draw = |seed, s, i| {
            let mut d = Dice::new(seed, s, i);
            (0..4).map(|_| d.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(1, Stream::Catalog, 0), draw(1, Stream::Catalog, 0));
        assert_ne!(draw(1, Stream::Catalog, 0), draw(1, Stream::Catalog, 1));
        assert_ne!(draw(1, Stream::Catalog, 0), draw(1, Stream::Tastes, 0));
        assert_ne!(draw(1, Stream::Catalog, 0), draw(2, Stream::Catalog, 0));
    }

    #[test]
    fn helpers_stay_in_range() {
        let mut d = Dice::new(9, Stream::Behaviour, 0);
        for _ in 0..1000 {
            assert!((0.0..1.0).contains(&d.unit()));
            assert!(d.below(7) < 7);
            assert!((3..=5).contains(&d.between(3, 5)));
            assert_eq!(d.weighted(&[0.0, 2.0, 0.0]), Some(1));
            assert!(d.exponential(2.0) >= 0.0);
        }
        assert_eq!(d.weighted(&[0.0, -1.0]), None);
        assert_eq!(d.below(0), 0);
    }
}
