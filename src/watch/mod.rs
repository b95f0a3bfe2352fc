//! The `watch` command: DDL running on production, seen through the same read-only,
//! time-limited session as `profile`: its progress and ETA, what it waits for, how it
//! compares with a saved estimate; optionally while running the user's migration command.
//! Finished statements become outcome records that `calibrate` learns from.

pub mod calibrate;
pub mod discover;
pub mod locks;
pub mod outcome;
pub mod screen;
pub mod sources;
mod track;
pub mod wrap;

use crate::cli::parse_duration;
use crate::source::{Source, SourceOptions};
use crate::text::human_seconds;
use anyhow::{Context, Result};
use clap::Args;
use discover::{Ddl, Filter};
use screen::Screen;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use track::Tracked;

/// How often the server is read between printed lines: statement ends are timed to it.
const POLL: Duration = Duration::from_secs(1);

#[derive(Debug, Args)]
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
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
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

    /// Time limit to connect, and to reconnect after a lost connection.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,

    /// Time limit of each query on the source.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub statement_timeout: Duration,

    /// Your migration command, after `--`: run it, pass its output through, watch while
    /// it runs, and exit with its exit code.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// The `watch` command; returns the exit code (the wrapped command's, when there is one).
pub async fn run(args: &WatchArgs) -> Result<u8> {
    let estimate = args
        .estimate
        .as_deref()
        .map(crate::compare::load)
        .transpose()?;
    let mut session = Session::connect(args).await?;
    discover::require_process_privilege(&mut session.source).await?;
    let screen = Arc::new(Screen::new());
    let off = sources::mysql_instruments_off(&mut session.source).await;
    if !off.is_empty() {
        screen.note(&format!(
            "performance_schema stage progress is off ({}); a read-only account cannot turn it on",
            off.join(", ")
        ));
    }
    let mut wrapped = match args.command.is_empty() {
        true => None,
        false => Some(wrap::Wrapped::spawn(&args.command, screen.clone())?),
    };
    let filter = Filter {
        tables: args.tables.clone(),
        database: args.database.clone(),
    };
    let mut watch = Watch {
        args,
        screen,
        estimate,
        tracked: BTreeMap::new(),
        used_estimates: Vec::new(),
        seen_any: false,
        last_line: String::new(),
    };
    let mut last_print: Option<Instant> = None;
    let mut said_none = false;
    loop {
        let polled_at = Instant::now();
        let threads = match session.threads().await {
            Ok(threads) => threads,
            Err(error) => {
                let last = match watch.last_line.as_str() {
                    "" => "none",
                    line => line,
                };
                anyhow::bail!("{error:#}; last progress seen: {last}")
            }
        };
        let all = discover::ddl_statements(&threads, &Filter::default());
        let ddls = discover::ddl_statements(&threads, &filter);
        watch.finish_ended(&ddls, polled_at, &session.source)?;
        watch.start_new(&ddls, &mut session.source).await;
        let due = last_print.is_none_or(|at| at.elapsed() + POLL / 2 >= args.interval);
        watch.update(&all, &threads, &mut session.source, due).await;
        if due {
            last_print = Some(polled_at);
        }
        let command_done = match &mut wrapped {
            Some(w) => w.has_exited(),
            None => false,
        };
        if watch.tracked.is_empty() {
            if let Some(w) = wrapped.as_mut().filter(|_| command_done) {
                return w.exited().await;
            }
            if wrapped.is_none() && !args.wait {
                if !watch.seen_any {
                    watch.screen.stdout_line(&no_ddl_line(&filter));
                }
                return Ok(0);
            }
            if args.wait && !said_none && wrapped.is_none() {
                watch
                    .screen
                    .note(&format!("{}; waiting (--wait)", no_ddl_line(&filter)));
                said_none = true;
            }
        } else {
            said_none = false;
        }
        let pause = POLL.min(args.interval);
        match wrapped.as_mut().filter(|w| !w.has_exited()) {
            // Wake at once when the command exits: its statements have ended too.
            Some(w) => {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    code = w.exited() => { code?; }
                }
            }
            None => tokio::time::sleep(pause).await,
        }
    }
}

fn no_ddl_line(filter: &Filter) -> String {
    let mut scope = String::new();
    if let Some(database) = &filter.database {
        scope.push_str(&format!(" in database {database}"));
    }
    if !filter.tables.is_empty() {
        scope.push_str(&format!(" on {}", filter.tables.join(", ")));
    }
    format!("no DDL running{scope}")
}

/// The read-only session, reconnected with backoff when the connection is lost.
struct Session {
    source: Source,
    options: SourceOptions,
}

impl Session {
    async fn connect(args: &WatchArgs) -> Result<Session> {
        let options = SourceOptions {
            url: args.source.clone(),
            password: crate::source::password_from(args.password_file.as_ref())?,
            exact_rowcount: false,
            sample_rows: 0,
            write_rate: None,
            connect_timeout: args.connect_timeout,
            statement_timeout: args.statement_timeout,
            // A watch lasts as long as the migration does.
            profile_timeout: Duration::from_secs(10 * 365 * 86_400),
        };
        let source = Source::connect(&options).await?;
        Ok(Session { source, options })
    }

