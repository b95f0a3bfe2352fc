//! The seeder against a real server: keys that must be unique are, every column type the
//! server accepts gets values, and nullable columns get NULLs.

mod common;
use common::local_sandbox;
use ddl_eta::sandbox::Sandbox;
use ddl_eta::seed::{self, SeedContext};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::HashMap;

async fn seed(sandbox: &Sandbox, conn: &mut MySqlConnection, table: &str, rows: u64) {
    let shape = seed::read_shape(conn, table).await.expect("shape");
    let mut counts = HashMap::new();
    counts.insert(table.to_string(), rows);
    let counters = HashMap::new();
    let context = SeedContext {
        targets: &counts,
        counter_columns: &counters,
    };
    let mut from = 1;
    while from <= rows {
        let to = (from + 49_999).min(rows);
        let sql = seed::insert_batch_sql(&sandbox.server, table, &shape, &context, from, to)
            .expect("insert sql");
        sqlx::raw_sql(&sql)
            .execute(&mut *conn)
            .await
            .expect("seed batch");
        from = to + 1;
    }
}

async fn single_number(conn: &mut MySqlConnection, sql: &str) -> f64 {
    let row = sqlx::raw_sql(sql).fetch_one(&mut *conn).await.expect(sql);
    let value: Option<f64> = row.try_get(0).expect("a DOUBLE: CAST the expression");
    value.unwrap_or(f64::NAN)
}

#[tokio::test]
async fn unique_keys_survive_seeding_at_100k_rows() {
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    let schema = std::fs::read_to_string(common::example("courseware_studentmodule.sql"))
        .expect("example schema");
    sqlx::raw_sql(&schema)
        .execute(&mut conn)
        .await
        .expect("create");
    seed(&sandbox, &mut conn, "courseware_studentmodule", 100_000).await;

    let total = single_number(
        &mut conn,
        "SELECT CAST(COUNT(*) AS DOUBLE) FROM courseware_studentmodule",
    )
    .await;
    assert_eq!(total, 100_000.0);
    // unique_checks=0 lets InnoDB skip checks, so count what is really there.
    let distinct = single_number(
        &mut conn,
        "SELECT CAST(COUNT(DISTINCT student_id, module_id, course_id) AS DOUBLE) FROM courseware_studentmodule",
    )
    .await;
    assert_eq!(distinct, 100_000.0, "the unique key has duplicates");
    let ids = single_number(
        &mut conn,
        "SELECT CAST(COUNT(DISTINCT id) AS DOUBLE) FROM courseware_studentmodule",
    )
    .await;
    assert_eq!(ids, 100_000.0);
    // About one row in ten is NULL in a nullable column.
    let nulls = single_number(
        &mut conn,
        "SELECT CAST(AVG(grade IS NULL) AS DOUBLE) FROM courseware_studentmodule",
    )
    .await;
    assert!((0.05..0.15).contains(&nulls), "null fraction {nulls}");
    // Long text is long, and varchar values are not all the same length.
    let state = single_number(
        &mut conn,
        "SELECT CAST(AVG(LENGTH(state)) AS DOUBLE) FROM courseware_studentmodule",
    )
    .await;
    assert!(state > 100.0, "mean state length {state}");
    let lengths = single_number(
        &mut conn,
        "SELECT CAST(COUNT(DISTINCT LENGTH(course_id)) AS DOUBLE) FROM courseware_studentmodule",
    )
    .await;
    assert!(lengths > 10.0, "course_id lengths {lengths}");
    sandbox.close().await;
}

