//! `ddl-eta compare old.json new.json`: statement by statement, how the predicted duration
//! and blocking changed between two saved reports (across versions, servers or settings).
//! Statements are paired by their SQL, not their position; reports of every older
//! `schema_version` load (fields are only ever added).

use crate::report::checklist::writes_blocked_high;
use crate::report::provenance::Provenance;
use crate::report::{human_seconds, Report, StatementReport};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::fmt::Write;
use std::path::Path;

/// The comparison's JSON version: fields are only ever added.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub schema_version: u32,
    /// The statements both reports ran, in the new report's order.
    pub statements: Vec<StatementChange>,
    pub total: Change,
    /// Statements only the old report ran (by SQL), and only the new one.
    pub only_in_old: Vec<Unpaired>,
    pub only_in_new: Vec<Unpaired>,
    /// Where each report came from (version, host, command line), when it recorded it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_provenance: Option<Provenance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_provenance: Option<Provenance>,
}

#[derive(Debug, Serialize)]
pub struct StatementChange {
    /// 0-based position in the new report.
    pub index: usize,
    /// 0-based position in the old report.
    pub old_index: usize,
    pub sql: String,
    /// Always true: statements are paired by their SQL (kept for readers of reports that
    /// paired them by position).
    pub same_sql: bool,
    pub seconds_p50: Change,
    pub seconds_high: Change,
    pub writes_blocked_seconds_high: Change,
    /// The old report's interval, and whether the new p50 lies inside it (low and high
    /// included): outside it, the change is larger than the old estimate's own spread.
    pub old_seconds_low: f64,
    pub old_seconds_high: f64,
    pub p50_within_old_interval: bool,
    /// The pt-online-schema-change route's p50, where both reports measured it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_seconds_p50: Option<Change>,
}

/// A statement the other report does not have.
#[derive(Debug, Serialize)]
pub struct Unpaired {
    pub index: usize,
    pub sql: String,
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

/// Reads a saved report of this or any older `schema_version`; a newer one is refused.
pub fn load(path: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read report {}", path.display()))?;
    let report: Report = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a ddl-eta JSON report (made by estimate --format json)",
            path.display()
        )
    })?;
    if report.schema_version > crate::report::SCHEMA_VERSION {
        bail!(
            "{} has schema_version {}, made by a newer ddl-eta; this one reads up to {}",
            path.display(),
            report.schema_version,
            crate::report::SCHEMA_VERSION
        );
    }
    Ok(report)
}

/// The SQL as pairing sees it: whitespace runs as one space.
fn key(statement: &StatementReport) -> String {
    statement
        .sql
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn online_p50(statement: &StatementReport) -> Option<f64> {
    Some(
        statement
            .online_route
            .as_ref()?
            .estimate
            .as_ref()?
            .seconds_p50,
    )
}

pub fn compare(old: &Report, new: &Report) -> Comparison {
    let mut unused: Vec<bool> = vec![true; old.statements.len()];
    let mut statements = Vec::new();
    let mut only_in_new = Vec::new();
    for n in &new.statements {
        // The first unpaired old statement with the same SQL: a statement that runs twice
        // pairs its first run with the first, its second with the second.
        let found = old
            .statements
            .iter()
            .enumerate()
            .position(|(i, o)| unused[i] && key(o) == key(n));
        let Some(i) = found else {
            only_in_new.push(Unpaired {
                index: n.index,
                sql: n.sql.clone(),
            });
            continue;
        };
        unused[i] = false;
        let o = &old.statements[i];
        let (low, high) = (o.estimate.seconds_low, o.estimate.seconds_high);
        statements.push(StatementChange {
            index: n.index,
            old_index: o.index,
            sql: n.sql.clone(),
            same_sql: true,
            seconds_p50: Change::new(o.estimate.seconds_p50, n.estimate.seconds_p50),
            seconds_high: Change::new(high, n.estimate.seconds_high),
            writes_blocked_seconds_high: Change::new(
                writes_blocked_high(o),
                writes_blocked_high(n),
            ),
            old_seconds_low: low,
            old_seconds_high: high,
            p50_within_old_interval: (low..=high).contains(&n.estimate.seconds_p50),
            online_seconds_p50: online_p50(o)
                .zip(online_p50(n))
                .map(|(old, new)| Change::new(old, new)),
        });
    }
    let only_in_old = old
        .statements
        .iter()
        .zip(&unused)
        .filter(|(_, unused)| **unused)
        .map(|(o, _)| Unpaired {
            index: o.index,
            sql: o.sql.clone(),
        })
        .collect();
    Comparison {
        schema_version: SCHEMA_VERSION,
        statements,
        total: Change::new(old.total.seconds_p50, new.total.seconds_p50),
        only_in_old,
        only_in_new,
        old_provenance: old.provenance.clone(),
        new_provenance: new.provenance.clone(),
    }
}

fn statement_name(sql: &str, width: usize) -> String {
    crate::text::one_line(sql, width)
}

fn within(change: &StatementChange) -> &'static str {
    if change.p50_within_old_interval {
        "yes"
    } else {
        "no"
    }
}

