//! The probe: a small user-like workload (point reads, point updates, inserts) that runs
//! on its own connections beside each timed statement, so the report can say what the
//! statement blocked, for how long, and where in its run. Knows nothing of what runs.

use crate::quote::{ident, literal};
use crate::sandbox::Sandbox;
use crate::seed::{self, SeedContext, TableShape};
use crate::server::ServerInfo;
use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A probe query slower than this was blocked, not merely slow: a point query on an idle
/// sandbox answers in about a millisecond, and a busy 2-core machine adds tens of ms.
pub const BLOCK_THRESHOLD: Duration = Duration::from_millis(50);
/// How long in-flight probe queries get to finish after the statement ends before they
/// are killed and recorded as stalls that lasted at least until then.
const GRACE: Duration = Duration::from_secs(2);
/// Keys sampled for point queries on a table without an integer counter key.
const SAMPLED_KEYS: u64 = 500;
/// A statement shorter than this cannot tell a lock "throughout" from one at its start:
/// the blocked interval is then mostly probe latency.
const THROUGHOUT_MIN_SECONDS: f64 = 4.0 * 0.05;

#[derive(Debug, Clone)]
pub struct ProbeOptions {
    /// Queries per second on each of the three connections.
    pub rate_per_connection: f64,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            rate_per_connection: 50.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryKind {
    Read,
    Update,
    Insert,
}

impl QueryKind {
    const ALL: [QueryKind; 3] = [QueryKind::Read, QueryKind::Update, QueryKind::Insert];

    fn is_write(self) -> bool {
        self != QueryKind::Read
    }
}

/// Where in a statement's run the blocking fell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The metadata lock taken at the start.
    Start,
    /// For most of the run (a COPY holding a shared lock).
    Throughout,
    /// At the end: commit, the final exclusive lock, applying the online alter log.
    End,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Start => "start",
            Phase::Throughout => "throughout",
            Phase::End => "end",
        }
    }
}

/// One probe query: when it was sent, relative to the statement's start (negative if
/// before), and how long it took to come back.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub kind: QueryKind,
    pub issued: f64,
    pub seconds: f64,
    pub failed: bool,
    /// Still waiting when the probe stopped; killed, so `seconds` is a lower bound.
    pub killed: bool,
}

impl Sample {
    fn completed(&self) -> f64 {
        self.issued + self.seconds
    }
}

/// What the probe saw beside one statement at one scale.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeasuredBlocking {
    pub reads_blocked_seconds: f64,
    pub writes_blocked_seconds: f64,
    pub max_read_stall_ms: f64,
    pub max_write_stall_ms: f64,
    /// Probe queries (any kind) that took longer than 100 ms, and longer than 1 s.
    pub stalls_over_100ms: u64,
    pub stalls_over_1s: u64,
    pub phases: Vec<Phase>,
    /// Probe queries sent, and the rate they achieved (all connections together), so the
    /// probe's own load is on record.
    pub probe_queries: u64,
    /// Absent for runs too short (under half a second) for a rate to mean anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe_queries_per_second: Option<f64>,
    /// Probe queries that failed (an error other than a stall), e.g. a column the
    /// statement dropped.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub probe_errors: u64,
    /// The first such error, for a warning.
    #[serde(skip)]
    pub first_error: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What the probe needs to know of the table at this scale.
pub struct ProbeTarget<'a> {
    pub table: &'a str,
    /// Rows the table holds now; with a counter column its keys are 1..=rows.
    pub rows: u64,
    /// First `seq` for inserted rows: above every seq the seeder has used, so no insert
    /// collides with a seeded unique key.
    pub insert_from: u64,
    /// Production row count of every table, as the seeder takes them (foreign keys of
    /// inserted rows point at parent rows by the same rule as seeded rows).
    pub targets: &'a HashMap<String, u64>,
    pub counter_columns: &'a HashMap<String, String>,
    /// The columns the table had before the migration: the running application knows
    /// only those, so the probe writes only those and leaves added ones to their default.
    pub known_columns: Option<&'a [String]>,
}

/// The SQL of each kind of probe query, built once per statement from the table as it is
/// just before the statement runs.
struct Queries {
    table: String,
    keys: Keys,
    /// `column = expression of seq` for updates.
    update_set: String,
    /// The INSERT of one row, with `{seq}` to fill in.
    insert_template: Option<String>,
}

