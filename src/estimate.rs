//! The `estimate` command: from options to a Report. Reads the migration and the schema,
//! starts the sandbox, runs the experiment, fits a model per statement and extrapolates
//! to production size. The sandbox is closed on every path out.

mod blocking;

use crate::cli::{EstimateArgs, SandboxKind};
use crate::experiment::{self, Algorithm, LadderOptions, Measurements};
use crate::migration::{self, Migration, Operation};
use crate::model::{self, Fit, FitOptions, ModelKind, Point};
use crate::probe::ProbeOptions;
use crate::profile::{self, Profile};
use crate::progress::Progress;
use crate::report::{
    EstimateReport, ModelReport, Report, SandboxReport, StatementReport, TableReport,
};
use crate::sandbox::{Sandbox, SandboxOptions, SandboxSpec};
use anyhow::{bail, Result};
use std::collections::HashSet;
use std::time::Instant;

pub const INTERVAL: f64 = 0.9;
/// Beyond this many times the largest measured scale, an extrapolation is a guess.
const FAR_EXTRAPOLATION: f64 = 100.0;
/// A leave-one-out error above this means the chosen law does not describe the points.
const POOR_FIT: f64 = 0.25;

pub async fn run(args: &EstimateArgs) -> Result<Report> {
    let started = Instant::now();
    let migration = migration::parse_files(&args.migrations)?;
    if migration.statements.is_empty() {
        bail!("the migration has no SQL statement");
    }
    let profile = profile::from_schema_file(&args.schema, &args.rows)?;
    check_tables_exist(&migration, &profile)?;

    let progress = Progress::new(args.quiet);
    progress.step("starting the sandbox server");
    let sandbox = Sandbox::start(&sandbox_options(args)).await?;
    let ladder = LadderOptions {
        scales: usize::from(args.ladder.scales),
        repeats: usize::from(args.ladder.repeats),
        ratio: args.ladder.ladder_ratio,
        max_rows: args.ladder.max_rows,
        budget: args.ladder.budget,
        probe: (!args.probe.no_probe).then_some(ProbeOptions {
            rate_per_connection: args.probe.probe_rate,
        }),
    };
    let measured =
        experiment::run(&sandbox, &profile, &migration, &ladder, &progress, started).await;
    progress.step("stopping the sandbox");
    let report_sandbox = SandboxReport {
        flavor: sandbox.server.flavor.as_str().to_string(),
        version: sandbox.server.version.clone(),
        kind: sandbox.description.clone(),
    };
    sandbox.close().await;
    progress.finish();
    let measured = measured?;
    let probe = blocking::probe_report(ladder.probe.as_ref(), &measured);
    let mut report = build_report(
        &migration,
        &profile,
        measured,
        report_sandbox,
        args.probe.write_rate,
    )?;
    report.probe = probe;
    Ok(report)
}

fn sandbox_options(args: &EstimateArgs) -> SandboxOptions {
    let spec = match (&args.sandbox.sandbox_url, args.sandbox.sandbox) {
        (Some(url), _) => SandboxSpec::Url(url.clone()),
        (None, SandboxKind::Docker) => SandboxSpec::Docker {
            image: args.sandbox.image.clone(),
        },
        (None, SandboxKind::Local) => SandboxSpec::Local,
    };
    SandboxOptions {
        spec,
        buffer_pool_bytes: args.sandbox.buffer_pool,
        extra_server_args: Vec::new(),
    }
}

/// Every table a statement names must come from the schema or an earlier statement.
fn check_tables_exist(migration: &Migration, profile: &Profile) -> Result<()> {
    let mut known: HashSet<String> = profile
        .tables
        .iter()
        .map(|t| t.name.to_ascii_lowercase())
        .collect();
    for statement in &migration.statements {
        if let Some(table) = &statement.table {
            let creates_it = statement.creates_table.as_deref() == Some(table.as_str())
                && statement.operation == Operation::CreateTable;
            if !creates_it && !known.contains(&table.to_ascii_lowercase()) {
                bail!(
                    "{}: statement {} ({}) names table {table}, which neither the schema nor an earlier statement creates",
                    statement.location(),
                    statement.index + 1,
                    statement.summary()
                );
            }
        }
        if let Some(created) = &statement.creates_table {
            known.insert(created.to_ascii_lowercase());
        }
        if let Some(dropped) = &statement.drops_table {
            known.remove(&dropped.to_ascii_lowercase());
        }
    }
    Ok(())
}

