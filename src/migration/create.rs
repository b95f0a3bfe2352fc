//! CREATE TABLE's column list, read with the same column-definition reader as ALTER
//! TABLE's ADD/MODIFY, so that `lint --schema` can compare a MODIFY with the column it
//! replaces. Keys, constraints and checks in the list are skipped.

use super::alter::{charset_in, column_clause};
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
    Some(TableDefinition {
        name: statement.creates_table.clone()?,
        columns: columns_of(src, list),
        default_charset: charset_in(c.rest()),
    })
}

fn columns_of(src: &str, list: &[Token]) -> Vec<Clause> {
    split_top_level_commas(list)
        .into_iter()
        .filter_map(|range| list.get(range))
        .filter(|def| def.first().is_some_and(|t| !t.is_any_kw(NOT_A_COLUMN)))
        .map(|def| {
            let mut cursor = Cursor::new(def);
            column_clause(Operation::AddColumn, &mut cursor, span_text(src, def))
        })
        .filter(|clause| clause.operation == Operation::AddColumn)
        .collect()
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
