//! `profile` and `estimate --source/--profile` against a second disposable server that
//! plays production: loaded here with plain SQL (not ddl-eta's seeder) with rows of known
//! distributions, read through an account that has only SELECT and PROCESS.

mod common;
use common::production::{exec, Production};
use common::{local_sandbox, stderr, stdout, Scratch, QUICK};
use serde_json::Value;
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::time::{Duration, Instant};

const ROWS: u64 = 30_000;
const READER_PASSWORD: &str = "r3ad-0nly-pw";
const ADMIN_PASSWORD: &str = "adm1n-pw";

impl Production {
    async fn start() -> Production {
        let production =
            Production::start_with(vec!["--innodb-sort-buffer-size=2097152".to_string()]).await;
        let mut conn = production.root().await;
        load(&mut conn).await;
        production
    }

    fn reader(&self) -> String {
        self.url("reader", READER_PASSWORD)
    }
}

/// Rows of known distributions, from the SEQUENCE engine and arithmetic of the row number:
/// - status: 5 values, shares 70/15/10/4/1 % (skewed, low cardinality)
/// - user_id: pseudo-random among 3000 values; (user_id, slot) is a composite unique key
/// - note: 40% NULL, else 10..110 bytes, uniform
/// - body: long text, 300..900 bytes
/// - created: one row a minute from 2020-01-01
async fn load(conn: &mut MySqlConnection) {
    exec(conn, "CREATE DATABASE prod").await;
    exec(conn, "USE prod").await;
    exec(
        conn,
        "CREATE TABLE owner (id int NOT NULL PRIMARY KEY, name varchar(40) NOT NULL) DEFAULT CHARSET=utf8mb4",
    )
    .await;
    exec(
        conn,
        "INSERT INTO owner SELECT seq, CONCAT('owner', seq) FROM seq_1_to_50",
    )
    .await;
    exec(
        conn,
        "CREATE TABLE events (
            id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
            owner_id int NOT NULL,
            status varchar(16) NOT NULL,
            user_id int NOT NULL,
            slot int NOT NULL,
            note varchar(200) NULL,
            body text NOT NULL,
            created datetime NOT NULL,
            amount decimal(10,2) NOT NULL,
            UNIQUE KEY user_slot (user_id, slot),
            KEY created_idx (created),
            CONSTRAINT events_owner FOREIGN KEY (owner_id) REFERENCES owner (id)
        ) DEFAULT CHARSET=utf8mb4",
    )
    .await;
    exec(
        conn,
        &format!(
            "INSERT INTO events (owner_id, status, user_id, slot, note, body, created, amount)
             SELECT 1 + MOD(seq, 50),
                    CASE WHEN MOD(CRC32(seq), 100) < 70 THEN 'active'
                         WHEN MOD(CRC32(seq), 100) < 85 THEN 'done'
                         WHEN MOD(CRC32(seq), 100) < 95 THEN 'waiting'
                         WHEN MOD(CRC32(seq), 100) < 99 THEN 'failed'
                         ELSE 'archived' END,
                    MOD(CRC32(seq * 7), 3000),
                    seq,
                    IF(MOD(CRC32(seq * 3), 10) < 4, NULL, REPEAT('n', 10 + MOD(CRC32(seq * 5), 101))),
                    REPEAT('b', 300 + MOD(CRC32(seq * 11), 601)),
                    TIMESTAMPADD(MINUTE, seq, '2020-01-01 00:00:00'),
                    MOD(seq, 1000) / 10
             FROM seq_1_to_{ROWS}"
        ),
    )
    .await;
    exec(conn, "ANALYZE TABLE events, owner").await;
    exec(
        conn,
        &format!("CREATE USER reader@'%' IDENTIFIED BY '{READER_PASSWORD}'"),
    )
    .await;
    exec(conn, "GRANT SELECT ON prod.* TO reader@'%'").await;
    exec(conn, "GRANT PROCESS ON *.* TO reader@'%'").await;
    exec(conn, "CREATE USER nosel@'%' IDENTIFIED BY 'nosel-pw'").await;
    exec(conn, "GRANT PROCESS ON *.* TO nosel@'%'").await;
    exec(
        conn,
        &format!("CREATE USER admin@'%' IDENTIFIED BY '{ADMIN_PASSWORD}'"),
    )
    .await;
    exec(conn, "GRANT ALL ON *.* TO admin@'%'").await;
}