#[tokio::test]
async fn every_column_type_gets_values_and_unique_keys_hold() {
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    let create = "CREATE TABLE every_type (
        id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
        t tinyint NOT NULL, flag tinyint(1) NULL, s smallint NOT NULL, m mediumint unsigned NOT NULL,
        b bigint NULL, d decimal(10,2) NOT NULL, dz decimal(5,0) NULL, f float NULL, dbl double NOT NULL,
        bits bit(5) NOT NULL, dt date NOT NULL, dtm datetime(6) NOT NULL, ts timestamp NULL,
        tm time NOT NULL, y year NOT NULL, c char(10) NOT NULL, vc varchar(100) NULL,
        bn binary(16) NOT NULL, vb varbinary(50) NOT NULL, tt tinytext NULL, tx text NOT NULL,
        mt mediumtext NULL, lt longtext NULL, tb tinyblob NULL, bl blob NULL, mb mediumblob NULL,
        lb longblob NULL, e enum('a','b','it''s') NOT NULL, st set('x','y','z') NOT NULL,
        j json NULL, u uuid NOT NULL, ip inet6 NULL, p point NULL,
        g int GENERATED ALWAYS AS (s + 1) VIRTUAL,
        code varchar(12) NOT NULL, when_at datetime NOT NULL, big bigint NOT NULL,
        UNIQUE KEY (code), UNIQUE KEY (when_at), UNIQUE KEY (big, t), UNIQUE KEY (u)
    ) DEFAULT CHARSET=utf8mb4";
    sqlx::raw_sql(create)
        .execute(&mut conn)
        .await
        .expect("create");
    seed(&sandbox, &mut conn, "every_type", 3_000).await;
    let total = single_number(&mut conn, "SELECT CAST(COUNT(*) AS DOUBLE) FROM every_type").await;
    assert_eq!(total, 3_000.0);
    for key in ["code", "when_at", "big, t", "u"] {
        let distinct = single_number(
            &mut conn,
            &format!("SELECT CAST(COUNT(DISTINCT {key}) AS DOUBLE) FROM every_type"),
        )
        .await;
        assert_eq!(distinct, 3_000.0, "duplicates in unique key ({key})");
    }
    let enum_values = single_number(
        &mut conn,
        "SELECT CAST(COUNT(DISTINCT e) AS DOUBLE) FROM every_type",
    )
    .await;
    assert_eq!(enum_values, 3.0);
    sandbox.close().await;
}

