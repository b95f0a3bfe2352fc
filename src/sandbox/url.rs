//! A server the user runs (`--sandbox-url`), such as the docker-compose.yml services or an
//! Aurora clone. ddl-eta touches nothing there but one database of its own, created at the
//! start as `ddl_eta_<random>` and dropped at the end.

use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnectOptions;
use std::str::FromStr;
use std::time::Duration;

/// Parse a `mysql://user:password@host:port/` URL without ever echoing the password.
pub fn parse(url: &str) -> Result<MySqlConnectOptions> {
    MySqlConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("{}", redact(&e.to_string(), url)))
        .with_context(|| format!("invalid server URL {}", redact_url(url)))
}

/// The URL with its password replaced by `***`, fit for messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_string();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Remove the URL's password from any text (an error message from a driver, say).
pub fn redact(text: &str, url: &str) -> String {
    match password_of(url) {
        Some(password) if !password.is_empty() => text.replace(password, "***"),
        _ => text.to_string(),
    }
}

/// Remove every one of these secrets (passwords) from any text.
pub fn redact_all(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        text = text.replace(secret.as_str(), "***");
    }
    text
}

pub fn password_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let credentials = rest.rsplit_once('@')?.0;
    Some(credentials.split_once(':')?.1)
}

pub async fn create_database(options: &MySqlConnectOptions, name: &str) -> Result<()> {
    let mut conn = crate::server::connect(options, Duration::from_secs(10)).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE `{name}`"))
        .execute(&mut conn)
        .await
        .with_context(|| format!("creating database {name} on the sandbox server"))?;
    Ok(())
}

/// Drop our database; used on every exit path, including the panic hook.
pub async fn drop_database(url: &str, name: &str) -> Result<()> {
    let options = crate::server::plain_options(parse(url)?);
    drop_database_with(&options, name).await
}

pub async fn drop_database_with(options: &MySqlConnectOptions, name: &str) -> Result<()> {
    let mut conn = crate::server::connect(options, Duration::from_secs(10)).await?;
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        let url = "mysql://ro:s3cret@db:3306/edx";
        assert_eq!(redact_url(url), "mysql://ro:***@db:3306/edx");
        assert_eq!(redact("login s3cret failed", url), "login *** failed");
        assert_eq!(redact_url("mysql://db/edx"), "mysql://db/edx");
        let secrets = vec!["s3cret".to_string(), String::new()];
        assert_eq!(redact_all("a s3cret b", &secrets), "a *** b");
    }

    #[test]
    fn a_bad_url_is_an_error_without_the_password() {
        let err = parse("nonsense://u:pw@").map(|_| ()).unwrap_err();
        assert!(!format!("{err:#}").contains("pw@"));
    }
}
