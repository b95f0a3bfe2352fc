//! The experiment: seed the tables at a ladder of growing scales and time every statement
//! of the migration at each one, on an untouched copy of the tables at that scale.
//! Produces Measurements; knows nothing of statistics. `discover` finds the algorithm and
//! lock level the server really uses; `seeding` grows the base tables and `fresh` makes
//! each run's tables (with `seed::tables`); `plan` sizes the ladder; `probing` runs the
//! workload beside each statement; the buffer pool is `sandbox::buffer_pool`'s.

mod discover;
mod fresh;
mod memory;
mod online;
mod plan;
mod probing;
mod results;
mod seeding;
mod time;

use crate::migration::{Migration, Statement};
use crate::probe::{ProbeOptions, Prober};
use crate::profile::Profile;
use crate::progress::Progress;
use crate::sandbox::Sandbox;
use crate::seed::tables::{self, base_name, create_base_table, create_schema};
use crate::seed::{self, TableShape};
use crate::text::group_digits;
use crate::warning::Warning;
pub use memory::CacheState;
pub use online::{OnlineMeasured, OnlineRun};
pub use results::{LadderSummary, Measurement, Measurements, StatementMeasurements};
pub use time::{CopiedTable, FreshMethod, LadderTime};

use anyhow::{Context, Result};
use discover::rejected;
use memory::Memory;
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Rows of the largest table in the copy the algorithm and lock probes run on.
const PROBE_ROWS: u64 = 500;
/// Rows of the largest table at the calibration run that measures the costs per row.
const CALIBRATION_ROWS: u64 = 10_000;

#[derive(Debug, Clone)]
pub struct LadderOptions {
    /// Scales of the ladder above the calibration run.
    pub scales: usize,
    /// Runs at the largest scale, when the budget has room for them.
    pub repeats: usize,
    pub ratio: f64,
    pub max_rows: Option<u64>,
    pub budget: Duration,
    /// The concurrent workload beside each timed statement; None runs statements alone.
    pub probe: Option<ProbeOptions>,
    /// After the ladder, one more run at 3x its largest scale (beyond --max-rows and the
    /// budget), kept out of the fit, to measure the extrapolation's error.
    pub validate: bool,
    /// Production's buffer pool over its tables' bytes: when given, the sandbox's pool is
    /// resized at every scale to keep that ratio (the memory regime decides whether an
    /// index build sorts in memory or spills).
    pub buffer_pool_ratio: Option<f64>,
    /// Production's buffer pool in bytes, where its tables' bytes are unknown (schema
    /// mode): at every scale the sandbox's pool is this times the scale's share of
    /// production's rows, the same regime without knowing the bytes.
    pub production_buffer_pool: Option<u64>,
    /// Run each statement with its table out of the buffer pool (`--cache cold`) instead
    /// of warm from the copy that just wrote it.
    pub cold_cache: bool,
    /// Which statements also run through pt-online-schema-change, at every scale.
    pub online: crate::online_route::RouteOptions,
}

/// Extra work the estimate may ask of the experiment, for production's rules.
pub struct Extras<'a> {
    /// Read each statement's table columns before it runs in the probe.
    pub read_columns: bool,
    /// Decides, after the probes, which statements also get a timed table rebuild.
    pub needs_rebuild: &'a (dyn Fn(usize, &StatementMeasurements) -> bool + Sync),
}

/// Run the whole experiment in the sandbox.
pub async fn run(
    sandbox: &Sandbox,
    profile: &Profile,
    migration: &Migration,
    options: &LadderOptions,
    progress: &Progress,
    started: Instant,
) -> Result<Measurements> {
    run_with(
        sandbox, profile, migration, options, progress, started, None,
    )
    .await
}

/// `run`, plus the extra work production's rules ask for.
pub async fn run_with(
    sandbox: &Sandbox,
    profile: &Profile,
    migration: &Migration,
    options: &LadderOptions,
    progress: &Progress,
    started: Instant,
    extras: Option<&Extras<'_>>,
) -> Result<Measurements> {
    let mut lab = Lab::prepare(sandbox, profile, migration, progress, options).await?;
    lab.choose_fresh_method().await?;
    lab.read_columns = extras.is_some_and(|e| e.read_columns);
    lab.prober = options.probe.clone().map(Prober::new);
    if options.cold_cache && !sandbox.owns_server() {
        anyhow::bail!("--cache cold resizes the buffer pool, which ddl-eta does only on a sandbox it started, not on --sandbox-url");
    }
    lab.probe_algorithms_and_locks().await?;
    lab.choose_online(&options.online).await?;
    if let Some(extras) = extras {
        lab.rebuild_before = lab
            .results
            .iter()
            .enumerate()
            .map(|(i, r)| (extras.needs_rebuild)(i, r))
            .collect();
    }
    lab.run_ladder(options, started).await?;
    lab.pool_sizes = lab.memory.take_sizes(&mut lab.warnings);
    lab.online_log_max_bytes = online_log_max_bytes(&mut lab.loader).await;
    Ok(lab.into_measurements())
}

