//! The `estimate` command: from options to a Report. Reads the migration and the schema,
//! starts the sandbox, runs the experiment, fits a model per statement and extrapolates
//! to production size. The sandbox is closed on every path out.

mod blocking;
mod online;
mod parts;
mod production;
mod release;
mod servers;
mod type_check;

use crate::cli::{EstimateArgs, SandboxKind};
use crate::ddl::Algorithm;
use crate::experiment::{self, LadderOptions, Measurements};
use crate::migration::{self, Migration, Operation};
use crate::model::{self, ErrorModel, Fit, Interval, OperationClass, Point, Spread};
use crate::probe::ProbeOptions;
use crate::profile::{self, InputMode, Profile};
use crate::progress::Progress;
use crate::report::{
    checklist, words, Assumption, CurvePoint, EstimateReport, HardwareSource, HardwareTerm,
    IntervalSource, ModelReport, Range, Report, SandboxReport, ServerOrigin, StatementReport,
    StatementSeriesChange, TableReport, ValidationReport,
};
use crate::sandbox::{Sandbox, SandboxOptions, SandboxSpec};
use crate::source;
use crate::warning::Warning;
use anyhow::{bail, Context, Result};
use parts::*;
use production::Production;
use std::collections::HashSet;
use std::time::Instant;

pub use crate::model::INTERVAL;
/// The error model's farthest distance is a mean over its cells' statements: a ladder a
/// little short of it is still within reach.
const REACH_TOLERANCE: f64 = 1.25;
/// A leave-one-out error above this means the chosen law does not describe the points.
const POOR_FIT: f64 = 0.25;
/// Below this a prediction's relative error does not matter to anyone.
const NEGLIGIBLE_SECONDS: f64 = 1.0;
/// An interval (without the hardware term) wider than this, high over low, is called rough.
const ROUGH_WIDTH: f64 = 4.0;

/// What the report is built from besides the measurements: what the user said of
/// production and of the sandbox, taken from the command line once.
struct ReportOptions<'a> {
    /// Production's writes per second on the table (`--write-rate`), where given.
    write_rate: Option<f64>,
    routes: &'a [crate::online_route::RouteChoice],
    speed_factor: f64,
    hardware: Option<HardwareTerm>,
    cache: crate::experiment::CacheState,
    buffer_pool_bytes: u64,
    production_buffer_pool_bytes: Option<u64>,
    schema: Option<&'a std::path::Path>,
}

