//! Growth-law fits for migration timings: seconds measured at a ladder of small
//! row counts are fitted with a few laws, one is chosen by leave-one-out error, and
//! the winner extrapolates to production size; the interval around it is the error the
//! accuracy benchmark measured at that distance (`calibration`), never narrower than the
//! fit's own uncertainty, and never below what the ladder's fastest rows physically allow.

use anyhow::{bail, Result};
use statrs::distribution::{ContinuousCDF, StudentsT};

pub mod blocking;
pub mod calibration;
mod line;
mod total;

pub use calibration::{
    error_model, error_model_for, ErrorModel, ErrorQuantiles, InputMode, ModelStatus,
    OperationClass,
};
use line::{fit_line, Line};
pub use total::{total_interval, Spread};
mod support;
use support::*;

/// The level of every interval ddl-eta prints: 90%, the 5th to the 95th percentile.
pub const INTERVAL: f64 = 0.9;

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

impl Interval {
    /// The interval with the hardware term added: a ratio whose 90% range is `ratio`
    /// either way, independent of the rest, so each side's log distance from the median
    /// adds in quadrature with ln(ratio). A low end at 0 stays at 0.
    pub fn with_hardware(&self, ratio: f64) -> Interval {
        let h = ratio.max(1.0).ln();
        let p50 = self.seconds_p50;
        if h == 0.0 || p50 <= 0.0 {
            return self.clone();
        }
        let low = if self.seconds_low > 0.0 {
            let side = (p50 / self.seconds_low).ln().max(0.0);
            p50 * (-(side * side + h * h).sqrt()).exp()
        } else {
            0.0
        };
        let side = (self.seconds_high.max(p50) / p50).ln();
        Interval {
            seconds_p50: p50,
            seconds_low: low,
            seconds_high: p50 * (side * side + h * h).sqrt().exp(),
        }
    }
}

/// How the point at production's rows was made, for the report to say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtrapolationRule {
    /// Production's rows are within the ladder: the fitted law.
    WithinLadder,
    /// Work on rows beyond the ladder: the largest scale's median grown as n·log n.
    NlognFromLargest,
    /// Metadata work: the fitted law (a constant, as a rule).
    Law,
}

/// The extrapolation in numbers: its rule, the scale it started from and the measured
/// bias that moved the point.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Extrapolation {
    pub rule: ExtrapolationRule,
    /// Rows of the scale the point grows from (the largest measured).
    pub from_rows: u64,
    /// Runs at that scale whose median it grows.
    pub runs: usize,
    /// The factor the measured errors' centre moved the point by (1: none; metadata).
    pub bias: f64,
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
    /// For work on every row: the fewest seconds per row measured on the ladder's top two
    /// scales (net of the fixed cost). No table does the same work faster per row when it
    /// is larger, so this times the rows is the physical floor of any prediction.
    fastest_per_row: Option<f64>,
    /// The largest row count measured: production's distance from the ladder is the
    /// target over this.
    pub largest_rows: f64,
    /// For work on every row: the largest scale's rows and median seconds. Beyond it the
    /// prediction is that time grown as n·log n (see [`Fit::predict`]).
    anchor: Option<(f64, f64)>,
    /// Runs at the largest scale.
    top_runs: usize,
    /// The calibration run's rows, where the diagnostics left it out.
    calibration_left_out: Option<f64>,
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
/// The top scales whose per-row cost bounds the low end.
const FLOOR_SCALES: usize = 2;
/// Denominator floor for relative errors: timings below a millisecond are
/// below timer resolution, and a 0-second point must not divide by zero.
const SECONDS_RESOLUTION: f64 = 1e-3;

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
    Ok(Fit {
        kind,
        loo_error: loo,
        params: params_of(kind, &line),
        candidates: fitted.iter().map(|&(k, _, e)| (k, e)).collect(),
        points_used: usable.len(),
        points_dropped: dropped,
        line,
        fastest_per_row: options
            .grows_with_rows
            .then(|| fastest_per_row(&usable))
            .flatten(),
        largest_rows: usable.iter().map(|p| p.rows).fold(0.0, f64::max),
        anchor: options
            .grows_with_rows
            .then(|| largest_scale_median(&usable))
            .flatten(),
        top_runs: {
            let top = usable.iter().map(|p| p.rows).fold(0.0, f64::max);
            usable.iter().filter(|p| p.rows == top).count()
        },
        calibration_left_out: None,
        // The leave-one-out error is a measured prediction error: an interval narrower
        // than it would claim more than the points support (a knee in the ladder, say).
        relative_noise_floor: finite_non_negative(options.min_relative_noise.max(loo)),
    })
}

