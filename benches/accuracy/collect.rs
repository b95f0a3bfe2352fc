//! From the cache to judged statements: every cached estimate of the chosen cases (each
//! mode, each distance) beside its case's full-size truth, matched by statement label.

use crate::cache::{Cache, CachedEstimate, Truth};
use crate::estimator::{self, Mode, Predicted};
use crate::summary::{self, Judged, StatementResult};
use crate::Case;
use anyhow::Result;
use ddl_eta::ddl::Algorithm;
use ddl_eta::migration::Operation;
use ddl_eta::model::{self, Interval, OperationClass, Point};
use serde::Serialize;

/// What one cached estimate was, for the results' record.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateRecord {
    pub case: String,
    pub mode: Mode,
    pub distance: u32,
    pub date: String,
    pub commit: String,
    pub max_rows: u64,
    /// The largest scale the ladder measured (it can stop short of max_rows).
    pub largest_measured: u64,
    pub seconds: f64,
    pub args: Vec<String>,
    pub warnings: Vec<String>,
}

pub struct Collected {
    pub estimates: Vec<EstimateRecord>,
    pub statements: Vec<StatementResult>,
    pub truths: Vec<(String, Truth)>,
}

/// `held_out`: read the held-out cases (a `--held-out` run) instead of the tuning ones; the
/// other split's cache is never opened.
pub fn collect(cases: &[Case], cache: &Cache, held_out: bool) -> Result<Collected> {
    let mut collected = Collected {
        estimates: Vec::new(),
        statements: Vec::new(),
        truths: Vec::new(),
    };
    for c in cases.iter().filter(|c| c.held_out == held_out) {
        let Some(truth) = cache.truth(&c.name)? else {
            continue;
        };
        let pool_ratio =
            (truth.data_bytes + truth.index_bytes) as f64 / truth.buffer_pool.max(1) as f64;
        for mode in Mode::ALL {
            for distance in crate::DISTANCES {
                let Some(estimate) = cache.estimate(&c.name, mode.as_str(), distance)? else {
                    continue;
                };
                let predicted = estimator::statements(&estimate.report)?;
                collected
                    .estimates
                    .push(record(c, mode, distance, &estimate, &predicted));
                for (i, (label, p)) in estimate.labels.iter().zip(predicted).enumerate() {
                    let Some(t) = truth.labels.iter().position(|l| l == label) else {
                        continue;
                    };
                    let mut judged =
                        judge(c, mode, distance, i + 1, label, p, truth.runs[t].clone());
                    judged.pool_ratio = pool_ratio;
                    collected.statements.push(judged);
                }
            }
        }
        collected.truths.push((c.name.clone(), truth));
    }
    Ok(collected)
}

fn record(
    c: &Case,
    mode: Mode,
    distance: u32,
    estimate: &CachedEstimate,
    predicted: &[Predicted],
) -> EstimateRecord {
    EstimateRecord {
        case: c.name.clone(),
        mode,
        distance,
        date: estimate.date.clone(),
        commit: estimate.commit.clone(),
        max_rows: estimate.max_rows,
        largest_measured: predicted
            .iter()
            .flat_map(|p| p.points.iter().map(|q| q.0 as u64))
            .max()
            .unwrap_or(0),
        seconds: estimate.seconds,
        args: estimate.args.clone(),
        warnings: estimator::warnings(&estimate.report),
    }
}

fn judge(
    c: &Case,
    mode: Mode,
    distance: u32,
    index: usize,
    label: &str,
    predicted: Predicted,
    runs: Vec<f64>,
) -> StatementResult {
    let mut sorted = runs.clone();
    let actual = summary::median(&mut sorted);
    let spread = (sorted.last().copied().unwrap_or(0.0) - sorted.first().copied().unwrap_or(0.0))
        / actual.max(1e-9);
    let rows = c.rows as f64;
    let top = predicted.points.iter().map(|p| p.0).fold(0.0, f64::max);
    let refitted = refit(&predicted, mode);
    let (p50, low, high) =
        refitted
            .as_ref()
            .map_or((predicted.p50, predicted.low, predicted.high), |r| {
                (
                    r.interval.seconds_p50,
                    r.interval.seconds_low,
                    r.interval.seconds_high,
                )
            });
    StatementResult {
        case: c.name.clone(),
        // A case whose figures made this mode's model is not held out for it.
        held_out: c.held_out && !fed_the_model(&c.name, mode),
        pool_ratio: 0.0,
        mode,
        distance,
        reach: if top > 0.0 { rows / top } else { 0.0 },
        index,
        label: label.to_string(),
        below_floor: refitted
            .as_ref()
            .filter(|r| r.class.rows_bound())
            .map(|r| actual < r.floor),
        fitted_p50: refitted.as_ref().map(|r| r.fitted),
        class: refitted.map(|r| r.class),
        ddl_eta: Judged::new(p50, Some(low), Some(high), actual),
        straight_line: Judged::of_baseline(
            estimator::straight_line(&predicted.points, rows),
            actual,
        ),
        largest_times_ratio: Judged::of_baseline(
            estimator::largest_times_ratio(&predicted.points, rows),
            actual,
        ),
        predicted,
        runs,
        actual,
        spread,
    }
}

pub struct Refit {
    pub class: OperationClass,
    pub interval: Interval,
    /// The fitted law's own point at production's rows (`Fit::predict`).
    pub fitted: f64,
    /// The least the work can physically take ([`ddl_eta::model::Fit::physical_low`]).
    pub floor: f64,
}

/// Whether the case's figures went into the shipped error model of `mode`, or were read
/// for it before the freeze: the four cases whose schema-mode figures were published on
/// 2026-11-29 (and made the derived schema-mode model then) are held out for profile mode
/// only.
pub fn fed_the_model(case: &str, mode: Mode) -> bool {
    let read_before = mode != Mode::Source
        && crate::error_model::SCHEMA_ROWS_PUBLISHED
            .iter()
            .any(|c| c.0 == case);
    read_before
        || model::error_model_for(mode.input_mode())
            .provenance
            .cases
            .iter()
            .any(|c| c == case)
}

/// The statement's ladder fitted again by this build's model, exactly as `estimate` fits
/// it (at the row count ddl-eta predicted for, with the mode's error model, without the
/// hardware term), so a cached ladder is judged by the current interval method and error
/// model. None where the report lacks what it needs.
pub fn refit(predicted: &Predicted, mode: Mode) -> Option<Refit> {
    let algorithm: Option<Algorithm> = parse(&predicted.algorithm);
    let operation: Operation = parse(&predicted.operation)?;
    let points: Vec<Point> = predicted
        .points
        .iter()
        .map(|&(rows, seconds)| Point { rows, seconds })
        .collect();
    let instant = algorithm == Some(Algorithm::Instant);
    let grows = Algorithm::works_through_rows(algorithm, operation);
    let fit = model::statement_fit(&points, instant, grows).ok()?;
    let class = OperationClass::of(algorithm, operation, grows, fit.kind);
    let rows = predicted.rows as f64;
    let error_model = model::error_model_for(mode.input_mode());
    Some(Refit {
        class,
        interval: fit.estimate_with(error_model, rows, class),
        fitted: fit.predict(rows),
        floor: fit.physical_low(rows),
    })
}

/// A serialized enum name read back.
fn parse<T: serde::de::DeserializeOwned>(name: &Option<String>) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.clone()?)).ok()
}
