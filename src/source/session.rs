//! The read-only session on the source: connecting, the session settings that make it
//! read-only and time-limited, and the one guarded way to send a query (anything but
//! SELECT, SHOW and session SET is refused before it leaves; a query past its limit is
//! killed from a second connection).

use super::{Password, SourceOptions};
use crate::online_ddl::Version;
use crate::sandbox::url;
use crate::server::{self, Flavor, ServerIdentity, ServerInfo};
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
        let in_url = url::password_of(&settings.url);
        if let Some(password) = Password::over_url(settings.password.as_ref(), in_url.as_deref()) {
            options = options.password(password);
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
        // Names go into our SELECTs as literals (`crate::quote::literal`), whose escaped
        // backslashes mean one backslash only where NO_BACKSLASH_ESCAPES is off.
        let mode = self
            .query("SELECT CAST(@@SESSION.sql_mode AS CHAR)")
            .await?;
        let mode: String = match mode.first() {
            Some(row) => row.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
            None => String::new(),
        };
        if let Some(set) = backslash_escapes_sql(&mode) {
            self.query(&set).await?;
        }
        // MySQL 8 caches information_schema's row counts and sizes for up to a day.
        if let Some(set) = fresh_statistics_sql(&self.server) {
            let exists = self
                .query("SHOW SESSION VARIABLES LIKE 'information_schema_stats_expiry'")
                .await?;
            if !exists.is_empty() {
                self.query(set).await?;
            }
        }
        Ok(())
    }

    /// The query that lists every other session's thread, for this server
    /// (`processlist_sql`).
    pub fn processlist_sql(&self) -> &'static str {
        processlist_sql(&self.server)
    }

    /// What the account may do, with the privileges of its active (default) roles: SHOW
    /// GRANTS lists them, where information_schema.USER_PRIVILEGES has the account's own
    /// grants only.
    pub async fn privileges(&mut self) -> Result<Privileges> {
        let roles = if self.server.is_mariadb() {
            None
        } else {
            // MySQL 8: "NONE", or the active roles as `r`@`%`,`s`@`%`; MySQL 5.7 has none.
            let rows = self
                .query("SELECT CAST(CURRENT_ROLE() AS CHAR)")
                .await
                .unwrap_or_default();
            rows.first().and_then(|row| text_at(row, 0).ok())
        };
        let sql = grants_sql(&self.server, roles.as_deref());
        let rows = self.query(&sql).await?;
        let grants: Vec<String> = rows.iter().filter_map(|row| text_at(row, 0).ok()).collect();
        Ok(Privileges::from_grants(&grants, &self.database))
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
                    message.push_str(&format!(
                        "; stopping the query failed too: {}",
                        crate::text::causes(&e)
                    ));
                }
                bail!(message)
            }
        }
    }

    /// KILL QUERY our own statement from a second connection, so nothing keeps running on
    /// the source after we gave up on it (MySQL's max_execution_time misses non-SELECTs).
    /// Only when the second connection reached the same server: behind a load balancer it
    /// may land on another, where our connection id is someone else's query.
    async fn kill_query(&self) -> Result<()> {
        let mut killer = server::connect(&self.options, self.settings.connect_timeout)
            .await
            .context("connecting a second session to stop it")?;
        let reached =
            tokio::time::timeout(self.settings.connect_timeout, server::identity(&mut killer))
                .await
                .context("no answer from the second session")??;
        if !reached.same_server(&self.identity) {
            bail!(
                "the second session reached another server (a load balancer?), so the query was left to the server's own limits"
            );
        }
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

/// The `SET SESSION sql_mode` that turns NO_BACKSLASH_ESCAPES off and keeps every other
/// mode the server gave the session; None when it is off already.
pub fn backslash_escapes_sql(mode: &str) -> Option<String> {
    let modes: Vec<&str> = mode.split(',').filter(|m| !m.is_empty()).collect();
    let kept: Vec<&str> = modes
        .iter()
        .copied()
        .filter(|m| !m.eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES"))
        .collect();
    (kept.len() < modes.len()).then(|| {
        format!(
            "SET SESSION sql_mode = {}",
            crate::quote::literal(&kept.join(","))
        )
    })
}

/// `SET SESSION information_schema_stats_expiry = 0` where the server has the variable
/// (MySQL 8.0 and Aurora MySQL 3): otherwise row counts and sizes may be a day old. None
/// for MariaDB and MySQL 5.7 / Aurora 2.
pub fn fresh_statistics_sql(server: &ServerInfo) -> Option<&'static str> {
    (mysql_version(server)? >= Version(vec![8, 0, 3]))
        .then_some("SET SESSION information_schema_stats_expiry = 0")
}

/// The MySQL version a MySQL or Aurora MySQL server behaves as (Aurora 3 is 8.0.23 and
/// later, Aurora 2 is 5.7); None for MariaDB.
fn mysql_version(server: &ServerInfo) -> Option<Version> {
    let version = Version::parse(&server.version)?;
    match server.flavor {
        Flavor::Mariadb => None,
        Flavor::Mysql => Some(version),
        Flavor::AuroraMysql => Some(if version >= Version(vec![3]) {
            Version(vec![8, 0, 23])
        } else {
            Version(vec![5, 7, 12])
        }),
    }
}

/// Every other session's thread, one row each: id, database, command, milliseconds in the
/// state, state, statement (first 4000 characters), and MariaDB's stage, stage count and
/// progress (zeros elsewhere). MySQL 8.0.22 and later read performance_schema.processlist
/// (information_schema.PROCESSLIST is deprecated there and takes a global mutex).
pub fn processlist_sql(server: &ServerInfo) -> &'static str {
    if server.is_mariadb() {
        return "SELECT CAST(ID AS SIGNED), CAST(IFNULL(DB, '') AS CHAR), CAST(COMMAND AS CHAR), \
                CAST(TIME_MS AS DOUBLE), CAST(IFNULL(STATE, '') AS CHAR), CAST(LEFT(INFO, 4000) AS CHAR), \
                CAST(STAGE AS SIGNED), CAST(MAX_STAGE AS SIGNED), CAST(PROGRESS AS DOUBLE) \
         FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()";
    }
    if mysql_version(server).is_some_and(|v| v >= Version(vec![8, 0, 22])) {
        return "SELECT CAST(ID AS SIGNED), CAST(IFNULL(DB, '') AS CHAR), CAST(COMMAND AS CHAR), \
                CAST(TIME * 1000 AS DOUBLE), CAST(IFNULL(STATE, '') AS CHAR), CAST(LEFT(INFO, 4000) AS CHAR), \
                0, 0, CAST(0 AS DOUBLE) \
         FROM performance_schema.processlist WHERE ID <> CONNECTION_ID()";
    }
    "SELECT CAST(ID AS SIGNED), CAST(IFNULL(DB, '') AS CHAR), CAST(COMMAND AS CHAR), \
            CAST(TIME * 1000 AS DOUBLE), CAST(IFNULL(STATE, '') AS CHAR), CAST(LEFT(INFO, 4000) AS CHAR), \
            0, 0, CAST(0 AS DOUBLE) \
     FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()"
}

