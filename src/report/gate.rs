//! CI gates: `--max-duration` and `--max-write-block` compare the high end of a
//! statement's interval with their limit, `--max-distance` production's rows with the
//! largest measured scale; what fires is listed, and main exits 3.

use super::checklist::writes_blocked_high;
use super::{human_seconds, Report, StatementReport};
use std::time::Duration;

/// The limits a CI run sets; each gate is on only when its limit is given.
#[derive(Debug, Clone, Default)]
pub struct Gates {
    pub max_duration: Option<Duration>,
    pub max_write_block: Option<Duration>,
    /// Production rows over the largest measured scale.
    pub max_distance: Option<f64>,
    /// The whole migration's (release's) high estimate, untimed steps included.
    pub max_total: Option<Duration>,
    /// Time allowed per step that is not SQL; else the report's own, if it has one.
    pub untimed_allowance: Option<Duration>,
}

/// One line per statement and gate that fired; empty when the report passes.
pub fn check(report: &Report, gates: &Gates) -> Vec<String> {
    let mut fired = check_whole(report, gates);
    for s in &report.statements {
        fired.extend(check_statement(s, gates));
    }
    fired
}

/// The gates over the whole migration: `--max-distance`, `--max-total`, and
/// `--max-duration` on the steps that are not SQL.
pub fn check_whole(report: &Report, gates: &Gates) -> Vec<String> {
    let mut fired = Vec::new();
    if let Some(limit) = gates.max_distance {
        let production = report
            .tables
            .iter()
            .map(|t| t.target_rows)
            .max()
            .unwrap_or(0);
        if let Some(distance) = report.ladder.distance(production) {
            if distance > limit {
                fired.push(format!(
                    "production is {distance:.0}x the largest measured scale, over --max-distance {limit}"
                ));
            }
        }
    }
    let allowance = gates
        .untimed_allowance
        .map(|a| a.as_secs_f64())
        .or(report.untimed_allowance_seconds);
    if let Some(limit) = gates.max_total {
        let over = max_total(report, limit.as_secs_f64(), allowance);
        let missing = super::release::not_rendered(report);
        fired.extend(over.or_else(|| {
            (missing > 0).then(|| {
                format!(
                    "--max-total {} cannot be decided: {missing} of the release's migrations could not be rendered and are not in the total",
                    human_seconds(limit.as_secs_f64())
                )
            })
        }));
    }
    if let Some(limit) = gates.max_duration {
        fired.extend(untimed_max_duration(report, limit.as_secs_f64(), allowance));
    }
    fired
}

/// The gates on one statement: `--max-duration` and `--max-write-block`, on its route.
pub fn check_statement(s: &StatementReport, gates: &Gates) -> Vec<String> {
    let limits = [
        (
            gates.max_duration,
            super::route::duration_high(s),
            "run",
            "--max-duration",
        ),
        (
            gates.max_write_block,
            writes_blocked_high(s),
            "block writes for",
            "--max-write-block",
        ),
    ];
    limits
        .into_iter()
        .filter_map(|(limit, high, what, flag)| {
            let limit = limit?.as_secs_f64();
            (high > limit).then(|| {
                format!(
                    "statement {}{} may {what} {} (high estimate), over {flag} {}",
                    s.index + 1,
                    super::route::on_route(s),
                    human_seconds(high),
                    human_seconds(limit)
                )
            })
        })
        .collect()
}

/// `--max-total`: the release's high end, untimed steps at their allowance; without one,
/// the gate fires when the timed statements alone exceed it and is undecidable (and fails)
/// otherwise.
fn max_total(report: &Report, limit: f64, allowance: Option<f64>) -> Option<String> {
    let steps = report.untimed.len();
    // On the chosen routes: a statement routed through pt-osc counts at pt-osc's high.
    let timed = super::route::total_high(report);
    let untimed = super::release::untimed_count(steps);
    match (steps, allowance) {
        (0, _) | (_, Some(_)) => {
            let high = timed + steps as f64 * allowance.unwrap_or(0.0);
            let with = match (steps, allowance) {
                (0, _) | (_, None) => String::new(),
                (_, Some(each)) => format!(", {untimed} at {} each", human_seconds(each)),
            };
            (high > limit).then(|| {
                format!(
                    "the release may run {} (high estimate{with}), over --max-total {}",
                    human_seconds(high),
                    human_seconds(limit)
                )
            })
        }
        (_, None) if timed > limit => Some(format!(
            "the release may run {} (high estimate) before its {untimed}, over --max-total {}",
            human_seconds(timed),
            human_seconds(limit)
        )),
        (_, None) => Some(format!(
            "--max-total {} cannot be decided: the statements' high estimate is {}, plus {untimed} of unknown duration; give --untimed-allowance",
            human_seconds(limit),
            human_seconds(timed)
        )),
    }
}

