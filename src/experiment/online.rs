//! The online route beside the native one: which statements also run through
//! pt-online-schema-change, and at each scale while its share of the budget lasts a second
//! pass on fresh tables under the same probe, with its write latency before and during
//! the tool's run.

use super::{discover::rejected, plan, Lab, Measurement};
use crate::ddl::{Algorithm, LockLevel};
use crate::migration;
use crate::online_route::{self, run, GhOstBlocker, PtOscNeed, Route, TableFacts};
use crate::probe::{QueryKind, Sample};
use crate::text::group_digits;
use crate::warning::Warning;
use anyhow::{bail, Context, Result};
use sqlx::Row;
use std::time::{Duration, Instant};

/// Probe queries before the tool starts, for the write latency it is compared with.
const BASELINE: Duration = Duration::from_millis(600);

/// One statement's runs through pt-osc, and what the tool needs on its table.
#[derive(Debug, Clone, Default)]
pub struct OnlineMeasured {
    /// The `--alter` text the tool ran.
    pub alter: String,
    pub needs: Vec<PtOscNeed>,
    pub gh_ost_blockers: Vec<GhOstBlocker>,
    pub runs: Vec<OnlineRun>,
    /// The tool stopped without altering (its words); no later scale tries again.
    pub refused: Option<String>,
}

#[derive(Debug, Clone)]
pub struct OnlineRun {
    /// Rows, the tool's wall time, and what the probe saw while it ran.
    pub measurement: Measurement,
    /// Median probe write (update and insert) latency just before the tool started and
    /// while it ran, in milliseconds.
    pub write_ms_before: Option<f64>,
    pub write_ms_during: Option<f64>,
    /// Seconds the probe's writes were blocked across the swap (the RENAME, between the
    /// tool's "Swapping tables" and "Swapped" lines).
    pub swap_blocked_seconds: Option<f64>,
}

