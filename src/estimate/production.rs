//! The estimate's use of the rules: per statement, what production does (measured when
//! the sandbox is production's server, from the rules when it is not), and whether the
//! sandbox must also time a table rebuild because production rebuilds where it did not.

use crate::ddl::{Algorithm, LockLevel};
use crate::experiment::{Measurement, StatementMeasurements};
use crate::migration::Statement;
use crate::online_ddl::{lookup, lookup_in_session, Lookup, Session, Target, Verdict};
use crate::report::{ProductionReport, ProductionSource, ServerOrigin};
use crate::server::{Flavor, ServerInfo};
use crate::table::TableInfo;
use crate::warning::Warning;
use anyhow::{Context, Result};

/// Where production's server comes from: `--target-server` when given, else the server a
/// `--profile` or `--source` recorded (`origin` names which); with the flag, the recorded
/// one it overrides, for the report.
pub fn production_server(
    flag: Option<&Target>,
    profile_server: Option<&ServerInfo>,
    recorded_by: ServerOrigin,
) -> Result<Option<(Target, ServerOrigin, Option<String>)>> {
    let target = production_target(flag, profile_server)?;
    Ok(target.map(|target| match flag {
        Some(_) => (
            target,
            ServerOrigin::TargetServer,
            profile_server.map(ServerInfo::label),
        ),
        None => (target, recorded_by, None),
    }))
}

/// Production's server: `--target-server` wins over the one a source profile recorded.
pub fn production_target(
    flag: Option<&Target>,
    profile_server: Option<&ServerInfo>,
) -> Result<Option<Target>> {
    if let Some(target) = flag {
        return Ok(Some(target.clone()));
    }
    profile_server
        .map(|server| {
            Target::from_server(server)
                .with_context(|| format!("the source profile's server {}", server.label()))
        })
        .transpose()
}

/// Production and sandbox, compared once for the whole migration.
#[derive(Debug, Clone)]
pub struct Production {
    pub target: Target,
    /// Who named production's server, and the recorded one a flag overrode.
    pub origin: ServerOrigin,
    pub overrides: Option<String>,
    /// None when the rules know nothing of the sandbox's version.
    pub sandbox: Option<Target>,
    /// The sandbox runs production's flavor and version: measurements stand.
    pub same_server: bool,
    /// The session each statement runs in (by its index), as the migration's own `SET
    /// foreign_key_checks` leave it; empty means the default session for every one.
    pub sessions: Vec<Session>,
}

/// What production does with one statement.
#[derive(Debug, Clone)]
pub struct Decision {
    pub report: ProductionReport,
    /// Production rebuilds the table where the sandbox did not: time a rebuild.
    pub needs_rebuild_timing: bool,
    pub warning: Option<Warning>,
}

impl Production {
    pub fn new(target: Target, sandbox: &ServerInfo) -> Production {
        let sandbox = Target::from_server(sandbox).ok();
        let same_server = sandbox.as_ref().is_some_and(|s| target.same_server(s));
        Production {
            target,
            origin: ServerOrigin::TargetServer,
            overrides: None,
            sandbox,
            same_server,
            sessions: Vec::new(),
        }
    }

    /// Decides from the sandbox's probe results; call again after the ladder with the
    /// rebuild timings to fill `rebuild_measurements`.
    pub fn decide(&self, statement: &Statement, measured: &StatementMeasurements) -> Decision {
        let columns = measured.columns_before.as_ref();
        let sandbox_rebuilds = self.sandbox_rebuilds(statement, measured.algorithm, columns);
        let session = self
            .sessions
            .get(statement.index)
            .copied()
            .unwrap_or_default();
        let found = lookup_in_session(&self.target, statement, columns, session).verdict();
        let sandbox_side = (measured.algorithm, measured.lock, sandbox_rebuilds);
        let mut decision = match (&found, self.same_server) {
            (Some(verdict), false) => self.by_rule(verdict, sandbox_side),
            _ => self.by_measurement(found.as_ref(), sandbox_side),
        };
        if found.is_none() && !self.same_server && statement.is_online_ddl() {
            decision.warning = Some(Warning::NoRule {
                server: self.target.to_string(),
            });
        }
        decision
    }

