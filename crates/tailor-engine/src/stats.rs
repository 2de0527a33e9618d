//! The statistics of an A/B test: Wilson intervals and a two-proportion z-test for conversion,
//! a seeded percentile bootstrap for revenue per visitor, and the sample size a test needs.
//! Small and exact enough to need no statistics crate.

/// z for a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;
/// z for 80% power (one-sided).
pub const Z80: f64 = 0.841_621_233_572_914_3;

/// The standard normal CDF, via erfc (W. J. Cody's rational approximation in the form of
/// Numerical Recipes' `erfcc`, relative error below 1.2e-7).
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The Wilson score interval (95%) of `k` successes in `n` trials; `(0, 0)` when `n` is 0.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// A two-proportion z-test (pooled variance), two-sided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZTest {
    /// The statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// 95% interval of the difference of rates (b - a), unpooled.
    pub diff_interval: (f64, f64),
}

/// Tests whether rate `kb/nb` differs from `ka/na`. `None` when either arm is empty or the
/// pooled rate is 0 or 1 (no variance: nothing to test).
pub fn two_proportion(ka: u64, na: u64, kb: u64, nb: u64) -> Option<ZTest> {
    if na == 0 || nb == 0 {
        return None;
    }
    let (pa, pb) = (ka as f64 / na as f64, kb as f64 / nb as f64);
    let pooled = (ka + kb) as f64 / (na + nb) as f64;
    let se = (pooled * (1.0 - pooled) * (1.0 / na as f64 + 1.0 / nb as f64)).sqrt();
    if se == 0.0 {
        return None;
    }
    let z = (pb - pa) / se;
    let se_u = (pa * (1.0 - pa) / na as f64 + pb * (1.0 - pb) / nb as f64).sqrt();
    Some(ZTest {
        z,
        p_value: (2.0 * (1.0 - normal_cdf(z.abs()))).clamp(0.0, 1.0),
        diff_interval: (pb - pa - Z95 * se_u, pb - pa + Z95 * se_u),
    })
}

/// Visitors per arm needed to detect a change of the rate `base` to `base * (1 + lift)` with a
/// two-sided 5% test at 80% power. `None` when the question makes no sense (rate 0 or 1, or no
/// lift).
pub fn sample_size(base: f64, lift: f64) -> Option<u64> {
    let target = base * (1.0 + lift);
    if !(0.0 < base && base < 1.0 && 0.0 < target && target < 1.0) || lift == 0.0 {
        return None;
    }
    let mean = (base + target) / 2.0;
    let num = Z95 * (2.0 * mean * (1.0 - mean)).sqrt()
        + Z80 * (base * (1.0 - base) + target * (1.0 - target)).sqrt();
    Some((num * num / ((target - base) * (target - base))).ceil() as u64)
}

/// A small seeded generator (SplitMix64): the same seed gives the same bootstrap.
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0), by Lemire's multiply-shift (bias below 2^-32 for our n).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

/// Percentile bootstrap of a difference of means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// mean(b) - mean(a).
    pub diff: f64,
    /// 95% interval of it.
    pub interval: (f64, f64),
    /// Share of resamples with a difference of the other sign than `diff` (times two, capped at
    /// 1): a two-sided bootstrap p-value.
    pub p_value: f64,
}

fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// Resamples each group `rounds` times with replacement. `None` if a group is empty.
pub fn bootstrap_diff(a: &[f64], b: &[f64], rounds: usize, seed: u64) -> Option<Bootstrap> {
    if a.is_empty() || b.is_empty() || rounds == 0 {
        return None;
    }
    let mut rng = SplitMix::new(seed);
    let mut diffs = Vec::with_capacity(rounds);
    let resample = |x: &[f64], rng: &mut SplitMix| {
        (0..x.len()).map(|_| x[rng.below(x.len())]).sum::<f64>() / x.len() as f64
    };
    for _ in 0..rounds {
        let ma = resample(a, &mut rng);
        let mb = resample(b, &mut rng);
        diffs.push(mb - ma);
    }
    diffs.sort_by(f64::total_cmp);
    let at = |q: f64| diffs[((q * (rounds - 1) as f64).round() as usize).min(rounds - 1)];
    let diff = mean(b) - mean(a);
    let other_side = diffs
        .iter()
        .filter(|d| if diff >= 0.0 { **d <= 0.0 } else { **d >= 0.0 })
        .count();
    Some(Bootstrap {
        diff,
        interval: (at(0.025), at(0.975)),
        p_value: (2.0 * other_side as f64 / rounds as f64).min(1.0),
    })
}

