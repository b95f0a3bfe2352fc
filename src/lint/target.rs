//! `--target-server`: the flavor and version whose online-DDL behaviour the rules assume
//! (`mysql:8.0`, `mysql:8.0.28`, `mariadb:10.11`). A version without a patch number means
//! a current release of that series.

use serde::Serialize;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    Mysql,
    Mariadb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub flavor: Flavor,
    pub major: u32,
    pub minor: u32,
    /// None when not given: read as the newest patch of the series.
    pub patch: Option<u32>,
}

impl Target {
    pub const DEFAULT: &'static str = "mysql:8.0";

    pub fn is_mysql(&self) -> bool {
        self.flavor == Flavor::Mysql
    }

    /// True when the target is `major.minor.patch` or later.
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        let own = (self.major, self.minor, self.patch.unwrap_or(u32::MAX));
        own >= (major, minor, patch)
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!("'{text}' is not a target server; examples: mysql:8.0, mysql:8.0.28, mariadb:10.11 (Aurora MySQL 3 is mysql:8.0)")
        };
        let (flavor, version) = text.trim().split_once(':').ok_or_else(bad)?;
        let flavor = match flavor.to_ascii_lowercase().as_str() {
            "mysql" => Flavor::Mysql,
            "mariadb" => Flavor::Mariadb,
            _ => return Err(bad()),
        };
        let parts: Vec<u32> = version
            .split('.')
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let (major, minor, patch) = match parts.as_slice() {
            [major, minor] => (*major, *minor, None),
            [major, minor, patch] => (*major, *minor, Some(*patch)),
            _ => return Err(bad()),
        };
        Ok(Target {
            flavor,
            major,
            minor,
            patch,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flavor = match self.flavor {
            Flavor::Mysql => "mysql",
            Flavor::Mariadb => "mariadb",
        };
        write!(f, "{flavor}:{}.{}", self.major, self.minor)?;
        if let Some(patch) = self.patch {
            write!(f, ".{patch}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_compares_versions() {
        let default: Target = Target::DEFAULT.parse().expect("default parses");
        assert!(default.is_mysql());
        assert!(default.at_least(8, 0, 29));
        let old: Target = "mysql:8.0.28".parse().expect("parses");
        assert!(!old.at_least(8, 0, 29));
        assert!(old.at_least(8, 0, 28));
        let maria: Target = "MariaDB:10.11".parse().expect("parses");
        assert_eq!(maria.flavor, Flavor::Mariadb);
        assert_eq!(maria.to_string(), "mariadb:10.11");
        assert_eq!(old.to_string(), "mysql:8.0.28");
        for bad in ["mysql", "postgres:16", "mysql:8", "mysql:eight.0"] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }
}
