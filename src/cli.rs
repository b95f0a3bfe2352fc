//! Command-line arguments: every flag documented where it is defined, so `--help` is the
//! manual. Parsing only; each command lives in its own module.

use crate::profile::RowsArg;
use crate::report::Format;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "ddl-eta",
    version,
    about = "How long will this MySQL/MariaDB migration take on production? Measured in a disposable sandbox.",
    after_help = "Exit codes: 0 done, 1 failure (bad input, a server error), 2 usage, 3 a gate or an error-level lint finding fired.\n\
                  Interrupted by Ctrl-C or SIGTERM: 130 or 143, after stopping every server ddl-eta started."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Read settings from FILE instead of the nearest .ddl-eta.toml found from the working
    /// directory upward (docs/config.md). Flags given on the command line override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore every .ddl-eta.toml.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,

    /// The config file that was read, once `config::parse_args` has found one (its
    /// values are in the fields above by then).
    #[arg(skip)]
    pub config_read: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Predict each statement's duration at production size by timing it in a sandbox at a
    /// ladder of smaller sizes.
    Estimate(Box<EstimateArgs>),
    /// Read tables from the live database (read-only, time-limited) and print their
    /// profile as JSON: shape, sizes, indexes, column statistics, settings, activity.
    /// Without --table, every table over a size threshold; --output saves and resumes.
    Profile(ProfileArgs),
    /// Check the migration SQL alone, without a server: data loss, backward
    /// incompatibility, DDL that is not online on the target, missing fail-fast clauses.
    /// Exit 3 when an error-level rule fires. Rule codes DE001-DE012: see docs/lint-rules.md.
    Lint(LintArgs),
    /// Compare two saved JSON reports statement by statement: the change in predicted
    /// duration and blocking (for benchmark reports across versions, servers, settings).
    Compare(CompareArgs),
    /// Render a saved JSON report in another format (markdown, html, text) without
    /// measuring again.
    Report(ReportArgs),
    /// Watch DDL running on the live database (read-only): progress, ETA, lock waits,
    /// against a saved estimate; or run your migration command (`-- COMMAND...`) and
    /// watch while it runs. Exit 0 when the watched statements ended (the command's code).
    Watch(Box<WatchArgs>),
    /// Turn outcomes recorded by `watch --record` into a calibration for
    /// `estimate --calibration`: per operation kind, real duration over estimate.
    Calibrate(CalibrateArgs),
    /// A Django release as one migration: render its migrations (unapplied, added since a
    /// git revision, or listed) with your manage.py, in one Django process per --manage,
    /// then estimate or lint them together (docs/django.md).
    Django(DjangoArgs),
}

#[derive(Debug, Args)]
pub struct DjangoArgs {
    #[command(subcommand)]
    pub command: DjangoCommand,
}

#[derive(Debug, Subcommand)]
pub enum DjangoCommand {
    /// Estimate the release: `estimate`'s flags, one report with statements grouped by
    /// migration and one total.
    Estimate(Box<DjangoEstimateArgs>),
    /// Lint the release: `lint`'s flags, findings named by migration file.
    Lint(Box<DjangoLintArgs>),
}

/// Which migrations make the release, and how to render them.
#[derive(Debug, Args)]
pub struct DjangoSelectArgs {
    /// The command that runs the project's manage.py, as you would type it in a shell
    /// (`./manage.py lms --settings=lms.envs.production`). Repeatable: lms then cms, on
    /// the same database; a migration both know is rendered once, by the first. Required
    /// here or as `manage` in .ddl-eta.toml.
    #[arg(long, value_name = "COMMAND")]
    pub manage: Vec<String>,

    /// Django's database alias to render against: production read-only, or a database
    /// of the same server version (sqlmigrate's SQL depends on it). Only read.
    #[arg(long, value_name = "ALIAS", default_value = "default")]
    pub database: String,

    /// Instead of the unapplied migrations: the migration files added since this git
    /// revision (a pull request's: `--since origin/master`), committed or not.
    #[arg(long, value_name = "REVISION", conflicts_with = "migrations")]
    pub since: Option<String>,
}

const DJANGO_NAMES: &str = "Migrations as APP:NAME (courses:0003, a unique prefix of the name is enough), or as their .py files (what a pre-commit hook passes), run in the order the migration graph gives. Without them: the unapplied migrations, in `migrate --plan` order (or --since).";