    /// PROCESSLIST; on failure, reconnect with backoff for up to --connect-timeout.
    async fn threads(&mut self) -> Result<Vec<discover::Thread>> {
        let error = match discover::threads(&mut self.source).await {
            Ok(threads) => return Ok(threads),
            Err(error) => error,
        };
        let give_up = Instant::now() + self.options.connect_timeout;
        let mut pause = Duration::from_millis(250);
        let mut last = error;
        while Instant::now() < give_up {
            tokio::time::sleep(pause.min(give_up.saturating_duration_since(Instant::now()))).await;
            pause = (pause * 2).min(Duration::from_secs(5));
            match Source::connect(&self.options).await {
                Ok(source) => {
                    self.source = source;
                    match discover::threads(&mut self.source).await {
                        Ok(threads) => return Ok(threads),
                        Err(error) => last = error,
                    }
                }
                Err(error) => last = error,
            }
        }
        Err(last).context(format!(
            "lost the connection to the source and could not get it back within {}s (--connect-timeout)",
            self.options.connect_timeout.as_secs()
        ))
    }
}

/// The statements being watched and what is printed about them.
struct Watch<'a> {
    args: &'a WatchArgs,
    screen: Arc<Screen>,
    estimate: Option<crate::report::Report>,
    tracked: BTreeMap<u64, Tracked>,
    used_estimates: Vec<usize>,
    seen_any: bool,
    last_line: String,
}

impl Watch<'_> {
    /// Statements gone from PROCESSLIST (or replaced by another on their thread) ended
    /// between the last poll that saw them and this one.
    fn finish_ended(&mut self, ddls: &[Ddl], polled_at: Instant, source: &Source) -> Result<()> {
        let ended: Vec<u64> = self
            .tracked
            .iter()
            .filter(|(id, t)| {
                !ddls
                    .iter()
                    .any(|d| d.thread.id == **id && d.sql == t.ddl.sql)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in ended {
            let Some(tracked) = self.tracked.remove(&id) else {
                continue;
            };
            self.screen.remove(id);
            let outcome = tracked.outcome(polled_at, &source.server);
            self.screen.stdout_line(&tracked.summary(&outcome));
            if let Some(path) = &self.args.record {
                outcome::append(path, &outcome)?;
            }
        }
        Ok(())
    }

    async fn start_new(&mut self, ddls: &[Ddl], source: &mut Source) {
        for ddl in ddls {
            if self.tracked.contains_key(&ddl.thread.id) {
                continue;
            }
            let estimate = self.match_estimate(ddl);
            let rows = track::rows_of(source, ddl).await;
            let tracked = Tracked::new(ddl.clone(), rows, estimate);
            self.screen.note(&format!(
                "{}: {} ({}), running {}",
                tracked.name(),
                ddl.operation.as_str(),
                crate::text::one_line(&ddl.sql, 80),
                human_seconds(ddl.thread.seconds)
            ));
            self.tracked.insert(ddl.thread.id, tracked);
            self.seen_any = true;
        }
    }

    /// The saved estimate's first unused statement on the same table with the same
    /// operation.
    fn match_estimate(&mut self, ddl: &Ddl) -> Option<outcome::OutcomeEstimate> {
        let report = self.estimate.as_ref()?;
        let (index, statement) = report.statements.iter().enumerate().find(|(i, s)| {
            !self.used_estimates.contains(i)
                && s.operation == ddl.operation
                && s.table
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case(&ddl.table))
        })?;
        self.used_estimates.push(index);
        Some(outcome::OutcomeEstimate {
            seconds_p50: statement.estimate.seconds_p50,
            seconds_low: statement.estimate.seconds_low,
            seconds_high: statement.estimate.seconds_high,
            interval: statement.estimate.interval,
        })
    }

    async fn update(
        &mut self,
        all: &[Ddl],
        threads: &[discover::Thread],
        source: &mut Source,
        due: bool,
    ) {
        if self.tracked.is_empty() {
            return;
        }
        let current: Vec<Ddl> = self.tracked.values().map(|t| t.ddl.clone()).collect();
        let server = sources::read(source, &current).await;
        let in_place = all
            .iter()
            .filter(|d| d.thread.max_stage == 0 && !d.is_waiting_for_metadata_lock())
            .count();
        for ddl in all {
            let Some(tracked) = self.tracked.get_mut(&ddl.thread.id) else {
                continue;
            };
            if tracked.ddl.sql != ddl.sql {
                continue;
            }
            let same_database = all.iter().filter(|d| d.database == ddl.database).count();
            tracked.observe(ddl.clone(), &server, in_place, same_database);
            let waiting = match ddl.is_waiting_for_metadata_lock() && due {
                true => Some(locks::diagnose(source, ddl, threads).await),
                false => None,
            };
            let text = tracked.status(waiting.as_ref(), self.args.stall);
            if let Some(warning) = tracked.interval_warning() {
                self.screen
                    .note(&format!("warning: {}: {warning}", tracked.name()));
            }
            let key = ddl.thread.id;
            self.screen
                .show(key, &tracked.name(), tracked.fraction(), &text, due);
            if due || self.last_line.is_empty() {
                self.last_line = format!("{}: {text}", tracked.name());
            }
        }
    }
}