enum Keys {
    Counter {
        column: String,
        rows: u64,
    },
    Sampled(Vec<String>),
    /// No primary key: the first row will do.
    None,
}

const SEQ_MARK: u64 = 987_654_321_987;

impl Queries {
    fn key(&self, rng: &mut StdRng) -> (String, &'static str) {
        match &self.keys {
            Keys::Counter { column, rows } => {
                let id = rng.gen_range(1..=(*rows).max(1));
                (format!("{} = {id}", ident(column)), "")
            }
            Keys::Sampled(keys) if !keys.is_empty() => {
                (keys[rng.gen_range(0..keys.len())].clone(), "")
            }
            _ => ("1 = 1".to_string(), " LIMIT 1"),
        }
    }

    fn sql(&self, kind: QueryKind, rng: &mut StdRng, next_seq: &mut u64) -> String {
        let table = ident(&self.table);
        match kind {
            QueryKind::Read => {
                let (key, limit) = self.key(rng);
                format!("SELECT * FROM {table} WHERE {key}{limit}")
            }
            QueryKind::Update => {
                let (key, limit) = self.key(rng);
                let seq: u32 = rng.gen();
                let set = self.update_set.replace("{seq}", &seq.to_string());
                format!("UPDATE {table} SET {set} WHERE {key}{limit}")
            }
            QueryKind::Insert => match &self.insert_template {
                Some(template) => {
                    let seq = *next_seq;
                    *next_seq += 1;
                    template.replace(&SEQ_MARK.to_string(), &seq.to_string())
                }
                // A table the generator cannot fill: read instead, so the load stays.
                None => self.sql(QueryKind::Read, rng, next_seq),
            },
        }
    }
}

async fn build_queries(
    conn: &mut MySqlConnection,
    server: &ServerInfo,
    target: &ProbeTarget<'_>,
) -> Result<Queries> {
    let mut shape = seed::read_shape(conn, target.table).await?;
    if let Some(known) = target.known_columns {
        shape
            .columns
            .retain(|c| known.iter().any(|k| k.eq_ignore_ascii_case(&c.name)));
    }
    let keys = match shape.counter_column() {
        Some(column) => Keys::Counter {
            column: column.to_string(),
            rows: target.rows,
        },
        None if shape.primary_key.is_empty() => Keys::None,
        None => Keys::Sampled(sample_keys(conn, &shape).await?),
    };
    let context = SeedContext {
        targets: target.targets,
        counter_columns: target.counter_columns,
    };
    let update_set = update_set(&shape, &context)?;
    // The seed generator writes one row for seq = SEQ_MARK; each insert swaps in its own.
    let insert_template =
        seed::insert_batch_sql(server, target.table, &shape, &context, SEQ_MARK, SEQ_MARK).ok();
    Ok(Queries {
        table: target.table.to_string(),
        keys,
        update_set,
        insert_template,
    })
}

/// Read a few primary keys as ready-made WHERE clauses; QUOTE() escapes them server-side.
async fn sample_keys(conn: &mut MySqlConnection, shape: &TableShape) -> Result<Vec<String>> {
    let parts: Vec<String> = shape
        .primary_key
        .iter()
        .map(|c| {
            let column = ident(c);
            format!(
                "CONCAT({}, QUOTE({column}))",
                literal(&format!("{column} = "))
            )
        })
        .collect();
    let sql = format!(
        "SELECT CAST(CONCAT_WS(' AND ', {}) AS CHAR) FROM {} LIMIT {SAMPLED_KEYS}",
        parts.join(", "),
        ident(&shape.name)
    );
    let rows = sqlx::raw_sql(&sql)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("reading keys of {} for the probe", shape.name))?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
        .collect()
}

/// An update that really changes a row (a no-op update writes nothing, so it would not
/// show what a real write meets): a column outside every unique key gets a fresh value
/// from the seed generator.
fn update_set(shape: &TableShape, context: &SeedContext) -> Result<String> {
    let in_unique_key = |name: &str| {
        shape
            .unique_keys
            .iter()
            .any(|k| k.iter().any(|c| c == name))
    };
    let Some((salt, column)) = shape
        .insertable_columns()
        .enumerate()
        .find(|(_, c)| !in_unique_key(&c.name))
    else {
        // Every column is part of a key: touch the key's first column with itself.
        let first = shape.primary_key.first().map_or("1", |c| c.as_str());
        let first = ident(first);
        return Ok(format!("{first} = {first}"));
    };
    let expression = seed::column_expression(shape, column, salt, context)?;
    Ok(format!(
        "{} = (SELECT {expression} FROM (SELECT {{seq}} AS seq) AS g)",
        ident(&column.name)
    ))
}

