//! Where a running statement's progress comes from, best first: MySQL's
//! performance_schema stages; MariaDB's PROCESSLIST stages (a COPY); MariaDB's
//! Innodb_onlineddl_pct_progress (an in-place ALTER's merge sort); the size of the ALTER's
//! intermediate `#sql` table against the original's (a rebuild); else nothing, said so.

use super::discover::Ddl;
use crate::migration::Operation;
use crate::quote;
use crate::source::Source;
use sqlx::Row;

/// What the server tells about progress in one poll, read once for every statement.
#[derive(Debug, Default)]
pub struct ServerProgress {
    /// Innodb_onlineddl_pct_progress, hundredths of a percent (MariaDB).
    pub onlineddl_pct: Option<u64>,
    /// Innodb_onlineddl_rowlog_rows / _pct_used: the online alter log's fill (MariaDB).
    pub rowlog_rows: Option<u64>,
    pub rowlog_pct_used: Option<u64>,
    /// InnoDB tablespaces that matter: intermediate `#sql` tables and the watched tables,
    /// as `db/name` and bytes.
    pub tablespaces: Vec<(String, u64)>,
    /// MySQL: (processlist id, stage, work completed, work estimated).
    pub stages: Vec<(u64, String, u64, u64)>,
}

/// One statement's progress as a fraction, and the source it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    pub fraction: Option<f64>,
    pub source: String,
}

/// What a statement's progress needs remembered between polls.
#[derive(Debug, Default, Clone)]
pub struct Memory {
    onlineddl_at_start: Option<Option<u64>>,
    onlineddl_moved: bool,
    original_bytes: Option<u64>,
}

pub const NO_SOURCE: &str = "none: the server reports no progress for this statement";

/// Read the counters and tablespaces every statement's reading needs. A missing table or
/// privilege leaves its part empty: progress then falls back to the next source.
pub async fn read(source: &mut Source, ddls: &[Ddl]) -> ServerProgress {
    let mut progress = ServerProgress::default();
    if ddls.is_empty() {
        return progress;
    }
    if source.server.is_mariadb() {
        if let Ok(rows) = source
            .query("SHOW GLOBAL STATUS LIKE 'Innodb_onlineddl%'")
            .await
        {
            for row in &rows {
                let name: String = row.try_get::<String, _>(0).unwrap_or_default();
                let value = row
                    .try_get::<String, _>(1)
                    .ok()
                    .and_then(|v| v.trim().parse::<u64>().ok());
                match name.to_ascii_lowercase().as_str() {
                    "innodb_onlineddl_pct_progress" => progress.onlineddl_pct = value,
                    "innodb_onlineddl_rowlog_rows" => progress.rowlog_rows = value,
                    "innodb_onlineddl_rowlog_pct_used" => progress.rowlog_pct_used = value,
                    _ => {}
                }
            }
        }
    } else {
        progress.stages = mysql_stages(source).await;
    }
    progress.tablespaces = tablespaces(source, ddls).await;
    progress
}

async fn tablespaces(source: &mut Source, ddls: &[Ddl]) -> Vec<(String, u64)> {
    let view = if source.server.is_mariadb() {
        "INNODB_SYS_TABLESPACES"
    } else {
        "INNODB_TABLESPACES"
    };
    let names: Vec<String> = ddls
        .iter()
        .map(|d| quote::literal(&format!("{}/{}", d.database, d.table)))
        .collect();
    let sql = format!(
        "SELECT CAST(NAME AS CHAR), CAST(FILE_SIZE AS SIGNED) FROM information_schema.{view} \
         WHERE NAME LIKE '%/#sql%' OR NAME IN ({})",
        names.join(", ")
    );
    let Ok(rows) = source.query(&sql).await else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|row| {
            let name = row.try_get::<Option<String>, _>(0).ok()??;
            let bytes = row.try_get::<Option<i64>, _>(1).ok()??;
            Some((name, bytes.max(0) as u64))
        })
        .collect()
}

