//! Outcomes: one JSON line per finished statement (`watch --record FILE`), what really
//! happened on production, beside what the estimate said. `calibrate` reads them back.

use crate::migration::Operation;
use crate::server::ServerInfo;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Outcome {
    pub schema_version: u32,
    pub server: ServerInfo,
    pub database: String,
    pub table: String,
    /// information_schema.TABLES.TABLE_ROWS when the statement was first seen.
    pub rows_at_start: Option<u64>,
    pub operation: Operation,
    pub sql: String,
    /// RFC 3339, UTC, to the second.
    pub started_at: String,
    /// Seconds from its start to the middle of the poll that first missed it.
    pub seconds: f64,
    /// Half the poll interval: how far `seconds` can be off from the poll alone.
    pub seconds_uncertainty: f64,
    /// Seconds of `seconds` spent waiting for the table's metadata lock (as last seen).
    #[serde(default)]
    pub lock_wait_seconds: f64,
    /// The progress source last used for it.
    pub progress_source: String,
    /// The matching statement of `--estimate`, when one was given and matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<OutcomeEstimate>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OutcomeEstimate {
    pub seconds_p50: f64,
    pub seconds_low: f64,
    pub seconds_high: f64,
    /// The interval level (0.9: 5th to 95th percentile).
    pub interval: f64,
}

impl Outcome {
    /// The statement's own running time, which is what an estimate predicts.
    pub fn working_seconds(&self) -> f64 {
        (self.seconds - self.lock_wait_seconds).max(0.0)
    }
}

/// Append one line to the record file (created when missing).
pub fn append(path: &Path, outcome: &Outcome) -> Result<()> {
    let mut file = open(path)?;
    let line = serde_json::to_string(outcome)?;
    writeln!(file, "{line}")
        .with_context(|| format!("cannot write to the record file {}", path.display()))
}

/// The record file can be opened for appending (and is created, empty, when missing):
/// checked when the watch starts, not when the first statement ends.
pub fn check_writable(path: &Path) -> Result<()> {
    open(path).map(drop)
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open the record file {}", path.display()))
}

/// Every outcome of a record file; a line that is not one is an error naming it.
pub fn read(path: &Path) -> Result<Vec<Outcome>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the outcome file {}", path.display()))?;
    let mut outcomes = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let outcome: Outcome = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not an outcome recorded by `ddl-eta watch --record`",
                path.display(),
                number + 1
            )
        })?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// Unix seconds as RFC 3339 UTC.
pub fn timestamp(at: std::time::SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}
