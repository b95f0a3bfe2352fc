//! The source: a read-only session on the live database that builds a `Profile` (table
//! shapes, sizes, column statistics from a bounded sample, DDL settings, activity).
//! Only SELECT, SHOW and session SET go out; every query and the whole profile are
//! time-limited, and a query past its limit is killed from a second connection.

use crate::cli::{ProfileArgs, SourceReadArgs};
use crate::migration::Migration;
use crate::profile::{
    Activity, ColumnProfile, IndexProfile, LengthStats, LongTransaction, MetadataLock, Profile,
    SampleInfo, ServerSettings, SourceMeta, TableProfile, WriteRate, SCHEMA_VERSION,
};
use crate::sandbox::url;
use crate::server::{self, ServerIdentity, ServerInfo};
use anyhow::{bail, Context, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// Transactions open longer than this may hold a metadata lock worth warning about.
const LONG_TRANSACTION_SECONDS: u64 = 5;
/// At most this many primary-key ranges are read for a sample.
const SAMPLE_RANGES: u64 = 20;
/// Measure performance_schema write counters over at least this long.
const WRITE_RATE_WINDOW: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// mysql://user[:password]@host[:port]/database
    pub url: String,
    /// A password from `--password-file` or `MYSQL_PWD`, used when the URL has none.
    pub password: Option<String>,
    pub exact_rowcount: bool,
    pub sample_rows: u64,
    /// `--write-rate`: rows written per second, when performance_schema cannot tell.
    pub write_rate: Option<f64>,
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
    pub profile_timeout: Duration,
}

/// The `profile` command: read the named tables from the source, return their profile.
pub async fn run(args: &ProfileArgs) -> Result<Profile> {
    let options = options_from(&args.source, &args.read)?;
    let mut source = Source::connect(&options).await?;
    source.profile(&args.tables).await
}

pub fn options_from(url: &str, read: &SourceReadArgs) -> Result<SourceOptions> {
    Ok(SourceOptions {
        url: url.to_string(),
        password: password_from(read.password_file.as_ref())?,
        exact_rowcount: read.exact_rowcount,
        sample_rows: read.sample_rows,
        write_rate: read.write_rate,
        connect_timeout: read.connect_timeout,
        statement_timeout: read.statement_timeout,
        profile_timeout: read.profile_timeout,
    })
}

/// The password, from `--password-file` (first line) or else `MYSQL_PWD`.
pub fn password_from(file: Option<&PathBuf>) -> Result<Option<String>> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?;
        let password = text.lines().next().unwrap_or("").to_string();
        return Ok(Some(password));
    }
    Ok(std::env::var("MYSQL_PWD").ok().filter(|p| !p.is_empty()))
}

/// A read-only session on the source, with its limits.
pub struct Source {
    conn: MySqlConnection,
    options: MySqlConnectOptions,
    connection_id: u64,
    pub server: ServerInfo,
    pub identity: ServerIdentity,
    pub database: String,
    url: String,
    settings: SourceOptions,
    started: Instant,
    deadline: Instant,
    /// Set once a query was abandoned: the session is then in an unknown state.
    broken: bool,
    /// The session's TLS protocol and cipher; None when it is plain text.
    pub tls: Option<server::SessionTls>,
}

impl Source {
    pub async fn connect(settings: &SourceOptions) -> Result<Source> {
        let redacted = url::redact_url(&settings.url);
        let mut options = server::plain_options(url::parse(&settings.url)?);
        let database = options
            .get_database()
            .map(str::to_string)
            .filter(|d| !d.is_empty())
            .with_context(|| {
                format!("the source URL {redacted} names no database: write mysql://user@host:3306/DATABASE")
            })?;
        if let Some(password) = &settings.password {
            if url::password_of(&settings.url).is_none() {
                options = options.password(password);
            }
        }
        let started = Instant::now();
        let conn = server::connect(&options, settings.connect_timeout)
            .await
            .with_context(|| format!("connecting to the source {redacted}"))?;
        let mut source = Source {
            conn,
            options,
            connection_id: 0,
            server: ServerInfo {
                flavor: server::Flavor::Mariadb,
                version: String::new(),
            },
            identity: ServerIdentity {
                server_uuid: None,
                hostname: String::new(),
                port: 0,
                datadir: String::new(),
                server_id: 0,
            },
            database,
            url: redacted,
            settings: settings.clone(),
            started,
            deadline: started + settings.profile_timeout,
            broken: false,
            tls: None,
        };
        source.start_session().await?;
        Ok(source)
    }