async fn mysql_stages(source: &mut Source) -> Vec<(u64, String, u64, u64)> {
    let sql = "SELECT CAST(t.PROCESSLIST_ID AS SIGNED), CAST(s.EVENT_NAME AS CHAR), \
                      CAST(s.WORK_COMPLETED AS SIGNED), CAST(s.WORK_ESTIMATED AS SIGNED) \
               FROM performance_schema.events_stages_current s \
               JOIN performance_schema.threads t ON t.THREAD_ID = s.THREAD_ID \
               WHERE s.WORK_ESTIMATED > 0";
    let Ok(rows) = source.query(sql).await else {
        return Vec::new();
    };
    rows.iter()
        .filter_map(|row| {
            let id = row.try_get::<Option<i64>, _>(0).ok()??;
            let name = row.try_get::<Option<String>, _>(1).ok()??;
            let done = row.try_get::<Option<i64>, _>(2).ok()??;
            let total = row.try_get::<Option<i64>, _>(3).ok()??;
            Some((
                id.max(0) as u64,
                name,
                done.max(0) as u64,
                total.max(0) as u64,
            ))
        })
        .collect()
}

/// MySQL: which of the settings performance_schema stage progress needs are off (a
/// read-only account cannot turn them on). Empty when all are on or on MariaDB.
pub async fn mysql_instruments_off(source: &mut Source) -> Vec<String> {
    if source.server.is_mariadb() {
        return Vec::new();
    }
    let mut off = Vec::new();
    let consumer = "SELECT CAST(ENABLED AS CHAR) FROM performance_schema.setup_consumers \
                    WHERE NAME = 'events_stages_current'";
    match source.query(consumer).await {
        Ok(rows) => {
            let on = rows
                .first()
                .and_then(|r| r.try_get::<String, _>(0).ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("YES"));
            if !on {
                off.push("the consumer events_stages_current".to_string());
            }
        }
        Err(_) => off.push("performance_schema (not readable)".to_string()),
    }
    let instruments = "SELECT CAST(NAME AS CHAR) FROM performance_schema.setup_instruments \
                       WHERE NAME LIKE 'stage/innodb/alter%' AND (ENABLED <> 'YES' OR TIMED <> 'YES')";
    if let Ok(rows) = source.query(instruments).await {
        off.extend(
            rows.iter()
                .filter_map(|r| r.try_get::<String, _>(0).ok())
                .map(|n| format!("the instrument {n}")),
        );
    }
    off
}

/// The progress of one statement from what the server offers, best source first.
/// `inplace_running` counts in-place ALTERs on the whole server: the onlineddl counter is
/// one for all of them.
pub fn reading(
    ddl: &Ddl,
    server: &ServerProgress,
    memory: &mut Memory,
    inplace_running: usize,
    ddls_in_database: usize,
) -> Reading {
    let thread = &ddl.thread;
    let original = format!("{}/{}", ddl.database, ddl.table);
    if memory.original_bytes.is_none() {
        memory.original_bytes = size_of(server, &original);
    }
    let baseline = *memory
        .onlineddl_at_start
        .get_or_insert(server.onlineddl_pct);
    if server.onlineddl_pct != baseline {
        memory.onlineddl_moved = true;
    }
    let intermediate = intermediate_fraction(ddl, server, memory, ddls_in_database);
    if let Some((_, name, done, total)) = server.stages.iter().find(|s| s.0 == thread.id) {
        return Reading {
            fraction: Some(*done as f64 / (*total).max(1) as f64),
            source: format!("performance_schema {name}"),
        };
    }
    if thread.max_stage > 0 && thread.stage > 0 {
        let stages = thread.max_stage as f64;
        let done_stages = (thread.stage - 1) as f64;
        let mut within = (thread.progress / 100.0).clamp(0.0, 1.0);
        let mut source = format!("stage {} of {}", thread.stage, thread.max_stage);
        // MariaDB's COPY writes the copied rows in its last stage ("Enabling keys"), where
        // PROGRESS stays at 0: the intermediate table growing tells how far that got.
        if within == 0.0 && thread.stage == thread.max_stage && thread.max_stage > 1 {
            if let Some(fraction) = intermediate {
                within = fraction;
                source.push_str(", then the intermediate table's size");
            }
        }
        return Reading {
            fraction: Some((done_stages + within) / stages),
            source,
        };
    }
    // A rebuild writes a new copy of the table: its bytes against the old copy's compare
    // like with like, where the onlineddl counter weighs phases by its own cost model.
    if let Some(fraction) = intermediate {
        return Reading {
            fraction: Some(fraction),
            source: "the intermediate table's size against the original's".to_string(),
        };
    }
    let in_place = thread.max_stage == 0;
    if in_place && inplace_running == 1 && memory.onlineddl_moved {
        if let Some(pct) = server.onlineddl_pct {
            return Reading {
                fraction: Some(pct as f64 / 10_000.0),
                source: "Innodb_onlineddl_pct_progress (merge sort only)".to_string(),
            };
        }
    }
    Reading {
        fraction: None,
        source: NO_SOURCE.to_string(),
    }
}