impl Lab<'_> {
    /// Pick the statements the ladder also runs through pt-osc: those the user asked for
    /// or routed, and (by default) those the probe found blocking writes while they run.
    pub(super) async fn choose_online(&mut self) -> Result<()> {
        let options = &self.options.online;
        let mut chosen = Vec::new();
        for (index, statement) in self.migration.statements.iter().enumerate() {
            let result = &self.results.statements[index];
            let blocks_writes = result.algorithm == Some(Algorithm::Copy)
                || matches!(result.lock, Some(LockLevel::Shared | LockLevel::Exclusive));
            if !options.measures(index, blocks_writes) {
                continue;
            }
            let alter = migration::pt_osc_alter(statement);
            let table = statement.table.as_deref().filter(|t| {
                let shapes = &self.bases.shapes;
                shapes.iter().any(|s| s.name.eq_ignore_ascii_case(t))
            });
            match (alter, table) {
                (Some(alter), Some(table)) => chosen.push((index, alter, table.to_string())),
                // Routed by the user, yet not something the tool can run: say so.
                _ if online_route::route_of(&options.routes, index) == Route::PtOsc => {
                    self.results.warnings.push(Warning::NotRoutable {
                        statement: index + 1,
                        summary: statement.summary(),
                    })
                }
                _ => {}
            }
        }
        if chosen.is_empty() {
            return Ok(());
        }
        if !run::installed() {
            if options.asked_for() {
                bail!(
                    "--route/--measure-route: {} is not on PATH (install percona-toolkit; scripts/setup does)",
                    online_route::PT_OSC
                );
            }
            self.results.warnings.push(Warning::NoOnlineTool {
                tool: online_route::PT_OSC.to_string(),
                statements: chosen.iter().map(|c| c.0 + 1).collect(),
            });
            return Ok(());
        }
        for (index, alter, table) in chosen {
            let triggers = self.count_triggers(&table).await?;
            let facts = TableFacts::of(&self.bases.shapes, &table, triggers);
            let statement = &self.migration.statements[index];
            self.results.statements[index].online = Some(OnlineMeasured {
                alter,
                needs: online_route::needs(statement, &facts),
                gh_ost_blockers: online_route::gh_ost_blockers(&facts),
                runs: Vec::new(),
                refused: None,
            });
        }
        Ok(())
    }

    async fn count_triggers(&mut self, table: &str) -> Result<u32> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM information_schema.TRIGGERS \
             WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ?",
        )
        .bind(table)
        .fetch_one(&mut self.loader)
        .await
        .with_context(|| format!("counting the triggers on {table}"))?;
        let count: i64 = row.try_get(0)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Whether this run has a pt-osc pass to make.
    pub(super) fn online_wanted(&self) -> bool {
        !self.online_paused
            && self
                .results
                .statements
                .iter()
                .any(|r| r.online.as_ref().is_some_and(|o| o.refused.is_none()))
    }

    /// Whether the run at `fraction` makes a pt-osc pass: once per scale (a repeat of a
    /// scale measures the native route only) and while the pass, priced from the last
    /// ones, fits the online route's share of the budget. Past that share the online route
    /// stops for good and the native ladder gets the rest of the budget: pt-osc's chunked
    /// copy can take ten times the native ALTER, and priced together the two routes left
    /// the native ladder a tenth of the scale it reaches alone.
    pub(super) fn online_pass_due(&mut self, fraction: f64) -> bool {
        if !self.online_wanted() {
            return false;
        }
        let passes = &self.online_passes;
        if passes
            .last()
            .is_some_and(|(at, _)| *at >= fraction * (1.0 - 1e-9))
        {
            return false;
        }
        let fits = plan::online_pass_fits(
            self.options.budget.as_secs_f64(),
            self.results.online_route_seconds,
            plan::online_pass_seconds(passes, fraction),
        );
        if !fits {
            self.online_paused = true;
        }
        fits
    }

    /// The migration again on fresh tables at `fraction`: the chosen statements through
    /// pt-osc (timed, under the probe), the others natively so that each finds its table
    /// as the migration leaves it. Returns the statements' seconds.
    pub(super) async fn timed_online_pass(&mut self, fraction: f64, label: &str) -> Result<f64> {
        let largest = (self.profile.largest_rows() as f64 * fraction).round() as u64;
        let started = Instant::now();
        self.progress.step(format!(
            "{label}: fresh tables of {} rows for pt-online-schema-change",
            group_digits(largest)
        ));
        self.fresh_tables(fraction).await?;
        self.set_memory(fraction).await?;
        let mut conn = self.sandbox.connect().await?;
        let mut statements = 0.0;
        let count = self.migration.statements.len();
        for (index, statement) in self.migration.statements.iter().enumerate() {
            let result = &self.results.statements[index];
            let rows = ((result.target_rows as f64 * fraction).round() as u64).max(1);
            let online = result
                .online
                .as_ref()
                .filter(|o| o.refused.is_none())
                .map(|o| (o.alter.clone(), online_route::sandbox_flags(&o.needs)));
            let (Some((alter, flags)), Some(table)) = (online, statement.table.clone()) else {
                let at = Instant::now();
                if let Err(error) = sqlx::raw_sql(&statement.sql).execute(&mut conn).await {
                    self.give_up_online(index, &error);
                    break;
                }
                statements += at.elapsed().as_secs_f64();
                continue;
            };
            self.progress.step(format!(
                "{label}: {} rows: statement {}/{count} through pt-online-schema-change",
                group_digits(largest),
                index + 1
            ));
            let warnings = &mut self.results.warnings;
            let probe = self
                .workload
                .start(self.sandbox, &self.bases, statement, fraction, warnings)
                .await;
            if probe.is_some() {
                tokio::time::sleep(BASELINE).await;
            }
            let began = Instant::now();
            let outcome = run::run(self.sandbox, &table, &alter, &flags).await;
            let ended = Instant::now();
            let (blocking, samples) = self
                .workload
                .finish_with_samples(probe, began, ended, warnings)
                .await;
            self.workload
                .remove_inserts(&mut self.loader, &self.bases, statement)
                .await;
            match outcome? {
                run::Outcome::Done { seconds, swap } => {
                    statements += seconds;
                    let (before, during) = write_latencies(&samples, seconds);
                    let swap = swap.filter(|_| !samples.is_empty()).map(|(a, b)| {
                        let since = |t: Instant| t.saturating_duration_since(began).as_secs_f64();
                        blocked_across(&samples, since(a), since(b))
                    });
                    if let Some(online) = self.results.statements[index].online.as_mut() {
                        online.runs.push(OnlineRun {
                            measurement: Measurement {
                                rows,
                                seconds,
                                blocking,
                            },
                            write_ms_before: before,
                            write_ms_during: during,
                            swap_blocked_seconds: swap,
                        });
                    }
                }
                run::Outcome::Refused { reason } => {
                    if let Some(online) = self.results.statements[index].online.as_mut() {
                        online.refused = Some(reason);
                    }
                    // The later statements still need the table as this one leaves it.
                    let at = Instant::now();
                    if let Err(error) = sqlx::raw_sql(&statement.sql).execute(&mut conn).await {
                        self.give_up_online(index, &error);
                        break;
                    }
                    statements += at.elapsed().as_secs_f64();
                }
            }
        }
        let seconds = started.elapsed().as_secs_f64();
        self.results.online_route_seconds += seconds;
        self.online_passes.push((fraction, seconds));
        Ok(statements)
    }

    /// A later statement failed on the table pt-osc left (its foreign keys renamed with a
    /// leading underscore, say) though it ran natively: the runs measured so far stand,
    /// no further pass is made, and the report says why.
    fn give_up_online(&mut self, index: usize, error: &sqlx::Error) {
        let statement = &self.migration.statements[index];
        self.results.warnings.push(Warning::OnlineRouteStopped {
            statement: index + 1,
            message: crate::text::causes(&rejected(statement, error)),
        });
        self.online_paused = true;
    }
}

