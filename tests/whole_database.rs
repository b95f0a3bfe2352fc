//! Issue 20: a whole database profiled once (threshold, time limit, resume), estimates
//! that seed only the tables a migration touches and their foreign-key parents, the
//! profile's age, and schema mode that seeds rows as wide as production's bytes say.

mod common;
use common::production::Production;
use common::{local_sandbox, stderr, stdout, Scratch, QUICK};
use ddl_eta::profile::{Profile, TableProfile};
use ddl_eta::seed::{self, SeedContext};
use serde_json::Value;
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

const READER_PASSWORD: &str = "r3ad-0nly-pw";
/// Over the threshold (`--min-rows 5000`): events (with its parent owners), big_a..big_c.
const OVER: [&str; 4] = ["events", "big_a", "big_b", "big_c"];
const SMALL: [&str; 7] = ["s1", "s2", "s3", "s4", "s5", "s6", "s7"];

/// A scratch production of a dozen tables of different sizes, a trigger and a routine:
/// events (12k rows, a foreign key to owners, 50 rows), three more tables of 6k to 10k
/// rows, seven of 10 to 70 rows.
async fn production() -> Production {
    let production = Production::start_with(Vec::new()).await;
    let mut conn = production.root().await;
    for sql in [
        "CREATE DATABASE prod".to_string(),
        "USE prod".to_string(),
        "CREATE TABLE owners (id int NOT NULL PRIMARY KEY, name varchar(40) NOT NULL)".to_string(),
        "INSERT INTO owners SELECT seq, CONCAT('owner', seq) FROM seq_1_to_50".to_string(),
        "CREATE TABLE events (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, owner_id int NOT NULL, \
         status varchar(16) NOT NULL, body text NOT NULL, \
         CONSTRAINT events_owner FOREIGN KEY (owner_id) REFERENCES owners (id)) DEFAULT CHARSET=utf8mb4"
            .to_string(),
        "INSERT INTO events (owner_id, status, body) SELECT 1 + MOD(seq, 50), \
         ELT(1 + MOD(seq, 3), 'new', 'done', 'failed'), REPEAT('b', 200 + MOD(seq, 300)) FROM seq_1_to_12000"
            .to_string(),
        "CREATE TRIGGER events_status BEFORE INSERT ON events FOR EACH ROW \
         BEGIN IF NEW.status = '' THEN SET NEW.status = 'new'; END IF; END"
            .to_string(),
        "CREATE PROCEDURE purge_events(IN keep int) BEGIN DELETE FROM events WHERE id < keep; END"
            .to_string(),
    ] {
        common::production::exec(&mut conn, &sql).await;
    }
    for (name, rows) in [("big_a", 10_000), ("big_b", 8_000), ("big_c", 6_000)] {
        common::production::exec(&mut conn, &format!(
            "CREATE TABLE {name} (id int NOT NULL PRIMARY KEY, v varchar(100) NOT NULL, n int NOT NULL)"
        ))
        .await;
        common::production::exec(
            &mut conn,
            &format!(
            "INSERT INTO {name} SELECT seq, REPEAT('v', MOD(seq, 90)), seq * 7 FROM seq_1_to_{rows}"
        ),
        )
        .await;
    }
    for (i, name) in SMALL.iter().enumerate() {
        common::production::exec(
            &mut conn,
            &format!("CREATE TABLE {name} (id int NOT NULL PRIMARY KEY, v varchar(20))"),
        )
        .await;
        common::production::exec(
            &mut conn,
            &format!(
                "INSERT INTO {name} SELECT seq, 'x' FROM seq_1_to_{}",
                10 * (i + 1)
            ),
        )
        .await;
    }
    for sql in [
        "ANALYZE TABLE owners, events, big_a, big_b, big_c, s1, s2, s3, s4, s5, s6, s7".to_string(),
        format!("CREATE USER reader@'%' IDENTIFIED BY '{READER_PASSWORD}'"),
        "GRANT SELECT, SHOW VIEW ON prod.* TO reader@'%'".to_string(),
        "GRANT PROCESS ON *.* TO reader@'%'".to_string(),
        // The DBA's dump of the schema: triggers and routines need more than SELECT.
        "CREATE USER dumper@'%' IDENTIFIED BY 'dump-pw'".to_string(),
        "GRANT SELECT, SHOW VIEW, TRIGGER, LOCK TABLES ON prod.* TO dumper@'%'".to_string(),
        "GRANT SELECT ON mysql.proc TO dumper@'%'".to_string(),
    ] {
        common::production::exec(&mut conn, &sql).await;
    }
    production
}

