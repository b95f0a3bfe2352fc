//! Small helpers of the fit: the leave-one-out error, seconds from the fitted scale,
//! the t distributions behind the intervals, and the noise between repeated runs.

use super::*;
use statrs::distribution::StudentsT;

pub(super) fn params_of(kind: ModelKind, line: &Line) -> Vec<f64> {
    match kind {
        ModelKind::Constant => vec![line.intercept],
        ModelKind::Linear | ModelKind::Nlogn => vec![line.intercept, line.slope],
        ModelKind::Power => vec![line.intercept.exp(), line.slope],
    }
}

/// Mean absolute relative error predicting each point from all the others;
/// 0 with fewer than 3 points (a 1-point fit predicts nothing). Folds that
/// cannot be fitted (removing the only point at a second row count) are skipped.
pub(super) fn loo_error(kind: ModelKind, points: &[Point]) -> f64 {
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
pub(super) fn to_seconds(kind: ModelKind, z: f64) -> f64 {
    let seconds = if kind.in_log_space() { z.exp() } else { z };
    finite_non_negative(seconds)
}

/// NaN and negatives become 0 so they never escape; +inf (an absurd
/// extrapolation) is left as is.
pub(super) fn finite_non_negative(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

/// Rows that are not a finite non-negative number are treated as 0.
pub(super) fn sane_rows(rows: f64) -> f64 {
    if rows.is_finite() && rows > 0.0 {
        rows
    } else {
        0.0
    }
}

pub(super) fn unit_t(df: f64) -> StudentsT {
    // df >= 1 here, so this cannot fail; Cauchy is the honest fallback anyway.
    StudentsT::new(0.0, 1.0, df).unwrap_or_else(|_| cauchy())
}

pub(super) fn cauchy() -> StudentsT {
    StudentsT::new(0.0, 1.0, 1.0).expect("Student t with 1 degree of freedom is valid")
}

/// Upper quantile probability of a central interval of `level`.
pub(super) fn upper_probability(level: f64) -> f64 {
    let level = if level.is_nan() {
        0.9
    } else {
        level.clamp(0.0, 0.999)
    };
    0.5 + level / 2.0
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

pub(super) fn relative_spread(group: &[Point]) -> Option<f64> {
    let (lo, hi) = group
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.seconds), hi.max(p.seconds))
        });
    let mean = group.iter().map(|p| p.seconds).sum::<f64>() / group.len() as f64;
    (mean > 0.0).then(|| (hi - lo) / mean)
}

pub(super) fn median_of_sorted(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}
