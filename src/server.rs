//! Which server answers on a connection: flavor and version, learned by asking it
//! (`SELECT VERSION()`, `@@aurora_version`), never from a binary's name. Shared by the
//! source (production) and the sandbox, so both are described the same way.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
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
    match tokio::time::timeout(limit, MySqlConnection::connect_with(options)).await {
        Ok(result) => Ok(result?),
        Err(_) => anyhow::bail!("no answer within {}s", limit.as_secs()),
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
}