/// The state of one experiment: the tables, what has been seeded so far, and the results.
struct Lab<'a> {
    sandbox: &'a Sandbox,
    profile: &'a Profile,
    migration: &'a Migration,
    progress: &'a Progress,
    loader: MySqlConnection,
    shapes: Vec<TableShape>,
    seeding_order: Vec<usize>,
    seeded: HashMap<String, u64>,
    counters: HashMap<String, String>,
    results: Vec<StatementMeasurements>,
    scales_run: Vec<u64>,
    seed_rate: f64,
    warnings: Vec<Warning>,
    ladder_started: Instant,
    read_columns: bool,
    rebuild_before: Vec<bool>,
    prober: Option<Prober>,
    online_log_max_bytes: Option<u64>,
    memory: Memory,
    /// The pool of every run, once the ladder is done.
    pool_sizes: Vec<u64>,
    /// The tables' bytes at each run, parallel to `scales_run`.
    table_bytes: Vec<u64>,
    /// The directory of our database's table files, where cloning is possible.
    table_dir: Option<PathBuf>,
    /// Per table: cloned (else copied) for every run.
    cloned: Vec<bool>,
    /// Per cloned table: its secondary indexes as `ADD …` clauses for its base table.
    index_clauses: Vec<Vec<String>>,
    /// Whether the base tables carry their secondary indexes now.
    base_indexed: bool,
    time: LadderTime,
    seed_per_fraction: f64,
    index_per_fraction: f64,
    /// No pt-osc pass (the `--validate` run measures the native route only).
    online_paused: bool,
}

/// What one run at one scale cost, split by activity, to plan the next.
#[derive(Debug, Clone, Copy, Default)]
struct RunCost {
    fraction: f64,
    /// Fresh tables, warming included.
    copy: f64,
    migrate: f64,
}

