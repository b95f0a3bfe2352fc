//! Calibration from outcomes: per operation kind, how real durations compared with the
//! estimates (`ddl-eta calibrate`), and how a calibration corrects a new estimate
//! (`estimate --calibration`): the median ratio scales the point estimate, and with at
//! least `MIN_OUTCOMES` outcomes the observed spread of ratios sets the interval.

use super::outcome::{self, Outcome};
pub use crate::cli::CalibrateArgs;
use crate::migration::Operation;
use crate::report::{Assumption, Report};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;
/// Fewer outcomes than this for a kind tell too little to replace the model's interval.
pub const MIN_OUTCOMES: usize = 3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Calibration {
    pub schema_version: u32,
    /// The level of the observed spread (0.9: 5th to 95th percentile of the ratios).
    pub interval: f64,
    pub kinds: Vec<KindCalibration>,
    /// Outcomes read that carried no estimate (recorded without `--estimate`): not used.
    pub outcomes_without_estimate: usize,
}

/// Ratios are real seconds (less any metadata-lock wait) over the estimate's p50.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KindCalibration {
    pub operation: Operation,
    pub outcomes: usize,
    pub ratio_p50: f64,
    pub ratio_low: f64,
    pub ratio_high: f64,
}

/// The `calibrate` command.
pub fn run(args: &CalibrateArgs) -> Result<Calibration> {
    let mut outcomes = Vec::new();
    for path in &args.outcomes {
        outcomes.extend(outcome::read(path)?);
    }
    Ok(calibrate(&outcomes, crate::model::INTERVAL))
}

pub fn calibrate(outcomes: &[Outcome], interval: f64) -> Calibration {
    let mut ratios: BTreeMap<&'static str, (Operation, Vec<f64>)> = BTreeMap::new();
    let mut without = 0;
    for outcome in outcomes {
        let Some(estimate) = outcome
            .estimate
            .as_ref()
            .filter(|e| e.seconds_p50 > 0.0 && outcome.working_seconds() > 0.0)
        else {
            without += 1;
            continue;
        };
        ratios
            .entry(outcome.operation.as_str())
            .or_insert_with(|| (outcome.operation, Vec::new()))
            .1
            .push(outcome.working_seconds() / estimate.seconds_p50);
    }
    let tail = (1.0 - interval) / 2.0;
    let kinds = ratios
        .into_values()
        .map(|(operation, mut values)| {
            values.sort_by(f64::total_cmp);
            KindCalibration {
                operation,
                outcomes: values.len(),
                ratio_p50: quantile(&values, 0.5),
                ratio_low: quantile(&values, tail),
                ratio_high: quantile(&values, 1.0 - tail),
            }
        })
        .collect();
    Calibration {
        schema_version: SCHEMA_VERSION,
        interval,
        kinds,
        outcomes_without_estimate: without,
    }
}

/// Linear interpolation between order statistics of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}

pub fn load(path: &Path) -> Result<Calibration> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the calibration {}", path.display()))?;
    let calibration: Calibration = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a calibration written by `ddl-eta calibrate`",
            path.display()
        )
    })?;
    if calibration.schema_version != SCHEMA_VERSION {
        bail!(
            "{} has schema_version {}; this ddl-eta reads {SCHEMA_VERSION}",
            path.display(),
            calibration.schema_version
        );
    }
    Ok(calibration)
}

