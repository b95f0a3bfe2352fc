//! The report: one plain-data result that every output format reads (terminal table,
//! JSON, and later Markdown and HTML). It is built once from the estimate; no exporter
//! knows how a number was measured.

pub mod chart;
pub mod checklist;
pub use checklist::{ChecklistItem, Question, Reason, Verdict};
pub mod gate;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod provenance;
pub mod release;
pub mod route;
pub mod terminal;
pub mod words;

use crate::ddl::{Algorithm, LockLevel};
use crate::experiment::{LadderSummary, Measurement};
use crate::migration::Operation;
use crate::model::{Extrapolation, InputMode, Interval, ModelKind, ModelStatus};
use crate::probe::Phase;
use crate::text::trim_number;
pub use crate::text::{human_bytes, human_seconds, short_rows};
use crate::warning::Warning;
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;
/// The wording rules of this build (see `Report::text_version`).
pub const TEXT_VERSION: u32 = 2;
/// The first wording rules whose warnings and assumptions carry codes.
const CODED_WARNINGS: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    /// Which wording rules wrote the report's words (checklist, guidance notes, blocking
    /// summaries; from 2, warnings and assumptions). 0, or absent, for a report saved
    /// before the data carried the codes and numbers those words are written from: it
    /// renders with its words as saved. Any later report renders in the current wording
    /// (`reworded`), its warnings and assumptions only from 2.
    #[serde(default)]
    pub text_version: u32,
    pub sandbox: SandboxReport,
    pub tables: Vec<TableReport>,
    pub statements: Vec<StatementReport>,
    pub total: Interval,
    /// The interval level of every range in the report (0.9: 5th to 95th percentile).
    pub interval: f64,
    pub ladder: LadderSummary,
    /// The warnings in words, as `warning_codes` says them in this build's wording.
    pub warnings: Vec<String>,
    /// The same warnings as codes and values, one for each of `warnings` (from text_version
    /// 2; empty before, when `warnings` renders as saved).
    #[serde(default)]
    pub warning_codes: Vec<Warning>,
    /// Production's speed relative to the sandbox's (`--speed-factor`); every prediction
    /// is already divided by it.
    #[serde(default = "one")]
    pub speed_factor: f64,
    /// The sandbox-to-production hardware term in the intervals (absent: none was added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hardware: Option<HardwareTerm>,
    /// The total without the hardware term (absent: none was added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_without_hardware: Option<Interval>,
    /// The cache state the statements ran in (`--cache`).
    #[serde(default)]
    pub cache: crate::experiment::CacheState,
    /// What the estimate takes for granted (hardware, memory regime, server differences).
    #[serde(default)]
    pub assumptions: Vec<String>,
    /// The same as codes and values, one for each of `assumptions` (from text_version 2).
    #[serde(default)]
    pub assumption_codes: Vec<Assumption>,
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
    /// ddl-eta's version, the host and the command line that made the report (absent
    /// from reports saved before they were recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<provenance::Provenance>,
    /// What the estimate knew of production's tables, the weakest of the migrated
    /// tables' `input` (source, profile, schema_bytes, schema_rows); absent in older reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<crate::profile::InputMode>,
    /// Steps that are not SQL (Django's RunPython and the like): listed, never timed. The
    /// total then reads "X + N untimed steps", unless an allowance per step is given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untimed: Vec<UntimedStep>,
    /// Seconds allowed for each untimed step (`--untimed-allowance`), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untimed_allowance_seconds: Option<f64>,
    /// The Django release the report covers (`ddl-eta django estimate`): its migrations in
    /// the order they run, each with its statements and what could not be rendered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<release::ReleaseReport>,
}

/// A step of the migration that is not SQL: where it is, what Django calls it, and how
/// many timed statements run before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UntimedStep {
    pub file: String,
    pub line: usize,
    /// "Raw Python operation", as Django describes it.
    pub description: String,
    /// Number of statements (of `statements`) that run before it.
    pub after_statement: usize,
}