    fn by_rule(
        &self,
        verdict: &Verdict,
        (algorithm, lock, sandbox_rebuilds): (Option<Algorithm>, Option<LockLevel>, bool),
    ) -> Decision {
        let differs = algorithm.map(same_work) != Some(same_work(verdict.algorithm))
            || Some(verdict.lock) != lock
            || verdict.rebuilds_table != sandbox_rebuilds;
        Decision {
            report: ProductionReport {
                server: self.target.label.clone(),
                algorithm: Some(verdict.algorithm),
                lock: Some(verdict.lock),
                rebuilds_table: verdict.rebuilds_table,
                source: ProductionSource::Rule,
                rule: Some(verdict.rule_id.clone()),
                differs,
                rebuild_measurements: Vec::new(),
            },
            needs_rebuild_timing: verdict.rebuilds_table && !sandbox_rebuilds,
            warning: (sandbox_rebuilds && !verdict.rebuilds_table).then(|| {
                Warning::NoRebuildInProduction {
                    server: self.target.to_string(),
                    rule: verdict.rule_id.clone(),
                }
            }),
        }
    }

    fn by_measurement(
        &self,
        verdict: Option<&Verdict>,
        (algorithm, lock, sandbox_rebuilds): (Option<Algorithm>, Option<LockLevel>, bool),
    ) -> Decision {
        // On production's own server the rules row is only a cross-check.
        let agrees = verdict.filter(|v| Some(v.algorithm) == algorithm && Some(v.lock) == lock);
        let warning = match (verdict, agrees, self.same_server, algorithm) {
            (Some(v), None, true, Some(measured)) => Some(Warning::RuleDisagrees {
                rule: v.rule_id.clone(),
                rule_algorithm: v.algorithm,
                rule_lock: v.lock,
                server: self.target.to_string(),
                algorithm: measured,
                lock,
            }),
            _ => None,
        };
        Decision {
            report: ProductionReport {
                server: self.target.label.clone(),
                algorithm,
                lock,
                rebuilds_table: sandbox_rebuilds,
                source: ProductionSource::Measured,
                rule: agrees.map(|v| v.rule_id.clone()),
                differs: false,
                rebuild_measurements: Vec::new(),
            },
            needs_rebuild_timing: false,
            warning,
        }
    }

    /// COPY always rebuilds; on MariaDB so does INPLACE (NOCOPY was refused first); on
    /// MySQL INPLACE may or may not, which the rules for the sandbox's version say.
    fn sandbox_rebuilds(
        &self,
        statement: &Statement,
        algorithm: Option<Algorithm>,
        columns: Option<&TableInfo>,
    ) -> bool {
        match algorithm {
            Some(Algorithm::Copy) => true,
            Some(Algorithm::Inplace) => match &self.sandbox {
                Some(sandbox) if sandbox.flavor != Flavor::Mariadb => {
                    match lookup(sandbox, statement, columns) {
                        Lookup::Found(v) => v.rebuilds_table,
                        _ => true,
                    }
                }
                _ => true,
            },
            _ => false,
        }
    }
}

/// The points production's estimate is fitted to: the statement's own timings, or,
/// where production rebuilds and the sandbox did not, rebuild plus statement per scale.
pub fn production_measurements(
    decision: &Decision,
    measured: &StatementMeasurements,
) -> Vec<Measurement> {
    if !decision.needs_rebuild_timing || measured.rebuild.is_empty() {
        return Vec::new();
    }
    measured
        .rebuild
        .iter()
        .zip(&measured.measurements)
        .map(|(rebuild, statement)| {
            Measurement::new(statement.rows, rebuild.seconds + statement.seconds)
        })
        .collect()
}

