//! Algorithm discovery: on a small copy, ask the server for each ALGORITHM and LOCK level
//! in turn; the first it accepts is what it really does (a statement that names its level
//! is asked only for that one: migration::with_algorithm gives None for the others).

use super::Lab;
use crate::ddl::{Algorithm, LockLevel};
use crate::migration::{self, Statement};
use crate::table::TableInfo;
use anyhow::Result;
use sqlx::mysql::{MySqlConnection, MySqlDatabaseError};
use std::time::Instant;

/// Rows of the largest table in the copy the algorithm and lock probes run on.
const PROBE_ROWS: u64 = 500;

impl Lab<'_> {
    /// On a small copy, ask the server for each algorithm and lock level in turn: the
    /// first it accepts is what it really does. Two passes, each on its own fresh copy,
    /// because a probe that succeeds has done the work.
    pub(super) async fn probe_algorithms_and_locks(&mut self) -> Result<()> {
        let fraction = self.bases.fraction_for(PROBE_ROWS);
        self.grow(fraction).await?;
        self.progress
            .step("finding the algorithm the server uses for each statement");
        self.fresh_tables(fraction).await?;
        let read_columns = self.extras.is_some_and(|e| e.read_columns);
        let mut conn = self.sandbox.connect().await?;
        let probing = Instant::now();
        for (index, statement) in self.migration.statements.iter().enumerate() {
            if let (true, Some(table)) = (read_columns, statement.table.as_deref()) {
                self.results.statements[index].columns_before =
                    Some(TableInfo::read(&mut conn, table).await?);
            }
            let found = probe_levels(
                &mut conn,
                statement,
                &Algorithm::ALL.map(|a| (a, a.keyword())),
                migration::with_algorithm,
            )
            .await?;
            self.results.statements[index].algorithm = found;
        }
        self.results.probe_seconds += probing.elapsed().as_secs_f64();
        self.progress
            .step("finding the lock level the server allows for each statement");
        self.fresh_tables(fraction).await?;
        let mut conn = self.sandbox.connect().await?;
        let probing = Instant::now();
        for (index, statement) in self.migration.statements.iter().enumerate() {
            let found = probe_levels(
                &mut conn,
                statement,
                &LockLevel::ALL.map(|l| (l, l.keyword())),
                migration::with_lock,
            )
            .await?;
            self.results.statements[index].lock = found;
        }
        self.results.probe_seconds += probing.elapsed().as_secs_f64();
        Ok(())
    }
}

/// Ask for each level in turn; the first the server accepts is the answer. A refusal
/// ("not supported", or a syntax error for a level this server lacks, like NOCOPY on
/// MySQL) moves on; any other error is the statement's own fault and is reported.
async fn probe_levels<L: Copy>(
    conn: &mut MySqlConnection,
    statement: &Statement,
    levels: &[(L, &str)],
    variant: fn(&Statement, &str) -> Option<String>,
) -> Result<Option<L>> {
    // None at every level: the statement takes no such option (or names another level).
    if levels.iter().all(|(_, k)| variant(statement, k).is_none()) {
        sqlx::raw_sql(&statement.sql)
            .execute(&mut *conn)
            .await
            .map_err(|e| rejected(statement, &e))?;
        return Ok(None);
    }
    for (level, keyword) in levels {
        let Some(sql) = variant(statement, keyword) else {
            continue;
        };
        match sqlx::raw_sql(&sql).execute(&mut *conn).await {
            Ok(_) => return Ok(Some(*level)),
            Err(e) if is_refusal(&e) => continue,
            Err(e) => return Err(rejected(statement, &e)),
        }
    }
    // Refused at every level we know: run it as written and leave the level unknown.
    sqlx::raw_sql(&statement.sql)
        .execute(&mut *conn)
        .await
        .map_err(|e| rejected(statement, &e))?;
    Ok(None)
}

fn error_number(error: &sqlx::Error) -> Option<u16> {
    error
        .as_database_error()?
        .try_downcast_ref::<MySqlDatabaseError>()
        .map(|e| e.number())
}

/// 1845/1846: this algorithm or lock is not supported for the operation; 1221: wrong
/// usage (MySQL's INSTANT with a LOCK); 1064: syntax (a keyword this server lacks).
fn is_refusal(error: &sqlx::Error) -> bool {
    matches!(error_number(error), Some(1845 | 1846 | 1221 | 1064))
}

pub(super) fn rejected(statement: &Statement, error: &sqlx::Error) -> anyhow::Error {
    let message = match error.as_database_error() {
        Some(db) => db.message().to_string(),
        None => error.to_string(),
    };
    anyhow::anyhow!(
        "{}: the sandbox rejects statement {} ({}): {message}",
        statement.location(),
        statement.index + 1,
        statement.summary()
    )
}
