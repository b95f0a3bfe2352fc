//! The Profile: what ddl-eta knows of the production tables (their CREATE TABLE and row
//! counts), however it was learned: from a `--schema` file plus `--rows`, or, later, read
//! from the live database. Everything downstream reads a Profile and nothing else.

use crate::migration;
use crate::server::ServerInfo;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub schema_version: u32,
    /// The production server, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
    pub tables: Vec<TableProfile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableProfile {
    pub name: String,
    /// The CREATE TABLE statement, as the server (or the schema file) prints it.
    pub create_table: String,
    /// Target row count: production's, or what `--rows` says.
    pub rows: u64,
}

impl Profile {
    pub fn table(&self, name: &str) -> Option<&TableProfile> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn largest_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).max().unwrap_or(0)
    }
}

/// One `--rows` argument: `N` (the schema's only table) or `TABLE=N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsArg {
    pub table: Option<String>,
    pub rows: u64,
}

impl std::str::FromStr for RowsArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (table, count) = match text.split_once('=') {
            Some((table, count)) => (Some(table.trim().to_string()), count),
            None => (None, text),
        };
        let rows = parse_count(count.trim()).ok_or_else(|| {
            format!("'{text}' is not a row count (examples: 50000000, 50M, csm=2.5M)")
        })?;
        Ok(RowsArg { table, rows })
    }
}

/// Row counts as people write them: 50000000, 50_000_000, 50M, 2.5k.
pub fn parse_count(text: &str) -> Option<u64> {
    let cleaned: String = text.chars().filter(|c| *c != '_' && *c != ',').collect();
    let (number, multiplier) = match cleaned.chars().last()? {
        'k' | 'K' => (&cleaned[..cleaned.len() - 1], 1e3),
        'm' | 'M' => (&cleaned[..cleaned.len() - 1], 1e6),
        'g' | 'G' | 'b' | 'B' => (&cleaned[..cleaned.len() - 1], 1e9),
        _ => (cleaned.as_str(), 1.0),
    };
    let value: f64 = number.parse().ok()?;
    let rows = value * multiplier;
    (rows.is_finite() && rows >= 1.0).then_some(rows.round() as u64)
}

/// Build a Profile from CREATE TABLE statements (as mysqldump or SHOW CREATE TABLE print
/// them) and the target row counts. Statements other than CREATE TABLE are ignored.
pub fn from_schema_file(path: &Path, rows: &[RowsArg]) -> Result<Profile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read schema file {}", path.display()))?;
    let name = path.display().to_string();
    let statements = migration::parse_sql(&name, &text, 0)?;
    let mut tables: Vec<TableProfile> = Vec::new();
    for statement in statements {
        if statement.operation != migration::Operation::CreateTable {
            continue;
        }
        let Some(table) = statement.creates_table.clone() else {
            continue;
        };
        tables.push(TableProfile {
            name: table,
            create_table: statement.sql.clone(),
            rows: 0,
        });
    }
    if tables.is_empty() {
        bail!("schema file {name} has no CREATE TABLE statement");
    }
    assign_rows(&name, &mut tables, rows)?;
    Ok(Profile {
        schema_version: SCHEMA_VERSION,
        server: None,
        tables,
    })
}

fn assign_rows(schema: &str, tables: &mut [TableProfile], rows: &[RowsArg]) -> Result<()> {
    for arg in rows {
        match &arg.table {
            None if tables.len() == 1 => tables[0].rows = arg.rows,
            None => bail!(
                "--rows {} is ambiguous: {schema} has {} tables ({}); write --rows TABLE=N for each",
                arg.rows,
                tables.len(),
                table_names(tables)
            ),
            Some(name) => {
                let names = table_names(tables);
                let table = tables
                    .iter_mut()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
                    .with_context(|| {
                        format!("--rows names table {name}, which {schema} does not create (it has {names})")
                    })?;
                table.rows = arg.rows;
            }
        }
    }
    if let Some(missing) = tables.iter().find(|t| t.rows == 0) {
        bail!(
            "--rows is missing for table {} of {schema}: give its production row count, e.g. --rows {}=1000000",
            missing.name,
            missing.name
        );
    }
    Ok(())
}

fn table_names(tables: &[TableProfile]) -> String {
    tables
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_counts_take_suffixes() {
        assert_eq!(parse_count("50M"), Some(50_000_000));
        assert_eq!(parse_count("2.5k"), Some(2_500));
        assert_eq!(parse_count("1_000"), Some(1_000));
        assert_eq!(parse_count("0"), None);
        assert_eq!(parse_count("lots"), None);
    }

    #[test]
    fn rows_arguments_name_a_table_or_not() {
        let arg: RowsArg = "csm=3M".parse().expect("parses");
        assert_eq!(arg.table.as_deref(), Some("csm"));
        assert_eq!(arg.rows, 3_000_000);
        assert!("csm=x".parse::<RowsArg>().is_err());
    }

    fn two_tables() -> Vec<TableProfile> {
        ["a", "b"]
            .iter()
            .map(|n| TableProfile {
                name: n.to_string(),
                create_table: String::new(),
                rows: 0,
            })
            .collect()
    }

    #[test]
    fn every_table_needs_rows() {
        let mut tables = two_tables();
        let only_a = [RowsArg {
            table: Some("a".into()),
            rows: 5,
        }];
        let err = assign_rows("s.sql", &mut tables, &only_a).unwrap_err();
        assert!(err.to_string().contains("missing for table b"), "{err}");
        let bare = [RowsArg {
            table: None,
            rows: 5,
        }];
        let err = assign_rows("s.sql", &mut two_tables(), &bare).unwrap_err();
        assert!(err.to_string().contains("ambiguous"), "{err}");
    }
}