impl Report {
    /// A report of this build with nothing in it but the sandbox and the ladder that ran:
    /// the estimate fills in what it measured, a migration with nothing to time stays so.
    pub fn new(
        sandbox: SandboxReport,
        ladder: LadderSummary,
        speed_factor: f64,
        cache: crate::experiment::CacheState,
    ) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            text_version: TEXT_VERSION,
            sandbox,
            tables: Vec::new(),
            statements: Vec::new(),
            total: Interval {
                seconds_p50: 0.0,
                seconds_low: 0.0,
                seconds_high: 0.0,
            },
            hardware: None,
            total_without_hardware: None,
            interval: crate::model::INTERVAL,
            warnings: Vec::new(),
            warning_codes: Vec::new(),
            ladder,
            speed_factor,
            cache,
            settings: None,
            probe: None,
            source: None,
            provenance: None,
            input: None,
            assumptions: Vec::new(),
            assumption_codes: Vec::new(),
            guidance: None,
            checklist: Vec::new(),
            untimed: Vec::new(),
            untimed_allowance_seconds: None,
            release: None,
        }
    }

    /// Add a warning: its code, and its words in the current wording.
    pub fn warn(&mut self, warning: Warning) {
        self.warnings.push(words::warning(&warning));
        self.warning_codes.push(warning);
    }

    /// Add an assumption: its code, and its words in the current wording.
    pub fn assume(&mut self, assumption: Assumption) {
        self.assumptions.push(words::assumption(&assumption));
        self.assumption_codes.push(assumption);
    }
}

/// Something the estimate takes for granted, as data; `words::assumption` says it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Assumption {
    /// Production runs the sandbox's server.
    SameServer {
        flavor: String,
        version: String,
    },
    /// Production's speed relative to the sandbox's (`--speed-factor`).
    SpeedFactor {
        factor: f64,
    },
    /// The buffer pool kept production's ratio to the tables, from the smallest scale's
    /// pool to the largest's.
    BufferPoolRatio {
        smallest_mib: u64,
        largest_mib: u64,
    },
    /// The buffer pool followed production's (`--production-buffer-pool`), scaled by each
    /// scale's share of production's rows.
    ProductionBufferPool {
        production_mib: u64,
        smallest_mib: u64,
        largest_mib: u64,
    },
    /// The buffer pool stayed fixed at every scale.
    FixedBufferPool {
        mib: u64,
    },
    ColdCache,
    WarmCache,
    /// Temp sort files go through the OS page cache.
    PageCache,
    /// Synthetic rows, reproducing the profile's statistics when `profiled`.
    SyntheticRows {
        profiled: bool,
    },
    /// `watch calibrate`: too few outcomes of this kind to calibrate it.
    TooFewOutcomes {
        operation: Operation,
        outcomes: usize,
        needed: usize,
    },
    /// `watch calibrate`: the kind's estimates scaled by the recorded outcomes' ratios.
    Calibrated {
        operation: Operation,
        outcomes: usize,
        ratio_p50: f64,
        ratio_low: f64,
        ratio_high: f64,
    },
    /// Production runs `server` (not the sandbox's), known from `origin`: its rules give
    /// the algorithm, lock and rebuild where they differ from what the sandbox did.
    ProductionServer {
        server: String,
        origin: ServerOrigin,
        /// The server a profile or source recorded, when `--target-server` overrode it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        overrides: Option<String>,
        /// For a version without patch level (the newest of its series): where an older
        /// release of the series answers a statement otherwise.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        series_changes: Vec<StatementSeriesChange>,
    },
}

/// Where production's server (flavor and version) came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerOrigin {
    TargetServer,
    Profile,
    Source,
}