/// On MariaDB a matched column computes its value index and length once per row, into
/// session variables; that relies on the server evaluating arguments in text order. The
/// values must be exactly those of the expressions written out in full (as on MySQL),
/// and stay in the profile's ranges, lengths beyond the filler's 4096 bytes included.
#[tokio::test]
async fn matched_values_computed_once_per_row_equal_the_written_out_ones() {
    use ddl_eta::profile::{ColumnProfile, LengthStats};
    use ddl_eta::seed::ColumnStats;

    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    let create = "CREATE TABLE m (id int NOT NULL PRIMARY KEY, kind varchar(16) NOT NULL,
        body mediumtext NULL, score double NULL, n int NOT NULL, at datetime NOT NULL,
        day date NULL, e enum('a','b','c') NOT NULL) DEFAULT CHARSET=utf8mb4";
    sqlx::raw_sql(&format!("{create}; CREATE TABLE w LIKE m"))
        .execute(&mut conn)
        .await
        .expect("create");
    let mut shape = seed::read_shape(&mut conn, "m").await.expect("shape");
    let lengths = |p50: f64, max: f64| LengthStats {
        mean: p50,
        min: 1.0,
        p10: p50 / 4.0,
        p25: p50 / 2.0,
        p50,
        p75: p50 * 2.0,
        p90: p50 * 3.0,
        p99: p50 * 4.0,
        max,
    };
    let profiled = [
        ("kind", 6.0, 0.0, 0.5, Some(lengths(8.0, 16.0)), None),
        ("body", 5e5, 0.3, 0.001, Some(lengths(900.0, 9000.0)), None),
        (
            "score",
            200.0,
            0.2,
            0.1,
            None,
            Some((0.0.into(), 5.0.into())),
        ),
        (
            "n",
            5e4,
            0.0,
            0.01,
            None,
            Some((10.into(), 1_000_000.into())),
        ),
        (
            "at",
            1e6,
            0.0,
            0.001,
            None,
            Some(("2015-01-01 00:00:00".into(), "2020-06-30 12:00:00".into())),
        ),
        (
            "day",
            900.0,
            0.1,
            0.01,
            None,
            Some(("2019-01-01".into(), "2021-12-31".into())),
        ),
        ("e", 3.0, 0.0, 0.6, None, None),
    ];
    for (name, distinct, nulls, top1, length, range) in profiled {
        let (min, max) = range.unzip();
        let column = ColumnProfile {
            name: name.to_string(),
            data_type: String::new(),
            nullable: nulls > 0.0,
            null_fraction: nulls,
            distinct,
            sample_distinct: (distinct as u64).min(20_000),
            top1_share: top1,
            top10_share: (top1 * 5.0).min(1.0),
            length,
            min,
            max,
        };
        let stats = ColumnStats {
            column,
            table_rows: 1_000_000,
            sample_rows: 20_000,
        };
        shape.stats.insert(name.to_string(), stats);
    }
    let targets = HashMap::from([("m".to_string(), 1_000_000u64)]);
    let counters = HashMap::new();
    let context = SeedContext {
        targets: &targets,
        counter_columns: &counters,
    };
    let rows = 20_000;
    let shared =
        seed::insert_batch_sql(&sandbox.server, "m", &shape, &context, 1, rows).expect("sql");
    assert!(
        shared.contains(":= "),
        "MariaDB shares subexpressions: {shared}"
    );
    let mut names = Vec::new();
    let mut written_out = Vec::new();
    for (salt, column) in shape.insertable_columns().enumerate() {
        names.push(column.name.clone());
        written_out.push(seed::column_expression(&shape, column, salt, &context).expect("expr"));
    }
    let inline = format!(
        "INSERT INTO w ({}) SELECT {} FROM seq_1_to_{rows}",
        names.join(", "),
        written_out.join(", ")
    );
    for sql in [&shared, &inline] {
        sqlx::raw_sql(sql).execute(&mut conn).await.expect("seed");
    }
    let differ = names
        .iter()
        .map(|c| format!("NOT (m.{c} <=> w.{c})"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let number = |sql: &str| format!("SELECT CAST(({sql}) AS DOUBLE)");
    let mismatches = single_number(
        &mut conn,
        &number(&format!(
            "SELECT COUNT(*) FROM m JOIN w USING (id) WHERE {differ}"
        )),
    )
    .await;
    assert_eq!(mismatches, 0.0, "shared and written-out values differ");
    let checks = [
        ("SELECT COUNT(*) FROM m", rows as f64, 0.0),
        ("SELECT COUNT(DISTINCT kind) FROM m", 6.0, 0.0),
        ("SELECT COUNT(DISTINCT e) FROM m", 3.0, 0.0),
        ("SELECT MAX(LENGTH(kind)) <= 16 FROM m", 1.0, 0.0),
        // The top 1% of bodies reach past the filler's 4096 bytes, to 9000.
        (
            "SELECT MAX(LENGTH(body)) > 4096 AND MAX(LENGTH(body)) <= 9000 FROM m",
            1.0,
            0.0,
        ),
        ("SELECT AVG(body IS NULL) FROM m", 0.3, 0.03),
        ("SELECT AVG(score IS NULL) FROM m", 0.2, 0.03),
        (
            "SELECT MIN(score) >= 0 AND MAX(score) <= 5 FROM m",
            1.0,
            0.0,
        ),
        ("SELECT MIN(n) >= 10 AND MAX(n) <= 1000000 FROM m", 1.0, 0.0),
        (
            "SELECT MIN(at) >= '2015-01-01' AND MAX(at) <= '2020-06-30 12:00:00' FROM m",
            1.0,
            0.0,
        ),
        (
            "SELECT MIN(day) >= '2019-01-01' AND MAX(day) <= '2021-12-31' FROM m",
            1.0,
            0.0,
        ),
        // Distinct datetimes are not capped by the precision of the value's fraction.
        ("SELECT COUNT(DISTINCT at) > 15000 FROM m", 1.0, 0.0),
    ];
    for (sql, want, tolerance) in checks {
        let got = single_number(&mut conn, &number(sql)).await;
        assert!((got - want).abs() <= tolerance, "{sql}: {got}");
    }
    sandbox.close().await;
}

/// Seed `tables` as the lab does: parents first, `rows` each, in batches of `batch`, the
/// first batch into an empty table. Returns the shapes, in the order given.
async fn seed_like_the_lab(
    sandbox: &Sandbox,
    conn: &mut MySqlConnection,
    tables: &[&str],
    rows: u64,
    batch: u64,
) -> Vec<seed::TableShape> {
    let mut shapes = Vec::new();
    for table in tables {
        shapes.push(seed::read_shape(conn, table).await.expect("shape"));
    }
    let targets: HashMap<String, u64> = shapes.iter().map(|s| (s.name.clone(), rows)).collect();
    let counters: HashMap<String, String> = shapes
        .iter()
        .filter_map(|s| Some((s.name.clone(), s.counter_column()?.to_string())))
        .collect();
    let context = SeedContext {
        targets: &targets,
        counter_columns: &counters,
    };
    for i in seed::seeding_order(&shapes) {
        let mut from = 1;
        while from <= rows {
            let to = (from + batch - 1).min(rows);
            let sql =
                seed::insert_batch_sql(&sandbox.server, tables[i], &shapes[i], &context, from, to)
                    .expect("insert sql");
            sqlx::raw_sql(&sql)
                .execute(&mut *conn)
                .await
                .expect("the server takes the batch without an error");
            from = to + 1;
        }
    }
    shapes
}

/// A child whose composite primary key starts with its foreign key: the parent ids
/// repeat, so the other key column must not. Before, neither was injective, one (kitchen_id,
/// tag) pair came twice, and MariaDB's bulk load into the empty table undid the whole
/// first batch without an error: 3,000 rows for 5,000.
#[tokio::test]
async fn a_child_keyed_by_its_parent_gets_every_row_asked() {
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    let create = "CREATE TABLE kitchen (id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
            name varchar(40) NOT NULL) DEFAULT CHARSET=utf8mb4;
        CREATE TABLE tag_link (kitchen_id bigint unsigned NOT NULL, tag varchar(30) NOT NULL,
            weight int DEFAULT NULL, PRIMARY KEY (kitchen_id, tag),
            CONSTRAINT tag_kitchen FOREIGN KEY (kitchen_id) REFERENCES kitchen (id)
        ) DEFAULT CHARSET=utf8mb4";
    sqlx::raw_sql(create)
        .execute(&mut conn)
        .await
        .expect("create");
    let rows = 5_000;
    let shapes =
        seed_like_the_lab(&sandbox, &mut conn, &["tag_link", "kitchen"], rows, 2_000).await;
    for (table, shape) in ["tag_link", "kitchen"].iter().zip(&shapes) {
        seed::tables::check_seeded_rows(&mut conn, table, shape, rows)
            .await
            .expect("every row asked is there");
    }
    let count = |sql: &str| format!("SELECT CAST(({sql}) AS DOUBLE)");
    let total = single_number(&mut conn, &count("SELECT COUNT(*) FROM tag_link")).await;
    assert_eq!(total, rows as f64, "tag_link rows");
    let pairs = single_number(
        &mut conn,
        &count("SELECT COUNT(DISTINCT kitchen_id, tag) FROM tag_link"),
    )
    .await;
    assert_eq!(pairs, rows as f64, "the primary key repeats");
    // The foreign key still points at parents, many children to some of them.
    let orphans = single_number(
        &mut conn,
        &count(
            "SELECT COUNT(*) FROM tag_link LEFT JOIN kitchen ON kitchen.id = kitchen_id \
             WHERE kitchen.id IS NULL",
        ),
    )
    .await;
    assert_eq!(orphans, 0.0, "children without a parent");
    let parents = single_number(
        &mut conn,
        &count("SELECT COUNT(DISTINCT kitchen_id) FROM tag_link"),
    )
    .await;
    assert!(
        parents < 0.8 * rows as f64,
        "{parents} parents for {rows} children"
    );
    sandbox.close().await;
}