/// Correct the estimate's statements of every calibrated kind: the point estimate times
/// the median ratio; the interval, for a kind with at least `MIN_OUTCOMES` outcomes, the
/// observed spread of ratios around the calibrated point (it replaces the model's
/// interval, never adds to it). The total is drawn again from the statements as they now
/// are, as the estimate draws it (its ends are not sums of the statements' ends: moving
/// them by the statements' changes could take off more than they hold, a high under the
/// p50). Each kind used or left alone is said in the report's assumptions.
pub fn apply(report: &mut Report, calibration: &Calibration) {
    let mut said: Vec<Assumption> = Vec::new();
    for statement in &mut report.statements {
        let Some(kind) = calibration
            .kinds
            .iter()
            .find(|k| k.operation == statement.operation)
        else {
            continue;
        };
        let line = if kind.outcomes < MIN_OUTCOMES {
            Assumption::TooFewOutcomes {
                operation: statement.operation,
                outcomes: kind.outcomes,
                needed: MIN_OUTCOMES,
            }
        } else {
            let estimate = &mut statement.estimate;
            let point = estimate.seconds_p50;
            estimate.seconds_p50 = point * kind.ratio_p50;
            estimate.seconds_low = point * kind.ratio_low;
            estimate.seconds_high = point * kind.ratio_high;
            // Production's outcomes hold production's hardware: no prior on top.
            estimate.without_hardware = None;
            Assumption::Calibrated {
                operation: statement.operation,
                outcomes: kind.outcomes,
                ratio_p50: kind.ratio_p50,
                ratio_low: kind.ratio_low,
                ratio_high: kind.ratio_high,
            }
        };
        if !said.contains(&line) {
            said.push(line);
        }
    }
    report.total = total_of(report, |e| (e.seconds_low, e.seconds_high));
    let any_hardware = report
        .statements
        .iter()
        .any(|s| s.estimate.without_hardware.is_some());
    if any_hardware {
        report.total_without_hardware = Some(total_of(report, |e| match &e.without_hardware {
            Some(range) => (range.seconds_low, range.seconds_high),
            None => (e.seconds_low, e.seconds_high),
        }));
    } else {
        report.hardware = None;
        report.total_without_hardware = None;
    }
    for assumption in said {
        report.assume(assumption);
    }
}

