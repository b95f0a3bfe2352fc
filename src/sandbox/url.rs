//! Server URLs (`--source`, `--sandbox-url`): parsed with a real URL parser into connect
//! options, TLS settings included, and redacted wherever they could be printed. Also the
//! database ddl-eta keeps on a server the user runs, `ddl_eta_<random>`, dropped at the end.

use anyhow::{bail, Context, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sqlx::ConnectOptions;
use std::time::Duration;
use url::Url;

/// The query parameters sqlx understands; anything else is refused, since a misspelt
/// `ssl-mode` would otherwise fall back to PREFERRED without a word.
const PARAMETERS: [&str; 13] = [
    "ssl-mode",
    "sslmode",
    "ssl-ca",
    "sslca",
    "ssl-cert",
    "sslcert",
    "ssl-key",
    "sslkey",
    "charset",
    "collation",
    "socket",
    "timezone",
    "time-zone",
];

/// Parse a `mysql://user:password@host:port/database?ssl-mode=...` URL without ever
/// echoing the password.
pub fn parse(text: &str) -> Result<MySqlConnectOptions> {
    let redacted = redact_url(text);
    let url = Url::parse(text).map_err(|e| {
        anyhow::anyhow!(
            "invalid server URL {redacted}: {e} (write special characters in the password \
             percent-encoded: @ as %40, / as %2F, # as %23, ? as %3F, % as %25)"
        )
    })?;
    if !matches!(url.scheme(), "mysql" | "mariadb") {
        bail!("invalid server URL {redacted}: it must start with mysql://");
    }
    if misplaced_at(&url) {
        bail!(
            "invalid server URL {redacted}: an '@' after the host; a password with '/', '?' \
             or '#' must have them percent-encoded (%2F, %3F, %23), and any other '@' as %40"
        );
    }
    check_parameters(&url, &redacted)?;
    let options = MySqlConnectOptions::from_url(&url)
        .map_err(|e| anyhow::anyhow!("{}", redact(&e.to_string(), text)))
        .with_context(|| format!("invalid server URL {redacted}"))?;
    Ok(imply_verify_ca(&url, options))
}

fn check_parameters(url: &Url, redacted: &str) -> Result<()> {
    for (key, value) in url.query_pairs() {
        if !PARAMETERS.contains(&key.as_ref()) {
            bail!(
                "invalid server URL {redacted}: unknown parameter `{key}` (known: ssl-mode, \
                 ssl-ca, ssl-cert, ssl-key, charset, collation, socket)"
            );
        }
        if matches!(
            key.as_ref(),
            "ssl-ca" | "sslca" | "ssl-cert" | "sslcert" | "ssl-key" | "sslkey"
        ) {
            std::fs::metadata(value.as_ref()).with_context(|| {
                format!("cannot read {key}={value} in the server URL {redacted}")
            })?;
        }
    }
    Ok(())
}

/// No user before the host, yet an '@' after it: a password with an unencoded '/', '?'
/// or '#' ended the host part early ("mysql://ro:12/ab@db/x" reads as host "ro", port 12),
/// and what follows the '@' still holds the rest of the password.
fn misplaced_at(url: &Url) -> bool {
    let after_host = [
        url.path(),
        url.query().unwrap_or(""),
        url.fragment().unwrap_or(""),
    ];
    url.username().is_empty() && after_host.iter().any(|part| part.contains('@'))
}

/// As the MySQL client does: an `ssl-ca` without an `ssl-mode` means VERIFY_CA (sqlx would
/// otherwise keep PREFERRED and never look at the CA).
fn imply_verify_ca(url: &Url, options: MySqlConnectOptions) -> MySqlConnectOptions {
    let has = |names: [&str; 2]| url.query_pairs().any(|(k, _)| names.contains(&k.as_ref()));
    if has(["ssl-ca", "sslca"]) && !has(["ssl-mode", "sslmode"]) {
        options.ssl_mode(MySqlSslMode::VerifyCa)
    } else {
        options
    }
}

/// The URL with its password replaced by `***`, fit for messages. A URL that does not
/// parse shows only its scheme: where its password ends cannot be known.
pub fn redact_url(text: &str) -> String {
    match Url::parse(text) {
        Ok(url) if misplaced_at(&url) => format!("{}://***", url.scheme()),
        Ok(mut url) => {
            if url.password().is_some() && url.set_password(Some("***")).is_err() {
                return format!("{}://***", url.scheme());
            }
            url.to_string()
        }
        Err(_) => match text.split_once("://") {
            Some((scheme, _)) if scheme.chars().all(|c| c.is_ascii_alphanumeric()) => {
                format!("{scheme}://***")
            }
            _ => "***".to_string(),
        },
    }
}

/// Remove the URL's password, in every form it can take, from any text (an error
/// message from a driver, say).
pub fn redact(text: &str, url: &str) -> String {
    redact_all(text, &password_forms(url))
}

/// Remove every one of these secrets (passwords) from any text.
pub fn redact_all(text: &str, secrets: &[String]) -> String {
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    // Longest first, so a form that contains another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut text = text.to_string();
    for secret in secrets {
        text = text.replace(secret.as_str(), "***");
    }
    text
}

/// The password as the user typed it, as the parser normalised it (percent-encoded), and
/// decoded: any of them may end up in a message.
pub fn password_forms(text: &str) -> Vec<String> {
    let mut forms = Vec::new();
    if let Ok(url) = Url::parse(text) {
        if let Some(encoded) = url.password() {
            forms.push(encoded.to_string());
            let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
            forms.push(decoded.into_owned());
        }
    }
    if let Some(typed) = typed_password(text) {
        forms.push(typed.to_string());
    }
    forms.retain(|f| !f.is_empty());
    forms.sort();
    forms.dedup();
    forms
}

/// The decoded password in the URL, if it has one.
pub fn password_of(text: &str) -> Option<String> {
    let url = Url::parse(text).ok()?;
    let encoded = url.password()?;
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    Some(decoded.into_owned()).filter(|p| !p.is_empty())
}

/// The password exactly as typed, found the way the URL standard finds it for a scheme
/// like mysql: the authority runs from `//` to the first `/`, `?` or `#`; the user info
/// ends at its last `@`; the password follows the first `:` in the user info. Also works
/// on a URL the parser refused, so that its error message can be masked too.
fn typed_password(text: &str) -> Option<&str> {
    let rest = text.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1)
}