/// SHOW GRANTS with the active roles' privileges: MariaDB's lists the current role's
/// grants itself; MySQL 8's needs `USING` the roles `CURRENT_ROLE()` names.
pub fn grants_sql(server: &ServerInfo, current_roles: Option<&str>) -> String {
    let roles = current_roles
        .map(str::trim)
        .filter(|r| !r.is_empty() && !r.eq_ignore_ascii_case("NONE"));
    match roles {
        Some(roles) if !server.is_mariadb() && !roles.contains(';') => {
            format!("SHOW GRANTS FOR CURRENT_USER() USING {roles}")
        }
        _ => "SHOW GRANTS".to_string(),
    }
}

/// What SHOW GRANTS says the account may do, for what ddl-eta reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Privileges {
    /// PROCESS: other sessions' statements in the process list.
    pub process: bool,
    /// SELECT on the whole database (or on every database).
    pub select: bool,
}

impl Privileges {
    /// Reads `GRANT privs ON what TO ...` lines (the account's and its roles').
    pub fn from_grants(grants: &[String], database: &str) -> Privileges {
        let mut found = Privileges::default();
        let quoted_db = format!("{}.*", crate::quote::ident(database));
        for grant in grants {
            let upper = grant.to_ascii_uppercase();
            let Some(rest) = upper.strip_prefix("GRANT ") else {
                continue;
            };
            let Some((privs, after)) = rest.split_once(" ON ") else {
                continue;
            };
            let on = grant
                .get(grant.len() - after.len()..)
                .unwrap_or("")
                .split(" TO ")
                .next()
                .unwrap_or("")
                .trim();
            let all = privs.contains("ALL PRIVILEGES");
            let has = |p: &str| all || privs.split(',').any(|x| x.trim() == p);
            let global = on == "*.*";
            found.process |= global && has("PROCESS");
            found.select |= (global || on == quoted_db) && has("SELECT");
        }
        found
    }
}