    /// Read-only, time-limited session; learn what the server is.
    async fn start_session(&mut self) -> Result<()> {
        let limit = self.settings.statement_timeout;
        let who = tokio::time::timeout(limit, async {
            let server = server::identify(&mut self.conn).await?;
            let identity = server::identity(&mut self.conn).await?;
            let row = sqlx::raw_sql("SELECT CAST(CONNECTION_ID() AS SIGNED)")
                .fetch_one(&mut self.conn)
                .await?;
            let id: i64 = row.try_get(0)?;
            let tls = server::session_tls(&mut self.conn).await?;
            anyhow::Ok((server, identity, id, tls))
        })
        .await;
        let (server, identity, id, tls) = match who {
            Ok(result) => result.with_context(|| format!("reading the source {}", self.url))?,
            Err(_) => bail!(
                "the source {} did not answer within {}s after connecting",
                self.url,
                limit.as_secs()
            ),
        };
        self.server = server;
        self.identity = identity;
        self.tls = tls;
        self.connection_id = id.max(0) as u64;
        let seconds = limit.as_secs_f64().max(1.0);
        self.query("SET SESSION TRANSACTION READ ONLY").await?;
        let limit_sql = if self.server.is_mariadb() {
            format!("SET SESSION max_statement_time = {seconds:.0}")
        } else {
            // Covers SELECT only; the client-side limit in `query` covers the rest.
            format!("SET SESSION max_execution_time = {:.0}", seconds * 1000.0)
        };
        self.query(&limit_sql).await?;
        // Our reads must never queue long behind a DDL on production.
        self.query(&format!("SET SESSION lock_wait_timeout = {seconds:.0}"))
            .await?;
        Ok(())
    }

    /// Run one statement under the limits. Only SELECT, SHOW and session SET pass.
    pub async fn query(&mut self, sql: &str) -> Result<Vec<MySqlRow>> {
        ensure_read_only(sql)?;
        if self.broken {
            bail!("the source session was abandoned after a timeout or a lost connection");
        }
        let now = Instant::now();
        if now >= self.deadline {
            bail!(
                "profiling the source took longer than {}s (--profile-timeout)",
                self.settings.profile_timeout.as_secs()
            );
        }
        let limit = self.settings.statement_timeout.min(self.deadline - now);
        let outcome =
            tokio::time::timeout(limit, sqlx::raw_sql(sql).fetch_all(&mut self.conn)).await;
        match outcome {
            Ok(Ok(rows)) => Ok(rows),
            Ok(Err(e)) if connection_lost(&e) => {
                self.broken = true;
                bail!(
                    "the source {} closed the connection: the server stopped, restarted or \
                     ended the session [{e}]",
                    self.url
                )
            }
            Ok(Err(e)) => Err(anyhow::Error::new(e))
                .with_context(|| format!("the source refused `{}`", shorten(sql))),
            Err(_) => {
                self.broken = true;
                let killed = self.kill_query().await;
                let which = if limit < self.settings.statement_timeout {
                    "--profile-timeout"
                } else {
                    "--statement-timeout"
                };
                let mut message = format!(
                    "the source did not answer `{}` within {:.0}s ({which})",
                    shorten(sql),
                    limit.as_secs_f64()
                );
                if let Err(e) = killed {
                    message.push_str(&format!("; stopping the query failed too: {e:#}"));
                }
                bail!(message)
            }
        }
    }

    /// KILL QUERY our own statement from a second connection, so nothing keeps running on
    /// the source after we gave up on it (MySQL's max_execution_time misses non-SELECTs).
    async fn kill_query(&self) -> Result<()> {
        let mut killer = server::connect(&self.options, self.settings.connect_timeout)
            .await
            .context("connecting a second session to stop it")?;
        let kill = format!("KILL QUERY {}", self.connection_id);
        tokio::time::timeout(
            self.settings.connect_timeout,
            sqlx::raw_sql(&kill).execute(&mut killer),
        )
        .await
        .context("no answer to KILL QUERY")??;
        Ok(())
    }

