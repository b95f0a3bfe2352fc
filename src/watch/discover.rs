//! What runs on the server: one read of information_schema.PROCESSLIST per poll, and the
//! DDL statements among it, classified by the migration parser (table and operation).

use crate::migration::{self, Operation};
use crate::source::Source;
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlRow;
use sqlx::Row;

/// One PROCESSLIST row. MySQL has no STAGE / MAX_STAGE / PROGRESS columns: zeros there.
#[derive(Debug, Clone)]
pub struct Thread {
    pub id: u64,
    pub db: String,
    pub command: String,
    /// Seconds the current statement has run (milliseconds on MariaDB, whole seconds on MySQL).
    pub seconds: f64,
    pub state: String,
    pub info: Option<String>,
    pub stage: u32,
    pub max_stage: u32,
    /// Percent done of the current stage (MariaDB).
    pub progress: f64,
}

/// A DDL statement found running.
#[derive(Debug, Clone)]
pub struct Ddl {
    pub thread: Thread,
    /// The table's database: named in the statement, else the session's.
    pub database: String,
    /// The table's name, without its database.
    pub table: String,
    pub operation: Operation,
    pub sql: String,
}

impl Ddl {
    pub fn is_waiting_for_metadata_lock(&self) -> bool {
        self.thread
            .state
            .to_ascii_lowercase()
            .contains("waiting for table metadata lock")
    }

    /// `db.table`, as lines name it.
    pub fn name(&self) -> String {
        if self.database.is_empty() {
            self.table.clone()
        } else {
            format!("{}.{}", self.database, self.table)
        }
    }
}

/// `--table` / `--database`: which DDL to watch (empty: all).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub tables: Vec<String>,
    pub database: Option<String>,
}

impl Filter {
    fn keeps(&self, ddl: &Ddl) -> bool {
        let database_ok = self
            .database
            .as_ref()
            .is_none_or(|d| d.eq_ignore_ascii_case(&ddl.database));
        let table_ok = self.tables.is_empty()
            || self
                .tables
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&ddl.table) || t.eq_ignore_ascii_case(&ddl.name()));
        database_ok && table_ok
    }
}

/// Every thread but our own.
pub async fn threads(source: &mut Source) -> Result<Vec<Thread>> {
    // The source session picks the table by version (performance_schema from MySQL 8.0.22).
    let sql = source.processlist_sql();
    let rows = source
        .query(sql)
        .await
        .context("reading information_schema.PROCESSLIST")?;
    rows.iter().map(thread_from).collect()
}

fn thread_from(row: &MySqlRow) -> Result<Thread> {
    let number = |i: usize| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>(i)?.unwrap_or(0)) };
    let text = |i: usize| -> Result<String> {
        Ok(row.try_get::<Option<String>, _>(i)?.unwrap_or_default())
    };
    Ok(Thread {
        id: number(0)?.max(0) as u64,
        db: text(1)?,
        command: text(2)?,
        seconds: row.try_get::<Option<f64>, _>(3)?.unwrap_or(0.0) / 1000.0,
        state: text(4)?,
        info: row.try_get::<Option<String>, _>(5)?,
        stage: number(6)?.max(0) as u32,
        max_stage: number(7)?.max(0) as u32,
        progress: row.try_get::<Option<f64>, _>(8)?.unwrap_or(0.0),
    })
}

/// The DDL statements among the threads that the filter keeps.
pub fn ddl_statements(threads: &[Thread], filter: &Filter) -> Vec<Ddl> {
    threads
        .iter()
        .filter(|t| t.command.eq_ignore_ascii_case("Query"))
        .filter_map(|t| {
            let sql = t.info.as_deref()?;
            let (table, operation) = classify(sql)?;
            let (database, table) = match table.split_once('.') {
                Some((database, table)) => (database.to_string(), table.to_string()),
                None => (t.db.clone(), table),
            };
            Some(Ddl {
                thread: t.clone(),
                database,
                table,
                operation,
                sql: sql.trim().to_string(),
            })
        })
        .filter(|ddl| filter.keeps(ddl))
        .collect()
}

