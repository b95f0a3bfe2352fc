//! Reading a table from information_schema: one query per kind of fact (COLUMNS,
//! STATISTICS, KEY_COLUMN_USAGE, CHECK_CONSTRAINTS), on any connection that can run a
//! SELECT, the source's read-only, time-limited session included (`Catalog`).

use super::{Check, Column, ForeignKey, Index, KeyPart, TableInfo};
use crate::ddl::types;
use crate::quote::literal;
use anyhow::{Context, Result};
use sqlx::mysql::{MySqlConnection, MySqlRow};
use sqlx::Row;
use std::future::Future;

/// Something that runs one SELECT and returns its rows: a plain connection (the
/// sandbox), or the source's session, which adds its read-only guard and time limits.
/// The table's name goes into the SQL as a quoted literal (`crate::quote`), not a bound
/// parameter, so that both run the very same text.
pub trait Catalog {
    fn select(&mut self, sql: &str) -> impl Future<Output = Result<Vec<MySqlRow>>>;
}

impl Catalog for MySqlConnection {
    async fn select(&mut self, sql: &str) -> Result<Vec<MySqlRow>> {
        Ok(sqlx::raw_sql(sql).fetch_all(&mut *self).await?)
    }
}

/// Whether `TableInfo::read_from` reads the CHECK constraints. The query fails on MySQL
/// (no TABLE_NAME there) and is then taken as no checks; the source's profile skips it so
/// that production never gets a statement known to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checks {
    Read,
    Skip,
}

impl TableInfo {
    /// The table `name` of the connection's current database, every fact. A table that
    /// does not exist comes back with no columns.
    pub async fn read(conn: &mut MySqlConnection, name: &str) -> Result<TableInfo> {
        TableInfo::read_from(conn, name, Checks::Read).await
    }

    pub async fn read_from<C: Catalog>(
        catalog: &mut C,
        name: &str,
        checks: Checks,
    ) -> Result<TableInfo> {
        Ok(TableInfo {
            name: name.to_string(),
            columns: columns(catalog, name).await?,
            indexes: indexes(catalog, name).await?,
            foreign_keys: foreign_keys(catalog, name).await?,
            checks: match checks {
                Checks::Read => read_checks(catalog, name).await,
                Checks::Skip => Vec::new(),
            },
        })
    }
}

fn text(row: &MySqlRow, index: usize) -> Result<String> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
}

fn optional_text(row: &MySqlRow, index: usize) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(index)?)
}

fn number(row: &MySqlRow, index: usize) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(index)?)
}

/// Counts the server cannot make negative, read as i64 (see the CASTs) and kept >= 0.
fn count(row: &MySqlRow, index: usize) -> Result<Option<u64>> {
    Ok(number(row, index)?.map(|v| v.max(0) as u64))
}

/// The table's columns in order.
pub async fn columns<C: Catalog>(catalog: &mut C, table: &str) -> Result<Vec<Column>> {
    // CASTs: MySQL 8 and MariaDB return some information_schema text as binary, which
    // sqlx 0.8 will not decode as String; the unsigned lengths are cast so they decode
    // as i64.
    let rows = catalog
        .select(&format!(
            "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
                    CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED), CAST(CHARACTER_OCTET_LENGTH AS SIGNED), \
                    CAST(NUMERIC_PRECISION AS SIGNED), CAST(NUMERIC_SCALE AS SIGNED), \
                    CAST(IS_NULLABLE AS CHAR), CAST(EXTRA AS CHAR), CAST(COLUMN_DEFAULT AS CHAR), \
                    CAST(CHARACTER_SET_NAME AS CHAR), CAST(COLLATION_NAME AS CHAR) \
             FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
            literal(table)
        ))
        .await
        .with_context(|| format!("reading the columns of {table}"))?;
    let mut columns = Vec::new();
    for row in &rows {
        let column_type = text(row, 2)?.to_ascii_lowercase();
        columns.push(Column {
            name: text(row, 0)?,
            data_type: text(row, 1)?.to_ascii_lowercase(),
            kind: types::parse(&column_type),
            column_type,
            char_length: number(row, 3)?,
            octet_length: number(row, 4)?,
            precision: number(row, 5)?,
            scale: number(row, 6)?,
            nullable: text(row, 7)? == "YES",
            extra: text(row, 8)?.to_ascii_lowercase(),
            default: optional_text(row, 9)?,
            charset: optional_text(row, 10)?,
            collation: optional_text(row, 11)?,
        });
    }
    Ok(columns)
}

