//! `watch` and `calibrate` against a disposable server that plays production: a COPY
//! ALTER run by a wrapped client command, lock waits with and without the metadata-lock
//! plugin, and recorded outcomes that change the next estimate. ddl-eta reads production
//! through an account that has only SELECT and PROCESS; the general log shows what it sent.

mod common;
use common::production::{exec, Production};
use common::{example, require_server_binary, stderr, stdout, Scratch, QUICK};
use serde_json::Value;
use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Row};
use std::io::BufRead;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const READER_PASSWORD: &str = "w4tch-r3ader";
const ADMIN_PASSWORD: &str = "w4tch-adm1n";

impl Production {
    async fn start(rows: u64) -> Production {
        let production = Production::start_with(Vec::new()).await;
        let mut root = production.root().await;
        for sql in [
            "CREATE DATABASE prod".to_string(),
            "CREATE TABLE prod.big (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, a int NOT NULL, \
             body varchar(200) NOT NULL) DEFAULT CHARSET=utf8mb4"
                .to_string(),
            format!(
                "INSERT INTO prod.big (a, body) SELECT MOD(seq, 1000), REPEAT(CHAR(65 + MOD(seq, 26)), 200) \
                 FROM prod.seq_1_to_{rows}"
            ),
            format!("CREATE USER reader@'%' IDENTIFIED BY '{READER_PASSWORD}'"),
            "GRANT SELECT ON prod.* TO reader@'%'".to_string(),
            "GRANT PROCESS ON *.* TO reader@'%'".to_string(),
            "CREATE USER noproc@'%' IDENTIFIED BY 'noproc-pw'".to_string(),
            "GRANT SELECT ON prod.* TO noproc@'%'".to_string(),
            format!("CREATE USER admin@'%' IDENTIFIED BY '{ADMIN_PASSWORD}'"),
            "GRANT ALL ON *.* TO admin@'%'".to_string(),
            // Every statement any session sends, to prove ddl-eta's are all reads.
            "SET GLOBAL log_output = 'TABLE'".to_string(),
            "SET GLOBAL general_log = 1".to_string(),
        ] {
            exec(&mut root, &sql).await;
        }
        production
    }

    fn reader(&self) -> String {
        self.url("reader", READER_PASSWORD)
    }

    /// What the reader account sent, from the general log.
    async fn reader_statements(&self) -> Vec<String> {
        let mut root = self.root().await;
        sqlx::raw_sql(
            "SELECT CAST(argument AS CHAR) FROM mysql.general_log \
             WHERE command_type = 'Query' AND thread_id IN \
               (SELECT thread_id FROM mysql.general_log WHERE command_type = 'Connect' AND argument LIKE 'reader@%')",
        )
        .fetch_all(&mut root)
        .await
        .expect("read the general log")
        .iter()
        .map(|row| row.try_get::<String, _>(0).expect("text"))
        .collect()
    }
}

async fn connection_id(conn: &mut MySqlConnection) -> i64 {
    sqlx::raw_sql("SELECT CAST(CONNECTION_ID() AS SIGNED)")
        .fetch_one(&mut *conn)
        .await
        .expect("connection id")
        .try_get(0)
        .expect("an id")
}

/// Percentages of the progress lines of one statement, in order.
fn percents(text: &str) -> Vec<f64> {
    text.lines()
        .filter(|l| l.starts_with("ddl-eta watch: prod.big") && l.contains("% ["))
        .filter_map(|l| {
            let before = l.split("% [").next()?;
            before.rsplit(' ').next()?.parse().ok()
        })
        .collect()
}