impl<'a> Lab<'a> {
    async fn prepare(
        sandbox: &'a Sandbox,
        profile: &'a Profile,
        migration: &'a Migration,
        progress: &'a Progress,
        options: &LadderOptions,
    ) -> Result<Lab<'a>> {
        progress.step("creating the tables in the sandbox");
        let mut loader = sandbox.connect_loader().await?;
        create_schema(&mut loader, profile).await?;
        let mut shapes = Vec::new();
        for table in &profile.tables {
            shapes.push(
                seed::read_shape(&mut loader, &table.name)
                    .await?
                    .with_profile(table)
                    .with_width(table),
            );
        }
        for (i, shape) in shapes.iter().enumerate() {
            create_base_table(&mut loader, shape, &base_name(i)).await?;
        }
        let table_dir = if sandbox.owns_server() {
            sandbox.table_dir()
        } else {
            None
        };
        let seeding_order = seed::seeding_order(&shapes);
        let counters = shapes
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.counter_column()?.to_string())))
            .collect();
        let results = migration
            .statements
            .iter()
            .map(|s| StatementMeasurements {
                target_rows: target_rows_of(profile, s),
                ..Default::default()
            })
            .collect();
        Ok(Lab {
            sandbox,
            profile,
            migration,
            progress,
            loader,
            shapes,
            seeding_order,
            seeded: HashMap::new(),
            counters,
            results,
            scales_run: Vec::new(),
            seed_rate: 0.0,
            warnings: Vec::new(),
            ladder_started: Instant::now(),
            read_columns: false,
            rebuild_before: Vec::new(),
            prober: None,
            online_log_max_bytes: None,
            memory: Memory::new(options, sandbox.owns_server()),
            pool_sizes: Vec::new(),
            table_bytes: Vec::new(),
            table_dir,
            cloned: Vec::new(),
            index_clauses: Vec::new(),
            base_indexed: false,
            time: LadderTime::default(),
            seed_per_fraction: 0.0,
            index_per_fraction: 0.0,
            online_paused: false,
        })
    }

    /// The fraction of every target at which the largest table has `rows` rows.
    fn fraction_for(&self, rows: u64) -> f64 {
        let largest = self.profile.largest_rows().max(1);
        (rows as f64 / largest as f64).min(1.0)
    }

    async fn run_ladder(&mut self, options: &LadderOptions, started: Instant) -> Result<()> {
        self.ladder_started = Instant::now();
        // Calibrate below the cap's whole ladder, so that every scale is a new, larger one.
        let below = options.ratio.max(1.1).powi(options.scales.max(1) as i32);
        let calibration_rows = options.max_rows.map_or(CALIBRATION_ROWS, |cap| {
            CALIBRATION_ROWS.min((cap as f64 / below) as u64).max(1)
        });
        let calibration = self.fraction_for(calibration_rows);
        self.grow(calibration).await?;
        let mut last = self.timed_run(calibration, "calibration").await?;
        let max_fraction = options
            .max_rows
            .map_or(1.0, |cap| self.fraction_for(cap))
            .max(calibration);
        let wanted = options.scales.max(1);
        let budget = options.budget.as_secs_f64();
        for done in 0..wanted {
            let at = plan::Position {
                remaining_seconds: budget - started.elapsed().as_secs_f64(),
                top: last.fraction,
                seeded: self.seeded_fraction(),
                max_fraction,
                scales_left: wanted - done,
                ratio: options.ratio.max(1.1),
                repeats: options.repeats.max(1),
            };
            let mut rest = plan::rest(&self.costs(&last), &at);
            if rest.is_empty() {
                if self.distinct_scales() >= 3 || last.fraction >= max_fraction {
                    break;
                }
                // The fit needs three scales: take the next step whatever the budget says.
                if !self.warnings.contains(&Warning::BudgetRanOut) {
                    self.warnings.push(Warning::BudgetRanOut);
                }
                rest = vec![((last.fraction * at.ratio).min(max_fraction), 1)];
            }
            let (fraction, runs) = rest[0];
            // Before the ladder starts, room for its planned top; then for each new scale.
            let room_for = match done {
                0 => rest.last().map_or(fraction, |r| r.0),
                _ => fraction,
            };
            self.check_disk_space(room_for).await?;
            self.grow(fraction).await?;
            for run in 0..runs {
                let expected = plan::run_seconds(&self.costs(&last), fraction);
                if run > 0 && started.elapsed().as_secs_f64() + expected > budget {
                    break;
                }
                let label = match runs {
                    1 => format!("scale {}", done + 1),
                    _ => format!("scale {} run {}/{runs}", done + 1, run + 1),
                };
                last = self.timed_run(fraction, &label).await?;
            }
        }
        self.repeat_top(options, started, &mut last).await?;
        if options.validate {
            self.run_validation(last.fraction).await?;
        }
        Ok(())
    }

    /// Spend what the budget has left on repeats of the largest scale: where the next
    /// scale was out of reach, the top was run once only.
    async fn repeat_top(
        &mut self,
        options: &LadderOptions,
        started: Instant,
        last: &mut RunCost,
    ) -> Result<()> {
        let top = self.scales_run.last().copied().unwrap_or(0);
        let mut runs = self.scales_run.iter().filter(|r| **r == top).count();
        while runs < options.repeats.max(1) {
            let expected = plan::run_seconds(&self.costs(last), last.fraction);
            if started.elapsed().as_secs_f64() + expected > options.budget.as_secs_f64() {
                break;
            }
            runs += 1;
            *last = self
                .timed_run(last.fraction, &format!("top scale run {runs}"))
                .await?;
        }
        Ok(())
    }

    /// What each activity costs per unit of fraction, from the last run and the last
    /// seeding and index build.
    fn costs(&self, last: &RunCost) -> plan::Costs {
        let per_fraction = |seconds: f64| seconds / last.fraction.max(f64::MIN_POSITIVE);
        plan::Costs {
            seed: self.seed_per_fraction,
            index: if self.cloned.iter().any(|c| *c) {
                self.index_per_fraction
            } else {
                0.0
            },
            fresh: per_fraction(last.copy),
            migrate: per_fraction(last.migrate),
        }
    }

    /// One run at three times the ladder's top (production size at most), set aside from
    /// the measurements the model is fitted to, so the report can compare its prediction
    /// there with what really happened.
    async fn run_validation(&mut self, top: f64) -> Result<()> {
        let fraction = (top * 3.0).min(1.0);
        if fraction <= top * 1.01 {
            self.warnings.push(Warning::NothingToValidate);
            return Ok(());
        }
        self.grow(fraction).await?;
        self.online_paused = true;
        let runs_before: Vec<(usize, usize)> = self
            .results
            .iter()
            .map(|r| (r.measurements.len(), r.rebuild.len()))
            .collect();
        self.timed_run(fraction, "validation").await?;
        self.scales_run.pop();
        self.table_bytes.pop();
        self.memory.forget_last_run();
        for (result, (measured, rebuilt)) in self.results.iter_mut().zip(runs_before) {
            if result.measurements.len() > measured {
                result.validation = result.measurements.pop();
            }
            if result.rebuild.len() > rebuilt {
                result.validation_rebuild = result.rebuild.pop();
            }
        }
        Ok(())
    }

    fn distinct_scales(&self) -> usize {
        let mut scales = self.scales_run.clone();
        scales.sort_unstable();
        scales.dedup();
        scales.len()
    }

    /// Reset the tables to `fraction` and run the whole migration, timing each statement.
    async fn timed_run(&mut self, fraction: f64, label: &str) -> Result<RunCost> {
        let largest = (self.profile.largest_rows() as f64 * fraction).round() as u64;
        let making = match self.method() {
            FreshMethod::Copy => "copying",
            FreshMethod::Clone | FreshMethod::Mixed => "cloning",
        };
        self.progress.step(format!(
            "{label}: {making} {} rows into fresh tables",
            group_digits(largest)
        ));
        let mut copy = self.reset_tables(fraction).await?;
        // Measured before the statements change them: the tables each run starts from.
        let table_bytes = tables::working_table_bytes(&mut self.loader)
            .await
            .unwrap_or(0);
        self.memory.match_regime(&mut self.loader, fraction).await?;
        if self.memory.cold() {
            self.memory.empty(&mut self.loader).await?;
        } else if self.cloned.iter().any(|c| *c) {
            copy += self.warm_clones().await?;
        }
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
            let rows = ((self.results[index].target_rows as f64 * fraction).round() as u64).max(1);
            if let Some(seconds) = self.timed_rebuild(&mut conn, index).await? {
                migrate += seconds;
                self.results[index]
                    .rebuild
                    .push(Measurement::new(rows, seconds));
            }
            let probe = self.start_probe(statement, fraction).await;
            let probed = probe.is_some();
            let mut started = Instant::now();
            let mut outcome = sqlx::raw_sql(&statement.sql).execute(&mut conn).await;
            let mut ended = Instant::now();
            let blocking = self.finish_probe(probe, started, ended).await;
            self.remove_probe_inserts(statement).await;
            self.warn_probe_errors(statement, blocking.as_ref());
            if let (true, Err(error)) = (probed, &outcome) {
                // The probe writes as the running application would; a statement that
                // fails under those writes (NULLs into a column being made NOT NULL, say)
                // can fail in production the same way, after doing all its work.
                self.warn_failed_under_writes(statement, error);
                started = Instant::now();
                outcome = sqlx::raw_sql(&statement.sql).execute(&mut conn).await;
                ended = Instant::now();
            }
            outcome.map_err(|e| rejected(statement, &e))?;
            let seconds = (ended - started).as_secs_f64();
            migrate += seconds;
            self.results[index].measurements.push(Measurement {
                rows,
                seconds,
                blocking,
            });
        }
        if self.online_wanted() {
            // The online route runs on fresh tables of its own: the plan prices both.
            let (fresh, online) = self.timed_online_pass(fraction, label).await?;
            copy += fresh;
            migrate += online;
        }
        self.scales_run.push(largest);
        self.table_bytes.push(table_bytes);
        self.time.statement_seconds += migrate;
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
        let Ok(rows) = sqlx::raw_sql(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(AVG_ROW_LENGTH AS SIGNED) \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
        )
        .fetch_all(&mut self.loader)
        .await
        else {
            return;
        };
        let sizes: HashMap<String, i64> = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r.try_get::<String, _>(0).ok()?.to_ascii_lowercase(),
                    r.try_get::<Option<i64>, _>(1).ok()??,
                ))
            })
            .collect();
        for (statement, result) in self.migration.statements.iter().zip(&mut self.results) {
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

    fn into_measurements(mut self) -> Measurements {
        self.time.fresh_tables = self.method();
        if self.time.clone_seconds > 0.0 {
            self.time.clone_bytes_per_second =
                Some(self.time.clone_bytes as f64 / self.time.clone_seconds);
        }
        Measurements {
            statements: self.results,
            ladder: LadderSummary {
                scales: self.scales_run,
                seed_rows_per_second: self.seed_rate,
                seconds: self.ladder_started.elapsed().as_secs_f64(),
                buffer_pool_bytes: self.pool_sizes,
                table_bytes: self.table_bytes,
                time: self.time,
            },
            warnings: self.warnings,
            online_log_max_bytes: self.online_log_max_bytes,
        }
    }
}

async fn online_log_max_bytes(conn: &mut MySqlConnection) -> Option<u64> {
    let row = sqlx::raw_sql("SELECT CAST(@@innodb_online_alter_log_max_size AS UNSIGNED)")
        .fetch_one(&mut *conn)
        .await
        .ok()?;
    row.try_get::<u64, _>(0).ok()
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
