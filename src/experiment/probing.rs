//! The workload beside each timed statement: the probe's reads and writes on the
//! statement's table, what they saw, the rows they left, and the warnings they raise.

use super::seeding::BaseTables;
use crate::migration::Statement;
use crate::probe::{MeasuredBlocking, ProbeOptions, ProbeTarget, Prober, RunningProbe, Sample};
use crate::quote::ident;
use crate::sandbox::Sandbox;
use crate::warning::Warning;
use sqlx::mysql::MySqlConnection;
use std::time::Instant;

/// The probe workload, when there is one (`--no-probe` runs statements alone).
pub(super) struct Workload {
    prober: Option<Prober>,
}

impl Workload {
    pub(super) fn new(options: Option<ProbeOptions>) -> Workload {
        Workload {
            prober: options.map(Prober::new),
        }
    }

    /// Start the probe on the statement's table, just before it runs. A table the probe
    /// cannot work on (one the migration created, renamed or dropped) goes unprobed.
    pub(super) async fn start(
        &mut self,
        sandbox: &Sandbox,
        bases: &BaseTables<'_>,
        statement: &Statement,
        fraction: f64,
        warnings: &mut Vec<Warning>,
    ) -> Option<RunningProbe> {
        self.prober.as_ref()?;
        let index = statement.table.as_deref().and_then(|t| {
            bases
                .profile()
                .tables
                .iter()
                .position(|p| p.name.eq_ignore_ascii_case(t))
        })?;
        let targets = bases.targets();
        let name = &bases.shapes[index].name;
        let known_columns: Vec<String> = bases.shapes[index]
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let target = ProbeTarget {
            known_columns: Some(&known_columns),
            table: name,
            rows: bases.rows_at(index, fraction),
            // Above every seq the base table has used, with room below 2^31 (the
            // seeder's unique-integer permutation is injective only below it).
            insert_from: bases.seeded.get(name).copied().unwrap_or(0) + 1,
            targets: &targets,
            counter_columns: &bases.counters,
        };
        let prober = self.prober.as_mut()?;
        match prober.start(sandbox, &target).await {
            Ok(running) => Some(running),
            Err(e) => {
                let warning = Warning::NoProbe {
                    statement: statement.index + 1,
                    summary: statement.summary(),
                    error: crate::text::causes(&e),
                };
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
                None
            }
        }
    }

    /// Stop the probe and sum up what it saw between `started` and `ended`.
    pub(super) async fn finish(
        &mut self,
        running: Option<RunningProbe>,
        started: Instant,
        ended: Instant,
        warnings: &mut Vec<Warning>,
    ) -> Option<MeasuredBlocking> {
        let (running, prober) = (running?, self.prober.as_mut()?);
        match prober.finish(running, started, ended).await {
            Ok(blocking) => Some(blocking),
            Err(e) => {
                warnings.push(Warning::ProbeFailed {
                    error: crate::text::causes(&e),
                });
                None
            }
        }
    }

    /// `finish`, with every probe query's sample (the online route reads write latency
    /// before and during the tool's run from them).
    pub(super) async fn finish_with_samples(
        &mut self,
        running: Option<RunningProbe>,
        started: Instant,
        ended: Instant,
        warnings: &mut Vec<Warning>,
    ) -> (Option<MeasuredBlocking>, Vec<Sample>) {
        let (Some(running), Some(prober)) = (running, self.prober.as_mut()) else {
            return (None, Vec::new());
        };
        match prober.finish_with_samples(running, started, ended).await {
            Ok((blocking, samples)) => (Some(blocking), samples),
            Err(e) => {
                warnings.push(Warning::ProbeFailed {
                    error: crate::text::causes(&e),
                });
                (None, Vec::new())
            }
        }
    }

    /// Take out the rows the probe inserted, so the next statement finds the table as the
    /// ladder made it: left in, the old application's rows (NULL in a column just added,
    /// say) would make a later statement fail on data no scale of the ladder has.
    pub(super) async fn remove_inserts(
        &self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
        statement: &Statement,
    ) {
        if self.prober.is_none() {
            return;
        }
        let Some(table) = statement.table.as_deref() else {
            return;
        };
        let Some(index) = bases
            .shapes
            .iter()
            .position(|s| s.name.eq_ignore_ascii_case(table))
        else {
            return;
        };
        let name = &bases.shapes[index].name;
        let (Some(counter), Some(seeded)) = (bases.counters.get(name), bases.seeded.get(name))
        else {
            return;
        };
        let sql = format!(
            "DELETE FROM {} WHERE {} > {seeded}",
            ident(name),
            ident(counter)
        );
        // A table the statement dropped or renamed has nothing left to clean.
        let _ = sqlx::raw_sql(&sql).execute(loader).await;
    }
}

/// The statement failed while the probe wrote: say so once per statement.
pub(super) fn warn_failed_under_writes(
    warnings: &mut Vec<Warning>,
    statement: &Statement,
    error: &sqlx::Error,
) {
    let number = statement.index + 1;
    let warned = |w: &Warning| matches!(w, Warning::FailedUnderWrites { statement, .. } if *statement == number);
    if warnings.iter().any(warned) {
        return;
    }
    let message = error
        .as_database_error()
        .map_or_else(|| error.to_string(), |db| db.message().to_string());
    warnings.push(Warning::FailedUnderWrites {
        statement: number,
        message,
    });
}

/// Probe queries that failed measure nothing: say so once per statement.
pub(super) fn warn_probe_errors(
    warnings: &mut Vec<Warning>,
    statement: &Statement,
    blocking: Option<&MeasuredBlocking>,
) {
    let Some(error) = blocking.and_then(|b| b.first_error.as_ref()) else {
        return;
    };
    let number = statement.index + 1;
    let warned =
        |w: &Warning| matches!(w, Warning::ProbeErrors { statement, .. } if *statement == number);
    if !warnings.iter().any(warned) {
        warnings.push(Warning::ProbeErrors {
            statement: number,
            summary: statement.summary(),
            error: error.to_string(),
        });
    }
}
