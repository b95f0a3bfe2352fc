//! A migration as a release: the Django migrations it came from (`ddl-eta django`), the
//! steps that are not SQL and how they enter the total ("X + N untimed steps"), how far
//! each table's ladder got, and the two timeouts a release manager sets: the inactivity
//! timeout of a bare `migrate` and the release's wall-clock high.

use super::{human_seconds, Report, StatementReport, UntimedStep};
use crate::model::Interval;
use crate::text::group_digits;
use serde::{Deserialize, Serialize};

/// Margin over a high estimate for a timeout: a quarter more, plus a minute for
/// connecting, Django's start and the rest.
const TIMEOUT_FACTOR: f64 = 1.25;
const TIMEOUT_EXTRA_SECONDS: f64 = 60.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseReport {
    /// The manage commands that rendered it (`--manage`), in order.
    pub manage: Vec<String>,
    /// Django's database alias (`--database`).
    pub database: String,
    /// How the migrations were chosen: "unapplied", "since" or "listed".
    pub selection: String,
    /// The git revision of `--since`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<String>,
    pub migrations: Vec<ReleaseMigration>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReleaseMigration {
    pub app: String,
    pub name: String,
    /// The migration's .py file, as the statements' `file` names it.
    pub file: String,
    /// Which of `manage` rendered it (0-based): an app shared by lms and cms is rendered
    /// once, by the first.
    pub manage: usize,
    /// SQL statements rendered (indexes into the report's `statements` run from the
    /// first statement whose `file` is this one).
    pub statements: usize,
    /// Steps that are not SQL.
    pub untimed: usize,
    /// Django's last error line when the migration could not be rendered (a later
    /// migration altering what an earlier unapplied one creates, say); its statements are
    /// then missing from the estimate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_rendered: Option<String>,
}

impl ReleaseMigration {
    /// "courses.0003_enrollment_level".
    pub fn label(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

/// Seconds the untimed steps add: their count times the allowance; None when there are
/// steps and no allowance (the total is then open-ended).
pub fn untimed_seconds(report: &Report) -> Option<f64> {
    if report.untimed.is_empty() {
        return Some(0.0);
    }
    Some(report.untimed_allowance_seconds? * report.untimed.len() as f64)
}

/// The total with the untimed steps' allowance added (the timed total when there is none).
pub fn total(report: &Report) -> Interval {
    let extra = untimed_seconds(report).unwrap_or(0.0);
    Interval {
        seconds_p50: report.total.seconds_p50 + extra,
        seconds_low: report.total.seconds_low + extra,
        seconds_high: report.total.seconds_high + extra,
    }
}

/// "1 untimed step", "3 untimed steps".
pub fn untimed_count(n: usize) -> String {
    format!("{n} untimed step{}", if n == 1 { "" } else { "s" })
}

/// What follows a total in words: "" when every step was timed, " + 2 untimed steps"
/// when some were not and no allowance is given, " (2 untimed steps at 5 min each)".
pub fn untimed_suffix(report: &Report) -> String {
    let n = report.untimed.len();
    let missing = match not_rendered(report) {
        0 => String::new(),
        1 => " + 1 migration not rendered".to_string(),
        m => format!(" + {m} migrations not rendered"),
    };
    let untimed = match (n, report.untimed_allowance_seconds) {
        (0, _) => String::new(),
        (_, None) => format!(" + {}", untimed_count(n)),
        (_, Some(each)) => format!(
            " (incl. {} at {} each)",
            untimed_count(n),
            human_seconds(each)
        ),
    };
    format!("{untimed}{missing}")
}

/// Migrations of the release Django could not render: their statements are not in the
/// total.
pub fn not_rendered(report: &Report) -> usize {
    report.release.as_ref().map_or(0, |r| {
        r.migrations
            .iter()
            .filter(|m| m.not_rendered.is_some())
            .count()
    })
}

/// The total's p50 and its interval in words: "3 min 02 s + 1 untimed step".
pub fn total_words(report: &Report) -> (String, String) {
    let total = total(report);
    let suffix = untimed_suffix(report);
    (
        format!("{}{suffix}", human_seconds(total.seconds_p50)),
        format!(
            "{} .. {}{suffix}",
            human_seconds(total.seconds_low),
            human_seconds(total.seconds_high)
        ),
    )
}

/// "not timed: Raw Python operation  [courses/migrations/0004_fill_level.py:18]".
pub fn untimed_line(step: &UntimedStep) -> String {
    format!(
        "not timed: {} (not SQL)  [{}:{}]",
        step.description, step.file, step.line
    )
}

/// "courses.0002_enrollment_index  (courses/migrations/0002_enrollment_index.py)", with
/// "not rendered: ..." where Django could not render it.
pub fn migration_header(migration: &ReleaseMigration) -> String {
    let mut line = format!("{}  ({})", migration.label(), migration.file);
    if migration.statements == 0 && migration.untimed == 0 && migration.not_rendered.is_none() {
        line.push_str(": no SQL (a state-only change)");
    }
    line
}

/// "not rendered: Django said: <its last error line>".
pub fn not_rendered_line(error: &str) -> String {
    format!("not rendered, not in the total: {error}")
}

/// One line per table when the ladder reached less than production: how far it got.
pub fn table_reach(report: &Report) -> Option<String> {
    if report.tables.len() < 2 {
        return None;
    }
    let parts: Vec<String> = report
        .tables
        .iter()
        .filter_map(|t| {
            let measured = t.measured_rows?;
            Some(format!(
                "{} {} of {}",
                t.name,
                group_digits(measured),
                group_digits(t.target_rows)
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "ladder per table (rows at its largest scale): {}",
            parts.join(", ")
        )
    })
}

/// One entry of the report's body, in the order the migration runs.
pub enum Item<'a> {
    /// A Django migration's heading (release reports only).
    Migration(&'a ReleaseMigration),
    Statement(&'a StatementReport),
    Untimed(&'a UntimedStep),
}

/// The statements and untimed steps in the order they run; in a release, under the
/// heading of their migration (a migration with neither still gets its heading).
pub fn layout(report: &Report) -> Vec<Item<'_>> {
    let Some(release) = &report.release else {
        return interleave(
            report.statements.iter().collect(),
            report.untimed.iter().collect(),
        );
    };
    let mut items = Vec::new();
    for migration in &release.migrations {
        items.push(Item::Migration(migration));
        let statements = report
            .statements
            .iter()
            .filter(|s| s.file == migration.file);
        let untimed = report.untimed.iter().filter(|u| u.file == migration.file);
        items.extend(interleave(statements.collect(), untimed.collect()));
    }
    // Anything from a file no migration names (none, when the report is whole).
    let files: Vec<&str> = release.migrations.iter().map(|m| m.file.as_str()).collect();
    let statements = report
        .statements
        .iter()
        .filter(|s| !files.contains(&s.file.as_str()));
    let untimed = report
        .untimed
        .iter()
        .filter(|u| !files.contains(&u.file.as_str()));
    items.extend(interleave(statements.collect(), untimed.collect()));
    items
}

/// Statements with each untimed step before the first statement that runs after it.
fn interleave<'a>(
    statements: Vec<&'a StatementReport>,
    untimed: Vec<&'a UntimedStep>,
) -> Vec<Item<'a>> {
    let mut items = Vec::new();
    let mut steps = untimed.into_iter().peekable();
    for statement in statements {
        while let Some(step) = steps.next_if(|u| u.after_statement <= statement.index) {
            items.push(Item::Untimed(step));
        }
        items.push(Item::Statement(statement));
    }
    items.extend(steps.map(Item::Untimed));
    items
}

/// The two timeouts of a release, in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    /// GoCD's job timeout for a bare `migrate` (an inactivity timeout): covers the
    /// longest statement, which prints nothing while it runs. None when an untimed step
    /// without allowance may be longer.
    pub inactivity_minutes: Option<u64>,
    /// The longest timed step: (1-based statement number, high seconds).
    pub longest: Option<(usize, f64)>,
    /// The release's wall-clock high (the total's high end, untimed steps at their
    /// allowance), with the same margin; None when untimed steps have no allowance.
    pub wall_clock_minutes: Option<u64>,
    /// The wall-clock high without margin, in seconds.
    pub total_high_seconds: Option<f64>,
}

fn with_margin(seconds: f64) -> u64 {
    ((seconds * TIMEOUT_FACTOR + TIMEOUT_EXTRA_SECONDS) / 60.0)
        .ceil()
        .max(1.0) as u64
}

pub fn timeouts(report: &Report) -> Timeouts {
    // A statement routed through pt-osc prints its progress every 30 s: it is never the
    // silent one, whatever it lasts.
    let longest = report
        .statements
        .iter()
        .filter(|s| !super::route::is_routed(s))
        .map(|s| (s.index + 1, s.estimate.seconds_high))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let longest_seconds = longest.map_or(0.0, |l| l.1);
    let untimed_each = match (report.untimed.is_empty(), report.untimed_allowance_seconds) {
        (true, _) => Some(0.0),
        (false, allowance) => allowance,
    };
    let timed_high = super::route::total_high(report);
    let total_high = untimed_seconds(report).map(|extra| timed_high + extra);
    Timeouts {
        inactivity_minutes: untimed_each.map(|each| with_margin(longest_seconds.max(each))),
        longest,
        wall_clock_minutes: total_high.map(with_margin),
        total_high_seconds: total_high,
    }
}

/// The job timeout the older field `job_timeout_minutes` carries: the inactivity timeout,
/// from the longest timed statement when untimed steps leave it open.
pub fn job_timeout_minutes(report: &Report) -> u64 {
    let t = timeouts(report);
    t.inactivity_minutes
        .unwrap_or_else(|| with_margin(t.longest.map_or(0.0, |l| l.1)))
}

/// The release guidance's notes on the two timeouts.
pub fn timeout_notes(report: &Report) -> Vec<String> {
    let t = timeouts(report);
    let n = report.untimed.len();
    let longest = t.longest.map_or(String::new(), |(number, high)| {
        format!(" (statement {number}, up to {})", human_seconds(high))
    });
    let inactivity = match t.inactivity_minutes {
        Some(minutes) => format!(
            "Inactivity timeout for a bare `migrate`: at least {minutes} min. A CI job timeout in GoCD cancels a job that prints nothing for that long, and `migrate` prints nothing while one statement runs: it is sized from the longest statement{longest}, not from the total."
        ),
        None => format!(
            "Inactivity timeout for a bare `migrate`: at least {} min for the longest statement{longest}, but {} {} nothing for as long as {} and {} not timed: give --untimed-allowance, or time them and set the timeout above their longest.",
            job_timeout_minutes(report),
            untimed_count(n),
            if n == 1 { "prints" } else { "print" },
            if n == 1 { "it runs" } else { "they run" },
            if n == 1 { "was" } else { "were" }
        ),
    };
    let wall = match (t.wall_clock_minutes, t.total_high_seconds) {
        (Some(minutes), Some(high)) => format!(
            "Wall clock of the whole release: up to {}{}; allow {minutes} min for the deploy window (`ddl-eta watch` shows each statement's progress against it).",
            human_seconds(high),
            untimed_suffix(report)
        ),
        _ => format!(
            "Wall clock of the whole release: {}{}, open-ended until the untimed steps are timed (--untimed-allowance).",
            human_seconds(report.total.seconds_high),
            untimed_suffix(report)
        ),
    };
    vec![inactivity, wall]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::UntimedStep;

    fn saved_report() -> Report {
        serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
            .expect("fixture report parses")
    }

    fn python_step() -> UntimedStep {
        UntimedStep {
            file: "courses/migrations/0004_fill_level.py".into(),
            line: 18,
            description: "Raw Python operation".into(),
            after_statement: 1,
        }
    }

    #[test]
    fn the_inactivity_timeout_follows_the_longest_statement_not_the_total() {
        let report = saved_report();
        let t = timeouts(&report);
        let (number, longest) = t.longest.expect("statements");
        assert!(
            longest < report.total.seconds_high,
            "the fixture has several long statements"
        );
        assert_eq!(t.inactivity_minutes, Some(with_margin(longest)));
        assert_eq!(
            t.wall_clock_minutes,
            Some(with_margin(report.total.seconds_high))
        );
        assert!(t.inactivity_minutes < t.wall_clock_minutes);
        let notes = timeout_notes(&report);
        assert!(
            notes[0].contains(&format!("statement {number}")),
            "{}",
            notes[0]
        );
        assert!(notes[0].contains("not from the total"), "{}", notes[0]);
    }

    #[test]
    fn untimed_steps_are_never_zero_and_an_allowance_counts_them() {
        let mut report = saved_report();
        report.untimed = vec![python_step(), python_step()];
        let (p50, interval) = total_words(&report);
        assert!(p50.ends_with(" + 2 untimed steps"), "{p50}");
        assert!(interval.ends_with(" + 2 untimed steps"), "{interval}");
        assert_eq!(timeouts(&report).inactivity_minutes, None);
        assert_eq!(timeouts(&report).wall_clock_minutes, None);
        assert!(timeout_notes(&report)[0].contains("2 untimed steps"));

        report.untimed_allowance_seconds = Some(300.0);
        assert_eq!(
            total(&report).seconds_high,
            report.total.seconds_high + 600.0
        );
        let (p50, _) = total_words(&report);
        assert!(
            p50.contains("incl. 2 untimed steps at 5 min 00 s each"),
            "{p50}"
        );
        assert!(timeouts(&report).wall_clock_minutes.is_some());
    }
}
