//! The sandbox's InnoDB buffer pool: resized at every scale to keep production's memory
//! regime (whether an index build sorts in memory or spills), or emptied so a statement
//! starts with a cold cache.

use crate::quote::ident;
use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::time::{Duration, Instant};

/// The smallest buffer pool the experiment sets, and the pool's resize granularity (the
/// local sandbox starts with 2 MiB chunks).
pub const MIN_POOL_BYTES: u64 = 8 << 20;
pub const POOL_CHUNK_BYTES: u64 = 2 << 20;

/// The pool for production's `ratio` of `table_bytes`, in whole chunks and at least the
/// smallest pool; true when the ratio asked for less than that smallest pool.
pub fn size_for(ratio: f64, table_bytes: u64) -> (u64, bool) {
    let wanted = (ratio * table_bytes as f64) as u64;
    let size = wanted.max(MIN_POOL_BYTES).div_ceil(POOL_CHUNK_BYTES) * POOL_CHUNK_BYTES;
    (size, wanted < MIN_POOL_BYTES)
}

/// The buffer pool's size now.
pub async fn current(conn: &mut MySqlConnection) -> Result<u64> {
    let row = sqlx::raw_sql("SELECT CAST(@@innodb_buffer_pool_size AS UNSIGNED)")
        .fetch_one(&mut *conn)
        .await
        .context("reading the buffer pool's size")?;
    Ok(row.try_get(0)?)
}

/// Evict the tables from the buffer pool: shrink it to the smallest size and back.
/// The OS page cache still holds the files, so "cold" means a buffer pool miss that
/// reads from memory, not from disk.
pub async fn empty(conn: &mut MySqlConnection) -> Result<()> {
    let size = current(conn).await?;
    resize(conn, MIN_POOL_BYTES).await?;
    resize(conn, size).await
}

/// Set the buffer pool and wait until the server has really resized it.
pub async fn resize(conn: &mut MySqlConnection, bytes: u64) -> Result<()> {
    sqlx::raw_sql(&format!("SET GLOBAL innodb_buffer_pool_size = {bytes}"))
        .execute(&mut *conn)
        .await
        .context("resizing the sandbox's buffer pool")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let row = sqlx::raw_sql(
            "SELECT CAST(@@innodb_buffer_pool_size AS UNSIGNED), \
             CAST(COALESCE((SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS \
                  WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_RESIZE_STATUS'), '') AS CHAR)",
        )
        .fetch_one(&mut *conn)
        .await?;
        let size: u64 = row.try_get(0)?;
        let status: String = row.try_get(1)?;
        if size == bytes && (status.is_empty() || status.contains("ompleted")) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the sandbox's buffer pool did not resize to {bytes} bytes within 30 s")
}

/// Read a table's clustered index into the buffer pool, as a table in use has it. The read
/// costs CPU per row more than it moves bytes, so where the primary key starts with an
/// integer column and a `second` connection is at hand, each connection reads half of the
/// key's range at once: the sandbox has its cores to itself between statements.
pub async fn warm(
    first: &mut MySqlConnection,
    second: Option<&mut MySqlConnection>,
    table: &str,
    integer_key: Option<&str>,
) -> Result<()> {
    let context = || format!("reading {table} into the buffer pool");
    let halves = match (second, integer_key) {
        (Some(second), Some(key)) => key_midpoint(first, table, key)
            .await
            .with_context(context)?
            .map(|mid| (second, key, mid)),
        _ => None,
    };
    let Some((second, key, mid)) = halves else {
        // USE INDEX (): no secondary index, so the scan reads the clustered one.
        let sql = format!("SELECT COUNT(*) FROM {} USE INDEX ()", ident(table));
        sqlx::raw_sql(&sql)
            .fetch_all(first)
            .await
            .with_context(context)?;
        return Ok(());
    };
    let (table, key) = (ident(table), ident(key));
    let low = format!("SELECT COUNT(*) FROM {table} FORCE INDEX (PRIMARY) WHERE {key} <= {mid}");
    let high = format!("SELECT COUNT(*) FROM {table} FORCE INDEX (PRIMARY) WHERE {key} > {mid}");
    let (a, b) = tokio::join!(
        sqlx::raw_sql(&low).fetch_all(first),
        sqlx::raw_sql(&high).fetch_all(second)
    );
    a.with_context(context)?;
    b.with_context(context)?;
    Ok(())
}

/// The middle of an integer key's range, None for an empty table.
async fn key_midpoint(conn: &mut MySqlConnection, table: &str, key: &str) -> Result<Option<i128>> {
    // As text, BIGINT UNSIGNED stays whole; MIN and MAX read one end of the index each.
    let (table, key) = (ident(table), ident(key));
    let sql = format!("SELECT CAST(MIN({key}) AS CHAR), CAST(MAX({key}) AS CHAR) FROM {table}");
    let row = sqlx::raw_sql(&sql).fetch_one(&mut *conn).await?;
    let ends: (Option<String>, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
    let (Some(min), Some(max)) = ends else {
        return Ok(None);
    };
    let (min, max): (i128, i128) = (min.parse()?, max.parse()?);
    Ok(Some(min + (max - min) / 2))
}