/// A statement whose algorithm, lock or rebuild changes within production's series.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementSeriesChange {
    /// 0-based statement index.
    pub statement: usize,
    #[serde(flatten)]
    pub change: crate::online_ddl::SeriesChange,
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Guidance {
    /// GoCD's job timeout (an inactivity timeout) for a bare `migrate`, in whole minutes:
    /// the longest migration's high estimate with a margin (the same as
    /// `inactivity_timeout_minutes`, or from the timed statements alone, a lower bound,
    /// when untimed steps leave that open). Reports saved before 2026-12-02 sized it from
    /// the total, before 2026-12-03 from the longest statement.
    pub job_timeout_minutes: u64,
    /// The inactivity timeout for a bare `migrate`; absent when untimed steps without an
    /// allowance may be longer than every statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity_timeout_minutes: Option<u64>,
    /// Untimed steps without an allowance leave the job timeout open: it is then a lower
    /// bound. Absent (false) in reports saved before 2026-12-03.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub job_timeout_open: bool,
    /// The release's wall-clock high with the same margin: the deploy window, or the
    /// timeout of a job wrapped in `ddl-eta watch`; absent while untimed steps have no
    /// allowance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_clock_minutes: Option<u64>,
    /// `SET SESSION lock_wait_timeout = N` for the migration's session.
    pub lock_wait_timeout_seconds: u64,
    /// Statements (1-based) that block writes long enough to go through an online schema
    /// change tool (pt-online-schema-change, gh-ost) instead.
    pub online_schema_change: Vec<usize>,
    pub notes: Vec<String>,
}

impl Guidance {
    /// "24 min", or "at least 24 min" when untimed steps leave it open.
    pub fn job_timeout_words(&self) -> String {
        match self.job_timeout_open {
            true => format!("at least {} min", self.job_timeout_minutes),
            false => format!("{} min", self.job_timeout_minutes),
        }
    }
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
    /// How the table was known: `source` (read live), `profile` (a saved profile),
    /// `schema_bytes` (a schema file with its bytes or row length), `schema_rows` (a
    /// schema file and a row count only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<crate::profile::InputMode>,
    /// Rows of this table at the ladder's largest scale: how far its ladder got when the
    /// budget is shared by many tables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_rows: Option<u64>,
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
    /// The same as codes and values, like the report's `warning_codes`.
    #[serde(default)]
    pub warning_codes: Vec<Warning>,
    /// The fitted model and its interval from the smallest measured size to production
    /// size, at log-spaced row counts: what the charts draw.
    #[serde(default)]
    pub curve: Vec<CurvePoint>,
    /// What production's server does, when it is known (`--target-server`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub production: Option<ProductionReport>,
    /// The linter's comparison of old and new column types (DE003) and character sets
    /// (DE009), when the schema was in hand: whether the statement keeps every value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_check: Option<TypeCheck>,
    /// `--validate`: the prediction at 3x the ladder's top against a real run there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationReport>,
    /// The route production takes (`--route`): native, or pt-osc.
    #[serde(default, skip_serializing_if = "crate::online_route::Route::is_native")]
    pub route: crate::online_route::Route,
    /// The statement through pt-online-schema-change, where the ladder measured it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_route: Option<route::OnlineRouteReport>,
}

/// Whether a statement that changes a column's type or character set keeps every value.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TypeCheck {
    pub verdict: TypeVerdict,
    /// The linter's findings behind a `narrows` or `cannot_tell` verdict, one per column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeVerdict {
    Keeps,
    Narrows,
    CannotTell,
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
/// the rules table (docs/target-server.md) when it is not.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductionReport {
    /// "aurora-mysql:3.04", as given.
    pub server: String,
    pub algorithm: Option<Algorithm>,
    pub lock: Option<LockLevel>,
    pub rebuilds_table: bool,
    pub source: ProductionSource,
    /// Id of the rules row that decided (src/online_ddl/targets.txt); with `source: measured`
    /// the row that agrees with the measurement, when there is one.
    pub rule: Option<String>,
    /// Algorithm, lock or rebuild differ from what the sandbox did.
    pub differs: bool,
    /// Timed `ALTER TABLE ... FORCE` plus the statement, per scale, when production
    /// rebuilds the table and the sandbox did not: the estimate is fitted to these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    /// The law fitted inside the ladder (a diagnostic; `extrapolation` says how the point
    /// at production's rows was made).
    pub kind: ModelKind,
    /// That law's leave-one-out error, without the calibration run (`calibration_rows`).
    pub loo_error: f64,
    /// Rows of the calibration run the diagnostics left out (absent: none was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration_rows: Option<u64>,
    /// How the point at production's rows was made (absent in reports made before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrapolation: Option<Extrapolation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EstimateReport {
    pub rows: u64,
    pub seconds_p50: f64,
    /// The interval's ends, the hardware term included where `without_hardware` is given.
    pub seconds_low: f64,
    pub seconds_high: f64,
    pub interval: f64,
    /// Which error model the interval came from (absent in reports made before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<IntervalSource>,
    /// The interval before the hardware term was added (what the accuracy benchmark
    /// judges); absent when none was (`--calibration`, `--speed-spread 1`, old reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub without_hardware: Option<Range>,
}

