//! The concurrent workload beside each timed statement: starting the probe on the
//! statement's table, collecting what it saw, and cleaning up and reporting what it did.

use super::Lab;
use crate::migration::Statement;
use crate::probe::{MeasuredBlocking, ProbeTarget, RunningProbe};
use crate::quote::ident;
use crate::warning::Warning;
use std::time::Instant;

impl Lab<'_> {
    /// Start the probe on the statement's table, just before it runs. A table the probe
    /// cannot work on (one the migration created, renamed or dropped) goes unprobed.
    pub(super) async fn start_probe(
        &mut self,
        statement: &Statement,
        fraction: f64,
    ) -> Option<RunningProbe> {
        self.prober.as_ref()?;
        let index = statement.table.as_deref().and_then(|t| {
            self.profile
                .tables
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(t))
        })?;
        let targets = self.targets();
        let name = &self.shapes[index].name;
        let known_columns: Vec<String> = self.shapes[index]
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let target = ProbeTarget {
            known_columns: Some(&known_columns),
            table: name,
            rows: self.rows_at(index, fraction),
            // Above every seq the base table has used, with room below 2^31 (the
            // seeder's unique-integer permutation is injective only below it).
            insert_from: self.seeded.get(name).copied().unwrap_or(0) + 1,
            targets: &targets,
            counter_columns: &self.counters,
        };
        let prober = self.prober.as_mut()?;
        match prober.start(self.sandbox, &target).await {
            Ok(running) => Some(running),
            Err(e) => {
                let warning = Warning::NoProbe {
                    statement: statement.index + 1,
                    summary: statement.summary(),
                    error: crate::text::causes(&e),
                };
                if !self.warnings.contains(&warning) {
                    self.warnings.push(warning);
                }
                None
            }
        }
    }

    pub(super) async fn finish_probe(
        &mut self,
        running: Option<RunningProbe>,
        started: Instant,
        ended: Instant,
    ) -> Option<MeasuredBlocking> {
        let (running, prober) = (running?, self.prober.as_mut()?);
        match prober.finish(running, started, ended).await {
            Ok(blocking) => Some(blocking),
            Err(e) => {
                self.warnings.push(Warning::ProbeFailed {
                    error: crate::text::causes(&e),
                });
                None
            }
        }
    }

    /// Take out the rows the probe inserted, so the next statement finds the table as the
    /// ladder made it: left in, the old application's rows (NULL in a column just added,
    /// say) would make a later statement fail on data no scale of the ladder has.
    pub(super) async fn remove_probe_inserts(&mut self, statement: &Statement) {
        if self.prober.is_none() {
            return;
        }
        let Some(table) = statement.table.as_deref() else {
            return;
        };
        let Some(index) = self
            .shapes
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(table))
        else {
            return;
        };
        let name = self.shapes[index].name.clone();
        let (Some(counter), Some(seeded)) = (self.counters.get(&name), self.seeded.get(&name))
        else {
            return;
        };
        let sql = format!(
            "DELETE FROM {} WHERE {} > {seeded}",
            ident(&name),
            ident(counter)
        );
        // A table the statement dropped or renamed has nothing left to clean.
        let _ = sqlx::raw_sql(&sql).execute(&mut self.loader).await;
    }

    pub(super) fn warn_failed_under_writes(&mut self, statement: &Statement, error: &sqlx::Error) {
        let number = statement.index + 1;
        let warned = |w: &Warning| matches!(w, Warning::FailedUnderWrites { statement, .. } if *statement == number);
        if self.warnings.iter().any(warned) {
            return;
        }
        let message = error
            .as_database_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_string());
        self.warnings.push(Warning::FailedUnderWrites {
            statement: number,
            message,
        });
    }

    /// Probe queries that failed measure nothing: say so once per statement.
    pub(super) fn warn_probe_errors(
        &mut self,
        statement: &Statement,
        blocking: Option<&MeasuredBlocking>,
    ) {
        let Some(error) = blocking.and_then(|b| b.first_error.as_ref()) else {
            return;
        };
        let number = statement.index + 1;
        let warned = |w: &Warning| matches!(w, Warning::ProbeErrors { statement, .. } if *statement == number);
        if !self.warnings.iter().any(warned) {
            self.warnings.push(Warning::ProbeErrors {
                statement: number,
                summary: statement.summary(),
                error: error.to_string(),
            });
        }
    }
}