/// Rows that cannot all exist (a two-member ENUM as the whole key) are not timed as if
/// they did: the server drops the batch without an error, the count after seeding sees it.
#[tokio::test]
async fn a_shortfall_the_server_hides_is_an_error_naming_the_table() {
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    sqlx::raw_sql("CREATE TABLE two (k enum('a','b') NOT NULL PRIMARY KEY, v int NULL)")
        .execute(&mut conn)
        .await
        .expect("create");
    let shapes = seed_like_the_lab(&sandbox, &mut conn, &["two"], 1_000, 2_000).await;
    let error = seed::tables::check_seeded_rows(&mut conn, "two", &shapes[0], 1_000)
        .await
        .expect_err("1,000 rows cannot have a two-valued key");
    let message = format!("{error:#}");
    assert!(
        message.contains("seeding table two made") && message.contains("1000 were asked"),
        "{message}"
    );
    assert!(message.contains("unique key of (k)"), "{message}");
    sandbox.close().await;
}

/// The estimate stops with that error rather than timing an empty table.
#[test]
fn an_estimate_whose_rows_cannot_be_seeded_fails_naming_the_table() {
    common::require_server_binary();
    let scratch = common::Scratch::new("seed_shortfall");
    let output = quick_schema_estimate(
        &scratch,
        "CREATE TABLE two (k enum('a','b') NOT NULL PRIMARY KEY, v int NULL);",
        &["1000"],
        "ALTER TABLE two ADD COLUMN w int NULL;",
    );
    let stderr = common::stderr(&output);
    assert!(!output.status.success(), "the estimate went on: {stderr}");
    assert!(stderr.contains("seeding table two made"), "{stderr}");
    scratch.assert_nothing_left();
}

