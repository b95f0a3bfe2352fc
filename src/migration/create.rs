//! CREATE TABLE's column list, read with the same column-definition reader as ALTER
//! TABLE's ADD/MODIFY, so that `lint --schema` can compare a MODIFY with the column it
//! replaces; and its keys, foreign keys and checks (`keys`), for a whole `TableInfo`.

use super::alter::{charset_in, column_clause, column_type_len};
use super::keys::{self, CheckDefinition, Element, KeyDefinition};
use super::lexer::{tokenize, Token};
use super::tokens::{span_text, split_top_level_commas, Cursor};
use super::{Clause, Operation, Statement};

/// A table as its CREATE TABLE statement defines it.
#[derive(Debug, Clone)]
pub struct TableDefinition {
    pub name: String,
    /// One AddColumn clause per column, in order: column, column_type, nullable,
    /// has_default and charset as written.
    pub columns: Vec<Clause>,
    /// `DEFAULT CHARSET=...` after the column list, lowercased.
    pub default_charset: Option<String>,
    /// Keys and foreign keys, in the order written.
    pub keys: Vec<KeyDefinition>,
    /// CHECK constraints, the columns' own (named after their column, as MariaDB does)
    /// and the table's, in the order written.
    pub checks: Vec<CheckDefinition>,
    /// Generated columns: (name, true when STORED or PERSISTENT).
    pub generated: Vec<(String, bool)>,
}

impl TableDefinition {
    /// Whether the column is generated: None when it is not, else whether it is stored.
    pub fn generated_column(&self, name: &str) -> Option<bool> {
        self.generated
            .iter()
            .find(|(column, _)| column.eq_ignore_ascii_case(name))
            .map(|(_, stored)| *stored)
    }
}

/// Words that start a list element that is not a column.
const NOT_A_COLUMN: &[&str] = &[
    "CHECK",
    "CONSTRAINT",
    "FOREIGN",
    "FULLTEXT",
    "INDEX",
    "KEY",
    "PERIOD",
    "PRIMARY",
    "SPATIAL",
    "UNIQUE",
];

/// The columns of a CREATE TABLE statement; None for other statements and for
/// `CREATE TABLE ... LIKE` / `... AS SELECT` without a column list.
pub fn table_definition(statement: &Statement) -> Option<TableDefinition> {
    if statement.operation != Operation::CreateTable {
        return None;
    }
    let src = statement.sql.as_str();
    let toks = tokenize(src).ok()?;
    let open = toks.iter().position(|t| t.is_punct('('))?;
    let mut c = Cursor::new(toks.get(open..)?);
    let list = c.parenthesised()?;
    let mut table = TableDefinition {
        name: statement.creates_table.clone()?,
        columns: Vec::new(),
        default_charset: charset_in(c.rest()),
        keys: Vec::new(),
        checks: Vec::new(),
        generated: Vec::new(),
    };
    for def in split_top_level_commas(list)
        .into_iter()
        .filter_map(|range| list.get(range))
    {
        if def.first().is_some_and(|t| t.is_any_kw(NOT_A_COLUMN)) {
            match keys::element(src, def) {
                Some(Element::Key(key)) => table.keys.push(key),
                Some(Element::Check(check)) => table.checks.push(check),
                None => {}
            }
        } else {
            add_column(src, def, &mut table);
        }
    }
    Some(table)
}

fn add_column(src: &str, def: &[Token], table: &mut TableDefinition) {
    let mut cursor = Cursor::new(def);
    let clause = column_clause(Operation::AddColumn, &mut cursor, span_text(src, def));
    let Some(name) = clause.column.clone() else {
        return;
    };
    if clause.operation != Operation::AddColumn {
        return;
    }
    // After the name and the type: the attributes the column clause does not keep.
    let after_name = def.get(1..).unwrap_or_default();
    let attributes = after_name
        .get(column_type_len(after_name)..)
        .unwrap_or_default();
    if let Some(stored) = keys::generated(attributes) {
        table.generated.push((name.clone(), stored));
    }
    if let Some(clause) = keys::column_check(src, attributes) {
        table.checks.push(CheckDefinition {
            name: Some(name),
            clause,
        });
    }
    table.columns.push(clause);
}

#[cfg(test)]
mod tests {
    use super::super::parse_sql;
    use super::*;

    fn definition(sql: &str) -> Option<TableDefinition> {
        let statements = parse_sql("s.sql", sql, 0).expect("parses");
        table_definition(statements.first().expect("one statement"))
    }

    #[test]
    fn columns_keys_and_options() {
        let table = definition(
            "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n  `name` varchar(32) CHARACTER SET latin1 NOT NULL DEFAULT '',\n  `price` decimal(10,2) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`name`),\n  CONSTRAINT `fk` FOREIGN KEY (`id`) REFERENCES `o` (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        )
        .expect("a definition");
        assert_eq!(table.name, "t");
        assert_eq!(table.default_charset.as_deref(), Some("utf8mb4"));
        let summary: Vec<String> = table
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{:?} {:?} {:?} {} {:?}",
                    c.column, c.column_type, c.nullable, c.has_default, c.charset
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                r#"Some("id") Some("bigint(20)") Some(false) false None"#,
                r#"Some("name") Some("varchar(32)") Some(false) true Some("latin1")"#,
                r#"Some("price") Some("decimal(10,2)") None true None"#,
            ]
        );
    }

    #[test]
    fn not_a_create_table_with_columns() {
        assert!(definition("CREATE TABLE t2 LIKE t").is_none());
        assert!(definition("ALTER TABLE t ADD x int").is_none());
        let table = definition("create table t (a int) charset latin1").expect("a definition");
        assert_eq!(table.default_charset.as_deref(), Some("latin1"));
    }
}
