//! Judging predictions against the truth: per statement the error and whether the actual
//! time fell inside the interval; over all statements the median and 90th-percentile
//! absolute error and the interval coverage with its width, for ddl-eta and for the two
//! baselines. Statements of one case share their error, so coverage is judged against a
//! band for the cases' effective number of statements (the design effect), and every
//! group shows its per-case medians beside the pooled one.

use crate::estimator::{Baseline, Mode, Predicted};
use serde::Serialize;

/// Statements faster than this are judged by absolute error (seconds), not by percent.
pub const JUDGED_ABOVE_SECONDS: f64 = 1.0;

#[derive(Debug, Clone, Serialize)]
pub struct StatementResult {
    pub case: String,
    /// The case is in the held-out split (never used to fit a constant or this mode's model).
    pub held_out: bool,
    /// Production's table (data and indexes) over its buffer pool.
    pub pool_ratio: f64,
    pub mode: Mode,
    /// The ladder's cap: 1/distance of production's rows.
    pub distance: u32,
    /// Production rows over the largest scale measured (>= distance when the budget
    /// stopped the ladder short).
    pub reach: f64,
    pub index: usize,
    pub label: String,
    /// The kind of work, as the error model sorts it (none: the ladder could not be refitted).
    pub class: Option<ddl_eta::model::OperationClass>,
    /// For work on rows: whether the truth took less than the physical floor of the low end.
    pub below_floor: Option<bool>,
    /// ddl-eta's report as run (its interval from the model of that commit); `ddl_eta`
    /// below is the same ladder refitted by this build.
    pub predicted: Predicted,
    /// Wall seconds of each full-size run on production, in the order run.
    pub runs: Vec<f64>,
    /// The median of `runs`: the truth.
    pub actual: f64,
    /// (max - min) / median of the runs: how noisy the truth itself is.
    pub spread: f64,
    pub ddl_eta: Judged,
    /// The fitted law alone at production's rows, before the error model's centre moved
    /// it: the error model is measured from this point (none: not refitted).
    pub fitted_p50: Option<f64>,
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
    /// Median of high / low over the intervals (none: no interval, or a low end at 0).
    pub median_width: Option<f64>,
    /// Over the sub-second statements: median and largest absolute error in seconds.
    pub sub_second_statements: usize,
    pub sub_second_median_abs_seconds: Option<f64>,
    pub sub_second_max_abs_seconds: Option<f64>,
}

/// The figures of one group of statements: one mode, one split, one distance (or all).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub mode: Mode,
    pub held_out: bool,
    /// None: every distance pooled.
    pub distance: Option<u32>,
    pub ddl_eta: Figures,
    pub straight_line: Figures,
    pub largest_times_ratio: Figures,
    /// Median spread of the repeated full-size runs (statements over one second).
    pub median_truth_spread: Option<f64>,
    /// Statements over one second on rows whose truth fell below the low end's physical
    /// floor (the ladder's fastest cost per row times the rows), of how many.
    pub below_floor: (usize, usize),
    /// Per case: its name, statements over one second, ddl-eta's median |error|.
    pub per_case: Vec<(String, usize, f64)>,
    /// 1 + (statements per case - 1) x shared: how many statements count as one, with
    /// `shared` the mode's error model's measured share of a case's error.
    pub design_effect: f64,
    pub effective_statements: f64,
    /// The 95% band of the coverage of a 90% interval over that many effective statements.
    pub coverage_band: (f64, f64),
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub groups: Vec<Group>,
    /// Issue 24's goals, judged on the held-out statements (empty in a tuning run).
    pub goal: Vec<GoalLine>,
}

/// One goal: what it asks, the figure, whether it is met (None: nothing to judge).
#[derive(Debug, Clone, Serialize)]
pub struct GoalLine {
    pub goal: String,
    pub figure: String,
    pub met: Option<bool>,
}