impl<'a> ReportOptions<'a> {
    fn of(args: &'a EstimateArgs) -> ReportOptions<'a> {
        ReportOptions {
            write_rate: args.read.write_rate,
            routes: &args.route.route,
            speed_factor: args.speed_factor,
            hardware: hardware_term(args.speed_spread),
            cache: args.sandbox.cache,
            buffer_pool_bytes: args.sandbox.buffer_pool,
            production_buffer_pool_bytes: args.sandbox.production_buffer_pool,
            schema: args.schema.as_deref(),
        }
    }
}

/// The hardware term the intervals carry: none with `--speed-spread 1`; the user's
/// `--speed-spread`; else the documented prior. `--calibration` takes it off only the
/// statements it calibrates (their recorded outcomes measured production itself).
fn hardware_term(speed_spread: Option<f64>) -> Option<HardwareTerm> {
    match speed_spread {
        Some(ratio) if ratio <= 1.0 => None,
        Some(ratio) => Some(HardwareTerm {
            source: HardwareSource::Stated,
            ratio,
        }),
        None => Some(HardwareTerm {
            source: HardwareSource::Prior,
            ratio: model::calibration::HARDWARE_PRIOR_RATIO,
        }),
    }
}

pub async fn run(args: &EstimateArgs) -> Result<Report> {
    let started = Instant::now();
    let migration =
        migration::parse_files_naming_stdin(&args.migrations, args.stdin_filepath.as_deref())?;
    run_migration(args, migration, started).await
}

/// The estimate of a migration already read (from files, or rendered from Django by
/// `ddl-eta django`): steps that are not SQL are listed as untimed, the rest measured.
pub async fn run_migration(
    args: &EstimateArgs,
    migration: Migration,
    started: Instant,
) -> Result<Report> {
    let (migration, not_sql) = migration.split_not_sql();
    if migration.statements.is_empty() {
        if not_sql.is_empty() {
            bail!("the migration has no SQL statement");
        }
        return Ok(nothing_to_time(args, &not_sql));
    }
    // Read before any measuring, so a bad file fails in a second, not after the ladder.
    let calibration = args
        .calibration
        .as_deref()
        .map(crate::watch::calibrate::load)
        .transpose()?;
    let progress = Progress::new(args.quiet);
    let Loaded {
        profile,
        identity: source_identity,
        warnings: input_warnings,
        input,
    } = load_profile(args, &migration, &progress).await?;
    check_tables_exist(&migration, &profile)?;

    if let Some(url) = &args.sandbox.sandbox_url {
        match (&source_identity, &profile.source) {
            (Some(identity), _) => {
                servers::refuse_sandbox_url(identity, url, args.read.connect_timeout).await?
            }
            // A profile made before it recorded who the server is: its address at least.
            (None, Some(source)) => servers::refuse_same_address(&source.url, url)?,
            (None, None) => {}
        }
    }
    progress.step("starting the sandbox server");
    let starting = Instant::now();
    let work_dir = args.sandbox.work_dir.as_deref();
    let mut sandbox = Sandbox::start_in(&sandbox_options(args, &profile), work_dir).await?;
    let server_start_seconds = starting.elapsed().as_secs_f64();
    let sandbox_settings = servers::sandbox_settings(&sandbox).await;
    let ladder = LadderOptions {
        scales: usize::from(args.ladder.scales),
        repeats: usize::from(args.ladder.repeats),
        ratio: args.ladder.ladder_ratio,
        max_rows: args.ladder.max_rows,
        budget: args.ladder.budget,
        probe: (!args.probe.no_probe).then_some(ProbeOptions {
            rate_per_connection: args.probe.probe_rate,
        }),
        validate: args.ladder.validate,
        buffer_pool_ratio: buffer_pool_ratio(args, &profile)
            .filter(|_| args.sandbox.production_buffer_pool.is_none()),
        production_buffer_pool: args.sandbox.production_buffer_pool,
        cold_cache: args.sandbox.cache == crate::experiment::CacheState::Cold,
        online: crate::online_route::RouteOptions {
            measure: args.route.measure_route.clone(),
            routes: args.route.route.clone(),
        },
    };
    // Production's server: --target-server, else the one the profile or source recorded.
    let recorded_by = match args.profile {
        Some(_) => ServerOrigin::Profile,
        None => ServerOrigin::Source,
    };
    let production = production::production_server(
        args.target_server.as_ref(),
        profile.server.as_ref(),
        recorded_by,
    )?
    .map(|(target, origin, overrides)| Production {
        origin,
        overrides,
        sessions: crate::online_ddl::Session::of_each(&migration.statements),
        ..Production::new(target, &sandbox.server)
    });
    let measured = match &production {
        None => experiment::run(&sandbox, &profile, &migration, &ladder, &progress, started).await,
        Some(production) => {
            let needs_rebuild = |i: usize, m: &experiment::StatementMeasurements| {
                production
                    .decide(&migration.statements[i], m)
                    .needs_rebuild_timing
            };
            let extras = experiment::Extras {
                read_columns: true,
                needs_rebuild: &needs_rebuild,
            };
            experiment::run_with(
                &sandbox,
                &profile,
                &migration,
                &ladder,
                &progress,
                started,
                Some(&extras),
            )
            .await
        }
    };
    let measured = match measured {
        Err(error) => Err(sandbox.explain(error).await),
        ok => ok,
    };
    progress.step("stopping the sandbox");
    let report_sandbox = SandboxReport {
        flavor: sandbox.server.flavor.as_str().to_string(),
        version: sandbox.server.version.clone(),
        kind: sandbox.description.clone(),
    };
    sandbox.close().await;
    progress.finish();
    let mut measured = measured?;
    measured.ladder.time.server_start_seconds = server_start_seconds;
    let probe = blocking::probe_report(ladder.probe.as_ref(), &measured);
    let mut report = build_report(
        &migration,
        &profile,
        measured,
        report_sandbox,
        production.as_ref(),
        weakest_input(&input, &migration),
        &ReportOptions::of(args),
    )?;
    report.probe = probe;
    release::annotate(&mut report, &not_sql, args.gate.untimed_allowance);
    servers::annotate_report(&mut report, &profile, sandbox_settings);
    annotate_input(&mut report, &input, input_warnings);
    // The calibration hook: recorded outcomes correct the finished estimate, and the
    // advice built from it is built again.
    if let Some(calibration) = &calibration {
        crate::watch::calibrate::apply(&mut report, calibration);
        report.guidance = Some(checklist::guidance(&report));
        report.checklist = checklist::build(&report);
    }
    Ok(report)
}

/// The report of a migration with no SQL to time (a release of RunPython steps, or of
/// changes to Django's state only): no sandbox is started; the steps that are not SQL are
/// listed, and the totals, timeouts and gates count them as they do beside statements
/// (at `--untimed-allowance`, or open without it).
pub fn nothing_to_time(args: &EstimateArgs, not_sql: &[migration::NotSqlStep]) -> Report {
    let sandbox = SandboxReport {
        flavor: "none".to_string(),
        version: "-".to_string(),
        kind: "nothing to time".to_string(),
    };
    let mut report = Report::new(
        sandbox,
        experiment::LadderSummary::default(),
        args.speed_factor,
        args.sandbox.cache,
    );
    release::annotate(&mut report, not_sql, args.gate.untimed_allowance);
    report
}

/// The tables and their row counts: from a schema file, a saved profile, or the source;
/// only those the migration touches and their foreign-key parents. Also how each table
/// was known, and warnings about the input (an old profile, a parent's assumed rows).
async fn load_profile(
    args: &EstimateArgs,
    migration: &Migration,
    progress: &Progress,
) -> Result<Loaded> {
    let touched = source::tables_of(migration);
    if let Some(schema) = &args.schema {
        let facts = profile::SchemaFacts {
            rows: &args.rows,
            data_bytes: &args.data_bytes,
            index_bytes: &args.index_bytes,
            avg_row_length: &args.avg_row_length,
        };
        let (profile, assumed) = if touched.is_empty() {
            (profile::from_schema_file(schema, &args.rows)?, Vec::new())
        } else {
            profile::from_schema(schema, &touched, &facts)?
        };
        let input = profile
            .tables
            .iter()
            .map(|t| {
                let mode = match t.known_row_length() {
                    Some(_) => InputMode::SchemaBytes,
                    None => InputMode::SchemaRows,
                };
                (t.name.clone(), mode)
            })
            .collect();
        let warnings = assumed
            .into_iter()
            .map(|(table, rows)| Warning::ParentRowsAssumed { table, rows })
            .collect();
        return Ok(Loaded {
            profile,
            identity: None,
            warnings,
            input,
        });
    }
    let mut warnings = Vec::new();
    let (mut loaded, identity, mode) = match (&args.profile, &args.source) {
        (Some(path), _) => {
            let mut loaded = Profile::load(path)?;
            loaded.override_rows(&args.rows, &touched)?;
            if !touched.is_empty() {
                loaded
                    .narrow(&touched)
                    .with_context(|| format!("profile {}", path.display()))?;
            }
            warnings.extend(old_profile_warning(&loaded, args.max_profile_age));
            let identity = loaded.source.as_ref().and_then(|s| s.identity.clone());
            (loaded, identity, InputMode::Profile)
        }
        (None, Some(url)) => {
            progress.step("profiling the tables on the source (read-only)");
            let (mut loaded, identity) =
                source::profile_for(&args.read.source_options(url)?, migration).await?;
            loaded.override_rows(&args.rows, &touched)?;
            (loaded, Some(identity), InputMode::Source)
        }
        (None, None) => bail!("give --schema, --source or --profile"),
    };
    for table in &mut loaded.tables {
        // An empty production table still needs one row for the ladder to stand on.
        table.rows = table.rows.max(1);
    }
    let input = loaded
        .tables
        .iter()
        .map(|t| (t.name.clone(), mode))
        .collect();
    Ok(Loaded {
        profile: loaded,
        identity,
        warnings,
        input,
    })
}

struct Loaded {
    profile: Profile,
    identity: Option<crate::server::ServerIdentity>,
    warnings: Vec<Warning>,
    /// How each table was known, by name.
    input: Vec<(String, InputMode)>,
}

/// A profile older than `--max-profile-age`, by its oldest table the migration needs.
fn old_profile_warning(profile: &Profile, limit: std::time::Duration) -> Option<Warning> {
    let source = profile.source.as_ref()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let age = now.saturating_sub(source.profiled_at);
    (age > limit.as_secs()).then(|| Warning::OldProfile {
        profiled_at: source.profiled_at,
        age_days: age as f64 / 86_400.0,
        limit_days: limit.as_secs_f64() / 86_400.0,
        url: source.url.clone(),
    })
}

fn sandbox_options(args: &EstimateArgs, profile: &Profile) -> SandboxOptions {
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
        // The source's DDL settings (sort buffer and the rest), never its buffer pool.
        extra_server_args: profile
            .settings
            .as_ref()
            .map(|s| s.sandbox_args())
            .unwrap_or_default(),
    }
}

