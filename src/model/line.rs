//! Ordinary least squares of one model kind's response on its regressor,
//! plus the pieces of the prediction-interval formula.

use super::{to_seconds, ModelKind, Point};

/// Ordinary least squares of the response on the regressor of one kind.
///
/// Unweighted, although noise grows with size: a 1/y² weighting (relative
/// errors) spreads the weight evenly over the ladder, so the slope becomes an
/// average over the whole ladder; unweighted OLS puts most leverage on the
/// largest scales, so the slope is the one nearest production size. Timings are
/// slightly super-linear (COPY) or bend upward (index builds past memory), so
/// the weighted slope systematically under-predicts 10-100x out, and under-
/// predicting a migration is the costly error; the extra variance of OLS is
/// covered by the interval, whose width grows with distance from the ladder.
/// Simulated on a 10k..160k ladder with 10% noise, y ∝ n^1.05 at 10x: OLS
/// bias -10% (mean abs error 11%), 1/y² weighting -14% (14%); on exactly linear
/// data weighting wins (5% vs 8% mean abs error) but both are unbiased.
/// Power is fitted in log space, which already is a relative-error fit.
#[derive(Debug, Clone, Copy)]
pub(super) struct Line {
    pub(super) intercept: f64,
    pub(super) slope: f64,
    x_mean: f64,
    sxx: f64,
    /// Residual standard deviation; 0 when there are no residual degrees of freedom.
    pub(super) residual_sd: f64,
    /// Residual degrees of freedom (m-1 for constant, m-2 otherwise).
    pub(super) df: usize,
    m: usize,
}

pub(super) fn fit_line(kind: ModelKind, points: &[Point]) -> Option<Line> {
    let m = points.len();
    if m == 0 {
        return None;
    }
    let xs: Vec<f64> = points.iter().map(|p| kind.regressor(p.rows)).collect();
    let zs: Vec<f64> = points.iter().map(|p| response(kind, p.seconds)).collect();
    let x_mean = mean(&xs);
    let z_mean = mean(&zs);
    let (slope, sxx, df) = if kind == ModelKind::Constant {
        (0.0, 0.0, m - 1)
    } else {
        let sxx: f64 = xs.iter().map(|x| (x - x_mean).powi(2)).sum();
        let scale: f64 = xs.iter().map(|x| x * x).sum();
        // A spread lost in rounding means all rows were (effectively) equal.
        if m < 2 || sxx <= 1e-12 * scale {
            return None;
        }
        let sxy: f64 = xs
            .iter()
            .zip(&zs)
            .map(|(x, z)| (x - x_mean) * (z - z_mean))
            .sum();
        (sxy / sxx, sxx, m - 2)
    };
    let intercept = z_mean - slope * x_mean;
    let rss: f64 = xs
        .iter()
        .zip(&zs)
        .map(|(x, z)| (z - intercept - slope * x).powi(2))
        .sum();
    let residual_sd = if df > 0 {
        (rss / df as f64).sqrt()
    } else {
        0.0
    };
    let line = Line {
        intercept,
        slope,
        x_mean,
        sxx,
        residual_sd,
        df,
        m,
    };
    [intercept, slope, residual_sd]
        .iter()
        .all(|v| v.is_finite())
        .then_some(line)
}

fn response(kind: ModelKind, seconds: f64) -> f64 {
    if kind.in_log_space() {
        seconds.ln()
    } else {
        seconds
    }
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

impl Line {
    /// Centre of the prediction in the fitted (possibly log) space.
    pub(super) fn centre(&self, kind: ModelKind, rows: f64) -> f64 {
        self.intercept + self.slope * kind.regressor(rows)
    }

    pub(super) fn median_seconds(&self, kind: ModelKind, rows: f64) -> f64 {
        to_seconds(kind, self.centre(kind, rows))
    }

    /// The `1 + 1/m + (x0 - x̄)²/Sxx` factor of a new observation's variance.
    pub(super) fn new_observation_factor(&self, kind: ModelKind, rows: f64) -> f64 {
        let m = self.m as f64;
        if kind == ModelKind::Constant {
            1.0 + 1.0 / m
        } else {
            1.0 + 1.0 / m + (kind.regressor(rows) - self.x_mean).powi(2) / self.sxx
        }
    }
}
