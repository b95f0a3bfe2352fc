//! What the source is doing and how it is set: its DDL settings, long transactions and
//! metadata locks that a migration would wait for, and the write rate per table.

use super::session::{root_cause, text_at};
use super::Source;
use crate::profile::{
    Activity, LongTransaction, MetadataLock, ServerSettings, TableProfile, WriteRate,
};
use crate::quote;
use crate::table::Database;
use anyhow::{Context, Result};
use sqlx::mysql::MySqlRow;
use sqlx::Row;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The metadata locks query: by table of one database, without the reading session's.
fn metadata_locks_sql(database: Database<'_>, tables: &[&str]) -> String {
    let schema = database.sql();
    let names: Vec<String> = tables.iter().map(|t| quote::literal(t)).collect();
    format!(
        "SELECT CAST(m.OBJECT_NAME AS CHAR), CAST(m.LOCK_TYPE AS CHAR), CAST(m.LOCK_STATUS AS CHAR), \
                CAST(t.PROCESSLIST_ID AS SIGNED) \
         FROM performance_schema.metadata_locks m JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID \
         WHERE m.OBJECT_TYPE = 'TABLE' AND m.OBJECT_SCHEMA = {schema} AND m.OBJECT_NAME IN ({}) \
           AND t.PROCESSLIST_ID <> CONNECTION_ID()",
        names.join(", ")
    )
}

/// Transactions open longer than this may hold a metadata lock worth warning about.
const LONG_TRANSACTION_SECONDS: u64 = 5;
/// Measure performance_schema write counters over at least this long.
const WRITE_RATE_WINDOW: Duration = Duration::from_secs(1);

impl Source {
    pub(super) async fn server_settings(&mut self) -> Result<ServerSettings> {
        let names: Vec<String> = ServerSettings::NAMES
            .iter()
            .map(|n| quote::literal(n))
            .collect();
        let rows = self
            .query(&format!(
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN ({})",
                names.join(", ")
            ))
            .await
            .context("reading the source's DDL settings")?;
        Ok(settings_from_rows(&rows))
    }

    /// Long transactions (any may hold a metadata lock) and, on MySQL, who holds metadata
    /// locks on our tables. Missing privileges become warnings, not failures.
    pub(super) async fn activity(&mut self, tables: &[TableProfile]) -> Activity {
        let mut activity = Activity {
            min_seconds: LONG_TRANSACTION_SECONDS,
            ..Default::default()
        };
        match self.open_transactions(LONG_TRANSACTION_SECONDS, None).await {
            Ok(open) => activity.long_transactions = open,
            Err(e) => activity.warnings.push(format!(
                "cannot read open transactions (information_schema.INNODB_TRX needs PROCESS): {}",
                root_cause(&e)
            )),
        }
        if !self.server.is_mariadb() {
            activity.metadata_locks = self.metadata_locks(tables, &mut activity.warnings).await;
        }
        if !activity.long_transactions.is_empty() && activity.metadata_locks.is_none() {
            activity.warnings.push(format!(
                "{} transaction(s) open longer than {LONG_TRANSACTION_SECONDS}s; this server cannot tell which tables they hold \
                 (MariaDB needs the metadata_lock_info plugin), so any of them may make the migration wait for its metadata lock",
                activity.long_transactions.len()
            ));
        }
        activity
    }

    /// Transactions open at least `seconds`, oldest first, but this session's and
    /// `except`'s (the one reader of information_schema.INNODB_TRX; it needs PROCESS).
    pub async fn open_transactions(
        &mut self,
        seconds: u64,
        except: Option<u64>,
    ) -> Result<Vec<LongTransaction>> {
        let except = except.map_or(String::new(), |id| format!(", {id}"));
        let rows = self
            .query(&format!(
                "SELECT CAST(trx_mysql_thread_id AS SIGNED), \
                        CAST(TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS SIGNED), \
                        CAST(trx_state AS CHAR), CAST(trx_rows_modified AS SIGNED), \
                        CAST(trx_tables_locked AS SIGNED) \
                 FROM information_schema.INNODB_TRX \
                 WHERE trx_started <= NOW() - INTERVAL {seconds} SECOND \
                   AND trx_mysql_thread_id NOT IN (CONNECTION_ID(){except}) ORDER BY trx_started"
            ))
            .await?;
        Ok(rows
            .iter()
            .map(|row| {
                let number = |i: usize| {
                    row.try_get::<Option<i64>, _>(i)
                        .ok()
                        .flatten()
                        .unwrap_or(0)
                        .max(0) as u64
                };
                LongTransaction {
                    thread_id: number(0),
                    seconds: number(1),
                    state: text_at(row, 2).unwrap_or_default(),
                    rows_modified: number(3),
                    tables_locked: number(4),
                }
            })
            .collect())
    }

