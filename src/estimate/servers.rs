//! The two servers of an estimate side by side: a `--sandbox-url` server that is the
//! source is refused before anything is created there; the sandbox's DDL settings and
//! what the source's profile knows beyond row counts go into the report.

use crate::profile::{Profile, ServerSettings, SourceMeta};
use crate::quote;
use crate::sandbox::url;
use crate::server::{self, ServerIdentity};
use crate::source::{refuse_same_server, settings_from_rows};
use crate::warning::Warning;
use anyhow::{Context, Result};
use std::time::Duration;

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

/// For a profile that did not record who its server is: refuse a `--sandbox-url` at the
/// address the profile was read from (the same host, case aside, and port; a socket path
/// tells nothing across machines, so it is not compared).
pub fn refuse_same_address(profile_url: &str, sandbox_url: &str) -> Result<()> {
    let address = |text: &str| -> Option<(String, u16)> {
        let parsed = ::url::Url::parse(text).ok()?;
        if parsed.query_pairs().any(|(key, _)| key == "socket") {
            return None;
        }
        let host = parsed.host_str()?.to_ascii_lowercase();
        Some((host, parsed.port().unwrap_or(3306)))
    };
    match (address(profile_url), address(sandbox_url)) {
        (Some(source), Some(sandbox)) if source == sandbox => anyhow::bail!(
            "--sandbox-url {} is at the address the profile was read from ({}:{}): ddl-eta never runs a migration on the source; \
             give --sandbox-url a different server, or leave it out to start a local one",
            url::redact_url(sandbox_url),
            source.0,
            source.1
        ),
        _ => Ok(()),
    }
}

/// The sandbox's DDL settings, to report beside the source's.
pub async fn sandbox_settings(sandbox: &crate::sandbox::Sandbox) -> Option<ServerSettings> {
    let mut conn = sandbox.connect().await.ok()?;
    let names: Vec<String> = ServerSettings::NAMES
        .iter()
        .map(|n| quote::literal(n))
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
        report.warn(warning);
    }
    if let Some(activity) = &profile.activity {
        // A profile stores its activity warnings as sentences (its source stage sits below
        // the report, whose words module would write them).
        for text in &activity.warnings {
            report.warn(Warning::Text { text: text.clone() });
        }
        if let Some(locks) = &activity.metadata_locks {
            for lock in locks {
                report.warn(Warning::MetadataLockHeld {
                    thread_id: lock.thread_id,
                    lock_type: lock.lock_type.clone(),
                    table: lock.table.clone(),
                    status: lock.status.clone(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sandbox_url_at_the_profile_s_address_is_refused() {
        let profile = "mysql://ro:***@DB.example:3306/app";
        let refused = refuse_same_address(profile, "mysql://admin:secret@db.example/");
        let message = format!("{:#}", refused.expect_err("the same host and port"));
        assert!(message.contains("db.example:3306"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        assert!(refuse_same_address(profile, "mysql://admin@db.example:3307/").is_ok());
        assert!(refuse_same_address(profile, "mysql://admin@ci-db:3306/").is_ok());
        let socket = "mysql://root@localhost/?socket=/tmp/s.sock";
        assert!(refuse_same_address(socket, socket).is_ok());
    }
}
