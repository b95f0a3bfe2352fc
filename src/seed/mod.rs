//! Synthetic rows that look like the table: generated inside the server from a row counter
//! (`seq`), so loading runs at the server's speed, not the client's. Keys that must be
//! unique are built from injective functions of `seq`; other columns get pseudo-random
//! values of realistic length, NULLs where the column allows them, and foreign keys that
//! point at rows the parent really has. With a profile from the source, each column
//! reproduces the real one at every scale: null fraction, distinct values relative to
//! the table size, skew and lengths (see `matched_value`).

mod matched;
pub mod tables;
mod values;
mod width;

use crate::ddl::types::is_integer;
use crate::profile::{ColumnProfile, TableProfile};
use crate::server::ServerInfo;
use anyhow::{bail, Context, Result};
pub use matched::matched_value;
use matched::share_subexpressions;
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};
pub use values::column_expression;

#[derive(Debug, Clone)]
pub struct ColumnShape {
    pub name: String,
    pub data_type: String,
    pub column_type: String,
    pub max_length: Option<i64>,
    pub precision: Option<i64>,
    pub scale: Option<i64>,
    pub nullable: bool,
    pub generated: bool,
    /// Mean length of generated strings when the table's width is known (`width`);
    /// None: the usual guess from the column's type.
    pub typical_length: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub column: String,
    pub parent_table: String,
    pub parent_column: String,
}

/// What the seeder needs to know of a table, read from information_schema.
#[derive(Debug, Clone)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<ColumnShape>,
    pub primary_key: Vec<String>,
    /// Every unique key, the primary key included.
    pub unique_keys: Vec<Vec<String>>,
    pub secondary_indexes: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Column statistics from the source's profile, by lower-case column name; empty
    /// when the tables came from a schema file.
    pub stats: HashMap<String, ColumnStats>,
}

/// What the seeder needs from a profiled column, with the table it was measured on.
#[derive(Debug, Clone)]
pub struct ColumnStats {
    pub column: ColumnProfile,
    /// Rows of the production table and of the sample the statistics came from.
    pub table_rows: u64,
    pub sample_rows: u64,
}

impl TableShape {
    /// Take the column statistics of the table's profile, where it has them.
    pub fn with_profile(mut self, table: &TableProfile) -> TableShape {
        let sample_rows = table.sample.as_ref().map(|s| s.rows).unwrap_or(0);
        if sample_rows == 0 {
            return self;
        }
        for column in &table.columns {
            self.stats.insert(
                column.name.to_ascii_lowercase(),
                ColumnStats {
                    column: column.clone(),
                    table_rows: table.rows.max(1),
                    sample_rows,
                },
            );
        }
        self
    }

    /// The single integer primary key column, which gets `seq` itself, so rows go in key
    /// order and children can point at 1..=rows.
    pub fn counter_column(&self) -> Option<&str> {
        let [_] = self.primary_key.as_slice() else {
            return None;
        };
        self.integer_key()
    }

    /// The first primary key column when it is an integer: its range splits the table.
    pub fn integer_key(&self) -> Option<&str> {
        let first = self.primary_key.first()?;
        let column = self.columns.iter().find(|c| &c.name == first)?;
        is_integer(&column.data_type).then_some(column.name.as_str())
    }

    pub fn insertable_columns(&self) -> impl Iterator<Item = &ColumnShape> {
        self.columns.iter().filter(|c| !c.generated)
    }
}

fn text(row: &sqlx::mysql::MySqlRow, index: usize) -> Result<String> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
}

fn number(row: &sqlx::mysql::MySqlRow, index: usize) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(index)?)
}

