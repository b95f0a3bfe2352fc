//! The experiment: seed the tables at a ladder of growing scales and time every statement
//! of the migration at each one, on an untouched copy of the tables at that scale.
//! Produces Measurements; knows nothing of statistics.
//!
//! The `Lab` runs it, composed of parts that each own their state: `seeding` (the base
//! tables and their growth), `fresh` (every run's tables, cloned or copied), `memory` (the
//! buffer pool's regime and cache state), `probing` (the workload beside each statement)
//! and `results` (what was measured). Its phases: `discover` finds the algorithm and lock
//! level the server really uses, `online` picks and runs the pt-osc route, `ladder` walks
//! the scales `plan` sizes, and `run` times the migration once at one scale.

mod discover;
mod fresh;
mod ladder;
mod memory;
mod online;
mod plan;
mod probing;
mod results;
mod run;
mod seeding;
mod time;

pub use memory::CacheState;
pub use online::{OnlineMeasured, OnlineRun};
pub use results::{LadderSummary, Measurement, Measurements, StatementMeasurements};
pub use time::{CopiedTable, FreshMethod, LadderTime};

use crate::migration::Migration;
use crate::probe::ProbeOptions;
use crate::profile::Profile;
use crate::progress::Progress;
use crate::sandbox::Sandbox;
use anyhow::Result;
use fresh::FreshTables;
use memory::Memory;
use probing::Workload;
use results::Results;
use seeding::BaseTables;
use sqlx::mysql::MySqlConnection;
use std::time::{Duration, Instant};

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
    let setting = Setting {
        sandbox,
        profile,
        migration,
        progress,
    };
    let mut lab = Lab::prepare(setting, options, extras).await?;
    lab.probe_algorithms_and_locks().await?;
    lab.choose_online().await?;
    lab.plan_rebuilds();
    lab.run_ladder(started).await?;
    Ok(lab.finish().await)
}

/// What an experiment runs in and on, shared by all its parts and never changed.
#[derive(Clone, Copy)]
struct Setting<'a> {
    sandbox: &'a Sandbox,
    profile: &'a Profile,
    migration: &'a Migration,
    progress: &'a Progress,
}

/// One experiment: its parts, each owning its state, around the connection that loads and
/// resets the tables. Configured once, in `prepare`; the phases (`discover`, `online`,
/// `ladder`, `run`) drive the parts in turn.
struct Lab<'a> {
    sandbox: &'a Sandbox,
    profile: &'a Profile,
    migration: &'a Migration,
    progress: &'a Progress,
    options: &'a LadderOptions,
    extras: Option<&'a Extras<'a>>,
    loader: MySqlConnection,
    bases: BaseTables<'a>,
    fresh: FreshTables,
    memory: Memory,
    workload: Workload,
    results: Results,
    /// Per statement: whether a timed `ALTER TABLE t FORCE` goes before it (decided by
    /// `Extras::needs_rebuild` once the algorithms are known).
    rebuild_before: Vec<bool>,
    /// No pt-osc pass (the `--validate` run measures the native route only, a pass that
    /// failed is not tried again, and none is made past the online route's budget share).
    online_paused: bool,
    /// The online route's passes so far, as (fraction, wall seconds), to price the next.
    online_passes: Vec<(f64, f64)>,
}

impl<'a> Lab<'a> {
    /// Create the tables and their bases in the sandbox, choose how every run gets fresh
    /// tables, and set up the memory regime and the workload the options ask for.
    async fn prepare(
        setting: Setting<'a>,
        options: &'a LadderOptions,
        extras: Option<&'a Extras<'a>>,
    ) -> Result<Lab<'a>> {
        let Setting {
            sandbox,
            profile,
            migration,
            progress,
        } = setting;
        progress.step("creating the tables in the sandbox");
        let mut loader = sandbox.connect_loader().await?;
        let bases = BaseTables::create(&mut loader, profile).await?;
        let results = Results::new(profile, migration);
        let fresh = FreshTables::choose(&mut loader, sandbox, &bases).await?;
        // Refused only now, after the tables are made, so that a refused run sends the
        // sandbox the statements it always has; checking before `prepare` would fail sooner.
        let memory = Memory::new(options, sandbox.owns_server())?;
        Ok(Lab {
            sandbox,
            profile,
            migration,
            progress,
            options,
            extras,
            loader,
            bases,
            fresh,
            memory,
            workload: Workload::new(options.probe.clone()),
            results,
            rebuild_before: Vec::new(),
            online_paused: false,
            online_passes: Vec::new(),
        })
    }

    /// Ask `Extras::needs_rebuild`, now that each statement's algorithm and lock are
    /// known, which statements get a timed table rebuild before them.
    fn plan_rebuilds(&mut self) {
        if let Some(extras) = self.extras {
            self.rebuild_before = self
                .results
                .statements
                .iter()
                .enumerate()
                .map(|(i, r)| (extras.needs_rebuild)(i, r))
                .collect();
        }
    }

    /// Gather every part's share of the measurements.
    async fn finish(mut self) -> Measurements {
        let pool_sizes = self.memory.finish(&mut self.results.warnings);
        let online_log_max_bytes = run::online_log_max_bytes(&mut self.loader).await;
        let mut time = LadderTime {
            seed_seconds: self.bases.seconds,
            ..LadderTime::default()
        };
        self.fresh.record_time(&mut time);
        self.results
            .finish(self.bases.rate, pool_sizes, time, online_log_max_bytes)
    }
}
