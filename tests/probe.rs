//! The probe against real statements in a real sandbox: what a COPY, an online index build
//! and an instant change block, and the metadata-lock pile-up behind a waiting ALTER.
//! Thresholds are stated with wide margins, for a slow, shared 2-core machine.

mod common;
use common::local_sandbox;
use ddl_eta::probe::{
    MeasuredBlocking, Phase, ProbeOptions, ProbeTarget, Prober, QueryKind, RunningProbe, Sample,
};
use ddl_eta::sandbox::Sandbox;
use ddl_eta::seed::{self, SeedContext};
use sqlx::mysql::{MySqlConnection, MySqlDatabaseError};
use std::collections::HashMap;
use std::time::{Duration, Instant};

const TABLE: &str = "courseware_studentmodule";
/// One sandbox at a time: two seeding at once on two cores would distort both.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Lab {
    sandbox: Sandbox,
    rows: u64,
    table_rows: HashMap<String, u64>,
    counters: HashMap<String, String>,
    prober: Prober,
}

impl Lab {
    async fn start(rows: u64) -> Lab {
        let sandbox = local_sandbox(256 << 20).await;
        let mut loader = sandbox.connect_loader().await.expect("loader");
        let schema = std::fs::read_to_string(common::example("courseware_studentmodule.sql"))
            .expect("example schema");
        sqlx::raw_sql(&schema)
            .execute(&mut loader)
            .await
            .expect("create the table");
        let shape = seed::read_shape(&mut loader, TABLE).await.expect("shape");
        let table_rows = HashMap::from([(TABLE.to_string(), rows)]);
        let counters = HashMap::from([(TABLE.to_string(), "id".to_string())]);
        let context = SeedContext {
            targets: &table_rows,
            counter_columns: &counters,
        };
        let mut from = 1;
        while from <= rows {
            let to = (from + 49_999).min(rows);
            let sql = seed::insert_batch_sql(&sandbox.server, TABLE, &shape, &context, from, to)
                .expect("seed sql");
            sqlx::raw_sql(&sql)
                .execute(&mut loader)
                .await
                .expect("seed");
            from = to + 1;
        }
        Lab {
            sandbox,
            rows,
            table_rows,
            counters,
            prober: Prober::new(ProbeOptions::default()),
        }
    }

    async fn start_probe(&mut self) -> RunningProbe {
        let target = ProbeTarget {
            table: TABLE,
            rows: self.rows,
            insert_from: self.rows + 1,
            targets: &self.table_rows,
            counter_columns: &self.counters,
            known_columns: None,
        };
        self.prober
            .start(&self.sandbox, &target)
            .await
            .expect("start the probe")
    }

    /// Run `sql` beside the probe, as the experiment does: probe up, statement, probe down.
    async fn measure(&mut self, sql: &str) -> (f64, MeasuredBlocking, Vec<Sample>) {
        let mut conn = self.sandbox.connect().await.expect("connect");
        let running = self.start_probe().await;
        let started = Instant::now();
        sqlx::raw_sql(sql)
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let ended = Instant::now();
        let (blocking, samples) = self
            .prober
            .finish_with_samples(running, started, ended)
            .await
            .expect("finish the probe");
        ((ended - started).as_secs_f64(), blocking, samples)
    }
}