/// The bootstrap 95% interval of one group's mean.
pub fn bootstrap_mean(x: &[f64], rounds: usize, seed: u64) -> Option<(f64, f64)> {
    if x.is_empty() || rounds == 0 {
        return None;
    }
    let mut rng = SplitMix::new(seed);
    let mut means: Vec<f64> = (0..rounds)
        .map(|_| (0..x.len()).map(|_| x[rng.below(x.len())]).sum::<f64>() / x.len() as f64)
        .collect();
    means.sort_by(f64::total_cmp);
    let at = |q: f64| means[((q * (rounds - 1) as f64).round() as usize).min(rounds - 1)];
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_tables() {
        for (x, want) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746),
            (-1.959_963_985, 0.025),
            (3.0, 0.998_650_102),
        ] {
            assert!((normal_cdf(x) - want).abs() < 1e-6, "{x}");
        }
    }

    #[test]
    fn wilson_interval_known_values() {
        // 10 of 100: (0.0552, 0.1744), as published for the Wilson interval.
        let (lo, hi) = wilson(10, 100);
        assert!(
            (lo - 0.0552).abs() < 1e-4 && (hi - 0.1744).abs() < 1e-4,
            "{lo} {hi}"
        );
        assert_eq!(wilson(0, 0), (0.0, 0.0));
        let (lo, hi) = wilson(0, 20);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.1 && hi < 0.2);
    }

    #[test]
    fn z_test_by_hand() {
        // 200/1000 vs 250/1000: pooled 0.225, se = sqrt(.225*.775*.002) = 0.018675, z = 2.6774.
        let t = two_proportion(200, 1000, 250, 1000).unwrap();
        assert!((t.z - 2.677_4).abs() < 1e-3, "{}", t.z);
        assert!((t.p_value - 0.007_42).abs() < 2e-4, "{}", t.p_value);
        assert!(t.diff_interval.0 > 0.0);
        // Equal rates: z 0, p 1.
        let t = two_proportion(50, 500, 50, 500).unwrap();
        assert!(t.z.abs() < 1e-12 && (t.p_value - 1.0).abs() < 1e-6);
        assert!(two_proportion(0, 10, 0, 10).is_none());
        assert!(two_proportion(1, 0, 0, 10).is_none());
    }

    #[test]
    fn sample_size_by_hand() {
        // 10% to 12%: the textbook answer is 3841 per arm.
        assert_eq!(sample_size(0.10, 0.20), Some(3841));
        assert_eq!(sample_size(0.0, 0.1), None);
        assert_eq!(sample_size(0.5, 0.0), None);
    }

    #[test]
    fn bootstrap_is_seeded_and_sensible() {
        let a: Vec<f64> = (0..200).map(|i| f64::from(i % 10)).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 1.0).collect();
        let x = bootstrap_diff(&a, &b, 1000, 7).unwrap();
        assert_eq!(x, bootstrap_diff(&a, &b, 1000, 7).unwrap());
        assert!((x.diff - 1.0).abs() < 1e-12);
        assert!(x.interval.0 > 0.0 && x.interval.1 > 1.0 && x.interval.0 < 1.0);
        assert!(x.p_value < 0.01);
        let same = bootstrap_diff(&a, &a, 1000, 7).unwrap();
        assert!(same.interval.0 < 0.0 && same.interval.1 > 0.0);
        assert!(same.p_value > 0.5);
        assert!(bootstrap_diff(&[], &a, 10, 1).is_none());
        let (lo, hi) = bootstrap_mean(&a, 1000, 3).unwrap();
        assert!(lo < 4.5 && hi > 4.5);
    }
}
