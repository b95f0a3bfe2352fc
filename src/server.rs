//! Which server answers on a connection: flavor and version, learned by asking it
//! (`SELECT VERSION()`, `@@aurora_version`), never from a binary's name. Shared by the
//! source (production) and the sandbox, so both are described the same way.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::{ConnectOptions, Connection, Row};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavor {
    #[serde(rename = "mariadb")]
    Mariadb,
    #[serde(rename = "mysql")]
    Mysql,
    #[serde(rename = "aurora-mysql")]
    AuroraMysql,
}

impl Flavor {
    pub fn as_str(self) -> &'static str {
        match self {
            Flavor::Mariadb => "mariadb",
            Flavor::Mysql => "mysql",
            Flavor::AuroraMysql => "aurora-mysql",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub flavor: Flavor,
    /// `VERSION()` up to its first '-', or the Aurora version on Aurora ("3.04.0").
    pub version: String,
}

impl ServerInfo {
    /// "mariadb:10.11.19", the form `--target-server` also takes.
    pub fn label(&self) -> String {
        format!("{}:{}", self.flavor.as_str(), self.version)
    }

    pub fn is_mariadb(&self) -> bool {
        self.flavor == Flavor::Mariadb
    }
}

/// Ask the server what it is.
pub async fn identify(conn: &mut MySqlConnection) -> Result<ServerInfo> {
    let row = sqlx::raw_sql("SELECT CAST(VERSION() AS CHAR)")
        .fetch_one(&mut *conn)
        .await
        .context("asking the server for its version")?;
    let full: String = row.try_get(0)?;
    let aurora = aurora_version(conn).await;
    Ok(classify_version(&full, aurora.as_deref()))
}

async fn aurora_version(conn: &mut MySqlConnection) -> Option<String> {
    // Only Aurora knows this variable; elsewhere the query fails, which is the answer.
    let row = sqlx::raw_sql("SELECT CAST(@@aurora_version AS CHAR)")
        .fetch_one(&mut *conn)
        .await
        .ok()?;
    row.try_get::<String, _>(0).ok()
}

pub fn classify_version(full: &str, aurora: Option<&str>) -> ServerInfo {
    if let Some(aurora) = aurora {
        return ServerInfo {
            flavor: Flavor::AuroraMysql,
            version: aurora.to_string(),
        };
    }
    let flavor = if full.to_ascii_lowercase().contains("mariadb") {
        Flavor::Mariadb
    } else {
        Flavor::Mysql
    };
    let version = full.split('-').next().unwrap_or(full).to_string();
    ServerInfo { flavor, version }
}

/// What tells one server from another: `@@server_uuid` on MySQL; MariaDB has none, so
/// there the host name, port, data directory and server id together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerIdentity {
    pub server_uuid: Option<String>,
    pub hostname: String,
    pub port: u64,
    pub datadir: String,
    pub server_id: u64,
}

impl ServerIdentity {
    pub fn same_server(&self, other: &ServerIdentity) -> bool {
        match (&self.server_uuid, &other.server_uuid) {
            (Some(a), Some(b)) => a == b,
            _ => {
                self.hostname == other.hostname
                    && self.port == other.port
                    && self.datadir == other.datadir
                    && self.server_id == other.server_id
            }
        }
    }
}

/// Ask the server who it is (a SELECT of system variables only).
pub async fn identity(conn: &mut MySqlConnection) -> Result<ServerIdentity> {
    let row = sqlx::raw_sql(
        "SELECT CAST(@@hostname AS CHAR), CAST(@@port AS SIGNED), CAST(@@datadir AS CHAR), \
                CAST(@@server_id AS SIGNED)",
    )
    .fetch_one(&mut *conn)
    .await
    .context("asking the server for its identity")?;
    // Only MySQL has server_uuid; on MariaDB the query fails, which is the answer.
    let uuid = match sqlx::raw_sql("SELECT CAST(@@server_uuid AS CHAR)")
        .fetch_one(&mut *conn)
        .await
    {
        Ok(row) => row.try_get::<Option<String>, _>(0).ok().flatten(),
        Err(_) => None,
    };
    Ok(ServerIdentity {
        server_uuid: uuid,
        hostname: row.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
        port: row.try_get::<Option<i64>, _>(1)?.unwrap_or(0).max(0) as u64,
        datadir: row.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
        server_id: row.try_get::<Option<i64>, _>(3)?.unwrap_or(0).max(0) as u64,
    })
}

/// The TLS protocol and cipher of a session, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTls {
    pub version: String,
    pub cipher: String,
}

/// Ask the server whether this session is encrypted: `Ssl_cipher` is empty in plain text
/// (a SHOW, so it also passes the source's read-only guard).
pub async fn session_tls(conn: &mut MySqlConnection) -> Result<Option<SessionTls>> {
    let rows =
        sqlx::raw_sql("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')")
            .fetch_all(&mut *conn)
            .await
            .context("asking the server whether the session is encrypted")?;
    let mut tls = SessionTls {
        version: String::new(),
        cipher: String::new(),
    };
    for row in &rows {
        let name: String = row.try_get(0)?;
        let value: Option<String> = row.try_get(1)?;
        let value = value.unwrap_or_default();
        if name.eq_ignore_ascii_case("Ssl_cipher") {
            tls.cipher = value;
        } else {
            tls.version = value;
        }
    }
    Ok((!tls.cipher.is_empty()).then_some(tls))
}

/// Connection settings every session of ours gets: sqlx's defaults change the session's
/// SQL mode and time zone, which would make the sandbox behave unlike production.
pub fn plain_options(options: MySqlConnectOptions) -> MySqlConnectOptions {
    options
        .pipes_as_concat(false)
        .timezone(None)
        .no_engine_substitution(false)
        .statement_cache_capacity(0)
        .disable_statement_logging()
}

