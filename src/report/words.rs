//! Sentences about one statement that more than one format prints: its blocking detail,
//! production's side and the validation run. Written from the report's numbers and
//! codes, so the text and HTML reports say the same thing.

use super::{BlockingReport, ProductionReport, ProductionSource, ValidationReport};
use crate::text::{group_digits, human_bytes, human_seconds, or_dash, short_rows};

/// "blocks: ... (reads .., writes ..; longest stall ...)", and the online alter log.
pub fn blocking(b: &BlockingReport) -> Vec<String> {
    let mut lines = vec![format!(
        "blocks: {}  (reads {} .. {}, writes {} .. {}; longest stall: read {}, write {})",
        b.summary,
        human_seconds(b.reads_blocked_seconds.seconds_low),
        human_seconds(b.reads_blocked_seconds.seconds_high),
        human_seconds(b.writes_blocked_seconds.seconds_low),
        human_seconds(b.writes_blocked_seconds.seconds_high),
        human_seconds(b.max_read_stall_ms / 1000.0),
        human_seconds(b.max_write_stall_ms / 1000.0)
    )];
    if let Some(bytes) = b.online_log_bytes_estimate {
        lines.push(format!(
            "online alter log at the end: ~{}",
            human_bytes(bytes)
        ));
    }
    lines
}

/// The `--validate` run beside its prediction.
pub fn validation(v: &ValidationReport) -> String {
    format!(
        "validation at {} rows: predicted {}, measured {} (error {:+.0}%{})",
        group_digits(v.rows),
        human_seconds(v.predicted),
        human_seconds(v.actual),
        v.error * 100.0,
        if v.inside_interval {
            ", inside the interval"
        } else {
            ", outside the interval: widened"
        }
    )
}

/// Production's side of a statement: where the answer comes from, and what differs.
pub fn production(p: &ProductionReport) -> Vec<String> {
    let source = match (p.source, &p.rule) {
        (ProductionSource::Measured, _) => "measured in the sandbox".to_string(),
        (ProductionSource::Rule, Some(rule)) => format!("rule {rule} for production's version"),
        (ProductionSource::Rule, None) => "rule for production's version".to_string(),
    };
    let mut lines = vec![format!(
        "production {}: algorithm {}, lock {}{}  [{source}]",
        p.server,
        or_dash(p.algorithm),
        or_dash(p.lock),
        if p.rebuilds_table {
            ", rebuilds the table"
        } else {
            ""
        }
    )];
    if p.differs {
        let time = if p.rebuild_measurements.is_empty() {
            "the time is the sandbox's"
        } else {
            "the time comes from a table rebuild measured in the sandbox"
        };
        lines.push(format!("differs from the sandbox: {time}"));
    }
    if !p.rebuild_measurements.is_empty() {
        let rebuilt: Vec<String> = p
            .rebuild_measurements
            .iter()
            .map(|m| format!("{} {}", short_rows(m.rows), human_seconds(m.seconds)))
            .collect();
        lines.push(format!("measured rebuild: {}", rebuilt.join(" | ")));
    }
    lines
}
