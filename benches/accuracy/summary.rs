//! Judging predictions against the truth: per statement the error and whether the actual
//! time fell inside the interval; over all statements the median and 90th-percentile
//! absolute error and the interval coverage, for ddl-eta and for the two baselines.

use crate::estimator::{Baseline, Predicted};
use serde::Serialize;

/// Statements faster than this are judged by absolute error (seconds), not by percent.
pub const JUDGED_ABOVE_SECONDS: f64 = 1.0;

#[derive(Debug, Clone, Serialize)]
pub struct StatementResult {
    pub case: String,
    pub index: usize,
    pub label: String,
    pub sql: String,
    pub predicted: Predicted,
    /// Wall seconds of each full-size run on production, in the order run.
    pub runs: Vec<f64>,
    /// The median of `runs`: the truth.
    pub actual: f64,
    /// (max - min) / median of the runs: how noisy the truth itself is.
    pub spread: f64,
    pub ddl_eta: Judged,
    pub straight_line: Option<Judged>,
    pub largest_times_ratio: Option<Judged>,
}

/// One method's prediction beside the truth.
#[derive(Debug, Clone, Serialize)]
pub struct Judged {
    pub p50: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// (predicted - actual) / actual: negative is an underestimate.
    pub error: f64,
    pub absolute_seconds: f64,
    /// Whether the actual time is inside the interval (none: the method has no interval).
    pub inside: Option<bool>,
}

impl Judged {
    pub fn new(p50: f64, low: Option<f64>, high: Option<f64>, actual: f64) -> Judged {
        let inside = match (low, high) {
            (Some(low), Some(high)) => Some(low <= actual && actual <= high),
            _ => None,
        };
        Judged {
            p50,
            low,
            high,
            error: (p50 - actual) / actual.max(1e-9),
            absolute_seconds: (p50 - actual).abs(),
            inside,
        }
    }

    pub fn of_baseline(baseline: Option<Baseline>, actual: f64) -> Option<Judged> {
        baseline.map(|b| Judged::new(b.p50, b.low, b.high, actual))
    }
}

/// The summary figures of one method over the statements slower than one second.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub statements: usize,
    pub median_abs_error: Option<f64>,
    pub p90_abs_error: Option<f64>,
    /// Share of actual times inside the 90% interval (none: no interval).
    pub coverage: Option<f64>,
    /// Over the sub-second statements: median and largest absolute error in seconds.
    pub sub_second_statements: usize,
    pub sub_second_median_abs_seconds: Option<f64>,
    pub sub_second_max_abs_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub ddl_eta: Figures,
    pub straight_line: Figures,
    pub largest_times_ratio: Figures,
    /// Median spread of the repeated full-size runs (statements over one second).
    pub median_truth_spread: Option<f64>,
    pub goal: Goal,
}

/// The goal: median <= 15%, p90 <= 30%, coverage >= 80%, beating both baselines.
#[derive(Debug, Clone, Serialize)]
pub struct Goal {
    pub median_at_most_15_percent: bool,
    pub p90_at_most_30_percent: bool,
    pub coverage_at_least_80_percent: bool,
    pub beats_both_baselines: bool,
}

pub fn summarize(results: &[StatementResult]) -> Summary {
    let ddl_eta = figures(results, |r| Some(&r.ddl_eta));
    let straight_line = figures(results, |r| r.straight_line.as_ref());
    let largest_times_ratio = figures(results, |r| r.largest_times_ratio.as_ref());
    let mut spreads: Vec<f64> = results
        .iter()
        .filter(|r| r.actual > JUDGED_ABOVE_SECONDS)
        .map(|r| r.spread)
        .collect();
    let goal = Goal {
        median_at_most_15_percent: ddl_eta.median_abs_error.is_some_and(|e| e <= 0.15),
        p90_at_most_30_percent: ddl_eta.p90_abs_error.is_some_and(|e| e <= 0.30),
        coverage_at_least_80_percent: ddl_eta.coverage.is_some_and(|c| c >= 0.80),
        beats_both_baselines: [&straight_line, &largest_times_ratio]
            .iter()
            .all(|b| beats(&ddl_eta, b)),
    };
    Summary {
        median_truth_spread: (!spreads.is_empty()).then(|| median(&mut spreads)),
        ddl_eta,
        straight_line,
        largest_times_ratio,
        goal,
    }
}

/// Lower errors, and a coverage at least as high where the baseline has one.
fn beats(ours: &Figures, baseline: &Figures) -> bool {
    let lower = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    };
    let coverage = match (ours.coverage, baseline.coverage) {
        (Some(a), Some(b)) => a >= b,
        (Some(_), None) => true,
        _ => false,
    };
    lower(ours.median_abs_error, baseline.median_abs_error)
        && lower(ours.p90_abs_error, baseline.p90_abs_error)
        && coverage
}