/// A probe connection and its server-side id (to KILL a query stuck at the end).
struct ProbeConn {
    conn: MySqlConnection,
    id: u64,
}

/// Probe connections, kept open between statements of a run.
pub struct Prober {
    options: ProbeOptions,
    idle: Vec<Option<ProbeConn>>,
    control: Option<MySqlConnection>,
    /// The next insert seq per table: statements of one run share the table, so later
    /// probes must not reuse the seqs earlier ones inserted.
    next_seq: HashMap<String, u64>,
}

/// A probe running beside a statement; `Prober::finish` stops it. Dropping it stops the
/// workers too (the stop channel closes).
pub struct RunningProbe {
    table: String,
    stop: watch::Sender<bool>,
    workers: Vec<(u64, JoinHandle<Worker>)>,
}

struct Worker {
    conn: Option<ProbeConn>,
    samples: Vec<(QueryKind, Instant, Duration, bool)>,
    next_seq: u64,
    first_error: Option<String>,
}

impl Prober {
    pub fn new(options: ProbeOptions) -> Prober {
        Prober {
            options,
            idle: Vec::new(),
            control: None,
            next_seq: HashMap::new(),
        }
    }

    pub fn options(&self) -> &ProbeOptions {
        &self.options
    }

    async fn connection(sandbox: &Sandbox) -> Result<ProbeConn> {
        let mut conn = sandbox.connect().await?;
        let row = sqlx::raw_sql("SELECT CONNECTION_ID()")
            .fetch_one(&mut conn)
            .await
            .context("asking a probe connection for its id")?;
        let id: u64 = row.try_get(0)?;
        Ok(ProbeConn { conn, id })
    }

    /// Start the three workers on `target`; call just before the statement.
    pub async fn start(
        &mut self,
        sandbox: &Sandbox,
        target: &ProbeTarget<'_>,
    ) -> Result<RunningProbe> {
        if self.control.is_none() {
            self.control = Some(sandbox.connect().await?);
        }
        let control = self.control.as_mut().context("probe control connection")?;
        let queries = Arc::new(build_queries(control, &sandbox.server, target).await?);
        self.idle.resize_with(QueryKind::ALL.len(), || None);
        let (stop, stopped) = watch::channel(false);
        let period = Duration::from_secs_f64(1.0 / self.options.rate_per_connection.max(0.1));
        let mut workers = Vec::new();
        for (slot, kind) in QueryKind::ALL.into_iter().enumerate() {
            let conn = match self.idle[slot].take() {
                Some(conn) => conn,
                None => Self::connection(sandbox).await?,
            };
            let id = conn.id;
            let first_seq = self
                .next_seq
                .get(target.table)
                .copied()
                .unwrap_or(0)
                .max(target.insert_from);
            let work = work(
                kind,
                conn,
                Arc::clone(&queries),
                period,
                stopped.clone(),
                first_seq,
            );
            workers.push((id, tokio::spawn(work)));
        }
        Ok(RunningProbe {
            table: target.table.to_string(),
            stop,
            workers,
        })
    }

    /// Stop the workers (killing queries still stuck after a grace period) and summarise
    /// what they saw relative to the statement's `started`..`ended`.
    pub async fn finish(
        &mut self,
        running: RunningProbe,
        started: Instant,
        ended: Instant,
    ) -> Result<MeasuredBlocking> {
        Ok(self.finish_with_samples(running, started, ended).await?.0)
    }

