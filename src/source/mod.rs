//! The source: a read-only session on the live database that builds a `Profile` (table
//! shapes, sizes, column statistics from a bounded sample, DDL settings, activity).
//! Only SELECT, SHOW and session SET go out; every query and the whole profile are
//! time-limited. `session` guards the connection, `sampling` reads the tables,
//! `activity` what the server is doing.

mod activity;
mod database;
mod sampling;
mod session;

pub(crate) use activity::settings_from_rows;
pub use database::{DatabaseOutcome, DatabasePlan};
pub use sampling::estimate_distinct;
use sampling::significant;
pub use session::Source;

use crate::migration::Migration;
use crate::profile::{Profile, SourceMeta, TableProfile, SCHEMA_VERSION};
use crate::server::ServerIdentity;
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone)]
pub struct SourceOptions {
    /// mysql://user[:password]@host[:port]/database
    pub url: String,
    /// A password from `--password-file` (it wins over the URL's) or `MYSQL_PWD` (used
    /// when the URL has none).
    pub password: Option<Password>,
    pub exact_rowcount: bool,
    pub sample_rows: u64,
    /// `--write-rate`: rows written per second, when performance_schema cannot tell.
    pub write_rate: Option<f64>,
    pub connect_timeout: Duration,
    pub statement_timeout: Duration,
    pub profile_timeout: Duration,
}

/// A password given beside the URL, and where it came from. The order, safest first: the
/// file a user wrote for this (`--password-file`), then the URL's (visible to `ps` when
/// typed on a command line), then `MYSQL_PWD` (inherited by every child process, and
/// often left over from another job).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    File(String),
    Environment(String),
}

impl Password {
    pub fn text(&self) -> &str {
        match self {
            Password::File(p) | Password::Environment(p) => p,
        }
    }

    /// The password to connect with, where the URL has `in_url`: the file's wins over the
    /// URL's, the URL's over MYSQL_PWD. None: the URL's own (or no password).
    pub fn over_url<'a>(given: Option<&'a Password>, in_url: Option<&str>) -> Option<&'a str> {
        match (given, in_url) {
            (Some(Password::File(p)), _) => Some(p),
            (Some(Password::Environment(p)), None) => Some(p),
            _ => None,
        }
    }
}

/// The password from `--password-file` (first line), else `MYSQL_PWD`; which one the
/// session uses beside a URL that has its own is `Password::over_url`.
pub fn password_from(file: Option<&PathBuf>) -> Result<Option<Password>> {
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read password file {}", path.display()))?;
        let password = text.lines().next().unwrap_or("").to_string();
        return Ok(Some(Password::File(password)));
    }
    Ok(std::env::var("MYSQL_PWD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(Password::Environment))
}

impl Source {
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
            let (mut table, parents) = self.table(&name).await?;
            table.profiled_at = Some(profiled_at);
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
                identity: Some(self.identity.clone()),
            }),
            skipped: Vec::new(),
        })
    }
}

/// `estimate --source`: profile exactly the tables the migration needs (and their
/// foreign-key parents). Also returns who the source is, to refuse it as a sandbox.
pub async fn profile_for(
    options: &SourceOptions,
    migration: &Migration,
) -> Result<(Profile, ServerIdentity)> {
    let tables = tables_of(migration);
    if tables.is_empty() {
        bail!("the migration names no existing table, so there is nothing to read from the source");
    }
    let mut source = Source::connect(options).await?;
    let profile = source.profile(&tables).await?;
    Ok((profile, source.identity.clone()))
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

#[cfg(test)]
mod tests {
    use crate::sandbox::url;

    #[test]
    fn passwords_in_the_url_win_over_the_environment() {
        assert_eq!(url::password_of("mysql://u:pw@h/db").as_deref(), Some("pw"));
        assert_eq!(url::password_of("mysql://u@h/db"), None);
        assert_eq!(url::password_of("mysql://u:@h/db"), None);
    }

    #[test]
    fn the_password_file_wins_then_the_url_then_mysql_pwd() {
        use super::Password;
        let file = Password::File("from-file".to_string());
        let env = Password::Environment("from-env".to_string());
        assert_eq!(
            Password::over_url(Some(&file), Some("in-url")),
            Some("from-file")
        );
        assert_eq!(Password::over_url(Some(&file), None), Some("from-file"));
        assert_eq!(Password::over_url(Some(&env), Some("in-url")), None);
        assert_eq!(Password::over_url(Some(&env), None), Some("from-env"));
        assert_eq!(Password::over_url(None, Some("in-url")), None);
    }
}