    async fn scalar_u64(&mut self, sql: &str) -> Result<Option<u64>> {
        let rows = self.query(sql).await?;
        match rows.first() {
            Some(row) => Ok(row.try_get::<Option<i64>, _>(0)?.map(|v| v.max(0) as u64)),
            None => Ok(None),
        }
    }

    /// Profile the named tables and, transitively, the tables their foreign keys point at.
    pub async fn profile(&mut self, tables: &[String]) -> Result<Profile> {
        let profiled_at = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let writes_before = self.write_counters(tables).await;
        let mut queue: Vec<String> = tables.to_vec();
        let mut done: Vec<TableProfile> = Vec::new();
        while let Some(name) = queue.first().cloned() {
            queue.remove(0);
            if done.iter().any(|t| t.name.eq_ignore_ascii_case(&name)) {
                continue;
            }
            let (table, parents) = self.table(&name).await?;
            done.push(table);
            queue.extend(parents);
        }
        let settings = self.server_settings().await?;
        let activity = self.activity(&done).await;
        self.apply_write_rates(&mut done, writes_before).await;
        Ok(Profile {
            schema_version: SCHEMA_VERSION,
            server: Some(self.server.clone()),
            tables: done,
            settings: Some(settings),
            activity: Some(activity),
            source: Some(SourceMeta {
                url: self.url.clone(),
                database: self.database.clone(),
                profiled_at,
                seconds: significant(self.started.elapsed().as_secs_f64()),
                encrypted: Some(self.tls.is_some()),
                tls_version: self.tls.as_ref().map(|t| t.version.clone()),
                tls_cipher: self.tls.as_ref().map(|t| t.cipher.clone()),
            }),
        })
    }

    /// One table's profile and the names of its foreign-key parents.
    async fn table(&mut self, name: &str) -> Result<(TableProfile, Vec<String>)> {
        let literal = quote_literal(name);
        let rows = self
            .query(&format!(
                "SELECT CAST(TABLE_NAME AS CHAR), CAST(TABLE_ROWS AS SIGNED), CAST(DATA_LENGTH AS SIGNED), \
                        CAST(INDEX_LENGTH AS SIGNED), CAST(AVG_ROW_LENGTH AS SIGNED) \
                 FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {literal} AND TABLE_TYPE = 'BASE TABLE'"
            ))
            .await
            .with_context(|| format!("reading table {name} on the source"))?;
        let Some(row) = rows.first() else {
            bail!(
                "table {name} does not exist in database {} on the source {} (or the account has no SELECT privilege on it)",
                self.database,
                self.url
            );
        };
        let real_name: String = row.try_get::<Option<String>, _>(0)?.unwrap_or_default();
        let opt = |i: usize| -> Result<Option<u64>> {
            Ok(row.try_get::<Option<i64>, _>(i)?.map(|v| v.max(0) as u64))
        };
        let mut table = TableProfile::bare(real_name.clone(), String::new());
        table.rows = opt(1)?.unwrap_or(0);
        table.rows_source = Some("statistics".to_string());
        table.data_bytes = opt(2)?;
        table.index_bytes = opt(3)?;
        table.avg_row_length = opt(4)?;
        let ident = quote_ident(&real_name);
        let create = self
            .query(&format!("SHOW CREATE TABLE {ident}"))
            .await
            .with_context(|| {
                format!("reading the definition of {real_name} (the account needs SELECT on it)")
            })?;
        table.create_table = match create.first() {
            Some(row) => text_at(row, 1)?,
            None => bail!("SHOW CREATE TABLE {real_name} returned nothing"),
        };
        table.indexes = self.indexes(&real_name).await?;
        let columns = self.columns(&real_name).await?;
        if self.settings.exact_rowcount {
            table.rows = self
                .scalar_u64(&format!("SELECT CAST(COUNT(*) AS SIGNED) FROM {ident}"))
                .await
                .with_context(|| format!("counting the rows of {real_name} (--exact-rowcount)"))?
                .unwrap_or(0);
            table.rows_source = Some("count".to_string());
        }
        self.sample(&mut table, &columns).await?;
        let parents = self.parents(&real_name).await?;
        Ok((table, parents))
    }

