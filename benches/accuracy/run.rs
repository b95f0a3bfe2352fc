//! One case, resumably: what the cache lacks is measured (ddl-eta's estimate at each
//! distance, then the full-size truth) and saved at once; what it has is reused.

use crate::cache::{Cache, CachedEstimate, Truth};
use crate::estimator::{self, Mode};
use crate::production::{self, Production, Stash};
use crate::shapes::{self, Shape};
use crate::{progress, Args, Case};
use anyhow::{bail, Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub struct CaseContext<'a> {
    pub binary: &'a Path,
    pub mode: Mode,
    pub budget: &'a str,
    pub args: &'a Args,
    pub dir: PathBuf,
    pub cache: &'a Cache,
    pub commit: &'a str,
    pub distances: &'a [u32],
}

pub fn shape_of(c: &Case) -> Result<&'static Shape> {
    shapes::find(c.shape).with_context(|| format!("no shape named {}", c.shape))
}

/// The statements ddl-eta is given in `mode` (schema modes leave out what needs the data).
pub fn battery(c: &Case, quick: bool, mode: Mode) -> Result<Vec<(&'static str, &'static str)>> {
    Ok(shape_of(c)?.statements(quick, mode == Mode::Source))
}

/// The ladder caps this run measures for the case: 1/100 only where production has 10M
/// rows or more (a ladder of 100k rows; below, 1/100 would be the calibration run).
pub fn case_distances(c: &Case, distances: &[u32]) -> Vec<u32> {
    distances
        .iter()
        .copied()
        .filter(|d| *d < 100 || c.rows >= crate::ROWS_FOR_1_IN_100)
        .collect()
}