/// The migration's total from its statements' intervals (`ends` picks each one's low and
/// high: with or without the hardware term), drawn as the estimate draws it
/// (`model::total_interval`, with the input mode's shared error): each statement with a
/// positive low end as a ratio around its point, the others in seconds.
fn total_of(
    report: &Report,
    ends: impl Fn(&crate::report::EstimateReport) -> (f64, f64),
) -> crate::model::Interval {
    let shared = report
        .input
        .map_or(1.0, |mode| crate::model::error_model_for(mode).shared);
    let parts: Vec<crate::model::Spread> = report
        .statements
        .iter()
        .map(|s| {
            let e = &s.estimate;
            let (low, high) = ends(e);
            crate::model::Spread {
                interval: crate::model::Interval {
                    seconds_p50: e.seconds_p50,
                    seconds_low: low,
                    seconds_high: high,
                },
                multiplicative: low > 0.0,
                floor: 0.0,
            }
        })
        .collect();
    crate::model::total_interval(&parts, report.interval, shared)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::outcome::OutcomeEstimate;

    fn outcome(operation: Operation, seconds: f64, p50: f64) -> Outcome {
        Outcome {
            schema_version: 1,
            server: crate::server::classify_version("10.11.19-MariaDB", None),
            database: "prod".into(),
            table: "t".into(),
            rows_at_start: Some(1000),
            operation,
            sql: String::new(),
            started_at: String::new(),
            seconds,
            seconds_uncertainty: 0.5,
            lock_wait_seconds: 0.0,
            progress_source: String::new(),
            estimate: Some(OutcomeEstimate {
                seconds_p50: p50,
                seconds_low: p50 / 2.0,
                seconds_high: p50 * 2.0,
                interval: 0.9,
            }),
        }
    }

    fn saved_report() -> Report {
        serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
            .expect("fixture report parses")
    }

    #[test]
    fn three_outcomes_set_point_and_interval_and_fewer_leave_the_kind_alone() {
        let outcomes = [
            outcome(Operation::AddIndex, 120.0, 100.0),
            outcome(Operation::AddIndex, 150.0, 100.0),
            outcome(Operation::AddIndex, 130.0, 100.0),
            outcome(Operation::ModifyColumn, 50.0, 100.0),
        ];
        let calibration = calibrate(&outcomes, 0.9);
        let index = &calibration.kinds[0];
        assert_eq!(index.operation, Operation::AddIndex);
        assert_eq!(index.outcomes, 3);
        assert!((index.ratio_p50 - 1.3).abs() < 1e-12);
        let before = saved_report();
        let mut after = before.clone();
        apply(&mut after, &calibration);
        let (b, a) = (
            &before.statements[1].estimate,
            &after.statements[1].estimate,
        );
        assert!((a.seconds_p50 - b.seconds_p50 * 1.3).abs() < 1e-9);
        assert!((a.seconds_low - b.seconds_p50 * index.ratio_low).abs() < 1e-9);
        assert!((a.seconds_high - b.seconds_p50 * index.ratio_high).abs() < 1e-9);
        // One modify_column outcome: too few, left as it was, and said.
        assert_eq!(
            after.statements[2].estimate.seconds_p50,
            before.statements[2].estimate.seconds_p50
        );
        assert!(after
            .assumptions
            .iter()
            .any(|a| a.starts_with("modify_column: 1 recorded outcome(s)")));
        // The total, drawn again, moved up by about what the statement did.
        let moved = after.total.seconds_p50
            - total_of(&before, |e| (e.seconds_low, e.seconds_high)).seconds_p50;
        assert!(moved > 0.0 && moved < b.seconds_p50 * 0.6, "{moved}");
    }

    /// The saved report as an estimate with the hardware prior prints it: each statement's
    /// interval widened, the interval without it kept beside.
    fn with_hardware_prior(mut report: Report) -> Report {
        use crate::report::{HardwareSource, HardwareTerm, Range};
        for statement in &mut report.statements {
            let e = &mut statement.estimate;
            e.without_hardware = Some(Range {
                seconds_low: e.seconds_low,
                seconds_high: e.seconds_high,
            });
            e.seconds_low /= 1.7;
            e.seconds_high *= 1.7;
        }
        report.hardware = Some(HardwareTerm {
            source: HardwareSource::Prior,
            ratio: 1.7,
        });
        report
    }

    #[test]
    fn calibration_takes_the_hardware_term_off_only_the_statements_it_calibrates() {
        let mut report = with_hardware_prior(saved_report());
        let operation = report.statements[1].operation;
        let others = report
            .statements
            .iter()
            .filter(|s| s.operation != operation)
            .count();
        assert!(others > 0, "the fixture has statements of another kind");
        let outcomes = [120.0, 150.0, 130.0].map(|seconds| outcome(operation, seconds, 100.0));
        apply(&mut report, &calibrate(&outcomes, 0.9));
        for statement in &report.statements {
            let calibrated = statement.operation == operation;
            assert_eq!(
                statement.estimate.without_hardware.is_none(),
                calibrated,
                "{:?}",
                statement.operation
            );
        }
        assert!(report.hardware.is_some());
        let (total, bare) = (
            &report.total,
            report.total_without_hardware.as_ref().expect("kept"),
        );
        assert!(bare.seconds_low >= total.seconds_low, "{bare:?} {total:?}");
        assert!(
            bare.seconds_high <= total.seconds_high,
            "{bare:?} {total:?}"
        );

        // Every statement calibrated: no hardware term is left anywhere.
        let mut report = with_hardware_prior(saved_report());
        for statement in &mut report.statements {
            statement.operation = operation;
        }
        apply(&mut report, &calibrate(&outcomes, 0.9));
        assert!(report.hardware.is_none());
        assert!(report.total_without_hardware.is_none());
    }

    #[test]
    fn a_tight_calibration_of_every_statement_keeps_the_total_in_order() {
        let mut report = saved_report();
        let operation = report.statements[0].operation;
        for statement in &mut report.statements {
            statement.operation = operation;
        }
        let outcomes = [100.0, 95.0, 105.0].map(|seconds| outcome(operation, seconds, 100.0));
        apply(&mut report, &calibrate(&outcomes, 0.9));
        let total = &report.total;
        assert!(
            total.seconds_low <= total.seconds_p50 && total.seconds_p50 <= total.seconds_high,
            "{total:?}"
        );
        // Six statements each within 5% of their point: the total is that narrow too.
        let points: f64 = report
            .statements
            .iter()
            .map(|s| s.estimate.seconds_p50)
            .sum();
        assert!(total.seconds_high < points * 1.1, "{total:?} over {points}");
    }
}