    async fn indexes(&mut self, table: &str) -> Result<Vec<IndexProfile>> {
        let rows = self
            .query(&format!(
                "SELECT CAST(INDEX_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED), CAST(COLUMN_NAME AS CHAR), \
                        CAST(CARDINALITY AS SIGNED) \
                 FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX",
                quote_literal(table)
            ))
            .await
            .with_context(|| format!("reading the indexes of {table}"))?;
        let mut indexes: Vec<IndexProfile> = Vec::new();
        for row in &rows {
            let name = text_at(row, 0)?;
            let column = text_at(row, 2)?;
            let cardinality = row.try_get::<Option<i64>, _>(3)?.map(|v| v.max(0) as u64);
            match indexes.iter_mut().find(|i| i.name == name) {
                Some(index) => {
                    index.columns.push(column);
                    // The last column's cardinality is that of the whole key.
                    index.cardinality = cardinality.or(index.cardinality);
                }
                None => indexes.push(IndexProfile {
                    name,
                    unique: row.try_get::<Option<i64>, _>(1)?.unwrap_or(1) == 0,
                    columns: vec![column],
                    cardinality,
                }),
            }
        }
        Ok(indexes)
    }

    async fn columns(&mut self, table: &str) -> Result<Vec<(String, String, bool)>> {
        let rows = self
            .query(&format!(
                "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(IS_NULLABLE AS CHAR) \
                 FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} ORDER BY ORDINAL_POSITION",
                quote_literal(table)
            ))
            .await
            .with_context(|| format!("reading the columns of {table}"))?;
        rows.iter()
            .map(|row| {
                Ok((
                    text_at(row, 0)?,
                    text_at(row, 1)?.to_ascii_lowercase(),
                    text_at(row, 2)? == "YES",
                ))
            })
            .collect()
    }

    async fn parents(&mut self, table: &str) -> Result<Vec<String>> {
        let rows = self
            .query(&format!(
                "SELECT DISTINCT CAST(REFERENCED_TABLE_NAME AS CHAR) FROM information_schema.KEY_COLUMN_USAGE \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {} \
                   AND REFERENCED_TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL",
                quote_literal(table)
            ))
            .await
            .with_context(|| format!("reading the foreign keys of {table}"))?;
        rows.iter().map(|row| text_at(row, 0)).collect()
    }

    /// Read at most `--sample-rows` rows through primary-key ranges spread over the
    /// table, computing per row only a hash, a length or a number: no values leave the
    /// server except numbers and dates for min/max.
    async fn sample(
        &mut self,
        table: &mut TableProfile,
        columns: &[(String, String, bool)],
    ) -> Result<()> {
        let limit = self.settings.sample_rows.max(1);
        let ident = quote_ident(&table.name);
        let select: Vec<String> = columns
            .iter()
            .flat_map(|(name, data_type, _)| sample_expressions(name, data_type))
            .collect();
        let select = select.join(", ");
        let pk_column = integer_pk_column(table, columns);
        let mut rows: Vec<MySqlRow> = Vec::new();
        let mut ranges = 1;
        let method;
        let small = table.rows < limit.saturating_mul(2) / 3;
        if let (Some(pk), false) = (&pk_column, small) {
            let pk = quote_ident(pk);
            let bounds = self
                .query(&format!(
                    "SELECT CAST(MIN({pk}) AS SIGNED), CAST(MAX({pk}) AS SIGNED) FROM {ident}"
                ))
                .await?;
            let (low, high) = match bounds.first() {
                Some(row) => (
                    row.try_get::<Option<i64>, _>(0)?.unwrap_or(0),
                    row.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
                ),
                None => (0, 0),
            };
            ranges = SAMPLE_RANGES.min(limit.div_ceil(100)).max(1);
            let per_range = limit.div_ceil(ranges);
            let span = (high as i128 - low as i128).max(0);
            for i in 0..ranges {
                let start = low as i128 + span * i as i128 / ranges as i128;
                let part = self
                    .query(&format!(
                        "SELECT {select} FROM {ident} FORCE INDEX (PRIMARY) WHERE {pk} >= {start} ORDER BY {pk} LIMIT {per_range}"
                    ))
                    .await
                    .with_context(|| format!("sampling {}", table.name))?;
                rows.extend(part);
            }
            method = "pk-ranges";
        } else {
            rows = self
                .query(&format!("SELECT {select} FROM {ident} LIMIT {limit}"))
                .await
                .with_context(|| format!("sampling {}", table.name))?;
            method = if (rows.len() as u64) < limit {
                "full"
            } else {
                "prefix"
            };
        }
        if method == "full" {
            // The whole table was read: its row count is known exactly.
            table.rows = rows.len() as u64;
            table.rows_source = Some("count".to_string());
        }
        table.sample = Some(SampleInfo {
            rows: rows.len() as u64,
            ranges,
            method: method.to_string(),
        });
        let full = method == "full";
        let mut offset = 0;
        for (name, data_type, nullable) in columns {
            let width = sample_expressions(name, data_type).len();
            let stats = column_stats(&rows, offset, name, data_type, *nullable, table.rows, full)?;
            table.columns.push(stats);
            offset += width;
        }
        Ok(())
    }