    /// Who holds or waits for a metadata lock on `tables` of `database`, but this
    /// session: the one reader of performance_schema.metadata_locks (MySQL; MariaDB has
    /// no such table, only the metadata_lock_info plugin that `watch` reads).
    pub async fn metadata_locks_on(
        &mut self,
        database: Database<'_>,
        tables: &[&str],
    ) -> Result<Vec<MetadataLock>> {
        let rows = self.query(&metadata_locks_sql(database, tables)).await?;
        Ok(rows
            .iter()
            .map(|row| MetadataLock {
                table: text_at(row, 0).unwrap_or_default(),
                lock_type: text_at(row, 1).unwrap_or_default(),
                status: text_at(row, 2).unwrap_or_default(),
                thread_id: row
                    .try_get::<Option<i64>, _>(3)
                    .ok()
                    .flatten()
                    .unwrap_or(0)
                    .max(0) as u64,
            })
            .collect())
    }

    async fn metadata_locks(
        &mut self,
        tables: &[TableProfile],
        warnings: &mut Vec<String>,
    ) -> Option<Vec<MetadataLock>> {
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        match self.metadata_locks_on(Database::Current, &names).await {
            Ok(locks) => Some(locks),
            Err(e) => {
                warnings.push(format!(
                    "cannot read performance_schema.metadata_locks: {}",
                    root_cause(&e)
                ));
                None
            }
        }
    }

    /// Rows written so far per table, from performance_schema (None where it is off).
    pub(super) async fn write_counters(
        &mut self,
        tables: &[String],
    ) -> Option<(Instant, HashMap<String, u64>)> {
        let on = self
            .scalar_u64("SELECT CAST(@@performance_schema AS SIGNED)")
            .await
            .ok()
            .flatten()?;
        if on == 0 || tables.is_empty() {
            return None;
        }
        let names: Vec<String> = tables.iter().map(|t| quote::literal(t)).collect();
        let rows = self
            .query(&format!(
                "SELECT CAST(OBJECT_NAME AS CHAR), CAST(COUNT_INSERT + COUNT_UPDATE + COUNT_DELETE AS SIGNED) \
                 FROM performance_schema.table_io_waits_summary_by_table \
                 WHERE OBJECT_SCHEMA = DATABASE() AND OBJECT_NAME IN ({})",
                names.join(", ")
            ))
            .await
            .ok()?;
        let mut counts = HashMap::new();
        for row in &rows {
            let name = text_at(row, 0).ok()?;
            let count = row.try_get::<Option<i64>, _>(1).ok().flatten().unwrap_or(0);
            counts.insert(name.to_ascii_lowercase(), count.max(0) as u64);
        }
        (!counts.is_empty()).then(|| (Instant::now(), counts))
    }

    pub(super) async fn apply_write_rates(
        &mut self,
        tables: &mut [TableProfile],
        before: Option<(Instant, HashMap<String, u64>)>,
    ) {
        let mut measured = HashMap::new();
        if let Some((at, counts)) = before {
            let waited = at.elapsed();
            if waited < WRITE_RATE_WINDOW {
                tokio::time::sleep(WRITE_RATE_WINDOW - waited).await;
            }
            let names: Vec<String> = counts.keys().cloned().collect();
            if let Some((now, after)) = self.write_counters(&names).await {
                let seconds = (now - at).as_secs_f64().max(1e-3);
                for (name, count) in after {
                    let old = counts.get(&name).copied().unwrap_or(count);
                    measured.insert(name, count.saturating_sub(old) as f64 / seconds);
                }
            }
        }
        for table in tables {
            table.write_rate = match measured.get(&table.name.to_ascii_lowercase()) {
                Some(rate) => Some(WriteRate {
                    rows_per_second: *rate,
                    source: "performance_schema".to_string(),
                }),
                None => self.settings.write_rate.map(|rate| WriteRate {
                    rows_per_second: rate,
                    source: "user".to_string(),
                }),
            };
        }
    }
}

pub(crate) fn settings_from_rows(rows: &[MySqlRow]) -> ServerSettings {
    let mut settings = ServerSettings::default();
    for row in rows {
        let (Ok(name), Ok(value)) = (text_at(row, 0), text_at(row, 1)) else {
            continue;
        };
        if let Ok(value) = value.trim().parse::<u64>() {
            settings.set(&name.to_ascii_lowercase(), value);
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_locks_are_read_by_database_and_table_without_our_session() {
        let sql = metadata_locks_sql(Database::Named("shop's"), &["orders", "a`b"]);
        assert!(sql.contains("m.OBJECT_SCHEMA = 'shop''s'"), "{sql}");
        assert!(sql.contains("m.OBJECT_NAME IN ('orders', 'a`b')"), "{sql}");
        assert!(sql.contains("<> CONNECTION_ID()"), "{sql}");
        let sql = metadata_locks_sql(Database::Current, &["orders"]);
        assert!(sql.contains("m.OBJECT_SCHEMA = DATABASE()"), "{sql}");
    }
}
