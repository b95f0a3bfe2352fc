//! CI gates: `--max-duration` and `--max-write-block` compare the high end of a
//! statement's interval with their limit, `--max-distance` production's rows with the
//! largest measured scale; what fires is listed, and main exits 3.

use super::checklist::writes_blocked_high;
use super::{human_seconds, Report};
use std::time::Duration;

/// The limits a CI run sets; each gate is on only when its limit is given.
#[derive(Debug, Clone, Default)]
pub struct Gates {
    pub max_duration: Option<Duration>,
    pub max_write_block: Option<Duration>,
    /// Production rows over the largest measured scale.
    pub max_distance: Option<f64>,
}

/// One line per statement and gate that fired; empty when the report passes.
pub fn check(report: &Report, gates: &Gates) -> Vec<String> {
    let mut fired = Vec::new();
    if let Some(limit) = gates.max_distance {
        let production = report
            .tables
            .iter()
            .map(|t| t.target_rows)
            .max()
            .unwrap_or(0);
        if let Some(distance) = report.ladder.distance(production) {
            if distance > limit {
                fired.push(format!(
                    "production is {distance:.0}x the largest measured scale, over --max-distance {limit}"
                ));
            }
        }
    }
    for s in &report.statements {
        if let Some(limit) = gates.max_duration {
            let high = super::route::duration_high(s);
            if high > limit.as_secs_f64() {
                fired.push(format!(
                    "statement {}{} may run {} (high estimate), over --max-duration {}",
                    s.index + 1,
                    super::route::on_route(s),
                    human_seconds(high),
                    human_seconds(limit.as_secs_f64())
                ));
            }
        }
        if let Some(limit) = gates.max_write_block {
            let blocked = writes_blocked_high(s);
            if blocked > limit.as_secs_f64() {
                fired.push(format!(
                    "statement {}{} may block writes for {} (high estimate), over --max-write-block {}",
                    s.index + 1,
                    super::route::on_route(s),
                    human_seconds(blocked),
                    human_seconds(limit.as_secs_f64())
                ));
            }
        }
    }
    fired
}