fn load(path: &Path) -> Profile {
    let text = std::fs::read_to_string(path).expect("the profile file");
    serde_json::from_str(&text).expect("a whole profile")
}

fn names(tables: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    tables.into_iter().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn report(output: &std::process::Output) -> Value {
    assert!(
        output.status.success(),
        "ddl-eta failed: {}",
        stderr(output)
    );
    serde_json::from_str(&stdout(output)).expect("JSON on stdout")
}

fn report_tables(report: &Value) -> BTreeSet<String> {
    report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

fn warning_codes(report: &Value) -> Vec<String> {
    report["warning_codes"]
        .as_array()
        .expect("warning_codes")
        .iter()
        .map(|w| w["code"].as_str().expect("code").to_string())
        .collect()
}

/// The whole database without --table: the tables over the threshold and the parent,
/// stopped by the time limit with a usable file, resumed, refreshed; an estimate from the
/// file seeds only the migrated table and its parent, and says the profile's age; a
/// `mariadb-dump --no-data --routines --triggers` of it works as --schema with --rows for
/// the migrated table only.
#[tokio::test]
async fn a_whole_database_is_profiled_once_and_estimates_take_only_what_they_need() {
    let production = production().await;
    let scratch = Scratch::new("whole_database");
    let url = production.url("reader", READER_PASSWORD);
    let file = scratch.dir.join("prod.profile.json");
    let profile = |extra: &[&str]| {
        let mut args = vec![
            "profile",
            "--source",
            &url,
            "--min-rows",
            "5000",
            "--min-bytes",
            "1G",
            "--sample-rows",
            "2000",
            "--output",
            file.to_str().expect("path"),
        ];
        args.extend(extra);
        let output = scratch.run(&args);
        assert!(
            output.status.success(),
            "profile failed: {}",
            stderr(&output)
        );
        assert!(stdout(&output).is_empty(), "--output leaves stdout empty");
        stderr(&output)
    };

    // A time limit that passes at once: one table (the largest) and its parent, then a
    // clear line; the file holds them and lists the rest for the next run.
    let said = profile(&["--profile-timeout", "1ms"]);
    assert!(said.contains("stopped at the time limit"), "{said}");
    assert!(said.contains("run the same command again"), "{said}");
    let stopped = load(&file);
    assert_eq!(
        names(stopped.tables.iter().map(|t| t.name.clone())),
        set(&["events", "owners"])
    );
    let reason = |p: &Profile, why: &str| {
        names(
            p.skipped
                .iter()
                .filter(|s| s.reason == why)
                .map(|s| s.name.clone()),
        )
    };
    assert_eq!(
        reason(&stopped, "time_limit"),
        set(&["big_a", "big_b", "big_c"])
    );
    assert_eq!(reason(&stopped, "below_threshold"), set(&SMALL));
    let first_read = stopped.table("events").expect("events").profiled_at;

    // Resumed: the two tables kept, the three left read; nothing else.
    let said = profile(&[]);
    assert!(said.contains("2 kept from the file"), "{said}");
    assert!(said.contains("table 1/3"), "{said}");
    let resumed = load(&file);
    let mut expected: Vec<&str> = OVER.to_vec();
    expected.push("owners");
    assert_eq!(
        names(resumed.tables.iter().map(|t| t.name.clone())),
        set(&expected)
    );
    assert_eq!(
        resumed.table("events").expect("events").profiled_at,
        first_read
    );
    assert!(reason(&resumed, "time_limit").is_empty());
    assert_eq!(reason(&resumed, "below_threshold"), set(&SMALL));
    for table in &resumed.tables {
        assert!(
            table.sample.is_some(),
            "{} has column statistics",
            table.name
        );
    }
    // Older than --refresh-after: read again.
    let said = profile(&["--refresh-after", "0s"]);
    assert!(!said.contains("kept from the file"), "{said}");
    assert_eq!(load(&file).tables.len(), 5);

    // An estimate from the file, made to look 40 days old: only events and its parent
    // are created and seeded, and the report says where and when the profile was taken.
    let mut old = load(&file);
    let forty_days = 40 * 86_400;
    for table in &mut old.tables {
        table.profiled_at = table.profiled_at.map(|at| at - forty_days);
    }
    if let Some(source) = old.source.as_mut() {
        source.profiled_at -= forty_days;
    }
    let old_file = scratch.file(
        "old.profile.json",
        &serde_json::to_string(&old).expect("saves"),
    );
    let migration = scratch.file("m.sql", "ALTER TABLE events ADD INDEX st (status);\n");
    let mut args = vec!["estimate", "--profile", old_file.to_str().expect("path")];
    args.extend(QUICK);
    args.push(migration.to_str().expect("path"));
    let estimate = report(&scratch.run(&args));
    assert_eq!(report_tables(&estimate), set(&["events", "owners"]));
    assert!(warning_codes(&estimate).contains(&"old_profile".to_string()));
    assert_eq!(estimate["input"], "profile");
    assert!(estimate["source"]["url"]
        .as_str()
        .expect("url")
        .contains("127.0.0.1"));
    let saved = scratch.file("report.json", &estimate.to_string());
    let text = stdout(&scratch.run(&["report", saved.to_str().expect("path"), "--format", "text"]));
    assert!(
        text.contains("Profile: database prod on mysql://reader:"),
        "{text}"
    );
    assert!(text.contains("from a saved profile"), "{text}");
    assert!(!text.contains(READER_PASSWORD));

    // The same in-process, looking into the sandbox: base tables for events and owners only.
    assert_eq!(
        sandbox_tables(&old, &migration).await,
        set(&["events", "owners"])
    );

    // A whole dump as --schema: --rows for the migrated table only; its parent is
    // created and given a tenth of its rows, and said so; the bytes make it schema_bytes.
    let dump = mariadb_dump(&production, &scratch);
    let mut args = vec![
        "estimate",
        "--schema",
        dump.to_str().expect("path"),
        "--rows",
        "events=12000",
        "--avg-row-length",
        "events=400",
    ];
    args.extend(QUICK);
    args.push(migration.to_str().expect("path"));
    let schema = report(&scratch.run(&args));
    assert_eq!(report_tables(&schema), set(&["events", "owners"]));
    let owners = schema["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .find(|t| t["name"] == "owners")
        .expect("owners");
    assert_eq!(owners["target_rows"], 1200);
    assert_eq!(owners["input"], "schema_rows");
    assert_eq!(schema["input"], "schema_bytes");
    assert!(warning_codes(&schema).contains(&"parent_rows_assumed".to_string()));
    scratch.assert_nothing_left();
}

/// The tables a ladder creates from `profile` narrowed as `estimate` narrows it, read
/// from the sandbox itself: the base tables that hold the seeded rows, by their table.
async fn sandbox_tables(profile: &Profile, migration: &Path) -> BTreeSet<String> {
    use ddl_eta::experiment::{self, LadderOptions};
    let migration = ddl_eta::migration::parse_files(&[migration.to_path_buf()]).expect("parses");
    let mut profile = profile.clone();
    profile
        .narrow(&ddl_eta::source::tables_of(&migration))
        .expect("narrows");
    let sandbox = local_sandbox(128 << 20).await;
    let ladder = LadderOptions {
        scales: 2,
        repeats: 1,
        ratio: 2.0,
        max_rows: Some(1000),
        budget: std::time::Duration::from_secs(30),
        probe: None,
        validate: false,
        buffer_pool_ratio: None,
        production_buffer_pool: None,
        cold_cache: false,
        online: ddl_eta::online_route::RouteOptions {
            measure: ddl_eta::online_route::MeasureRoute::None,
            ..Default::default()
        },
    };
    let progress = ddl_eta::progress::Progress::new(true);
    let measured = experiment::run(
        &sandbox,
        &profile,
        &migration,
        &ladder,
        &progress,
        std::time::Instant::now(),
    )
    .await;
    let mut conn = sandbox.connect().await.expect("connect");
    let rows = sqlx::raw_sql(
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
    )
    .fetch_all(&mut conn)
    .await
    .expect("list the sandbox's tables");
    drop(conn);
    sandbox.close().await;
    measured.expect("the ladder ran");
    let all: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String, _>(0).expect("name"))
        .collect();
    let bases = all
        .iter()
        .filter(|n| n.starts_with("_ddl_eta_base_"))
        .count();
    let created: BTreeSet<String> = all
        .into_iter()
        .filter(|n| !n.starts_with("_ddl_eta_base_"))
        .collect();
    assert_eq!(
        bases,
        created.len(),
        "one base table per created table: {created:?}"
    );
    created
}

/// `mariadb-dump --no-data --routines --triggers` of the scratch production: its trigger
/// and procedure come in DELIMITER blocks, which the schema reader skips with a note.
fn mariadb_dump(production: &Production, scratch: &Scratch) -> std::path::PathBuf {
    let port = production.server.port().expect("TCP").to_string();
    let output = std::process::Command::new("mariadb-dump")
        .args([
            "--no-data",
            "--routines",
            "--triggers",
            "--protocol=tcp",
            "--host=127.0.0.1",
            "--port",
            &port,
            "--user=dumper",
            "prod",
        ])
        .env("MYSQL_PWD", "dump-pw")
        .output()
        .expect("run mariadb-dump (scripts/setup installs it with the server)");
    assert!(
        output.status.success(),
        "mariadb-dump failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    scratch.file("dump.sql", &String::from_utf8_lossy(&output.stdout))
}

async fn exec(conn: &mut MySqlConnection, sql: &str) {
    sqlx::raw_sql(sql)
        .execute(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn number(conn: &mut MySqlConnection, sql: &str) -> f64 {
    let row = sqlx::raw_sql(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.try_get::<f64, _>(0).expect("a number")
}

/// Schema mode with bytes: rows seeded for a given average row length come out that wide
/// as InnoDB counts it (DATA_LENGTH over rows), within 10%, narrow and wide.
#[tokio::test]
async fn rows_are_seeded_as_wide_as_the_given_average_row_length() {
    const ROWS: u64 = 40_000;
    let create = std::fs::read_to_string(common::examples().join("courseware_studentmodule.sql"))
        .expect("schema");
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    for (i, length) in [160u64, 480, 1500].into_iter().enumerate() {
        let name = format!("csm_{i}");
        exec(
            &mut conn,
            &create.replace("`courseware_studentmodule`", &format!("`{name}`")),
        )
        .await;
        let mut table = TableProfile::bare(name.clone(), String::new());
        table.rows = 50_000_000;
        table.avg_row_length = Some(length);
        let shape = seed::read_shape(&mut conn, &name)
            .await
            .expect("shape")
            .with_width(&table);
        let targets = HashMap::from([(name.clone(), table.rows)]);
        let counters = HashMap::new();
        let context = SeedContext {
            targets: &targets,
            counter_columns: &counters,
        };
        let sql =
            seed::insert_batch_sql(&sandbox.server, &name, &shape, &context, 1, ROWS).expect("sql");
        exec(&mut conn, &sql).await;
        exec(&mut conn, &format!("ANALYZE TABLE `{name}`")).await;
        // Leaf pages per row: what DATA_LENGTH over rows comes to on a large table. On
        // 40k rows DATA_LENGTH itself still counts the free pages of reserved extents.
        let measured = number(
            &mut conn,
            &format!(
                "SELECT CAST(stat_value AS DOUBLE) * @@innodb_page_size / {ROWS} \
                 FROM mysql.innodb_index_stats WHERE database_name = DATABASE() \
                 AND table_name = '{name}' AND index_name = 'PRIMARY' AND stat_name = 'n_leaf_pages'"
            ),
        )
        .await;
        let error = (measured - length as f64).abs() / length as f64;
        assert!(
            error < 0.10,
            "given an average row length of {length}, the seeded rows take {measured:.0} bytes"
        );
        eprintln!("average row length {length}: seeded {measured:.0} bytes");
    }
    sandbox.close().await;
}
