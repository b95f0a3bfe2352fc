//! The ALGORITHM and LOCK levels of an ALTER, from the cheapest to the most costly, as the
//! statement spells them, the rules table names them and the report prints them.

use super::Operation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    Instant,
    Nocopy,
    Inplace,
    Copy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LockLevel {
    None,
    Shared,
    Exclusive,
}

impl Algorithm {
    /// Every level, cheapest first: the order a server is asked for them in.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::Instant,
        Algorithm::Nocopy,
        Algorithm::Inplace,
        Algorithm::Copy,
    ];

    /// The lowercase name, as serialized and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Instant => "instant",
            Algorithm::Nocopy => "nocopy",
            Algorithm::Inplace => "inplace",
            Algorithm::Copy => "copy",
        }
    }

    /// The keyword of `ALGORITHM=...`.
    pub fn keyword(self) -> &'static str {
        match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::Nocopy => "NOCOPY",
            Algorithm::Inplace => "INPLACE",
            Algorithm::Copy => "COPY",
        }
    }

    /// Reads a name in any case (`copy`, `COPY`); None for anything else, DEFAULT included.
    pub fn parse(text: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// 0 for the cheapest; a higher rank does more work.
    pub fn rank(self) -> u8 {
        self as u8
    }

    /// Whether a statement run with this algorithm reads (and maybe rewrites) every row,
    /// a rebuild or an index build, rather than changing metadata only.
    pub fn works_through_rows(algorithm: Option<Algorithm>, operation: Operation) -> bool {
        let builds = [
            Operation::AddIndex,
            Operation::AddForeignKey,
            Operation::AddPrimaryKey,
            Operation::Rebuild,
            Operation::Multiple,
        ];
        match algorithm {
            Some(Algorithm::Copy | Algorithm::Inplace) => true,
            Some(Algorithm::Nocopy) => builds.contains(&operation),
            Some(Algorithm::Instant) | None => false,
        }
    }
}

impl LockLevel {
    /// Every level, least blocking first.
    pub const ALL: [LockLevel; 3] = [LockLevel::None, LockLevel::Shared, LockLevel::Exclusive];

    /// The lowercase name, as serialized and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            LockLevel::None => "none",
            LockLevel::Shared => "shared",
            LockLevel::Exclusive => "exclusive",
        }
    }

    /// The keyword of `LOCK=...`.
    pub fn keyword(self) -> &'static str {
        match self {
            LockLevel::None => "NONE",
            LockLevel::Shared => "SHARED",
            LockLevel::Exclusive => "EXCLUSIVE",
        }
    }

    /// Reads a name in any case; None for anything else, DEFAULT included.
    pub fn parse(text: &str) -> Option<LockLevel> {
        LockLevel::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// 0 for no lock; a higher rank blocks more.
    pub fn rank(self) -> u8 {
        self as u8
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Display for LockLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_ranks_follow_cost() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::parse(a.as_str()), Some(a));
            assert_eq!(Algorithm::parse(a.keyword()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
        }
        for l in LockLevel::ALL {
            assert_eq!(LockLevel::parse(l.keyword()), Some(l));
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{l}\""));
        }
        assert_eq!(Algorithm::parse("DEFAULT"), None);
        assert!(Algorithm::Instant.rank() < Algorithm::Nocopy.rank());
        assert!(Algorithm::Inplace.rank() < Algorithm::Copy.rank());
        assert!(LockLevel::None.rank() < LockLevel::Shared.rank());
        assert!(LockLevel::Shared.rank() < LockLevel::Exclusive.rank());
    }
}