/// A saved estimate whose first statement is this test's ALTER, predicted at 1 s (0.5-2):
/// far below what it takes, so the watch must warn.
fn estimate_file(scratch: &Scratch) -> std::path::PathBuf {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report_0019.json"),
    )
    .expect("fixture");
    let mut report: Value = serde_json::from_str(&text).expect("fixture parses");
    let statement = &mut report["statements"][0];
    statement["table"] = "big".into();
    statement["operation"] = "add_column".into();
    statement["estimate"]["seconds_p50"] = 1.0.into();
    statement["estimate"]["seconds_low"] = 0.5.into();
    statement["estimate"]["seconds_high"] = 2.0.into();
    scratch.file("estimate.json", &report.to_string())
}

/// The long COPY: a stored column hashing 20 KB per row makes a modest table copy for
/// several seconds on any machine, without loading millions of rows first.
const SLOW_COPY: &str = "ALTER TABLE big ADD COLUMN h char(128) AS (SHA2(REPEAT(body, 100), 512)) STORED, ALGORITHM=COPY";

#[tokio::test]
async fn watch_follows_a_wrapped_copy_to_its_end_and_only_reads() {
    let production = Production::start(150_000).await;
    let scratch = Scratch::new("watch_copy");
    let estimate = estimate_file(&scratch);
    let record = scratch.dir.join("outcomes.jsonl");
    let port = production.server.port().expect("a TCP port").to_string();
    let admin_password = format!("-p{ADMIN_PASSWORD}");
    let reader = production.reader();
    let output = scratch.run(&[
        "watch",
        "--source",
        &reader,
        "--interval",
        "1s",
        "--estimate",
        estimate.to_str().expect("path"),
        "--record",
        record.to_str().expect("path"),
        "--",
        "mariadb",
        "--protocol=tcp",
        "-h127.0.0.1",
        "-P",
        &port,
        "-uadmin",
        &admin_password,
        "prod",
        "-e",
        &format!("{SLOW_COPY}; SELECT 'migrated' AS result"),
    ]);
    let (out, err) = (stdout(&output), stderr(&output));
    assert_eq!(output.status.code(), Some(0), "{err}");
    // The command's own output passes through.
    assert!(out.contains("migrated"), "{out}");
    // Progress rises, from the COPY's stages, with an ETA, and leaves the estimate.
    let seen = percents(&err);
    assert!(seen.len() >= 2, "fewer than two progress lines: {err}");
    assert!(seen.windows(2).all(|w| w[1] >= w[0]), "{seen:?}: {err}");
    assert!(seen.last() > seen.first(), "{seen:?}: {err}");
    assert!(err.contains("[stage 1 of 2]"), "{err}");
    assert!(err.contains("ETA "), "{err}");
    assert!(
        err.contains("outside the estimate's interval"),
        "no warning: {err}"
    );
    // The final line: the real duration against the estimate.
    let last = out
        .lines()
        .find(|l| l.contains("ended after"))
        .unwrap_or_else(|| panic!("no final line: {out}"));
    assert!(last.starts_with("prod.big (thread "), "{last}");
    assert!(last.contains("x the estimate"), "{last}");
    // One outcome line.
    let lines = std::fs::read_to_string(&record).expect("record written");
    let outcomes: Vec<Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(outcomes.len(), 1, "{lines}");
    let outcome = &outcomes[0];
    assert_eq!(outcome["operation"], "add_column");
    assert_eq!(outcome["table"], "big");
    assert_eq!(outcome["database"], "prod");
    assert_eq!(outcome["server"]["flavor"], "mariadb");
    assert_eq!(outcome["estimate"]["seconds_p50"], 1.0);
    assert!(outcome["sql"].as_str().expect("sql").contains("SHA2"));
    let seconds = outcome["seconds"].as_f64().expect("seconds");
    assert!(seconds > 1.0, "{outcome}");
    let rows = outcome["rows_at_start"].as_u64().expect("rows");
    assert!((100_000..=200_000).contains(&rows), "{outcome}");
    for text in [&out, &err, &lines] {
        assert!(!text.contains(READER_PASSWORD) && !text.contains(ADMIN_PASSWORD));
    }

    // A failing command: its output and its exit code come through; nothing to watch.
    let output = scratch.run(&[
        "watch",
        "--source",
        &reader,
        "--interval",
        "1s",
        "--",
        "sh",
        "-c",
        "echo to-stdout; echo to-stderr >&2; exit 7",
    ]);
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    assert!(stdout(&output).contains("to-stdout"));
    assert!(stderr(&output).contains("to-stderr"));

    // Nothing running: one line, exit 0.
    let output = scratch.run(&["watch", "--source", &reader]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "no DDL running");

    // An account without PROCESS: one line naming the grant.
    let output = scratch.run(&["watch", "--source", &production.url("noproc", "noproc-pw")]);
    assert_eq!(output.status.code(), Some(1));
    let error = stderr(&output);
    assert!(
        error.starts_with("error: ") && error.contains("GRANT PROCESS"),
        "{error}"
    );
    assert_eq!(error.trim().lines().count(), 1, "{error}");

    // ddl-eta's own session only read (the wrapped client's ALTER is its own).
    let sent = production.reader_statements().await;
    assert!(
        sent.len() > 10,
        "the general log caught too little: {sent:?}"
    );
    for sql in &sent {
        let upper = sql.trim_start().to_ascii_uppercase();
        assert!(
            upper.starts_with("SELECT")
                || upper.starts_with("SHOW")
                || upper.starts_with("SET SESSION")
                // The driver's own session setup on connect.
                || upper.starts_with("SET NAMES"),
            "ddl-eta sent `{sql}` to production"
        );
    }
    scratch.assert_nothing_left();
}