fn figures(
    results: &[StatementResult],
    pick: impl Fn(&StatementResult) -> Option<&Judged>,
) -> Figures {
    let judged: Vec<(&StatementResult, &Judged)> =
        results.iter().filter_map(|r| Some((r, pick(r)?))).collect();
    let (slow, fast): (Vec<_>, Vec<_>) = judged
        .iter()
        .partition(|(r, _)| r.actual > JUDGED_ABOVE_SECONDS);
    let mut errors: Vec<f64> = slow.iter().map(|(_, j)| j.error.abs()).collect();
    let insides: Vec<bool> = slow.iter().filter_map(|(_, j)| j.inside).collect();
    let mut fast_errors: Vec<f64> = fast.iter().map(|(_, j)| j.absolute_seconds).collect();
    Figures {
        statements: slow.len(),
        median_abs_error: (!errors.is_empty()).then(|| median(&mut errors)),
        p90_abs_error: (!errors.is_empty()).then(|| percentile(&mut errors, 0.9)),
        coverage: (!insides.is_empty() && insides.len() == slow.len())
            .then(|| insides.iter().filter(|i| **i).count() as f64 / insides.len() as f64),
        sub_second_statements: fast.len(),
        sub_second_median_abs_seconds: (!fast_errors.is_empty()).then(|| median(&mut fast_errors)),
        sub_second_max_abs_seconds: fast_errors.iter().copied().reduce(f64::max),
    }
}

pub fn median(values: &mut [f64]) -> f64 {
    percentile(values, 0.5)
}

/// Linear interpolation between closest ranks (numpy's default).
pub fn percentile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let position = q * (values.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    values[below] + (values[above] - values[below]) * (position - below as f64)
}

fn seconds(value: f64) -> String {
    if value.abs() < 10.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.0}")
    }
}

fn percent(value: f64) -> String {
    format!("{:+.0}%", value * 100.0)
}

fn judged_cell(judged: Option<&Judged>, actual: f64) -> String {
    match judged {
        None => "-".to_string(),
        Some(j) if actual > JUDGED_ABOVE_SECONDS => percent(j.error),
        Some(j) => format!("{:+.2}s", j.p50 - actual),
    }
}

/// The per-statement table.
pub fn table(results: &[StatementResult]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<28} {:>2} {:<32} {:<8} {:>22} {:>8} {:>7} {:>7} {:>3} {:>7} {:>7}\n",
        "case",
        "#",
        "statement",
        "algo",
        "predicted p50 [90%]",
        "actual",
        "spread",
        "error",
        "in",
        "line",
        "ratio"
    ));
    for r in results {
        let p = &r.predicted;
        let predicted = format!(
            "{} [{}-{}]",
            seconds(p.p50),
            seconds(p.low),
            seconds(p.high)
        );
        let inside = if r.ddl_eta.inside == Some(true) {
            "yes"
        } else {
            "no"
        };
        out.push_str(&format!(
            "{:<28} {:>2} {:<32} {:<8} {:>22} {:>8} {:>6.0}% {:>7} {:>3} {:>7} {:>7}\n",
            r.case,
            r.index,
            r.label,
            p.algorithm.as_deref().unwrap_or("?"),
            predicted,
            seconds(r.actual),
            r.spread * 100.0,
            judged_cell(Some(&r.ddl_eta), r.actual),
            inside,
            judged_cell(r.straight_line.as_ref(), r.actual),
            judged_cell(r.largest_times_ratio.as_ref(), r.actual),
        ));
    }
    out.push_str(
        "(error: (predicted - actual) / actual for statements over 1 s; below 1 s the difference in seconds. \
         spread: (max - min) / median of the full-size runs. line: straight line through the ladder; \
         ratio: largest ladder run x row ratio)\n",
    );
    out
}

fn optional_percent(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{:.0}%", v * 100.0))
}

fn optional_seconds(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.2} s"))
}

/// The summary block.
pub fn render(summary: &Summary) -> String {
    let mut out = format!(
        "Statements over 1 s: {} (sub-second: {})\n",
        summary.ddl_eta.statements, summary.ddl_eta.sub_second_statements
    );
    out.push_str(&format!(
        "{:<26} {:>12} {:>12} {:>10} {:>18} {:>16}\n",
        "method", "median |err|", "p90 |err|", "coverage", "sub-s median |err|", "sub-s max |err|"
    ));
    for (name, f) in [
        ("ddl-eta", &summary.ddl_eta),
        ("straight line (OLS)", &summary.straight_line),
        ("largest run x row ratio", &summary.largest_times_ratio),
    ] {
        out.push_str(&format!(
            "{:<26} {:>12} {:>12} {:>10} {:>18} {:>16}\n",
            name,
            optional_percent(f.median_abs_error),
            optional_percent(f.p90_abs_error),
            optional_percent(f.coverage),
            optional_seconds(f.sub_second_median_abs_seconds),
            optional_seconds(f.sub_second_max_abs_seconds),
        ));
    }
    out.push_str(&format!(
        "Truth's own noise (median spread of the repeated full-size runs): {}\n",
        optional_percent(summary.median_truth_spread)
    ));
    let g = &summary.goal;
    let mark = |ok: bool| if ok { "met" } else { "NOT met" };
    out.push_str(&format!(
        "Goal: median <= 15% {}; p90 <= 30% {}; coverage >= 80% {}; beats both baselines {}\n",
        mark(g.median_at_most_15_percent),
        mark(g.p90_at_most_30_percent),
        mark(g.coverage_at_least_80_percent),
        mark(g.beats_both_baselines),
    ));
    out
}