fn json(output: &std::process::Output) -> Value {
    assert!(
        output.status.success(),
        "ddl-eta failed: {}",
        stderr(output)
    );
    serde_json::from_str(&stdout(output)).expect("JSON on stdout")
}

fn column<'a>(table: &'a Value, name: &str) -> &'a Value {
    table["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {value}"))
}

fn table<'a>(profile: &'a Value, name: &str) -> &'a Value {
    profile["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no table {name} in the profile"))
}

#[tokio::test]
async fn the_profile_matches_known_distributions_through_a_select_process_account() {
    let production = Production::start().await;
    let scratch = Scratch::new("source_profile");
    let url = production.reader();
    let output = scratch.run(&[
        "profile",
        "--source",
        &url,
        "--table",
        "events",
        "--sample-rows",
        "6000",
    ]);
    assert!(!stdout(&output).contains(READER_PASSWORD));
    assert!(!stderr(&output).contains(READER_PASSWORD));
    let profile = json(&output);
    assert_eq!(profile["schema_version"], 1);
    assert_eq!(profile["server"]["flavor"], "mariadb");
    assert_eq!(
        profile["settings"]["innodb_sort_buffer_size"], 2097152,
        "{}",
        profile["settings"]
    );
    let events = table(&profile, "events");
    // The foreign-key parent comes along, read in full (it is small).
    let owner = table(&profile, "owner");
    assert_eq!(owner["rows"], 50);
    assert_eq!(owner["sample"]["method"], "full");
    assert!(events["create_table"]
        .as_str()
        .expect("create table")
        .starts_with("CREATE TABLE `events`"));
    // Statistics row counts are estimates: within 30%.
    let rows = number(&events["rows"]);
    assert!(
        (rows - ROWS as f64).abs() < 0.3 * ROWS as f64,
        "rows {rows}"
    );
    assert_eq!(events["rows_source"], "statistics");
    assert!(number(&events["data_bytes"]) > 1e6);
    let sample = &events["sample"];
    assert_eq!(sample["method"], "pk-ranges");
    assert!(number(&sample["rows"]) <= 6000.0 && number(&sample["rows"]) > 5000.0);
    let unique = events["indexes"]
        .as_array()
        .expect("indexes")
        .iter()
        .find(|i| i["name"] == "user_slot")
        .expect("user_slot index");
    assert_eq!(unique["unique"], true);
    assert_eq!(unique["columns"], serde_json::json!(["user_id", "slot"]));

    // Tolerances: shares within 0.05 absolute, lengths within 10%, distinct counts as said.
    let status = column(events, "status");
    assert_eq!(status["distinct"], 5.0);
    assert!(
        (number(&status["top1_share"]) - 0.70).abs() < 0.05,
        "{status}"
    );
    assert_eq!(status["null_fraction"], 0.0);
    let note = column(events, "note");
    assert!(
        (number(&note["null_fraction"]) - 0.40).abs() < 0.05,
        "{note}"
    );
    let note_mean = number(&note["length"]["mean"]);
    assert!((note_mean - 60.0).abs() < 6.0, "{note}");
    assert!(number(&note["length"]["min"]) >= 10.0 && number(&note["length"]["max"]) <= 110.0);
    let body = column(events, "body");
    assert!(
        (number(&body["length"]["p50"]) - 600.0).abs() < 60.0,
        "{body}"
    );
    // 3000 user ids, about 2 sampled rows each: the estimate scales the sample up.
    let users = number(&column(events, "user_id")["distinct"]);
    assert!(
        (2000.0..4500.0).contains(&users),
        "user_id distinct {users}"
    );
    // A unique column (slot) is estimated near the table size.
    let slots = number(&column(events, "slot")["distinct"]);
    assert!(slots > 0.7 * ROWS as f64, "slot distinct {slots}");
    // The samples spread over the whole key range: minima and maxima near the ends.
    let created = column(events, "created");
    assert!(created["min"]
        .as_str()
        .expect("date")
        .starts_with("2020-01-01"));
    assert!(number(&column(events, "id")["max"]) > 0.95 * ROWS as f64);
    // No row values: texts appear as lengths only.
    assert!(!stdout(&output).contains("nnnnn") && !stdout(&output).contains("active"));

    // --exact-rowcount counts; MYSQL_PWD works in place of the URL's password.
    let output = scratch
        .command()
        .env("MYSQL_PWD", READER_PASSWORD)
        .args([
            "profile",
            "--source",
            &format!(
                "mysql://reader@127.0.0.1:{}/prod",
                production.server.port().expect("listens on TCP")
            ),
            "--table",
            "events",
            "--exact-rowcount",
            "--sample-rows",
            "2000",
        ])
        .output()
        .expect("run");
    let exact = json(&output);
    assert_eq!(table(&exact, "events")["rows"], ROWS);
    assert_eq!(table(&exact, "events")["rows_source"], "count");
    scratch.assert_nothing_left();
}