pub fn summarize(results: &[StatementResult]) -> Summary {
    let mut groups = Vec::new();
    for mode in Mode::ALL {
        for held_out in [true, false] {
            let mut distances: Vec<Option<u32>> =
                crate::DISTANCES.iter().map(|d| Some(*d)).collect();
            distances.push(None);
            for distance in distances {
                let chosen: Vec<StatementResult> = results
                    .iter()
                    .filter(|r| r.mode == mode && r.held_out == held_out)
                    .filter(|r| distance.is_none_or(|d| r.distance == d))
                    .cloned()
                    .collect();
                if chosen.is_empty() {
                    continue;
                }
                groups.push(group(&chosen, mode, held_out, distance));
            }
        }
    }
    let goal = goal(&groups, results);
    Summary { groups, goal }
}

fn group(chosen: &[StatementResult], mode: Mode, held_out: bool, distance: Option<u32>) -> Group {
    let slow: Vec<&StatementResult> = chosen
        .iter()
        .filter(|r| r.actual > JUDGED_ABOVE_SECONDS)
        .collect();
    let mut spreads: Vec<f64> = slow.iter().map(|r| r.spread).collect();
    let mut cases: Vec<String> = slow.iter().map(|r| r.case.clone()).collect();
    cases.sort();
    cases.dedup();
    let per_case: Vec<(String, usize, f64)> = cases
        .iter()
        .map(|case| {
            let mut errors: Vec<f64> = slow
                .iter()
                .filter(|r| &r.case == case)
                .map(|r| r.ddl_eta.error.abs())
                .collect();
            (case.clone(), errors.len(), median(&mut errors))
        })
        .collect();
    let shared = ddl_eta::model::error_model_for(mode.input_mode()).shared;
    let n = slow.len();
    let design_effect = ddl_eta::model::calibration::design_effect(n, cases.len(), shared);
    let effective = n as f64 / design_effect;
    Group {
        mode,
        held_out,
        distance,
        ddl_eta: figures(chosen, |r| Some(&r.ddl_eta)),
        straight_line: figures(chosen, |r| r.straight_line.as_ref()),
        largest_times_ratio: figures(chosen, |r| r.largest_times_ratio.as_ref()),
        median_truth_spread: (!spreads.is_empty()).then(|| median(&mut spreads)),
        below_floor: {
            let judged: Vec<bool> = slow.iter().filter_map(|r| r.below_floor).collect();
            (judged.iter().filter(|b| **b).count(), judged.len())
        },
        per_case,
        design_effect,
        effective_statements: effective,
        coverage_band: coverage_band(effective, 0.9),
    }
}

/// The 95% band of a coverage whose promise is `p`, over `effective` independent trials
/// (normal approximation, clamped to [0, 1]).
pub fn coverage_band(effective: f64, p: f64) -> (f64, f64) {
    if effective <= 0.0 {
        return (0.0, 1.0);
    }
    let half = 1.96 * (p * (1.0 - p) / effective).sqrt();
    ((p - half).max(0.0), (p + half).min(1.0))
}

