//! The online-DDL rules table for production's server: what algorithm, lock level and table rebuild a kind of
//! schema change gets on a given flavor and version, read from the data file
//! `targets.txt` (each row names the documentation it comes from). Static: no server.
//!
//! Lookup API (also for `lint`): `lookup(&target, &statement, table)` answers
//! `Lookup::Found(Verdict)`, `NeedsTable` (pass the table's columns to decide) or
//! `NoRule`. `table` may be None: most statements are classified from their text alone.

mod classify;
mod target;

pub use classify::{classify_clause, column_move, inline_index, Classified};
pub use target::{parse_current_target_arg, parse_target_arg, Target, Version};

use crate::ddl::{Algorithm, ChangeKind, LockLevel};
use crate::migration::{Operation, Statement};
use crate::server::Flavor;
use crate::table::TableInfo;
use anyhow::{anyhow, bail, Context, Result};
use serde::Serialize;
use std::sync::OnceLock;

/// The rules table as shipped.
pub const TARGETS: &str = include_str!("targets.txt");

/// One row of `[rules]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub flavor: Flavor,
    pub from: Option<Version>,
    pub to: Option<Version>,
    pub kind: ChangeKind,
    pub algorithm: Algorithm,
    pub lock: LockLevel,
    pub rebuilds_table: bool,
    pub source: String,
    /// 1-based line in targets.txt, for error messages and tests.
    pub line: usize,
}

impl Rule {
    fn covers(&self, version: &Version) -> bool {
        self.from.as_ref().is_none_or(|f| version >= f)
            && self.to.as_ref().is_none_or(|t| version < t)
    }
}

/// One row of `[aurora-mysql versions]`: Aurora versions FROM..TO behave as this MySQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuroraVersion {
    pub from: Option<Version>,
    pub to: Option<Version>,
    pub mysql: Version,
    pub source: String,
}

#[derive(Debug, Clone, Default)]
pub struct RuleTable {
    pub rules: Vec<Rule>,
    pub aurora: Vec<AuroraVersion>,
}

/// What production does with a whole statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub algorithm: Algorithm,
    pub lock: LockLevel,
    pub rebuilds_table: bool,
    /// The row that decided the statement's level (its weakest clause).
    pub rule_id: String,
    /// Every row used, one per clause, in clause order.
    pub rule_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Verdict),
    /// A clause needs the table's current columns; call again with them.
    NeedsTable,
    /// A clause (or the statement) is not covered by the rules.
    NoRule,
}

impl Lookup {
    pub fn verdict(self) -> Option<Verdict> {
        match self {
            Lookup::Found(v) => Some(v),
            _ => None,
        }
    }
}

/// The shipped table, parsed once. A broken file is a bug caught by the tests.
pub fn table() -> &'static RuleTable {
    static TABLE: OnceLock<RuleTable> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(TARGETS).unwrap_or_default())
}

/// The shipped row with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    table().rules.iter().find(|r| r.id == id)
}

/// Production's algorithm, lock and rebuild for `statement` on `target`, with `table`
/// the statement's table's columns before it runs, when known.
pub fn lookup(target: &Target, statement: &Statement, table: Option<&TableInfo>) -> Lookup {
    self::table().lookup(target, statement, table)
}

/// `lookup` for a statement run after session settings such as `SET
/// foreign_key_checks=0`.
pub fn lookup_in_session(
    target: &Target,
    statement: &Statement,
    table: Option<&TableInfo>,
    session: Session,
) -> Lookup {
    self::table().lookup_in_session(target, statement, table, session)
}

/// Whether `target` parses `RENAME COLUMN a TO b` (MySQL 8.0.3, MariaDB 10.5.2 and later).
pub fn parses_rename_column(target: &Target) -> bool {
    table().parses_rename_column(target)
}

/// The row for one kind of change on `target`.
pub fn lookup_kind(target: &Target, kind: ChangeKind) -> Option<&'static Rule> {
    table().rule_for(target, kind)
}

impl RuleTable {
    pub fn lookup(
        &self,
        target: &Target,
        statement: &Statement,
        table: Option<&TableInfo>,
    ) -> Lookup {
        self.lookup_in_session(target, statement, table, Session::default())
    }