/// A copy into an empty working table that breaks a unique key is undone by the server,
/// which still says every row went in: the estimate must stop, naming the table, rather
/// than time a statement on no rows. A two-member ENUM under a secondary unique key does
/// it (the base table has no secondary keys, so seeding succeeds). A name with a space
/// cannot be cloned, so every run copies.
#[test]
fn a_copy_the_server_silently_undoes_is_an_error_naming_the_table() {
    common::require_server_binary();
    let scratch = common::Scratch::new("copy_undone");
    let output = quick_schema_estimate(
        &scratch,
        "CREATE TABLE `a b` (id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
           k enum('x','y') NOT NULL, UNIQUE KEY only_two (k));",
        &["3000"],
        "ALTER TABLE `a b` ADD COLUMN w int NULL;",
    );
    let stderr = common::stderr(&output);
    assert!(!output.status.success(), "the estimate went on: {stderr}");
    assert!(
        stderr.contains("copying the seeded rows of a b into a fresh table left it empty"),
        "{stderr}"
    );
    scratch.assert_nothing_left();
}

/// A Django many-to-many table: UNIQUE (a_id, b_id), both foreign keys. Its rows get
/// distinct pairs, so the estimate measures the statement on every row.
#[test]
fn a_many_to_many_table_is_estimated() {
    common::require_server_binary();
    let scratch = common::Scratch::new("many_to_many");
    let output = quick_schema_estimate(
        &scratch,
        MANY_TO_MANY,
        &["a=300", "b=400", "a b=20000"],
        "CREATE INDEX by_b ON `a b` (b_id);",
    );
    let stderr = common::stderr(&output);
    assert!(output.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("by_b"), "{stdout}");
    scratch.assert_nothing_left();
}

/// Tables seeded as the ladder seeds them: at each scale every table grows to that
/// fraction of its production rows, parents first, appending.
struct Scales {
    tables: Vec<(&'static str, u64)>,
    shapes: Vec<seed::TableShape>,
    seeded: Vec<u64>,
}

impl Scales {
    async fn new(conn: &mut MySqlConnection, tables: &[(&'static str, u64)]) -> Scales {
        let mut shapes = Vec::new();
        for (table, _) in tables {
            shapes.push(seed::read_shape(conn, table).await.expect("shape"));
        }
        Scales {
            tables: tables.to_vec(),
            shapes,
            seeded: vec![0; tables.len()],
        }
    }

    async fn grow(&mut self, sandbox: &Sandbox, conn: &mut MySqlConnection, fraction: f64) {
        let targets: HashMap<String, u64> = self
            .tables
            .iter()
            .map(|(t, r)| (t.to_string(), *r))
            .collect();
        let counters: HashMap<String, String> = self
            .shapes
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.counter_column()?.to_string())))
            .collect();
        let context = SeedContext {
            targets: &targets,
            counter_columns: &counters,
        };
        for i in seed::seeding_order(&self.shapes) {
            let (table, rows) = self.tables[i];
            let want = (rows as f64 * fraction).round() as u64;
            let sql = seed::insert_batch_sql(
                &sandbox.server,
                table,
                &self.shapes[i],
                &context,
                self.seeded[i] + 1,
                want,
            )
            .expect("insert sql");
            sqlx::raw_sql(&sql)
                .execute(&mut *conn)
                .await
                .expect("the server takes the batch");
            self.seeded[i] = want;
        }
    }
}

/// `sql`'s single number, as a double.
async fn counted(conn: &mut MySqlConnection, sql: &str) -> f64 {
    single_number(conn, &format!("SELECT CAST(({sql}) AS DOUBLE)")).await
}

