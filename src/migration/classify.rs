//! Classifies one statement: what it does, to which table, with which clauses.
//! ALTER TABLE is delegated to `alter`; a statement that is not understood is Unknown,
//! never an error.

use super::alter::{parse_alter_table, AlterTable};
use super::lexer::Token;
use super::tokens::{find_options, key_part_names, last_option, span_text, Cursor, OptionKind};
use super::{Clause, Operation};

/// The statement forms that accept ALGORITHM= and LOCK=.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatementKind {
    AlterTable,
    CreateIndex,
    DropIndex,
    Other,
}

pub(crate) struct Classified {
    pub kind: StatementKind,
    pub operation: Operation,
    pub clauses: Vec<Clause>,
    pub table: Option<String>,
    pub creates_table: Option<String>,
    pub drops_table: Option<String>,
    pub algorithm_clause: Option<String>,
    pub lock_clause: Option<String>,
}

impl Classified {
    fn unknown(table: Option<String>) -> Self {
        Classified {
            kind: StatementKind::Other,
            operation: Operation::Unknown,
            clauses: Vec::new(),
            table,
            creates_table: None,
            drops_table: None,
            algorithm_clause: None,
            lock_clause: None,
        }
    }

    fn single(clause: Clause, table: Option<String>) -> Self {
        Classified {
            operation: clause.operation,
            clauses: vec![clause],
            ..Classified::unknown(table)
        }
    }

    fn with_options(mut self, toks: &[Token]) -> Self {
        let options = find_options(toks);
        self.algorithm_clause = last_option(&options, OptionKind::Algorithm);
        self.lock_clause = last_option(&options, OptionKind::Lock);
        self
    }
}

pub(crate) fn classify(src: &str, toks: &[Token]) -> Classified {
    if let Some(alter) = parse_alter_table(src, toks) {
        return from_alter(alter);
    }
    let text = span_text(src, toks);
    let mut c = Cursor::new(toks);
    if c.eat_kw("CREATE") {
        create_statement(src, toks, &mut c, text)
    } else if c.eat_kw("DROP") {
        drop_statement(toks, &mut c, text)
    } else if c.eat_kw("OPTIMIZE") {
        optimize_statement(&mut c, text)
    } else if c.eat_kw("RENAME") {
        rename_statement(&mut c, text)
    } else {
        Classified::unknown(data_statement_table(&mut c))
    }
}

fn from_alter(alter: AlterTable) -> Classified {
    let clauses: Vec<Clause> = alter.clauses().cloned().collect();
    let operation = match clauses.as_slice() {
        [] => Operation::Unknown,
        [only] => only.operation,
        _ => Operation::Multiple,
    };
    let creates_table = clauses
        .iter()
        .find(|c| c.operation == Operation::RenameTable)
        .and_then(|c| c.new_name.clone());
    Classified {
        kind: StatementKind::AlterTable,
        operation,
        clauses,
        table: alter.table,
        creates_table,
        drops_table: None,
        algorithm_clause: last_option(&alter.options, OptionKind::Algorithm),
        lock_clause: last_option(&alter.options, OptionKind::Lock),
    }
}

fn create_statement(src: &str, toks: &[Token], c: &mut Cursor, text: &str) -> Classified {
    c.eat_kws(&["OR", "REPLACE"]);
    c.eat_any_kw(&["ONLINE", "OFFLINE"]);
    let unique = c.peek_kw("UNIQUE");
    c.eat_any_kw(&["UNIQUE", "FULLTEXT", "SPATIAL"]);
    if c.eat_kw("INDEX") {
        return create_index(src, toks, c, text, unique);
    }
    c.eat_kw("TEMPORARY");
    if !c.eat_kw("TABLE") {
        return Classified::unknown(None);
    }
    c.skip_if_not_exists();
    let table = c.qualified_name();
    let mut created = Classified::single(Clause::new(Operation::CreateTable, text), table.clone());
    created.creates_table = table;
    created
}

