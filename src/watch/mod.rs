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

pub use crate::cli::WatchArgs;
use crate::source::{Source, SourceOptions};
use crate::text::human_seconds;
use anyhow::Result;
use discover::{Ddl, Filter};
use screen::Screen;
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedReceiver;
use track::Tracked;
use wrap::{PassedOn, Signal, Wrapped};

/// How often the server is read between printed lines: statement ends are timed to it.
const POLL: Duration = Duration::from_secs(1);

/// `watch` without a command: an error (the source lost for longer than
/// --connect-timeout, an unwritable --record) ends it with exit 1.
pub async fn run(args: &WatchArgs) -> Result<u8> {
    let estimate = load_estimate(args)?;
    if let Some(path) = &args.record {
        outcome::check_writable(path)?;
    }
    let mut session = Session::connect(&session_options(args)?).await?;
    discover::require_process_privilege(&mut session.source).await?;
    let screen = Arc::new(Screen::new());
    note_instruments_off(&mut session.source, &screen).await;
    let mut watch = Watch::new(args, screen, estimate);
    let mut said_none = false;
    loop {
        let polled_at = Instant::now();
        let threads = match session.threads().await {
            Ok(threads) => threads,
            Err(error) => {
                return Err(error.context(format!(
                    "{}; last progress seen: {}",
                    session.gave_up(),
                    watch.last_progress()
                )))
            }
        };
        watch.note_reconnected(&mut session);
        let ended = watch.poll(&threads, polled_at, &mut session.source).await;
        watch.record(&ended)?;
        if watch.tracked.is_empty() {
            if !args.wait {
                if !watch.seen_any {
                    watch.screen.stdout_line(&no_ddl_line(&watch.filter));
                }
                return Ok(0);
            }
            if !said_none {
                let line = format!("{}; waiting (--wait)", no_ddl_line(&watch.filter));
                watch.screen.note(&line);
                said_none = true;
            }
        } else {
            said_none = false;
        }
        tokio::time::sleep(POLL.min(args.interval)).await;
    }
}

tokio::task_local! {
    /// Set while the observer of a wrapped command runs: its panic is reported by the
    /// supervisor as a warning, not by the process-wide panic hook as an error.
    static OBSERVING: ();
}

/// Is the calling code the observer of a wrapped command (see `run_wrapped`)?
pub fn observing() -> bool {
    OBSERVING.try_with(|_| ()).is_ok()
}

/// How long the observer may take, once the command has exited, to see its statements end.
const FINAL_POLL_LIMIT: Duration = Duration::from_secs(5);

/// `watch -- COMMAND`: the command runs whatever becomes of the watching. It is started
/// first; the watching runs beside it (its panics caught), and anything that stops it
/// (the source lost, no PROCESS, an unreadable --estimate, an unwritable --record, a
/// panic) is one warning line. Signals ddl-eta receives are passed on to the command;
/// ddl-eta returns when the command has exited, with its exit code. `Err` only when the
/// command cannot be started (or waited for).
pub async fn run_wrapped(
    args: &WatchArgs,
    signals: UnboundedReceiver<Signal>,
    secrets: Vec<String>,
) -> Result<u8> {
    let mut wrapped = Wrapped::spawn(&args.command)?;
    let screen = Arc::new(Screen::lines());
    let (done, finishing) = tokio::sync::watch::channel(false);
    let observer = Observer {
        args: Arc::new(args.clone()),
        screen: screen.clone(),
        finishing,
        secrets: secrets.clone(),
        command: wrapped.name().to_string(),
    };
    let observing = Box::pin(OBSERVING.scope((), observer.run()));
    supervise(&mut wrapped, observing, signals, &screen, done, &secrets).await
}