/// Where a report came from, in a few words: "ddl-eta 0.1.0 on 2 cores, 23.4 GiB, ssd ext4".
fn provenance_line(provenance: Option<&Provenance>) -> String {
    let Some(p) = provenance else {
        return "not recorded (saved before reports carried it)".to_string();
    };
    let mut line = format!("ddl-eta {}", p.ddl_eta_version);
    if let Some(host) = &p.host {
        let mut parts = Vec::new();
        if let Some(cores) = host.cores {
            parts.push(format!("{cores} cores"));
        }
        if let Some(memory) = host.memory_bytes {
            parts.push(crate::text::human_bytes(memory));
        }
        if let Some(disk) = &host.disk {
            parts.push(match &disk.kind {
                Some(kind) => format!("{kind} {}", disk.filesystem),
                None => disk.filesystem.clone(),
            });
        }
        if !parts.is_empty() {
            line += &format!(" on {}", parts.join(", "));
        }
    }
    line
}

pub fn render_text(comparison: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<3} {:<42} {:>32} {:>32} {:>32} {:>10}",
        "#", "statement", "duration p50", "duration high", "writes blocked (high)", "in old 90%"
    );
    for s in &comparison.statements {
        let _ = writeln!(
            out,
            "{:<3} {:<42} {:>32} {:>32} {:>32} {:>10}",
            s.index + 1,
            statement_name(&s.sql, 40),
            change_text(&s.seconds_p50),
            change_text(&s.seconds_high),
            change_text(&s.writes_blocked_seconds_high),
            within(s)
        );
        if let Some(online) = &s.online_seconds_p50 {
            let _ = writeln!(
                out,
                "{:<3} {:<42} {:>32}",
                "",
                "  through pt-osc",
                change_text(online)
            );
        }
    }
    let _ = writeln!(
        out,
        "{:<3} {:<42} {:>32}",
        "",
        "total",
        change_text(&comparison.total)
    );
    for (label, unpaired) in [
        ("only in the old report", &comparison.only_in_old),
        ("only in the new report", &comparison.only_in_new),
    ] {
        for u in unpaired {
            let _ = writeln!(
                out,
                "{label}: {} {}",
                u.index + 1,
                statement_name(&u.sql, 80)
            );
        }
    }
    let _ = writeln!(
        out,
        "old: {}",
        provenance_line(comparison.old_provenance.as_ref())
    );
    let _ = writeln!(
        out,
        "new: {}",
        provenance_line(comparison.new_provenance.as_ref())
    );
    out
}

pub fn render_markdown(comparison: &Comparison) -> String {
    let mut out = String::from("## ddl-eta compare\n\n");
    out += "| # | statement | duration p50 | duration high | writes blocked (high) | new p50 in old interval |\n";
    out += "| ---: | --- | --- | --- | --- | --- |\n";
    for s in &comparison.statements {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            s.index + 1,
            code_span(&statement_name(&s.sql, 60)).replace('|', "\\|"),
            change_text(&s.seconds_p50),
            change_text(&s.seconds_high),
            change_text(&s.writes_blocked_seconds_high),
            within(s)
        );
    }
    let _ = writeln!(
        out,
        "| | **total** | {} | | | |",
        change_text(&comparison.total)
    );
    for (label, unpaired) in [
        ("Only in the old report", &comparison.only_in_old),
        ("Only in the new report", &comparison.only_in_new),
    ] {
        if unpaired.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{label}:\n");
        for u in unpaired {
            let _ = writeln!(
                out,
                "- {}. {}",
                u.index + 1,
                code_span(&statement_name(&u.sql, 80))
            );
        }
    }
    let _ = writeln!(
        out,
        "\nOld: {}.  \nNew: {}.",
        provenance_line(comparison.old_provenance.as_ref()),
        provenance_line(comparison.new_provenance.as_ref())
    );
    out
}

/// SQL as inline code: its own backticks kept, inside a double-backtick span.
fn code_span(sql: &str) -> String {
    format!("`` {sql} ``")
}

pub fn render_json(comparison: &Comparison) -> String {
    // Plain data with string keys: serialising cannot fail; keep a clear message anyway.
    serde_json::to_string_pretty(comparison)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise comparison: {e}\"}}"))
        + "\n"
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