/// `CREATE INDEX [IF NOT EXISTS] name [USING x] ON t [USING x] (cols) [options]`.
fn create_index(src: &str, toks: &[Token], c: &mut Cursor, text: &str, unique: bool) -> Classified {
    c.skip_if_not_exists();
    let mut clause = Clause::new(Operation::AddIndex, text);
    clause.unique = unique;
    clause.index_name = c.name();
    if c.eat_kw("USING") {
        c.advance();
    }
    if !c.eat_kw("ON") {
        return Classified::unknown(None);
    }
    let table = c.qualified_name();
    if c.eat_kw("USING") {
        c.advance();
    }
    if let Some(inner) = c.parenthesised() {
        clause.index_columns = key_part_names(src, inner);
    }
    Classified {
        kind: StatementKind::CreateIndex,
        ..Classified::single(clause, table).with_options(toks)
    }
}

fn drop_statement(toks: &[Token], c: &mut Cursor, text: &str) -> Classified {
    c.eat_kw("TEMPORARY");
    if c.eat_any_kw(&["TABLE", "TABLES"]) {
        c.skip_if_exists();
        let table = c.qualified_name();
        let mut dropped =
            Classified::single(Clause::new(Operation::DropTable, text), table.clone());
        dropped.drops_table = table;
        return dropped;
    }
    if !c.eat_kw("INDEX") {
        return Classified::unknown(None);
    }
    c.eat_any_kw(&["ONLINE", "OFFLINE"]);
    c.skip_if_exists();
    let mut clause = Clause::new(Operation::DropIndex, text);
    clause.index_name = c.name();
    if !c.eat_kw("ON") {
        return Classified::unknown(None);
    }
    let table = c.qualified_name();
    Classified {
        kind: StatementKind::DropIndex,
        ..Classified::single(clause, table).with_options(toks)
    }
}

fn optimize_statement(c: &mut Cursor, text: &str) -> Classified {
    c.eat_any_kw(&["NO_WRITE_TO_BINLOG", "LOCAL"]);
    if !c.eat_kw("TABLE") {
        return Classified::unknown(None);
    }
    let table = c.qualified_name();
    Classified::single(Clause::new(Operation::Rebuild, text), table)
}

/// `RENAME TABLE a TO b [, c TO d]`: described by its first pair.
fn rename_statement(c: &mut Cursor, text: &str) -> Classified {
    if !c.eat_any_kw(&["TABLE", "TABLES"]) {
        return Classified::unknown(None);
    }
    c.skip_if_exists();
    let table = c.qualified_name();
    if c.eat_kw("WAIT") {
        c.advance();
    } else {
        c.eat_kw("NOWAIT");
    }
    if !c.eat_kw("TO") {
        return Classified::unknown(table);
    }
    let mut clause = Clause::new(Operation::RenameTable, text);
    clause.new_name = c.qualified_name();
    let creates_table = clause.new_name.clone();
    let mut renamed = Classified::single(clause, table);
    renamed.creates_table = creates_table;
    renamed
}

/// The table a TRUNCATE / UPDATE / INSERT / REPLACE / DELETE writes to.
fn data_statement_table(c: &mut Cursor) -> Option<String> {
    let modifiers = [
        "LOW_PRIORITY",
        "DELAYED",
        "HIGH_PRIORITY",
        "QUICK",
        "IGNORE",
    ];
    if c.eat_kw("TRUNCATE") {
        c.eat_kw("TABLE");
    } else if c.eat_kw("UPDATE") {
        while c.eat_any_kw(&modifiers) {}
    } else if c.eat_any_kw(&["INSERT", "REPLACE"]) {
        while c.eat_any_kw(&modifiers) {}
        c.eat_kw("INTO");
    } else if c.eat_kw("DELETE") {
        while c.eat_any_kw(&modifiers) {}
        if !c.eat_kw("FROM") {
            return None;
        }
    } else {
        return None;
    }
    c.qualified_name()
}

#[cfg(test)]
mod tests {
    use super::super::lexer::tokenize;
    use super::*;

    fn classified(sql: &str) -> Classified {
        let toks = tokenize(sql).expect("lexes");
        classify(sql, &toks)
    }

