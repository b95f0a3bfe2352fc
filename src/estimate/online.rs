//! The online route's side of a statement: pt-osc's runs fitted and extrapolated like the
//! native statement's, with the fit's own interval (no error model has been measured for
//! the tool yet), what it cost the probe's writes, its swap's lock, and the commands.

use super::INTERVAL;
use crate::experiment::{Measurement, OnlineMeasured};
use crate::migration::Statement;
use crate::model::{self, Point};
use crate::online_route::{self, Route};
use crate::report::route::{OnlineRouteReport, RouteErrorModel};
use crate::report::{EstimateReport, ModelReport};

pub fn report(
    statement: &Statement,
    measured: &OnlineMeasured,
    target_rows: u64,
    database: Option<&str>,
    hardware_ratio: Option<f64>,
) -> OnlineRouteReport {
    let table = statement.table.clone().unwrap_or_default();
    let measurements: Vec<Measurement> = {
        let mut runs: Vec<Measurement> = measured
            .runs
            .iter()
            .map(|r| r.measurement.clone())
            .collect();
        runs.sort_by_key(|m| m.rows);
        runs
    };
    let points: Vec<Point> = measurements
        .iter()
        .map(|m| Point {
            rows: m.rows as f64,
            seconds: m.seconds,
        })
        .collect();
    // Copying rows is work on every row: never extrapolated flat.
    let fit = model::statement_fit(&points, false, true).ok();
    let estimate = fit.as_ref().map(|fit| {
        // The fit's own interval: no error model was measured for this route. The
        // hardware term is the native statement's: the same machine does the copying.
        let fitted = fit.interval(target_rows as f64, INTERVAL);
        let interval = match hardware_ratio {
            Some(ratio) => fitted.with_hardware(ratio),
            None => fitted.clone(),
        };
        EstimateReport {
            rows: target_rows,
            seconds_p50: interval.seconds_p50,
            seconds_low: interval.seconds_low,
            seconds_high: interval.seconds_high,
            interval: INTERVAL,
            source: None,
            without_hardware: hardware_ratio.map(|_| crate::report::Range {
                seconds_low: fitted.seconds_low,
                seconds_high: fitted.seconds_high,
            }),
        }
    });
    let top = measurements.iter().map(|m| m.rows).max().unwrap_or(0);
    let at_top = |pick: fn(&crate::experiment::OnlineRun) -> Option<f64>| {
        let mut values: Vec<f64> = measured
            .runs
            .iter()
            .filter(|r| r.measurement.rows == top)
            .filter_map(pick)
            .collect();
        values.sort_by(f64::total_cmp);
        (!values.is_empty()).then(|| values[values.len() / 2])
    };
    let before = at_top(|r| r.write_ms_before);
    let during = at_top(|r| r.write_ms_during);
    let blockings: Vec<_> = measurements
        .iter()
        .filter_map(|m| m.blocking.as_ref())
        .collect();
    let alter = &measured.alter;
    OnlineRouteReport {
        tool: Route::PtOsc,
        model: fit.as_ref().map(|f| ModelReport {
            kind: f.kind,
            loo_error: f.loo_error,
            calibration_rows: None,
            extrapolation: None,
        }),
        estimate,
        error_model: RouteErrorModel::None,
        fixed_seconds: measurements.iter().map(|m| m.seconds).reduce(f64::min),
        write_latency_ms_before: before,
        write_latency_ms_during: during,
        write_slowdown: match (before, during) {
            (Some(b), Some(d)) if b > 0.0 => Some(d / b),
            _ => None,
        },
        swap_blocked_seconds: measured
            .runs
            .iter()
            .filter_map(|r| r.swap_blocked_seconds)
            .reduce(f64::max),
        writes_blocked_seconds: blockings
            .iter()
            .map(|b| b.writes_blocked_seconds)
            .reduce(f64::max),
        max_write_stall_ms: blockings
            .iter()
            .map(|b| b.max_write_stall_ms)
            .reduce(f64::max),
        needs: measured.needs.clone(),
        refused: measured.refused.clone(),
        command: online_route::production_command(alter, database, &table, &measured.needs),
        gh_ost_command: online_route::gh_ost_command(alter, database, &table),
        gh_ost_blockers: measured.gh_ost_blockers.clone(),
        measurements,
    }
}
