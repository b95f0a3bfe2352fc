//! A `TableInfo` from a parsed CREATE TABLE, for `lint`, which has the text of the
//! tables and no server. What only a server knows stays empty: the server's statistics
//! (cardinality), column defaults' text, collations not written out, and the lengths of
//! TEXT and BLOB columns.

use super::{Check, Column, ForeignKey, Index, KeyPart, TableInfo};
use crate::ddl::types::{self, ColumnType};
use crate::migration::{Clause, KeyKind, TableDefinition};

impl Column {
    /// A column as a column definition (CREATE TABLE's list, ADD or MODIFY COLUMN) writes
    /// it; `charset` is the character set its values take when it names none (the
    /// table's). None without a name or a type.
    pub fn from_clause(def: &Clause, charset: Option<&str>) -> Option<Column> {
        let name = def.column.clone()?;
        let column_type = types::normalize_type(def.column_type.as_deref()?);
        let data_type = column_type
            .split(['(', ' '])
            .next()
            .unwrap_or_default()
            .to_string();
        let kind = types::parse(&column_type);
        let charset = def
            .charset
            .as_deref()
            .or(charset)
            .filter(|_| types::is_text(&kind));
        // Lengths of CHAR and VARCHAR only, the ones the online-DDL rules compare;
        // binary strings count bytes.
        let (char_length, octet_length) = match &kind {
            ColumnType::Chars { length, binary, .. } => {
                let per_char = if *binary {
                    1
                } else {
                    types::max_bytes_per_char(charset)
                };
                let chars = i64::try_from(*length).ok();
                (
                    chars,
                    chars.map(|c| c * i64::try_from(per_char).unwrap_or(4)),
                )
            }
            _ => (None, None),
        };
        let (precision, scale) = match &kind {
            ColumnType::Decimal {
                precision, scale, ..
            } => (Some(i64::from(*precision)), Some(i64::from(*scale))),
            _ => (None, None),
        };
        Some(Column {
            name,
            data_type,
            column_type,
            kind,
            char_length,
            octet_length,
            precision,
            scale,
            nullable: def.nullable != Some(false),
            default: None,
            charset: charset.map(str::to_ascii_lowercase),
            collation: None,
            extra: String::new(),
        })
    }
}

impl TableInfo {
    /// The table a CREATE TABLE statement defines.
    pub fn from_definition(definition: &TableDefinition) -> TableInfo {
        let charset = definition.default_charset.as_deref();
        let primary: Vec<&str> = definition
            .keys
            .iter()
            .filter(|k| k.kind == KeyKind::Primary)
            .flat_map(|k| k.parts.iter().map(|(name, _)| name.as_str()))
            .collect();
        let mut columns = Vec::new();
        for def in &definition.columns {
            let Some(mut column) = Column::from_clause(def, charset) else {
                continue;
            };
            // A primary key's columns are NOT NULL whatever their definition says.
            if primary.iter().any(|p| p.eq_ignore_ascii_case(&column.name)) {
                column.nullable = false;
            }
            if let Some(stored) = definition.generated_column(&column.name) {
                column.extra = if stored {
                    "stored generated"
                } else {
                    "virtual generated"
                }
                .to_string();
            }
            columns.push(column);
        }
        let mut info = TableInfo {
            name: definition.name.clone(),
            columns,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: definition
                .checks
                .iter()
                .map(|c| Check {
                    name: c.name.clone().unwrap_or_default(),
                    clause: c.clause.clone(),
                })
                .collect(),
        };
        for key in &definition.keys {
            let name = key.name.clone().unwrap_or_default();
            if key.kind == KeyKind::Foreign {
                let Some((parent, parent_columns)) = &key.references else {
                    continue;
                };
                for (i, (column, _)) in key.parts.iter().enumerate() {
                    info.foreign_keys.push(ForeignKey {
                        name: name.clone(),
                        column: column.clone(),
                        parent_table: parent.clone(),
                        parent_column: parent_columns.get(i).cloned().unwrap_or_default(),
                        parent_here: true,
                        cascades: key.cascades,
                    });
                }
                continue;
            }
            let index_type = match key.kind {
                KeyKind::FullText => "FULLTEXT",
                KeyKind::Spatial => "SPATIAL",
                _ => "BTREE",
            };
            info.indexes.push(Index {
                name,
                unique: matches!(key.kind, KeyKind::Primary | KeyKind::Unique),
                index_type: index_type.to_string(),
                parts: key
                    .parts
                    .iter()
                    .map(|(column, prefix)| KeyPart {
                        column: column.clone(),
                        prefix: *prefix,
                        cardinality: None,
                    })
                    .collect(),
            });
        }
        info
    }
}