    #[test]
    fn create_index_statements() {
        let c = classified(
            "CREATE UNIQUE INDEX IF NOT EXISTS `u` USING BTREE ON `db`.`t` (`a`(10), b DESC) ALGORITHM=INPLACE LOCK=NONE",
        );
        assert_eq!(c.kind, StatementKind::CreateIndex);
        assert_eq!(c.operation, Operation::AddIndex);
        assert_eq!(c.table.as_deref(), Some("t"));
        assert_eq!(c.clauses.len(), 1);
        assert!(c.clauses[0].unique);
        assert_eq!(c.clauses[0].index_name.as_deref(), Some("u"));
        assert_eq!(c.clauses[0].index_columns, vec!["a", "b"]);
        assert_eq!(c.algorithm_clause.as_deref(), Some("INPLACE"));
        assert_eq!(c.lock_clause.as_deref(), Some("NONE"));

        let c = classified("CREATE OR REPLACE FULLTEXT INDEX ft ON t (body)");
        assert_eq!(c.operation, Operation::AddIndex);
        assert!(!c.clauses[0].unique);
    }

    #[test]
    fn drop_index_statement() {
        let c = classified("DROP INDEX IF EXISTS `idx` ON `t` LOCK=SHARED");
        assert_eq!(c.kind, StatementKind::DropIndex);
        assert_eq!(c.operation, Operation::DropIndex);
        assert_eq!(c.table.as_deref(), Some("t"));
        assert_eq!(c.clauses[0].index_name.as_deref(), Some("idx"));
        assert_eq!(c.lock_clause.as_deref(), Some("SHARED"));
    }

    #[test]
    fn table_statements() {
        let c = classified("CREATE TEMPORARY TABLE IF NOT EXISTS db.t2 (id int)");
        assert_eq!(c.operation, Operation::CreateTable);
        assert_eq!(c.creates_table.as_deref(), Some("t2"));
        assert_eq!(c.kind, StatementKind::Other);
        let c = classified("CREATE TABLE t3 LIKE t");
        assert_eq!(c.creates_table.as_deref(), Some("t3"));

        let c = classified("DROP TABLE IF EXISTS `a`, `b`");
        assert_eq!(c.operation, Operation::DropTable);
        assert_eq!(c.drops_table.as_deref(), Some("a"));

        let c = classified("OPTIMIZE TABLE t");
        assert_eq!(c.operation, Operation::Rebuild);
        assert_eq!(c.table.as_deref(), Some("t"));

        let c = classified("RENAME TABLE a TO b, c TO d");
        assert_eq!(c.operation, Operation::RenameTable);
        assert_eq!(c.table.as_deref(), Some("a"));
        assert_eq!(c.creates_table.as_deref(), Some("b"));
    }

    #[test]
    fn alter_rename_creates_the_new_table() {
        let c = classified("ALTER TABLE a RENAME TO b");
        assert_eq!(c.operation, Operation::RenameTable);
        assert_eq!(c.table.as_deref(), Some("a"));
        assert_eq!(c.creates_table.as_deref(), Some("b"));
    }

    #[test]
    fn data_statements_name_their_table() {
        for (sql, table) in [
            ("TRUNCATE TABLE t1", "t1"),
            ("TRUNCATE t1", "t1"),
            ("UPDATE LOW_PRIORITY `t2` SET a = 1", "t2"),
            ("INSERT IGNORE INTO db.t3 (a) VALUES (1)", "t3"),
            ("REPLACE INTO t4 VALUES (1)", "t4"),
            ("DELETE FROM t5 WHERE a = 1", "t5"),
        ] {
            let c = classified(sql);
            assert_eq!(c.operation, Operation::Unknown, "{sql}");
            assert!(c.clauses.is_empty(), "{sql}");
            assert_eq!(c.table.as_deref(), Some(table), "{sql}");
        }
    }

    #[test]
    fn other_statements_are_unknown_without_table() {
        for sql in [
            "SET foreign_key_checks = 0",
            "BEGIN",
            "COMMIT",
            "SELECT 1",
            "/*!40101 SET NAMES utf8 */",
            "ALTER DATABASE d CHARACTER SET utf8",
            "CREATE VIEW v AS SELECT 1",
            "DROP VIEW v",
        ] {
            let c = classified(sql);
            assert_eq!(c.operation, Operation::Unknown, "{sql}");
            assert_eq!(c.table, None, "{sql}");
            assert_eq!(c.kind, StatementKind::Other, "{sql}");
        }
    }
}