pub async fn read_shape(conn: &mut MySqlConnection, table: &str) -> Result<TableShape> {
    // CASTs: MySQL 8 returns some information_schema text as binary, which sqlx 0.8 will
    // not decode as String; the unsigned lengths are cast so they decode as i64.
    let columns = sqlx::query(
        "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
                CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED), CAST(NUMERIC_PRECISION AS SIGNED), \
                CAST(NUMERIC_SCALE AS SIGNED), CAST(IS_NULLABLE AS CHAR), CAST(EXTRA AS CHAR) \
         FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the columns of {table}"))?;
    let mut shape = TableShape {
        name: table.to_string(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        unique_keys: Vec::new(),
        secondary_indexes: Vec::new(),
        foreign_keys: Vec::new(),
        stats: HashMap::new(),
    };
    for row in &columns {
        let extra = text(row, 7)?.to_ascii_lowercase();
        shape.columns.push(ColumnShape {
            name: text(row, 0)?,
            data_type: text(row, 1)?.to_ascii_lowercase(),
            column_type: text(row, 2)?.to_ascii_lowercase(),
            max_length: number(row, 3)?,
            precision: number(row, 4)?,
            scale: number(row, 5)?,
            nullable: text(row, 6)? == "YES",
            generated: extra.contains("generated")
                || extra.contains("virtual")
                || extra.contains("stored")
                || extra.contains("persistent"),
            typical_length: None,
        });
    }
    if shape.columns.is_empty() {
        bail!("table {table} has no columns in the sandbox");
    }
    read_indexes(conn, &mut shape).await?;
    read_foreign_keys(conn, &mut shape).await?;
    mark_json_columns(conn, &mut shape).await;
    Ok(shape)
}

/// MariaDB's JSON is LONGTEXT with a `json_valid()` check; such columns need valid JSON.
/// MySQL has no TABLE_NAME in CHECK_CONSTRAINTS, so the query fails there, harmlessly:
/// its JSON columns say so in DATA_TYPE.
async fn mark_json_columns(conn: &mut MySqlConnection, shape: &mut TableShape) {
    let Ok(rows) = sqlx::query(
        "SELECT CAST(CHECK_CLAUSE AS CHAR) FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    )
    .bind(&shape.name)
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    for row in rows {
        let clause = text(&row, 0).unwrap_or_default().to_ascii_lowercase();
        for column in &mut shape.columns {
            let json_valid = format!(
                "json_valid({})",
                crate::quote::ident(&column.name.to_ascii_lowercase())
            );
            if clause.contains(&json_valid) {
                column.data_type = "json".to_string();
            }
        }
    }
}

async fn read_indexes(conn: &mut MySqlConnection, shape: &mut TableShape) -> Result<()> {
    let rows = sqlx::query(
        "SELECT CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED) \
         FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
    )
    .bind(&shape.name)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the indexes of {}", shape.name))?;
    let mut unique: Vec<(String, Vec<String>)> = Vec::new();
    let mut secondary = BTreeSet::new();
    for row in &rows {
        let index = text(row, 0)?;
        let column = text(row, 1)?;
        let non_unique = number(row, 2)?.unwrap_or(1) != 0;
        if index == "PRIMARY" {
            shape.primary_key.push(column.clone());
        } else {
            secondary.insert(index.clone());
        }
        if !non_unique {
            match unique.iter_mut().find(|(name, _)| *name == index) {
                Some((_, columns)) => columns.push(column),
                None => unique.push((index, vec![column])),
            }
        }
    }
    shape.unique_keys = unique.into_iter().map(|(_, columns)| columns).collect();
    shape.secondary_indexes = secondary.into_iter().collect();
    Ok(())
}

async fn read_foreign_keys(conn: &mut MySqlConnection, shape: &mut TableShape) -> Result<()> {
    let rows = sqlx::query(
        "SELECT CAST(COLUMN_NAME AS CHAR), CAST(REFERENCED_TABLE_NAME AS CHAR), \
                CAST(REFERENCED_COLUMN_NAME AS CHAR) \
         FROM information_schema.KEY_COLUMN_USAGE \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL",
    )
    .bind(&shape.name)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the foreign keys of {}", shape.name))?;
    for row in &rows {
        shape.foreign_keys.push(ForeignKey {
            column: text(row, 0)?,
            parent_table: text(row, 1)?,
            parent_column: text(row, 2)?,
        });
    }
    Ok(())
}

/// Table indexes in seeding order: parents before the tables whose foreign keys point at
/// them. Cycles (and self-references) are broken arbitrarily; checks are off while loading.
pub fn seeding_order(shapes: &[TableShape]) -> Vec<usize> {
    let mut order = Vec::new();
    let mut placed = vec![false; shapes.len()];
    while order.len() < shapes.len() {
        let before = order.len();
        for (i, shape) in shapes.iter().enumerate() {
            if placed[i] {
                continue;
            }
            let waits_for_parent = shape.foreign_keys.iter().any(|fk| {
                shapes
                    .iter()
                    .position(|s| s.name == fk.parent_table)
                    .is_some_and(|p| p != i && !placed[p])
            });
            if !waits_for_parent {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            // A cycle: take the first unplaced table and go on.
            if let Some(i) = placed.iter().position(|p| !p) {
                placed[i] = true;
                order.push(i);
            }
        }
    }
    order
}

/// What the generator knows about the other tables when it writes a batch.
pub struct SeedContext<'a> {
    /// Production row count of each table, by name: every scale is the same fraction of
    /// each, so a child row's parent is chosen among the parent rows of its own fraction.
    pub targets: &'a HashMap<String, u64>,
    /// Tables whose counter column holds 1..=rows.
    pub counter_columns: &'a HashMap<String, String>,
}

/// The INSERT … SELECT that adds rows `from..=to` to `target`, generated in the server.
pub fn insert_batch_sql(
    server: &ServerInfo,
    target: &str,
    shape: &TableShape,
    context: &SeedContext,
    from: u64,
    to: u64,
) -> Result<String> {
    let mut names = Vec::new();
    let mut expressions = Vec::new();
    let mut declared = Vec::new();
    for (salt, column) in shape.insertable_columns().enumerate() {
        names.push(crate::quote::ident(&column.name));
        let expression = column_expression(shape, column, salt, context)?;
        let stats = shape.stats.get(&column.name.to_ascii_lowercase());
        match stats.filter(|_| server.is_mariadb()) {
            Some(stats) => {
                let (shared, variables) = share_subexpressions(&expression, column, stats, salt);
                expressions.push(shared);
                declared.extend(variables);
            }
            None => expressions.push(expression),
        }
    }
    let names = names.join(", ");
    let target = crate::quote::ident(target);
    let select = expressions.join(", ");
    Ok(if server.is_mariadb() {
        let declare = match declared.is_empty() {
            true => String::new(),
            false => format!("SET {}; ", declared.join(", ")),
        };
        // The SEQUENCE engine's seq_FROM_to_TO table yields the counter in the server.
        format!("{declare}INSERT INTO {target} ({names}) SELECT {select} FROM seq_{from}_to_{to}")
    } else {
        format!(
            "INSERT INTO {target} ({names}) WITH RECURSIVE counter (seq) AS \
             (SELECT {from} UNION ALL SELECT seq + 1 FROM counter WHERE seq < {to}) \
             SELECT {select} FROM counter"
        )
    })
}

#[cfg(test)]
mod tests;
