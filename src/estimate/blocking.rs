//! What each statement blocks at production size: the probe's measurements extrapolated
//! with the model, the online alter log's predicted size, and the metadata-lock warning
//! with the lock_wait_timeout to use.

use super::INTERVAL;
use crate::ddl::{Algorithm, LockLevel};
use crate::experiment::{Measurements, StatementMeasurements};
use crate::migration::{Migration, Operation};
use crate::model::blocking::{blocked_at, BlockedPoint, Prior};
use crate::model::Interval;
use crate::probe::{MeasuredBlocking, Phase, ProbeOptions, BLOCK_THRESHOLD};
use crate::report::{blocks_in_words, BlockingReport, ProbeReport};
use crate::warning::Warning;

/// The wait to allow a statement for its metadata lock. Long enough for the short
/// transactions of a web application (milliseconds to a second or two) to finish and
/// let the ALTER in; short enough that the queries queued behind a waiting ALTER stall
/// no longer than a slow page load, well below common request timeouts (30 s and up).
/// The locks the sandbox measured are milliseconds, so this leaves ample headroom.
pub const LOCK_WAIT_SECONDS: u32 = 5;

/// The blocking prediction for one statement, and warnings about it; None without probe
/// measurements. `production_lock`: production's lock where it differs from the
/// sandbox's (`--target-server` on the other side of MariaDB 11.2's non-blocking COPY,
/// say): it then decides what blocks for the whole run, since the probe saw the sandbox's.
pub fn predict(
    result: &StatementMeasurements,
    duration: &Interval,
    production_lock: Option<LockLevel>,
    write_rate: Option<f64>,
    online_log_max_bytes: Option<u64>,
) -> Option<(BlockingReport, Vec<Warning>)> {
    let measured: Vec<(f64, f64, &MeasuredBlocking)> = result
        .measurements
        .iter()
        .filter_map(|m| Some((m.rows as f64, m.seconds, m.blocking.as_ref()?)))
        .collect();
    if measured.is_empty() {
        return None;
    }
    let target = result.target_rows as f64;
    let points = |blocked: fn(&MeasuredBlocking) -> f64| -> Vec<BlockedPoint> {
        if production_lock.is_some() {
            return Vec::new();
        }
        measured
            .iter()
            .map(|(rows, run, b)| BlockedPoint {
                rows: *rows,
                run_seconds: *run,
                blocked_seconds: blocked(b),
            })
            .collect()
    };
    // MariaDB 10.11's COPY blocks writes for the whole run, and reads too when only an
    // exclusive lock is allowed: what to assume when no run was long enough to see it,
    // or when production's lock is not the sandbox's (a shared lock blocks writes).
    let (copy, exclusive) = match production_lock {
        Some(lock) => (lock != LockLevel::None, lock == LockLevel::Exclusive),
        None => (
            result.algorithm == Some(Algorithm::Copy),
            result.lock == Some(LockLevel::Exclusive),
        ),
    };
    let prior = |holds: bool| {
        if holds {
            Prior::Throughout
        } else {
            Prior::Brief
        }
    };
    let (reads, reads_throughout) = blocked_at(
        &points(|b| b.reads_blocked_seconds),
        duration,
        target,
        INTERVAL,
        prior(copy && exclusive),
    );
    let (writes, writes_throughout) = blocked_at(
        &points(|b| b.writes_blocked_seconds),
        duration,
        target,
        INTERVAL,
        prior(copy),
    );
    let phases = phases(&measured, reads_throughout || writes_throughout);
    let stall = |throughout: bool, blocked: &Interval, values: Vec<f64>| {
        if throughout {
            // One query waits for the whole block.
            blocked.seconds_p50 * 1000.0
        } else {
            values.iter().sum::<f64>() / values.len().max(1) as f64
        }
    };
    let max_read_stall_ms = stall(
        reads_throughout,
        &reads,
        measured.iter().map(|m| m.2.max_read_stall_ms).collect(),
    );
    let max_write_stall_ms = stall(
        writes_throughout,
        &writes,
        measured.iter().map(|m| m.2.max_write_stall_ms).collect(),
    );
    let online = matches!(
        result.algorithm,
        Some(Algorithm::Inplace | Algorithm::Nocopy)
    );
    let log = match (online, write_rate, result.row_bytes) {
        (true, Some(rate), Some(row_bytes)) => Some((
            log_bytes(rate, duration.seconds_p50, row_bytes),
            log_bytes(rate, duration.seconds_high, row_bytes),
        )),
        _ => None,
    };
    let mut warnings = Vec::new();
    if let (Some((p50, high)), Some(limit)) = (log, online_log_max_bytes) {
        if high > limit {
            warnings.push(Warning::OnlineLogOverflow {
                high_bytes: high,
                p50_bytes: p50,
                limit_bytes: limit,
            });
        }
    }
    let summary = blocks_in_words(result.algorithm, &reads, &writes, &phases);
    Some((
        BlockingReport {
            reads_blocked_seconds: reads,
            writes_blocked_seconds: writes,
            max_read_stall_ms,
            max_write_stall_ms,
            phases,
            online_log_bytes_estimate: log.map(|(p50, _)| p50),
            summary,
        },
        warnings,
    ))
}