/// Wait for the command, passing signals on, while the observer runs beside it in this
/// task (a panic in it is caught at its poll); then give the observer its last look.
async fn supervise(
    wrapped: &mut Wrapped,
    observer: Pin<Box<dyn Future<Output = Result<()>> + '_>>,
    mut signals: UnboundedReceiver<Signal>,
    screen: &Screen,
    done: tokio::sync::watch::Sender<bool>,
    secrets: &[String],
) -> Result<u8> {
    let mut task = Some(CatchPanic(observer));
    let name = wrapped.name().to_string();
    let stopped = |end| observer_end(end, secrets).map(|why| format!("watching stopped: {why}"));
    let code = loop {
        tokio::select! {
            code = wrapped.exited() => break code?,
            Some(signal) = signals.recv() => {
                let said = match wrapped.pass_on(signal) {
                    PassedOn::Sent => "passed on to",
                    PassedOn::ByTheTerminal => "sent by the terminal to",
                    PassedOn::Gone => continue,
                };
                screen.note(&format!(
                    "{} received, {said} `{name}`; waiting for it to end",
                    signal.name
                ));
            }
            end = async {
                match task.as_mut() {
                    Some(task) => task.await,
                    None => std::future::pending().await,
                }
            } => {
                task = None;
                if let Some(warning) = stopped(end) {
                    screen.warn(&format!("{warning}; `{name}` runs on"));
                }
            }
        }
    };
    // The command's statements have ended: one last look to time their ends.
    let _ = done.send(true);
    if let Some(mut task) = task {
        match tokio::time::timeout(FINAL_POLL_LIMIT, &mut task).await {
            Ok(end) => {
                if let Some(warning) = stopped(end) {
                    screen.warn(&warning);
                }
            }
            Err(_) => {
                screen.warn(&format!(
                    "the source did not answer within {}s of `{name}`'s end; the end of its last statements was not seen",
                    FINAL_POLL_LIMIT.as_secs()
                ));
            }
        }
    }
    Ok(code)
}

/// A future whose panic is its result (`Err(payload)`), instead of unwinding its poller.
struct CatchPanic<F: ?Sized>(Pin<Box<F>>);

type Panic = Box<dyn std::any::Any + Send>;

impl<F: Future + ?Sized> Future for CatchPanic<F> {
    type Output = std::result::Result<F::Output, Panic>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        // The observer shares nothing with the supervisor but the screen, whose only
        // lock is taken poison-tolerant: what it left half-done is never read again.
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

/// Why the observer stopped, when that is worth a warning.
fn observer_end(end: std::result::Result<Result<()>, Panic>, secrets: &[String]) -> Option<String> {
    match end {
        Ok(Ok(())) => None,
        Ok(Err(error)) => Some(crate::output::error_line(&error, secrets)),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let message = crate::sandbox::url::redact_all(&message, secrets);
            Some(format!("internal error in ddl-eta's watching: {message}"))
        }
    }
}

/// The watching beside a wrapped command: like `run`, but what would end `run` is a
/// warning, and a lost source is retried in the background until the command exits.
struct Observer {
    args: Arc<WatchArgs>,
    screen: Arc<Screen>,
    /// Turns true when the command has exited: one last poll, then stop.
    finishing: tokio::sync::watch::Receiver<bool>,
    secrets: Vec<String>,
    command: String,
}

impl Observer {
    fn warn(&self, error: &anyhow::Error, then: &str) {
        let line = crate::output::error_line(error, &self.secrets);
        self.screen.warn(&format!("{line}; {then}"));
    }

