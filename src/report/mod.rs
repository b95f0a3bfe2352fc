//! The report: one plain-data result that every output format reads (terminal table,
//! JSON, and later Markdown and HTML). It is built once from the estimate; no exporter
//! knows how a number was measured.

pub mod chart;
pub mod checklist;
pub mod gate;
pub mod html;
pub mod json;
pub mod markdown;
pub mod terminal;

use crate::experiment::{Algorithm, LadderSummary, LockLevel, Measurement};
use crate::migration::Operation;
use crate::model::{Interval, ModelKind};
use crate::probe::Phase;
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub sandbox: SandboxReport,
    pub tables: Vec<TableReport>,
    pub statements: Vec<StatementReport>,
    pub total: Interval,
    /// The interval level of every range in the report (0.9: 5th to 95th percentile).
    pub interval: f64,
    pub ladder: LadderSummary,
    pub warnings: Vec<String>,
    /// Production's speed relative to the sandbox's (`--speed-factor`); every prediction
    /// is already divided by it.
    #[serde(default = "one")]
    pub speed_factor: f64,
    /// The cache state the statements ran in: "warm" (default) or "cold" (`--cache`).
    #[serde(default = "warm")]
    pub cache: String,
    /// What the estimate takes for granted (hardware, memory regime, server differences).
    #[serde(default)]
    pub assumptions: Vec<String>,
    /// Release advice: CI job timeout, lock wait bound, online schema change tools.
    #[serde(default)]
    pub guidance: Option<Guidance>,
    /// The migration-review checklist, answered with the evidence.
    #[serde(default)]
    pub checklist: Vec<ChecklistItem>,
    /// DDL settings of the source beside the sandbox's, when the tables came from a source
    /// or a profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<SettingsReport>,
    /// The probe workload that measured blocking (absent with --no-probe).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ProbeReport>,
    /// Where the tables were read (redacted URL) and whether that session was encrypted,
    /// when they came from a source or a profile of one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::profile::SourceMeta>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProbeReport {
    /// One connection each for point reads, point updates and inserts.
    pub connections: u32,
    /// The rate asked of each connection (--probe-rate).
    pub queries_per_second_per_connection: f64,
    /// A probe query slower than this counts as blocked.
    pub block_threshold_ms: f64,
    /// Probe queries sent beside all timed statements, and the median rate they achieved
    /// (all connections together) over runs long enough to measure one.
    pub queries: u64,
    pub achieved_queries_per_second: Option<f64>,
}

/// What a statement blocks at production size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockingReport {
    pub reads_blocked_seconds: Interval,
    pub writes_blocked_seconds: Interval,
    pub max_read_stall_ms: f64,
    pub max_write_stall_ms: f64,
    /// Where the blocking falls: "start", "throughout", "end"; empty when nothing blocks.
    pub phases: Vec<Phase>,
    /// Bytes of the online alter log at the end of an online ALTER, where the write
    /// rate (--write-rate) is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub online_log_bytes_estimate: Option<u64>,
    /// The same in words, as the table's "blocks" column shows it.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SettingsReport {
    pub source: crate::profile::ServerSettings,
    pub sandbox: crate::profile::ServerSettings,
}

fn one() -> f64 {
    1.0
}