    async fn server_settings(&mut self) -> Result<ServerSettings> {
        let names: Vec<String> = ServerSettings::NAMES
            .iter()
            .map(|n| quote_literal(n))
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
    async fn activity(&mut self, tables: &[TableProfile]) -> Activity {
        let mut activity = Activity {
            min_seconds: LONG_TRANSACTION_SECONDS,
            ..Default::default()
        };
        let sql = format!(
            "SELECT CAST(trx_mysql_thread_id AS SIGNED), CAST(TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS SIGNED), \
                    CAST(trx_state AS CHAR), CAST(trx_rows_modified AS SIGNED), CAST(trx_tables_locked AS SIGNED) \
             FROM information_schema.INNODB_TRX \
             WHERE trx_started <= NOW() - INTERVAL {LONG_TRANSACTION_SECONDS} SECOND \
               AND trx_mysql_thread_id <> CONNECTION_ID() ORDER BY trx_started"
        );
        match self.query(&sql).await {
            Ok(rows) => {
                for row in &rows {
                    let number = |i: usize| {
                        row.try_get::<Option<i64>, _>(i)
                            .ok()
                            .flatten()
                            .unwrap_or(0)
                            .max(0) as u64
                    };
                    activity.long_transactions.push(LongTransaction {
                        thread_id: number(0),
                        seconds: number(1),
                        state: text_at(row, 2).unwrap_or_default(),
                        rows_modified: number(3),
                        tables_locked: number(4),
                    });
                }
            }
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

    async fn metadata_locks(
        &mut self,
        tables: &[TableProfile],
        warnings: &mut Vec<String>,
    ) -> Option<Vec<MetadataLock>> {
        let names: Vec<String> = tables.iter().map(|t| quote_literal(&t.name)).collect();
        let sql = format!(
            "SELECT CAST(m.OBJECT_NAME AS CHAR), CAST(m.LOCK_TYPE AS CHAR), CAST(m.LOCK_STATUS AS CHAR), \
                    CAST(t.PROCESSLIST_ID AS SIGNED) \
             FROM performance_schema.metadata_locks m JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID \
             WHERE m.OBJECT_TYPE = 'TABLE' AND m.OBJECT_SCHEMA = DATABASE() AND m.OBJECT_NAME IN ({}) \
               AND t.PROCESSLIST_ID <> CONNECTION_ID()",
            names.join(", ")
        );
        match self.query(&sql).await {
            Ok(rows) => Some(
                rows.iter()
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
                    .collect(),
            ),
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
    async fn write_counters(
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
        let names: Vec<String> = tables.iter().map(|t| quote_literal(t)).collect();
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

    async fn apply_write_rates(
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

/// `estimate --source`: profile exactly the tables the migration needs (and their
/// foreign-key parents). Also returns who the source is, to refuse it as a sandbox.
pub async fn profile_for(
    url: &str,
    read: &SourceReadArgs,
    migration: &Migration,
) -> Result<(Profile, ServerIdentity)> {
    let tables = tables_of(migration);
    if tables.is_empty() {
        bail!("the migration names no existing table, so there is nothing to read from the source");
    }
    let mut source = Source::connect(&options_from(url, read)?).await?;
    let profile = source.profile(&tables).await?;
    Ok((profile, source.identity.clone()))
}

/// Connect to the `--sandbox-url` server and refuse it if it is the source, before
/// anything is created there.
pub async fn refuse_sandbox_url(
    source: &ServerIdentity,
    sandbox_url: &str,
    limit: Duration,
) -> Result<()> {
    let options = server::plain_options(url::parse(sandbox_url)?);
    let mut conn = server::connect(&options, limit)
        .await
        .with_context(|| format!("connecting to the sandbox {}", url::redact_url(sandbox_url)))?;
    let sandbox = server::identity(&mut conn).await?;
    refuse_same_server(source, &sandbox)
}

/// The sandbox's DDL settings, to report beside the source's.
pub async fn sandbox_settings(sandbox: &crate::sandbox::Sandbox) -> Option<ServerSettings> {
    let mut conn = sandbox.connect().await.ok()?;
    let names: Vec<String> = ServerSettings::NAMES
        .iter()
        .map(|n| quote_literal(n))
        .collect();
    let rows = sqlx::raw_sql(&format!(
        "SHOW GLOBAL VARIABLES WHERE Variable_name IN ({})",
        names.join(", ")
    ))
    .fetch_all(&mut conn)
    .await
    .ok()?;
    Some(settings_from_rows(&rows))
}

/// Put what the profile knows beyond row counts into the report: settings side by side,
/// and the activity warnings (long transactions that may hold a metadata lock).
pub fn annotate_report(
    report: &mut crate::report::Report,
    profile: &Profile,
    sandbox: Option<ServerSettings>,
) {
    if let (Some(source), Some(sandbox)) = (&profile.settings, sandbox) {
        report.settings = Some(crate::report::SettingsReport {
            source: source.clone(),
            sandbox,
        });
    }
    report.source = profile.source.clone();
    if let Some(warning) = profile
        .source
        .as_ref()
        .and_then(SourceMeta::plaintext_warning)
    {
        report.warnings.push(warning);
    }
    if let Some(activity) = &profile.activity {
        report.warnings.extend(activity.warnings.iter().cloned());
        if let Some(locks) = &activity.metadata_locks {
            for lock in locks {
                report.warnings.push(format!(
                    "thread {} holds a {} metadata lock on {} ({}): the migration would wait for it",
                    lock.thread_id, lock.lock_type, lock.table, lock.status
                ));
            }
        }
    }
}

fn settings_from_rows(rows: &[MySqlRow]) -> ServerSettings {
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

/// Tables a migration needs from the source: every table a statement names that no
/// earlier statement created, and every table a foreign key it adds points at.
pub fn tables_of(migration: &Migration) -> Vec<String> {
    let mut created: BTreeSet<String> = BTreeSet::new();
    let mut needed: Vec<String> = Vec::new();
    let mut need = |name: &str, created: &BTreeSet<String>| {
        let lower = name.to_ascii_lowercase();
        if !created.contains(&lower) && !needed.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            needed.push(name.to_string());
        }
    };
    for statement in &migration.statements {
        let creates = statement
            .creates_table
            .as_deref()
            .map(str::to_ascii_lowercase);
        if let Some(table) = &statement.table {
            if creates.as_deref() != Some(table.to_ascii_lowercase().as_str()) {
                need(table, &created);
            }
        }
        for clause in &statement.clauses {
            if let Some(parent) = &clause.references {
                need(parent, &created);
            }
        }
        if let Some(creates) = creates {
            created.insert(creates);
        }
    }
    needed
}

/// Refuse a sandbox that is the source: a migration must never run on production.
pub fn refuse_same_server(source: &ServerIdentity, sandbox: &ServerIdentity) -> Result<()> {
    if source.same_server(sandbox) {
        let how = match &source.server_uuid {
            Some(uuid) => format!("same @@server_uuid {uuid}"),
            None => format!(
                "same @@hostname {}, @@port {}, @@datadir {} and @@server_id {}",
                source.hostname, source.port, source.datadir, source.server_id
            ),
        };
        bail!(
            "the sandbox server is the source server ({how}): ddl-eta never runs a migration on the source; \
             give --sandbox-url a different server, or leave it out to start a local one"
        );
    }
    Ok(())
}

/// The guard that makes "read-only" provable: nothing else can be sent on the source
/// session (KILL QUERY goes on a separate connection, for our own statement only).
fn ensure_read_only(sql: &str) -> Result<()> {
    let upper = sql.trim_start().to_ascii_uppercase();
    let allowed = upper.starts_with("SELECT ")
        || upper.starts_with("SHOW ")
        || upper.starts_with("SET SESSION ");
    if !allowed || sql.contains(';') {
        bail!("internal error: refusing to send a non-read-only statement to the source");
    }
    Ok(())
}

/// The session is gone, rather than one statement refused: the socket closed, or the
/// server said it is shutting down (1053) or killed the connection (1927).
fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code == "08S01")
                || db.message().contains("shutdown in progress")
                || db.message().contains("Connection was killed")
        }
        _ => false,
    }
}

fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal for SQL text sent to the source (also used by `watch`).
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

fn shorten(sql: &str) -> String {
    let flat: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.len() <= 80 {
        flat
    } else {
        let cut = (0..=77)
            .rev()
            .find(|i| flat.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}...", &flat[..cut])
    }
}

fn root_cause(error: &anyhow::Error) -> String {
    error.root_cause().to_string()
}

fn text_at(row: &MySqlRow, index: usize) -> Result<String> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Temporal,
    Other,
}

fn kind_of(data_type: &str) -> Kind {
    match data_type {
        "char" | "varchar" | "binary" | "varbinary" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "json" => Kind::Text,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal"
        | "numeric" | "float" | "double" | "real" | "bit" | "year" => Kind::Number,
        "date" | "datetime" | "timestamp" | "time" => Kind::Temporal,
        _ => Kind::Other,
    }
}

/// Per column: a 64-bit hash (NULL when the value is), then its length, number or text.
fn sample_expressions(name: &str, data_type: &str) -> Vec<String> {
    let c = quote_ident(name);
    let hash = format!("CAST(CONV(LEFT(MD5({c}), 16), 16, 10) AS UNSIGNED)");
    match kind_of(data_type) {
        Kind::Text => vec![hash, format!("CAST(LENGTH({c}) AS SIGNED)")],
        Kind::Number => vec![hash, format!("({c} + 0e0)")],
        Kind::Temporal => vec![hash, format!("CAST({c} AS CHAR)")],
        Kind::Other => vec![hash],
    }
}

/// The first primary-key column when it is an integer: ranges of it spread the sample.
fn integer_pk_column(table: &TableProfile, columns: &[(String, String, bool)]) -> Option<String> {
    let primary = table.indexes.iter().find(|i| i.name == "PRIMARY")?;
    let first = primary.columns.first()?;
    let (_, data_type, _) = columns.iter().find(|(n, _, _)| n == first)?;
    matches!(
        data_type.as_str(),
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    )
    .then(|| first.clone())
}

/// Statistics of one column from the sampled rows (its values start at `offset`).
fn column_stats(
    rows: &[MySqlRow],
    offset: usize,
    name: &str,
    data_type: &str,
    nullable: bool,
    table_rows: u64,
    full: bool,
) -> Result<ColumnProfile> {
    let kind = kind_of(data_type);
    let mut counts: HashMap<u64, u64> = HashMap::new();
    let mut nulls = 0u64;
    let mut lengths: Vec<f64> = Vec::new();
    let mut low: Option<f64> = None;
    let mut high: Option<f64> = None;
    let mut low_text: Option<String> = None;
    let mut high_text: Option<String> = None;
    for row in rows {
        let Some(hash) = row.try_get::<Option<u64>, _>(offset)? else {
            nulls += 1;
            continue;
        };
        *counts.entry(hash).or_default() += 1;
        match kind {
            Kind::Text => {
                if let Some(length) = row.try_get::<Option<i64>, _>(offset + 1)? {
                    lengths.push(length as f64);
                }
            }
            Kind::Number => {
                if let Some(value) = row.try_get::<Option<f64>, _>(offset + 1)? {
                    low = Some(low.map_or(value, |l| l.min(value)));
                    high = Some(high.map_or(value, |h| h.max(value)));
                }
            }
            Kind::Temporal => {
                if let Some(value) = row.try_get::<Option<String>, _>(offset + 1)? {
                    if low_text.as_ref().is_none_or(|l| value < *l) {
                        low_text = Some(value.clone());
                    }
                    if high_text.as_ref().is_none_or(|h| value > *h) {
                        high_text = Some(value);
                    }
                }
            }
            Kind::Other => {}
        }
    }
    let sampled = rows.len() as u64;
    let present = sampled - nulls;
    let null_fraction = if sampled == 0 {
        0.0
    } else {
        nulls as f64 / sampled as f64
    };
    let mut frequencies: Vec<u64> = counts.values().copied().collect();
    frequencies.sort_unstable_by(|a, b| b.cmp(a));
    let share = |k: usize| {
        if present == 0 {
            0.0
        } else {
            frequencies.iter().take(k).sum::<u64>() as f64 / present as f64
        }
    };
    let singletons = frequencies.iter().filter(|f| **f == 1).count() as u64;
    let population = (table_rows as f64 * (1.0 - null_fraction)).max(present as f64);
    let distinct = if full {
        frequencies.len() as f64
    } else {
        estimate_distinct(present, frequencies.len() as u64, singletons, population)
    };
    let number = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 9e15 {
            serde_json::Value::from(v as i64)
        } else {
            serde_json::Number::from_f64(v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null)
        }
    };
    let (min, max) = match kind {
        Kind::Number => (low.map(number), high.map(number)),
        Kind::Temporal => (
            low_text.map(serde_json::Value::from),
            high_text.map(serde_json::Value::from),
        ),
        _ => (None, None),
    };
    Ok(ColumnProfile {
        name: name.to_string(),
        data_type: data_type.to_string(),
        nullable,
        null_fraction: significant(null_fraction),
        distinct,
        sample_distinct: frequencies.len() as u64,
        top1_share: significant(share(1)),
        top10_share: significant(share(10)),
        length: length_stats(&mut lengths),
        min,
        max,
    })
}

/// Haas and Stokes' Duj1: d / (1 - (1 - q) f1 / n), with q the sampled share of the
/// population; it lets singletons in the sample stand for values never seen.
pub fn estimate_distinct(sampled: u64, distinct: u64, singletons: u64, population: f64) -> f64 {
    if sampled == 0 {
        return 0.0;
    }
    let n = sampled as f64;
    let d = distinct as f64;
    let q = (n / population.max(n)).min(1.0);
    let denominator = 1.0 - (1.0 - q) * singletons as f64 / n;
    let estimate = if denominator <= 1e-9 {
        population
    } else {
        d / denominator
    };
    estimate.clamp(d, population.max(d)).round()
}

/// Six significant digits: all a statistic from a sample can claim, and short decimals
/// read back from JSON to the very same number, so a saved profile round-trips.
fn significant(value: f64) -> f64 {
    format!("{value:.5e}").parse().unwrap_or(value)
}

fn length_stats(lengths: &mut [f64]) -> Option<LengthStats> {
    if lengths.is_empty() {
        return None;
    }
    lengths.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| {
        let index = ((lengths.len() - 1) as f64 * p).round() as usize;
        lengths[index.min(lengths.len() - 1)]
    };
    Some(LengthStats {
        mean: significant(lengths.iter().sum::<f64>() / lengths.len() as f64),
        min: at(0.0),
        p10: at(0.10),
        p25: at(0.25),
        p50: at(0.50),
        p75: at(0.75),
        p90: at(0.90),
        p99: at(0.99),
        max: at(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reading_statements_pass_the_guard() {
        assert!(ensure_read_only("SELECT 1").is_ok());
        assert!(ensure_read_only("SHOW CREATE TABLE `t`").is_ok());
        assert!(ensure_read_only("SET SESSION TRANSACTION READ ONLY").is_ok());
        assert!(ensure_read_only("SET GLOBAL x = 1").is_err());
        assert!(ensure_read_only("DROP TABLE t").is_err());
        assert!(ensure_read_only("SELECT 1; DROP TABLE t").is_err());
    }

    #[test]
    fn distinct_estimates_scale_up_unique_columns_and_not_categories() {
        // All distinct in a 10% sample: the column is (close to) unique.
        let unique = estimate_distinct(10_000, 10_000, 10_000, 100_000.0);
        assert!(unique > 90_000.0, "{unique}");
        // Five values, each seen thousands of times: five in the table too.
        assert_eq!(estimate_distinct(10_000, 5, 0, 100_000.0), 5.0);
    }

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_literal("it's\\"), "'it''s\\\\'");
    }

    #[test]
    fn passwords_in_the_url_win_over_the_environment() {
        assert_eq!(url::password_of("mysql://u:pw@h/db").as_deref(), Some("pw"));
        assert_eq!(url::password_of("mysql://u@h/db"), None);
        assert_eq!(url::password_of("mysql://u:@h/db"), None);
    }
}
