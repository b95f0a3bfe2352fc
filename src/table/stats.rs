//! What information_schema.TABLES says of tables: the server's row estimate, their bytes
//! and storage. The one reader of that view, on a sandbox connection or the source's
//! read-only session (`Catalog`).

use super::Catalog;
use crate::quote::literal;
use anyhow::{Context, Result};
use sqlx::mysql::MySqlRow;
use sqlx::Row;

/// One row of information_schema.TABLES. The figures are the server's statistics: row
/// counts are estimates on InnoDB, bytes are as of the last ANALYZE (or its own refresh).
#[derive(Debug, Clone, PartialEq)]
pub struct TableStats {
    pub name: String,
    /// TABLE_TYPE is 'BASE TABLE' (not a view, a sequence or a system view).
    pub base_table: bool,
    pub engine: Option<String>,
    /// CREATE_OPTIONS: "partitioned", "row_format=COMPRESSED"...; empty when none.
    pub create_options: String,
    pub rows: Option<u64>,
    pub avg_row_length: Option<u64>,
    pub data_bytes: Option<u64>,
    pub index_bytes: Option<u64>,
}

impl TableStats {
    /// Data plus index bytes, counting an unknown figure as none.
    pub fn bytes(&self) -> u64 {
        self.data_bytes.unwrap_or(0) + self.index_bytes.unwrap_or(0)
    }
}

/// Which database's tables: the connection's current one, or another by name (`watch`
/// follows a DDL in any database).
#[derive(Debug, Clone, Copy)]
pub enum Database<'a> {
    Current,
    Named(&'a str),
}

impl Database<'_> {
    /// The database as SQL: `DATABASE()`, or the name as a literal.
    pub fn sql(self) -> String {
        match self {
            Database::Current => "DATABASE()".to_string(),
            Database::Named(name) => literal(name),
        }
    }
}

/// Every table of `database`, or only `table` when given, by name.
pub async fn stats<C: Catalog>(
    catalog: &mut C,
    database: Database<'_>,
    table: Option<&str>,
) -> Result<Vec<TableStats>> {
    let schema = database.sql();
    let only = table.map_or(String::new(), |t| {
        format!(" AND TABLE_NAME = {}", literal(t))
    });
    // CASTs: some servers return this view's text as binary and its counts unsigned.
    let rows = catalog
        .select(&format!(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_TYPE = 'BASE TABLE' AS SIGNED), \
                    CAST(ENGINE AS CHAR), CAST(COALESCE(CREATE_OPTIONS, '') AS CHAR), \
                    CAST(TABLE_ROWS AS SIGNED), CAST(AVG_ROW_LENGTH AS SIGNED), \
                    CAST(DATA_LENGTH AS SIGNED), CAST(INDEX_LENGTH AS SIGNED) \
             FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema}{only} \
             ORDER BY TABLE_NAME"
        ))
        .await
        .with_context(|| match table {
            Some(t) => format!("reading the statistics of table {t}"),
            None => "listing the tables and their statistics".to_string(),
        })?;
    rows.iter().map(row_stats).collect()
}

fn row_stats(row: &MySqlRow) -> Result<TableStats> {
    let count = |i: usize| -> Result<Option<u64>> {
        Ok(row.try_get::<Option<i64>, _>(i)?.map(|v| v.max(0) as u64))
    };
    Ok(TableStats {
        name: row.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
        base_table: row.try_get::<Option<i64>, _>(1)?.unwrap_or(0) != 0,
        engine: row.try_get(2)?,
        create_options: row.try_get::<Option<String>, _>(3)?.unwrap_or_default(),
        rows: count(4)?,
        avg_row_length: count(5)?,
        data_bytes: count(6)?,
        index_bytes: count(7)?,
    })
}