/// `--max-duration` on the steps that are not SQL: each counts at the allowance; without
/// one the gate cannot be decided for them, and fails.
fn untimed_max_duration(report: &Report, limit: f64, allowance: Option<f64>) -> Vec<String> {
    report
        .untimed
        .iter()
        .filter_map(|step| match allowance {
            Some(each) if each > limit => Some(format!(
                "untimed step {} [{}:{}] is allowed {}, over --max-duration {}",
                step.description,
                step.file,
                step.line,
                human_seconds(each),
                human_seconds(limit)
            )),
            Some(_) => None,
            None => Some(format!(
                "--max-duration {} cannot be decided for {} [{}:{}]: not SQL, not timed; give --untimed-allowance",
                human_seconds(limit),
                step.description,
                step.file,
                step.line
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::UntimedStep;

    fn saved_report() -> Report {
        serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
            .expect("fixture report parses")
    }

    fn gates(max_total: f64, allowance: Option<f64>) -> Gates {
        Gates {
            max_total: Some(Duration::from_secs_f64(max_total)),
            untimed_allowance: allowance.map(Duration::from_secs_f64),
            ..Gates::default()
        }
    }

    #[test]
    fn max_total_gates_the_high_end_and_says_when_untimed_steps_leave_it_open() {
        let mut report = saved_report();
        let high = report.total.seconds_high;
        assert!(check(&report, &gates(high + 1.0, None)).is_empty());
        let fired = check(&report, &gates(high - 1.0, None));
        assert_eq!(fired.len(), 1);
        assert!(fired[0].contains("over --max-total"), "{}", fired[0]);

        report.untimed.push(UntimedStep {
            file: "m.py".into(),
            line: 9,
            description: "Raw Python operation".into(),
            after_statement: 0,
        });
        let open = check(&report, &gates(high + 1.0, None));
        assert_eq!(open.len(), 1);
        assert!(open[0].contains("cannot be decided"), "{}", open[0]);
        assert!(check(&report, &gates(high + 60.0, Some(30.0))).is_empty());
        let over = check(&report, &gates(high + 60.0, Some(120.0)));
        assert!(
            over[0].contains("1 untimed step at 2 min 00 s each"),
            "{}",
            over[0]
        );
    }

    #[test]
    fn a_migration_django_could_not_render_leaves_max_total_open() {
        let mut report = saved_report();
        let high = report.total.seconds_high;
        report.release = Some(crate::report::release::ReleaseReport {
            manage: vec!["./manage.py lms".into()],
            database: "default".into(),
            selection: "unapplied".into(),
            since: None,
            migrations: vec![crate::report::release::ReleaseMigration {
                app: "studio".into(),
                name: "0004_alter_note".into(),
                file: "studio/migrations/0004_alter_note.py".into(),
                manage: 0,
                statements: 0,
                untimed: 0,
                not_rendered: Some("django.db.utils.ProgrammingError: (1146, ...)".into()),
            }],
        });
        let fired = check(&report, &gates(high + 1.0, None));
        assert_eq!(fired.len(), 1);
        assert!(
            fired[0].contains("1 of the release's migrations could not be rendered"),
            "{}",
            fired[0]
        );
        let (p50, _) = crate::report::release::total_words(&report);
        assert!(p50.ends_with(" + 1 migration not rendered"), "{p50}");
    }

    #[test]
    fn max_duration_counts_each_untimed_step_at_its_allowance_or_cannot_decide() {
        let mut report = saved_report();
        report.statements.clear();
        report.untimed.push(UntimedStep {
            file: "m.py".into(),
            line: 9,
            description: "Raw Python operation".into(),
            after_statement: 0,
        });
        let limit = |allowance: Option<f64>| Gates {
            max_duration: Some(Duration::from_secs(60)),
            untimed_allowance: allowance.map(Duration::from_secs_f64),
            ..Gates::default()
        };
        let open = check(&report, &limit(None));
        assert_eq!(open.len(), 1);
        assert!(
            open[0].contains("cannot be decided for Raw Python operation [m.py:9]"),
            "{}",
            open[0]
        );
        assert!(check(&report, &limit(Some(30.0))).is_empty());
        assert_eq!(check(&report, &limit(Some(90.0))).len(), 1);
    }
}
