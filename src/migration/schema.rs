//! Schema files as people make them (`mysqldump`/`mariadb-dump --no-data --routines
//! --triggers`, `SHOW CREATE TABLE` output): the CREATE TABLE statements ddl-eta builds its
//! tables from, and a count of the objects it skips (triggers, routines, views, events).

use anyhow::{anyhow, Context, Result};
use std::path::Path;

use super::lexer::{split_statements, tokenize, Token, TokenKind};
use super::{build_statement, Operation, Statement};

/// The tables of a schema file, and what else it defines.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The CREATE TABLE statements, in file order; a view's stand-in table is not one.
    pub tables: Vec<Statement>,
    pub skipped: Skipped,
}

/// How many objects of each kind the file creates that are not tables. A view counts
/// once, though dumps create it twice (a stand-in first, the real view at the end).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped {
    pub triggers: usize,
    pub procedures: usize,
    pub functions: usize,
    pub views: usize,
    pub events: usize,
}

impl Skipped {
    pub fn total(&self) -> usize {
        self.triggers + self.procedures + self.functions + self.views + self.events
    }
}

/// The one note for a schema file that defines more than tables, e.g. "dump.sql: 1
/// trigger, 1 procedure and 1 view skipped: ddl-eta reads only the CREATE TABLE statements
/// (the tables they use are kept)"; None when there is nothing to say.
pub fn skipped_note(file: &str, skipped: &Skipped) -> Option<String> {
    let counts = [
        (skipped.triggers, "trigger", "triggers"),
        (skipped.procedures, "procedure", "procedures"),
        (skipped.functions, "function", "functions"),
        (skipped.views, "view", "views"),
        (skipped.events, "event", "events"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|&(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
    let list = match parts.as_slice() {
        [] => return None,
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    Some(format!(
        "{file}: {list} skipped: ddl-eta reads only the CREATE TABLE statements (the tables they use are kept)"
    ))
}

/// The kinds of object a CREATE statement of a schema file makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Object {
    Table,
    View,
    Trigger,
    Procedure,
    Function,
    Event,
    Other,
}

/// Reads and parses the schema file at `path` (`parse_schema`); the caller says what it
/// skipped (`skipped_note`) where that is news to the user.
pub fn read_schema_file(path: &Path) -> Result<Schema> {
    let name = path.display().to_string();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read schema file {name}"))?;
    parse_schema(&name, &text)
}

/// Reads a schema file's text: `file` names it in errors.
///
/// # Errors
/// When the text cannot be split into statements (see `parse_sql`).
pub fn parse_schema(file: &str, text: &str) -> Result<Schema> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let statements =
        split_statements(text).map_err(|err| anyhow!("{file}:{}: {err}", err.line()))?;
    let mut tables = Vec::new();
    let mut views: Vec<String> = Vec::new();
    let mut skipped = Skipped::default();
    for toks in &statements {
        // Dumps write views, triggers and events inside `/*!50001 ... */` comments that the
        // server runs: read them as the server would.
        let wrapped = toks
            .first()
            .is_some_and(|t| t.kind == TokenKind::Executable);
        let unwrapped = wrapped.then(|| executed_text(toks));
        let inner;
        let toks: &[Token] = match &unwrapped {
            Some(sql) => {
                inner = tokenize(sql).unwrap_or_default();
                &inner
            }
            None => toks,
        };
        let (object, name) = created_object(toks);
        match object {
            // A CREATE TABLE inside such a comment is mysqldump's stand-in for a view
            // (written before the tables a view reads exist): a view, not a table.
            Object::Table if wrapped => views.extend(name),
            Object::Table => tables.push(build_statement(file, text, toks, tables.len())),
            Object::View => views.extend(name),
            Object::Trigger => skipped.triggers += 1,
            Object::Procedure => skipped.procedures += 1,
            Object::Function => skipped.functions += 1,
            Object::Event => skipped.events += 1,
            Object::Other => {}
        }
    }
    // Very old dumps wrote the stand-in as a plain CREATE TABLE: a table a view replaces is
    // that view.
    tables.retain(|t| {
        !t.creates_table.as_ref().is_some_and(|name| {
            views
                .iter()
                .any(|view| view.eq_ignore_ascii_case(name.as_str()))
        })
    });
    for (i, table) in tables.iter_mut().enumerate() {
        table.index = i;
    }
    views.sort_by_key(|v| v.to_ascii_lowercase());
    views.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    skipped.views = views.len();
    debug_assert!(tables.iter().all(|t| t.operation == Operation::CreateTable));
    Ok(Schema { tables, skipped })
}

/// The SQL a server runs for a statement made of executable comments and plain tokens:
/// each `/*!NNNNN body */` becomes its body, and one no server runs (`/*M!999999\- enable
/// the sandbox mode */`, which mariadb-dump writes first) nothing.
fn executed_text(toks: &[Token]) -> String {
    let parts: Vec<&str> = toks
        .iter()
        .filter_map(|t| match t.kind {
            TokenKind::Executable => executable_body(t.text),
            _ => Some(t.text),
        })
        .collect();
    parts.join(" ")
}

fn executable_body(comment: &str) -> Option<&str> {
    let inner = comment.strip_prefix("/*")?.strip_suffix("*/")?;
    let inner = inner.strip_prefix('M').unwrap_or(inner);
    let inner = inner.strip_prefix('!')?;
    let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
    let version: u64 = inner.get(..digits)?.parse().unwrap_or(0);
    (version < 999_999).then(|| inner.get(digits..).unwrap_or(""))
}

/// What a CREATE statement makes, and its name (for a table or view), read from the
/// words before the first parenthesis: `CREATE [OR REPLACE] [ALGORITHM=..] [DEFINER=..]
/// [SQL SECURITY ..] [TEMPORARY|AGGREGATE] TABLE|VIEW|TRIGGER|... name`.
fn created_object(toks: &[Token]) -> (Object, Option<String>) {
    if !toks.first().is_some_and(|t| t.is_kw("CREATE")) {
        return (Object::Other, None);
    }
    let before_paren = toks.iter().take_while(|t| !t.is_punct('('));
    for (i, token) in before_paren.enumerate() {
        let object = match token.text.to_ascii_uppercase().as_str() {
            _ if token.kind != TokenKind::Word => continue,
            "TABLE" => Object::Table,
            "VIEW" => Object::View,
            "TRIGGER" => Object::Trigger,
            "PROCEDURE" => Object::Procedure,
            "FUNCTION" => Object::Function,
            "EVENT" => Object::Event,
            "INDEX" | "DATABASE" | "SCHEMA" | "SEQUENCE" | "USER" | "ROLE" | "SERVER"
            | "PACKAGE" | "TABLESPACE" | "LOGFILE" => Object::Other,
            _ => continue,
        };
        return (object, object_name(toks.get(i + 1..).unwrap_or(&[])));
    }
    (Object::Other, None)
}

/// The name at the start of `toks`, past `IF NOT EXISTS` and a schema qualifier.
fn object_name(toks: &[Token]) -> Option<String> {
    let mut rest = toks;
    if rest.first().is_some_and(|t| t.is_kw("IF")) {
        rest = rest.get(3..)?;
    }
    match rest {
        [_, dot, name, ..] if dot.is_punct('.') => name.name(),
        [name, ..] => name.name(),
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(schema: &Schema) -> Vec<&str> {
        schema
            .tables
            .iter()
            .filter_map(|t| t.creates_table.as_deref())
            .collect()
    }

    /// The shape of `mariadb-dump --no-data --routines --triggers --events` output.
    const MARIADB_DUMP: &str = "/*M!999999\\- enable the sandbox mode */ \n\
-- MariaDB dump 10.19\n\
/*!40101 SET NAMES utf8mb4 */;\n\
DROP TABLE IF EXISTS `audit`;\n\
CREATE TABLE `audit` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n\
DROP TABLE IF EXISTS `big_orders`;\n\
/*!50001 DROP VIEW IF EXISTS `big_orders`*/;\n\
/*!50001 CREATE VIEW `big_orders` AS SELECT\n 1 AS `id` */;\n\
CREATE TABLE `orders` (\n  `id` int(11) NOT NULL,\n  `total` decimal(10,2) NOT NULL\n) ENGINE=InnoDB;\n\
DELIMITER ;;\n\
/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW BEGIN INSERT INTO audit VALUES (NEW.id); END \n*/;;\n\
DELIMITER ;\n\
DELIMITER ;;\n\
/*!50106 CREATE*/ /*!50117 DEFINER=`root`@`localhost`*/ /*!50106 EVENT `nightly` ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit \n*/ ;;\n\
DELIMITER ;\n\
DELIMITER ;;\n\
CREATE DEFINER=`root`@`localhost` PROCEDURE `recent`(IN n int)\nBEGIN SELECT * FROM orders LIMIT n; SELECT 'done;'; END\n;;\n\
CREATE DEFINER=`root`@`localhost` FUNCTION `f`() RETURNS int\nBEGIN RETURN 1; END ;;\n\
DELIMITER ;\n\
/*!50001 CREATE ALGORITHM=UNDEFINED */\n\
/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n\
/*!50001 VIEW `big_orders` AS select `orders`.`id` AS `id` from `orders` */;\n";

    #[test]
    fn a_dump_with_routines_triggers_views_and_events_gives_its_tables() {
        let schema = parse_schema("dump.sql", MARIADB_DUMP).expect("parses");
        assert_eq!(names(&schema), vec!["audit", "orders"]);
        assert_eq!(
            schema.skipped,
            Skipped {
                triggers: 1,
                procedures: 1,
                functions: 1,
                views: 1,
                events: 1
            }
        );
        let orders = &schema.tables[1];
        assert_eq!(orders.index, 1);
        assert_eq!(orders.line, 13);
        assert!(orders.sql.starts_with("CREATE TABLE `orders` ("));
        assert!(orders.sql.ends_with("ENGINE=InnoDB"));
    }

    #[test]
    fn old_mysqldump_view_stand_in_tables_are_views() {
        // MySQL 5.7's mysqldump: the stand-in is a CREATE TABLE in a versioned comment.
        let dump = "CREATE TABLE `t` (`a` int);\n\
/*!50001 DROP VIEW IF EXISTS `v`*/;\n\
/*!50001 CREATE TABLE `v` (\n  `a` tinyint NOT NULL\n) ENGINE=MyISAM */;\n\
/*!50001 DROP TABLE IF EXISTS `v`*/;\n\
/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`u`@`%` SQL SECURITY DEFINER */\n\
/*!50001 VIEW `v` AS select `t`.`a` AS `a` from `t` */;\n";
        let schema = parse_schema("old.sql", dump).expect("parses");
        assert_eq!(names(&schema), vec!["t"]);
        assert_eq!(schema.skipped.views, 1);
        assert_eq!(schema.skipped.total(), 1);

        // Older still: the stand-in as a plain CREATE TABLE, the view named with its schema.
        let dump = "CREATE TABLE v (a int);\nCREATE TABLE t (a int);\n\
CREATE OR REPLACE VIEW shop.v AS SELECT a FROM t;";
        let schema = parse_schema("older.sql", dump).expect("parses");
        assert_eq!(names(&schema), vec!["t"]);
        assert_eq!(schema.tables[0].index, 0);
        assert_eq!(schema.skipped.views, 1);
    }

    #[test]
    fn the_note_names_each_kind_once() {
        let skipped = Skipped {
            triggers: 2,
            procedures: 1,
            views: 1,
            ..Skipped::default()
        };
        assert_eq!(
            skipped_note("d.sql", &skipped).as_deref(),
            Some("d.sql: 2 triggers, 1 procedure and 1 view skipped: ddl-eta reads only the CREATE TABLE statements (the tables they use are kept)")
        );
        assert_eq!(skipped_note("d.sql", &Skipped::default()), None);
    }

    #[test]
    fn plain_create_table_files_are_unchanged() {
        let schema = parse_schema(
            "s.sql",
            "CREATE TABLE IF NOT EXISTS a (x int);\nCREATE TEMPORARY TABLE b (y int);\nCREATE INDEX i ON a (x);\nSELECT 1;",
        )
        .expect("parses");
        assert_eq!(names(&schema), vec!["a", "b"]);
        assert_eq!(schema.skipped, Skipped::default());
    }

    #[test]
    fn sandbox_mode_and_unknown_comment_bodies() {
        assert_eq!(
            executable_body("/*M!999999\\- enable the sandbox mode */"),
            None
        );
        assert_eq!(executable_body("/*!50001 VIEW v */"), Some(" VIEW v "));
        assert_eq!(executable_body("/*! CREATE */"), Some(" CREATE "));
        assert_eq!(executable_body("/* plain */"), None);
    }
}
