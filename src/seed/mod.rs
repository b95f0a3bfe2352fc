//! Synthetic rows that look like the table: generated inside the server from a row counter
//! (`seq`), so loading runs at the server's speed, not the client's. Keys that must be
//! unique are built from injective functions of `seq`; other columns get pseudo-random
//! values of realistic length, NULLs where the column allows them, and foreign keys that
//! point at rows the parent really has. With a profile from the source, each column
//! reproduces the real one at every scale: null fraction, distinct values relative to
//! the table size, skew and lengths (see `matched_value`).

mod keyed;
mod matched;
pub mod tables;
mod values;
mod width;

use crate::ddl::types::{is_integer, ColumnType};
use crate::profile::{ColumnProfile, TableProfile};
use crate::server::ServerInfo;
use crate::table::{Index, TableInfo};
use anyhow::{bail, Result};
pub use matched::matched_value;
use matched::share_subexpressions;
use sqlx::mysql::MySqlConnection;
use std::collections::{BTreeSet, HashMap};
pub use values::column_expression;

#[derive(Debug, Clone)]
pub struct ColumnShape {
    pub name: String,
    pub data_type: String,
    /// COLUMN_TYPE as the server writes it: kept for `tinyint(1)`, a boolean, whose
    /// display width the parsed type drops.
    pub column_type: String,
    /// The type, parsed: sign, width in bytes, enum and set members.
    pub kind: ColumnType,
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

/// What the seeder needs to know of a table (from `TableInfo`), with what it learns of
/// the rows: the profile's column statistics and the mean lengths that make rows as wide
/// as production's.
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

/// What the seeder needs of a table, read through the one reader of tables.
pub async fn read_shape(conn: &mut MySqlConnection, table: &str) -> Result<TableShape> {
    let info = TableInfo::read(conn, table).await?;
    if info.columns.is_empty() {
        bail!("table {table} has no columns in the sandbox");
    }
    Ok(TableShape::from_info(&info))
}

impl TableShape {
    /// The seeder's view of a table: MariaDB's JSON columns (LONGTEXT with a check) as
    /// JSON, the unique keys in the order information_schema lists indexes (the choice
    /// of each key's injective column depends on it), secondary indexes by name.
    pub fn from_info(info: &TableInfo) -> TableShape {
        let columns = info
            .columns
            .iter()
            .map(|column| ColumnShape {
                name: column.name.clone(),
                data_type: if info.json_checked(column) {
                    "json".to_string()
                } else {
                    column.data_type.clone()
                },
                column_type: column.column_type.clone(),
                kind: column.kind.clone(),
                max_length: column.char_length,
                precision: column.precision,
                scale: column.scale,
                nullable: column.nullable,
                generated: column.generated(),
                typical_length: None,
            })
            .collect();
        let secondary: BTreeSet<String> = info
            .indexes
            .iter()
            .filter(|i| !i.is_primary())
            .map(|i| i.name.clone())
            .collect();
        TableShape {
            name: info.name.clone(),
            columns,
            primary_key: info
                .primary_key()
                .map(Index::column_names)
                .unwrap_or_default(),
            unique_keys: info
                .indexes
                .iter()
                .filter(|i| i.unique)
                .map(Index::column_names)
                .collect(),
            secondary_indexes: secondary.into_iter().collect(),
            foreign_keys: info
                .foreign_keys
                .iter()
                .map(|fk| ForeignKey {
                    column: fk.column.clone(),
                    parent_table: fk.parent_table.clone(),
                    parent_column: fk.parent_column.clone(),
                })
                .collect(),
            stats: HashMap::new(),
        }
    }
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