    async fn run(mut self) -> Result<()> {
        let args = self.args.clone();
        let args = args.as_ref();
        let estimate = load_estimate(args).unwrap_or_else(|error| {
            self.warn(&error, "no estimate shown beside the progress");
            None
        });
        let record = args.record.clone().filter(|path| {
            let checked = outcome::check_writable(path);
            if let Err(error) = &checked {
                self.warn(error, "no outcomes recorded");
            }
            checked.is_ok()
        });
        // The URL and the password file do not get better by retrying: these stop it.
        let options = session_options(args)?;
        let mut session = match Session::ready(&options).await? {
            Ok(session) => session,
            Err(error) => {
                let then = format!(
                    "`{}` runs unwatched; connecting again in the background",
                    self.command
                );
                self.warn(&error, &then);
                match self.reconnect(&options).await? {
                    Some(session) => session,
                    None => return Ok(()),
                }
            }
        };
        note_instruments_off(&mut session.source, &self.screen).await;
        let mut watch = Watch::new(args, self.screen.clone(), estimate);
        watch.record = record;
        loop {
            let finishing = *self.finishing.borrow();
            let polled_at = Instant::now();
            let threads = match session.threads().await {
                Ok(threads) => threads,
                Err(error) => {
                    let then = format!(
                        "{}; watching stopped, `{}` runs on; connecting again in the background",
                        session.gave_up(),
                        self.command
                    );
                    self.warn(&error, &then);
                    session = match self.reconnect(&options).await? {
                        Some(session) => session,
                        None => return Ok(()),
                    };
                    continue;
                }
            };
            watch.note_reconnected(&mut session);
            let ended = watch.poll(&threads, polled_at, &mut session.source).await;
            if let Err(error) = watch.record(&ended) {
                self.warn(&error, "no more outcomes recorded");
                watch.record = None;
            }
            if finishing {
                watch.leave_running(&self.command);
                return Ok(());
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL.min(args.interval)) => {}
                _ = self.finishing.changed() => {}
            }
        }
    }

    /// Connect again with backoff until the source answers (`Some`, said in one line) or
    /// the command has exited (`None`). `Err` when the account lacks PROCESS.
    async fn reconnect(&mut self, options: &SourceOptions) -> Result<Option<Session>> {
        let mut pause = Duration::from_millis(500);
        loop {
            if *self.finishing.borrow() {
                return Ok(None);
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                changed = self.finishing.changed() => if changed.is_err() { return Ok(None) },
            }
            if *self.finishing.borrow() {
                return Ok(None);
            }
            let attempt = tokio::select! {
                attempt = Session::ready(options) => attempt?,
                _ = self.finishing.changed() => return Ok(None),
            };
            if let Ok(session) = attempt {
                self.screen
                    .note("the source answers again: watching resumed");
                return Ok(Some(session));
            }
            pause = (pause * 2).min(Duration::from_secs(5));
        }
    }
}

fn load_estimate(args: &WatchArgs) -> Result<Option<crate::report::Report>> {
    args.estimate
        .as_deref()
        .map(crate::compare::load)
        .transpose()
}

async fn note_instruments_off(source: &mut Source, screen: &Screen) {
    let off = sources::mysql_instruments_off(source).await;
    if !off.is_empty() {
        screen.note(&format!(
            "performance_schema stage progress is off ({}); a read-only account cannot turn it on",
            off.join(", ")
        ));
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

fn session_options(args: &WatchArgs) -> Result<SourceOptions> {
    // A URL that does not parse fails here, once, rather than at every reconnection.
    crate::sandbox::url::parse(&args.source)?;
    Ok(SourceOptions {
        url: args.source.clone(),
        password: crate::source::password_from(args.password_file.as_ref())?,
        exact_rowcount: false,
        sample_rows: 0,
        write_rate: None,
        connect_timeout: args.connect_timeout,
        statement_timeout: args.statement_timeout,
        // A watch lasts as long as the migration does.
        profile_timeout: Duration::from_secs(10 * 365 * 86_400),
    })
}

/// The read-only session, reconnected with backoff when the connection is lost.
struct Session {
    source: Source,
    options: SourceOptions,
    /// The error of a lost connection that a reconnection made good, until it is said.
    recovered: Option<anyhow::Error>,
}

impl Session {
    async fn connect(options: &SourceOptions) -> Result<Session> {
        let source = Source::connect(options).await?;
        Ok(Session {
            source,
            options: options.clone(),
            recovered: None,
        })
    }

    /// Connected, and the account may see other sessions: the inner `Err` is worth trying
    /// again (the server did not answer), the outer one is not (no PROCESS).
    async fn ready(options: &SourceOptions) -> Result<Result<Session>> {
        let mut session = match Session::connect(options).await {
            Ok(session) => session,
            Err(error) => return Ok(Err(error)),
        };
        match discover::has_process_privilege(&mut session.source).await {
            Ok(true) => Ok(Ok(session)),
            Ok(false) => Err(anyhow::anyhow!(discover::NO_PROCESS)),
            Err(error) => Ok(Err(error)),
        }
    }

    /// PROCESSLIST; on failure, reconnect with backoff for up to --connect-timeout. The
    /// error is the last attempt's (`gave_up` says what was tried).
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
                        Ok(threads) => {
                            self.recovered = Some(last);
                            return Ok(threads);
                        }
                        Err(error) => last = error,
                    }
                }
                Err(error) => last = error,
            }
        }
        Err(last)
    }

    fn gave_up(&self) -> String {
        format!(
            "lost the connection to the source and could not get it back within {}s (--connect-timeout)",
            self.options.connect_timeout.as_secs()
        )
    }
}