    pub fn lookup_in_session(
        &self,
        target: &Target,
        statement: &Statement,
        table: Option<&TableInfo>,
        session: Session,
    ) -> Lookup {
        if statement.clauses.is_empty() || !self.parses(target, statement) {
            return Lookup::NoRule;
        }
        let mut found: Vec<(ChangeKind, &Rule)> = Vec::new();
        let mut needs_table = false;
        for (_, classified) in classify_statement(statement, table, session) {
            match classified {
                Classified::Change(kind) => match self.rule_for(target, kind) {
                    Some(rule) => found.push((kind, rule)),
                    None => return Lookup::NoRule,
                },
                Classified::NeedsTable => needs_table = true,
                Classified::NoRule => return Lookup::NoRule,
            }
        }
        if needs_table {
            return Lookup::NeedsTable;
        }
        Lookup::Found(statement_verdict(&found, statement, target, table))
    }

    /// Whether `target` accepts the statement's syntax where the rules know it does not:
    /// `RENAME COLUMN a TO b` is a syntax error before MySQL 8.0.3 and MariaDB 10.5.2,
    /// where only `CHANGE a b <definition>` renames.
    fn parses(&self, target: &Target, statement: &Statement) -> bool {
        let rename_keyword = statement
            .clauses
            .iter()
            .any(|c| c.operation == Operation::RenameColumn && c.column_type.is_none());
        !rename_keyword || self.parses_rename_column(target)
    }

    pub fn parses_rename_column(&self, target: &Target) -> bool {
        let at_least = |version: &Version, from: &[u32]| *version >= Version(from.to_vec());
        match target.flavor {
            Flavor::Mysql => at_least(&target.version, &[8, 0, 3]),
            Flavor::AuroraMysql => self
                .aurora_mysql_version(&target.version)
                .is_none_or(|mysql| at_least(mysql, &[8, 0, 3])),
            Flavor::Mariadb => at_least(&target.version, &[10, 5, 2]),
        }
    }

    /// Aurora: its own rows first, then the MySQL rows of its MySQL version.
    pub fn rule_for(&self, target: &Target, kind: ChangeKind) -> Option<&Rule> {
        let own = self
            .rules
            .iter()
            .find(|r| r.flavor == target.flavor && r.kind == kind && r.covers(&target.version));
        if own.is_some() || target.flavor != Flavor::AuroraMysql {
            return own;
        }
        let mysql = self.aurora_mysql_version(&target.version)?;
        self.rules
            .iter()
            .find(|r| r.flavor == Flavor::Mysql && r.kind == kind && r.covers(mysql))
    }

    /// The MySQL version an Aurora version is compatible with.
    pub fn aurora_mysql_version(&self, aurora: &Version) -> Option<&Version> {
        self.aurora
            .iter()
            .find(|a| {
                a.from.as_ref().is_none_or(|f| aurora >= f)
                    && a.to.as_ref().is_none_or(|t| aurora < t)
            })
            .map(|a| &a.mysql)
    }
}

/// Where a statement's answer changes within the series a target names ("mysql:8.0" is
/// the newest 8.0; an older 8.0 release may differ): from `from` on, `rule` decides; before
/// it, `before` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SeriesChange {
    /// The first release with the newer answer, "8.0.29".
    pub from: String,
    pub rule: String,
    pub before: String,
}

/// For a target that names a series (`Version::series`), each release within it where the
/// rules give `statement` another algorithm, lock or rebuild, in version order; empty for
/// an exact version, and where the rules cannot tell.
pub fn series_changes(
    target: &Target,
    statement: &Statement,
    table: Option<&TableInfo>,
) -> Vec<SeriesChange> {
    let Some(series) = target.version.series() else {
        return Vec::new();
    };
    let within =
        |v: &Version| v.0.len() > series.len() && v.0.iter().zip(series).all(|(a, b)| a == b);
    let rules = self::table();
    // Aurora's answers change where its MySQL version does, or where its own rows do.
    let aurora_bounds = rules.aurora.iter().flat_map(|a| [&a.from, &a.to]);
    let rule_bounds = rules
        .rules
        .iter()
        .filter(|r| r.flavor == target.flavor)
        .flat_map(|r| [&r.from, &r.to]);
    let mut versions: Vec<Version> = rule_bounds
        .chain(aurora_bounds.filter(|_| target.flavor == Flavor::AuroraMysql))
        .flatten()
        .filter(|v| within(v))
        .cloned()
        .collect();
    versions.sort();
    versions.dedup();
    let first = Version(series.iter().copied().chain([0]).collect());
    let mut changes = Vec::new();
    let mut previous = lookup(&target.at(first), statement, table).verdict();
    for version in versions {
        let verdict = lookup(&target.at(version.clone()), statement, table).verdict();
        if let (Some(before), Some(now)) = (&previous, &verdict) {
            let answer = |v: &Verdict| (v.algorithm, v.lock, v.rebuilds_table);
            if answer(before) != answer(now) {
                changes.push(SeriesChange {
                    from: written(target.flavor, &version),
                    rule: now.rule_id.clone(),
                    before: before.rule_id.clone(),
                });
            }
        }
        if verdict.is_some() {
            previous = verdict;
        }
    }
    changes
}