/// Say how each table was known (and, for the report, the weakest of the tables the
/// statements work on), and the input's warnings.
fn annotate_input(report: &mut Report, input: &[(String, InputMode)], warnings: Vec<Warning>) {
    for table in &mut report.tables {
        table.input = input_of(input, &table.name);
    }
    for warning in warnings {
        report.warn(warning);
    }
}

fn input_of(input: &[(String, InputMode)], table: &str) -> Option<InputMode> {
    input
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(table))
        .map(|(_, m)| *m)
}

/// What the estimate knew, as the weakest input of the tables the statements work on (of
/// every table when no statement names one): it picks the intervals' error model.
fn weakest_input(input: &[(String, InputMode)], migration: &Migration) -> InputMode {
    migration
        .statements
        .iter()
        .filter_map(|s| input_of(input, s.table.as_deref()?))
        .max()
        .or_else(|| input.iter().map(|(_, m)| *m).max())
        .unwrap_or(InputMode::SchemaRows)
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
    production: Option<&Production>,
    mode: InputMode,
    options: &ReportOptions,
) -> Result<Report> {
    let mut statements = Vec::new();
    let mut parts: Vec<Spread> = Vec::new();
    let mut series_changes = Vec::new();
    let error_model = model::error_model_for(mode);
    let hardware = options.hardware;
    for (statement, result) in migration.statements.iter().zip(&measured.statements) {
        let decision = production.map(|p| p.decide(statement, result));
        if let Some(p) = production {
            let columns = result.columns_before.as_ref();
            series_changes.extend(
                crate::online_ddl::series_changes(&p.target, statement, columns)
                    .into_iter()
                    .map(|change| StatementSeriesChange {
                        statement: statement.index,
                        change,
                    }),
            );
        }
        let production_points = decision
            .as_ref()
            .map(|d| production::production_measurements(d, result))
            .unwrap_or_default();
        // The estimate is for production: a rebuild there is fitted to timed rebuilds.
        let fitted = if production_points.is_empty() {
            &result.measurements
        } else {
            &production_points
        };
        let algorithm = decision
            .as_ref()
            .map_or(result.algorithm, |d| d.report.algorithm);
        let points: Vec<Point> = fitted
            .iter()
            .map(|m| Point {
                rows: m.rows as f64,
                seconds: m.seconds,
            })
            .collect();
        // An instant change costs its metadata lock, not its rows.
        // Constant only when both sides are instant: a sandbox rebuild stays a rebuild.
        let instant =
            algorithm == Some(Algorithm::Instant) && result.algorithm == Some(Algorithm::Instant);
        let grows_with_rows = !production_points.is_empty()
            || Algorithm::works_through_rows(algorithm, statement.operation);
        let fit = model::statement_fit(&points, instant, grows_with_rows)?;
        // The class follows the fit: a ladder refitted as work on rows extrapolates as one,
        // and its interval must be a ratio, not a metadata change's seconds.
        let works_on_rows = grows_with_rows || fit.works_on_rows();
        let class = OperationClass::of(algorithm, statement.operation, works_on_rows, fit.kind);
        let target = result.target_rows as f64;
        let errors = fit.errors(error_model, target, class);
        let mut interval = fit.calibrated_interval(target, class, &errors);
        let validation = validate(
            &fit,
            error_model,
            class,
            result,
            !production_points.is_empty(),
            &mut interval,
        );
        // The benchmark judges this one; the hardware term goes on top of it.
        let without_hardware = interval.clone();
        // A zero low end has no finite ratio: JSON has no infinity, so it is None.
        let width = (without_hardware.seconds_low > 0.0)
            .then(|| without_hardware.seconds_high / without_hardware.seconds_low);
        let statement_hardware = hardware.filter(|_| class.rows_bound());
        if let Some(term) = statement_hardware {
            interval = interval.with_hardware(term.ratio);
        }
        let mut warnings = statement_warnings(&fit, result.target_rows, class, &errors);
        if class.rows_bound()
            && width.is_none_or(|w| w > ROUGH_WIDTH)
            && interval.seconds_p50 >= NEGLIGIBLE_SECONDS
        {
            // At the nearest measured distance: at 1x profile mode adds no error at all.
            let nearest_width = error_model.nearest_distance(class).map(|d| {
                let nearest = error_model.quantiles(class, d);
                (nearest.high - nearest.low).exp()
            });
            warnings.push(Warning::RoughInterval {
                width,
                mode,
                distance: fit.distance(target),
                nearest_width,
            });
        }
        warnings.extend(decision.as_ref().and_then(|d| d.warning.clone()));
        // Where production locks otherwise than the sandbox did, its lock says what blocks.
        let production_lock = decision
            .as_ref()
            .filter(|d| d.report.differs && d.report.lock != result.lock)
            .and_then(|d| d.report.lock);
        let production = decision.map(|d| crate::report::ProductionReport {
            rebuild_measurements: production_points.clone(),
            ..d.report
        });
        // Production's write rate on the table: the user's word, else the profile's.
        let write_rate = options.write_rate.or_else(|| {
            let table = profile.table(statement.table.as_deref()?)?;
            Some(table.write_rate.as_ref()?.rows_per_second)
        });
        // What blocks for the statement's whole run blocks as long as it runs on
        // production, at production's speed (`--speed-factor`, applied to the report later).
        let at_production_speed = Interval {
            seconds_p50: interval.seconds_p50 / options.speed_factor,
            seconds_low: interval.seconds_low / options.speed_factor,
            seconds_high: interval.seconds_high / options.speed_factor,
        };
        let blocking = blocking::predict(
            result,
            &at_production_speed,
            production_lock,
            write_rate,
            measured.online_log_max_bytes,
        )
        .map(|(blocking, more)| {
            warnings.extend(more);
            blocking
        });
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
            measurements: sorted_by_rows(&result.measurements),
            model: ModelReport {
                kind: fit.kind,
                loo_error: fit.loo_error,
                calibration_rows: fit.calibration_left_out().map(|rows| rows.round() as u64),
                extrapolation: Some(fit.extrapolation(target, class, &errors)),
            },
            estimate: EstimateReport {
                rows: result.target_rows,
                seconds_p50: interval.seconds_p50,
                seconds_low: interval.seconds_low,
                seconds_high: interval.seconds_high,
                interval: INTERVAL,
                source: Some(IntervalSource {
                    model: mode,
                    status: error_model.status,
                    distance: fit.distance(target),
                    measured_to: error_model.largest_distance(class),
                    width,
                }),
                without_hardware: statement_hardware.map(|_| Range {
                    seconds_low: without_hardware.seconds_low,
                    seconds_high: without_hardware.seconds_high,
                }),
            },
            blocking,
            validation,
            warnings: words::warnings(&warnings),
            warning_codes: warnings,
            curve: curve(
                &fit,
                error_model,
                class,
                &result.measurements,
                result.target_rows,
            ),
            production,
            type_check: None,
            route: crate::online_route::route_of(options.routes, statement.index),
            online_route: result.online.as_ref().map(|online| {
                online::report(
                    statement,
                    online,
                    result.target_rows,
                    profile.source.as_ref().map(|s| s.database.as_str()),
                    // Copying rows is work on every row, on production's hardware.
                    hardware.map(|term| term.ratio),
                )
            }),
        });
        parts.push(fit.spread_with(error_model, target, class, without_hardware));
    }
    // The hardware ratio is one for every statement: it scales the total as a whole.
    let total_without_hardware = model::total_interval(&parts, INTERVAL, error_model.shared);
    let hardware = hardware.filter(|_| {
        statements
            .iter()
            .any(|s: &StatementReport| s.estimate.without_hardware.is_some())
    });
    let total = match hardware {
        Some(term) => total_without_hardware.with_hardware(term.ratio),
        None => total_without_hardware.clone(),
    };
    let warning_codes: Vec<Warning> = ladder_warnings(profile, &measured, error_model)
        .into_iter()
        .chain(blocking::metadata_lock_warning(migration))
        .collect();
    let tables = profile
        .tables
        .iter()
        .map(|t| TableReport {
            name: t.name.clone(),
            target_rows: t.rows,
            bytes: t.data_bytes.map(|d| d + t.index_bytes.unwrap_or(0)),
            input: None,
            write_rows_per_second: options
                .write_rate
                .or_else(|| Some(t.write_rate.as_ref()?.rows_per_second)),
            measured_rows: release::measured_rows(t.rows, profile, &measured.ladder),
        })
        .collect();
    let mut report = Report::new(
        sandbox,
        measured.ladder,
        options.speed_factor,
        options.cache,
    );
    report.tables = tables;
    report.statements = statements;
    report.total = total;
    report.hardware = hardware;
    report.total_without_hardware = hardware.map(|_| total_without_hardware);
    report.warnings = words::warnings(&warning_codes);
    report.warning_codes = warning_codes;
    report.input = Some(mode);
    apply_speed_factor(&mut report, options.speed_factor);
    let production_server = production.map(|p| Assumption::ProductionServer {
        server: p.target.label.clone(),
        origin: p.origin,
        overrides: p.overrides.clone(),
        series_changes,
    });
    for assumption in assumptions(&report, options, production_server) {
        report.assume(assumption);
    }
    type_check::annotate(&mut report, migration, options.schema)?;
    report.guidance = Some(checklist::guidance(&report));
    report.checklist = checklist::build(&report);
    Ok(report)
}

#[cfg(test)]
mod tests;
