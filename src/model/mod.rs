//! Growth-law fits for migration timings: seconds measured at a ladder of small
//! row counts are fitted with a few laws, one is chosen by leave-one-out error, and
//! the winner extrapolates to production size with a prediction interval and draws.

use anyhow::{bail, Result};
use rand::distributions::Distribution;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::{ContinuousCDF, StudentsT};

pub mod blocking;
mod line;
use line::{fit_line, Line};

/// Growth law of seconds in rows, from simplest to most flexible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    Constant,
    Linear,
    Nlogn,
    Power,
}

impl ModelKind {
    /// Simplicity order: ties in leave-one-out error go to the earlier kind.
    pub const ALL: [ModelKind; 4] = [
        ModelKind::Constant,
        ModelKind::Linear,
        ModelKind::Nlogn,
        ModelKind::Power,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ModelKind::Constant => "constant",
            ModelKind::Linear => "linear",
            ModelKind::Nlogn => "nlogn",
            ModelKind::Power => "power",
        }
    }

    /// The regressor each law is linear in.
    fn regressor(self, rows: f64) -> f64 {
        match self {
            ModelKind::Constant => 0.0,
            ModelKind::Linear => rows,
            // Below one row n·ln n goes negative, which no timing does.
            ModelKind::Nlogn if rows > 1.0 => rows * rows.ln(),
            ModelKind::Nlogn => 0.0,
            ModelKind::Power => rows.ln(),
        }
    }

    /// Power is fitted in log seconds so its noise is multiplicative.
    fn in_log_space(self) -> bool {
        self == ModelKind::Power
    }
}

/// One timing: `seconds` to run the statement on a table of `rows` rows.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub rows: f64,
    pub seconds: f64,
}

/// A two-sided prediction interval in seconds; `seconds_p50` is the median.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    pub seconds_p50: f64,
    pub seconds_low: f64,
    pub seconds_high: f64,
}

/// A fitted growth law that can predict, bound and sample seconds at any row count.
#[derive(Debug, Clone)]
pub struct Fit {
    pub kind: ModelKind,
    /// Mean absolute relative error of leave-one-out predictions (0.1 = 10%).
    /// It is 0 when it cannot be computed, i.e. with fewer than 3 points.
    pub loo_error: f64,
    /// Coefficients: constant `[c]` (y = c); linear `[a, b]` (y = a + b·n);
    /// nlogn `[a, b]` (y = a + b·n·ln n); power `[a, k]` (y = a·n^k).
    pub params: Vec<f64>,
    /// Every admissible kind with its leave-one-out error (just the forced kind
    /// when one is forced). Kinds that could not be fitted or had a negative
    /// slope are absent.
    pub candidates: Vec<(ModelKind, f64)>,
    /// Points that entered the fit.
    pub points_used: usize,
    /// Points ignored as unusable (non-finite, negative seconds, rows <= 0).
    pub points_dropped: usize,
    line: Line,
    /// The chosen law first, then the others the points do not rule out.
    alternatives: Vec<(ModelKind, Line)>,
    /// For work on every row: the largest scale's rows and median seconds. Beyond it the
    /// prediction never falls below proportional growth from there, since the cost per
    /// row does not shrink as a table grows (deeper B-trees, more cache misses).
    proportional_from: Option<(f64, f64)>,
    relative_noise_floor: f64,
}

/// Knobs for [`fit`].
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// Use this kind without choosing (e.g. `Constant` for an INSTANT operation).
    pub force: Option<ModelKind>,
    /// Lower bound on the prediction standard error as a fraction of the
    /// prediction, so points that happen to fit perfectly still get an honest
    /// width. Callers pass `max(default, repeat_noise(points))`.
    pub min_relative_noise: f64,
    /// The operation reads or rewrites every row (a COPY, a rebuild, an index build):
    /// leave the constant out of the choice unless nothing else fits.
    pub grows_with_rows: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            force: None,
            min_relative_noise: 0.05,
            grows_with_rows: false,
        }
    }
}

