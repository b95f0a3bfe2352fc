//! Issue 20: a whole database profiled once (threshold, time limit, resume), estimates
//! that seed only the tables a migration touches and their foreign-key parents, the
//! profile's age, and schema mode that seeds rows as wide as production's bytes say.

mod common;
use common::local_sandbox;
use ddl_eta::profile::TableProfile;
use ddl_eta::seed::{self, SeedContext};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::HashMap;

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