/// `watch` on the source, its stderr lines coming through a channel as they are printed.
fn spawn_watch(
    scratch: &Scratch,
    url: &str,
    extra: &[&str],
) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = scratch
        .command()
        .args(["watch", "--source", url, "--interval", "1s"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn watch");
    let (send, receive) = mpsc::channel();
    let pipe = child.stderr.take().expect("stderr");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    (child, receive)
}

/// Wait (30 s at most) for a line that has every one of `needles`; `seen` collects the lines.
fn wait_for_line(lines: &mpsc::Receiver<String>, needles: &[String], seen: &mut String) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&line);
            seen.push('\n');
            if needles.iter().all(|n| line.contains(n.as_str())) {
                return true;
            }
        }
    }
    false
}

/// A transaction that read the table and stays open, an ALTER waiting for it, and a query
/// queued behind the ALTER. Returns the holder's connection and id and the two threads.
async fn lock_pile_up(
    production: &Production,
    index: &str,
) -> (MySqlConnection, i64, Vec<std::thread::JoinHandle<()>>) {
    let mut holder = production.root().await;
    let holder_id = connection_id(&mut holder).await;
    exec(&mut holder, "BEGIN").await;
    exec(&mut holder, "SELECT COUNT(*) FROM prod.big WHERE id < 10").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let options = ddl_eta::server::plain_options(production.server.connect_options());
    let alter = in_a_session(
        options.clone(),
        format!("ALTER TABLE prod.big ADD INDEX {index} (a)"),
    );
    // An in-place ALTER asks for its exclusive lock only after preparing: the query must
    // come after that to queue behind it.
    let mut root = production.root().await;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        let waiting: i64 = sqlx::raw_sql(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST \
             WHERE STATE = 'Waiting for table metadata lock' AND INFO LIKE 'ALTER%'",
        )
        .fetch_one(&mut root)
        .await
        .expect("processlist")
        .try_get(0)
        .expect("a count");
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let queued = in_a_session(
        options,
        "SELECT COUNT(*) FROM prod.big WHERE id < 5".to_string(),
    );
    (holder, holder_id, vec![alter, queued])
}