/// Leave-one-out errors closer than this (absolute, as a fraction) are ties:
/// timing noise is 5-20%, so a 1% difference in mean relative error says
/// nothing, and on exact data both errors are rounding noise (~1e-16) whose
/// ratio is meaningless.
const LOO_TIE_ABSOLUTE: f64 = 0.01;
/// ...and so are errors within 10% of the best one. The simpler law wins a tie
/// because the flexible laws bend harder outside the ladder (a power law's
/// exponent error compounds over a 100x extrapolation), so they must earn it.
const LOO_TIE_RELATIVE: f64 = 0.10;
/// Denominator floor for relative errors: timings below a millisecond are
/// below timer resolution, and a 0-second point must not divide by zero.
const SECONDS_RESOLUTION: f64 = 1e-3;
/// Monte Carlo draws in [`total_interval`]; the 5% quantile's sampling error
/// is then ~0.2 percentage points of probability.
const TOTAL_DRAWS: usize = 10_000;
const TOTAL_SEED: u64 = 0x00dd_1e7a;
/// Leave-one-out error (absolute) within which a law counts as plausible beside the best.
const PLAUSIBLE_MARGIN: f64 = 0.05;

/// Fit every model kind, choose by leave-one-out error. `force` (e.g. Constant
/// for an INSTANT operation) skips the choice.
///
/// Unusable points (NaN/infinite values, negative seconds, rows <= 0) are
/// dropped and counted in `points_dropped`; fewer than 2 usable points is an
/// error. The power law needs `ln(seconds)`, so when any point took 0 seconds
/// it is not a candidate (forcing it is an error) rather than silently
/// clamping those points: a 0-second point means the operation is instant-like,
/// which the other laws describe.
///
/// With only 2 points no leave-one-out error exists, every kind ties at 0 and
/// the constant wins unless a kind is forced: two points cannot tell laws apart.
pub fn fit(points: &[Point], options: &FitOptions) -> Result<Fit> {
    let usable: Vec<Point> = points.iter().copied().filter(is_usable).collect();
    let dropped = points.len() - usable.len();
    if usable.len() < 2 {
        bail!(
            "need at least 2 usable timings to fit a model, got {} ({} dropped as invalid)",
            usable.len(),
            dropped
        );
    }
    let kinds: Vec<ModelKind> = match options.force {
        Some(kind) => vec![kind],
        // Known to touch every row: a flat line through noisy small timings is wrong,
        // and n·log n comes first on a tie, since a rebuild or an index build inserts
        // into or sorts a B-tree (the accuracy benchmark measured 12x the time for 10x
        // the rows on such statements, which a straight line underestimates).
        None if options.grows_with_rows => {
            vec![ModelKind::Nlogn, ModelKind::Linear, ModelKind::Power]
        }
        None => ModelKind::ALL.to_vec(),
    };
    let mut fitted: Vec<(ModelKind, Line, f64)> = Vec::new();
    for kind in kinds {
        match admissible_line(kind, &usable, options.grows_with_rows) {
            Ok(line) => fitted.push((kind, line, loo_error(kind, &usable))),
            Err(why) if options.force.is_some() => {
                bail!("cannot fit forced {} model: {why}", kind.as_str())
            }
            Err(_) => {}
        }
    }
    if fitted.is_empty() && options.grows_with_rows {
        // Every growing law had time falling with rows: noise wins, say so with a constant.
        let constant = FitOptions {
            force: Some(ModelKind::Constant),
            ..options.clone()
        };
        return fit(points, &constant);
    }
    let chosen = choose(&fitted)
        .ok_or_else(|| anyhow::anyhow!("no model kind could be fitted to the timings"))?;
    let (kind, line, loo) = fitted[chosen];
    let alternatives = plausible(&fitted, chosen);
    Ok(Fit {
        kind,
        loo_error: loo,
        params: params_of(kind, &line),
        candidates: fitted.iter().map(|&(k, _, e)| (k, e)).collect(),
        points_used: usable.len(),
        points_dropped: dropped,
        line,
        alternatives,
        proportional_from: options
            .grows_with_rows
            .then(|| largest_scale_median(&usable))
            .flatten(),
        // The leave-one-out error is a measured prediction error: an interval narrower
        // than it would claim more than the points support (a knee in the ladder, say).
        relative_noise_floor: finite_non_negative(options.min_relative_noise.max(loo)),
    })
}