/// The table's indexes, each with its key parts in order.
pub async fn indexes<C: Catalog>(catalog: &mut C, table: &str) -> Result<Vec<Index>> {
    // Ordered by name in the server's collation: the seeder takes unique keys in this
    // order, and its choice of which column makes a key unique depends on it.
    let rows = catalog
        .select(&format!(
            "SELECT CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED), CAST(COLUMN_NAME AS CHAR), \
                    CAST(CARDINALITY AS SIGNED), CAST(SUB_PART AS SIGNED), CAST(INDEX_TYPE AS CHAR) \
             FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} ORDER BY INDEX_NAME, SEQ_IN_INDEX",
            literal(table)
        ))
        .await
        .with_context(|| format!("reading the indexes of {table}"))?;
    let mut indexes: Vec<Index> = Vec::new();
    for row in &rows {
        let name = text(row, 0)?;
        let part = KeyPart {
            column: text(row, 2)?,
            cardinality: count(row, 3)?,
            prefix: count(row, 4)?,
        };
        match indexes.iter_mut().find(|i| i.name == name) {
            Some(index) => index.parts.push(part),
            None => indexes.push(Index {
                name,
                unique: number(row, 1)?.unwrap_or(1) == 0,
                index_type: text(row, 5)?.to_ascii_uppercase(),
                parts: vec![part],
            }),
        }
    }
    Ok(indexes)
}

/// The table's foreign keys, one entry per column.
pub async fn foreign_keys<C: Catalog>(catalog: &mut C, table: &str) -> Result<Vec<ForeignKey>> {
    // No ORDER BY: the server's own order, which the seeder and the profiler have always
    // taken (a column in two foreign keys is seeded for the first).
    let rows = catalog
        .select(&format!(
            "SELECT CAST(k.CONSTRAINT_NAME AS CHAR), CAST(k.COLUMN_NAME AS CHAR), \
                    CAST(k.REFERENCED_TABLE_NAME AS CHAR), CAST(k.REFERENCED_COLUMN_NAME AS CHAR), \
                    CAST(k.REFERENCED_TABLE_SCHEMA = DATABASE() AS SIGNED), \
                    CAST(EXISTS (SELECT 1 FROM information_schema.REFERENTIAL_CONSTRAINTS r \
                        WHERE r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
                          AND r.TABLE_NAME = k.TABLE_NAME \
                          AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
                          AND (r.DELETE_RULE IN ('CASCADE', 'SET NULL') \
                               OR r.UPDATE_RULE IN ('CASCADE', 'SET NULL'))) AS SIGNED) \
             FROM information_schema.KEY_COLUMN_USAGE k \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = {} \
               AND k.REFERENCED_TABLE_NAME IS NOT NULL",
            literal(table)
        ))
        .await
        .with_context(|| format!("reading the foreign keys of {table}"))?;
    rows.iter()
        .map(|row| {
            Ok(ForeignKey {
                name: text(row, 0)?,
                column: text(row, 1)?,
                parent_table: text(row, 2)?,
                parent_column: text(row, 3)?,
                parent_here: number(row, 4)?.unwrap_or(0) != 0,
                cascades: number(row, 5)?.unwrap_or(0) != 0,
            })
        })
        .collect()
}

/// The table's CHECK constraints; none where the query fails (MySQL, whose
/// CHECK_CONSTRAINTS has no TABLE_NAME: its JSON columns say so in DATA_TYPE, the one
/// thing the checks are read for).
async fn read_checks<C: Catalog>(catalog: &mut C, table: &str) -> Vec<Check> {
    let Ok(rows) = catalog
        .select(&format!(
            "SELECT CAST(CONSTRAINT_NAME AS CHAR), CAST(CHECK_CLAUSE AS CHAR) \
             FROM information_schema.CHECK_CONSTRAINTS \
             WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = {}",
            literal(table)
        ))
        .await
    else {
        return Vec::new();
    };
    rows.iter()
        .map(|row| Check {
            name: text(row, 0).unwrap_or_default(),
            clause: text(row, 1).unwrap_or_default(),
        })
        .collect()
}
