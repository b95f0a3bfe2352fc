//! What went wrong or is uncertain, as data: a code and the numbers and names it needs.
//! Any stage may raise one; the words are written where the report is rendered
//! (`report::words::warning`), so a saved report re-renders in the current wording.

use crate::ddl::{Algorithm, LockLevel};
use serde::{Deserialize, Serialize};

/// One warning. In JSON an object whose `code` names the variant, beside its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Warning {
    /// Ladder runs too small to keep production's buffer pool ratio.
    OutOfRegime {
        runs: usize,
        min_pool_mib: u64,
    },
    /// The --budget only covered the calibration run, so the ladder stayed small.
    BudgetRanOut,
    /// --validate when the ladder already reached production size.
    NothingToValidate,
    /// Cloning the tables failed; later runs copy them.
    CloneFellBack {
        error: String,
    },
    /// The probe could not start beside a statement (`statement` counts from 1).
    NoProbe {
        statement: usize,
        summary: String,
        error: String,
    },
    ProbeFailed {
        error: String,
    },
    /// The statement failed while the probe wrote, and succeeded without it.
    FailedUnderWrites {
        statement: usize,
        message: String,
    },
    /// Probe queries failed beside a statement.
    ProbeErrors {
        statement: usize,
        summary: String,
        error: String,
    },
    /// Production lies beyond the distance at which the error model was measured.
    BeyondReach {
        distance: f64,
        reach: f64,
        max_rows: f64,
        budget_minutes: f64,
    },
    /// Every ALTER waits for open transactions on its table: bound the wait.
    MetadataLockWait {
        lock_wait_seconds: u32,
    },
    /// A thread on the source holds a metadata lock on a migrated table.
    MetadataLockHeld {
        thread_id: u64,
        lock_type: String,
        table: String,
        status: String,
    },
    /// The model's leave-one-out error is over the limit.
    PoorFit {
        model: String,
        loo_error: f64,
    },
    /// The interval (without the hardware term) is wider than 4x: what would narrow it
    /// depends on the input mode.
    RoughInterval {
        /// high / low; None when the low end is zero.
        width: Option<f64>,
        mode: crate::model::InputMode,
        distance: f64,
        /// The error model's width for this kind of work at the nearest distance: over
        /// 4x, a larger ladder cannot narrow the interval enough. Absent in reports saved
        /// before 2026-12-03.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nearest_width: Option<f64>,
    },
    /// No row of the rules table covers the statement on production's server.
    NoRule {
        server: String,
    },
    /// On production's own server, the rules table says otherwise than the measurement.
    RuleDisagrees {
        rule: String,
        rule_algorithm: Algorithm,
        rule_lock: LockLevel,
        server: String,
        algorithm: Algorithm,
        lock: Option<LockLevel>,
    },
    /// Production's rule does not rebuild the table where the sandbox did.
    NoRebuildInProduction {
        server: String,
        rule: String,
    },
    /// The online alter log may outgrow innodb_online_alter_log_max_size.
    OnlineLogOverflow {
        high_bytes: u64,
        p50_bytes: u64,
        limit_bytes: u64,
    },
    /// Production was read in plain text over a network.
    PlaintextSource {
        url: String,
    },
    /// The profile's tables the migration needs were read longer ago than
    /// `--max-profile-age` (seconds since the Unix epoch; ages in days).
    OldProfile {
        profiled_at: u64,
        age_days: f64,
        limit_days: f64,
        url: String,
    },
    /// A foreign-key parent given no `--rows` in schema mode was seeded with a tenth of
    /// its largest child's rows.
    ParentRowsAssumed {
        table: String,
        rows: u64,
    },
    /// Statements that block writes were not measured through the online route: its
    /// tool is not installed.
    NoOnlineTool {
        tool: String,
        statements: Vec<usize>,
    },
    /// `--route pt-osc` names a statement pt-osc cannot run (not an ALTER, CREATE INDEX or
    /// DROP INDEX on an existing table): it stays native.
    NotRoutable {
        statement: usize,
        summary: String,
    },
    /// The pt-osc pass stopped: a statement failed on the table pt-osc left behind.
    OnlineRouteStopped {
        statement: usize,
        message: String,
    },
    /// A warning that exists only in words (from a stage that stores sentences).
    Text {
        text: String,
    },
}