/// The laws the points do not rule out: leave-one-out errors within twice the best (or
/// five points of it). They disagree most where it matters, far beyond the ladder, so the
/// interval spans all of them: the uncertainty of the law, not only of its coefficients.
fn plausible(fitted: &[(ModelKind, Line, f64)], chosen: usize) -> Vec<(ModelKind, Line)> {
    // A flat law chosen means the points show no growth: nothing to hedge between.
    if fitted
        .get(chosen)
        .is_some_and(|f| f.0 == ModelKind::Constant)
    {
        return fitted
            .get(chosen)
            .map(|&(kind, line, _)| vec![(kind, line)])
            .unwrap_or_default();
    }
    let best = fitted.get(chosen).map_or(0.0, |f| f.2);
    let limit = (2.0 * best).max(best + PLAUSIBLE_MARGIN);
    let mut alternatives: Vec<(ModelKind, Line)> = fitted
        .get(chosen)
        .map(|&(kind, line, _)| (kind, line))
        .into_iter()
        .collect();
    alternatives.extend(
        fitted
            .iter()
            .enumerate()
            .filter(|&(i, f)| i != chosen && f.0 != ModelKind::Constant && f.2 <= limit)
            .map(|(_, &(kind, line, _))| (kind, line)),
    );
    alternatives
}

/// Rows and median seconds of the largest scale measured.
fn largest_scale_median(points: &[Point]) -> Option<(f64, f64)> {
    let top = points.iter().map(|p| p.rows).fold(f64::NAN, f64::max);
    let mut seconds: Vec<f64> = points
        .iter()
        .filter(|p| p.rows == top)
        .map(|p| p.seconds)
        .collect();
    seconds.sort_by(f64::total_cmp);
    let median = *seconds.get(seconds.len() / 2)?;
    (top.is_finite() && top > 0.0).then_some((top, median))
}

fn is_usable(p: &Point) -> bool {
    p.rows.is_finite() && p.rows > 0.0 && p.seconds.is_finite() && p.seconds >= 0.0
}

/// Fit `kind` and reject it when its shape is impossible for a timing.
fn admissible_line(
    kind: ModelKind,
    points: &[Point],
    grows_with_rows: bool,
) -> Result<Line, &'static str> {
    if kind.in_log_space() && points.iter().any(|p| p.seconds <= 0.0) {
        return Err("a timing of 0 seconds has no logarithm");
    }
    let line = fit_line(kind, points).ok_or("all timings are at the same row count")?;
    // More rows never take less time; a negative slope is noise, and
    // extrapolating it 100x would predict negative or vanishing durations.
    if line.slope < 0.0 {
        return Err("time decreases with rows");
    }
    // Work on every row is at least linear in the rows; an exponent below one is the
    // small scales' fixed costs, which would shrink the extrapolation.
    if grows_with_rows && kind == ModelKind::Power && line.slope < 1.0 {
        return Err("a law below linear for work on every row");
    }
    Ok(line)
}

/// Index of the lowest leave-one-out error, preferring simpler kinds within the tie band.
fn choose(fitted: &[(ModelKind, Line, f64)]) -> Option<usize> {
    let best = fitted.iter().map(|f| f.2).min_by(f64::total_cmp)?;
    let band = best + (LOO_TIE_RELATIVE * best).max(LOO_TIE_ABSOLUTE);
    // `fitted` is in simplicity order, so the first one inside the band wins.
    fitted.iter().position(|f| f.2 <= band)
}

fn params_of(kind: ModelKind, line: &Line) -> Vec<f64> {
    match kind {
        ModelKind::Constant => vec![line.intercept],
        ModelKind::Linear | ModelKind::Nlogn => vec![line.intercept, line.slope],
        ModelKind::Power => vec![line.intercept.exp(), line.slope],
    }
}

/// Mean absolute relative error predicting each point from all the others;
/// 0 with fewer than 3 points (a 1-point fit predicts nothing). Folds that
/// cannot be fitted (removing the only point at a second row count) are skipped.
fn loo_error(kind: ModelKind, points: &[Point]) -> f64 {
    if points.len() < 3 {
        return 0.0;
    }
    let mut rest = Vec::with_capacity(points.len() - 1);
    let (mut sum, mut folds) = (0.0, 0usize);
    for (i, held_out) in points.iter().enumerate() {
        rest.clear();
        rest.extend(
            points
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, p)| *p),
        );
        if let Some(line) = fit_line(kind, &rest) {
            let predicted = line.median_seconds(kind, held_out.rows);
            sum += (predicted - held_out.seconds).abs() / held_out.seconds.max(SECONDS_RESOLUTION);
            folds += 1;
        }
    }
    if folds == 0 {
        0.0
    } else {
        finite_non_negative(sum / folds as f64)
    }
}

