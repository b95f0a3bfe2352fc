//! Writing ddl-eta's error models (src/model/error_model.json), one per input mode, from the
//! tuning cases only: the error of each statement's point prediction, by class of work and
//! distance, with the spread between cases as a term of its own. A mode without cached
//! tuning runs keeps what the shipped file has, or is derived (schema mode with a row
//! count only, from docs/accuracy.md's published per-case figures) or marked unmeasured
//! (schema mode with bytes). The held-out cases never enter a measured model.

use crate::collect::Collected;
use crate::estimator::Mode;
use crate::summary::{StatementResult, JUDGED_ABOVE_SECONDS};
use anyhow::Result;
use ddl_eta::model::calibration::{
    self, Entry, ErrorModel, ErrorModels, InputMode, ModelStatus, OperationClass, Provenance,
    MIN_STATEMENTS,
};

/// Without two measured migrations, the statements of one are taken as sharing half
/// their error (between independent and identical).
const SHARED_FALLBACK: f64 = 0.5;

/// Schema mode with a row count only, as docs/accuracy.md published it (2026-11-29, the
/// ddl-eta binary of commit dc0f1f1, schema mode's first runs): each case's median signed
/// error, (predicted - actual) / actual, with ladders at 1/10 and 1/30. These four were
/// held-out cases: having made this model, they are no longer held out for schema mode.
pub(crate) const SCHEMA_ROWS_PUBLISHED: [(&str, f64, f64); 4] = [
    ("eventlog-3M-fits", 0.47, 1.01),
    ("eventlog-3M-fits-cold", 0.35, 1.54),
    ("flights-4M-fits", 0.23, 0.42),
    ("studentmodule-2M-pool-128M", -0.37, -0.29),
];
/// Statements over one second in each of those summaries.
const SCHEMA_ROWS_PUBLISHED_STATEMENTS: usize = 22;

/// The error of one statement: ln(actual / predicted) for work on rows (statements over
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

/// Every mode's model: fitted where tuning runs of the mode are cached, else as above.
pub fn models(collected: &Collected, commit: &str) -> Result<ErrorModels> {
    let shipped = ddl_eta::model::calibration::error_models();
    let shipped_of = |mode: InputMode| shipped.models.iter().find(|m| m.mode == mode);
    let profile = match measured(collected, Mode::Source, commit) {
        Some(model) => model,
        None => with_between_term(
            shipped_of(InputMode::Profile)
                .unwrap_or_else(|| ddl_eta::model::error_model())
                .clone(),
        ),
    };
    let rows_only = match measured(collected, Mode::Schema, commit) {
        Some(model) => model,
        None => match shipped_of(InputMode::SchemaRows) {
            Some(m) if m.status == ModelStatus::Measured => m.clone(),
            _ => derived_schema_rows(&profile),
        },
    };
    let bytes = match measured(collected, Mode::SchemaBytes, commit) {
        Some(model) => model,
        None => match shipped_of(InputMode::SchemaBytes) {
            Some(m) if m.status == ModelStatus::Measured => m.clone(),
            _ => unmeasured(&rows_only, InputMode::SchemaBytes),
        },
    };
    Ok(ErrorModels {
        schema_version: 2,
        models: vec![profile, bytes, rows_only],
    })
}

