//! Command-line arguments: every flag documented where it is defined, so `--help` is the
//! manual. Parsing only; each command lives in its own module.

use crate::profile::RowsArg;
use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
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
    Estimate(EstimateArgs),
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    /// Migration SQL files, run in the order given; `-` reads standard input. Django's
    /// `manage.py sqlmigrate` output works as it is.
    #[arg(required = true, value_name = "MIGRATION")]
    pub migrations: Vec<PathBuf>,

    /// CREATE TABLE statements of the production tables (mysqldump or SHOW CREATE TABLE
    /// output; one or several tables).
    #[arg(long, value_name = "FILE")]
    pub schema: PathBuf,

    /// Production row count: `N` when the schema has one table, `TABLE=N` (repeatable)
    /// otherwise. Suffixes k, M, G allowed: 50M.
    #[arg(long, value_name = "N|TABLE=N")]
    pub rows: Vec<RowsArg>,

    #[command(flatten)]
    pub sandbox: SandboxArgs,

    #[command(flatten)]
    pub ladder: LadderArgs,

    #[command(flatten)]
    pub probe: ProbeArgs,

    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// No progress on stderr (errors still go there).
    #[arg(long, short)]
    pub quiet: bool,
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

    /// InnoDB buffer pool of a sandbox ddl-eta starts (bytes; suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub buffer_pool: u64,
}

#[derive(Debug, Args)]
pub struct LadderArgs {
    /// Number of scales in the geometric ladder.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(2..=20))]
    pub scales: u16,

    /// Runs at each of the two smallest scales, to see the noise.
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

    /// Production's write rate on the migrated table (rows written per second: 200 or
    /// 200/s), to predict the size of the online alter log an online ALTER accumulates.
    #[arg(long, value_name = "N/s", value_parser = parse_write_rate)]
    pub write_rate: Option<f64>,
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
}