/// Table and operation of a statement that changes a table's structure; None for anything
/// else (queries, DML, CREATE TABLE).
pub fn classify(sql: &str) -> Option<(String, Operation)> {
    let first = first_words(sql);
    let is_ddl = first.starts_with("ALTER TABLE")
        || first.starts_with("ALTER ONLINE TABLE")
        || first.starts_with("ALTER IGNORE TABLE")
        || first.starts_with("CREATE INDEX")
        || first.starts_with("CREATE UNIQUE INDEX")
        || first.starts_with("CREATE FULLTEXT INDEX")
        || first.starts_with("CREATE SPATIAL INDEX")
        || first.starts_with("CREATE OR REPLACE INDEX")
        || first.starts_with("DROP INDEX")
        || first.starts_with("OPTIMIZE TABLE");
    if !is_ddl {
        return None;
    }
    let statement = migration::parse_sql("processlist", sql, 0)
        .ok()?
        .into_iter()
        .next()?;
    let operation = if first.starts_with("OPTIMIZE") {
        Operation::Rebuild
    } else {
        statement.operation
    };
    let table = statement.table.or_else(|| table_after_keyword(sql))?;
    let table = match database_before(sql, &table) {
        Some(database) => format!("{database}.{table}"),
        None => table,
    };
    Some((table, operation))
}

/// `db` of `db.table` (quoted or not) in the statement; the parser keeps only the table.
fn database_before(sql: &str, table: &str) -> Option<String> {
    if table.contains('.') {
        return None;
    }
    let flat = sql.replace('`', "");
    let lower = flat.to_ascii_lowercase();
    let needle = format!(".{}", table.to_ascii_lowercase());
    let at = lower.match_indices(&needle).map(|(i, _)| i).find(|i| {
        let after = lower[i + needle.len()..].chars().next();
        after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '$'))
    })?;
    let database: String = flat[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!database.is_empty()).then_some(database)
}

/// The statement's first words, upper case, comments skipped.
fn first_words(sql: &str) -> String {
    let mut rest = sql.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else if rest.starts_with("--") || rest.starts_with('#') {
            rest = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    rest.split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
}

/// OPTIMIZE TABLE t: the word after TABLE, unquoted.
fn table_after_keyword(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    words.find(|w| w.eq_ignore_ascii_case("TABLE"))?;
    let name = words.next()?.trim_end_matches(';').replace('`', "");
    (!name.is_empty()).then_some(name)
}

/// Fail with one line when the account cannot see other sessions' statements: without
/// PROCESS, PROCESSLIST silently shows only the account's own threads.
pub async fn require_process_privilege(source: &mut Source) -> Result<()> {
    if !has_process_privilege(source).await? {
        bail!(NO_PROCESS);
    }
    Ok(())
}

pub const NO_PROCESS: &str = "the account cannot see other sessions' statements: it needs the \
     PROCESS privilege (GRANT PROCESS ON *.* TO the watching account)";

/// Does the account hold PROCESS? `Err` when the server could not be asked.
pub async fn has_process_privilege(source: &mut Source) -> Result<bool> {
    // SHOW GRANTS with the default roles' grants, not USER_PRIVILEGES (the account's own).
    Ok(source
        .privileges()
        .await
        .context("reading the account's privileges")?
        .process)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_is_told_from_other_statements() {
        let (table, op) = classify("ALTER TABLE t ADD COLUMN c int, ALGORITHM=COPY").unwrap();
        assert_eq!((table.as_str(), op), ("t", Operation::AddColumn));
        let (table, op) = classify("/* django */ CREATE INDEX i ON `events` (a)").unwrap();
        assert_eq!((table.as_str(), op), ("events", Operation::AddIndex));
        assert_eq!(
            classify("OPTIMIZE TABLE big").unwrap().1,
            Operation::Rebuild
        );
        assert!(classify("SELECT * FROM t").is_none());
        assert!(classify("CREATE TABLE t (a int)").is_none());
        assert!(classify("UPDATE t SET a = 1").is_none());
    }
}