/// The error model an interval came from, as codes and numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalSource {
    /// The input mode whose model it is: profile, schema_bytes, schema_rows.
    pub model: InputMode,
    /// measured, derived (from published figures) or unmeasured (another mode's stands in).
    pub status: ModelStatus,
    /// Production's rows over the largest measured scale.
    pub distance: f64,
    /// The farthest distance this kind of work was measured at in that model (beyond it
    /// the interval widens by the documented rule).
    pub measured_to: Option<f64>,
    /// high / low of the interval without the hardware term; null when its low end is
    /// zero (no finite ratio).
    pub width: Option<f64>,
}

/// Two ends of an interval, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub seconds_low: f64,
    pub seconds_high: f64,
}

/// Where the sandbox-to-production hardware term came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HardwareSource {
    /// ddl-eta's documented prior (docs/accuracy.md, "Hardware").
    Prior,
    /// `--speed-spread`, the user's measured spread.
    Stated,
}

/// The hardware term every interval on rows carries: production's speed over the
/// sandbox's is within x/÷`ratio` nine times in ten.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HardwareTerm {
    pub source: HardwareSource,
    pub ratio: f64,
}

/// Output formats of `estimate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable table.
    Text,
    /// Versioned JSON (schema_version 1), documented in docs/json.md.
    Json,
    /// A report to paste into a pull request: summary, checklist, assumptions.
    Markdown,
    /// One self-contained HTML file with a chart per statement (use with --output).
    Html,
    /// JUnit XML for CI test tabs (GoCD, Jenkins, GitLab): a test case per statement,
    /// failing where a gate fires, and one for the whole migration.
    Junit,
}

pub fn render(report: &Report, format: Format) -> String {
    let report = &*reworded(report);
    match format {
        Format::Text => terminal::render(report),
        Format::Json => json::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report),
        Format::Junit => junit::render(report, &gate::Gates::default()),
    }
}

/// The report with its words written again from its codes and numbers, in the current
/// wording: the checklist, the guidance, each statement's blocking summary and, from
/// text_version 2, the warnings and assumptions. A report saved before the codes existed (`text_version`
/// 0) comes back as it was saved.
pub fn reworded(report: &Report) -> std::borrow::Cow<'_, Report> {
    if report.text_version == 0 {
        return std::borrow::Cow::Borrowed(report);
    }
    let mut report = report.clone();
    let coded = report.text_version >= CODED_WARNINGS;
    if coded {
        report.warnings = words::warnings(&report.warning_codes);
        report.assumptions = report
            .assumption_codes
            .iter()
            .map(words::assumption)
            .collect();
    }
    for statement in &mut report.statements {
        if coded {
            statement.warnings = words::warnings(&statement.warning_codes);
        }
        if let Some(blocking) = &mut statement.blocking {
            blocking.summary = blocks_in_words(
                statement.algorithm,
                &blocking.reads_blocked_seconds,
                &blocking.writes_blocked_seconds,
                &blocking.phases,
            );
        }
    }
    report.guidance = Some(checklist::guidance(&report));
    report.checklist = checklist::build(&report);
    // Not stamped with this build's version: a report without warning codes must keep
    // its warnings as saved when it is rendered again.
    std::borrow::Cow::Owned(report)
}

/// What a statement blocks, in words a release manager reads at a glance.
pub fn blocks_summary(statement: &StatementReport) -> String {
    if let Some(summary) = route::blocks_summary(statement) {
        return summary;
    }
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

#[cfg(test)]
mod tests;
