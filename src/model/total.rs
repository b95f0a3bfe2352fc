//! The interval of a migration's total: the statements' errors are not independent (they
//! run on the same hardware, in the same memory regime, on the same engine), so their sum
//! is drawn with a shared component, in the share the error model measured.

use super::Interval;
use rand::distributions::Distribution;
use rand::rngs::StdRng;
use rand::SeedableRng;
use statrs::distribution::Normal;

/// Monte Carlo draws; the 5% quantile's sampling error is then ~0.2 percentage points.
const DRAWS: usize = 10_000;
const SEED: u64 = 0x00dd_1e7a;
/// The standard normal's 95% quantile: a 90% interval's ends are ±this many deviations.
const Z95: f64 = 1.644_853_626_951_472_2;

/// One statement's predictive distribution as the report states it: its median and 90%
/// interval, spread as a ratio (rows-bound work) or in seconds (metadata work).
#[derive(Debug, Clone)]
pub struct Spread {
    pub interval: Interval,
    pub multiplicative: bool,
    /// The least it can take (its physical floor); draws never go below.
    pub floor: f64,
}

impl Spread {
    /// The value at standard normal deviate `z`: each side of the median scaled to meet
    /// the interval's end at ±1.645.
    fn at(&self, z: f64) -> f64 {
        let Interval {
            seconds_p50: p50,
            seconds_low: low,
            seconds_high: high,
        } = self.interval;
        let value = if self.multiplicative && p50 > 0.0 && low > 0.0 {
            let side = if z < 0.0 {
                (p50 / low).ln()
            } else {
                (high / p50).ln()
            };
            p50 * (z * side / Z95).exp()
        } else {
            let side = if z < 0.0 { p50 - low } else { high - p50 };
            p50 + z * side / Z95
        };
        value.max(self.floor).max(0.0)
    }
}

/// The `level` interval of the sum of the statements. Each draw shares one normal deviate
/// across the statements with weight sqrt(shared) (the error model's `shared`, clamped to
/// [0, 1]): 0 sums independent errors, which partly cancel; 1 moves every statement to
/// the same quantile, so the total's ends are the sums of the ends. Deterministic.
pub fn total_interval(parts: &[Spread], level: f64, shared: f64) -> Interval {
    if parts.is_empty() {
        return Interval {
            seconds_p50: 0.0,
            seconds_low: 0.0,
            seconds_high: 0.0,
        };
    }
    let shared = if shared.is_finite() {
        shared.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let (common, own) = (shared.sqrt(), (1.0 - shared).sqrt());
    let mut rng = StdRng::seed_from_u64(SEED);
    let normal = Normal::standard();
    let mut totals: Vec<f64> = (0..DRAWS)
        .map(|_| {
            let z = normal.sample(&mut rng);
            parts
                .iter()
                .map(|part| {
                    let e = normal.sample(&mut rng);
                    part.at(common * z + own * e)
                })
                .sum()
        })
        .collect();
    totals.sort_by(f64::total_cmp);
    let level = if level.is_nan() {
        0.9
    } else {
        level.clamp(0.0, 0.999)
    };
    let upper = 0.5 + level / 2.0;
    Interval {
        seconds_p50: sorted_quantile(&totals, 0.5),
        seconds_low: sorted_quantile(&totals, 1.0 - upper),
        seconds_high: sorted_quantile(&totals, upper),
    }
}

/// Nearest-rank quantile of sorted, non-empty values.
fn sorted_quantile(sorted: &[f64], p: f64) -> f64 {
    let last = sorted.len().saturating_sub(1);
    let index = ((p * last as f64).round() as usize).min(last);
    sorted.get(index).copied().unwrap_or(0.0).max(0.0)
}
