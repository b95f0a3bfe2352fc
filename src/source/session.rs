//! The read-only session on the source: connecting, the session settings that make it
//! read-only and time-limited, and the one guarded way to send a query (anything but
//! SELECT, SHOW and session SET is refused before it leaves; a query past its limit is
//! killed from a second connection).

use super::SourceOptions;
use crate::sandbox::url;
use crate::server::{self, ServerIdentity, ServerInfo};
use crate::text::one_line;
use anyhow::{bail, Context, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::Row;
use std::time::Instant;

/// A read-only session on the source, with its limits.
pub struct Source {
    pub(super) conn: MySqlConnection,
    pub(super) options: MySqlConnectOptions,
    pub(super) connection_id: u64,
    pub server: ServerInfo,
    pub identity: ServerIdentity,
    pub database: String,
    pub(super) url: String,
    pub(super) settings: SourceOptions,
    pub(super) started: Instant,
    pub(super) deadline: Instant,
    /// Set once a query was abandoned: the session is then in an unknown state.
    pub(super) broken: bool,
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
                .with_context(|| format!("the source refused `{}`", one_line(sql, 80))),
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
                    one_line(sql, 80),
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

    pub(super) async fn scalar_u64(&mut self, sql: &str) -> Result<Option<u64>> {
        let rows = self.query(sql).await?;
        match rows.first() {
            Some(row) => Ok(row.try_get::<Option<i64>, _>(0)?.map(|v| v.max(0) as u64)),
            None => Ok(None),
        }
    }
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

pub(super) fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A string literal for SQL text sent to the source (also used by `watch`).
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

pub(super) fn root_cause(error: &anyhow::Error) -> String {
    error.root_cause().to_string()
}

pub(super) fn text_at(row: &MySqlRow, index: usize) -> Result<String> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
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
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_literal("it's\\"), "'it''s\\\\'");
    }
}