/// Connect with a time limit, so an unreachable server is an error, not a hang.
pub async fn connect(options: &MySqlConnectOptions, limit: Duration) -> Result<MySqlConnection> {
    let deadline = tokio::time::Instant::now() + limit;
    let error = match connect_before(options, deadline, limit).await? {
        Ok(conn) => return Ok(conn),
        Err(error) => error,
    };
    // PREFERRED means TLS where it works, as with the mysql client. A certificate rustls
    // cannot even parse (X.509 v1, which MySQL 5.7 and MariaDB 11.4.0-11.4.1 generate for
    // themselves) falls back to plain text, which the profile and report then record.
    if matches!(options.get_ssl_mode(), MySqlSslMode::Preferred) && is_tls_failure(&error) {
        let plain = options.clone().ssl_mode(MySqlSslMode::Disabled);
        if let Ok(Ok(conn)) = connect_before(&plain, deadline, limit).await {
            return Ok(conn);
        }
    }
    Err(explain_connect_error(error, options))
}

async fn connect_before(
    options: &MySqlConnectOptions,
    deadline: tokio::time::Instant,
    limit: Duration,
) -> Result<Result<MySqlConnection, sqlx::Error>> {
    tokio::time::timeout_at(deadline, MySqlConnection::connect_with(options))
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {}s", limit.as_secs()))
}

/// rustls errors arrive as Tls or, from inside the handshake, as Io errors.
fn is_tls_failure(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Tls(_)) || error.to_string().contains("peer certificate")
}

/// The driver's TLS errors name rustls internals; say what they mean for the URL's
/// `ssl-mode` and `ssl-ca`, keeping the driver's words in brackets.
fn explain_connect_error(error: sqlx::Error, options: &MySqlConnectOptions) -> anyhow::Error {
    let mode = ssl_mode_name(options.get_ssl_mode());
    let text = error.to_string();
    let explanation = if is_tls_failure(&error) {
        Some(
            if text.contains("UnknownIssuer") || text.contains("BadSignature") {
                "TLS: the server's certificate is not signed by a CA ddl-eta trusts (the one in \
             ssl-ca, else the Mozilla roots; for Aurora/RDS give ssl-ca= the RDS certificate \
             bundle)"
                    .to_string()
            } else if text.contains("NotValidForName") || text.contains("not valid for name") {
                format!(
                "TLS: the server's certificate does not name the host {} (ssl-mode=VERIFY_IDENTITY \
                 wants a host name the certificate lists; VERIFY_CA skips this check)",
                options.get_host()
            )
            } else if text.contains("does not support TLS") {
                format!("TLS: the server offers no TLS, and ssl-mode={mode} requires it")
            } else if text.contains("UnsupportedCertVersion") {
                "TLS: the server's certificate is X.509 v1, which rustls refuses: give the server \
             a v3 certificate"
                    .to_string()
            } else if text.contains("Expired") {
                "TLS: the server's certificate has expired".to_string()
            } else {
                "TLS handshake failed".to_string()
            },
        )
    } else if matches!(options.get_ssl_mode(), MySqlSslMode::Disabled) {
        // MySQL says 3159 "insecure transport"; MariaDB 10.11 only says access denied.
        if text.contains("insecure transport") {
            Some(
                "the server refuses plain text (require_secure_transport=ON): use \
                 ssl-mode=REQUIRED or VERIFY_IDENTITY instead of DISABLED"
                    .to_string(),
            )
        } else {
            text.contains("1045").then(|| {
                "access denied in plain text (ssl-mode=DISABLED): a wrong password, or a \
                 server with require_secure_transport=ON, which wants ssl-mode=REQUIRED or \
                 VERIFY_IDENTITY"
                    .to_string()
            })
        }
    } else {
        None
    };
    match explanation {
        Some(explanation) => anyhow::anyhow!("{explanation} [{text}]"),
        None => anyhow::Error::new(error),
    }
}

fn ssl_mode_name(mode: MySqlSslMode) -> &'static str {
    match mode {
        MySqlSslMode::Disabled => "DISABLED",
        MySqlSslMode::Preferred => "PREFERRED",
        MySqlSslMode::Required => "REQUIRED",
        MySqlSslMode::VerifyCa => "VERIFY_CA",
        MySqlSslMode::VerifyIdentity => "VERIFY_IDENTITY",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flavors_are_told_apart_by_version_text() {
        let maria = classify_version("10.11.19-MariaDB-0+deb12u1", None);
        assert_eq!(maria.flavor, Flavor::Mariadb);
        assert_eq!(maria.version, "10.11.19");
        let mysql = classify_version("8.0.39", None);
        assert_eq!(mysql.flavor, Flavor::Mysql);
        let aurora = classify_version("8.0.28", Some("3.04.0"));
        assert_eq!(aurora.label(), "aurora-mysql:3.04.0");
    }

    #[test]
    fn servers_are_the_same_by_uuid_or_by_all_four_mariadb_facts() {
        let a = ServerIdentity {
            server_uuid: None,
            hostname: "db1".into(),
            port: 3306,
            datadir: "/var/lib/mysql/".into(),
            server_id: 1,
        };
        assert!(a.same_server(&a.clone()));
        let other_port = ServerIdentity {
            port: 3307,
            ..a.clone()
        };
        assert!(!a.same_server(&other_port));
        let uuid = |u: &str| ServerIdentity {
            server_uuid: Some(u.into()),
            ..a.clone()
        };
        assert!(!uuid("x").same_server(&uuid("y")));
        assert!(uuid("x").same_server(&ServerIdentity {
            port: 1,
            ..uuid("x")
        }));
    }
}
