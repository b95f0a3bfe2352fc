//! The tables rows are loaded into and copied from: the schema as production has it, a
//! base table per table holding the seeded rows (no secondary indexes, so loading is
//! fast), and the working tables each run copies its rows into.

use super::TableShape;
use crate::profile::Profile;
use crate::quote::{ident, idents};
use crate::table::{stats, Database, TableStats};
use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;

/// Prefix of the tables that hold the seeded rows; the migration never sees them.
pub const BASE_PREFIX: &str = "_ddl_eta_base_";

pub fn base_name(table_index: usize) -> String {
    format!("{BASE_PREFIX}{table_index}")
}

/// Create every profile table, as production has it; foreign key checks are off on the
/// loader session, so the order of tables does not matter.
pub async fn create_schema(conn: &mut MySqlConnection, profile: &Profile) -> Result<()> {
    for table in &profile.tables {
        sqlx::raw_sql(&table.create_table)
            .execute(&mut *conn)
            .await
            .map_err(|e| {
                let message = e
                    .as_database_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string());
                anyhow::anyhow!("the sandbox rejects CREATE TABLE {}: {message}", table.name)
            })?;
    }
    Ok(())
}

/// A base table holds the seeded rows: the table's columns and primary key, without its
/// secondary indexes (they would only slow the loading; the copies have them).
pub async fn create_base_table(
    conn: &mut MySqlConnection,
    shape: &TableShape,
    base: &str,
) -> Result<()> {
    sqlx::raw_sql(&format!(
        "CREATE TABLE {} LIKE {}",
        ident(base),
        ident(&shape.name)
    ))
    .execute(&mut *conn)
    .await
    .with_context(|| format!("creating the base table for {}", shape.name))?;
    if !shape.secondary_indexes.is_empty() {
        let drops: Vec<String> = shape
            .secondary_indexes
            .iter()
            .map(|i| format!("DROP INDEX {}", ident(i)))
            .collect();
        sqlx::raw_sql(&format!("ALTER TABLE {} {}", ident(base), drops.join(", ")))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("preparing the base table for {}", shape.name))?;
    }
    Ok(())
}

/// The tables the migration works on, quoted: everything but the base tables.
pub async fn working_table_names(conn: &mut MySqlConnection) -> Result<Vec<String>> {
    Ok(working_tables(conn)
        .await?
        .iter()
        .map(|t| ident(&t.name))
        .collect())
}

/// The statistics of every table but the base tables.
async fn working_tables(conn: &mut MySqlConnection) -> Result<Vec<TableStats>> {
    let mut tables = stats(conn, Database::Current, None)
        .await
        .context("listing the sandbox's tables")?;
    tables.retain(|t| !t.name.starts_with(BASE_PREFIX));
    Ok(tables)
}

pub async fn drop_working_tables(conn: &mut MySqlConnection) -> Result<()> {
    let names = working_table_names(conn).await?;
    if names.is_empty() {
        return Ok(());
    }
    sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {}", names.join(", ")))
        .execute(&mut *conn)
        .await
        .context("dropping the last run's tables")?;
    Ok(())
}

/// Copy the first `rows` rows of a base table, in primary key order.
pub fn copy_sql(shape: &TableShape, base: &str, rows: u64) -> String {
    let columns: Vec<&str> = shape
        .insertable_columns()
        .map(|c| c.name.as_str())
        .collect();
    let columns = idents(&columns);
    let order = if shape.primary_key.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", idents(&shape.primary_key))
    };
    format!(
        "INSERT INTO {} ({columns}) SELECT {columns} FROM {}{order} LIMIT {rows}",
        ident(&shape.name),
        ident(base)
    )
}

/// Data and index bytes of the tables the migration runs on (not the base tables), with
/// fresh statistics: the copy has just filled them.
pub async fn working_table_bytes(conn: &mut MySqlConnection) -> Result<u64> {
    let names = working_table_names(conn).await?;
    if names.is_empty() {
        return Ok(0);
    }
    sqlx::raw_sql(&format!("ANALYZE TABLE {}", names.join(", ")))
        .fetch_all(&mut *conn)
        .await
        .context("refreshing table statistics")?;
    let tables = working_tables(conn)
        .await
        .context("measuring the tables' size")?;
    Ok(tables.iter().map(TableStats::bytes).sum())
}

/// Fail when `table` (the seeded rows of `shape`) holds other than the `want` rows the
/// seeder asked for. The server's word is not enough: into an empty InnoDB table with
/// unique_checks and foreign_key_checks off, MariaDB loads in bulk, and a duplicate key
/// there undoes the whole statement while the client is told every row went in. A
/// ladder that went on would time fewer rows than it reports. Only reads the table.
pub async fn check_seeded_rows(
    conn: &mut MySqlConnection,
    table: &str,
    shape: &TableShape,
    want: u64,
) -> Result<()> {
    let row = sqlx::raw_sql(&format!(
        "SELECT CAST(COUNT(*) AS UNSIGNED) FROM {}",
        ident(table)
    ))
    .fetch_one(&mut *conn)
    .await
    .with_context(|| format!("counting the seeded rows of {}", shape.name))?;
    let have: u64 = row
        .try_get(0)
        .with_context(|| format!("reading the row count of {}", shape.name))?;
    if have != want {
        anyhow::bail!(
            "seeding table {} made {have} rows where {want} were asked: the server \
             dropped rows without an error (most likely repeated values in a unique key{}), \
             so every time measured on it would be for the wrong number of rows",
            shape.name,
            unique_keys_named(shape)
        );
    }
    Ok(())
}

/// Fail when a copied working table came out empty. The copy is one `INSERT … SELECT`
/// into an empty table, which MariaDB loads in bulk with unique_checks off: a repeated
/// value in a unique key the base tables do not carry (their secondary indexes are built
/// per run) undoes the whole copy while the client is told every row went in. Reads one
/// row, which the copy has just written, so the buffer pool the run is timed in stays as
/// it was.
pub async fn check_copy_not_empty(conn: &mut MySqlConnection, shape: &TableShape) -> Result<()> {
    let rows = sqlx::raw_sql(&format!("SELECT 1 FROM {} LIMIT 1", ident(&shape.name)))
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("checking the copy of {}", shape.name))?;
    if rows.is_empty() {
        anyhow::bail!(
            "copying the seeded rows of {} into a fresh table left it empty: the server \
             undid the copy without an error (most likely repeated values in a unique key{}), \
             so a time measured on it would be for no rows",
            shape.name,
            unique_keys_named(shape)
        );
    }
    Ok(())
}

/// The table's unique keys as ` of (a, b), (c)`, for an error message; empty without any.
fn unique_keys_named(shape: &TableShape) -> String {
    if shape.unique_keys.is_empty() {
        return String::new();
    }
    let keys: Vec<String> = shape
        .unique_keys
        .iter()
        .map(|k| format!("({})", k.join(", ")))
        .collect();
    format!(" of {}", keys.join(", "))
}