/// Seconds during which a write waited longer than the probe's block threshold, over the
/// writes in flight at some moment of `from..to` (their whole wait counts: a write queued
/// behind the RENAME waits from before it starts).
fn blocked_across(samples: &[Sample], from: f64, to: f64) -> f64 {
    let threshold = crate::probe::BLOCK_THRESHOLD.as_secs_f64();
    let mut intervals: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.kind != QueryKind::Read && !s.failed && s.seconds > threshold)
        .map(|s| (s.issued, s.issued + s.seconds))
        .filter(|(a, b)| *a <= to && *b >= from)
        .collect();
    intervals.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut total = 0.0;
    let mut reach = f64::NEG_INFINITY;
    for (a, b) in intervals {
        let start = a.max(reach);
        if b > start {
            total += b - start;
        }
        reach = reach.max(b);
    }
    total
}

/// Median write latency (ms) of the probe just before the tool started, and while it ran.
fn write_latencies(samples: &[Sample], seconds: f64) -> (Option<f64>, Option<f64>) {
    let median = |keep: &dyn Fn(&Sample) -> bool| -> Option<f64> {
        let mut ms: Vec<f64> = samples
            .iter()
            .filter(|s| s.kind != QueryKind::Read && !s.failed && !s.killed && keep(s))
            .map(|s| s.seconds * 1000.0)
            .collect();
        if ms.len() < 5 {
            return None;
        }
        ms.sort_by(f64::total_cmp);
        Some(ms[ms.len() / 2])
    };
    (
        median(&|s| s.issued < 0.0),
        median(&|s| s.issued >= 0.0 && s.issued <= seconds),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_latency_is_split_at_the_tool_s_start_and_reads_do_not_count() {
        let mut samples = Vec::new();
        for i in 0..10 {
            let write = |issued: f64, seconds: f64| Sample {
                kind: QueryKind::Update,
                issued,
                seconds,
                failed: false,
                killed: false,
            };
            samples.push(write(-0.5 + i as f64 * 0.01, 0.002));
            samples.push(write(0.1 + i as f64 * 0.1, 0.006));
            samples.push(Sample {
                kind: QueryKind::Read,
                ..write(0.2, 0.5)
            });
        }
        let (before, during) = write_latencies(&samples, 2.0);
        assert_eq!(before, Some(2.0));
        assert_eq!(during, Some(6.0));
        assert_eq!(write_latencies(&samples[..3], 2.0), (None, None));
        // One write stalled 0.3 s across the swap at 1.9 s, one stalled earlier: only
        // the first is the swap's.
        samples.push(Sample {
            kind: QueryKind::Insert,
            issued: 1.8,
            seconds: 0.3,
            failed: false,
            killed: false,
        });
        samples.push(Sample {
            kind: QueryKind::Update,
            issued: 0.5,
            seconds: 0.4,
            failed: false,
            killed: false,
        });
        assert!((blocked_across(&samples, 1.9, 1.95) - 0.3).abs() < 1e-9);
    }
}
