//! The Profile: what ddl-eta knows of the production tables (their CREATE TABLE, row
//! counts, sizes, indexes, column statistics) and server, however it was learned: from a
//! `--schema` file plus `--rows`, or read from the live database by `source`. Statistics
//! only, never row values. Everything downstream reads a Profile and nothing else.

use crate::migration;
use crate::server::ServerInfo;
use crate::warning::Warning;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub schema_version: u32,
    /// The production server, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<ServerInfo>,
    pub tables: Vec<TableProfile>,
    /// The source's settings that drive DDL time (absent for a schema file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ServerSettings>,
    /// Open transactions and metadata locks seen on the source while profiling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
    /// Where and when the profile was read (absent for a schema file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceMeta>,
    /// Tables of a whole-database profile that were not read, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<SkippedTable>,
}

/// A table a whole-database profile did not read: its size from information_schema.TABLES
/// and the reason, a code: "below_threshold" (under --min-rows and --min-bytes),
/// "time_limit" (not reached before --profile-timeout; a rerun reads it) or "error" (its
/// queries failed; `error` says how; a rerun tries again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkippedTable {
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableProfile {
    pub name: String,
    /// The CREATE TABLE statement, as the server (or the schema file) prints it.
    pub create_table: String,
    /// Target row count: production's, or what `--rows` says.
    pub rows: u64,
    /// How `rows` was learned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_source: Option<RowsSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_row_length: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexProfile>,
    /// Per-column statistics from the sample, in column order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ColumnProfile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleInfo>,
    /// Rows written per second (inserts + updates + deletes), where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_rate: Option<WriteRate>,
    /// Seconds since the Unix epoch when this table was read (a resumed whole-database
    /// profile holds tables of different runs); absent in older profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiled_at: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndexProfile {
    pub name: String,
    pub unique: bool,
    pub columns: Vec<String>,
    /// The server's estimate of distinct keys in the whole index (information_schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cardinality: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    /// information_schema DATA_TYPE, lower case ("varchar", "int", ...).
    pub data_type: String,
    pub nullable: bool,
    /// Share of sampled rows where the column is NULL.
    pub null_fraction: f64,
    /// Distinct non-NULL values in the whole table, estimated from the sample
    /// (Haas-Stokes Duj1 estimator; exact when the sample is the whole table).
    pub distinct: f64,
    /// Distinct non-NULL values in the sample itself.
    pub sample_distinct: u64,
    /// Share of non-NULL sampled values taken by the most frequent value, and by the ten
    /// most frequent: 1/distinct and 10/distinct when uniform, near 1 when skewed.
    pub top1_share: f64,
    pub top10_share: f64,
    /// Lengths in bytes, for strings and blobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<LengthStats>,
    /// Smallest and largest sampled value, for numbers and dates/times (numbers as JSON
    /// numbers, dates as text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Value>,
}

/// Byte lengths of the non-NULL values: mean and quantiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LengthStats {
    pub mean: f64,
    pub min: f64,
    pub p10: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