    /// As `finish`, also returning every probe query, for a closer look.
    pub async fn finish_with_samples(
        &mut self,
        running: RunningProbe,
        started: Instant,
        ended: Instant,
    ) -> Result<(MeasuredBlocking, Vec<Sample>)> {
        let _ = running.stop.send(true);
        let mut samples = Vec::new();
        let mut first_error = None;
        self.idle.clear();
        let deadline = tokio::time::Instant::now() + GRACE;
        let killed_after = Instant::now() + GRACE;
        for (id, mut handle) in running.workers {
            let joined = match tokio::time::timeout_at(deadline, &mut handle).await {
                Ok(joined) => joined,
                Err(_) => {
                    // Stuck behind a lock that outlived the statement: stop it, and record
                    // it as a stall that lasted at least this long.
                    if let Some(control) = self.control.as_mut() {
                        let _ = sqlx::raw_sql(&format!("KILL QUERY {id}"))
                            .execute(control)
                            .await;
                    }
                    handle.await
                }
            };
            let worker = joined.context("a probe worker panicked")?;
            for (kind, at, took, failed) in worker.samples {
                let killed = failed && at + took >= killed_after;
                samples.push(Sample {
                    kind,
                    issued: signed_seconds(started, at),
                    seconds: took.as_secs_f64(),
                    failed: failed && !killed,
                    killed,
                });
            }
            first_error = first_error.or(worker.first_error);
            self.idle.push(worker.conn);
            let next = self.next_seq.entry(running.table.clone()).or_insert(0);
            *next = (*next).max(worker.next_seq);
        }
        let statement_seconds = (ended - started).as_secs_f64();
        let mut blocking = summarize(&samples, statement_seconds, BLOCK_THRESHOLD);
        blocking.first_error = first_error;
        Ok((blocking, samples))
    }
}

fn signed_seconds(origin: Instant, at: Instant) -> f64 {
    if at >= origin {
        (at - origin).as_secs_f64()
    } else {
        -(origin - at).as_secs_f64()
    }
}

/// One worker: a query of its kind every `period`, one at a time (a blocked query holds
/// its connection, as a user's would), until told to stop. Missed ticks are skipped, not
/// made up in a burst after a stall.
async fn work(
    kind: QueryKind,
    mut conn: ProbeConn,
    queries: Arc<Queries>,
    period: Duration,
    mut stopped: watch::Receiver<bool>,
    mut next_seq: u64,
) -> Worker {
    let mut rng = StdRng::from_entropy();
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut samples = Vec::new();
    let mut first_error = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        if *stopped.borrow() {
            break;
        }
        let sql = queries.sql(kind, &mut rng, &mut next_seq);
        let at = Instant::now();
        // Through the Executor trait on the connection (text protocol, as raw_sql): the
        // raw_sql builder's future is not Send-general enough for tokio::spawn.
        let outcome = sqlx::Executor::execute(&mut conn.conn, sql.as_str()).await;
        let took = at.elapsed();
        match outcome {
            Ok(_) => samples.push((kind, at, took, false)),
            Err(sqlx::Error::Database(e)) => {
                first_error.get_or_insert_with(|| format!("{kind:?}: {}", e.message()));
                samples.push((kind, at, took, true))
            }
            // The connection is gone (the sandbox stopped): nothing more to measure.
            Err(_) => {
                samples.push((kind, at, took, true));
                return Worker {
                    conn: None,
                    samples,
                    next_seq,
                    first_error,
                };
            }
        }
    }
    Worker {
        conn: Some(conn),
        samples,
        next_seq,
        first_error,
    }
}

/// The numbers of one probe run. Blocked seconds are the union of the intervals during
/// which a query of that kind waited longer than `threshold`.
pub fn summarize(
    samples: &[Sample],
    statement_seconds: f64,
    threshold: Duration,
) -> MeasuredBlocking {
    let threshold = threshold.as_secs_f64();
    let stalled = |write: bool| -> Vec<(f64, f64)> {
        samples
            .iter()
            .filter(|s| s.kind.is_write() == write && !s.failed && s.seconds > threshold)
            .map(|s| (s.issued, s.completed()))
            .collect()
    };
    let max_ms = |write: bool| {
        samples
            .iter()
            .filter(|s| s.kind.is_write() == write && !s.failed)
            .map(|s| s.seconds * 1000.0)
            .fold(0.0, f64::max)
    };
    let read_intervals = merge(stalled(false));
    let write_intervals = merge(stalled(true));
    let mut phases: Vec<Phase> = read_intervals
        .iter()
        .chain(&write_intervals)
        .map(|&(a, b)| phase_of(a, b, statement_seconds))
        .collect();
    phases.sort();
    phases.dedup();
    let first = samples
        .iter()
        .map(|s| s.issued)
        .fold(f64::INFINITY, f64::min);
    let last = samples
        .iter()
        .map(Sample::completed)
        .fold(f64::NEG_INFINITY, f64::max);
    let window = last - first;
    MeasuredBlocking {
        reads_blocked_seconds: total(&read_intervals),
        writes_blocked_seconds: total(&write_intervals),
        max_read_stall_ms: max_ms(false),
        max_write_stall_ms: max_ms(true),
        stalls_over_100ms: samples
            .iter()
            .filter(|s| !s.failed && s.seconds > 0.1)
            .count() as u64,
        stalls_over_1s: samples
            .iter()
            .filter(|s| !s.failed && s.seconds > 1.0)
            .count() as u64,
        phases,
        probe_queries: samples.len() as u64,
        probe_queries_per_second: (window >= 0.5).then(|| samples.len() as f64 / window),
        probe_errors: samples.iter().filter(|s| s.failed).count() as u64,
        first_error: None,
    }
}