/// A version as its flavor writes it: Aurora's minor has two digits ("3.05").
fn written(flavor: Flavor, version: &Version) -> String {
    match (flavor, version.0.as_slice()) {
        (Flavor::AuroraMysql, [major, minor, rest @ ..]) => {
            let mut text = format!("{major}.{minor:02}");
            for part in rest {
                text.push_str(&format!(".{part}"));
            }
            text
        }
        _ => version.to_string(),
    }
}

/// What the session running a statement has set, where it changes a clause's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// False after `SET foreign_key_checks=0`: ADD FOREIGN KEY can then run in place.
    pub foreign_key_checks: bool,
}

impl Default for Session {
    fn default() -> Self {
        Session {
            foreign_key_checks: true,
        }
    }
}

impl Session {
    /// The session each of `statements` runs in, as the migration's own `SET` statements
    /// before it leave it (the estimate's production verdicts and `lint` read the same).
    pub fn of_each(statements: &[Statement]) -> Vec<Session> {
        let mut session = Session::default();
        statements
            .iter()
            .map(|statement| {
                let before = session;
                if let Some(on) = foreign_key_checks_set(&statement.sql) {
                    session.foreign_key_checks = on;
                }
                before
            })
            .collect()
    }
}

/// What `sql` sets the session's foreign_key_checks to, the last setting winning: `SET
/// [SESSION] foreign_key_checks = 0|OFF`, `@@foreign_key_checks`, `@@session.` (also
/// inside `/*!40014 ... */`, as mysqldump writes it); `= @OLD_...` restores, read as on.
/// A user variable (`@foreign_key_checks`) or `GLOBAL` is not this session's setting.
pub fn foreign_key_checks_set(sql: &str) -> Option<bool> {
    let compact: String = sql
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let setting = "foreign_key_checks=";
    let mut set = None;
    let mut from = 0;
    while let Some(found) = compact[from..].find(setting) {
        let at = from + found;
        let head = &compact[..at];
        let user_variable = head.ends_with('@') && !head.ends_with("@@");
        let global = head.ends_with("global") || head.ends_with("@@global.");
        if !head.ends_with('_') && !user_variable && !global {
            let value = &compact[at + setting.len()..];
            let off = ["0", "off", "false"].iter().any(|off| {
                value.starts_with(off)
                    && !value[off.len()..].starts_with(|c: char| c.is_alphanumeric())
            });
            set = Some(!off);
        }
        from = at + setting.len();
    }
    set
}

/// Each clause of the statement with its index and kind, where the statement as a whole
/// changes a clause's kind: DROP PRIMARY KEY next to ADD PRIMARY KEY is one
/// `replace_primary_key` (the drop is left out), and ADD FOREIGN KEY with the session's
/// foreign_key_checks off is `add_foreign_key_unchecked`. A column whose definition
/// declares an index (`... UNIQUE`) is two entries: the column's kind, then the index's;
/// a MODIFY / CHANGE that moves its column (`AFTER x`) adds `reorder_column`.
pub fn classify_statement(
    statement: &Statement,
    table: Option<&TableInfo>,
    session: Session,
) -> Vec<(usize, Classified)> {
    let has = |operation: Operation| statement.clauses.iter().any(|c| c.operation == operation);
    let replaces_primary_key = has(Operation::AddPrimaryKey) && has(Operation::DropPrimaryKey);
    statement
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, c)| !(replaces_primary_key && c.operation == Operation::DropPrimaryKey))
        .flat_map(|(i, clause)| {
            let classified = match classify_clause(clause, table) {
                Classified::Change(ChangeKind::AddPrimaryKey) if replaces_primary_key => {
                    Classified::Change(ChangeKind::ReplacePrimaryKey)
                }
                Classified::Change(ChangeKind::AddForeignKey) if !session.foreign_key_checks => {
                    Classified::Change(ChangeKind::AddForeignKeyUnchecked)
                }
                other => other,
            };
            let moved = column_move(clause, table);
            // A definition the rules do not cover but for the move is the move alone.
            let own = match classified {
                Classified::NoRule if moved.is_some() => None,
                other => Some((i, other)),
            };
            let index = inline_index(clause).map(|kind| (i, Classified::Change(kind)));
            own.into_iter().chain(moved.map(|m| (i, m))).chain(index)
        })
        .collect()
}

