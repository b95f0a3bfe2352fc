//! The little a rule needs to know about a table besides the statement: its columns in
//! order, with type, length in characters and bytes, and nullability. Read from the
//! sandbox's information_schema just before the statement runs there.

use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFacts {
    pub name: String,
    /// DATA_TYPE, lowercased: "varchar", "int".
    pub data_type: String,
    /// COLUMN_TYPE, lowercased: "varchar(32)", "bigint(20) unsigned".
    pub column_type: String,
    /// CHARACTER_MAXIMUM_LENGTH: characters of a string column.
    pub char_length: Option<i64>,
    /// CHARACTER_OCTET_LENGTH: the most bytes a value can take.
    pub octet_length: Option<i64>,
    pub nullable: bool,
}

/// A table's columns in their order (ORDINAL_POSITION).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableColumns {
    pub columns: Vec<ColumnFacts>,
}

impl TableColumns {
    pub fn column(&self, name: &str) -> Option<&ColumnFacts> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn is_last(&self, name: &str) -> bool {
        self.columns
            .last()
            .is_some_and(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Reads the columns of `table` in the connection's current database; an empty list when
/// the table does not exist (yet).
pub async fn read_columns(conn: &mut MySqlConnection, table: &str) -> Result<TableColumns> {
    // CASTs: MySQL 8 returns information_schema text as binary, which sqlx 0.8 will not
    // decode as String, and unsigned lengths that would not decode as i64.
    let rows = sqlx::query(
        "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
                CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED), CAST(CHARACTER_OCTET_LENGTH AS SIGNED), \
                CAST(IS_NULLABLE AS CHAR) \
         FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the columns of {table}"))?;
    let mut columns = Vec::new();
    for row in &rows {
        let text = |i: usize| -> Result<String> {
            Ok(row.try_get::<Option<String>, _>(i)?.unwrap_or_default())
        };
        columns.push(ColumnFacts {
            name: text(0)?,
            data_type: text(1)?.to_ascii_lowercase(),
            column_type: text(2)?.to_ascii_lowercase(),
            char_length: row.try_get::<Option<i64>, _>(3)?,
            octet_length: row.try_get::<Option<i64>, _>(4)?,
            nullable: text(5)? == "YES",
        });
    }
    Ok(TableColumns { columns })
}