/// The ladder's scales are prefixes of every table: at each, the link table's pairs are
/// distinct and point only at ids its parents have at that scale.
#[tokio::test]
async fn a_many_to_many_table_keeps_distinct_pairs_within_its_parents_at_every_scale() {
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    sqlx::raw_sql(MANY_TO_MANY)
        .execute(&mut conn)
        .await
        .expect("create");
    let mut scales = Scales::new(&mut conn, &[("a b", 20_000), ("a", 300), ("b", 400)]).await;
    for fraction in [0.25, 0.5, 1.0] {
        scales.grow(&sandbox, &mut conn, fraction).await;
        let rows = counted(&mut conn, "SELECT COUNT(*) FROM `a b`").await;
        assert_eq!(rows, scales.seeded[0] as f64, "at {fraction}: rows of a b");
        let pairs = counted(&mut conn, "SELECT COUNT(DISTINCT a_id, b_id) FROM `a b`").await;
        assert_eq!(pairs, rows, "at {fraction}: a pair repeats");
        let outside = format!(
            "SELECT COUNT(*) FROM `a b` WHERE a_id > {} OR b_id > {} OR a_id < 1 OR b_id < 1",
            scales.seeded[1], scales.seeded[2]
        );
        let outside = counted(&mut conn, &outside).await;
        assert_eq!(
            outside, 0.0,
            "at {fraction}: ids the parents do not have yet"
        );
    }
    sandbox.close().await;
}

/// UNIQUE (order_id, line) with a tinyint line and 5,000 rows: the line used to overflow
/// at 127 and every later row repeat a pair; now it numbers each order's lines.
#[tokio::test]
async fn a_child_numbered_within_its_parent_keeps_its_key_unique_at_every_scale() {
    let sandbox = local_sandbox(256 << 20).await;
    let mut conn = sandbox.connect_loader().await.expect("connect");
    let create = "CREATE TABLE orders (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, n int NULL);
        CREATE TABLE order_line (id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
          order_id int NOT NULL, line tinyint NOT NULL, UNIQUE KEY numbered (order_id, line),
          FOREIGN KEY (order_id) REFERENCES orders (id))";
    sqlx::raw_sql(create)
        .execute(&mut conn)
        .await
        .expect("create");
    let mut scales = Scales::new(&mut conn, &[("order_line", 5_000), ("orders", 100)]).await;
    for fraction in [0.2, 1.0] {
        scales.grow(&sandbox, &mut conn, fraction).await;
        let rows = counted(&mut conn, "SELECT COUNT(*) FROM order_line").await;
        assert_eq!(
            rows, scales.seeded[0] as f64,
            "at {fraction}: rows of order_line"
        );
        let pairs = "SELECT COUNT(DISTINCT order_id, line) FROM order_line";
        assert_eq!(
            counted(&mut conn, pairs).await,
            rows,
            "at {fraction}: a pair repeats"
        );
        let outside = format!(
            "SELECT COUNT(*) FROM order_line WHERE order_id > {} OR order_id < 1",
            scales.seeded[1]
        );
        let outside = counted(&mut conn, &outside).await;
        assert_eq!(outside, 0.0, "at {fraction}: orders not seeded yet");
    }
    sandbox.close().await;
}

const MANY_TO_MANY: &str =
    "CREATE TABLE a (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, n int NULL);
     CREATE TABLE b (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, n int NULL);
     CREATE TABLE `a b` (id int NOT NULL AUTO_INCREMENT PRIMARY KEY,
       a_id int NOT NULL, b_id int NOT NULL, UNIQUE KEY a_b (a_id, b_id),
       FOREIGN KEY (a_id) REFERENCES a (id), FOREIGN KEY (b_id) REFERENCES b (id));";

/// `ddl-eta estimate --schema` of `schema` with the `--rows` given, on `migration`, as a
/// quick ladder (`common::QUICK`).
fn quick_schema_estimate(
    scratch: &common::Scratch,
    schema: &str,
    rows: &[&str],
    migration: &str,
) -> std::process::Output {
    let schema = scratch.file("schema.sql", schema);
    let migration = scratch.file("m.sql", migration);
    let mut args = vec!["estimate", "--schema", schema.to_str().expect("utf-8 path")];
    for value in rows {
        args.extend(["--rows", value]);
    }
    args.push(migration.to_str().expect("utf-8 path"));
    args.extend(common::QUICK);
    scratch.run(&args)
}