fn warm() -> String {
    "warm".to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Guidance {
    /// A CI/CD job timeout that covers the high estimate with a margin, in whole minutes.
    pub job_timeout_minutes: u64,
    /// `SET SESSION lock_wait_timeout = N` for the migration's session.
    pub lock_wait_timeout_seconds: u64,
    /// Statements (1-based) that block writes long enough to go through an online schema
    /// change tool (pt-online-schema-change, gh-ost) instead.
    pub online_schema_change: Vec<usize>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub question: String,
    /// "yes", "no", "possibly", "unknown", or a duration for "How long will it run?".
    pub answer: String,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxReport {
    pub flavor: String,
    pub version: String,
    /// How the sandbox was reached: "local server", "docker mysql:8.0", a redacted URL.
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableReport {
    pub name: String,
    pub target_rows: u64,
    /// Data plus index bytes on production, where a source or profile tells.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Rows written per second on production (`--write-rate`, or measured by the source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_rows_per_second: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatementReport {
    pub index: usize,
    pub sql: String,
    pub file: String,
    pub line: usize,
    pub table: Option<String>,
    pub operation: Operation,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<Operation>,
    pub algorithm: Option<Algorithm>,
    pub lock: Option<LockLevel>,
    pub measurements: Vec<Measurement>,
    pub model: ModelReport,
    pub estimate: EstimateReport,
    /// What it blocks at production size (absent with --no-probe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking: Option<BlockingReport>,
    pub warnings: Vec<String>,
    /// The fitted model and its interval from the smallest measured size to production
    /// size, at log-spaced row counts: what the charts draw.
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
    /// What production's server does, when it is known (`--target-server`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production: Option<ProductionReport>,
    /// `--validate`: the prediction at 3x the ladder's top against a real run there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ValidationReport {
    pub rows: u64,
    /// Seconds the model (fitted without this run) predicted at `rows`.
    pub predicted: f64,
    pub actual: f64,
    /// (predicted - actual) / actual: negative when the model under-predicted.
    pub error: f64,
    /// Whether `actual` fell inside the interval predicted at `rows`; when it did not,
    /// the estimate's interval was widened on that side by the same proportion.
    pub inside_interval: bool,
}

/// The statement on production's server: measured when the sandbox is that server, from
/// the rules table (README, "Supported targets") when it is not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductionReport {
    /// "aurora-mysql:3.04", as given.
    pub server: String,
    pub algorithm: Option<Algorithm>,
    pub lock: Option<LockLevel>,
    pub rebuilds_table: bool,
    pub source: ProductionSource,
    /// Id of the rules row that decided (src/rules/targets.txt); with `source: measured`
    /// the row that agrees with the measurement, when there is one.
    pub rule: Option<String>,
    /// Algorithm, lock or rebuild differ from what the sandbox did.
    pub differs: bool,
    /// Timed `ALTER TABLE ... FORCE` plus the statement, per scale, when production
    /// rebuilds the table and the sandbox did not: the estimate is fitted to these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rebuild_measurements: Vec<Measurement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductionSource {
    /// Measured in the sandbox, which runs production's flavor and version.
    Measured,
    /// From the rules for production's version.
    Rule,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CurvePoint {
    pub rows: u64,
    pub seconds_p50: f64,
    pub seconds_low: f64,
    pub seconds_high: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelReport {
    pub kind: ModelKind,
    pub loo_error: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EstimateReport {
    pub rows: u64,
    pub seconds_p50: f64,
    pub seconds_low: f64,
    pub seconds_high: f64,
    pub interval: f64,
}

/// Output formats of `estimate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table.
    Text,
    /// Versioned JSON (schema_version 1), documented in the README.
    Json,
    /// A report to paste into a pull request: summary, checklist, assumptions.
    Markdown,
    /// One self-contained HTML file with a chart per statement (use with --output).
    Html,
}

pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Text => terminal::render(report),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
    }
}

/// What a statement blocks, in words a release manager reads at a glance.
pub fn blocks_summary(statement: &StatementReport) -> String {
    if let Some(blocking) = &statement.blocking {
        return blocking.summary.clone();
    }
    let blocked = checklist::writes_blocked_high(statement);
    if blocked > 0.0 {
        format!(
            "writes blocked ~{}",
            human_seconds(statement.estimate.seconds_p50)
        )
    } else if statement.algorithm.is_some() {
        "brief lock at start and end".to_string()
    } else {
        "-".to_string()
    }
}

/// Seconds the way people read durations: "0.012 s", "14.2 s", "4 min 12 s", "2 h 05 min".
pub fn human_seconds(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "?".to_string();
    }
    if seconds < 1.0 {
        format!("{seconds:.3} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else if seconds < 3600.0 {
        let whole = seconds.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        let minutes = (seconds / 60.0).round() as u64;
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

/// What a statement blocks, in the words a release manager reads at a glance:
/// "writes blocked ~40 min", "brief lock at start and end", "none". Online operations
/// always take a brief exclusive lock at start and end, measured or not.
pub fn blocks_in_words(
    algorithm: Option<Algorithm>,
    reads: &Interval,
    writes: &Interval,
    phases: &[Phase],
) -> String {
    if phases.contains(&Phase::Throughout) {
        let (r, w) = (reads.seconds_p50, writes.seconds_p50);
        return if r > 0.0 && r >= 0.5 * w {
            format!("reads and writes blocked ~{}", approx_duration(r.max(w)))
        } else if w >= r {
            format!("writes blocked ~{}", approx_duration(w))
        } else {
            format!("reads blocked ~{}", approx_duration(r))
        };
    }
    let online = matches!(algorithm, Some(Algorithm::Inplace | Algorithm::Nocopy));
    let start = phases.contains(&Phase::Start);
    let end = phases.contains(&Phase::End);
    match (online || (start && end), start, end) {
        (true, _, _) => "brief lock at start and end".to_string(),
        (false, true, _) => "brief lock at start".to_string(),
        (false, _, true) => "brief lock at end".to_string(),
        _ => "none".to_string(),
    }
}

/// A rough duration for prose: "~0.3 s", "~12 s", "~40 min", "~2.5 h".
pub fn approx_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        "?".to_string()
    } else if seconds < 10.0 {
        format!("{} s", trim_number(seconds))
    } else if seconds < 90.0 {
        format!("{:.0} s", seconds)
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{} h", trim_number(seconds / 3600.0))
    }
}

/// 1536 -> "1.5 KiB", 134217728 -> "128 MiB".
pub fn human_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    if bytes >= 1 << 30 {
        format!("{} GiB", trim_number(value / (1u64 << 30) as f64))
    } else if bytes >= 1 << 20 {
        format!("{} MiB", trim_number(value / (1u64 << 20) as f64))
    } else if bytes >= 1 << 10 {
        format!("{} KiB", trim_number(value / 1024.0))
    } else {
        format!("{bytes} B")
    }
}

/// 50000000 -> "50M", 3125 -> "3.1k": compact row counts for tables.
pub fn short_rows(rows: u64) -> String {
    let value = rows as f64;
    if rows >= 1_000_000_000 {
        format!("{}G", trim_number(value / 1e9))
    } else if rows >= 1_000_000 {
        format!("{}M", trim_number(value / 1e6))
    } else if rows >= 1_000 {
        format!("{}k", trim_number(value / 1e3))
    } else {
        rows.to_string()
    }
}

fn trim_number(value: f64) -> String {
    let text = if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    text.trim_end_matches(".0").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_seconds(0.0123), "0.012 s");
        assert_eq!(human_seconds(14.24), "14.2 s");
        assert_eq!(human_seconds(252.0), "4 min 12 s");
        assert_eq!(human_seconds(7500.0), "2 h 05 min");
    }

    fn seconds(p50: f64) -> Interval {
        Interval {
            seconds_p50: p50,
            seconds_low: p50,
            seconds_high: p50,
        }
    }

    #[test]
    fn blocking_reads_at_a_glance() {
        let copy = blocks_in_words(
            Some(Algorithm::Copy),
            &seconds(0.0),
            &seconds(2400.0),
            &[Phase::Throughout],
        );
        assert_eq!(copy, "writes blocked ~40 min");
        let index = blocks_in_words(Some(Algorithm::Nocopy), &seconds(0.0), &seconds(0.0), &[]);
        assert_eq!(index, "brief lock at start and end");
        let instant = blocks_in_words(Some(Algorithm::Instant), &seconds(0.0), &seconds(0.0), &[]);
        assert_eq!(instant, "none");
        let both = blocks_in_words(
            None,
            &seconds(7200.0),
            &seconds(9000.0),
            &[Phase::Throughout],
        );
        assert_eq!(both, "reads and writes blocked ~2.5 h");
        assert_eq!(approx_duration(0.31), "0.3 s");
        assert_eq!(approx_duration(12.4), "12 s");
        assert_eq!(human_bytes(128 << 20), "128 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }

    #[test]
    fn row_counts_are_compact() {
        assert_eq!(short_rows(50_000_000), "50M");
        assert_eq!(short_rows(3_125), "3.1k");
        assert_eq!(short_rows(999), "999");
        assert_eq!(short_rows(250_000), "250k");
    }
}