/// Probe queries of one side (reads or writes) that came back quickly while the statement
/// was in the middle of its run: proof that side was not blocked throughout.
fn quick_in_middle(samples: &[Sample], writes: bool, run: f64) -> usize {
    samples
        .iter()
        .filter(|s| (s.kind != QueryKind::Read) == writes && !s.failed)
        .filter(|s| s.issued > 0.2 * run && s.issued + s.seconds < 0.8 * run && s.seconds < 0.05)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_blocks_writes_throughout_online_index_briefly_instant_change_for_milliseconds() {
    let _serial = SERIAL.lock().await;
    // Large enough that the COPY lasts about a second or more here, so fractions of its
    // run mean something.
    let mut lab = Lab::start(150_000).await;

    // A type change: MariaDB 10.11 copies the table under a shared lock.
    let (run, copy, samples) = lab
        .measure("ALTER TABLE `courseware_studentmodule` MODIFY `grade` float NULL")
        .await;
    eprintln!("COPY {run:.3} s: {copy:?}");
    assert!(
        run >= 0.4,
        "the COPY took only {run:.2} s: the table is too small to tell"
    );
    assert!(
        copy.writes_blocked_seconds >= 0.6 * run,
        "writes blocked {:.2} s of a {run:.2} s COPY: {copy:?}",
        copy.writes_blocked_seconds
    );
    assert!(copy.max_write_stall_ms >= 0.5 * run * 1000.0, "{copy:?}");
    assert!(
        copy.reads_blocked_seconds <= 0.3 * run,
        "reads blocked {:.2} s of a {run:.2} s COPY: {copy:?}",
        copy.reads_blocked_seconds
    );
    assert!(quick_in_middle(&samples, false, run) >= 3, "{copy:?}");
    assert_eq!(quick_in_middle(&samples, true, run), 0, "{copy:?}");
    assert!(copy.phases.contains(&Phase::Throughout), "{copy:?}");

    // An index build: online, writes go on; only the metadata lock at start and end.
    let (run, index, samples) = lab
        .measure(
            "CREATE INDEX `probe_test_idx` ON `courseware_studentmodule` \
             (`course_id`, `module_id`, `module_type`, `state`(100))",
        )
        .await;
    eprintln!("ADD INDEX {run:.3} s: {index:?}");
    // A long key, so the build lasts long enough on a fast, idle machine too (0.1 s is
    // five probe intervals of each writer).
    assert!(
        run >= 0.1,
        "the index build took only {run:.2} s: too short to tell"
    );
    assert!(
        index.writes_blocked_seconds <= 0.5 * run,
        "writes blocked {:.2} s of a {run:.2} s index build: {index:?}",
        index.writes_blocked_seconds
    );
    assert!(quick_in_middle(&samples, true, run) >= 2, "{index:?}");
    assert!(!index.phases.contains(&Phase::Throughout), "{index:?}");

    // An instant change: the metadata lock only, milliseconds.
    let (run, instant, _) = lab
        .measure("ALTER TABLE `courseware_studentmodule` ADD COLUMN `probe_extra` integer NULL")
        .await;
    eprintln!("ADD COLUMN {run:.3} s: {instant:?}");
    assert!(run < 1.0, "an instant ADD COLUMN took {run:.2} s");
    assert!(instant.max_write_stall_ms < 1000.0, "{instant:?}");
    assert!(instant.max_read_stall_ms < 1000.0, "{instant:?}");
    assert!(instant.writes_blocked_seconds < 0.5, "{instant:?}");
    assert!(instant.probe_queries >= 3, "{instant:?}");
    assert_eq!(instant.probe_errors, 0, "{instant:?}");
    lab.sandbox.close().await;
}

/// Hold a metadata lock from an open transaction, start an ALTER on another connection,
/// release after `hold`; returns the ALTER's result and the probe's view.
async fn pile_up(
    lab: &mut Lab,
    column: &'static str,
    hold: Duration,
    lock_wait_timeout: Option<u32>,
) -> (Result<(), u16>, MeasuredBlocking, Vec<Sample>) {
    let mut holder = lab.sandbox.connect().await.expect("holder");
    sqlx::raw_sql("BEGIN; SELECT * FROM `courseware_studentmodule` WHERE `id` = 1")
        .execute(&mut holder)
        .await
        .expect("open a transaction on the table");
    let mut alter: MySqlConnection = lab.sandbox.connect().await.expect("alter connection");
    if let Some(seconds) = lock_wait_timeout {
        sqlx::raw_sql(&format!("SET SESSION lock_wait_timeout = {seconds}"))
            .execute(&mut alter)
            .await
            .expect("bound the wait");
    }
    let running = lab.start_probe().await;
    let started = Instant::now();
    let statement = tokio::spawn(async move {
        let sql =
            format!("ALTER TABLE `courseware_studentmodule` ADD COLUMN `{column}` integer NULL");
        let outcome = sqlx::Executor::execute(&mut alter, sql.as_str()).await;
        let ended = Instant::now();
        let code = outcome.map(|_| ()).map_err(|e| {
            e.as_database_error()
                .and_then(|d| d.try_downcast_ref::<MySqlDatabaseError>())
                .map_or(0, |d| d.number())
        });
        (code, ended, alter)
    });
    tokio::time::sleep(hold).await;
    sqlx::raw_sql("COMMIT")
        .execute(&mut holder)
        .await
        .expect("commit");
    let (outcome, ended, _alter) = statement.await.expect("the ALTER task");
    let (blocking, samples) = lab
        .prober
        .finish_with_samples(running, started, ended)
        .await
        .expect("finish the probe");
    (outcome, blocking, samples)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_alter_stalls_every_query_queued_behind_it_unless_its_wait_is_bounded() {
    let _serial = SERIAL.lock().await;
    let mut lab = Lab::start(2_000).await;

    // Unbounded (the server default): the ALTER waits for the transaction for 3 s, and
    // every probe query behind it waits as long.
    let hold = Duration::from_secs(3);
    let (outcome, blocking, samples) = pile_up(&mut lab, "late", hold, None).await;
    assert_eq!(outcome, Ok(()), "the ALTER should succeed after the commit");
    assert!(blocking.max_read_stall_ms >= 2000.0, "{blocking:?}");
    assert!(blocking.max_write_stall_ms >= 2000.0, "{blocking:?}");
    assert!(blocking.reads_blocked_seconds >= 2.0, "{blocking:?}");
    assert!(blocking.writes_blocked_seconds >= 2.0, "{blocking:?}");
    // One query per connection stuck for seconds: reads, updates and inserts alike.
    for kind in [QueryKind::Read, QueryKind::Update, QueryKind::Insert] {
        assert!(
            samples.iter().any(|s| s.kind == kind && s.seconds > 2.0),
            "no {kind:?} stalled: {samples:?}"
        );
    }
    // Nothing got through while the ALTER waited (from 0.5 s in until the commit).
    let through: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            let done = s.issued + s.seconds;
            done > 0.5 && done < hold.as_secs_f64() - 0.3
        })
        .collect();
    assert!(
        through.is_empty(),
        "queries completed during the pile-up: {through:?}"
    );
    // The ALTER's whole run was its wait, so the blocking covers all of it.
    assert!(!blocking.phases.is_empty(), "{blocking:?}");

    // Bounded, as the report recommends: the ALTER gives up after 1 s (error 1205) and
    // the queries queued behind it go on, long before the transaction ends at 5 s.
    let (outcome, blocking, _) = pile_up(&mut lab, "later", Duration::from_secs(5), Some(1)).await;
    assert_eq!(
        outcome,
        Err(1205),
        "the ALTER should time out: {blocking:?}"
    );
    assert!(blocking.max_read_stall_ms >= 500.0, "{blocking:?}");
    assert!(
        blocking.max_read_stall_ms < 3500.0 && blocking.max_write_stall_ms < 3500.0,
        "the bounded wait still stalled queries: {blocking:?}"
    );
    lab.sandbox.close().await;
}