pub async fn create_database(options: &MySqlConnectOptions, name: &str) -> Result<()> {
    let mut conn = crate::server::connect(options, Duration::from_secs(10)).await?;
    sqlx::raw_sql(&format!("CREATE DATABASE {}", crate::quote::ident(name)))
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
    // Bounded: a DROP queued behind another session's metadata lock gives up.
    let drop = format!(
        "SET SESSION lock_wait_timeout = 10; DROP DATABASE IF EXISTS {}",
        crate::quote::ident(name)
    );
    let limit = Duration::from_secs(60);
    tokio::time::timeout(limit, sqlx::raw_sql(&drop).execute(&mut conn))
        .await
        .map_err(|_| anyhow::anyhow!("dropping database {name} took over {}s", limit.as_secs()))?
        .with_context(|| format!("dropping database {name}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Passwords as a user would percent-encode them, and what the server gets.
    const TRICKY: [(&str, &str); 7] = [
        ("p%40ss%3Aw%2Frd", "p@ss:w/rd"),
        ("pa%25ss", "pa%ss"),
        ("two%20words", "two words"),
        ("p%C3%A4ss%E2%82%AC", "päss€"),
        ("a:b:c", "a:b:c"),
        ("x@y", "x@y"),
        ("s3cret", "s3cret"),
    ];

    fn url_with(password: &str) -> String {
        format!("mysql://ro:{password}@db.example:3306/edx?ssl-mode=DISABLED")
    }

    #[test]
    fn every_form_of_a_tricky_password_is_masked() {
        for (typed, decoded) in TRICKY {
            let url = url_with(typed);
            let options = parse(&url).unwrap_or_else(|e| panic!("{typed}: {e:#}"));
            assert_eq!(options.get_host(), "db.example", "{typed}");
            assert_eq!(options.get_database(), Some("edx"), "{typed}");
            assert_eq!(password_of(&url).as_deref(), Some(decoded), "{typed}");
            let shown = redact_url(&url);
            assert_eq!(
                shown,
                "mysql://ro:***@db.example:3306/edx?ssl-mode=DISABLED"
            );
            let message = format!("login {decoded} / {typed} failed for {url}");
            let masked = redact(&message, &url);
            assert!(!masked.contains(decoded), "{typed}: {masked}");
            assert!(!masked.contains(typed), "{typed}: {masked}");
            assert!(masked.starts_with("login *** / *** failed"), "{masked}");
        }
    }

    #[test]
    fn a_space_or_non_ascii_typed_unencoded_is_masked_in_all_three_forms() {
        let url = "mysql://ro:my pässword@db:3306/edx";
        let forms = password_forms(url);
        assert!(forms.contains(&"my pässword".to_string()), "{forms:?}");
        assert!(
            forms.contains(&"my%20p%C3%A4ssword".to_string()),
            "{forms:?}"
        );
        assert_eq!(password_of(url).as_deref(), Some("my pässword"));
        assert_eq!(redact_url(url), "mysql://ro:***@db:3306/edx");
    }

    #[test]
    fn at_signs_and_colons_in_the_query_do_not_confuse_the_parser() {
        let ca = std::env::temp_dir().join(format!("ddl_eta_ca_{}:x@y.pem", std::process::id()));
        std::fs::write(&ca, "not read here").expect("write");
        let url = format!("mysql://ro:pw@db:3306/edx?ssl-ca={}", ca.display());
        let options = parse(&url).expect("parses");
        let _ = std::fs::remove_file(&ca);
        assert_eq!(options.get_host(), "db");
        assert_eq!(options.get_username(), "ro");
        assert!(matches!(options.get_ssl_mode(), MySqlSslMode::VerifyCa));
        assert!(redact_url(&url).starts_with("mysql://ro:***@db:3306/edx?ssl-ca="));
        assert_eq!(password_forms(&url), vec!["pw".to_string()]);
    }

    #[test]
    fn ssl_modes_are_read_as_mysql_clients_spell_them() {
        for (value, mode) in [
            ("DISABLED", MySqlSslMode::Disabled),
            ("preferred", MySqlSslMode::Preferred),
            ("REQUIRED", MySqlSslMode::Required),
            ("VERIFY_CA", MySqlSslMode::VerifyCa),
            ("VERIFY_IDENTITY", MySqlSslMode::VerifyIdentity),
        ] {
            let options = parse(&format!("mysql://u@h/db?ssl-mode={value}")).expect(value);
            assert_eq!(format!("{:?}", options.get_ssl_mode()), format!("{mode:?}"));
        }
        let default = parse("mysql://u@h/db").expect("parses");
        assert!(matches!(default.get_ssl_mode(), MySqlSslMode::Preferred));
    }

    #[test]
    fn bad_urls_are_errors_without_the_password() {
        for (url, expected) in [
            ("nonsense://u:pw9@h/db", "must start with mysql://"),
            (
                "mysql://u:pw9@h/db?ssl_mode=REQUIRED",
                "unknown parameter `ssl_mode`",
            ),
            ("mysql://u:pw9@h/db?ssl-mode=SOMETIMES", "SOMETIMES"),
            (
                "mysql://u:pw9@h/db?ssl-ca=/nonexistent/ca.pem",
                "ssl-ca=/nonexistent/ca.pem",
            ),
            ("mysql://u:pw9/x@h/db", "percent-encoded"),
            // An unencoded '/', '?' or '#' that leaves a parsable URL behind.
            ("mysql://u:99/pw9@h/db", "%2F"),
            ("mysql://u:/pw9@h/db", "%2F"),
            ("mysql://u:99?pw9@h/db", "%3F"),
            ("mysql://u:99#pw9@h/db", "%23"),
        ] {
            let err = parse(url).map(|_| ()).unwrap_err();
            let message = format!("{err:#}");
            assert!(message.contains(expected), "{url}: {message}");
            assert!(!message.contains("pw9"), "{url}: {message}");
            assert!(!redact_url(url).contains("pw9"), "{url}");
        }
    }

    #[test]
    fn secrets_are_masked_longest_first() {
        let secrets = vec!["ab".to_string(), "ab%40cd".to_string(), String::new()];
        assert_eq!(redact_all("x ab%40cd y ab", &secrets), "x *** y ***");
    }
}
