//! Why a statement waits: the session holding the table's metadata lock where the server
//! can tell (MariaDB's METADATA_LOCK_INFO plugin, MySQL's performance_schema.metadata_locks),
//! else the transactions open longer than the wait, oldest first, as candidates; and how
//! many queries queue behind the waiting ALTER.

use super::discover::{Ddl, Thread};
use crate::quote;
use crate::source::Source;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    pub thread_id: u64,
    /// Seconds its transaction (else its session's current state) has been open.
    pub open_seconds: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    /// True when the server named the holders; false when they are only candidates.
    pub named: bool,
    pub holders: Vec<Holder>,
    /// Other statements waiting for the same table's metadata lock.
    pub queued: usize,
}

impl Waiting {
    /// "waiting for the table's metadata lock, held by thread 12 (open 95 s); 3 queries queued behind it"
    pub fn describe(&self) -> String {
        let who: Vec<String> = self
            .holders
            .iter()
            .map(|h| match h.open_seconds {
                Some(s) => format!("thread {} (open {s} s)", h.thread_id),
                None => format!("thread {}", h.thread_id),
            })
            .collect();
        let holders = match (self.named, who.is_empty()) {
            (true, false) => format!("held by {}", who.join(", ")),
            (true, true) => "holder not visible to this account".to_string(),
            (false, false) => format!(
                "the server cannot name the holder; candidates, transactions open longer than the wait: {}",
                who.join(", ")
            ),
            (false, true) => {
                "the server cannot name the holder and no transaction is open longer than the wait"
                    .to_string()
            }
        };
        let queued = match self.queued {
            1 => "1 query".to_string(),
            n => format!("{n} queries"),
        };
        format!("waiting for the table's metadata lock, {holders}; {queued} queued behind it")
    }
}

pub async fn diagnose(source: &mut Source, ddl: &Ddl, threads: &[Thread]) -> Waiting {
    let named = if source.server.is_mariadb() {
        mariadb_holders(source, ddl).await
    } else {
        mysql_holders(source, ddl).await
    };
    let open = transactions(source, ddl.thread.id).await;
    let holders = match &named {
        Some(ids) => ids
            .iter()
            .map(|id| Holder {
                thread_id: *id,
                open_seconds: open
                    .iter()
                    .find(|(t, _)| t == id)
                    .map(|(_, s)| *s)
                    .or_else(|| idle_seconds(threads, *id)),
            })
            .collect(),
        None => open
            .iter()
            .filter(|(_, seconds)| *seconds as f64 >= ddl.thread.seconds.floor())
            .map(|(id, seconds)| Holder {
                thread_id: *id,
                open_seconds: Some(*seconds),
            })
            .collect(),
    };
    Waiting {
        named: named.is_some(),
        holders,
        queued: queued_behind(ddl, threads),
    }
}

/// Threads holding a granted metadata lock on the table, from the plugin; None when the
/// plugin is not installed.
async fn mariadb_holders(source: &mut Source, ddl: &Ddl) -> Option<Vec<u64>> {
    let sql = format!(
        "SELECT DISTINCT CAST(THREAD_ID AS SIGNED) FROM information_schema.METADATA_LOCK_INFO \
         WHERE TABLE_SCHEMA = {} AND TABLE_NAME = {} AND THREAD_ID <> {}",
        quote::literal(&ddl.database),
        quote::literal(&ddl.table),
        ddl.thread.id
    );
    let rows = source.query(&sql).await.ok()?;
    Some(ids(&rows))
}

async fn mysql_holders(source: &mut Source, ddl: &Ddl) -> Option<Vec<u64>> {
    let database = crate::table::Database::Named(&ddl.database);
    let locks = source
        .metadata_locks_on(database, &[ddl.table.as_str()])
        .await
        .ok()?;
    let mut holders: Vec<u64> = locks
        .iter()
        .filter(|l| l.status == "GRANTED" && l.thread_id != ddl.thread.id)
        .map(|l| l.thread_id)
        .collect();
    holders.sort_unstable();
    holders.dedup();
    Some(holders)
}

/// Open transactions but the ALTER's own, oldest first: (thread id, seconds open).
async fn transactions(source: &mut Source, ddl_thread: u64) -> Vec<(u64, u64)> {
    let Ok(open) = source.open_transactions(0, Some(ddl_thread)).await else {
        return Vec::new();
    };
    open.iter().map(|t| (t.thread_id, t.seconds)).collect()
}

fn idle_seconds(threads: &[Thread], id: u64) -> Option<u64> {
    threads
        .iter()
        .find(|t| t.id == id)
        .map(|t| t.seconds.max(0.0) as u64)
}

/// Statements waiting for a metadata lock on the same table (they queue behind the ALTER,
/// which waits first).
pub fn queued_behind(ddl: &Ddl, threads: &[Thread]) -> usize {
    let table = ddl.table.to_ascii_lowercase();
    threads
        .iter()
        .filter(|t| t.id != ddl.thread.id && t.seconds <= ddl.thread.seconds)
        .filter(|t| t.state.to_ascii_lowercase().contains("metadata lock"))
        .filter(|t| {
            t.info
                .as_deref()
                .is_some_and(|sql| sql.to_ascii_lowercase().contains(&table))
        })
        .count()
}

fn ids(rows: &[sqlx::mysql::MySqlRow]) -> Vec<u64> {
    rows.iter()
        .filter_map(|r| r.try_get::<Option<i64>, _>(0).ok().flatten())
        .map(|id| id.max(0) as u64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_said_to_be_candidates() {
        let waiting = Waiting {
            named: false,
            holders: vec![Holder {
                thread_id: 12,
                open_seconds: Some(95),
            }],
            queued: 3,
        };
        let text = waiting.describe();
        assert!(text.contains("candidates"), "{text}");
        assert!(text.contains("thread 12 (open 95 s)"), "{text}");
        assert!(text.contains("3 queries queued"), "{text}");
    }
}
