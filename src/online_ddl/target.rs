//! Production's server as the rules know it: a flavor and a version, parsed from
//! `--target-server mysql:8.0.28` / `aurora-mysql:3.04` / `mariadb:10.11` or taken from a
//! `ServerInfo`. Versions compare numerically, part by part (3.04 < 3.10). A version
//! without its patch level names the newest release of its series, in every command.

use crate::server::{Flavor, ServerInfo};
use anyhow::{bail, Result};
use std::cmp::Ordering;
use std::fmt;

/// The last part of a version that names the newest release of its series: above every
/// patch level ever released.
const NEWEST: u32 = u32::MAX;

/// A dotted version, compared part by part; missing parts count as 0 (10.11 == 10.11.0).
#[derive(Debug, Clone)]
pub struct Version(pub Vec<u32>);

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Version {
    /// "8.0.28", "3.04", "10.11.19-MariaDB-log" (anything after '-' is ignored).
    pub fn parse(text: &str) -> Option<Version> {
        let core = text.trim().split('-').next().unwrap_or("");
        if core.is_empty() {
            return None;
        }
        let parts: Option<Vec<u32>> = core.split('.').map(|p| p.parse().ok()).collect();
        parts.filter(|p| !p.is_empty() && p.len() <= 4).map(Version)
    }

    fn part(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }

    /// True when `self` names `other` at `self`'s precision: 10.11 matches 10.11.19, and
    /// so does the newest of the series 10.11 (whose last part, `NEWEST`, matches any).
    pub fn matches(&self, other: &Version) -> bool {
        self.0
            .iter()
            .enumerate()
            .all(|(i, p)| *p == NEWEST || other.part(i) == *p)
    }

    /// For the newest release of a series ("8.0" as a target): the series' parts ([8, 0]).
    pub fn series(&self) -> Option<&[u32]> {
        match self.0.split_last() {
            Some((&NEWEST, series)) => Some(series),
            _ => None,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.0.len().max(other.0.len());
        (0..len)
            .map(|i| self.part(i).cmp(&other.part(i)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|&p| {
                if p == NEWEST {
                    "x".to_string()
                } else {
                    p.to_string()
                }
            })
            .collect();
        f.write_str(&parts.join("."))
    }
}

/// A server the rules can answer for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub flavor: Flavor,
    pub version: Version,
    /// As the user wrote it ("aurora-mysql:3.04"), for the report.
    pub label: String,
}

const EXAMPLES: &str = "examples: mysql:8.0.28, aurora-mysql:3.04, mariadb:10.11";

impl Target {
    /// Parses `flavor:version`; the error says what is wrong and what would work. A
    /// version without its patch number ("mysql:8.0", "mariadb:10.11", "aurora-mysql:3")
    /// means the newest release of that series, for `lint` and `estimate` alike:
    /// "mysql:8.0" drops a column INSTANTly (8.0.29+); `series_changes` names what an older
    /// release of the series does otherwise. The label stays as written.
    pub fn parse(text: &str) -> Result<Target> {
        let Some((flavor_text, version_text)) = text.trim().split_once(':') else {
            bail!("'{text}' is not FLAVOR:VERSION ({EXAMPLES})");
        };
        let flavor = match flavor_text.to_ascii_lowercase().as_str() {
            "mysql" => Flavor::Mysql,
            "aurora-mysql" | "aurora" => Flavor::AuroraMysql,
            "mariadb" => Flavor::Mariadb,
            other => bail!(
                "'{other}' is not a server flavor ddl-eta knows: use mysql, aurora-mysql or mariadb ({EXAMPLES})"
            ),
        };
        let Some(version) = Version::parse(version_text) else {
            bail!("'{version_text}' is not a version number ({EXAMPLES})");
        };
        let target = Target {
            flavor,
            label: format!("{}:{version_text}", flavor.as_str()),
            version,
        };
        target.check_supported()?;
        let mut target = target;
        if target.version.0.len() < 3 {
            target.version.0.push(NEWEST);
        }
        Ok(target)
    }

    /// `parse`: kept for the callers that named the newest-of-series reading apart when
    /// only `lint` had it.
    pub fn parse_current(text: &str) -> Result<Target> {
        Target::parse(text)
    }

    /// The same server at another version (for comparing releases within a series).
    pub fn at(&self, version: Version) -> Target {
        Target {
            flavor: self.flavor,
            label: format!("{}:{version}", self.flavor.as_str()),
            version,
        }
    }

    pub fn from_server(server: &ServerInfo) -> Result<Target> {
        Target::parse(&server.label())
    }

    /// The rules start at MySQL 5.7, Aurora MySQL 2 and MariaDB 10.3.
    fn check_supported(&self) -> Result<()> {
        let (lowest, name) = match self.flavor {
            Flavor::Mysql => (Version(vec![5, 7]), "mysql 5.7"),
            Flavor::AuroraMysql => (Version(vec![2]), "aurora-mysql 2"),
            Flavor::Mariadb => (Version(vec![10, 3]), "mariadb 10.3"),
        };
        let too_new = self.flavor == Flavor::AuroraMysql && self.version >= Version(vec![4]);
        if self.version < lowest || too_new {
            bail!(
                "ddl-eta has no rules for {} {}: it knows mysql 5.7 and later, aurora-mysql 2 and 3, mariadb 10.3 and later (the lowest for this flavor: {name})",
                self.flavor.as_str(),
                self.version
            );
        }
        Ok(())
    }

    /// Same flavor and a version that names the other's: the sandbox *is* production.
    pub fn same_server(&self, other: &Target) -> bool {
        self.flavor == other.flavor
            && (self.version.matches(&other.version) || other.version.matches(&self.version))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// For clap's `value_parser`: a bad value is a usage error with this message.
pub fn parse_target_arg(text: &str) -> Result<Target, String> {
    Target::parse(text).map_err(|e| e.to_string())
}

/// `parse_target_arg` for `Target::parse_current` (`lint --target-server`).
pub fn parse_current_target_arg(text: &str) -> Result<Target, String> {
    Target::parse_current(text).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).expect("version")
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(v("3.04") < v("3.10"));
        assert!(v("8.0.28") < v("8.0.29"));
        assert_eq!(v("10.11"), v("10.11.0"));
        assert!(v("10.11.19-MariaDB-0+deb12u1") > v("10.11"));
        assert!(Version::parse("eight").is_none());
        assert!(Version::parse("").is_none());
        assert!(v("10.11").matches(&v("10.11.19")));
        assert!(!v("10.11.18").matches(&v("10.11.19")));
    }

    #[test]
    fn targets_parse_with_their_labels() {
        let target = Target::parse("aurora-mysql:3.04").expect("parses");
        assert_eq!(target.flavor, Flavor::AuroraMysql);
        assert_eq!(target.version.series(), Some(&[3, 4][..]));
        assert_eq!(target.to_string(), "aurora-mysql:3.04");
        assert_eq!(
            Target::parse("MariaDB:10.11").expect("parses").flavor,
            Flavor::Mariadb
        );
        assert_eq!(
            Target::parse("mysql:8.4.3").expect("parses").version,
            Version(vec![8, 4, 3])
        );
    }

    #[test]
    fn bad_targets_say_what_would_work() {
        let cases = [
            ("mysql", "is not FLAVOR:VERSION"),
            ("oracle:19", "'oracle' is not a server flavor"),
            ("mysql:eight", "'eight' is not a version number"),
            ("mysql:5.6", "no rules for mysql 5.6"),
            ("mariadb:10.2", "no rules for mariadb 10.2"),
            ("aurora-mysql:1.23", "no rules for aurora-mysql 1.23"),
        ];
        for (text, expected) in cases {
            let message = Target::parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text}: {message}");
        }
    }

    #[test]
    fn a_version_without_patch_is_the_newest_of_its_series() {
        let current = Target::parse_current("mysql:8.0").expect("parses");
        assert!(current.version > v("8.0.29"));
        assert!(current.version < v("8.1"));
        assert_eq!(current.to_string(), "mysql:8.0");
        let exact = Target::parse_current("mysql:8.0.28").expect("parses");
        assert_eq!(exact.version, v("8.0.28"));
        let maria = Target::parse_current("MariaDB:10.11").expect("parses");
        assert!(maria.version > v("10.11.19") && maria.version < v("10.12"));
        assert_eq!(maria.to_string(), "mariadb:10.11");
        let aurora = Target::parse_current("aurora-mysql:3").expect("parses");
        assert!(aurora.version > v("3.11") && aurora.version < v("4"));
        // One meaning in every command: `parse` (estimate) reads it as `parse_current`
        // (lint) does.
        assert_eq!(
            Target::parse("mysql:8.0").expect("parses"),
            Target::parse_current("mysql:8.0").expect("parses")
        );
        assert_eq!(current.version.series(), Some(&[8, 0][..]));
        assert_eq!(exact.version.series(), None);
        assert_eq!(current.version.to_string(), "8.0.x");
        assert!(Target::parse_current("postgres:16").is_err());
    }

    #[test]
    fn same_server_accepts_a_shorter_version() {
        let sandbox = Target::parse("mariadb:10.11.19").expect("parses");
        assert!(Target::parse("mariadb:10.11")
            .expect("parses")
            .same_server(&sandbox));
        assert!(!Target::parse("mariadb:10.6")
            .expect("parses")
            .same_server(&sandbox));
        assert!(!Target::parse("mysql:10.11")
            .expect("parses")
            .same_server(&sandbox));
        // The newest 8.0 is an 8.0.36 sandbox's server too.
        let mysql = Target::parse("mysql:8.0.36").expect("parses");
        assert!(Target::parse("mysql:8.0")
            .expect("parses")
            .same_server(&mysql));
        assert!(!Target::parse("mysql:8.4")
            .expect("parses")
            .same_server(&mysql));
    }
}