/// The guard that makes "read-only" provable: nothing else can be sent on the source
/// session (KILL QUERY goes on a separate connection, for our own statement only).
fn ensure_read_only(sql: &str) -> Result<()> {
    let upper = sql.trim_start().to_ascii_uppercase();
    let allowed = upper.starts_with("SELECT ")
        || upper.starts_with("SHOW ")
        || upper.starts_with("SET SESSION ");
    if !allowed || has_second_statement(sql) {
        bail!("internal error: refusing to send a non-read-only statement to the source");
    }
    Ok(())
}

/// Whether `sql` has a `;` outside its quoted strings and names (a second statement), or
/// a quote left open. A `;` inside a quoted name is a table's (`orders;old`), not ours.
/// Backslash escapes count: the session keeps NO_BACKSLASH_ESCAPES off.
fn has_second_statement(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut open: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match open {
            None if c == b';' => return true,
            None if matches!(c, b'\'' | b'"' | b'`') => open = Some(c),
            None => {}
            Some(quote) if c == b'\\' && quote != b'`' => i += 1,
            // A doubled quote stands for itself.
            Some(quote) if c == quote && bytes.get(i + 1) == Some(&quote) => i += 1,
            Some(quote) if c == quote => open = None,
            Some(_) => {}
        }
        i += 1;
    }
    open.is_some()
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
        // A name or a string holding a semicolon is not a second statement...
        assert!(ensure_read_only("SHOW CREATE TABLE `orders;old`").is_ok());
        assert!(ensure_read_only("SELECT 'a;b', \"c;d\"").is_ok());
        assert!(ensure_read_only(r"SELECT 'it''s;', 'a\';b'").is_ok());
        // ...but one after a string closed, or a quote left open, is refused.
        assert!(ensure_read_only(r"SELECT 'a\\'; DROP TABLE t").is_err());
        assert!(ensure_read_only("SELECT `a``;`; DROP TABLE t").is_err());
        assert!(ensure_read_only("SELECT 'open").is_err());
    }

    fn server(flavor: Flavor, version: &str) -> ServerInfo {
        ServerInfo {
            flavor,
            version: version.to_string(),
        }
    }

    #[test]
    fn statistics_are_fresh_where_mysql_caches_them() {
        let set = Some("SET SESSION information_schema_stats_expiry = 0");
        assert_eq!(fresh_statistics_sql(&server(Flavor::Mysql, "8.0.28")), set);
        assert_eq!(fresh_statistics_sql(&server(Flavor::Mysql, "8.4.3")), set);
        assert_eq!(
            fresh_statistics_sql(&server(Flavor::AuroraMysql, "3.04.0")),
            set
        );
        assert_eq!(fresh_statistics_sql(&server(Flavor::Mysql, "5.7.44")), None);
        assert_eq!(
            fresh_statistics_sql(&server(Flavor::AuroraMysql, "2.11.2")),
            None
        );
        assert_eq!(
            fresh_statistics_sql(&server(Flavor::Mariadb, "10.11.19")),
            None
        );
    }

    #[test]
    fn the_process_list_comes_from_performance_schema_from_mysql_8_0_22() {
        let from = |flavor, version| {
            let sql = processlist_sql(&server(flavor, version));
            assert!(ensure_read_only(sql).is_ok(), "{sql}");
            sql.split(" FROM ").last().unwrap_or("").to_string()
        };
        let p_s = "performance_schema.processlist WHERE ID <> CONNECTION_ID()";
        let i_s = "information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()";
        assert_eq!(from(Flavor::Mysql, "8.0.22"), p_s);
        assert_eq!(from(Flavor::Mysql, "8.4.3"), p_s);
        assert_eq!(from(Flavor::AuroraMysql, "3.01.0"), p_s);
        assert_eq!(from(Flavor::Mysql, "8.0.21"), i_s);
        assert_eq!(from(Flavor::Mysql, "5.7.44"), i_s);
        assert_eq!(from(Flavor::AuroraMysql, "2.11.2"), i_s);
        assert_eq!(from(Flavor::Mariadb, "10.11.19"), i_s);
        // MariaDB's has the stage columns watch reads progress from.
        assert!(processlist_sql(&server(Flavor::Mariadb, "10.11.19")).contains("MAX_STAGE"));
    }

    #[test]
    fn grants_include_the_active_roles() {
        let mysql = server(Flavor::Mysql, "8.0.36");
        assert_eq!(
            grants_sql(&mysql, Some("`watcher`@`%`,`reader`@`%`")),
            "SHOW GRANTS FOR CURRENT_USER() USING `watcher`@`%`,`reader`@`%`"
        );
        assert_eq!(grants_sql(&mysql, Some("NONE")), "SHOW GRANTS");
        assert_eq!(grants_sql(&mysql, None), "SHOW GRANTS");
        // MariaDB's SHOW GRANTS lists the current role's grants itself.
        let maria = server(Flavor::Mariadb, "10.11.19");
        assert_eq!(grants_sql(&maria, Some("watcher")), "SHOW GRANTS");
        for sql in [
            grants_sql(&mysql, Some("`r`@`%`")),
            grants_sql(&maria, None),
        ] {
            assert!(ensure_read_only(&sql).is_ok(), "{sql}");
        }
    }

    #[test]
    fn privileges_are_read_from_grants_of_account_and_roles() {
        let grants =
            |lines: &[&str]| -> Vec<String> { lines.iter().map(|l| l.to_string()).collect() };
        let through_role = grants(&[
            "GRANT `watcher` TO `u`@`localhost`",
            "GRANT USAGE ON *.* TO `u`@`localhost`",
            "GRANT PROCESS ON *.* TO `watcher`",
            "GRANT SELECT ON `prod`.* TO `watcher`",
        ]);
        assert_eq!(
            Privileges::from_grants(&through_role, "prod"),
            Privileges {
                process: true,
                select: true
            }
        );
        assert_eq!(
            Privileges::from_grants(&through_role, "other"),
            Privileges {
                process: true,
                select: false
            }
        );
        let all = grants(&["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]);
        assert_eq!(
            Privileges::from_grants(&all, "prod"),
            Privileges {
                process: true,
                select: true
            }
        );
        let narrow = grants(&[
            "GRANT SELECT (a) ON `prod`.`t` TO `u`@`%`",
            "GRANT SELECT, PROCESSING ON `prod`.* TO `u`@`%`",
        ]);
        assert_eq!(
            Privileges::from_grants(&narrow, "prod"),
            Privileges {
                process: false,
                select: true
            }
        );
    }

    #[test]
    fn only_no_backslash_escapes_is_turned_off() {
        assert_eq!(
            backslash_escapes_sql("STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION"),
            None
        );
        assert_eq!(backslash_escapes_sql(""), None);
        assert_eq!(
            backslash_escapes_sql("NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES").as_deref(),
            Some("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'")
        );
        assert_eq!(
            backslash_escapes_sql("NO_BACKSLASH_ESCAPES").as_deref(),
            Some("SET SESSION sql_mode = ''")
        );
    }
}