impl LengthStats {
    /// (cumulative probability, length) points of the distribution, for inverse sampling.
    pub fn points(&self) -> [(f64, f64); 8] {
        [
            (0.0, self.min),
            (0.10, self.p10),
            (0.25, self.p25),
            (0.50, self.p50),
            (0.75, self.p75),
            (0.90, self.p90),
            (0.99, self.p99),
            (1.0, self.max),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleInfo {
    /// Rows read.
    pub rows: u64,
    /// Primary-key ranges they were read from (1 for a prefix read).
    pub ranges: u64,
    /// "pk-ranges" (spread over an integer primary key), "prefix" (the first rows in
    /// primary-key order, when the key is not an integer) or "full" (the whole table).
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteRate {
    pub rows_per_second: f64,
    /// "performance_schema" (measured while profiling) or "user" (`--write-rate`).
    pub source: String,
}

/// Server variables that drive DDL time; absent where the server has no such variable.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_buffer_pool_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_sort_buffer_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_online_alter_log_max_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_wait_timeout: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_ddl_threads: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_ddl_buffer_size: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_parallel_read_threads: Option<u64>,
    /// The redo log's size: a small one forces checkpoints (page flushes) in the middle
    /// of a large ALTER. MariaDB and MySQL before 8.0.30 ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_log_file_size: Option<u64>,
    /// ... and MySQL 8.0.30 and later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub innodb_redo_log_capacity: Option<u64>,
}

impl ServerSettings {
    pub const NAMES: [&'static str; 9] = [
        "innodb_buffer_pool_size",
        "innodb_sort_buffer_size",
        "innodb_online_alter_log_max_size",
        "lock_wait_timeout",
        "innodb_ddl_threads",
        "innodb_ddl_buffer_size",
        "innodb_parallel_read_threads",
        "innodb_log_file_size",
        "innodb_redo_log_capacity",
    ];

    pub fn set(&mut self, name: &str, value: u64) {
        let slot = match name {
            "innodb_buffer_pool_size" => &mut self.innodb_buffer_pool_size,
            "innodb_sort_buffer_size" => &mut self.innodb_sort_buffer_size,
            "innodb_online_alter_log_max_size" => &mut self.innodb_online_alter_log_max_size,
            "lock_wait_timeout" => &mut self.lock_wait_timeout,
            "innodb_ddl_threads" => &mut self.innodb_ddl_threads,
            "innodb_ddl_buffer_size" => &mut self.innodb_ddl_buffer_size,
            "innodb_parallel_read_threads" => &mut self.innodb_parallel_read_threads,
            "innodb_log_file_size" => &mut self.innodb_log_file_size,
            "innodb_redo_log_capacity" => &mut self.innodb_redo_log_capacity,
            _ => return,
        };
        *slot = Some(value);
    }

    /// Server options that give a sandbox the source's DDL settings. Not the buffer pool
    /// (sized for the data by the sandbox options) nor lock_wait_timeout (a session
    /// matter); `--loose-` so a server without the variable (MariaDB: innodb_ddl_*) ignores it.
    pub fn sandbox_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        let copied = [
            ("innodb-sort-buffer-size", self.innodb_sort_buffer_size),
            (
                "innodb-online-alter-log-max-size",
                self.innodb_online_alter_log_max_size,
            ),
            ("innodb-ddl-threads", self.innodb_ddl_threads),
            ("innodb-ddl-buffer-size", self.innodb_ddl_buffer_size),
            (
                "innodb-parallel-read-threads",
                self.innodb_parallel_read_threads,
            ),
            ("innodb-log-file-size", self.innodb_log_file_size),
            ("innodb-redo-log-capacity", self.innodb_redo_log_capacity),
        ];
        for (name, value) in copied {
            if let Some(value) = value {
                args.push(format!("--loose-{name}={value}"));
            }
        }
        args
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Transactions open longer than `min_seconds` (information_schema.INNODB_TRX): any
    /// of them may hold a metadata lock that stalls the migration.
    pub long_transactions: Vec<LongTransaction>,
    pub min_seconds: u64,
    /// Metadata locks on the profiled tables held by other sessions (MySQL
    /// performance_schema.metadata_locks); absent where the server cannot tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_locks: Option<Vec<MetadataLock>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LongTransaction {
    pub thread_id: u64,
    pub seconds: u64,
    pub state: String,
    pub rows_modified: u64,
    pub tables_locked: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataLock {
    pub table: String,
    pub lock_type: String,
    pub status: String,
    pub thread_id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceMeta {
    /// The source URL without its password.
    pub url: String,
    pub database: String,
    /// Seconds since the Unix epoch when profiling started.
    pub profiled_at: u64,
    /// Seconds profiling took.
    pub seconds: f64,
    /// Whether the session with the source was encrypted (TLS); absent in profiles made
    /// before ddl-eta could tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    /// The session's TLS protocol and cipher ("TLSv1.3", "TLS_AES_256_GCM_SHA384").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cipher: Option<String>,
    /// Who the source server is, so that an estimate from this profile refuses it as a
    /// `--sandbox-url`; absent in profiles made before 2026-12-03.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<crate::server::ServerIdentity>,
}

impl SourceMeta {
    /// A warning when production was read in plain text over a network (a unix socket or a
    /// loopback address never leaves the machine).
    pub fn plaintext_warning(&self) -> Option<Warning> {
        if self.encrypted != Some(false) {
            return None;
        }
        let url = url::Url::parse(&self.url).ok()?;
        if url.query_pairs().any(|(key, _)| key == "socket") {
            return None;
        }
        // For a mysql:// URL the parser leaves an IPv4 address as an opaque host name.
        let host = url
            .host_str()?
            .trim_start_matches('[')
            .trim_end_matches(']');
        let local = host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        (!local).then(|| Warning::PlaintextSource {
            url: self.url.clone(),
        })
    }
}

impl TableProfile {
    /// A table known only by its CREATE TABLE (a schema file).
    pub fn bare(name: String, create_table: String) -> TableProfile {
        TableProfile {
            name,
            create_table,
            rows: 0,
            rows_source: None,
            data_bytes: None,
            index_bytes: None,
            avg_row_length: None,
            indexes: Vec::new(),
            columns: Vec::new(),
            sample: None,
            write_rate: None,
            profiled_at: None,
        }
    }

    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

impl Profile {
    pub fn table(&self, name: &str) -> Option<&TableProfile> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }

    pub fn largest_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).max().unwrap_or(0)
    }

    /// Read a profile saved by `ddl-eta profile`.
    pub fn load(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read profile {}", path.display()))?;
        let profile: Profile = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a ddl-eta profile", path.display()))?;
        if profile.schema_version > SCHEMA_VERSION {
            bail!(
                "profile {} has schema_version {}, newer than this ddl-eta understands ({SCHEMA_VERSION})",
                path.display(),
                profile.schema_version
            );
        }
        if profile.tables.is_empty() {
            bail!("profile {} has no tables", path.display());
        }
        Ok(profile)
    }

    /// Apply `--rows` on top of what the profile says (the user knows better). A bare
    /// `N` means the profile's only table, else the migration's only one (`touched`).
    pub fn override_rows(&mut self, rows: &[RowsArg], touched: &[String]) -> Result<()> {
        let only = match (self.tables.as_slice(), touched) {
            ([table], _) => Some(table.name.clone()),
            (_, [table]) => Some(table.clone()),
            _ => None,
        };
        let before: Vec<u64> = self.tables.iter().map(|t| t.rows).collect();
        let args = rows.iter().map(|r| (&r.table, r.rows));
        set_each(
            "the profile",
            &mut self.tables,
            &only,
            "--rows",
            args,
            |t, v| t.rows = v,
        )?;
        for (table, old) in self.tables.iter_mut().zip(before) {
            if table.rows != old {
                table.rows_source = Some(RowsSource::User);
            }
        }
        Ok(())
    }
}

pub use crate::model::InputMode;

/// How a table's row count was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowsSource {
    /// information_schema.TABLES: InnoDB's estimate.
    Statistics,
    /// `SELECT COUNT(*)` (`--exact-rowcount`).
    Count,
    /// `--rows`.
    User,
    /// A schema file.
    Schema,
    /// A foreign-key parent given no `--rows` in schema mode.
    Assumed,
}

impl TableProfile {
    /// The row width production's tables have, in bytes as InnoDB counts them
    /// (AVG_ROW_LENGTH: data bytes over rows), where known.
    pub fn known_row_length(&self) -> Option<f64> {
        if let Some(length) = self.avg_row_length.filter(|l| *l > 0) {
            return Some(length as f64);
        }
        let data = self.data_bytes.filter(|d| *d > 0)?;
        (self.rows > 0).then(|| data as f64 / self.rows as f64)
    }
}

/// The tables a migration needs, as `source::tables_of` names them, and, transitively,
/// the tables their foreign keys point at: all a sandbox must create. A whole-database
/// profile or dump holds many more; seeding them all would spend the budget on tables
/// the migration never reads.
#[derive(Debug)]
pub struct Needed {
    /// Tables the migration names (or points a new foreign key at).
    pub touched: Vec<String>,
    /// Their foreign-key parents that the migration does not name.
    pub parents: Vec<String>,
}

impl Profile {
    /// Keep only the `touched` tables and their foreign-key parents (transitively), in
    /// the profile's order. A touched table the profile skipped is an error that says why.
    pub fn narrow(&mut self, touched: &[String]) -> Result<Needed> {
        for name in touched {
            if self.table(name).is_some() {
                continue;
            }
            if let Some(skipped) = self
                .skipped
                .iter()
                .find(|s| s.name.eq_ignore_ascii_case(name))
            {
                let why = match skipped.reason.as_str() {
                    "below_threshold" => format!(
                        "it was under the profile's threshold ({} rows)",
                        skipped.rows
                    ),
                    "time_limit" => "profiling stopped at its time limit before it".to_string(),
                    _ => format!(
                        "reading it failed ({})",
                        skipped.error.as_deref().unwrap_or("no detail")
                    ),
                };
                bail!(
                    "the migration touches table {name}, which the profile lacks: {why}; add it with \
                     `ddl-eta profile --table {name} --output FILE` (the same FILE keeps the tables it has)"
                );
            }
        }
        let mut keep: Vec<String> = Vec::new();
        let mut parents: Vec<String> = Vec::new();
        let mut queue: Vec<(String, bool)> = touched.iter().map(|t| (t.clone(), true)).collect();
        while let Some((name, is_touched)) = queue.pop() {
            if keep.iter().any(|k| k.eq_ignore_ascii_case(&name)) {
                continue;
            }
            let Some(table) = self.table(&name) else {
                if let Some(skipped) = self
                    .skipped
                    .iter()
                    .find(|s| s.name.eq_ignore_ascii_case(&name))
                {
                    bail!(
                        "the profile lacks table {name}, which a foreign key of the migrated tables points at \
                         (it was skipped: {}); add it with `ddl-eta profile --table {name} --output FILE`",
                        skipped.reason
                    );
                }
                continue;
            };
            keep.push(table.name.clone());
            if !is_touched {
                parents.push(table.name.clone());
            }
            for parent in foreign_key_parents(&table.create_table) {
                queue.push((parent, false));
            }
        }
        self.tables
            .retain(|t| keep.iter().any(|k| k.eq_ignore_ascii_case(&t.name)));
        // The profile is as old as the oldest table the estimate uses.
        let oldest = self.tables.iter().filter_map(|t| t.profiled_at).min();
        if let (Some(source), Some(oldest)) = (self.source.as_mut(), oldest) {
            source.profiled_at = oldest;
        }
        Ok(Needed {
            touched: touched.to_vec(),
            parents,
        })
    }
}

/// The tables a CREATE TABLE's foreign keys point at (`REFERENCES name`, quoted or not,
/// a database prefix dropped); self-references left out.
pub fn foreign_key_parents(create_table: &str) -> Vec<String> {
    let own = migration::parse_sql("create", create_table, 0)
        .ok()
        .and_then(|s| s.first().and_then(|s| s.creates_table.clone()));
    let upper = create_table.to_ascii_uppercase();
    let mut parents: Vec<String> = Vec::new();
    let mut from = 0;
    while let Some(at) = upper[from..].find("REFERENCES") {
        let start = from + at + "REFERENCES".len();
        from = start;
        let preceded = create_table[..start - "REFERENCES".len()]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '`'));
        if !preceded {
            continue;
        }
        let rest = create_table[start..].trim_start();
        let Some(name) = last_identifier(rest) else {
            continue;
        };
        let is_own = own
            .as_deref()
            .is_some_and(|o| o.eq_ignore_ascii_case(&name));
        if !is_own && !parents.iter().any(|p| p.eq_ignore_ascii_case(&name)) {
            parents.push(name);
        }
    }
    parents
}

/// `db`.`t`, `t`, db.t or t at the start of `text`: the last part.
fn last_identifier(text: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'`') {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '`' {
                    if chars.peek() == Some(&'`') {
                        chars.next();
                        part.push('`');
                        continue;
                    }
                    break;
                }
                part.push(c);
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_alphanumeric() || c == '_' || c == '$' {
                    part.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
        }
        if part.is_empty() {
            break;
        }
        parts.push(part);
        if chars.peek() == Some(&'.') {
            chars.next();
        } else {
            break;
        }
    }
    parts.pop()
}

mod schema;
pub use schema::*;

#[cfg(test)]
mod tests;