/// The model fitted on the cached tuning statements of `mode`; None without any.
fn measured(collected: &Collected, mode: Mode, commit: &str) -> Option<ErrorModel> {
    let tuning: Vec<&StatementResult> = collected
        .statements
        .iter()
        .filter(|r| !r.held_out && r.mode == mode)
        .collect();
    if tuning.is_empty() {
        return None;
    }
    let mut entries = Vec::new();
    for distance in crate::DISTANCES {
        let at: Vec<&&StatementResult> = tuning.iter().filter(|r| r.distance == distance).collect();
        let rows_bound: Vec<(f64, f64, &str)> = at
            .iter()
            .filter(|r| r.class.is_some_and(|c| c.rows_bound()))
            .filter_map(|r| Some((error_of(r, r.class?)?, r.reach, r.case.as_str())))
            .collect();
        for class in OperationClass::ALL {
            let mut cell: Vec<(f64, f64, &str)> = at
                .iter()
                .filter(|r| r.class == Some(class))
                .filter_map(|r| Some((error_of(r, class)?, r.reach, r.case.as_str())))
                .collect();
            // Too few of a kind of work: its errors are the pooled rows-bound ones.
            if class.rows_bound() && cell.len() < MIN_STATEMENTS {
                cell = rows_bound.clone();
            }
            let errors: Vec<f64> = cell.iter().map(|c| c.0).collect();
            let Some((mean, sd, _)) = calibration::summarize_errors(&errors) else {
                continue;
            };
            let mut cases: Vec<&str> = cell.iter().map(|c| c.2).collect();
            cases.sort_unstable();
            cases.dedup();
            let groups: Vec<Vec<f64>> = cases
                .iter()
                .map(|case| cell.iter().filter(|c| c.2 == *case).map(|c| c.0).collect())
                .collect();
            let between = calibration::between_sd(&groups);
            entries.push(Entry {
                class,
                distance: cell.iter().map(|c| c.1).sum::<f64>() / cell.len() as f64,
                statements: cell.len(),
                mean,
                sd,
                between_sd: between,
                cases: cases.len(),
                quantiles: calibration::cell_quantiles(mean, sd, between, cell.len(), cases.len()),
            });
        }
    }
    let groups: Vec<Vec<f64>> = collected
        .estimates
        .iter()
        .filter(|e| e.mode == mode)
        .map(|e| {
            tuning
                .iter()
                .filter(|r| r.case == e.case && r.distance == e.distance)
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
        .filter(|e| cases.contains(&e.case) && e.mode == mode)
        .collect();
    let dates: Vec<&str> = used.iter().map(|e| e.date.as_str()).collect();
    let commits: Vec<&str> = used.iter().map(|e| e.commit.as_str()).collect();
    Some(ErrorModel {
        schema_version: 2,
        mode: mode.input_mode(),
        status: ModelStatus::Measured,
        provenance: Provenance {
            benchmark_date: span(&dates),
            commit: format!("ladders at {}; refitted at {commit}", span(&commits)),
            machine: crate::machine_line(),
            mode: mode.as_str().to_string(),
            cases,
            note:
                "written by scripts/error-model from the accuracy benchmark's cached tuning cases"
                    .to_string(),
        },
        shared: calibration::shared_share(&groups).unwrap_or(SHARED_FALLBACK),
        entries,
    })
}

/// The shipped model with the between-case term in its quantiles: where a cell does not
/// record it, the between-case sd is the model's measured shared share of the cell's
/// spread (`shared` is the intraclass correlation of the errors grouped by case) and the
/// cases are the provenance's.
fn with_between_term(mut model: ErrorModel) -> ErrorModel {
    let cases = model.provenance.cases.len();
    let shared = model.shared.clamp(0.0, 1.0);
    for e in &mut model.entries {
        if e.cases == 0 {
            e.cases = cases;
            e.between_sd = e.sd * shared.sqrt();
            model.provenance.note = format!(
                "{}; the between-case term from the measured shared share {shared:.2} over {cases} cases (scripts/error-model, no tuning cache)",
                model.provenance.note.split("; the between-case term").next().unwrap_or("")
            );
        }
        e.quantiles =
            calibration::cell_quantiles(e.mean, e.sd, e.between_sd, e.statements, e.cases);
    }
    model.schema_version = 2;
    model.mode = InputMode::Profile;
    model
}

/// Schema mode with a row count only, until it has tuning runs of its own: per distance,
/// the centre is the mean of the published per-case biases, the between-case sd their
/// spread (all of it, none put down to the statements' own noise), the statements' own
/// spread within a case the profile model's; four cases make the t wide. Metadata work
/// keeps the profile model's cells (seconds, no rows to get wrong).
fn derived_schema_rows(profile: &ErrorModel) -> ErrorModel {
    let mut entries = Vec::new();
    for (d, distance) in [10.0f64, 30.0].into_iter().enumerate() {
        let biases: Vec<f64> = SCHEMA_ROWS_PUBLISHED
            .iter()
            .map(|c| -(1.0 + if d == 0 { c.1 } else { c.2 }).ln())
            .collect();
        let k = biases.len();
        let mean = biases.iter().sum::<f64>() / k as f64;
        let between =
            (biases.iter().map(|b| (b - mean).powi(2)).sum::<f64>() / (k - 1) as f64).sqrt();
        for class in OperationClass::ALL {
            let Some(cell) = profile
                .entries
                .iter()
                .filter(|e| e.class == class)
                .min_by(|a, b| {
                    (a.distance - distance)
                        .abs()
                        .total_cmp(&(b.distance - distance).abs())
                })
            else {
                continue;
            };
            if !class.rows_bound() {
                entries.push(Entry {
                    distance,
                    ..cell.clone()
                });
                continue;
            }
            let within = cell.sd * (1.0 - profile.shared.clamp(0.0, 1.0)).sqrt();
            let sd = (between * between + within * within).sqrt();
            let n = SCHEMA_ROWS_PUBLISHED_STATEMENTS;
            entries.push(Entry {
                class,
                distance,
                statements: n,
                mean,
                sd,
                between_sd: between,
                cases: k,
                quantiles: calibration::cell_quantiles(mean, sd, between, n, k),
            });
        }
    }
    ErrorModel {
        schema_version: 2,
        mode: InputMode::SchemaRows,
        status: ModelStatus::Derived,
        provenance: Provenance {
            benchmark_date: "2026-11-29T14:17Z .. 2026-11-29T14:26Z (as published)".to_string(),
            commit: "ladders at dc0f1f1 (docs/accuracy.md's schema-mode figures)".to_string(),
            machine: profile.provenance.machine.clone(),
            mode: "schema".to_string(),
            cases: SCHEMA_ROWS_PUBLISHED
                .iter()
                .map(|c| c.0.to_string())
                .collect(),
            note: "derived by scripts/error-model from the published per-case median errors of schema mode (row count only); within-case spread from the profile model; no tuning runs of this mode yet".to_string(),
        },
        shared: profile.shared,
        entries,
    }
}

/// A mode with no runs: `stand_in`'s numbers under its own name, marked unmeasured.
fn unmeasured(stand_in: &ErrorModel, mode: InputMode) -> ErrorModel {
    let mut model = stand_in.clone();
    model.mode = mode;
    model.status = ModelStatus::Unmeasured;
    model.provenance.note = format!(
        "unmeasured: no benchmark runs in this mode yet; the {} model stands in",
        stand_in.mode.as_str()
    );
    model
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
