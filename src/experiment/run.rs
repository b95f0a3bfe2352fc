//! One timed run: fresh tables at a scale, the memory regime and cache state set, then
//! every statement of the migration in turn, timed, under the probe and with the rebuilds
//! production's rules asked for; and the growth of the base tables between scales.

use super::discover::rejected;
use super::probing::{warn_failed_under_writes, warn_probe_errors};
use super::{FreshMethod, Lab, Measurement};
use crate::seed::tables;
use crate::text::group_digits;
use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::HashMap;
use std::time::Instant;

/// What one run at one scale cost the native route, split by activity, to plan the next
/// (the online route's pass is priced apart: `Lab::online_pass_due`).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RunCost {
    pub(super) fraction: f64,
    /// Fresh tables, warming included.
    pub(super) copy: f64,
    pub(super) migrate: f64,
}

impl Lab<'_> {
    /// Grow the base tables to `fraction` of their targets, appending rows (never
    /// reseeding), parents first: with the sandbox's whole buffer pool and without the
    /// bases' secondary indexes, both of which make loading slow.
    pub(super) async fn grow(&mut self, fraction: f64) -> Result<()> {
        let Some(growth) = self.bases.growth_to(fraction) else {
            return Ok(());
        };
        self.memory.restore_full_pool(&mut self.loader).await?;
        self.fresh
            .unindex_bases(&mut self.loader, &self.bases)
            .await?;
        self.bases
            .grow(
                &mut self.loader,
                &self.sandbox.server,
                self.progress,
                growth,
            )
            .await
    }

    /// Fresh tables at `fraction` for a run. Returns their seconds.
    pub(super) async fn fresh_tables(&mut self, fraction: f64) -> Result<f64> {
        self.fresh
            .reset(
                &mut self.loader,
                &self.bases,
                fraction,
                &mut self.results.warnings,
            )
            .await
    }

    /// Put the fresh tables in the run's memory regime and cache state: the pool resized
    /// for this scale, then the tables evicted (`--cache cold`) or the clones read in.
    /// Returns the seconds spent warming.
    pub(super) async fn set_memory(&mut self, fraction: f64) -> Result<f64> {
        self.memory.match_regime(&mut self.loader, fraction).await?;
        if self.memory.cold() {
            self.memory.empty(&mut self.loader).await?;
        } else if self.fresh.any_cloned() {
            return self
                .fresh
                .warm_clones(&mut self.loader, self.sandbox, &self.bases)
                .await;
        }
        Ok(0.0)
    }

    /// Reset the tables to `fraction` and run the whole migration, timing each statement.
    pub(super) async fn timed_run(&mut self, fraction: f64, label: &str) -> Result<RunCost> {
        let largest = (self.profile.largest_rows() as f64 * fraction).round() as u64;
        let making = match self.fresh.method() {
            FreshMethod::Copy => "copying",
            FreshMethod::Clone | FreshMethod::Mixed => "cloning",
        };
        self.progress.step(format!(
            "{label}: {making} {} rows into fresh tables",
            group_digits(largest)
        ));
        let mut copy = self.fresh_tables(fraction).await?;
        // Measured before the statements change them: the tables each run starts from.
        let table_bytes = tables::working_table_bytes(&mut self.loader)
            .await
            .unwrap_or(0);
        copy += self.set_memory(fraction).await?;
        self.record_row_bytes().await;
        let mut conn = self.sandbox.connect().await?;
        let mut migrate = 0.0;
        for (index, statement) in self.migration.statements.iter().enumerate() {
            self.progress.step(format!(
                "{label}: {} rows: statement {}/{}: {}",
                group_digits(largest),
                index + 1,
                self.migration.statements.len(),
                statement.summary()
            ));
            let target_rows = self.results.statements[index].target_rows;
            let rows = ((target_rows as f64 * fraction).round() as u64).max(1);
            if let Some(seconds) = self.timed_rebuild(&mut conn, index).await? {
                migrate += seconds;
                self.results.statements[index]
                    .rebuild
                    .push(Measurement::new(rows, seconds));
            }
            let warnings = &mut self.results.warnings;
            let probe = self
                .workload
                .start(self.sandbox, &self.bases, statement, fraction, warnings)
                .await;
            let probed = probe.is_some();
            let mut started = Instant::now();
            let mut outcome = sqlx::raw_sql(&statement.sql).execute(&mut conn).await;
            let mut ended = Instant::now();
            let blocking = self.workload.finish(probe, started, ended, warnings).await;
            self.workload
                .remove_inserts(&mut self.loader, &self.bases, statement)
                .await;
            warn_probe_errors(warnings, statement, blocking.as_ref());
            if let (true, Err(error)) = (probed, &outcome) {
                // The probe writes as the running application would; a statement that
                // fails under those writes (NULLs into a column being made NOT NULL, say)
                // can fail in production the same way, after doing all its work.
                warn_failed_under_writes(warnings, statement, error);
                started = Instant::now();
                outcome = sqlx::raw_sql(&statement.sql).execute(&mut conn).await;
                ended = Instant::now();
            }
            outcome.map_err(|e| rejected(statement, &e))?;
            let seconds = (ended - started).as_secs_f64();
            migrate += seconds;
            self.results.statements[index]
                .measurements
                .push(Measurement {
                    rows,
                    seconds,
                    blocking,
                });
        }
        self.results.record_run(largest, table_bytes);
        self.results.statement_seconds += migrate;
        if self.online_pass_due(fraction) {
            // On fresh tables of its own, and out of the costs returned: the native
            // ladder is planned on its own costs, the online route keeps to its share.
            let online_statements = self.timed_online_pass(fraction, label).await?;
            self.results.statement_seconds += online_statements;
        }
        Ok(RunCost {
            fraction,
            copy,
            migrate,
        })
    }

    /// Where asked for, rebuild the statement's table as it is just before the statement
    /// (`ALTER TABLE t FORCE`) and return the seconds it took.
    async fn timed_rebuild(&self, conn: &mut MySqlConnection, index: usize) -> Result<Option<f64>> {
        if !self.rebuild_before.get(index).copied().unwrap_or(false) {
            return Ok(None);
        }
        let Some(table) = self.migration.statements[index].table.as_deref() else {
            return Ok(None);
        };
        let started = Instant::now();
        sqlx::raw_sql(&format!("ALTER TABLE {} FORCE", crate::quote::ident(table)))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("rebuilding {table} to time a table rebuild"))?;
        Ok(Some(started.elapsed().as_secs_f64()))
    }

    /// Mean row size of each statement's table as the server reports it now; statistics
    /// are approximate, which is all the online-log estimate needs.
    async fn record_row_bytes(&mut self) {
        let Ok(tables) =
            crate::table::stats(&mut self.loader, crate::table::Database::Current, None).await
        else {
            return;
        };
        let sizes: HashMap<String, u64> = tables
            .into_iter()
            .filter_map(|t| Some((t.name.to_ascii_lowercase(), t.avg_row_length?)))
            .collect();
        let statements = self.migration.statements.iter();
        for (statement, result) in statements.zip(&mut self.results.statements) {
            let size = statement
                .table
                .as_deref()
                .and_then(|t| sizes.get(&t.to_ascii_lowercase()))
                .filter(|s| **s > 0);
            if let Some(size) = size {
                result.row_bytes = Some(*size as f64);
            }
        }
    }
}

/// The sandbox's innodb_online_alter_log_max_size, where it has one.
pub(super) async fn online_log_max_bytes(conn: &mut MySqlConnection) -> Option<u64> {
    let row = sqlx::raw_sql("SELECT CAST(@@innodb_online_alter_log_max_size AS UNSIGNED)")
        .fetch_one(&mut *conn)
        .await
        .ok()?;
    row.try_get::<u64, _>(0).ok()
}