#[derive(Debug, Args)]
#[command(mut_arg("migrations", |a| a.required(false).value_name("APP:NAME").help(DJANGO_NAMES)))]
pub struct DjangoEstimateArgs {
    #[command(flatten)]
    pub select: DjangoSelectArgs,
    #[command(flatten)]
    pub estimate: EstimateArgs,
}

#[derive(Debug, Args)]
#[command(mut_arg("migrations", |a| a.required(false).value_name("APP:NAME").help(DJANGO_NAMES)))]
pub struct DjangoLintArgs {
    #[command(flatten)]
    pub select: DjangoSelectArgs,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Migration SQL files, in the order they run; `-` reads standard input.
    #[arg(required = true, value_name = "MIGRATION")]
    pub migrations: Vec<PathBuf>,

    /// Server the migration will run on: mysql:8.0, mysql:8.0.28, aurora-mysql:3.04,
    /// mariadb:10.11. A version without patch number means the newest release of its
    /// series (as in estimate); a note names the rules an older release of it would use.
    #[arg(
        long,
        value_name = "FLAVOR:VERSION",
        default_value = crate::lint::DEFAULT_TARGET,
        value_parser = crate::online_ddl::parse_current_target_arg
    )]
    pub target_server: crate::lint::Target,

    /// CREATE TABLE statements of the current tables (mysqldump --no-data, mariadb-dump
    /// --no-data --routines --triggers, or SHOW CREATE TABLE output; triggers, routines,
    /// views and events are skipped with one note): lets the rules compare a MODIFY with
    /// the column it replaces. Without it they say "cannot tell" rather than guess.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = crate::lint::LintFormat::Text)]
    pub format: crate::lint::LintFormat,

    /// Silence a rule everywhere (repeatable, or comma-separated: --allow DE011,DE009).
    /// To silence one statement, put `-- ddl-eta: ignore DE001` on the line before it.
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = crate::lint::parse_rule_code)]
    pub allow: Vec<String>,

    /// The file the SQL on standard input (`-`) came from, for editors and hooks that pipe
    /// a file's contents: findings and errors name PATH instead of `-`. PATH is not read.
    #[arg(long, value_name = "PATH")]
    pub stdin_filepath: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A report made by `estimate --format json`.
    pub report: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The estimate's gates, checked again on the saved numbers (no measuring): a later
    /// CI stage gates on the report an earlier one saved.
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier report (`estimate --format json`).
    pub old: PathBuf,
    /// The later report.
    pub new: PathBuf,
    /// Output format: text (a table), json (docs/json.md) or markdown (for a pull request).
    #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
    pub format: CompareFormat,
    /// Same as --format json (kept for scripts written before --format).
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Output formats of `compare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The live database, read-only: mysql://user[:password]@host[:port]/database. An
    /// account with SELECT (and PROCESS, for open transactions) is enough.
    #[arg(long, value_name = "URL")]
    pub source: String,

    /// Table to profile (repeatable); the tables its foreign keys point at come too.
    /// Without it, the whole database: every table with at least --min-rows rows or
    /// --min-bytes bytes, largest first, and the tables their foreign keys point at.
    #[arg(long = "table", value_name = "TABLE")]
    pub tables: Vec<String>,

    /// Without --table: read every table with at least N rows (information_schema's
    /// estimate; suffixes k, M, G) or at least --min-bytes of data and index.
    #[arg(long, value_name = "N", default_value = "100k", value_parser = parse_rows)]
    pub min_rows: u64,

    /// Without --table: the size that also qualifies a table (data plus index bytes;
    /// suffixes K, M, G). Smaller tables are listed in the profile's `skipped` with their
    /// size, not read: any migration on them is fast.
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size)]
    pub min_bytes: u64,

    /// Write the profile to FILE (atomically, after every table, so a stop leaves a usable
    /// file) instead of stdout. When FILE is already a profile of this database, the run
    /// resumes it: its tables read less than --refresh-after ago are kept, not read again.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Resuming --output FILE: tables in it older than this are read again.
    #[arg(long, value_name = "DURATION", default_value = "7days", value_parser = parse_duration)]
    pub refresh_after: Duration,

    #[command(flatten)]
    pub read: SourceReadArgs,
}

/// How the source is read: credentials, sampling and time limits.
#[derive(Debug, Args)]
pub struct SourceReadArgs {
    /// Read the source's password from the first line of FILE. The order: this file, else
    /// the URL's password, else the MYSQL_PWD environment variable. A file (or MYSQL_PWD)
    /// keeps the password off the command line, where `ps` shows it.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Count rows with SELECT COUNT(*) (a full scan, under the statement time limit)
    /// instead of taking the server's estimate from information_schema.TABLES.
    #[arg(long)]
    pub exact_rowcount: bool,

    /// Rows read per table for column statistics, through primary-key ranges spread
    /// over the table; never a full scan of a larger table.
    #[arg(long, value_name = "N", default_value = "100000", value_parser = parse_rows)]
    pub sample_rows: u64,

    /// Rows written per second on the profiled (or migrated) tables: 200, 200/s, 1.5k/s.
    /// Overrides what performance_schema tells (MariaDB cannot by default); estimate uses
    /// it to predict the online alter log an online ALTER accumulates.
    #[arg(long, value_name = "N/s", value_parser = parse_write_rate)]
    pub write_rate: Option<f64>,

    /// Time limit to connect to the source.
    #[arg(long, default_value = "10s", value_parser = parse_time_limit)]
    pub connect_timeout: Duration,

    /// Time limit of each query on the source; a query past it is killed.
    #[arg(long, default_value = "30s", value_parser = parse_time_limit)]
    pub statement_timeout: Duration,

    /// Time limit of the whole profile [default: 5m; 30m for `profile` without --table
    /// or with --output]. There, it is checked between tables: past it the run saves what
    /// it read, lists the rest as `time_limit` and stops (a rerun with the same --output
    /// continues); a table under way may take one --statement-timeout more.
    #[arg(long, value_parser = parse_duration)]
    pub profile_timeout: Option<Duration>,
}

/// `--profile-timeout` when not given, and for `profile` of a whole database.
pub const PROFILE_TIMEOUT: Duration = Duration::from_secs(5 * 60);
pub const DATABASE_PROFILE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Args)]
// Not `required` here: a .ddl-eta.toml may name the tables (`config::configure` checks).
#[command(group(ArgGroup::new("tables").args(["schema", "source", "profile"])))]
pub struct EstimateArgs {
    /// Migration SQL files, run in the order given; `-` reads standard input. Django's
    /// `manage.py sqlmigrate` output works as it is.
    #[arg(required = true, value_name = "MIGRATION")]
    pub migrations: Vec<PathBuf>,

    /// CREATE TABLE statements of the production tables (mysqldump, mariadb-dump --no-data
    /// --routines --triggers, or SHOW CREATE TABLE output; one or several tables).
    /// Triggers, routines, views and events in it are skipped with one note.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Read the tables the migration touches (and their foreign-key parents) from the
    /// live database instead, read-only: mysql://user[:password]@host[:port]/database.
    #[arg(long, value_name = "URL")]
    pub source: Option<String>,

    /// Use a profile saved by `ddl-eta profile` (offline, no production access).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,

    #[command(flatten)]
    pub read: SourceReadArgs,

    /// Production row count: `N` when there is one table, `TABLE=N` (repeatable)
    /// otherwise. Suffixes k, M, G allowed: 50M. Required with --schema; with --source
    /// or --profile it overrides the row count read from production.
    #[arg(long, value_name = "N|TABLE=N")]
    pub rows: Vec<RowsArg>,

    /// With --schema: production's data bytes of a table (SHOW TABLE STATUS Data_length,
    /// or a monitoring page), `SIZE` or `TABLE=SIZE` (repeatable) like --rows; suffixes K,
    /// M, G, T are powers of 1024, fractions allowed: 22.9G. Rows are seeded as wide as
    /// production's (data bytes over rows), the variable-length columns scaled to meet it.
    #[arg(long, value_name = "SIZE|TABLE=SIZE", requires = "schema")]
    pub data_bytes: Vec<crate::profile::SizeArg>,

    /// With --schema: production's index bytes of a table (Index_length), `SIZE` or
    /// `TABLE=SIZE`; reported beside the data bytes.
    #[arg(long, value_name = "SIZE|TABLE=SIZE", requires = "schema")]
    pub index_bytes: Vec<crate::profile::SizeArg>,

    /// With --schema: production's average row length in bytes (Avg_row_length), `N` or
    /// `TABLE=N`: rows are seeded that wide (it wins over --data-bytes for the width).
    #[arg(long, value_name = "N|TABLE=N", requires = "schema")]
    pub avg_row_length: Vec<crate::profile::SizeArg>,

    /// With --profile: warn (code `old_profile`) when the tables the migration needs were
    /// profiled longer ago than this.
    #[arg(long, value_name = "DURATION", default_value = "30days", value_parser = parse_duration)]
    pub max_profile_age: Duration,

    /// Production's server when it is not the sandbox's: mysql:8.0.28, aurora-mysql:3.04,
    /// mariadb:10.11. Algorithm, lock and table rebuild then come from ddl-eta's rules for
    /// that version (docs/target-server.md); where production rebuilds the table and the sandbox
    /// did not, the time comes from a rebuild timed in the sandbox. Without it, the server a
    /// --source or --profile recorded is used; the flag wins over it. A version without
    /// patch level (mysql:8.0) is the newest of its series, as in lint.
    #[arg(long, value_name = "FLAVOR:VERSION", value_parser = crate::online_ddl::parse_target_arg)]
    pub target_server: Option<crate::online_ddl::Target>,

    #[command(flatten)]
    pub sandbox: SandboxArgs,

    #[command(flatten)]
    pub ladder: LadderArgs,

    /// Production is X times as fast as the sandbox (2 = twice as fast): predictions are
    /// divided by X. Calibrate it by running the same ladder on a production-class server
    /// (`--sandbox-url` to an Aurora clone, say) and comparing; 1 assumes equal speed.
    #[arg(long, value_name = "X", default_value_t = 1.0, value_parser = parse_speed)]
    pub speed_factor: f64,

    /// How sure --speed-factor is: production's speed is within x/÷R of it nine times in
    /// ten (1.2: measured on production-class hardware; 1: exact). Replaces the hardware
    /// prior every interval carries otherwise (x/÷1.7, docs/accuracy.md).
    #[arg(long, value_name = "R", value_parser = parse_speed_spread)]
    pub speed_spread: Option<f64>,

    /// A calibration from `ddl-eta calibrate` (recorded real durations): per operation
    /// kind with 3 or more outcomes, the point estimate is multiplied by the median
    /// real/estimated ratio and the interval is their observed spread, without the hardware
    /// prior; other kinds are left as estimated. Replaces --speed-factor.
    #[arg(long, value_name = "FILE", conflicts_with = "speed_factor")]
    pub calibration: Option<PathBuf>,

    #[command(flatten)]
    pub probe: ProbeArgs,

    #[command(flatten)]
    pub route: RouteArgs,

    /// Output format on stdout (or in --output).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE instead of stdout (an HTML report wants a file).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    #[command(flatten)]
    pub gate: GateArgs,

    /// No progress on stderr (errors still go there).
    #[arg(long, short)]
    pub quiet: bool,
    /// The file the SQL on standard input (`-`) came from, for editors and hooks that pipe
    /// a file's contents: findings and errors name PATH instead of `-`. PATH is not read.
    #[arg(long, value_name = "PATH")]
    pub stdin_filepath: Option<PathBuf>,
}

/// CI gates: each is on only when given; when one fires, the report is still printed and
/// ddl-eta exits 3.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Fail (exit 3) when any statement's high estimate exceeds this duration (e.g. 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_duration: Option<Duration>,

    /// Fail (exit 3) when any statement may block writes longer than this (e.g. 5s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_write_block: Option<Duration>,

    /// Fail (exit 3) when production is more than this many times the largest measured
    /// scale (e.g. 30: the farthest ddl-eta's errors were measured at).
    #[arg(long, value_name = "TIMES", value_parser = parse_distance)]
    pub max_distance: Option<f64>,

    /// Fail (exit 3) when the whole migration's (the release's) high estimate exceeds
    /// this duration (e.g. 30m). Steps that are not SQL count at --untimed-allowance;
    /// without it they make the gate undecidable, which fails it too.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_total: Option<Duration>,

    /// Time to allow for each step that is not SQL (a RunPython data migration), in totals
    /// and gates (e.g. 5m). Without it the total reads "X + N untimed steps".
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub untimed_allowance: Option<Duration>,
}

pub(crate) fn parse_distance(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(times) if times.is_finite() && times >= 1.0 => Ok(times),
        _ => Err(format!(
            "expected a number of times, 1 or more (e.g. 30), not '{text}'"
        )),
    }
}

impl SourceReadArgs {
    /// How to read the source at `url` (the password from `--password-file` or MYSQL_PWD).
    pub fn source_options(&self, url: &str) -> anyhow::Result<crate::source::SourceOptions> {
        Ok(crate::source::SourceOptions {
            url: url.to_string(),
            password: crate::source::password_from(self.password_file.as_ref())?,
            exact_rowcount: self.exact_rowcount,
            sample_rows: self.sample_rows,
            write_rate: self.write_rate,
            connect_timeout: self.connect_timeout,
            statement_timeout: self.statement_timeout,
            profile_timeout: self.profile_timeout.unwrap_or(PROFILE_TIMEOUT),
        })
    }
}

impl GateArgs {
    pub fn gates(&self) -> crate::report::gate::Gates {
        crate::report::gate::Gates {
            max_duration: self.max_duration,
            max_write_block: self.max_write_block,
            max_distance: self.max_distance,
            max_total: self.max_total,
            untimed_allowance: self.untimed_allowance,
        }
    }
}

pub use crate::experiment::CacheState;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SandboxKind {
    /// A server process of ddl-eta's own, from `mariadbd` or `mysqld` on PATH.
    Local,
    /// A container from `--image`; needs a running Docker engine.
    Docker,
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Where migrations run: a local server process (default) or a Docker container.
    #[arg(long, value_enum, default_value_t = SandboxKind::Local)]
    pub sandbox: SandboxKind,

    /// Docker image for `--sandbox docker`: mariadb:10.11, or mysql:8.0 for a MySQL or
    /// Aurora MySQL production.
    #[arg(long, default_value = "mariadb:10.11")]
    pub image: String,

    /// Use a server you run instead (mysql://user:password@host:port/). ddl-eta works only
    /// in a database it creates there, ddl_eta_<random>, and drops it at the end.
    #[arg(
        long,
        value_name = "URL",
        env = "DDL_ETA_SANDBOX_URL",
        hide_env_values = true
    )]
    pub sandbox_url: Option<String>,

    /// InnoDB buffer pool of a sandbox ddl-eta starts (bytes; suffixes K, M, G), used
    /// as it is unless the memory regime is matched (see --buffer-pool-ratio).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub buffer_pool: u64,

    /// Keep production's memory regime: at every scale, resize the sandbox's buffer pool
    /// to R times the size of the tables at that scale. Default: production's buffer pool
    /// over its tables' data and index bytes, when a --source or --profile tells them;
    /// else the fixed --buffer-pool. `--buffer-pool-ratio 0` turns matching off.
    #[arg(long, value_name = "R", value_parser = parse_pool_ratio)]
    pub buffer_pool_ratio: Option<f64>,

    /// Production's InnoDB buffer pool (bytes; suffixes K, M, G), for when no --source or
    /// --profile tells it: at every scale the sandbox's pool is this times the scale's
    /// share of production's rows, so index builds and rebuilds read and sort in
    /// production's memory regime. Overrides the ratio a --source or --profile gives.
    #[arg(
        long,
        value_name = "SIZE",
        value_parser = parse_size,
        conflicts_with = "buffer_pool_ratio"
    )]
    pub production_buffer_pool: Option<u64>,

    /// The cache state each statement starts in: warm (its table in the buffer pool, as on
    /// a busy production table) or cold (evicted; a sandbox ddl-eta starts only).
    #[arg(long, value_enum, default_value_t = CacheState::Warm)]
    pub cache: CacheState,

    /// Directory for a local sandbox's data: the ladder's tables and their clones, which
    /// need about three times the largest scale's table size (default: the temp dir).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LadderArgs {
    /// Number of scales in the geometric ladder, above a small calibration run.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(2..=20))]
    pub scales: u16,

    /// Runs at the largest scale, which weighs most in the extrapolation, when the budget
    /// has room for them.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=10))]
    pub repeats: u16,

    /// Ratio between neighbouring scales of the ladder.
    #[arg(long, default_value_t = 2.0, value_parser = parse_ratio)]
    pub ladder_ratio: f64,

    /// Largest table size measured (rows of the largest table); the budget may choose less.
    #[arg(long, value_name = "N", value_parser = parse_rows)]
    pub max_rows: Option<u64>,

    /// Wall time the whole estimate may take (90s, 2m, 1h30m); it picks the largest scale
    /// it can afford from the seeding and migration speed it observes.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub budget: Duration,

    /// After fitting, run one more scale at 3x the ladder's largest (even beyond
    /// --max-rows and the budget: it costs about four times the largest run), compare it
    /// with the prediction, report the error per statement and widen the interval where
    /// it missed.
    #[arg(long)]
    pub validate: bool,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// Run each statement alone, without the probe workload (point reads, updates and
    /// inserts on three connections) that measures what it blocks.
    #[arg(long)]
    pub no_probe: bool,

    /// Probe queries per second on each of the three probe connections.
    #[arg(long, value_name = "N", default_value_t = 50.0, value_parser = parse_probe_rate)]
    pub probe_rate: f64,
}

/// The online route, pt-online-schema-change beside the native ALTER (docs/blocking.md).
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// How statements will run in production: `pt-osc` (all) or `N=pt-osc` (statement N),
    /// repeatable; default `native`, the ALTER that `migrate` runs. The gates, the
    /// checklist and the timeouts then assume that route, and the report prints the plan:
    /// pt-online-schema-change, then Django's `migrate APP MIGRATION --fake`.
    #[arg(long, value_name = "[N=]ROUTE", value_parser = crate::online_route::parse_route)]
    pub route: Vec<crate::online_route::RouteChoice>,

    /// Which statements the ladder also runs through pt-online-schema-change, at every
    /// scale and under the probe: `auto` (those that block writes while they run, and
    /// those given --route pt-osc), `all`, `none`, or numbers (`2`, `2,3`). Both routes
    /// share the --budget: the ladder picks its scales from what both cost.
    #[arg(long, value_name = "WHICH", default_value = "auto", value_parser = crate::online_route::parse_measure_route)]
    pub measure_route: crate::online_route::MeasureRoute,
}

fn parse_probe_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.1..=1000.0).contains(&rate) => Ok(rate),
        _ => Err(format!(
            "'{text}' is not a probe rate between 0.1 and 1000 queries per second"
        )),
    }
}

/// "200", "200/s", "1.5k/s": rows per second.
pub fn parse_write_rate(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches("/s");
    crate::profile::parse_count(number)
        .map(|n| n as f64)
        .or_else(|| {
            number
                .parse::<f64>()
                .ok()
                .filter(|r| *r > 0.0 && r.is_finite())
        })
        .ok_or_else(|| format!("'{text}' is not a write rate (examples: 200/s, 1.5k/s)"))
}

/// The longest duration any flag takes: a deadline much past it overflows the clock.
const MAX_DURATION: Duration = Duration::from_secs(10 * 366 * 24 * 3600);

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration ({e}); examples: 90s, 2m, 1h30m"))?;
    if duration > MAX_DURATION {
        return Err(format!("'{text}' is longer than ten years"));
    }
    Ok(duration)
}

/// A time limit or a polling interval: at least a second, since zero would fail every
/// query at once, or read production in a loop without a pause.
pub fn parse_time_limit(text: &str) -> Result<Duration, String> {
    let duration = parse_duration(text)?;
    if duration < Duration::from_secs(1) {
        return Err(format!("'{text}' is under a second (the least is 1s)"));
    }
    Ok(duration)
}

pub(crate) fn parse_rows(text: &str) -> Result<u64, String> {
    crate::profile::parse_count(text)
        .ok_or_else(|| format!("'{text}' is not a row count (examples: 100000, 250k, 2M)"))
}

pub(crate) fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && (0.01..=100.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "'{text}' is not a speed factor between 0.01 and 100"
        )),
    }
}

fn parse_speed_spread(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && (1.0..=100.0).contains(&x) => Ok(x),
        _ => Err(format!(
            "'{text}' is not a speed spread between 1 (exact) and 100"
        )),
    }
}

fn parse_pool_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && r >= 0.0 => Ok(r),
        _ => Err(format!(
            "'{text}' is not a ratio (0.25: a pool a quarter of the tables)"
        )),
    }
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(ratio) if ratio > 1.0 && ratio <= 10.0 => Ok(ratio),
        _ => Err(format!("'{text}' is not a ratio between 1 and 10")),
    }
}

/// Sizes as server options take them: 134217728, 128M, 1G.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let (number, multiplier) = match trimmed.chars().last() {
        Some('k' | 'K') => (&trimmed[..trimmed.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&trimmed[..trimmed.len() - 1], 1 << 20),
        Some('g' | 'G') => (&trimmed[..trimmed.len() - 1], 1 << 30),
        _ => (trimmed, 1),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .filter(|n| *n >= 5 << 20)
        .ok_or_else(|| format!("'{text}' is not a size of at least 5M (examples: 128M, 1G)"))
}

mod watch;
pub use watch::{CalibrateArgs, WatchArgs};

#[cfg(test)]
mod tests;
