//! Writing ddl-eta's error model (src/model/error_model.json) from the tuning cases only:
//! the error of each statement's point prediction, by class of work and distance. The
//! held-out cases never enter it.

use crate::collect::Collected;
use crate::estimator::Mode;
use crate::summary::{StatementResult, JUDGED_ABOVE_SECONDS};
use anyhow::{bail, Result};
use ddl_eta::model::calibration::{
    self, Entry, ErrorModel, OperationClass, Provenance, MIN_STATEMENTS,
};

/// Without two measured migrations, the statements of one are taken as sharing half
/// their error (between independent and identical).
const SHARED_FALLBACK: f64 = 0.5;

/// The error a cell is made of: ln(actual / predicted) for work on rows (statements over
/// one second, as judged), actual - predicted seconds for metadata work (all). Predicted
/// is the fitted law's point, not the one the current error model centred, so a model
/// regenerated from the same cache is the same model.
fn error_of(r: &StatementResult, class: OperationClass) -> Option<f64> {
    let p50 = r.fitted_p50?;
    if class.rows_bound() {
        (r.actual > JUDGED_ABOVE_SECONDS && p50 > 0.0).then(|| (r.actual / p50).ln())
    } else {
        Some(r.actual - p50)
    }
}

/// The error model of the cached tuning statements (source mode).
pub fn model(collected: &Collected, commit: &str) -> Result<ErrorModel> {
    let tuning: Vec<&StatementResult> = collected
        .statements
        .iter()
        .filter(|r| !r.held_out && r.mode == Mode::Source)
        .collect();
    if tuning.is_empty() {
        bail!("no tuning case in source mode is cached: nothing to fit an error model to");
    }
    let mut entries = Vec::new();
    for distance in crate::DISTANCES {
        let at: Vec<&&StatementResult> = tuning.iter().filter(|r| r.distance == distance).collect();
        let rows_bound: Vec<(f64, f64)> = at
            .iter()
            .filter(|r| r.class.is_some_and(|c| c.rows_bound()))
            .filter_map(|r| Some((error_of(r, r.class?)?, r.reach)))
            .collect();
        for class in OperationClass::ALL {
            let mut cell: Vec<(f64, f64)> = at
                .iter()
                .filter(|r| r.class == Some(class))
                .filter_map(|r| Some((error_of(r, class)?, r.reach)))
                .collect();
            // Too few of a kind of work: its errors are the pooled rows-bound ones.
            if class.rows_bound() && cell.len() < MIN_STATEMENTS {
                cell = rows_bound.clone();
            }
            let errors: Vec<f64> = cell.iter().map(|c| c.0).collect();
            let Some((mean, sd, quantiles)) = calibration::summarize_errors(&errors) else {
                continue;
            };
            entries.push(Entry {
                class,
                distance: cell.iter().map(|c| c.1).sum::<f64>() / cell.len() as f64,
                statements: cell.len(),
                mean,
                sd,
                quantiles,
            });
        }
    }
    let groups: Vec<Vec<f64>> = collected
        .estimates
        .iter()
        .map(|e| {
            tuning
                .iter()
                .filter(|r| r.case == e.case && r.distance == e.distance && r.mode == e.mode)
                .filter_map(|r| {
                    let class = r.class.filter(|c| c.rows_bound())?;
                    error_of(r, class)
                })
                .collect()
        })
        .collect();
    let cases: Vec<String> = collected
        .truths
        .iter()
        .map(|(name, _)| name.clone())
        .filter(|name| tuning.iter().any(|r| &r.case == name))
        .collect();
    let used: Vec<&crate::collect::EstimateRecord> = collected
        .estimates
        .iter()
        .filter(|e| cases.contains(&e.case) && e.mode == Mode::Source)
        .collect();
    let dates: Vec<&str> = used.iter().map(|e| e.date.as_str()).collect();
    let commits: Vec<&str> = used.iter().map(|e| e.commit.as_str()).collect();
    Ok(ErrorModel {
        schema_version: 1,
        provenance: Provenance {
            benchmark_date: span(&dates),
            commit: format!("ladders at {}; refitted at {commit}", span(&commits)),
            machine: crate::machine_line(),
            mode: "source".to_string(),
            cases,
            note:
                "written by scripts/error-model from the accuracy benchmark's cached tuning cases"
                    .to_string(),
        },
        shared: calibration::shared_share(&groups).unwrap_or(SHARED_FALLBACK),
        entries,
    })
}

/// "a" or "a .. b" over sorted distinct values.
fn span(values: &[&str]) -> String {
    let mut sorted: Vec<&str> = values.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    match (sorted.first(), sorted.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} .. {b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    }
}
