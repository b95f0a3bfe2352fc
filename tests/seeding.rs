//! The seeder against a real server: keys that must be unique are, every column type the
//! server accepts gets values, and nullable columns get NULLs.

mod common;
use common::require_server_binary;
use ddl_eta::sandbox::{Sandbox, SandboxOptions, SandboxSpec};
use ddl_eta::seed::{self, SeedContext};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::HashMap;

async fn sandbox() -> Sandbox {
    require_server_binary();
    Sandbox::start(&SandboxOptions {
        spec: SandboxSpec::Local,
        buffer_pool_bytes: 256 << 20,
        extra_server_args: Vec::new(),
    })
    .await
    .expect("start a local sandbox")
}

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
    let sandbox = sandbox().await;
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
    let sandbox = sandbox().await;
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
