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
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Predict each statement's duration at production size by timing it in a sandbox at a
    /// ladder of smaller sizes.
    Estimate(Box<EstimateArgs>),
    /// Read tables from the live database (read-only, time-limited) and print their
    /// profile as JSON: shape, sizes, indexes, column statistics, settings, activity.
    Profile(ProfileArgs),
    /// Check the migration SQL alone, without a server: data loss, backward
    /// incompatibility, DDL that is not online on the target, missing fail-fast clauses.
    /// Exit 3 when an error-level rule fires. Rule codes DE001-DE011: see docs/lint-rules.md.
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
    Watch(Box<crate::watch::WatchArgs>),
    /// Turn outcomes recorded by `watch --record` into a calibration for
    /// `estimate --calibration`: per operation kind, real duration over estimate.
    Calibrate(crate::watch::calibrate::CalibrateArgs),
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Migration SQL files, in the order they run; `-` reads standard input.
    #[arg(required = true, value_name = "MIGRATION")]
    pub migrations: Vec<PathBuf>,

    /// Server the migration will run on: mysql:8.0, mysql:8.0.28, aurora-mysql:3.04,
    /// mariadb:10.11. A version without patch number means a current release of it.
    #[arg(
        long,
        value_name = "FLAVOR:VERSION",
        default_value = crate::lint::DEFAULT_TARGET,
        value_parser = crate::online_ddl::parse_current_target_arg
    )]
    pub target_server: crate::lint::Target,

    /// CREATE TABLE statements of the current tables (mysqldump --no-data or SHOW CREATE
    /// TABLE output): lets the rules compare a MODIFY with the column it replaces.
    /// Without it they say "cannot tell" rather than guess.
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = crate::lint::LintFormat::Text)]
    pub format: crate::lint::LintFormat,

    /// Silence a rule everywhere (repeatable, or comma-separated: --allow DE011,DE009).
    /// To silence one statement, put `-- ddl-eta: ignore DE001` on the line before it.
    #[arg(long, value_name = "CODE", value_delimiter = ',', value_parser = crate::lint::parse_rule_code)]
    pub allow: Vec<String>,
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
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier report (`estimate --format json`).
    pub old: PathBuf,
    /// The later report.
    pub new: PathBuf,
    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The live database, read-only: mysql://user[:password]@host[:port]/database. An
    /// account with SELECT (and PROCESS, for open transactions) is enough.
    #[arg(long, value_name = "URL")]
    pub source: String,

    /// Table to profile (repeatable); the tables its foreign keys point at come too.
    #[arg(long = "table", value_name = "TABLE", required = true)]
    pub tables: Vec<String>,

    #[command(flatten)]
    pub read: SourceReadArgs,
}

/// How the source is read: credentials, sampling and time limits.
#[derive(Debug, Args)]
pub struct SourceReadArgs {
    /// Read the source's password from the first line of FILE (else from the URL, else
    /// from the MYSQL_PWD environment variable).
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
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Time limit of each query on the source; a query past it is killed.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub statement_timeout: Duration,

    /// Time limit of the whole profile.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub profile_timeout: Duration,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("tables").required(true).args(["schema", "source", "profile"])))]
pub struct EstimateArgs {
    /// Migration SQL files, run in the order given; `-` reads standard input. Django's
    /// `manage.py sqlmigrate` output works as it is.
    #[arg(required = true, value_name = "MIGRATION")]
    pub migrations: Vec<PathBuf>,

    /// CREATE TABLE statements of the production tables (mysqldump or SHOW CREATE TABLE
    /// output; one or several tables).
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

    /// Production's server when it is not the sandbox's: mysql:8.0.28, aurora-mysql:3.04,
    /// mariadb:10.11. Algorithm, lock and table rebuild then come from ddl-eta's rules for
    /// that version (docs/target-server.md); where production rebuilds the table and the sandbox
    /// did not, the time comes from a rebuild timed in the sandbox.
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
    /// kind, the point estimate is multiplied by the median real/estimated ratio, and with
    /// 3 or more outcomes the interval is their observed spread. Replaces --speed-factor.
    #[arg(long, value_name = "FILE", conflicts_with = "speed_factor")]
    pub calibration: Option<PathBuf>,

    #[command(flatten)]
    pub probe: ProbeArgs,

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
}

fn parse_distance(text: &str) -> Result<f64, String> {
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
            profile_timeout: self.profile_timeout,
        })
    }
}

impl GateArgs {
    pub fn gates(&self) -> crate::report::gate::Gates {
        crate::report::gate::Gates {
            max_duration: self.max_duration,
            max_write_block: self.max_write_block,
            max_distance: self.max_distance,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CacheState {
    Warm,
    Cold,
}

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

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration ({e}); examples: 90s, 2m, 1h30m"))
}

fn parse_rows(text: &str) -> Result<u64, String> {
    crate::profile::parse_count(text)
        .ok_or_else(|| format!("'{text}' is not a row count (examples: 100000, 250k, 2M)"))
}

fn parse_speed(text: &str) -> Result<f64, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_and_sizes_parse() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_size("128M"), Ok(128 << 20));
        assert!(parse_size("1K").is_err());
        assert_eq!(parse_write_rate("200/s"), Ok(200.0));
        assert_eq!(parse_write_rate("1.5k/s"), Ok(1500.0));
        assert_eq!(parse_write_rate("0.5"), Ok(0.5));
        assert!(parse_write_rate("fast").is_err());
    }

    #[test]
    fn estimate_takes_exactly_one_source_of_tables() {
        let parse = |args: &[&str]| Cli::try_parse_from(args);
        assert!(parse(&["ddl-eta", "estimate", "m.sql"]).is_err());
        assert!(parse(&[
            "ddl-eta",
            "estimate",
            "--schema",
            "s.sql",
            "--profile",
            "p.json",
            "m.sql"
        ])
        .is_err());
        assert!(parse(&["ddl-eta", "estimate", "--profile", "p.json", "m.sql"]).is_ok());
    }
}