/// The fewest seconds per row among the points of the top scales, counted from the
/// smallest scale (median): the fixed cost every run pays (opening the table, the
/// metadata, the sandbox's overhead) is in both and cancels, so only the work on rows
/// remains, which no larger table does faster per row.
fn fastest_per_row(points: &[Point]) -> Option<f64> {
    let mut scales: Vec<f64> = points.iter().map(|p| p.rows).collect();
    scales.sort_by(|a, b| b.total_cmp(a));
    scales.dedup();
    let smallest = *scales.last()?;
    let lowest_top = *scales.get(FLOOR_SCALES - 1)?;
    if lowest_top <= smallest {
        return None;
    }
    let mut base: Vec<f64> = points
        .iter()
        .filter(|p| p.rows == smallest)
        .map(|p| p.seconds)
        .collect();
    base.sort_by(f64::total_cmp);
    let base_seconds = median_of_sorted(&base);
    points
        .iter()
        .filter(|p| p.rows >= lowest_top)
        .map(|p| (p.seconds - base_seconds) / (p.rows - smallest))
        .reduce(f64::min)
        .filter(|per_row| *per_row > 0.0)
}

/// The fit for one statement as `estimate` makes it: `instant`, an INSTANT change, costs
/// its metadata lock and is a constant; `grows_with_rows`, work that reads or rewrites
/// every row, never extrapolates flat. The noise floor is the repeats' spread.
pub fn statement_fit(points: &[Point], instant: bool, grows_with_rows: bool) -> Result<Fit> {
    let options = FitOptions {
        force: instant.then_some(ModelKind::Constant),
        min_relative_noise: repeat_noise(points).max(FitOptions::default().min_relative_noise),
        grows_with_rows,
    };
    let mut fit = fit(points, &options)?;
    // A ladder that grows is work on rows whatever the server called it (a NOCOPY
    // character-set conversion rewrites every row): extrapolate it as such.
    if !instant && !grows_with_rows && fit.kind != ModelKind::Constant {
        return statement_fit(points, false, true);
    }
    fit.leave_calibration_out(points, options.min_relative_noise);
    Ok(fit)
}

/// The smallest scale of an estimate's ladder is its calibration run (10k rows or less,
/// run first to measure the costs): its fixed costs are most of its time, so predicting
/// it from the larger scales misses by a wide margin that says nothing about the
/// prediction at production's size. Fit diagnostics leave it out.
fn calibration_rows(points: &[Point]) -> Option<f64> {
    let usable: Vec<&Point> = points.iter().filter(|p| is_usable(p)).collect();
    let smallest = usable.iter().map(|p| p.rows).fold(f64::INFINITY, f64::min);
    let above = usable.iter().filter(|p| p.rows > smallest).count();
    (smallest.is_finite() && above > 0).then_some(smallest)
}