#[tokio::test]
async fn a_waiting_alter_names_its_holder_or_its_candidates_and_the_queue() {
    let production = Production::start(20_000).await;
    let scratch = Scratch::new("watch_locks");
    let reader = production.reader();
    for (plugin, index) in [(false, "ia"), (true, "ib")] {
        if plugin {
            let mut root = production.root().await;
            exec(&mut root, "INSTALL SONAME 'metadata_lock_info'").await;
        }
        let (mut holder, holder_id, sessions) = lock_pile_up(&production, index).await;
        let who = if plugin {
            format!("held by thread {holder_id} (open ")
        } else {
            format!("candidates, transactions open longer than the wait: thread {holder_id} (open ")
        };
        let needles = [who, "1 query queued behind it".to_string()];
        let (child, lines) = spawn_watch(&scratch, &reader, &[]);
        let mut seen = String::new();
        let found = wait_for_line(&lines, &needles, &mut seen);
        exec(&mut holder, "COMMIT").await;
        let output = child.wait_with_output().expect("watch ends");
        seen.extend(lines.try_iter().map(|l| l + "\n"));
        assert!(found, "no line with {needles:?}: {seen}");
        for session in sessions {
            session.join().expect("the ALTER and the queued query ran");
        }
        let out = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{seen}");
        assert!(out.contains("add_index ended after"), "{out}");
        assert!(out.contains("waiting for its metadata lock"), "{out}");
    }

    // The server stops answering mid-watch: exit 1 within the limits, with the last
    // progress seen.
    let (mut holder, _, sessions) = lock_pile_up(&production, "ic").await;
    let limits = ["--connect-timeout", "2s", "--statement-timeout", "2s"];
    let (mut child, lines) = spawn_watch(&scratch, &reader, &limits);
    let mut seen = String::new();
    let waiting = ["waiting for the table's metadata lock".to_string()];
    let found = wait_for_line(&lines, &waiting, &mut seen);
    let pid = production.server.pid().expect("server pid") as i32;
    // SAFETY: signalling the server process this test started.
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    let stopped = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break Some(status);
        }
        if stopped.elapsed() > Duration::from_secs(40) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    unsafe { libc::kill(pid, libc::SIGCONT) };
    exec(&mut holder, "COMMIT").await;
    for session in sessions {
        session.join().expect("the ALTER and the queued query ran");
    }
    seen.extend(lines.try_iter().map(|l| l + "\n"));
    assert!(found, "never saw the wait: {seen}");
    let status = status
        .unwrap_or_else(|| panic!("watch still running 40 s after the server stopped: {seen}"));
    assert_eq!(status.code(), Some(1), "{seen}");
    assert!(seen.contains("error: "), "{seen}");
    // Each cause once: the error line's parts are all different.
    let error = seen
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or("");
    let parts: Vec<&str> = error.split(": ").collect();
    for part in &parts {
        assert_eq!(parts.iter().filter(|p| *p == part).count(), 1, "{error}");
    }
    assert!(
        seen.contains("last progress seen: prod.big (thread "),
        "{seen}"
    );
    scratch.assert_nothing_left();
}

/// Run one statement on a connection of its own, on a thread of its own (it blocks).
fn in_a_session(
    options: sqlx::mysql::MySqlConnectOptions,
    sql: String,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let mut conn = MySqlConnection::connect_with(&options)
                .await
                .expect("connect");
            exec(&mut conn, &sql).await;
        });
    })
}

fn outcome_line(operation: &str, seconds: f64, p50: f64) -> String {
    serde_json::json!({
        "schema_version": 1,
        "server": {"flavor": "mariadb", "version": "10.11.19"},
        "database": "prod", "table": "courseware_studentmodule", "rows_at_start": 1000,
        "operation": operation, "sql": "", "started_at": "2026-11-29T10:00:00Z",
        "seconds": seconds, "seconds_uncertainty": 0.5, "progress_source": "stage 1 of 2",
        "estimate": {"seconds_p50": p50, "seconds_low": p50 / 2.0, "seconds_high": p50 * 2.0, "interval": 0.9}
    })
    .to_string()
}