/// Bytes of the ALTER's `#sql` table over the original's: the statement's own (its name
/// carries the thread id in hex), or the only one in the database when one DDL runs there.
fn intermediate_fraction(
    ddl: &Ddl,
    server: &ServerProgress,
    memory: &Memory,
    ddls_in_database: usize,
) -> Option<f64> {
    let original = memory.original_bytes.filter(|b| *b > 0)? as f64;
    let prefix = format!("{}/#sql", ddl.database).to_ascii_lowercase();
    let candidates: Vec<&(String, u64)> = server
        .tablespaces
        .iter()
        .filter(|(name, _)| name.to_ascii_lowercase().starts_with(&prefix))
        .collect();
    let hex = format!("{:x}", ddl.thread.id);
    let own = candidates
        .iter()
        .find(|(name, _)| name.ends_with(&format!("-{hex}")) || name.ends_with(&format!("_{hex}")));
    let chosen = match own {
        Some(found) => Some(*found),
        // An in-place rebuild's `#sql-ib...` does not name its thread. An index build
        // writes no new table: a `#sql` file beside it is somebody else's (or an orphan).
        None if ddls_in_database == 1 && !builds_only_an_index(ddl.operation) => {
            candidates.iter().max_by_key(|(_, b)| *b).copied()
        }
        None => None,
    }?;
    // Never 100% before the statement says it ended: the rename and the log apply remain.
    Some((chosen.1 as f64 / original).min(0.99))
}

fn builds_only_an_index(operation: Operation) -> bool {
    matches!(
        operation,
        Operation::AddIndex | Operation::DropIndex | Operation::RenameIndex
    )
}

fn size_of(server: &ServerProgress, name: &str) -> Option<u64> {
    server
        .tablespaces
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, b)| *b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::discover::Thread;

    fn ddl(id: u64, stage: u32, max_stage: u32, progress: f64) -> Ddl {
        Ddl {
            thread: Thread {
                id,
                db: "prod".into(),
                command: "Query".into(),
                seconds: 10.0,
                state: String::new(),
                info: None,
                stage,
                max_stage,
                progress,
            },
            database: "prod".into(),
            table: "t".into(),
            operation: Operation::AddColumn,
            sql: String::new(),
        }
    }

    #[test]
    fn a_copy_counts_its_stages_and_then_the_intermediate_table() {
        let server = ServerProgress {
            tablespaces: vec![
                ("prod/t".into(), 1000),
                ("prod/#sql-alter-33aa-2a".into(), 400),
            ],
            ..Default::default()
        };
        let mut memory = Memory::default();
        let copying = reading(&ddl(42, 1, 2, 50.0), &server, &mut memory, 0, 1);
        assert_eq!(copying.fraction, Some(0.25));
        let writing = reading(&ddl(42, 2, 2, 0.0), &server, &mut memory, 0, 1);
        assert_eq!(writing.fraction, Some(0.7));
        assert!(
            writing.source.contains("intermediate"),
            "{}",
            writing.source
        );
    }

    #[test]
    fn the_onlineddl_counter_counts_only_once_it_moved_and_alone() {
        let mut memory = Memory::default();
        let at = |pct: u64| ServerProgress {
            onlineddl_pct: Some(pct),
            ..Default::default()
        };
        // A value left over from an earlier statement is not this one's progress.
        let first = reading(&ddl(7, 0, 0, 0.0), &at(9650), &mut memory, 1, 1);
        assert_eq!(first.fraction, None);
        assert_eq!(first.source, NO_SOURCE);
        let moved = reading(&ddl(7, 0, 0, 0.0), &at(1200), &mut memory, 1, 1);
        assert_eq!(moved.fraction, Some(0.12));
        // Two in-place ALTERs share the counter: it belongs to neither.
        let shared = reading(&ddl(7, 0, 0, 0.0), &at(1300), &mut memory, 2, 1);
        assert_eq!(shared.fraction, None);
    }
}
