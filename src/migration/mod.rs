//! The migration to estimate: reads SQL files (Django `sqlmigrate` output included),
//! splits them into statements and classifies each one statically, without a server.
//! Also rewrites statements with ALGORITHM=/LOCK= for probing.

mod alter;
mod classify;
mod create;
mod keys;
mod lexer;
mod not_sql;
#[cfg(test)]
mod proptests;
mod rewrite;
mod schema;
mod tokens;

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use serde::Serialize;

use self::classify::{classify, StatementKind};
pub use self::create::{table_definition, TableDefinition};
pub use self::keys::{CheckDefinition, KeyDefinition, KeyKind};
use self::lexer::{split_statements, tokenize, Token};
pub use self::not_sql::NotSqlStep;
pub use self::schema::{parse_schema, read_schema_file, skipped_note, Schema, Skipped};
pub use crate::ddl::Operation;

/// One migration: statements in execution order, from one or several files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Migration {
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    /// 0-based position across all files.
    pub index: usize,
    /// Path as given, or "-" for stdin.
    pub file: String,
    /// 1-based line of the statement's first token.
    pub line: usize,
    /// Statement text as written, without leading comments and trailing `;`.
    pub sql: String,
    /// `Multiple` when an ALTER has more than one effective clause.
    pub operation: Operation,
    /// One per effective clause; a single clause for CREATE INDEX, CREATE TABLE, ...;
    /// empty for Unknown statements.
    pub clauses: Vec<Clause>,
    /// Target table, unquoted, without schema qualifier.
    pub table: Option<String>,
    /// Table that exists after the statement and not before (CREATE TABLE, renames).
    pub creates_table: Option<String>,
    pub drops_table: Option<String>,
    /// ALGORITHM the user wrote, uppercased.
    pub algorithm_clause: Option<String>,
    /// LOCK the user wrote, uppercased.
    pub lock_clause: Option<String>,
    /// A step that is not SQL (Django's "cannot be written as SQL" marker), with the
    /// operation's description: listed, never run or timed. `sql` is then the marker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_sql: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Clause {
    pub operation: Operation,
    /// Column added/dropped/modified/renamed (the old name for a rename).
    pub column: Option<String>,
    /// Rename target (column, index or table).
    pub new_name: Option<String>,
    /// Type as written for ADD/MODIFY/CHANGE, lowercased, without NULL/DEFAULT etc.
    pub column_type: Option<String>,
    /// Some(false) for NOT NULL, Some(true) for NULL, None when neither is written.
    pub nullable: Option<bool>,
    pub has_default: bool,
    /// "FIRST" or "AFTER col".
    pub position: Option<String>,
    pub index_name: Option<String>,
    pub index_columns: Vec<String>,
    pub unique: bool,
    pub charset: Option<String>,
    /// Table a foreign key references.
    pub references: Option<String>,
    /// The key a column definition declares inline (`slug varchar(50) NOT NULL UNIQUE`, as
    /// Django writes a unique field; `PRIMARY KEY`, or `KEY` alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_key: Option<InlineKey>,
    /// The clause as written.
    pub text: String,
}

/// A key declared inside a column definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InlineKey {
    Unique,
    Primary,
}

impl Clause {
    pub(crate) fn new(operation: Operation, text: &str) -> Self {
        Clause {
            operation,
            column: None,
            new_name: None,
            column_type: None,
            nullable: None,
            has_default: false,
            position: None,
            index_name: None,
            index_columns: Vec::new(),
            unique: false,
            charset: None,
            references: None,
            inline_key: None,
            text: text.to_string(),
        }
    }
}

impl Statement {
    /// ALTER TABLE, CREATE INDEX or DROP INDEX: the forms that take ALGORITHM= and LOCK=.
    pub fn is_online_ddl(&self) -> bool {
        tokenize(&self.sql)
            .is_ok_and(|toks| classify(&self.sql, &toks).kind != StatementKind::Other)
    }

    /// "file:line".
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The SQL on one line, cut to its first 60 characters and "..." when longer.
    pub fn summary(&self) -> String {
        crate::text::one_line(&self.sql, 63)
    }
}

/// Reads the files in order ("-" is stdin) into one migration.
///
/// # Errors
/// When a file cannot be read, or cannot be split into statements (see `parse_sql`).
pub fn parse_files(paths: &[PathBuf]) -> Result<Migration> {
    let mut statements = Vec::new();
    for path in paths {
        let (file, text) = read_migration_file(path)?;
        let parsed = parse_sql(&file, &text, statements.len())?;
        statements.extend(parsed);
    }
    Ok(Migration { statements })
}

