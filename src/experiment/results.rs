//! What the experiment measured: every statement's timings and findings, the scales run
//! and the tables' bytes at each, the warnings, and the ladder's wall time; the plain data
//! the model and the report read.

use super::online::OnlineMeasured;
use super::LadderTime;
use crate::ddl::{Algorithm, LockLevel};
use crate::probe::MeasuredBlocking;
use crate::table::TableInfo;
use crate::warning::Warning;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    pub rows: u64,
    pub seconds: f64,
    /// What the probe saw beside this run (absent with --no-probe).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub blocking: Option<MeasuredBlocking>,
}

impl Measurement {
    /// A timing with nothing probed beside it.
    pub fn new(rows: u64, seconds: f64) -> Measurement {
        Measurement {
            rows,
            seconds,
            blocking: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct StatementMeasurements {
    pub algorithm: Option<Algorithm>,
    pub lock: Option<LockLevel>,
    pub measurements: Vec<Measurement>,
    /// Rows of the statement's table at production size.
    pub target_rows: u64,
    /// The statement's table's columns just before it ran in the probe (only when
    /// `Extras::read_columns`): what the production rules need to classify it.
    pub columns_before: Option<TableInfo>,
    /// `ALTER TABLE t FORCE` on the statement's table just before it, at each scale (only
    /// where `Extras::needs_rebuild` said so): production rebuilds where the sandbox did not.
    pub rebuild: Vec<Measurement>,
    /// Mean bytes per row of the statement's table at the largest scale run, as the
    /// server reports it (for the online alter log's size).
    pub row_bytes: Option<f64>,
    /// The `--validate` run above the ladder (with its rebuild, where timed): not fitted.
    pub validation: Option<Measurement>,
    pub validation_rebuild: Option<Measurement>,
    /// The same statement through pt-online-schema-change, where it was measured.
    pub online: Option<OnlineMeasured>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LadderSummary {
    /// Rows of the largest table at each measured scale, in the order run.
    pub scales: Vec<u64>,
    /// Seeding speed while growing to the largest scale, all tables together.
    pub seed_rows_per_second: f64,
    pub seconds: f64,
    /// The sandbox's buffer pool at each scale (parallel to `scales`) when the memory
    /// regime was matched; empty when the pool stayed fixed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buffer_pool_bytes: Vec<u64>,
    /// Data plus index bytes of the sandbox's tables at each scale (parallel to `scales`),
    /// to set beside production's (`tables[].bytes`); 0 where the server could not tell.
    /// Empty in reports saved before it was recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table_bytes: Vec<u64>,
    /// Where the time went, and how every run got fresh tables.
    #[serde(flatten, default)]
    pub time: LadderTime,
}

impl LadderSummary {
    /// Production rows over the largest measured scale (None before any scale was measured).
    pub fn distance(&self, production_rows: u64) -> Option<f64> {
        let largest = self.scales.iter().copied().max().filter(|&l| l > 0)?;
        Some(production_rows as f64 / largest as f64)
    }
}

#[derive(Debug, Clone)]
pub struct Measurements {
    pub statements: Vec<StatementMeasurements>,
    pub ladder: LadderSummary,
    pub warnings: Vec<Warning>,
    /// The sandbox's innodb_online_alter_log_max_size, where it has one.
    pub online_log_max_bytes: Option<u64>,
}