/// Issue 24's goals on the held-out groups and statements.
fn goal(groups: &[Group], results: &[StatementResult]) -> Vec<GoalLine> {
    if !results.iter().any(|r| r.held_out) {
        return Vec::new();
    }
    let find = |mode: Mode, distance: Option<u32>| {
        groups
            .iter()
            .find(|g| g.mode == mode && g.held_out && g.distance == distance)
    };
    let mut lines = Vec::new();
    let mut line = |goal: String, figure: String, met: Option<bool>| {
        lines.push(GoalLine { goal, figure, met });
    };
    let median_at = |mode: Mode,
                     distance: u32,
                     limit: f64,
                     line: &mut dyn FnMut(String, String, Option<bool>)| {
        let g = find(mode, Some(distance));
        let value = g.and_then(|g| g.ddl_eta.median_abs_error);
        line(
            format!(
                "{} {distance}x median |err| <= {:.0}%",
                mode.as_str(),
                limit * 100.0
            ),
            optional_percent(value),
            value.map(|v| v <= limit),
        );
    };
    median_at(Mode::Source, 10, 0.10, &mut line);
    median_at(Mode::Source, 30, 0.15, &mut line);
    median_at(Mode::Source, 100, 0.20, &mut line);
    if let Some(g) = find(Mode::Source, None) {
        let worst = g.per_case.iter().map(|c| c.2).reduce(f64::max);
        line(
            "source: no case's median |err| over 25%".to_string(),
            optional_percent(worst),
            worst.map(|w| w <= 0.25),
        );
    }
    median_at(Mode::SchemaBytes, 10, 0.20, &mut line);
    median_at(Mode::SchemaBytes, 30, 0.20, &mut line);
    for mode in Mode::ALL {
        if let Some(g) = find(mode, None) {
            let c = g.ddl_eta.coverage;
            line(
                format!(
                    "{} coverage in the adjusted band [{:.0}%, {:.0}%] ({} statements, {:.1} effective)",
                    mode.as_str(),
                    g.coverage_band.0 * 100.0,
                    g.coverage_band.1 * 100.0,
                    g.ddl_eta.statements,
                    g.effective_statements
                ),
                format!(
                    "{} at width {}",
                    optional_percent(c),
                    optional_width(g.ddl_eta.median_width)
                ),
                c.map(|c| g.coverage_band.0 <= c && c <= g.coverage_band.1),
            );
        }
    }
    for (mode, limit) in [(Mode::Source, 2.0), (Mode::SchemaBytes, 3.0)] {
        let width = find(mode, Some(10)).and_then(|g| g.ddl_eta.median_width);
        line(
            format!("{} 10x median width <= {limit}x", mode.as_str()),
            optional_width(width),
            width.map(|w| w <= limit),
        );
    }
    // Tables ten times their pool: each p50 within 20% and inside its interval.
    let pooled: Vec<&StatementResult> = results
        .iter()
        .filter(|r| r.held_out && r.pool_ratio >= 10.0 && r.actual > JUDGED_ABOVE_SECONDS)
        .filter(|r| r.mode == Mode::Source)
        .collect();
    let good = pooled
        .iter()
        .filter(|r| r.ddl_eta.error.abs() <= 0.2 && r.ddl_eta.inside == Some(true))
        .count();
    line(
        "source, tables >= 10x their pool: each p50 within 20% and inside its interval".to_string(),
        format!("{good} of {} statements", pooled.len()),
        (!pooled.is_empty()).then_some(good == pooled.len()),
    );
    // Both baselines beaten, per mode and distance, inside the pool and outside it.
    for mode in Mode::ALL {
        for distance in crate::DISTANCES {
            for (regime, inside) in [("table inside its pool", true), ("outside", false)] {
                let chosen: Vec<StatementResult> = results
                    .iter()
                    .filter(|r| r.held_out && r.mode == mode && r.distance == distance)
                    .filter(|r| (r.pool_ratio <= 1.0) == inside)
                    .cloned()
                    .collect();
                if chosen.iter().all(|r| r.actual <= JUDGED_ABOVE_SECONDS) {
                    continue;
                }
                let ours = figures(&chosen, |r| Some(&r.ddl_eta));
                let line_fit = figures(&chosen, |r| r.straight_line.as_ref());
                let ratio = figures(&chosen, |r| r.largest_times_ratio.as_ref());
                line(
                    format!(
                        "{} {distance}x, {regime}: beats both baselines on median and p90",
                        mode.as_str()
                    ),
                    format!(
                        "{} / {} against {} / {} and {} / {}",
                        optional_percent(ours.median_abs_error),
                        optional_percent(ours.p90_abs_error),
                        optional_percent(line_fit.median_abs_error),
                        optional_percent(line_fit.p90_abs_error),
                        optional_percent(ratio.median_abs_error),
                        optional_percent(ratio.p90_abs_error),
                    ),
                    Some(beats(&ours, &line_fit) && beats(&ours, &ratio)),
                );
            }
        }
    }
    lines
}