/// Several clauses in one ALTER run at the level of the weakest; when that is not
/// INSTANT, column additions, drops and moves that were instant alone rebuild the table,
/// in place.
pub fn combine(found: &[(ChangeKind, &Rule)]) -> Verdict {
    let weakest = found
        .iter()
        .map(|(_, r)| r.algorithm)
        .max_by_key(|a| a.rank())
        .unwrap_or(Algorithm::Instant);
    // A column change that is instant only alone makes the statement a rebuild, in place:
    // on MariaDB too, where NOCOPY would keep the clustered index (10.11 measured ADD
    // COLUMN with ADD INDEX as INPLACE).
    let promoted = weakest != Algorithm::Instant
        && found.iter().any(|(kind, _)| kind.rebuilds_unless_instant());
    let algorithm = if promoted && weakest.rank() < Algorithm::Inplace.rank() {
        Algorithm::Inplace
    } else {
        weakest
    };
    let lock = found
        .iter()
        .map(|(_, r)| r.lock)
        .max_by_key(|l| l.rank())
        .unwrap_or(LockLevel::None);
    let rebuilds_table = promoted || found.iter().any(|(_, r)| r.rebuilds_table);
    let decider = found
        .iter()
        .max_by_key(|(_, r)| (r.algorithm.rank(), r.lock.rank(), r.rebuilds_table))
        .map(|(_, r)| r.id.clone())
        .unwrap_or_default();
    Verdict {
        algorithm,
        lock,
        rebuilds_table,
        rule_id: decider,
        rule_ids: found.iter().map(|(_, r)| r.id.clone()).collect(),
    }
}

/// The statement's verdict from its clauses' rows: their combination, then what the table
/// itself imposes (a cascading foreign key on MySQL), then the levels the statement writes
/// (`lookup` and lint's statement cost both use it).
pub fn statement_verdict(
    found: &[(ChangeKind, &Rule)],
    statement: &Statement,
    target: &Target,
    table: Option<&TableInfo>,
) -> Verdict {
    let mut verdict = combine(found);
    let refuses_lock_none = target.flavor != Flavor::Mariadb;
    if refuses_lock_none && table.is_some_and(TableInfo::has_cascading_foreign_key) {
        verdict = without_lock_none(verdict);
    }
    with_written_levels(verdict, found, statement, target)
}

/// The verdict with the levels the statement itself writes, as the server applies them.
/// MySQL (and Aurora) run a written ALGORITHM as written where the clauses allow it:
/// INPLACE on an ADD COLUMN that would be INSTANT rebuilds the table. MariaDB takes any
/// written algorithm but COPY as the least efficient it accepts, so only COPY overrides
/// there. A written level cheaper than the rules' is refused by the server (error 1845 or
/// 1846), and the verdict stays what a run without it gets. A written LOCK stronger than
/// the verdict's is taken everywhere; COPY holds at least a shared lock, except on
/// MariaDB 11.2 and later (non-blocking COPY).
fn with_written_levels(
    mut verdict: Verdict,
    found: &[(ChangeKind, &Rule)],
    statement: &Statement,
    target: &Target,
) -> Verdict {
    let written = statement
        .algorithm_clause
        .as_deref()
        .and_then(Algorithm::parse);
    if let Some(written) = written {
        let overrides = match target.flavor {
            Flavor::Mariadb => written == Algorithm::Copy,
            Flavor::Mysql | Flavor::AuroraMysql => written.rank() > verdict.algorithm.rank(),
        };
        if overrides {
            verdict.algorithm = written;
            verdict.rebuilds_table |= written == Algorithm::Copy
                || found.iter().any(|(kind, _)| kind.rebuilds_unless_instant());
            let non_blocking_copy =
                target.flavor == Flavor::Mariadb && target.version >= Version(vec![11, 2]);
            if written == Algorithm::Copy && !non_blocking_copy {
                verdict.lock = max_lock(verdict.lock, LockLevel::Shared);
            }
        }
    }
    if let Some(lock) = statement.lock_clause.as_deref().and_then(LockLevel::parse) {
        verdict.lock = max_lock(verdict.lock, lock);
    }
    verdict
}