/// Seeding from the profile reproduces null fraction, skew, distinct count relative to
/// the table, and lengths, at two scales of the ladder.
#[tokio::test]
async fn profile_matched_seeding_reproduces_the_columns_at_every_scale() {
    use ddl_eta::profile::Profile;
    use ddl_eta::seed::{self, SeedContext};
    use std::collections::HashMap;

    let production = Production::start().await;
    let scratch = Scratch::new("source_seed");
    let output = scratch.run(&[
        "profile",
        "--source",
        &production.reader(),
        "--table",
        "events",
        "--sample-rows",
        "6000",
    ]);
    let profile: Profile = serde_json::from_str(&stdout(&output)).expect("profile");
    let events = profile.table("events").expect("events").clone();

    let sandbox = local_sandbox(128 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    // The loader session has foreign_key_checks = 0, so the parent need not exist.
    exec(&mut conn, &events.create_table).await;
    let shape = seed::read_shape(&mut conn, "events")
        .await
        .expect("shape")
        .with_profile(&events);
    let mut rows = HashMap::new();
    rows.insert("events".to_string(), ROWS);
    let counters = HashMap::new();
    let context = SeedContext {
        targets: &rows,
        counter_columns: &counters,
    };
    for (from, to) in [(1, 3000), (3001, ROWS)] {
        let sql = seed::insert_batch_sql(&sandbox.server, "events", &shape, &context, from, to)
            .expect("sql");
        exec(&mut conn, &sql).await;
        let stat = |expr: &str| {
            format!("SELECT CAST({expr} AS DOUBLE) FROM (SELECT * FROM events WHERE id <= {to}) t")
        };
        let n = to as f64;
        let nulls = value(&mut conn, &stat("AVG(note IS NULL)")).await;
        assert!(
            (nulls - 0.4).abs() < 0.06,
            "scale {to}: note null fraction {nulls}"
        );
        let statuses = value(&mut conn, &stat("COUNT(DISTINCT status)")).await;
        assert_eq!(statuses, 5.0, "scale {to}");
        let top = value(&mut conn, &format!(
            "SELECT CAST(MAX(c) / SUM(c) AS DOUBLE) FROM (SELECT COUNT(*) c FROM events WHERE id <= {to} GROUP BY status) g"
        ))
        .await;
        assert!(
            (top - 0.7).abs() < 0.08,
            "scale {to}: status top share {top}"
        );
        let mean = value(&mut conn, &stat("AVG(LENGTH(note))")).await;
        assert!(
            (mean - 60.0).abs() < 9.0,
            "scale {to}: note mean length {mean}"
        );
        let body = value(&mut conn, &stat("AVG(LENGTH(body))")).await;
        assert!(
            (body - 600.0).abs() < 90.0,
            "scale {to}: body mean length {body}"
        );
        // user_id: 3000 values in 30k rows on the source; at a smaller scale fewer, but
        // never more than the rows, and at full scale within 35%.
        let users = value(&mut conn, &stat("COUNT(DISTINCT user_id)")).await;
        assert!(users <= n, "scale {to}: users {users}");
        if to == ROWS {
            assert!((users - 3000.0).abs() < 0.35 * 3000.0, "users {users}");
        }
        let rows_here = value(&mut conn, &stat("COUNT(*)")).await;
        assert_eq!(rows_here, n);
    }
    sandbox.close().await;
    scratch.assert_nothing_left();
}

#[tokio::test]
async fn the_source_is_refused_as_a_sandbox_and_nothing_is_created_there() {
    let production = Production::start().await;
    let scratch = Scratch::new("source_refused");
    let migration = scratch.file("m.sql", "ALTER TABLE events ADD INDEX st (status);\n");
    let admin = production.url("admin", ADMIN_PASSWORD);
    let output = scratch.run(&[
        "estimate",
        "--source",
        &production.reader(),
        "--sandbox-url",
        &admin,
        migration.to_str().expect("path"),
        "--quiet",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let error = stderr(&output);
    assert!(
        error.contains("the sandbox server is the source server"),
        "{error}"
    );
    assert!(error.contains("@@datadir"), "{error}");
    assert!(!error.contains(ADMIN_PASSWORD) && !error.contains(READER_PASSWORD));
    let mut root = production.root().await;
    let created = sqlx::raw_sql("SHOW DATABASES LIKE 'ddl_eta%'")
        .fetch_all(&mut root)
        .await
        .expect("show databases");
    assert!(
        created.is_empty(),
        "ddl-eta created a database on the source"
    );
    scratch.assert_nothing_left();
}

async fn value(conn: &mut MySqlConnection, sql: &str) -> f64 {
    let row = sqlx::raw_sql(sql).fetch_one(conn).await.expect(sql);
    row.try_get::<Option<f64>, _>(0)
        .expect("a DOUBLE")
        .unwrap_or(f64::NAN)
}

/// Run a command that must fail: exit 1, one `error:` line, within `within`.
fn must_fail(scratch: &Scratch, args: &[&str], within: Duration) -> String {
    let started = Instant::now();
    let output = scratch.run(args);
    let elapsed = started.elapsed();
    let error = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {error}");
    assert!(error.starts_with("error: "), "{error}");
    assert!(elapsed < within, "{args:?} took {elapsed:?}: {error}");
    error
}

#[tokio::test]
async fn faults_are_clear_errors_within_the_limits() {
    let production = Production::start().await;
    let scratch = Scratch::new("source_faults");
    let port = production.server.port().expect("listens on TCP");
    let limits = ["--connect-timeout", "2s", "--statement-timeout", "3s"];
    let profile = |url: &str, table: &str| -> Vec<String> {
        let mut args = vec!["profile", "--source", url, "--table", table];
        args.extend(limits);
        args.iter().map(|s| s.to_string()).collect()
    };
    let run = |args: Vec<String>, within: u64| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        must_fail(&scratch, &refs, Duration::from_secs(within))
    };

    // Unreachable host (TEST-NET-1 is never routed): the connect limit.
    let error = run(
        profile("mysql://reader:x@192.0.2.1:3306/prod", "events"),
        20,
    );
    assert!(error.contains("connecting to the source"), "{error}");
    // Refused connection: a port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let error = run(
        profile(
            &format!("mysql://reader:x@127.0.0.1:{closed}/prod"),
            "events",
        ),
        20,
    );
    assert!(error.contains("connecting to the source"), "{error}");
    // Wrong password, which is never printed.
    let error = run(
        profile(&production.url("reader", "wrong-secret"), "events"),
        20,
    );
    assert!(error.contains("Access denied"), "{error}");
    assert!(!error.contains("wrong-secret"), "{error}");
    // Missing database, missing table.
    let error = run(
        profile(
            &format!("mysql://reader:{READER_PASSWORD}@127.0.0.1:{port}/nodb"),
            "events",
        ),
        20,
    );
    assert!(error.contains("nodb"), "{error}");
    let error = run(profile(&production.reader(), "nosuch"), 20);
    assert!(error.contains("table nosuch does not exist"), "{error}");
    // An account without SELECT.
    let error = run(profile(&production.url("nosel", "nosel-pw"), "events"), 20);
    assert!(
        error.contains("denied") || error.contains("no SELECT privilege"),
        "{error}"
    );
    assert!(!error.contains("nosel-pw"), "{error}");
    // A password file that is not there.
    let mut args = profile(&format!("mysql://reader@127.0.0.1:{port}/prod"), "events");
    args.extend(["--password-file".to_string(), "/nonexistent/pw".to_string()]);
    let error = run(args, 20);
    assert!(error.contains("password file"), "{error}");
    scratch.assert_nothing_left();
}

/// A server that stops answering mid-profile: a table held by LOCK TABLES ... WRITE
/// makes the profile wait, then the whole server is stopped (SIGSTOP), so even the
/// KILL QUERY connection gets no answer. ddl-eta must give up within its limits.
#[tokio::test]
async fn a_server_that_stops_answering_mid_profile_is_an_error_within_the_limits() {
    let production = Production::start().await;
    let scratch = Scratch::new("source_hang");
    let mut locker = production.root().await;
    exec(&mut locker, "LOCK TABLES prod.owner WRITE").await;
    let url = production.reader();
    let mut child = scratch
        .command()
        .args([
            "profile",
            "--source",
            &url,
            "--table",
            "events",
            "--sample-rows",
            "2000",
            "--connect-timeout",
            "2s",
            "--statement-timeout",
            "4s",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    // events is read, then owner (its FK parent) waits on the lock; stop the server then.
    std::thread::sleep(Duration::from_millis(2500));
    let pid = production.server.pid().expect("server pid") as i32;
    // SAFETY: signalling a process this test started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let output = loop {
        if let Ok(Some(_)) = child.try_wait() {
            break child.wait_with_output().expect("output");
        }
        if started.elapsed() > Duration::from_secs(40) {
            let _ = child.kill();
            unsafe { libc::kill(pid, libc::SIGCONT) };
            panic!("ddl-eta still waiting after 40s on a stopped server");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    unsafe { libc::kill(pid, libc::SIGCONT) };
    let error = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{error}");
    assert!(error.contains("did not answer"), "{error}");
    assert!(!error.contains(READER_PASSWORD));
    drop(locker);
    scratch.assert_nothing_left();
}

/// The source server stops mid-profile, crashed (SIGKILL) or shut down (SIGTERM): one
/// clear line at once, not a wait for the statement limit, and nothing left running.
#[tokio::test]
async fn a_source_server_that_stops_mid_profile_is_a_clear_error_at_once() {
    for signal in [libc::SIGKILL, libc::SIGTERM] {
        let production = Production::start().await;
        let scratch = Scratch::new("source_stops");
        // The profile reads events, then waits for owner (its foreign-key parent).
        let mut locker = production.root().await;
        exec(&mut locker, "LOCK TABLES prod.owner WRITE").await;
        let url = production.reader();
        let child = scratch
            .command()
            .args(["profile", "--source", &url, "--table", "events"])
            .args(["--sample-rows", "2000", "--statement-timeout", "60s"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(2500));
        let pid = production.server.pid().expect("server pid") as i32;
        let stopped = Instant::now();
        // SAFETY: signalling a process this test started.
        unsafe { libc::kill(pid, signal) };
        let output = child.wait_with_output().expect("output");
        let waited = stopped.elapsed();
        let error = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(
            error.contains("closed the connection: the server stopped"),
            "{error}"
        );
        assert!(!error.contains(READER_PASSWORD), "{error}");
        assert!(stdout(&output).is_empty(), "no half profile on stdout");
        assert!(
            waited < Duration::from_secs(15),
            "took {waited:?} after the server stopped"
        );
        drop(locker);
        scratch.assert_nothing_left();
    }
}

/// A saved profile gives the estimate the same inputs as the live source.
#[tokio::test]
async fn a_saved_profile_round_trips_and_estimates_like_the_live_source() {
    let production = Production::start().await;
    let scratch = Scratch::new("source_roundtrip");
    let output = scratch.run(&[
        "profile",
        "--source",
        &production.reader(),
        "--table",
        "events",
        "--exact-rowcount",
    ]);
    let text = stdout(&output);
    let saved: ddl_eta::profile::Profile = serde_json::from_str(&text).expect("loads");
    let again = serde_json::to_string_pretty(&saved).expect("saves");
    assert_eq!(again.trim(), text.trim(), "the profile does not round-trip");
    let path = scratch.file("events.profile.json", &text);
    let migration = scratch.file("m.sql", "ALTER TABLE events ADD INDEX st (status);\n");
    let estimate = |how: &[&str]| -> Value {
        let mut args = vec!["estimate"];
        args.extend(how);
        args.push(migration.to_str().expect("path"));
        args.extend(QUICK);
        args.extend(["--exact-rowcount", "--scales", "3"]);
        json(&scratch.run(&args))
    };
    let offline = estimate(&["--profile", path.to_str().expect("path")]);
    let reader = production.reader();
    let live = estimate(&["--source", &reader]);
    // The same tables, known one way or the other.
    let without_input = |report: &Value| {
        let mut tables = report["tables"].clone();
        for table in tables.as_array_mut().expect("tables") {
            table.as_object_mut().expect("table").remove("input");
        }
        tables
    };
    assert_eq!(without_input(&offline), without_input(&live));
    assert_eq!(offline["input"], "profile");
    assert_eq!(live["input"], "source");
    assert_eq!(live["tables"][0]["input"], "source");
    assert_eq!(
        offline["statements"][0]["estimate"]["rows"],
        live["statements"][0]["estimate"]["rows"]
    );
    assert_eq!(live["statements"][0]["estimate"]["rows"], ROWS);
    assert_eq!(offline["settings"]["source"], live["settings"]["source"]);
    // Both reports say where the tables were read and that the session was plain text
    // (this server has no certificate; loopback, so no warning about it).
    assert_eq!(offline["source"]["url"], live["source"]["url"]);
    assert_eq!(live["source"]["encrypted"], false, "{}", live["source"]);
    assert_eq!(offline["source"]["encrypted"], false);
    assert!(!live["warnings"].to_string().contains("plain text"));
    // The source's sort buffer was copied to the local sandbox.
    assert_eq!(
        live["settings"]["sandbox"]["innodb_sort_buffer_size"],
        2097152
    );
    // --rows still overrides.
    let mut args = vec!["estimate", "--profile", path.to_str().expect("path")];
    args.extend(["--rows", "events=1M"]);
    args.push(migration.to_str().expect("path"));
    args.extend(QUICK);
    args.extend(["--scales", "3"]);
    let overridden = json(&scratch.run(&args));
    assert_eq!(overridden["statements"][0]["estimate"]["rows"], 1_000_000);
    scratch.assert_nothing_left();
}

/// A transaction left open on production (it may hold the metadata lock a migration
/// waits for) is in the profile's activity, with its thread and age; the profile's own
/// session is not.
#[tokio::test]
async fn a_long_open_transaction_is_in_the_profile() {
    let production = Production::start().await;
    let mut holder = production.root().await;
    exec(&mut holder, "BEGIN").await;
    exec(
        &mut holder,
        "UPDATE prod.owner SET name = name WHERE id = 1",
    )
    .await;
    let id: i64 = sqlx::query_scalar("SELECT CAST(CONNECTION_ID() AS SIGNED)")
        .fetch_one(&mut holder)
        .await
        .expect("connection id");
    // Past the five seconds after which an open transaction counts as long.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let scratch = Scratch::new("long_transaction");
    let output = scratch.run(&[
        "profile",
        "--source",
        &production.reader(),
        "--table",
        "owner",
    ]);
    let profile = json(&output);
    let open = profile["activity"]["long_transactions"]
        .as_array()
        .expect("long transactions");
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["thread_id"], id);
    assert!(
        open[0]["seconds"].as_u64().is_some_and(|s| s >= 5),
        "{open:?}"
    );
    exec(&mut holder, "ROLLBACK").await;
    scratch.assert_nothing_left();
}