/// Rows written during the run, each logged once with about a row's bytes: an upper
/// bound for an index build (its log holds only the new index's entries), about right
/// for a table rebuild.
fn log_bytes(rows_per_second: f64, seconds: f64, row_bytes: f64) -> u64 {
    (rows_per_second * seconds * row_bytes).max(0.0).round() as u64
}

/// Phases at production size: "throughout" when the extrapolation says so; a brief
/// lock at the start or end when at least half the runs saw one (a single slow probe
/// query on a busy machine is not a lock).
fn phases(measured: &[(f64, f64, &MeasuredBlocking)], throughout: bool) -> Vec<Phase> {
    let mut phases = Vec::new();
    let seen = |phase: Phase| {
        let count = measured
            .iter()
            .filter(|m| m.2.phases.contains(&phase))
            .count();
        2 * count >= measured.len()
    };
    if !throughout && seen(Phase::Start) {
        phases.push(Phase::Start);
    }
    if throughout {
        phases.push(Phase::Throughout);
    }
    if seen(Phase::End) {
        phases.push(Phase::End);
    }
    phases
}

/// The metadata-lock hazard, once per migration that changes a table's definition.
pub fn metadata_lock_warning(migration: &Migration) -> Option<Warning> {
    let ddl = migration.statements.iter().any(|s| {
        s.table.is_some() && !matches!(s.operation, Operation::CreateTable | Operation::Unknown)
    });
    ddl.then_some(Warning::MetadataLockWait {
        lock_wait_seconds: LOCK_WAIT_SECONDS,
    })
}