/// On a table whose foreign keys cascade or set NULL, MySQL refuses LOCK=NONE ("Online
/// DDL Limitations" in every MySQL manual since 5.6): an in-place change holds a shared
/// lock, and writes wait for it. An INSTANT change takes no such lock. MariaDB 10.11 was
/// measured taking LOCK=NONE there (tests/rules.rs).
fn without_lock_none(mut verdict: Verdict) -> Verdict {
    if verdict.algorithm != Algorithm::Instant && verdict.lock == LockLevel::None {
        verdict.lock = LockLevel::Shared;
    }
    verdict
}

fn max_lock(a: LockLevel, b: LockLevel) -> LockLevel {
    if b.rank() > a.rank() {
        b
    } else {
        a
    }
}

/// Parses the rules file format described at the top of targets.txt.
pub fn parse_table(text: &str) -> Result<RuleTable> {
    let mut table = RuleTable::default();
    let mut section = "";
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = match name {
                "rules" => "rules",
                "aurora-mysql versions" => "aurora",
                other => bail!("targets.txt:{line_no}: unknown section [{other}]"),
            };
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let parsed = match section {
            "rules" => parse_rule(&fields, line_no).map(|r| table.rules.push(r)),
            "aurora" => parse_aurora(&fields).map(|a| table.aurora.push(a)),
            _ => Err(anyhow!("a row before any [section]")),
        };
        parsed.with_context(|| format!("targets.txt:{line_no}"))?;
    }
    check_unique_ids(&table)?;
    Ok(table)
}

fn parse_rule(fields: &[&str], line: usize) -> Result<Rule> {
    let [id, flavor, versions, operation, algorithm, lock, rebuilds, source] = fields else {
        bail!(
            "a rule has 8 fields separated by '|', this one {}",
            fields.len()
        );
    };
    let (from, to) = parse_range(versions)?;
    Ok(Rule {
        id: id.to_string(),
        flavor: match *flavor {
            "mysql" => Flavor::Mysql,
            "aurora-mysql" => Flavor::AuroraMysql,
            "mariadb" => Flavor::Mariadb,
            other => bail!("unknown flavor '{other}'"),
        },
        from,
        to,
        kind: ChangeKind::from_name(operation)
            .ok_or_else(|| anyhow!("unknown operation '{operation}'"))?,
        algorithm: Algorithm::parse(algorithm)
            .filter(|a| a.as_str() == *algorithm)
            .ok_or_else(|| anyhow!("unknown algorithm '{algorithm}'"))?,
        lock: LockLevel::parse(lock)
            .filter(|l| l.as_str() == *lock)
            .ok_or_else(|| anyhow!("unknown lock '{lock}'"))?,
        rebuilds_table: match *rebuilds {
            "yes" => true,
            "no" => false,
            other => bail!("rebuilds_table is yes or no, not '{other}'"),
        },
        source: source.to_string(),
        line,
    })
}

fn parse_aurora(fields: &[&str]) -> Result<AuroraVersion> {
    let [versions, mysql, source] = fields else {
        bail!(
            "an aurora-mysql version row has 3 fields, this one {}",
            fields.len()
        );
    };
    let (from, to) = parse_range(versions)?;
    Ok(AuroraVersion {
        from,
        to,
        mysql: Version::parse(mysql).ok_or_else(|| anyhow!("'{mysql}' is not a version"))?,
        source: source.to_string(),
    })
}

/// "8.0.12..8.0.29", "8.0.29..", "..8.0.12".
fn parse_range(text: &str) -> Result<(Option<Version>, Option<Version>)> {
    let Some((from, to)) = text.split_once("..") else {
        bail!("versions are FROM..TO, not '{text}'");
    };
    let bound = |t: &str| -> Result<Option<Version>> {
        if t.trim().is_empty() {
            return Ok(None);
        }
        Version::parse(t)
            .map(Some)
            .ok_or_else(|| anyhow!("'{t}' is not a version"))
    };
    Ok((bound(from)?, bound(to)?))
}

fn check_unique_ids(table: &RuleTable) -> Result<()> {
    for (i, rule) in table.rules.iter().enumerate() {
        if let Some(other) = table.rules[..i].iter().find(|r| r.id == rule.id) {
            bail!(
                "targets.txt:{}: rule id {} already used on line {}",
                rule.line,
                rule.id,
                other.line
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