/// Sorted, overlapping intervals merged into disjoint ones.
fn merge(mut intervals: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    intervals.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (a, b) in intervals {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

fn total(intervals: &[(f64, f64)]) -> f64 {
    // A fold from +0.0: an empty f64 sum is -0.0, which would print as such.
    intervals
        .iter()
        .fold(0.0, |sum, (a, b)| sum + (b - a).max(0.0))
}

/// An interval covering at least half of a run long enough to tell is "throughout";
/// otherwise it belongs to the half of the run it starts in.
fn phase_of(a: f64, b: f64, run: f64) -> Phase {
    let covered = (b.min(run) - a.max(0.0)).max(0.0);
    if run >= THROUGHOUT_MIN_SECONDS && covered >= 0.5 * run {
        Phase::Throughout
    } else if a < run / 2.0 {
        Phase::Start
    } else {
        Phase::End
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(kind: QueryKind, issued: f64, seconds: f64) -> Sample {
        Sample {
            kind,
            issued,
            seconds,
            failed: false,
            killed: false,
        }
    }

    #[test]
    fn a_write_waiting_the_whole_run_is_blocking_throughout() {
        let mut samples = vec![
            sample(QueryKind::Update, 0.01, 1.99),
            sample(QueryKind::Insert, 0.02, 1.98),
        ];
        for i in 0..100 {
            samples.push(sample(QueryKind::Read, i as f64 * 0.02, 0.001));
        }
        let b = summarize(&samples, 2.0, BLOCK_THRESHOLD);
        assert!((b.writes_blocked_seconds - 1.99).abs() < 1e-9);
        assert_eq!(b.reads_blocked_seconds, 0.0);
        assert_eq!(b.phases, vec![Phase::Throughout]);
        assert_eq!(b.stalls_over_1s, 2);
        assert!((b.max_write_stall_ms - 1990.0).abs() < 1e-6);
        assert!(b.max_read_stall_ms <= 1.0 + 1e-9);
    }

    #[test]
    fn brief_stalls_fall_at_the_start_or_the_end() {
        let samples = vec![
            sample(QueryKind::Read, 0.0, 0.2),
            sample(QueryKind::Update, 0.1, 0.15),
            sample(QueryKind::Update, 9.8, 0.3),
            sample(QueryKind::Read, 5.0, 0.01),
        ];
        let b = summarize(&samples, 10.0, BLOCK_THRESHOLD);
        assert_eq!(b.phases, vec![Phase::Start, Phase::End]);
        // The two write stalls do not overlap: 0.15 + 0.3.
        assert!((b.writes_blocked_seconds - 0.45).abs() < 1e-9);
        assert_eq!(b.stalls_over_100ms, 3);
        assert_eq!(b.probe_queries, 4);
    }

    #[test]
    fn quick_queries_and_failures_block_nothing() {
        let mut failed = sample(QueryKind::Insert, 0.0, 3.0);
        failed.failed = true;
        let samples = vec![sample(QueryKind::Read, 0.0, 0.04), failed];
        let b = summarize(&samples, 1.0, BLOCK_THRESHOLD);
        assert_eq!(b.writes_blocked_seconds, 0.0);
        assert!(b.phases.is_empty());
        assert_eq!(b.probe_errors, 1);
    }

    #[test]
    fn overlapping_intervals_are_counted_once() {
        let merged = merge(vec![(0.5, 1.0), (0.0, 0.6), (2.0, 3.0)]);
        assert_eq!(merged, vec![(0.0, 1.0), (2.0, 3.0)]);
        assert!((total(&merged) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn short_runs_never_claim_throughout() {
        assert_eq!(phase_of(0.0, 0.06, 0.02), Phase::Start);
    }
}