#[test]
fn recorded_outcomes_calibrate_the_next_estimate() {
    require_server_binary();
    let scratch = Scratch::new("watch_calibrate");
    // Index builds ran 1.2x, 1.5x and 1.3x their estimates; one column change, 0.5x.
    let outcomes = [
        outcome_line("add_index", 12.0, 10.0),
        outcome_line("add_index", 15.0, 10.0),
        outcome_line("add_index", 13.0, 10.0),
        outcome_line("add_column", 5.0, 10.0),
    ]
    .join("\n");
    let file = scratch.file("outcomes.jsonl", &(outcomes + "\n"));
    let output = scratch.run(&["calibrate", file.to_str().expect("path")]);
    assert!(output.status.success(), "{}", stderr(&output));
    let calibration: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let kinds = calibration["kinds"].as_array().expect("kinds");
    let index = kinds
        .iter()
        .find(|k| k["operation"] == "add_index")
        .expect("add_index calibrated");
    assert_eq!(index["outcomes"], 3);
    let ratio = |name: &str| index[name].as_f64().expect("ratio");
    assert!((ratio("ratio_p50") - 1.3).abs() < 1e-9, "{index}");
    let path = scratch.file("calibration.json", &stdout(&output));

    let schema = example("courseware_studentmodule.sql");
    let migration = scratch.file(
        "m.sql",
        "CREATE INDEX `csm_grade` ON `courseware_studentmodule` (`grade`);\n\
         ALTER TABLE `courseware_studentmodule` ADD COLUMN `extra` integer NULL;\n",
    );
    let mut args = vec![
        "estimate",
        "--schema",
        &schema,
        "--rows",
        "1M",
        "--calibration",
        path.to_str().expect("path"),
        migration.to_str().expect("path"),
    ];
    args.extend(QUICK);
    args.extend(["--scales", "3", "--no-probe"]);
    let output = scratch.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    let estimate = &report["statements"][0]["estimate"];
    let value = |name: &str| estimate[name].as_f64().expect("seconds");
    // The observed spread is the interval, around the calibrated point.
    let spread = value("seconds_high") / value("seconds_p50");
    let expected = ratio("ratio_high") / ratio("ratio_p50");
    assert!((spread - expected).abs() < 1e-6, "{estimate} {index}");
    let said = report["assumptions"].to_string();
    assert!(
        said.contains("add_index: calibrated from 3 recorded outcomes"),
        "{said}"
    );
    assert!(said.contains("add_column: 1 recorded outcome(s)"), "{said}");

    // Not together with a hand-set speed factor; a bad file is one clear line.
    let mut both = args.clone();
    both.extend(["--speed-factor", "2"]);
    assert_eq!(scratch.run(&both).status.code(), Some(2));
    let bad = scratch.file("bad.jsonl", "{\"seconds\": 3}\n");
    let output = scratch.run(&["calibrate", bad.to_str().expect("path")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("bad.jsonl:1: not an outcome"),
        "{}",
        stderr(&output)
    );
    scratch.assert_nothing_left();
}

/// The reader account's sessions on the server (ddl-eta's watching connection).
async fn reader_sessions(root: &mut MySqlConnection) -> Vec<i64> {
    sqlx::raw_sql(
        "SELECT CAST(ID AS SIGNED) FROM information_schema.PROCESSLIST WHERE USER = 'reader'",
    )
    .fetch_all(&mut *root)
    .await
    .expect("processlist")
    .iter()
    .map(|row| row.try_get::<i64, _>(0).expect("an id"))
    .collect()
}

/// Wait (30 s at most) until the reader account has a session on the server.
async fn wait_for_reader(options: &sqlx::mysql::MySqlConnectOptions) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(mut root) = MySqlConnection::connect_with(options).await {
            if !reader_sessions(&mut root).await.is_empty() {
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// Wait (30 s at most) until ddl-eta has read PROCESSLIST once (the general log shows it):
/// it is past connecting and checking the account, into its polling.
async fn wait_for_first_poll(production: &Production) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let polls = production
            .reader_statements()
            .await
            .iter()
            .filter(|sql| sql.contains("information_schema.PROCESSLIST"))
            .count();
        if polls > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A shell script that waits (60 s at most) for the file `go` to appear, then says so and
/// exits `code`: a command that outlasts whatever the test does to the watching.
fn wait_for_go(go: &std::path::Path, code: u8) -> String {
    format!(
        "i=0; while [ ! -f '{}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo finished; exit {code}",
        go.display()
    )
}

/// The production server restarted by hand: `LocalServer` starts a server only once.
/// Killed on drop, before the server's directory goes.
struct Restarted(std::process::Child);

impl Drop for Restarted {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Stop the server as an administrator would (SIGTERM, a clean shutdown), wait for it to
/// be gone, and return its command line for starting it again on the same data and port.
fn stop_server(production: &Production) -> Vec<String> {
    let pid = production.server.pid().expect("server pid");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("the server's command line");
    let args: Vec<String> = cmdline
        .split(|b| *b == 0)
        .filter(|a| !a.is_empty())
        .map(|a| String::from_utf8_lossy(a).to_string())
        // Root's password came in through a pipe that is gone; the data directory has it.
        .filter(|a| !a.starts_with("--init-file="))
        .collect();
    // SAFETY: signalling the server process this test started.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    let started = Instant::now();
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim_start().chars().next());
        if matches!(state, None | Some(Some('Z'))) {
            return args;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_source_that_goes_away_and_comes_back_never_stops_the_command() {
    let production = Production::start(1_000).await;
    let scratch = Scratch::new("watch_restart");
    let go = scratch.dir.join("go");
    let limits = ["--connect-timeout", "2s", "--statement-timeout", "2s"];
    let script = wait_for_go(&go, 5);
    let mut extra = limits.to_vec();
    extra.extend(["--", "sh", "-c", &script]);
    let (child, lines) = spawn_watch(&scratch, &production.reader(), &extra);
    let options = ddl_eta::server::plain_options(production.server.connect_options());
    assert!(wait_for_first_poll(&production).await, "watch never polled");

    let args = stop_server(&production);
    let mut seen = String::new();
    let lost = ["warning: ".to_string(), "lost the connection".to_string()];
    let found_lost = wait_for_line(&lines, &lost, &mut seen);
    let restarted = Restarted(
        std::process::Command::new(&args[0])
            .args(&args[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server again"),
    );
    let resumed = ["watching resumed".to_string()];
    let found_resumed = wait_for_line(&lines, &resumed, &mut seen);
    let back = wait_for_reader(&options).await;
    std::fs::write(&go, "").expect("go");
    let output = child.wait_with_output().expect("watch ends");
    drop(restarted);
    seen.extend(lines.try_iter().map(|l| l + "\n"));
    assert!(found_lost, "no warning about the lost source: {seen}");
    assert!(found_resumed && back, "watching did not resume: {seen}");
    // The command ran to its end, and its exit code is ddl-eta's.
    assert_eq!(output.status.code(), Some(5), "{seen}");
    assert!(stdout(&output).contains("finished"), "{seen}");
    let warnings: Vec<&str> = seen.lines().filter(|l| l.contains("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{seen}");
    assert!(warnings[0].contains("`sh` runs on"), "{seen}");
    for line in seen.lines() {
        assert!(
            line.matches("os error").count() <= 1,
            "a cause said twice: {line}"
        );
    }
}

#[tokio::test]
async fn the_watchers_own_trouble_and_death_leave_the_command_alone() {
    let production = Production::start(1_000).await;
    let scratch = Scratch::new("watch_trouble");
    let reader = production.reader();
    let port = production.server.port().expect("a TCP port");

    // The watcher's session KILLed by a DBA: it reconnects, says so once, watches on; the
    // command (an ALTER waiting for a transaction's metadata lock) is untouched.
    let mut holder = production.root().await;
    exec(&mut holder, "BEGIN").await;
    exec(&mut holder, "SELECT COUNT(*) FROM prod.big").await;
    let script = format!(
        "mariadb --protocol=tcp -h127.0.0.1 -P{port} -uadmin -p{ADMIN_PASSWORD} prod \
         -e 'ALTER TABLE big ADD COLUMN k int' && exit 4"
    );
    let (child, lines) = spawn_watch(&scratch, &reader, &["--", "sh", "-c", &script]);
    let mut seen = String::new();
    let waiting = ["waiting for the table's metadata lock".to_string()];
    let found_waiting = wait_for_line(&lines, &waiting, &mut seen);
    let mut root = production.root().await;
    let sessions = reader_sessions(&mut root).await;
    for id in &sessions {
        exec(&mut root, &format!("KILL {id}")).await;
    }
    let back = ["was lost".to_string(), "is back".to_string()];
    let found_back = wait_for_line(&lines, &back, &mut seen);
    let found_again = wait_for_line(&lines, &waiting, &mut seen);
    exec(&mut holder, "COMMIT").await;
    let output = child.wait_with_output().expect("watch ends");
    seen.extend(lines.try_iter().map(|l| l + "\n"));
    assert!(found_waiting && !sessions.is_empty(), "{seen}");
    assert!(found_back, "no line about the reconnection: {seen}");
    assert!(found_again, "watching did not go on: {seen}");
    assert_eq!(output.status.code(), Some(4), "{seen}");
    assert!(stdout(&output).contains("add_column ended after"), "{seen}");
    assert!(!seen.contains("warning: "), "{seen}");

    // --record into a directory that is not there: one warning, the command runs.
    let record = scratch.dir.join("missing/outcomes.jsonl");
    let output = scratch.run(&[
        "watch",
        "--source",
        &reader,
        "--record",
        record.to_str().expect("path"),
        "--",
        "sh",
        "-c",
        "echo ran; exit 6",
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(6), "{err}");
    assert_eq!(stdout(&output).trim(), "ran", "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(warnings[0].contains("missing/outcomes.jsonl"), "{err}");

    // An account without PROCESS: the watching stops with one warning naming the grant.
    let noproc = production.url("noproc", "noproc-pw");
    let output = scratch.run(&["watch", "--source", &noproc, "--", "sh", "-c", "exit 2"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("warning: ") && err.contains("GRANT PROCESS"),
        "{err}"
    );

    // ddl-eta SIGKILLed mid-command: the command keeps writing to the same stdout (never
    // through ddl-eta, whose end would be its SIGPIPE) and finishes its work.
    let marker = scratch.dir.join("marker");
    let script = format!(
        "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.25; done; echo finished > '{}'",
        marker.display()
    );
    let mut child = scratch
        .command()
        .args(["watch", "--source", &reader, "--", "sh", "-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn watch");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("a first line");
    child.kill().expect("SIGKILL ddl-eta");
    child.wait().expect("ddl-eta ended");
    // The pipe ends when the command does: what it wrote after ddl-eta died is here.
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("the rest");
    assert_eq!(first.trim(), "line 1");
    assert!(rest.contains("line 8"), "{rest}");
    assert!(marker.exists(), "the command did not finish: {rest}");

    // SIGTERM and SIGINT to ddl-eta reach the command once each; ddl-eta waits for it and
    // exits with its code. A command that does not catch SIGTERM ends as 143.
    let script = "trap 'echo got-term' TERM; trap 'echo got-int' INT; echo ready; \
                  i=0; while [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done; exit 9";
    for (script, signals, code) in [
        (script, vec![libc::SIGTERM, libc::SIGINT], 9),
        ("echo ready; exec sleep 30", vec![libc::SIGTERM], 143),
    ] {
        let mut child = scratch
            .command()
            .args(["watch", "--source", &reader, "--", "sh", "-c", script])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn watch");
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut ready = String::new();
        out.read_line(&mut ready).expect("ready");
        for signal in signals {
            // SAFETY: signalling the ddl-eta this test started, which is still running.
            unsafe { libc::kill(child.id() as i32, signal) };
            std::thread::sleep(Duration::from_millis(300));
        }
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).expect("the rest");
        let output = child.wait_with_output().expect("watch ends");
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(code), "{rest}{err}");
        if code == 9 {
            assert_eq!(rest.matches("got-term").count(), 1, "{rest}");
            assert_eq!(rest.matches("got-int").count(), 1, "{rest}");
        }
        assert!(err.contains("SIGTERM received, passed on to `sh`"), "{err}");
    }
    scratch.assert_nothing_left();
}

#[test]
fn a_source_that_refuses_says_its_cause_once() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let scratch = Scratch::new("watch_refused");
    let url = format!("mysql://u@127.0.0.1:{port}/db");
    let output = scratch.run(&["watch", "--source", &url, "--connect-timeout", "1s"]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
    // Beside a command: one warning, the command's code.
    let output = scratch.run(&[
        "watch",
        "--source",
        &url,
        "--connect-timeout",
        "1s",
        "--",
        "sh",
        "-c",
        "exit 3",
    ]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(3), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("warning: "), "{err}");
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
}

/// ddl-eta run as a terminal's foreground job (on a pseudo-terminal of the test's own):
/// the terminal's Ctrl-C reaches the wrapped command once, not once from the terminal
/// and again from ddl-eta, and ddl-eta exits with the command's code.
#[test]
fn a_terminals_ctrl_c_reaches_the_command_once() {
    use std::os::unix::process::CommandExt;
    // SAFETY: posix_openpt/grantpt/unlockpt/ptsname_r on the fd just opened, into a
    // buffer of ours; open of the returned path.
    let (master, slave) = unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "no pseudo-terminal");
        assert_eq!(libc::grantpt(master), 0);
        assert_eq!(libc::unlockpt(master), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        let slave = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY);
        assert!(slave >= 0, "cannot open the terminal's slave side");
        (master, slave)
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let scratch = Scratch::new("watch_ctrl_c");
    let url = format!("mysql://u@127.0.0.1:{port}/db");
    let script = "trap 'echo got-int' INT; echo ready; \
                  i=0; while [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; exit 9";
    let mut command = scratch.command();
    command
        .args(["watch", "--source", &url, "--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe calls between fork and exec: a new session whose
    // controlling terminal (and standard input) is the pseudo-terminal, as a shell's job.
    unsafe {
        command.pre_exec(move || {
            if libc::setsid() == -1
                || libc::ioctl(slave, libc::TIOCSCTTY, 0) == -1
                || libc::dup2(slave, 0) == -1
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn watch");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut ready = String::new();
    out.read_line(&mut ready).expect("ready");
    // Ctrl-C typed on the terminal.
    // SAFETY: writing one byte from our buffer to our own fd.
    let written = unsafe { libc::write(master, b"\x03".as_ptr().cast(), 1) };
    assert_eq!(written, 1);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).expect("the rest");
    let output = child.wait_with_output().expect("watch ends");
    // SAFETY: closing the fds opened above, once.
    unsafe {
        libc::close(slave);
        libc::close(master);
    }
    let err = stderr(&output);
    assert_eq!(ready.trim(), "ready", "{err}");
    assert_eq!(rest.matches("got-int").count(), 1, "{rest}{err}");
    assert_eq!(output.status.code(), Some(9), "{rest}{err}");
    assert!(
        err.contains("SIGINT received, sent by the terminal to `sh`"),
        "{err}"
    );
}
