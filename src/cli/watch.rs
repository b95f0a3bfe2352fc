//! The arguments of `ddl-eta watch` and `ddl-eta calibrate`.

use super::{parse_duration, parse_time_limit};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

/// `ddl-eta watch`'s arguments.
#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    /// The live database, read-only: mysql://user[:password]@host[:port]/database. The
    /// account needs PROCESS (to see other sessions) and SELECT.
    #[arg(long, value_name = "URL")]
    pub source: String,

    /// Watch only DDL on this table (repeatable).
    #[arg(long = "table", value_name = "TABLE")]
    pub tables: Vec<String>,

    /// Watch only DDL in this database (default: every database).
    #[arg(long, value_name = "DATABASE")]
    pub database: Option<String>,

    /// A progress line (or bar update) per statement this often.
    #[arg(long, default_value = "10s", value_parser = parse_time_limit)]
    pub interval: Duration,

    /// Report a statement as stalled when its progress has not moved for this long.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    pub stall: Duration,

    /// Keep watching for the next DDL after the watched ones end (until Ctrl-C).
    #[arg(long)]
    pub wait: bool,

    /// A saved `estimate --format json`: running statements are matched to its
    /// statements (table and operation) and the prediction is shown beside the live ETA.
    #[arg(long, value_name = "FILE")]
    pub estimate: Option<PathBuf>,

    /// Append one JSON line per finished statement to FILE (see `ddl-eta calibrate`).
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,

    /// Read the password from the first line of FILE. The order: this file, else the URL's
    /// password, else MYSQL_PWD.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Time limit to connect, and to reconnect after a lost connection (with a COMMAND,
    /// reconnecting goes on in the background after a warning).
    #[arg(long, default_value = "10s", value_parser = parse_time_limit)]
    pub connect_timeout: Duration,

    /// Time limit of each query on the source.
    #[arg(long, default_value = "30s", value_parser = parse_time_limit)]
    pub statement_timeout: Duration,

    /// Your migration command, after `--`: run it on ddl-eta's own stdin, stdout and
    /// stderr, watch while it runs, and exit with its exit code. Trouble with the watching
    /// (source lost, --record unwritable) is a warning and never stops it; SIGINT and
    /// SIGTERM sent to ddl-eta are passed on to it.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `ddl-eta calibrate`'s arguments.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Outcome files written by `ddl-eta watch --record` (JSON lines).
    #[arg(required = true, value_name = "FILE")]
    pub outcomes: Vec<PathBuf>,

    /// Write the calibration to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}
