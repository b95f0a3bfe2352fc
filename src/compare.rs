//! `ddl-eta compare old.json new.json`: statement by statement, how the predicted duration
//! and blocking changed between two saved reports (across versions, servers or settings).

use crate::report::checklist::writes_blocked_high;
use crate::report::{human_seconds, Report};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub schema_version: u32,
    pub statements: Vec<StatementChange>,
    pub total: Change,
}

#[derive(Debug, Serialize)]
pub struct StatementChange {
    pub index: usize,
    pub sql: String,
    /// False when the two reports ran different SQL at this position.
    pub same_sql: bool,
    pub seconds_p50: Change,
    pub seconds_high: Change,
    pub writes_blocked_seconds_high: Change,
}

#[derive(Debug, Serialize)]
pub struct Change {
    pub old: f64,
    pub new: f64,
    /// (new - old) / old; null when old is 0.
    pub ratio: Option<f64>,
}

impl Change {
    fn new(old: f64, new: f64) -> Change {
        Change {
            old,
            new,
            ratio: (old > 0.0).then(|| (new - old) / old),
        }
    }
}

pub fn load(path: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read report {}", path.display()))?;
    let report: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a ddl-eta JSON report (made by estimate --format json)",
            path.display()
        )
    })?;
    if report.schema_version != crate::report::SCHEMA_VERSION {
        bail!(
            "{} has schema_version {}; this ddl-eta reads {}",
            path.display(),
            report.schema_version,
            crate::report::SCHEMA_VERSION
        );
    }
    Ok(report)
}

pub fn compare(old: &Report, new: &Report) -> Comparison {
    let statements = old
        .statements
        .iter()
        .zip(&new.statements)
        .map(|(o, n)| StatementChange {
            index: n.index,
            sql: n.sql.clone(),
            same_sql: o.sql == n.sql,
            seconds_p50: Change::new(o.estimate.seconds_p50, n.estimate.seconds_p50),
            seconds_high: Change::new(o.estimate.seconds_high, n.estimate.seconds_high),
            writes_blocked_seconds_high: Change::new(
                writes_blocked_high(o),
                writes_blocked_high(n),
            ),
        })
        .collect();
    Comparison {
        schema_version: 1,
        statements,
        total: Change::new(old.total.seconds_p50, new.total.seconds_p50),
    }
}

pub fn render_text(comparison: &Comparison, old: &Report, new: &Report) -> String {
    let mut out = String::new();
    if old.statements.len() != new.statements.len() {
        let _ = writeln!(
            out,
            "note: the reports have {} and {} statements; only the first {} are compared",
            old.statements.len(),
            new.statements.len(),
            comparison.statements.len()
        );
    }
    let _ = writeln!(
        out,
        "{:<3} {:<42} {:>32} {:>32} {:>32}",
        "#", "statement", "duration p50", "duration high", "writes blocked (high)"
    );
    for s in &comparison.statements {
        let mark = if s.same_sql { "" } else { " (SQL differs)" };
        let name: String = s.sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let name: String = name
            .chars()
            .take(40 - mark.len().min(40))
            .collect::<String>()
            + mark;
        let _ = writeln!(
            out,
            "{:<3} {:<42} {:>32} {:>32} {:>32}",
            s.index + 1,
            name,
            change_text(&s.seconds_p50),
            change_text(&s.seconds_high),
            change_text(&s.writes_blocked_seconds_high)
        );
    }
    let _ = writeln!(
        out,
        "{:<3} {:<42} {:>32}",
        "",
        "total",
        change_text(&comparison.total)
    );
    out
}

fn change_text(change: &Change) -> String {
    let ratio = match change.ratio {
        Some(r) => format!("{:+.0}%", r * 100.0),
        None if change.new > 0.0 => "new".to_string(),
        None => "=".to_string(),
    };
    format!(
        "{} -> {} ({ratio})",
        human_seconds(change.old),
        human_seconds(change.new)
    )
}