/// Whether the cache lacks anything this run must produce for the case.
pub fn needs_work(c: &Case, context: &CaseContext<'_>) -> Result<bool> {
    if context.cache.truth(&c.name)?.is_none() {
        return Ok(true);
    }
    for distance in case_distances(c, context.distances) {
        let cached = context
            .cache
            .estimate(&c.name, context.mode.as_str(), distance)?;
        if cached.is_none() || context.args.rerun_estimates {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Generate each (shape, rows) once on a fast builder server and keep its files.
pub async fn build_stashes(
    cases: &[&Case],
    root: &Path,
    server_args: &[String],
) -> Result<HashMap<(&'static str, u64), Stash>> {
    let mut stashes = HashMap::new();
    for c in cases {
        if stashes.contains_key(&(c.shape, c.rows)) {
            continue;
        }
        let shape = shape_of(c)?;
        progress::step(format!("building {} with {} rows", shape.table, c.rows));
        let mut args = server_args.to_vec();
        args.extend(shape.builder_args());
        let builder = Production::start(4 << 30, false, &args).await?;
        builder.build(shape, c.rows).await?;
        let stash = builder
            .export(shape, &root.join(format!("{}-{}", c.shape, c.rows)))
            .await?;
        progress::note(format!(
            "{}: {:.0} MB data, {:.0} MB indexes",
            shape.table,
            stash.data_bytes as f64 / 1e6,
            stash.index_bytes as f64 / 1e6
        ));
        stashes.insert((c.shape, c.rows), stash);
    }
    Ok(stashes)
}

/// Production with the case's buffer pool; ddl-eta's estimate at every distance the cache
/// lacks; then, if the cache lacks it, the whole battery on fresh full-size copies.
pub async fn complete_case(c: &Case, stash: &Stash, context: &CaseContext<'_>) -> Result<()> {
    let shape = shape_of(c)?;
    let quick = context.args.quick;
    std::fs::create_dir_all(&context.dir)?;
    progress::note(format!(
        "starting production with a {} MB buffer pool",
        c.buffer_pool >> 20
    ));
    let production = Production::start(c.buffer_pool, true, &context.args.server_arg).await?;
    production.restore(shape, stash).await?;
    production.analyze(shape.table).await?;
    let schema = production.show_create(shape.table).await? + ";\n";
    let mode = context.mode;
    let given = battery(c, quick, mode)?;
    let migration: String = given.iter().map(|(_, sql)| format!("{sql};\n")).collect();
    for distance in case_distances(c, context.distances) {
        let cached = context.cache.estimate(&c.name, mode.as_str(), distance)?;
        if cached.is_some() && !context.args.rerun_estimates {
            continue;
        }
        let max_rows = c.rows / u64::from(distance);
        progress::step(format!(
            "{}: ddl-eta estimate ({} mode) up to {max_rows} rows, 1/{distance} of production's {}",
            c.name,
            mode.as_str(),
            c.rows
        ));
        let work = context.dir.join(format!("{}-1in{distance}", mode.as_str()));
        std::fs::create_dir_all(&work)?;
        let estimate = estimator::run(&estimator::Request {
            binary: context.binary,
            mode,
            work: &work,
            schema: &schema,
            migration: &migration,
            source_url: &production.url(),
            source_password: production.password(),
            rows: c.rows,
            table: shape.table,
            bytes: (stash.data_bytes, stash.index_bytes),
            buffer_pool: production.buffer_pool,
            max_rows,
            budget: context.budget,
            extra: &context.args.estimate_arg,
        })
        .await?;
        progress::note(format!("ddl-eta took {:.0} s", estimate.seconds));
        let predicted = estimator::statements(&estimate.report)?;
        if predicted.len() != given.len() {
            bail!(
                "ddl-eta reported {} statements for a migration of {}",
                predicted.len(),
                given.len()
            );
        }
        let record = CachedEstimate {
            date: crate::command_output("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]),
            commit: context.commit.to_string(),
            max_rows,
            args: estimate.args,
            seconds: estimate.seconds,
            labels: given.iter().map(|(label, _)| label.to_string()).collect(),
            report: estimate.report,
        };
        context
            .cache
            .save_estimate(&c.name, mode.as_str(), distance, &record)?;
    }
    if context.cache.truth(&c.name)?.is_none() {
        // The truth runs the whole battery whatever the mode, so both modes share it.
        let full = battery(c, quick, Mode::Source)?;
        let runs = measure_truth(c, shape, stash, &production, &full, context.args.repeats).await?;
        let truth = Truth {
            date: crate::command_output("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]),
            labels: full.iter().map(|(label, _)| label.to_string()).collect(),
            runs,
            load_average: crate::load_average(),
            data_bytes: stash.data_bytes,
            index_bytes: stash.index_bytes,
            buffer_pool: production.buffer_pool,
            server: production.version().await?,
        };
        context.cache.save_truth(&c.name, &truth)?;
    }
    Ok(())
}

/// The whole migration on a fresh full-size copy, `repeats` times: runs[statement][repeat].
async fn measure_truth(
    c: &Case,
    shape: &Shape,
    stash: &Stash,
    production: &Production,
    battery: &[(&str, &str)],
    repeats: usize,
) -> Result<Vec<Vec<f64>>> {
    let mut runs = vec![Vec::new(); battery.len()];
    for repeat in 1..=repeats {
        progress::step(format!(
            "{}: full-size run {repeat}/{repeats}: fresh copy of {} rows",
            c.name, c.rows
        ));
        let seconds = production.restore(shape, stash).await?;
        progress::note(format!("copy imported in {seconds:.1} s"));
        if c.cache == crate::Cache::Warm {
            production.warm(shape.table).await?;
        }
        let mut conn = production.connect().await?;
        for (i, (label, sql)) in battery.iter().enumerate() {
            progress::step(format!(
                "{}: full-size run {repeat}/{repeats}: statement {}/{}: {label}",
                c.name,
                i + 1,
                battery.len()
            ));
            let seconds = production::time_statement(&mut conn, sql).await?;
            progress::note(format!("{seconds:.2} s"));
            runs[i].push(seconds);
        }
    }
    Ok(runs)
}