/// `parse_files`, with the SQL on standard input (`-`) named `stdin_name` in statements
/// and errors (`--stdin-filepath`).
pub fn parse_files_naming_stdin(paths: &[PathBuf], stdin_name: Option<&Path>) -> Result<Migration> {
    let mut statements = Vec::new();
    for path in paths {
        let (given, text) = read_migration_file(path)?;
        let file = match stdin_name {
            Some(name) if given == "-" => name.display().to_string(),
            _ => given,
        };
        let parsed = parse_sql(&file, &text, statements.len())?;
        statements.extend(parsed);
    }
    Ok(Migration { statements })
}

fn read_migration_file(path: &Path) -> Result<(String, String)> {
    let file = path.display().to_string();
    let read = if file == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    let text = read.map_err(|err| anyhow!("cannot read migration file {file}: {err}"))?;
    Ok((file, text))
}

/// Splits and classifies `text`; `file` names it in statements and errors, and
/// `first_index` is the index of its first statement in the whole migration.
///
/// # Errors
/// Only when the text cannot be split: an unterminated string, identifier or comment, or
/// a DELIMITER line that names no delimiter. A statement that is not understood is Unknown, not an error.
pub fn parse_sql(file: &str, text: &str, first_index: usize) -> Result<Vec<Statement>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let statements =
        split_statements(text).map_err(|err| anyhow!("{file}:{}: {err}", err.line()))?;
    let sql = statements
        .iter()
        .enumerate()
        .map(|(i, toks)| build_statement(file, text, toks, first_index + i))
        .collect();
    Ok(not_sql::merge(sql, not_sql::steps(file, text), first_index))
}

fn build_statement(file: &str, src: &str, toks: &[Token], index: usize) -> Statement {
    let classified = classify(src, toks);
    Statement {
        index,
        file: file.to_string(),
        line: toks.first().map_or(1, |t| t.line),
        sql: tokens::span_text(src, toks).trim().to_string(),
        operation: classified.operation,
        clauses: classified.clauses,
        table: classified.table,
        creates_table: classified.creates_table,
        drops_table: classified.drops_table,
        algorithm_clause: classified.algorithm_clause,
        lock_clause: classified.lock_clause,
        not_sql: None,
    }
}

/// The statement with `ALGORITHM=<algorithm>` in place of the user's, and the user's LOCK=
/// kept; None for statements that do not take it (or that we only half understand), and
/// when the user named another algorithm, which is then the only one to measure.
pub fn with_algorithm(stmt: &Statement, algorithm: &str) -> Option<String> {
    rewrite::with_option(&stmt.sql, "ALGORITHM", algorithm)
}

/// As `with_algorithm`, with `LOCK=<lock>`.
pub fn with_lock(stmt: &Statement, lock: &str) -> Option<String> {
    rewrite::with_option(&stmt.sql, "LOCK", lock)
}