/// Rows and median seconds of the largest scale measured (the mean of the middle two for
/// an even count: two repeats at the top are both evidence).
fn largest_scale_median(points: &[Point]) -> Option<(f64, f64)> {
    let top = points.iter().map(|p| p.rows).fold(f64::NAN, f64::max);
    let mut seconds: Vec<f64> = points
        .iter()
        .filter(|p| p.rows == top)
        .map(|p| p.seconds)
        .collect();
    if seconds.is_empty() {
        return None;
    }
    seconds.sort_by(f64::total_cmp);
    let median = median_of_sorted(&seconds);
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
    /// Whether the fit extrapolates as work on every row (anchored at the largest scale),
    /// as a refit does when its ladder grows, even where the law it settled on is the
    /// constant (every growing law had time falling with rows).
    pub fn works_on_rows(&self) -> bool {
        self.anchor.is_some()
    }

    /// The fit's own error (`loo_error`, and the interval floor made from it) measured on
    /// the points above the calibration run: the chosen law's leave-one-out error over
    /// them, 0 with fewer than three.
    fn leave_calibration_out(&mut self, points: &[Point], min_relative_noise: f64) {
        let Some(smallest) = calibration_rows(points) else {
            return;
        };
        let rest: Vec<Point> = points
            .iter()
            .copied()
            .filter(|p| is_usable(p) && p.rows > smallest)
            .collect();
        let loo = if rest.len() >= 3 {
            loo_error(self.kind, &rest)
        } else {
            0.0
        };
        self.loo_error = loo;
        self.calibration_left_out = Some(smallest);
        self.relative_noise_floor = finite_non_negative(min_relative_noise.max(loo));
    }

    /// Rows of the calibration run the diagnostics left out (None: none was).
    pub fn calibration_left_out(&self) -> Option<f64> {
        self.calibration_left_out
    }

    /// How the point at `rows` is made, with `errors`' bias on it.
    pub fn extrapolation(
        &self,
        rows: f64,
        class: OperationClass,
        errors: &ErrorQuantiles,
    ) -> Extrapolation {
        match self.anchor {
            Some((top, _)) if sane_rows(rows) > top && class.rows_bound() => Extrapolation {
                rule: ExtrapolationRule::NlognFromLargest,
                from_rows: top.round() as u64,
                runs: self.top_runs.max(1),
                bias: errors.centre().exp(),
            },
            _ => Extrapolation {
                rule: if sane_rows(rows) <= self.largest_rows {
                    ExtrapolationRule::WithinLadder
                } else {
                    ExtrapolationRule::Law
                },
                from_rows: self.largest_rows.round() as u64,
                runs: self.top_runs.max(1),
                bias: if class.rows_bound() {
                    errors.centre().exp()
                } else {
                    1.0
                },
            },
        }
    }

    /// Point prediction in seconds: the fitted law within the ladder. Beyond it, work on
    /// every row is the largest scale's median time grown as n·log n: the largest scale
    /// decides the extrapolation, since a law fitted through the small scales' fixed costs
    /// and noise bends the wrong way 10-30x out, and n·log n is how a sort or a B-tree
    /// that grows with the table costs per row (on the accuracy benchmark's tuning cases
    /// its median error was 11-12% against 13-19% for the chosen law, p90 24% against
    /// 41% at 30x; docs/accuracy.md).
    pub fn predict(&self, rows: f64) -> f64 {
        let rows = sane_rows(rows);
        self.line.median_seconds(self.kind, rows) * self.anchored_lift(rows)
    }

    /// The factor that takes the fitted law at `rows` to the anchored n·log n growth from
    /// the largest scale (1 within the ladder, or for other work).
    fn anchored_lift(&self, rows: f64) -> f64 {
        let Some((top_rows, top_seconds)) = self.anchor else {
            return 1.0;
        };
        let fitted = self.line.median_seconds(self.kind, rows);
        if rows <= top_rows || fitted <= 0.0 || top_rows <= 1.0 {
            return 1.0;
        }
        let anchored = top_seconds * (rows * rows.ln()) / (top_rows * top_rows.ln());
        let lift = anchored / fitted;
        if lift.is_finite() && lift > 0.0 {
            lift
        } else {
            1.0
        }
    }

    /// The fit's own two-sided prediction interval (the chosen law's coefficients and
    /// residuals; e.g. level 0.9 -> 5%..95%). A level outside [0, 0.999] is clamped into
    /// it, NaN means 0.9. [`Fit::calibrated_interval`] is the one reports show.
    pub fn interval(&self, rows: f64, level: f64) -> Interval {
        let upper = upper_probability(level);
        let predictive = self.predictive(rows);
        let low = predictive.quantile(1.0 - upper);
        let high = predictive.quantile(upper);
        let lift = self.anchored_lift(sane_rows(rows));
        let p50 = self.predict(rows);
        Interval {
            seconds_p50: p50,
            seconds_low: if low.is_finite() { low.min(p50) } else { p50 },
            seconds_high: (high * lift).max(p50),
        }
    }

    /// Production's distance from the ladder: `rows` over the largest measured.
    pub fn distance(&self, rows: f64) -> f64 {
        if self.largest_rows > 0.0 {
            sane_rows(rows) / self.largest_rows
        } else {
            1.0
        }
    }

    /// The least time the work can physically take at `rows` (0 for metadata work).
    pub fn physical_low(&self, rows: f64) -> f64 {
        self.fastest_per_row.map_or(0.0, |per_row| {
            finite_non_negative(per_row * sane_rows(rows))
        })
    }

    /// The 90% interval: the point prediction moved by the measured error quantiles of its
    /// class at its distance (ratios for rows-bound work, seconds for metadata), each end
    /// widened to the fit's own error where that is larger, and the low end never below
    /// [`Fit::physical_low`].
    ///
    /// For work on rows the point itself moves to the centre of the measured errors: what
    /// n·log n from the largest scale still misses (production's cost per row against
    /// the sandbox's, growth faster or slower than n·log n) the tuning cases measured as a
    /// bias by class and distance (`docs/accuracy.md`). [`Fit::predict`] is the
    /// extrapolation alone, the reference the errors are measured from.
    ///
    /// The fit's own error is its leave-one-out error, a prediction error measured on this
    /// ladder's own points: neither end is nearer the median than it. Wider versions did
    /// not pay on the tuning cases (docs/accuracy.md): the textbook t interval of the
    /// coefficients, 10-30x beyond the ladder, is dominated by the two top points' noise
    /// (median width 4.8x at 10x for the same 80% coverage), and the leave-one-out error
    /// as a mean absolute deviation (2.06 times it) gave 3.0x for the same coverage.
    pub fn calibrated_interval(
        &self,
        rows: f64,
        class: OperationClass,
        errors: &ErrorQuantiles,
    ) -> Interval {
        let fitted = self.predict(rows);
        let own = self.loo_error;
        let (p50, low, high) = if class.rows_bound() {
            let centre = errors.centre();
            let p50 = fitted * centre.exp();
            let own = own.ln_1p();
            (
                p50,
                p50 * (errors.low - centre).min(-own).min(0.0).exp(),
                p50 * (errors.high - centre).max(own).max(0.0).exp(),
            )
        } else {
            let own = own * fitted;
            (
                fitted,
                fitted + errors.low.min(-own).min(0.0),
                fitted + errors.high.max(own).max(0.0),
            )
        };
        let floor = self.floor(rows, class, errors).min(p50);
        Interval {
            seconds_p50: p50,
            seconds_low: finite_non_negative(low.max(floor)),
            seconds_high: finite_non_negative(high),
        }
    }

    /// The least the low end may say: [`Fit::physical_low`], as far as the sandbox runs as
    /// fast per row as production; where the measured errors say production was faster
    /// (the centre of the quantiles below 0), the floor moves down with them.
    pub fn floor(&self, rows: f64, class: OperationClass, errors: &ErrorQuantiles) -> f64 {
        if !class.rows_bound() {
            return 0.0;
        }
        let bias = errors.centre().min(0.0).exp();
        self.physical_low(rows) * bias
    }

    /// [`Fit::calibrated_interval`] with the shipped profile-mode error model at this
    /// fit's distance.
    pub fn estimate(&self, rows: f64, class: OperationClass) -> Interval {
        self.estimate_with(error_model(), rows, class)
    }

    /// [`Fit::calibrated_interval`] with `model` (an input mode's) at this fit's distance.
    pub fn estimate_with(&self, model: &ErrorModel, rows: f64, class: OperationClass) -> Interval {
        self.calibrated_interval(rows, class, &self.errors(model, rows, class))
    }

    /// The statement's distribution for a total: `interval` (the estimate, or a widened
    /// one) over this fit's floor.
    pub fn spread(&self, rows: f64, class: OperationClass, interval: Interval) -> Spread {
        self.spread_with(error_model(), rows, class, interval)
    }

    /// [`Fit::spread`] with `model`'s errors.
    pub fn spread_with(
        &self,
        model: &ErrorModel,
        rows: f64,
        class: OperationClass,
        interval: Interval,
    ) -> Spread {
        let floor = self.floor(rows, class, &self.errors(model, rows, class));
        Spread {
            floor: floor.min(interval.seconds_low),
            interval,
            multiplicative: class.rows_bound(),
        }
    }

    /// `model`'s error quantiles for this class at this fit's distance to `rows`.
    pub fn errors(&self, model: &ErrorModel, rows: f64, class: OperationClass) -> ErrorQuantiles {
        model.quantiles(class, self.distance(rows))
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

#[cfg(test)]
mod calibration_tests;
#[cfg(test)]
mod tests;
