//! Blocking at production size: a lock held for the whole run (a COPY) scales with the
//! run's duration, so it is the duration's interval times the measured fraction; brief
//! locks at start and end do not grow with rows, so they are fitted as a constant.

use super::{fit, FitOptions, Interval, ModelKind, Point};

/// What one measured run blocked, for one kind of query (reads or writes).
#[derive(Debug, Clone, Copy)]
pub struct BlockedPoint {
    pub rows: f64,
    /// The statement's own duration.
    pub run_seconds: f64,
    pub blocked_seconds: f64,
}

/// What the server is known to do when no measured run was long enough to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prior {
    /// Blocks this kind of query for the whole run (MariaDB 10.11's COPY blocks writes).
    Throughout,
    /// Only brief locks, or nothing.
    Brief,
}

/// A run at least this long can tell "blocked throughout" from "blocked at the start".
/// Shorter runs are mostly a COPY's fixed costs (the new table's file, the rename, the
/// flushes), during which writes go through: on a loaded machine a 4,000-row COPY took
/// 0.2 s with writes blocked for a third of it, and was called brief, though the copy
/// itself, which is all of the run at production size, blocks them throughout.
pub const LONG_RUN_SECONDS: f64 = 1.0;
/// Blocked for at least this fraction of the run is "throughout".
const THROUGHOUT_FRACTION: f64 = 0.5;

/// Blocked seconds at `target_rows`, and whether the blocking lasts the whole run.
pub fn blocked_at(
    points: &[BlockedPoint],
    duration: &Interval,
    target_rows: f64,
    level: f64,
    prior: Prior,
) -> (Interval, bool) {
    let mut fractions: Vec<f64> = points
        .iter()
        .filter(|p| p.run_seconds >= LONG_RUN_SECONDS)
        .map(|p| (p.blocked_seconds / p.run_seconds).clamp(0.0, 1.0))
        .collect();
    fractions.sort_by(f64::total_cmp);
    let fraction = match fractions.len() {
        0 => (prior == Prior::Throughout).then_some(1.0),
        n => Some(fractions[n / 2]).filter(|f| *f >= THROUGHOUT_FRACTION),
    };
    if let Some(fraction) = fraction {
        return (scaled(duration, fraction), true);
    }
    (brief(points, target_rows, level), false)
}

fn scaled(duration: &Interval, fraction: f64) -> Interval {
    Interval {
        seconds_p50: duration.seconds_p50 * fraction,
        seconds_low: duration.seconds_low * fraction,
        seconds_high: duration.seconds_high * fraction,
    }
}

/// Brief locks: a constant, with the interval the constant model gives.
fn brief(points: &[BlockedPoint], target_rows: f64, level: f64) -> Interval {
    let values: Vec<Point> = points
        .iter()
        .map(|p| Point {
            rows: p.rows,
            seconds: p.blocked_seconds,
        })
        .collect();
    let options = FitOptions {
        force: Some(ModelKind::Constant),
        ..FitOptions::default()
    };
    match fit(&values, &options) {
        Ok(fitted) => fitted.interval(target_rows, level),
        Err(_) => {
            let only = values.first().map_or(0.0, |p| p.seconds.max(0.0));
            Interval {
                seconds_p50: only,
                seconds_low: only,
                seconds_high: only,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn duration() -> Interval {
        Interval {
            seconds_p50: 2400.0,
            seconds_low: 2000.0,
            seconds_high: 3000.0,
        }
    }

    fn point(rows: f64, run: f64, blocked: f64) -> BlockedPoint {
        BlockedPoint {
            rows,
            run_seconds: run,
            blocked_seconds: blocked,
        }
    }

    #[test]
    fn a_lock_held_for_most_of_the_run_scales_with_the_run() {
        let points = [
            point(1e5, 1.0, 0.95),
            point(2e5, 2.0, 1.9),
            point(4e5, 4.1, 4.0),
        ];
        let (blocked, throughout) = blocked_at(&points, &duration(), 5e7, 0.9, Prior::Brief);
        assert!(throughout);
        assert!(
            (blocked.seconds_p50 - 2400.0 * 0.95).abs() < 1e-6,
            "{blocked:?}"
        );
        assert!(
            blocked.seconds_low < blocked.seconds_p50 && blocked.seconds_p50 < blocked.seconds_high
        );
    }

    #[test]
    fn brief_locks_stay_brief_at_any_size() {
        let points = [
            point(1e5, 1.0, 0.06),
            point(2e5, 2.0, 0.0),
            point(4e5, 4.0, 0.07),
        ];
        let (blocked, throughout) = blocked_at(&points, &duration(), 5e7, 0.9, Prior::Brief);
        assert!(!throughout);
        assert!(blocked.seconds_p50 < 0.1, "{blocked:?}");
    }

    #[test]
    fn short_runs_fall_back_on_what_the_server_is_known_to_do() {
        let points = [point(1e3, 0.01, 0.0), point(2e3, 0.02, 0.06)];
        let (blocked, throughout) = blocked_at(&points, &duration(), 5e7, 0.9, Prior::Throughout);
        assert!(throughout);
        assert_eq!(blocked.seconds_p50, 2400.0);
        let (_, throughout) = blocked_at(&points, &duration(), 5e7, 0.9, Prior::Brief);
        assert!(!throughout);
    }
}
