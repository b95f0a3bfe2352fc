//! Warming a table on a real sandbox: after the buffer pool is emptied, `buffer_pool::warm`
//! brings back every row of the clustered index, over two connections when the key is an
//! integer and over one otherwise.

mod common;
use common::local_sandbox;
use ddl_eta::sandbox::buffer_pool;
use sqlx::mysql::MySqlConnection;
use sqlx::Row;

/// Records of `table`'s clustered index whose pages are in the buffer pool now (its leaf
/// rows, and the node pointers of the pages above them).
async fn rows_in_pool(conn: &mut MySqlConnection, table: &str) -> i64 {
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(NUMBER_RECORDS), 0) AS SIGNED) \
         FROM information_schema.INNODB_BUFFER_PAGE \
         WHERE TABLE_NAME = CONCAT('`', DATABASE(), '`.`{table}`') \
           AND INDEX_NAME = 'PRIMARY' AND PAGE_TYPE = 'INDEX'"
    );
    let row = sqlx::raw_sql(&sql)
        .fetch_one(conn)
        .await
        .expect("pool pages");
    row.try_get(0).expect("count")
}

async fn table_of(conn: &mut MySqlConnection, name: &str, key: &str, rows: u64) {
    let sql = format!(
        "CREATE TABLE {name} ({key}, pad varchar(200) NOT NULL, PRIMARY KEY (k)) ENGINE=InnoDB; \
         INSERT INTO {name} SELECT seq * 7, REPEAT('x', 150) FROM seq_1_to_{rows};"
    );
    sqlx::raw_sql(&sql).execute(conn).await.expect("table");
}

#[tokio::test]
async fn warming_reads_every_row_of_the_clustered_index_back() {
    let sandbox = local_sandbox(64 << 20).await;
    let mut first = sandbox.connect().await.expect("first connection");
    let mut second = sandbox.connect().await.expect("second connection");
    let rows = 60_000;
    table_of(&mut first, "by_integer", "k bigint unsigned NOT NULL", rows).await;
    table_of(&mut first, "by_text", "k varchar(20) NOT NULL", rows).await;
    for (table, key) in [("by_integer", Some("k")), ("by_text", None)] {
        buffer_pool::empty(&mut first)
            .await
            .expect("empty the pool");
        let cold = rows_in_pool(&mut first, table).await;
        assert!(
            cold < rows as i64 / 2,
            "{table}: {cold} rows in the pool when cold"
        );
        buffer_pool::warm(&mut first, Some(&mut second), table, key)
            .await
            .expect("warm");
        let warm = rows_in_pool(&mut first, table).await;
        assert!(
            warm >= rows as i64,
            "{table}: {warm} of {rows} rows in the pool once warmed"
        );
    }
    sandbox.close().await;
}
