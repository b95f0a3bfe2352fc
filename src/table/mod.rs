//! One table as ddl-eta knows it: its columns, indexes, foreign keys and checks, read from
//! a server's information_schema (`read`) or built from a parsed CREATE TABLE (`parse`).
//! The seeder, the source's profiler, the online-DDL rules and the clone all see tables
//! through this one model, so a fact is read one way wherever it is used. Their
//! statistics (row estimates, bytes, storage) come from `stats`, the one reader of
//! information_schema.TABLES.

mod parse;
mod read;
mod stats;

pub use read::{columns, foreign_keys, indexes, Catalog, Checks};
pub use stats::{stats, Database, TableStats};

use crate::ddl::types::ColumnType;

/// A table's structure. Statistics of its rows (sizes, counts, samples) live in the
/// profile; this is what its definition says.
#[derive(Debug, Clone, PartialEq)]
pub struct TableInfo {
    pub name: String,
    /// In their order (ORDINAL_POSITION).
    pub columns: Vec<Column>,
    /// In the order information_schema lists them: by name, as the server's collation
    /// sorts names (PRIMARY among the others, not first).
    pub indexes: Vec<Index>,
    /// One per column of each foreign key, in the order the server lists them.
    pub foreign_keys: Vec<ForeignKey>,
    /// CHECK constraints; empty on MySQL, whose CHECK_CONSTRAINTS has no TABLE_NAME, and
    /// when the reader was asked to skip them.
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// DATA_TYPE, lowercased: "varchar", "int". MariaDB's JSON is "longtext" here (see
    /// `TableInfo::json_checked`).
    pub data_type: String,
    /// COLUMN_TYPE, lowercased: "varchar(32)", "bigint(20) unsigned", "enum('a','b')".
    pub column_type: String,
    /// The column type, parsed.
    pub kind: ColumnType,
    /// CHARACTER_MAXIMUM_LENGTH: characters of a string column (bytes of a binary one).
    pub char_length: Option<i64>,
    /// CHARACTER_OCTET_LENGTH: the most bytes a value can take.
    pub octet_length: Option<i64>,
    /// NUMERIC_PRECISION and NUMERIC_SCALE (a BIT column's bits are its precision).
    pub precision: Option<i64>,
    pub scale: Option<i64>,
    pub nullable: bool,
    /// COLUMN_DEFAULT as the server writes it: MariaDB quotes strings ('a') and writes
    /// NULL for a NULL default; MySQL gives the bare value. None when there is none.
    pub default: Option<String>,
    pub charset: Option<String>,
    pub collation: Option<String>,
    /// EXTRA, lowercased: "auto_increment", "virtual generated", "stored generated",
    /// "on update current_timestamp()".
    pub extra: String,
}

impl Column {
    /// A generated column (VIRTUAL, STORED, PERSISTENT): the server computes its values,
    /// nothing may be inserted into it.
    pub fn generated(&self) -> bool {
        let extra = &self.extra;
        extra.contains("generated")
            || extra.contains("virtual")
            || extra.contains("stored")
            || extra.contains("persistent")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// "PRIMARY" for the primary key.
    pub name: String,
    pub unique: bool,
    /// INDEX_TYPE: "BTREE", "FULLTEXT", "SPATIAL", "HASH".
    pub index_type: String,
    pub parts: Vec<KeyPart>,
}

impl Index {
    pub fn is_primary(&self) -> bool {
        self.name == "PRIMARY"
    }

    pub fn is_fulltext(&self) -> bool {
        self.index_type.eq_ignore_ascii_case("FULLTEXT")
    }

    /// The key's columns in order (empty names for MySQL's functional key parts).
    pub fn column_names(&self) -> Vec<String> {
        self.parts.iter().map(|p| p.column.clone()).collect()
    }

    /// Distinct keys as the server estimates them: the last part's cardinality is that of
    /// the whole key.
    pub fn cardinality(&self) -> Option<u64> {
        self.parts.iter().rev().find_map(|p| p.cardinality)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyPart {
    pub column: String,
    /// SUB_PART: the indexed prefix, in characters (bytes for binary columns).
    pub prefix: Option<u64>,
    /// The server's estimate of distinct values of the key up to this part; None when
    /// built from DDL.
    pub cardinality: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    pub name: String,
    pub column: String,
    pub parent_table: String,
    pub parent_column: String,
    /// The parent is in the same database as the table.
    pub parent_here: bool,
    /// Its ON DELETE or ON UPDATE is CASCADE or SET NULL: MySQL refuses LOCK=NONE on the
    /// table (manual, "Online DDL Limitations"); MariaDB 10.11 was measured taking it.
    pub cascades: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub name: String,
    /// The condition as the server stores it, without the outer parentheses.
    pub clause: String,
}

impl TableInfo {
    /// A table known only by its columns (the linter's tables, altered statement by
    /// statement).
    pub fn of_columns(name: &str, columns: Vec<Column>) -> TableInfo {
        TableInfo {
            name: name.to_string(),
            columns,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn is_last(&self, name: &str) -> bool {
        self.columns
            .last()
            .is_some_and(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// A foreign key of the table cascades or sets NULL (see `ForeignKey::cascades`).
    pub fn has_cascading_foreign_key(&self) -> bool {
        self.foreign_keys.iter().any(|fk| fk.cascades)
    }

    pub fn primary_key(&self) -> Option<&Index> {
        self.indexes.iter().find(|i| i.is_primary())
    }

    /// The indexes with the primary key first, the others in their order.
    pub fn indexes_primary_first(&self) -> Vec<&Index> {
        let (primary, others): (Vec<&Index>, Vec<&Index>) =
            self.indexes.iter().partition(|i| i.is_primary());
        primary.into_iter().chain(others).collect()
    }

    /// The tables the foreign keys point at in the same database, each once, in the
    /// order they first appear.
    pub fn parents(&self) -> Vec<String> {
        let mut parents: Vec<String> = Vec::new();
        for fk in self.foreign_keys.iter().filter(|fk| fk.parent_here) {
            if !parents.contains(&fk.parent_table) {
                parents.push(fk.parent_table.clone());
            }
        }
        parents
    }

    /// MariaDB's JSON is LONGTEXT with a `json_valid(column)` check: such a column must
    /// hold valid JSON although its DATA_TYPE does not say so. (MySQL's JSON columns say
    /// so in DATA_TYPE.)
    pub fn json_checked(&self, column: &Column) -> bool {
        let json_valid = format!(
            "json_valid({})",
            crate::quote::ident(&column.name.to_ascii_lowercase())
        );
        self.checks
            .iter()
            .any(|check| check.clause.to_ascii_lowercase().contains(&json_valid))
    }
}

/// A column of `column_type` with `chars` characters of utf8mb4, for the rules' tests.
#[cfg(test)]
pub(crate) fn test_column(
    name: &str,
    column_type: &str,
    chars: Option<i64>,
    nullable: bool,
) -> Column {
    Column {
        name: name.to_string(),
        data_type: column_type
            .split('(')
            .next()
            .unwrap_or(column_type)
            .to_string(),
        column_type: column_type.to_string(),
        kind: crate::ddl::types::parse(column_type),
        char_length: chars,
        octet_length: chars.map(|c| c * 4),
        precision: None,
        scale: None,
        nullable,
        default: None,
        charset: chars.map(|_| "utf8mb4".to_string()),
        collation: None,
        extra: String::new(),
    }
}

#[cfg(test)]
mod tests;