/// MariaDB's NOCOPY is what MySQL calls INPLACE without a rebuild (which the rebuild
/// flag tells apart): the same work under two names.
fn same_work(algorithm: Algorithm) -> Algorithm {
    match algorithm {
        Algorithm::Nocopy => Algorithm::Inplace,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::parse_sql;

    fn maria() -> ServerInfo {
        ServerInfo {
            flavor: Flavor::Mariadb,
            version: "10.11.19".to_string(),
        }
    }

    fn measured(algorithm: Algorithm, lock: LockLevel) -> StatementMeasurements {
        StatementMeasurements {
            algorithm: Some(algorithm),
            lock: Some(lock),
            measurements: vec![Measurement::new(100, 0.01), Measurement::new(200, 0.02)],
            rebuild: vec![Measurement::new(100, 0.5), Measurement::new(200, 1.0)],
            ..Default::default()
        }
    }

    fn drop_column() -> Statement {
        parse_sql("m.sql", "ALTER TABLE t DROP COLUMN c", 0)
            .expect("parses")
            .remove(0)
    }

    #[test]
    fn aurora_304_rebuilds_where_mariadb_was_instant() {
        let target = Target::parse("aurora-mysql:3.04").expect("target");
        let production = Production::new(target, &maria());
        assert!(!production.same_server);
        let m = measured(Algorithm::Instant, LockLevel::None);
        let decision = production.decide(&drop_column(), &m);
        assert_eq!(decision.report.source, ProductionSource::Rule);
        assert_eq!(decision.report.algorithm, Some(Algorithm::Inplace));
        assert!(decision.report.rebuilds_table);
        assert!(decision.report.differs);
        assert!(decision.needs_rebuild_timing);
        let points = production_measurements(&decision, &m);
        let seconds: Vec<f64> = points.iter().map(|p| p.seconds).collect();
        assert_eq!(seconds, vec![0.51, 1.02]);
    }

    #[test]
    fn the_sandboxs_own_version_is_measured() {
        let target = Target::parse("mariadb:10.11").expect("target");
        let production = Production::new(target, &maria());
        assert!(production.same_server);
        let decision = production.decide(
            &drop_column(),
            &measured(Algorithm::Instant, LockLevel::None),
        );
        assert_eq!(decision.report.source, ProductionSource::Measured);
        assert_eq!(
            decision.report.rule.as_deref(),
            Some("mariadb-drop-column-instant")
        );
        assert!(!decision.report.differs);
        assert!(!decision.needs_rebuild_timing);
        assert!(decision.warning.is_none());
        // A measurement that disagrees with the rules is kept, and said.
        let odd = production.decide(
            &drop_column(),
            &measured(Algorithm::Copy, LockLevel::Shared),
        );
        assert_eq!(odd.report.algorithm, Some(Algorithm::Copy));
        assert_eq!(odd.report.rule, None);
        assert!(matches!(
            odd.warning.expect("warns"),
            Warning::RuleDisagrees { rule, .. } if rule == "mariadb-drop-column-instant"
        ));
    }

    #[test]
    fn a_foreign_key_added_after_the_migration_turns_its_checks_off_is_in_place() {
        // Django's advice (DE010): SET foreign_key_checks=0 first, as lint reads it.
        let statements = parse_sql(
            "m.sql",
            "SET foreign_key_checks=0;\n\
             ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES p (id);",
            0,
        )
        .expect("parses");
        let target = Target::parse("mysql:8.0.28").expect("target");
        let checked = Production::new(target.clone(), &maria());
        let unchecked = Production {
            sessions: Session::of_each(&statements),
            ..Production::new(target, &maria())
        };
        let m = measured(Algorithm::Inplace, LockLevel::None);
        let with_checks = checked.decide(&statements[1], &m);
        let without = unchecked.decide(&statements[1], &m);
        assert_eq!(with_checks.report.algorithm, Some(Algorithm::Copy));
        assert_eq!(without.report.algorithm, Some(Algorithm::Inplace));
    }

    #[test]
    fn uncovered_statements_fall_back_to_the_measurement() {
        let target = Target::parse("mysql:8.0.28").expect("target");
        let production = Production::new(target, &maria());
        let statement = parse_sql("m.sql", "ALTER TABLE t ENGINE=InnoDB, COMMENT 'x'", 0)
            .expect("parses")
            .remove(0);
        let decision =
            production.decide(&statement, &measured(Algorithm::Inplace, LockLevel::None));
        assert_eq!(decision.report.source, ProductionSource::Measured);
        assert!(decision.report.rebuilds_table);
        assert!(matches!(
            decision.warning.expect("warns"),
            Warning::NoRule { .. }
        ));
    }

    #[test]
    fn the_flag_wins_over_the_profile() {
        let flag = Target::parse("mysql:8.0.28").expect("target");
        let chosen = production_target(Some(&flag), Some(&maria())).expect("ok");
        assert_eq!(chosen, Some(flag.clone()));
        let from_profile = production_target(None, Some(&maria())).expect("ok");
        assert_eq!(
            from_profile.map(|t| t.label),
            Some("mariadb:10.11.19".to_string())
        );
        assert_eq!(production_target(None, None).expect("ok"), None);
        // The report says which: the flag, over the profile's server.
        let (_, origin, overrides) =
            production_server(Some(&flag), Some(&maria()), ServerOrigin::Profile)
                .expect("ok")
                .expect("a server");
        assert_eq!(origin, ServerOrigin::TargetServer);
        assert_eq!(overrides.as_deref(), Some("mariadb:10.11.19"));
        let (_, origin, overrides) = production_server(None, Some(&maria()), ServerOrigin::Source)
            .expect("ok")
            .expect("a server");
        assert_eq!((origin, overrides), (ServerOrigin::Source, None));
    }
}