fn build_report(
    migration: &Migration,
    profile: &Profile,
    measured: Measurements,
    sandbox: SandboxReport,
    write_rate: Option<f64>,
) -> Result<Report> {
    let largest_measured = measured.ladder.scales.iter().copied().max().unwrap_or(0);
    let mut statements = Vec::new();
    let mut fits: Vec<(Fit, f64)> = Vec::new();
    for (statement, result) in migration.statements.iter().zip(&measured.statements) {
        let points: Vec<Point> = result
            .measurements
            .iter()
            .map(|m| Point {
                rows: m.rows as f64,
                seconds: m.seconds,
            })
            .collect();
        let options = FitOptions {
            // An instant change costs its metadata lock, not its rows (DESIGN.md).
            force: (result.algorithm == Some(Algorithm::Instant)).then_some(ModelKind::Constant),
            min_relative_noise: model::repeat_noise(&points)
                .max(FitOptions::default().min_relative_noise),
        };
        let fit = model::fit(&points, &options)?;
        let target = result.target_rows as f64;
        let interval = fit.interval(target, INTERVAL);
        let mut warnings = statement_warnings(&fit, result.target_rows, largest_measured);
        let blocking =
            blocking::predict(result, &interval, write_rate, measured.online_log_max_bytes).map(
                |(blocking, more)| {
                    warnings.extend(more);
                    blocking
                },
            );
        statements.push(StatementReport {
            index: statement.index,
            sql: statement.sql.clone(),
            file: statement.file.clone(),
            line: statement.line,
            table: statement.table.clone(),
            operation: statement.operation,
            clauses: if statement.operation == Operation::Multiple {
                statement.clauses.iter().map(|c| c.operation).collect()
            } else {
                Vec::new()
            },
            algorithm: result.algorithm,
            lock: result.lock,
            measurements: result.measurements.clone(),
            model: ModelReport {
                kind: fit.kind,
                loo_error: fit.loo_error,
            },
            estimate: EstimateReport {
                rows: result.target_rows,
                seconds_p50: interval.seconds_p50,
                seconds_low: interval.seconds_low,
                seconds_high: interval.seconds_high,
                interval: INTERVAL,
            },
            blocking,
            warnings,
        });
        fits.push((fit, target));
    }
    let parts: Vec<(&Fit, f64)> = fits.iter().map(|(f, t)| (f, *t)).collect();
    Ok(Report {
        schema_version: crate::report::SCHEMA_VERSION,
        sandbox,
        tables: profile
            .tables
            .iter()
            .map(|t| TableReport {
                name: t.name.clone(),
                target_rows: t.rows,
            })
            .collect(),
        statements,
        total: model::total_interval(&parts, INTERVAL),
        interval: INTERVAL,
        ladder: measured.ladder,
        warnings: measured
            .warnings
            .into_iter()
            .chain(blocking::metadata_lock_warning(migration))
            .collect(),
        probe: None,
    })
}

fn statement_warnings(fit: &Fit, target_rows: u64, largest_measured: u64) -> Vec<String> {
    let mut warnings = Vec::new();
    if largest_measured > 0 {
        let reach = target_rows as f64 / largest_measured as f64;
        if reach > FAR_EXTRAPOLATION {
            warnings.push(format!(
                "production is {reach:.0}x the largest measured scale: raise --budget or --max-rows for a firmer estimate"
            ));
        }
    }
    if fit.loo_error > POOR_FIT {
        warnings.push(format!(
            "poor fit: the {} model's leave-one-out error is {:.0}%; timings were noisy or changed regime",
            fit.kind.as_str(),
            fit.loo_error * 100.0
        ));
    }
    warnings
}