/// Back from the fitted space to seconds, clipped at 0 (seconds are never negative).
fn to_seconds(kind: ModelKind, z: f64) -> f64 {
    let seconds = if kind.in_log_space() { z.exp() } else { z };
    finite_non_negative(seconds)
}

/// NaN and negatives become 0 so they never escape; +inf (an absurd
/// extrapolation) is left as is.
fn finite_non_negative(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// Rows that are not a finite non-negative number are treated as 0.
fn sane_rows(rows: f64) -> f64 {
    if rows.is_finite() && rows > 0.0 {
        rows
    } else {
        0.0
    }
}

/// The predictive distribution at one row count: `centre + scale·T(df)` in
/// the fitted space.
#[derive(Debug, Clone, Copy)]
struct Predictive {
    kind: ModelKind,
    centre: f64,
    scale: f64,
    t: StudentsT,
}

impl Predictive {
    fn quantile(&self, p: f64) -> f64 {
        to_seconds(self.kind, self.centre + self.scale * self.t.inverse_cdf(p))
    }
}

impl Fit {
    /// Point prediction in seconds (the median of the predictive distribution).
    pub fn predict(&self, rows: f64) -> f64 {
        let rows = sane_rows(rows);
        self.line.median_seconds(self.kind, rows) * self.proportional_lift(rows)
    }

    /// How much the fitted law must be raised at `rows` to reach proportional growth from
    /// the largest scale (1 where it already does, or for other work).
    fn proportional_lift(&self, rows: f64) -> f64 {
        let Some((top_rows, top_seconds)) = self.proportional_from else {
            return 1.0;
        };
        let fitted = self.line.median_seconds(self.kind, rows);
        if rows <= top_rows || fitted <= 0.0 {
            return 1.0;
        }
        (top_seconds * rows / top_rows / fitted).max(1.0)
    }

    /// Two-sided prediction interval, e.g. level 0.9 -> 5%..95%. A level
    /// outside [0, 0.999] is clamped into it, NaN means 0.9.
    /// The ends span every plausible law's own interval; the median is the chosen law's.
    pub fn interval(&self, rows: f64, level: f64) -> Interval {
        let upper = upper_probability(level);
        let mut low = f64::INFINITY;
        let mut high: f64 = 0.0;
        for predictive in self.predictives(rows) {
            low = low.min(predictive.quantile(1.0 - upper));
            high = high.max(predictive.quantile(upper));
        }
        let lift = self.proportional_lift(sane_rows(rows));
        let p50 = self.predict(rows);
        Interval {
            seconds_p50: p50,
            seconds_low: if low.is_finite() { low.min(p50) } else { p50 },
            seconds_high: (high * lift).max(p50),
        }
    }

    /// One draw from the predictive distribution at `rows` (never negative).
    pub fn sample(&self, rows: f64, rng: &mut impl Rng) -> f64 {
        self.split(rows).draw(rng)
    }

    /// The distribution draws come from: the chosen law's median, with each side of a
    /// Student t stretched to the reported 90% interval (which spans every plausible
    /// law). Its median and 90% interval are the report's, so a total built from draws
    /// agrees with the statements it sums.
    fn split(&self, rows: f64) -> SplitT {
        let interval = self.interval(rows, SPLIT_LEVEL);
        let t = unit_t(self.line.df.max(1) as f64);
        let q = t
            .inverse_cdf(upper_probability(SPLIT_LEVEL))
            .max(f64::MIN_POSITIVE);
        SplitT {
            median: interval.seconds_p50,
            below: (interval.seconds_p50 - interval.seconds_low) / q,
            above: (interval.seconds_high - interval.seconds_p50) / q,
            t,
        }
    }

    fn predictives(&self, rows: f64) -> Vec<Predictive> {
        if self.alternatives.is_empty() {
            return vec![self.predictive(rows)];
        }
        self.alternatives
            .iter()
            .map(|(kind, line)| self.predictive_of(*kind, line, rows))
            .collect()
    }

    /// Student t around the prediction with the prediction standard error
    /// `s·sqrt(1 + 1/m + (x0 - x̄)²/Sxx)`, floored at `min_relative_noise` of the
    /// prediction (in log space that fraction is used directly: d ln y = dy/y).
    ///
    /// With no residual degrees of freedom (2 points for a line) `s` is
    /// unknown, so the floor alone sets the scale and the t has 1 degree of
    /// freedom (a Cauchy, very wide tails) to say how little we know.
    fn predictive(&self, rows: f64) -> Predictive {
        self.predictive_of(self.kind, &self.line, rows)
    }

    fn predictive_of(&self, kind: ModelKind, line: &Line, rows: f64) -> Predictive {
        let rows = sane_rows(rows);
        let centre = line.centre(kind, rows);
        let model_se = line.residual_sd * line.new_observation_factor(kind, rows).sqrt();
        let floor = if kind.in_log_space() {
            self.relative_noise_floor
        } else {
            self.relative_noise_floor * centre.abs()
        };
        let scale = finite_non_negative(model_se.max(floor));
        let df = line.df.max(1) as f64;
        Predictive {
            kind,
            centre,
            scale,
            t: unit_t(df),
        }
    }
}

/// The interval a `SplitT` is fitted to.
const SPLIT_LEVEL: f64 = 0.9;

struct SplitT {
    median: f64,
    below: f64,
    above: f64,
    t: StudentsT,
}

impl SplitT {
    fn draw(&self, rng: &mut impl Rng) -> f64 {
        let u = self.t.sample(rng);
        let side = if u < 0.0 { self.below } else { self.above };
        finite_non_negative(self.median + u * side)
    }
}

fn unit_t(df: f64) -> StudentsT {
    // df >= 1 here, so this cannot fail; Cauchy is the honest fallback anyway.
    StudentsT::new(0.0, 1.0, df).unwrap_or_else(|_| cauchy())
}

fn cauchy() -> StudentsT {
    StudentsT::new(0.0, 1.0, 1.0).expect("Student t with 1 degree of freedom is valid")
}

/// Upper quantile probability of a central interval of `level`.
fn upper_probability(level: f64) -> f64 {
    let level = if level.is_nan() {
        0.9
    } else {
        level.clamp(0.0, 0.999)
    };
    0.5 + level / 2.0
}

/// 90% (level) interval of the SUM of several predictions, by Monte Carlo:
/// draw each fit's predictive distribution at its own rows, sum, take
/// quantiles. Deterministic (seeded StdRng) so output is stable. Not the sum of
/// the ends: independent errors partly cancel, so the total is narrower.
pub fn total_interval(parts: &[(&Fit, f64)], level: f64) -> Interval {
    if parts.is_empty() {
        return Interval {
            seconds_p50: 0.0,
            seconds_low: 0.0,
            seconds_high: 0.0,
        };
    }
    let splits: Vec<SplitT> = parts.iter().map(|(fit, rows)| fit.split(*rows)).collect();
    let mut rng = StdRng::seed_from_u64(TOTAL_SEED);
    let mut totals: Vec<f64> = (0..TOTAL_DRAWS)
        .map(|_| splits.iter().map(|s| s.draw(&mut rng)).sum())
        .collect();
    totals.sort_by(f64::total_cmp);
    let upper = upper_probability(level);
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
    sorted.get(index).copied().map_or(0.0, finite_non_negative)
}

/// The noise seen between repeats at the same scale: median over scales with
/// >=2 points of (max-min)/mean; 0 with no repeats.
pub fn repeat_noise(points: &[Point]) -> f64 {
    let mut usable: Vec<Point> = points.iter().copied().filter(is_usable).collect();
    usable.sort_by(|a, b| a.rows.total_cmp(&b.rows));
    let mut spreads: Vec<f64> = usable
        .chunk_by(|a, b| a.rows == b.rows)
        .filter(|group| group.len() >= 2)
        .filter_map(relative_spread)
        .collect();
    spreads.sort_by(f64::total_cmp);
    median_of_sorted(&spreads)
}

fn relative_spread(group: &[Point]) -> Option<f64> {
    let (lo, hi) = group
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.seconds), hi.max(p.seconds))
        });
    let mean = group.iter().map(|p| p.seconds).sum::<f64>() / group.len() as f64;
    (mean > 0.0).then(|| (hi - lo) / mean)
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests;