/// The statements being watched and what is printed about them.
struct Watch<'a> {
    args: &'a WatchArgs,
    screen: Arc<Screen>,
    estimate: Option<crate::report::Report>,
    filter: Filter,
    /// Where finished statements are recorded (--record), while that works.
    record: Option<PathBuf>,
    tracked: BTreeMap<u64, Tracked>,
    used_estimates: Vec<usize>,
    seen_any: bool,
    last_line: String,
    last_print: Option<Instant>,
}

impl<'a> Watch<'a> {
    fn new(
        args: &'a WatchArgs,
        screen: Arc<Screen>,
        estimate: Option<crate::report::Report>,
    ) -> Watch<'a> {
        Watch {
            args,
            screen,
            estimate,
            filter: Filter {
                tables: args.tables.clone(),
                database: args.database.clone(),
            },
            record: args.record.clone(),
            tracked: BTreeMap::new(),
            used_estimates: Vec::new(),
            seen_any: false,
            last_line: String::new(),
            last_print: None,
        }
    }

    /// One reading of the server: statements that ended (returned, their lines printed),
    /// statements that started, and every watched statement's progress.
    /// One reading of the server: statements that ended (returned, their lines printed),
    /// statements that started, and every watched statement's progress.
    async fn poll(
        &mut self,
        threads: &[discover::Thread],
        polled_at: Instant,
        source: &mut Source,
    ) -> Vec<outcome::Outcome> {
        let all = discover::ddl_statements(threads, &Filter::default());
        let ddls = discover::ddl_statements(threads, &self.filter);
        let ended = self.finish_ended(&ddls, polled_at, source);
        self.start_new(&ddls, source).await;
        let due = self
            .last_print
            .is_none_or(|at| at.elapsed() + POLL / 2 >= self.args.interval);
        self.update(&all, threads, source, due).await;
        if due {
            self.last_print = Some(polled_at);
        }
        ended
    }

    /// Append the outcomes to --record, if given.
    fn record(&self, outcomes: &[outcome::Outcome]) -> Result<()> {
        if let Some(path) = &self.record {
            for outcome in outcomes {
                outcome::append(path, outcome)?;
            }
        }
        Ok(())
    }

    fn last_progress(&self) -> &str {
        match self.last_line.as_str() {
            "" => "none",
            line => line,
        }
    }

    /// A lost connection that came back within --connect-timeout: one line, the cause.
    fn note_reconnected(&self, session: &mut Session) {
        if let Some(error) = session.recovered.take() {
            let cause = crate::output::error_line(&error, &[]);
            self.screen.note(&format!(
                "the connection to the source was lost ({cause}) and is back; watching on"
            ));
        }
    }

    /// The command has exited but these statements still run (another session's, or a
    /// statement the server has not ended yet): said once, not followed further.
    fn leave_running(&self, command: &str) {
        for tracked in self.tracked.values() {
            self.screen.note(&format!(
                "{}: still running when `{command}` exited; not watched further",
                tracked.name()
            ));
        }
    }

    /// Statements gone from PROCESSLIST (or replaced by another on their thread) ended
    /// between the last poll that saw them and this one.
    fn finish_ended(
        &mut self,
        ddls: &[Ddl],
        polled_at: Instant,
        source: &Source,
    ) -> Vec<outcome::Outcome> {
        let mut outcomes = Vec::new();
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
            outcomes.push(outcome);
        }
        outcomes
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

#[cfg(test)]
mod tests;