/// Lower median and p90 errors.
fn beats(ours: &Figures, baseline: &Figures) -> bool {
    let lower = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    };
    lower(ours.median_abs_error, baseline.median_abs_error)
        && lower(ours.p90_abs_error, baseline.p90_abs_error)
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
    let mut widths: Vec<f64> = slow
        .iter()
        .filter_map(|(_, j)| Some(j.high? / j.low.filter(|l| *l > 0.0)?))
        .collect();
    let mut fast_errors: Vec<f64> = fast.iter().map(|(_, j)| j.absolute_seconds).collect();
    Figures {
        statements: slow.len(),
        median_abs_error: (!errors.is_empty()).then(|| median(&mut errors)),
        p90_abs_error: (!errors.is_empty()).then(|| percentile(&mut errors, 0.9)),
        coverage: (!insides.is_empty() && insides.len() == slow.len())
            .then(|| insides.iter().filter(|i| **i).count() as f64 / insides.len() as f64),
        median_width: (!widths.is_empty() && widths.len() == slow.len())
            .then(|| median(&mut widths)),
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
        "{:<28} {:<6} {:>4} {:>2} {:<32} {:<8} {:>22} {:>8} {:>7} {:>7} {:>3} {:>7} {:>7}\n",
        "case",
        "mode",
        "dist",
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
            "{:<28} {:<6} {:>4} {:>2} {:<32} {:<8} {:>22} {:>8} {:>6.0}% {:>7} {:>3} {:>7} {:>7}\n",
            r.case,
            r.mode.as_str(),
            format!("{:.0}x", r.reach),
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

fn optional_width(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.2}x"))
}

/// The summary block: per mode, held-out then tuning, per distance and pooled.
pub fn render(summary: &Summary) -> String {
    let mut out = String::new();
    for g in &summary.groups {
        out.push_str(&format!(
            "{} mode, {} cases, {}: {} statements over 1 s (sub-second: {}) from {} cases; truth's own noise {}\n",
            g.mode.as_str(),
            if g.held_out { "HELD-OUT" } else { "tuning" },
            g.distance
                .map_or("all distances".to_string(), |d| format!("ladder at 1/{d}")),
            g.ddl_eta.statements,
            g.ddl_eta.sub_second_statements,
            g.per_case.len(),
            optional_percent(g.median_truth_spread),
        ));
        out.push_str(&format!(
            "  design effect {:.1} ({:.1} effective statements): coverage band [{:.0}%, {:.0}%]; truth below the low end's physical floor: {} of {}\n",
            g.design_effect,
            g.effective_statements,
            g.coverage_band.0 * 100.0,
            g.coverage_band.1 * 100.0,
            g.below_floor.0,
            g.below_floor.1
        ));
        out.push_str(&format!(
            "  {:<26} {:>12} {:>12} {:>10} {:>12} {:>18}\n",
            "method", "median |err|", "p90 |err|", "coverage", "median width", "sub-s median |err|"
        ));
        for (name, f) in [
            ("ddl-eta", &g.ddl_eta),
            ("straight line (OLS)", &g.straight_line),
            ("largest run x row ratio", &g.largest_times_ratio),
        ] {
            out.push_str(&format!(
                "  {:<26} {:>12} {:>12} {:>10} {:>12} {:>18}\n",
                name,
                optional_percent(f.median_abs_error),
                optional_percent(f.p90_abs_error),
                optional_percent(f.coverage),
                optional_width(f.median_width),
                optional_seconds(f.sub_second_median_abs_seconds),
            ));
        }
        let cases: Vec<String> = g
            .per_case
            .iter()
            .map(|(case, n, m)| format!("{case} {} ({n})", optional_percent(Some(*m))))
            .collect();
        out.push_str(&format!(
            "  per case, median |err| (statements): {}\n",
            cases.join(", ")
        ));
    }
    if summary.goal.is_empty() {
        out.push_str("Goals: judged on held-out cases only (scripts/accuracy --held-out)\n");
        return out;
    }
    out.push_str("Goals (issue 24, held-out):\n");
    for line in &summary.goal {
        let mark = match line.met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "nothing to judge",
        };
        out.push_str(&format!("  {}: {} — {mark}\n", line.goal, line.figure));
    }
    out
}