/// How the probe ran, from the options and what it achieved.
pub fn probe_report(
    options: Option<&ProbeOptions>,
    measured: &Measurements,
) -> Option<ProbeReport> {
    let options = options?;
    let all: Vec<&MeasuredBlocking> = measured
        .statements
        .iter()
        .flat_map(|s| &s.measurements)
        .filter_map(|m| m.blocking.as_ref())
        .collect();
    let mut rates: Vec<f64> = all
        .iter()
        .filter_map(|b| b.probe_queries_per_second)
        .collect();
    rates.sort_by(f64::total_cmp);
    Some(ProbeReport {
        connections: 3,
        queries_per_second_per_connection: options.rate_per_connection,
        block_threshold_ms: BLOCK_THRESHOLD.as_secs_f64() * 1000.0,
        queries: all.iter().map(|b| b.probe_queries).sum(),
        achieved_queries_per_second: rates.get(rates.len() / 2).copied(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Measurement;

    fn measured(rows: u64, seconds: f64, writes_blocked: f64, phases: Vec<Phase>) -> Measurement {
        Measurement {
            rows,
            seconds,
            blocking: Some(MeasuredBlocking {
                reads_blocked_seconds: 0.0,
                writes_blocked_seconds: writes_blocked,
                max_read_stall_ms: 5.0,
                max_write_stall_ms: writes_blocked * 1000.0,
                stalls_over_100ms: 0,
                stalls_over_1s: 0,
                phases,
                probe_queries: 10,
                probe_queries_per_second: None,
                probe_errors: 0,
                first_error: None,
            }),
        }
    }

    fn duration(p50: f64) -> Interval {
        Interval {
            seconds_p50: p50,
            seconds_low: p50 * 0.8,
            seconds_high: p50 * 1.25,
        }
    }

    #[test]
    fn production_s_own_lock_decides_where_it_differs_from_the_sandbox_s() {
        // The sandbox (MariaDB 11.4) copied without blocking; production (10.11) takes a
        // shared lock, so writes wait for the whole run there.
        let result = StatementMeasurements {
            algorithm: Some(Algorithm::Copy),
            lock: Some(LockLevel::None),
            measurements: vec![
                measured(100_000, 2.0, 0.0, vec![]),
                measured(200_000, 4.0, 0.0, vec![]),
            ],
            target_rows: 50_000_000,
            ..Default::default()
        };
        let (open, _) = predict(&result, &duration(600.0), None, None, None).expect("probe");
        assert_eq!(open.writes_blocked_seconds.seconds_p50, 0.0);
        let shared = Some(LockLevel::Shared);
        let (blocked, _) = predict(&result, &duration(600.0), shared, None, None).expect("probe");
        assert_eq!(blocked.writes_blocked_seconds.seconds_p50, 600.0);
        assert_eq!(blocked.reads_blocked_seconds.seconds_p50, 0.0);
        assert_eq!(blocked.phases, vec![Phase::Throughout]);
    }

    #[test]
    fn a_short_copy_ladder_still_predicts_writes_blocked_for_the_run() {
        let result = StatementMeasurements {
            algorithm: Some(Algorithm::Copy),
            lock: Some(LockLevel::Shared),
            measurements: vec![
                measured(1000, 0.02, 0.0, vec![]),
                measured(2000, 0.04, 0.0, vec![]),
            ],
            target_rows: 50_000_000,
            row_bytes: Some(400.0),
            ..Default::default()
        };
        let (blocking, warnings) =
            predict(&result, &duration(2400.0), None, None, None).expect("probe");
        assert_eq!(blocking.writes_blocked_seconds.seconds_p50, 2400.0);
        assert_eq!(blocking.reads_blocked_seconds.seconds_p50, 0.0);
        assert_eq!(blocking.phases, vec![Phase::Throughout]);
        assert_eq!(blocking.summary, "writes blocked ~40 min");
        assert_eq!(blocking.online_log_bytes_estimate, None);
        assert!(warnings.is_empty());
    }

    #[test]
    fn an_online_alter_warns_when_its_log_would_overflow() {
        let result = StatementMeasurements {
            algorithm: Some(Algorithm::Nocopy),
            lock: Some(LockLevel::None),
            measurements: vec![
                measured(100_000, 0.5, 0.0, vec![]),
                measured(200_000, 1.0, 0.06, vec![Phase::End]),
            ],
            target_rows: 50_000_000,
            row_bytes: Some(400.0),
            ..Default::default()
        };
        // 1000 rows/s for 600 s of 400-byte rows: 240 MB, over a 128 MiB limit.
        let (blocking, warnings) = predict(
            &result,
            &duration(600.0),
            None,
            Some(1000.0),
            Some(128 << 20),
        )
        .expect("probe");
        assert_eq!(blocking.online_log_bytes_estimate, Some(240_000_000));
        assert_eq!(blocking.summary, "brief lock at start and end");
        assert_eq!(blocking.phases, vec![Phase::End]);
        assert!(blocking.writes_blocked_seconds.seconds_p50 < 0.1);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(matches!(
            warnings[0],
            Warning::OnlineLogOverflow {
                limit_bytes: 134_217_728,
                ..
            }
        ));
        // A tenth of the rate stays under the limit.
        let (_, warnings) = predict(
            &result,
            &duration(600.0),
            None,
            Some(100.0),
            Some(128 << 20),
        )
        .expect("probe");
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
