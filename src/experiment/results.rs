//! What the experiment measured: every statement's timings and findings, the scales run
//! and the tables' bytes at each, the warnings, and the ladder's wall time; the plain data
//! the model and the report read.

use super::online::OnlineMeasured;
use super::LadderTime;
use crate::ddl::{Algorithm, LockLevel};
use crate::migration::{Migration, Statement};
use crate::probe::MeasuredBlocking;
use crate::profile::Profile;
use crate::table::TableInfo;
use crate::warning::Warning;
use serde::{Deserialize, Serialize};
use std::time::Instant;

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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

/// The results as the experiment gathers them, run by run.
pub(super) struct Results {
    /// One per statement of the migration, in its order.
    pub(super) statements: Vec<StatementMeasurements>,
    /// Rows of the largest table at each run, in the order run.
    scales: Vec<u64>,
    /// The tables' bytes at each run, parallel to `scales`.
    table_bytes: Vec<u64>,
    pub(super) warnings: Vec<Warning>,
    /// When the ladder started (after the algorithm probes).
    started: Instant,
    /// Seconds of the migration's statements, of the algorithm and lock probes, and of
    /// the online route's passes.
    pub(super) statement_seconds: f64,
    pub(super) probe_seconds: f64,
    pub(super) online_route_seconds: f64,
}

impl Results {
    pub(super) fn new(profile: &Profile, migration: &Migration) -> Results {
        Results {
            statements: migration
                .statements
                .iter()
                .map(|s| StatementMeasurements {
                    target_rows: target_rows_of(profile, s),
                    ..Default::default()
                })
                .collect(),
            scales: Vec::new(),
            table_bytes: Vec::new(),
            warnings: Vec::new(),
            started: Instant::now(),
            statement_seconds: 0.0,
            probe_seconds: 0.0,
            online_route_seconds: 0.0,
        }
    }

    /// The ladder's wall time counts from here.
    pub(super) fn start_ladder(&mut self) {
        self.started = Instant::now();
    }

    /// One run done: its largest table's rows and its tables' bytes.
    pub(super) fn record_run(&mut self, largest: u64, table_bytes: u64) {
        self.scales.push(largest);
        self.table_bytes.push(table_bytes);
    }

    /// Rows of the largest table at each run so far, in the order run.
    pub(super) fn scales(&self) -> &[u64] {
        &self.scales
    }

    pub(super) fn distinct_scales(&self) -> usize {
        let mut scales = self.scales.clone();
        scales.sort_unstable();
        scales.dedup();
        scales.len()
    }

    /// Each statement's count of measurements and of rebuilds, to tell a later run's.
    pub(super) fn runs_so_far(&self) -> Vec<(usize, usize)> {
        self.statements
            .iter()
            .map(|r| (r.measurements.len(), r.rebuild.len()))
            .collect()
    }

    /// Move the run made since `runs_before` out of the measurements into `validation`,
    /// where the fit does not see it.
    pub(super) fn set_aside_last_run(&mut self, runs_before: Vec<(usize, usize)>) {
        self.scales.pop();
        self.table_bytes.pop();
        for (result, (measured, rebuilt)) in self.statements.iter_mut().zip(runs_before) {
            if result.measurements.len() > measured {
                result.validation = result.measurements.pop();
            }
            if result.rebuild.len() > rebuilt {
                result.validation_rebuild = result.rebuild.pop();
            }
        }
    }

    /// The measurements, with the other parts' shares of the ladder summary.
    pub(super) fn finish(
        self,
        seed_rows_per_second: f64,
        buffer_pool_bytes: Vec<u64>,
        mut time: LadderTime,
        online_log_max_bytes: Option<u64>,
    ) -> Measurements {
        time.statement_seconds = self.statement_seconds;
        time.probe_seconds = self.probe_seconds;
        time.online_route_seconds = self.online_route_seconds;
        Measurements {
            statements: self.statements,
            ladder: LadderSummary {
                scales: self.scales,
                seed_rows_per_second,
                seconds: self.started.elapsed().as_secs_f64(),
                buffer_pool_bytes,
                table_bytes: self.table_bytes,
                time,
            },
            warnings: self.warnings,
            online_log_max_bytes,
        }
    }
}

/// Rows of the table a statement works on at production size; statements on tables the
/// migration creates, or on none, scale with the largest table.
fn target_rows_of(profile: &Profile, statement: &Statement) -> u64 {
    statement
        .table
        .as_deref()
        .and_then(|t| profile.table(t))
        .map(|t| t.rows)
        .unwrap_or_else(|| profile.largest_rows())
}