/// The statement as pt-online-schema-change's `--alter` text (see `rewrite::pt_osc_alter`).
pub fn pt_osc_alter(stmt: &Statement) -> Option<String> {
    rewrite::pt_osc_alter(&stmt.sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DJANGO: &str = "\
BEGIN;
--
-- Add field foo to bar
--
ALTER TABLE `courseware_studentmodule` ADD COLUMN `foo` integer NULL;
--
-- Create index csm_course_grade on field(s) course_id, grade of model studentmodule
--
CREATE INDEX `csm_course_grade` ON `courseware_studentmodule` (`course_id`, `grade`);
ALTER TABLE `t` ADD COLUMN `x` integer DEFAULT 0 NOT NULL;
ALTER TABLE `t` ALTER COLUMN `x` DROP DEFAULT;
ALTER TABLE `t` ADD COLUMN `user_id` integer NULL , ADD CONSTRAINT `t_user_id_fk` FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`);
ALTER TABLE `t` MODIFY `grade` double precision NULL;
COMMIT;
";

    fn parse(text: &str) -> Vec<Statement> {
        parse_sql("m.sql", text, 0).expect("parses")
    }

    fn one(sql: &str) -> Statement {
        let mut statements = parse(sql);
        assert_eq!(statements.len(), 1, "{sql}");
        statements.remove(0)
    }

    #[test]
    fn django_sqlmigrate_output() {
        let statements = parse(DJANGO);
        let summary: Vec<(usize, Operation, Option<&str>)> = statements
            .iter()
            .map(|s| (s.line, s.operation, s.table.as_deref()))
            .collect();
        let t = Some("t");
        let csm = Some("courseware_studentmodule");
        assert_eq!(
            summary,
            vec![
                (1, Operation::Unknown, None),
                (5, Operation::AddColumn, csm),
                (9, Operation::AddIndex, csm),
                (10, Operation::AddColumn, t),
                (11, Operation::ChangeDefault, t),
                (12, Operation::Multiple, t),
                (13, Operation::ModifyColumn, t),
                (14, Operation::Unknown, None),
            ]
        );
        assert!(statements.iter().enumerate().all(|(i, s)| s.index == i));
        assert_eq!(
            statements[1].sql,
            "ALTER TABLE `courseware_studentmodule` ADD COLUMN `foo` integer NULL"
        );
        assert_eq!(
            statements[2].clauses[0].index_columns,
            vec!["course_id", "grade"]
        );
        assert_eq!(
            statements[2].clauses[0].index_name.as_deref(),
            Some("csm_course_grade")
        );

        let with_default = &statements[3].clauses[0];
        assert_eq!(with_default.column_type.as_deref(), Some("integer"));
        assert!(with_default.has_default);
        assert_eq!(with_default.nullable, Some(false));

        let fk = &statements[5];
        let ops: Vec<Operation> = fk.clauses.iter().map(|c| c.operation).collect();
        assert_eq!(ops, vec![Operation::AddColumn, Operation::AddForeignKey]);
        assert_eq!(fk.clauses[0].text, "ADD COLUMN `user_id` integer NULL");
        assert_eq!(fk.clauses[1].references.as_deref(), Some("auth_user"));
        assert_eq!(fk.clauses[1].index_name.as_deref(), Some("t_user_id_fk"));

        assert_eq!(
            statements[6].clauses[0].column_type.as_deref(),
            Some("double precision")
        );
    }

    #[test]
    fn statement_text_and_lines_skip_leading_comments() {
        let statements =
            parse("/* header */\n-- note\n\n  SELECT 1 ; # trailing\n\n;  \nSELECT\n 2");
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].sql, "SELECT 1");
        assert_eq!(statements[0].line, 4);
        assert_eq!(statements[1].sql, "SELECT\n 2");
        assert_eq!(statements[1].line, 7);
    }

    #[test]
    fn semicolons_in_strings_and_comments_do_not_split() {
        let statements = parse(
            "ALTER TABLE t /* ; */ ADD c varchar(3) DEFAULT ';' COMMENT 'it''s; \\'ok;' -- ;\n;\nALTER TABLE t DROP c",
        );
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0].operation, Operation::AddColumn);
        // Comments inside a statement stay in its text; trailing ones do not.
        assert!(statements[0].sql.contains("/* ; */"));
        assert!(statements[0].sql.ends_with("'it''s; \\'ok;'"));
        assert_eq!(statements[1].operation, Operation::DropColumn);
        assert_eq!(statements[1].line, 3);
    }

    #[test]
    fn mysqldump_versioned_comments_survive_as_statements() {
        let statements = parse("/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\nALTER TABLE t FORCE;");
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].sql,
            "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */"
        );
        assert_eq!(statements[0].operation, Operation::Unknown);
        assert_eq!(statements[1].operation, Operation::Rebuild);
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse_sql("db/m.sql", "SELECT 1;\nSELECT 'oops;\n", 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "db/m.sql:2: unterminated string starting here"
        );
        let err = parse_sql("m.sql", "SELECT 1;\n/* open", 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.sql:2: unterminated comment starting here"
        );
        let err = parse_sql("m.sql", "\nDELIMITER\n", 0).unwrap_err();
        assert_eq!(
            err.to_string(),
            "m.sql:2: DELIMITER without a delimiter after it"
        );
    }

    #[test]
    fn schema_qualified_and_backquoted_names() {
        let s = one("ALTER TABLE `shop`.`order items` ADD INDEX `by date` (`created at`)");
        assert_eq!(s.table.as_deref(), Some("order items"));
        assert_eq!(s.clauses[0].index_name.as_deref(), Some("by date"));
        assert_eq!(s.clauses[0].index_columns, vec!["created at"]);
        assert_eq!(
            one("DROP INDEX i ON shop.orders").table.as_deref(),
            Some("orders")
        );
        assert_eq!(
            one("CREATE TABLE `a``b` (id int)").creates_table.as_deref(),
            Some("a`b")
        );
    }

    #[test]
    fn options_are_recorded_not_counted() {
        let s = one("ALTER TABLE t ADD x int, ALGORITHM=inplace, LOCK=none");
        assert_eq!(s.operation, Operation::AddColumn);
        assert_eq!(s.clauses.len(), 1);
        assert_eq!(s.algorithm_clause.as_deref(), Some("INPLACE"));
        assert_eq!(s.lock_clause.as_deref(), Some("NONE"));
        let s = one("ALTER TABLE t ALGORITHM=COPY");
        assert_eq!(s.operation, Operation::Unknown);
        assert!(s.clauses.is_empty());
    }

    #[test]
    fn mariadb_syntax() {
        let s = one("ALTER TABLE IF EXISTS t NOWAIT ADD COLUMN IF NOT EXISTS c int, FORCE");
        assert_eq!(s.operation, Operation::Multiple);
        assert_eq!(s.table.as_deref(), Some("t"));
        let ops: Vec<Operation> = s.clauses.iter().map(|c| c.operation).collect();
        assert_eq!(ops, vec![Operation::AddColumn, Operation::Rebuild]);
    }

    #[test]
    fn public_rewrites_and_online_ddl() {
        let alter = one("ALTER TABLE t ADD x int, ALGORITHM=COPY, LOCK=SHARED");
        assert!(alter.is_online_ddl());
        // The user named COPY and SHARED: those are the levels measured.
        assert_eq!(with_algorithm(&alter, "INSTANT"), None);
        assert_eq!(
            with_algorithm(&alter, "COPY").as_deref(),
            Some("ALTER TABLE t ADD x int, LOCK=SHARED, ALGORITHM=COPY")
        );
        assert_eq!(with_lock(&alter, "NONE"), None);
        let create_index = one("CREATE INDEX i ON t (a)");
        assert!(create_index.is_online_ddl());
        assert_eq!(
            with_algorithm(&create_index, "INPLACE").as_deref(),
            Some("CREATE INDEX i ON t (a) ALGORITHM=INPLACE")
        );
        let drop_index = one("DROP INDEX i ON t");
        assert_eq!(
            with_lock(&drop_index, "NONE").as_deref(),
            Some("DROP INDEX i ON t LOCK=NONE")
        );
        let create_table = one("CREATE TABLE t (id int)");
        assert!(!create_table.is_online_ddl());
        assert_eq!(with_algorithm(&create_table, "INPLACE"), None);
        assert_eq!(with_lock(&create_table, "NONE"), None);
    }

    #[test]
    fn location_and_summary() {
        let s = &parse_sql(
            "a.sql",
            "\n\nALTER TABLE   t\n  ADD COLUMN c varchar(255) NOT NULL DEFAULT 'some long default'",
            3,
        )
        .expect("parses")[0];
        assert_eq!(s.index, 3);
        assert_eq!(s.location(), "a.sql:3");
        assert_eq!(
            s.summary(),
            "ALTER TABLE t ADD COLUMN c varchar(255) NOT NULL DEFAULT 'so..."
        );
        assert_eq!(one("SELECT  1").summary(), "SELECT 1");
    }

    #[test]
    fn operation_names_match_serde() {
        for op in [
            Operation::AddColumn,
            Operation::ConvertCharset,
            Operation::Unknown,
        ] {
            let json = serde_json::to_string(&op).expect("serializes");
            assert_eq!(json, format!("\"{}\"", op.as_str()));
        }
    }

    #[test]
    fn files_are_read_in_order_with_running_indexes() {
        let dir = std::env::temp_dir().join(format!("ddl-eta-migration-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("creates temp dir");
        let first = dir.join("1.sql");
        let second = dir.join("2.sql");
        std::fs::write(&first, "ALTER TABLE t ADD a int;\nALTER TABLE t ADD b int;")
            .expect("writes");
        std::fs::write(&second, "DROP TABLE t;").expect("writes");
        let migration = parse_files(&[first.clone(), second.clone()]).expect("parses");
        std::fs::remove_dir_all(&dir).expect("removes temp dir");
        let seen: Vec<(usize, String)> = migration
            .statements
            .iter()
            .map(|s| (s.index, s.file.clone()))
            .collect();
        assert_eq!(
            seen,
            vec![
                (0, first.display().to_string()),
                (1, first.display().to_string()),
                (2, second.display().to_string()),
            ]
        );
    }

    #[test]
    fn unreadable_file_is_named() {
        let missing = PathBuf::from("/nonexistent/ddl-eta/missing.sql");
        let err = parse_files(&[missing]).unwrap_err().to_string();
        assert!(
            err.starts_with("cannot read migration file /nonexistent/ddl-eta/missing.sql: "),
            "{err}"
        );
    }
}
