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
    /// How the migrations were chosen: "unapplied", "since", "listed" or "files".
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

/// A stretch a bare `migrate` runs without printing. Django writes "Applying
/// app.0004_x..." when a migration starts and "OK" when it ends, nothing between (a client
/// fed a .sql file prints nothing either), so a stretch is one migration file: its
/// statements (one routed through pt-osc runs apart, printing every 30 s, and is left out)
/// and its untimed steps.
#[derive(Debug, Clone, PartialEq)]
pub struct SilentStretch {
    pub file: String,
    /// Its timed statements, 1-based, in order.
    pub statements: Vec<usize>,
    pub untimed: usize,
    /// Its statements' high ends summed, at most the release's timed high (a part of the
    /// release takes no longer than the whole).
    pub timed_high_seconds: f64,
}

impl SilentStretch {
    /// The stretch's high with its untimed steps at `each`; None where it has some and
    /// there is no allowance.
    fn high_seconds(&self, each: Option<f64>) -> Option<f64> {
        match self.untimed {
            0 => Some(self.timed_high_seconds),
            n => Some(self.timed_high_seconds + each? * n as f64),
        }
    }

    /// "statement 3", "statements 1-4", "statements 2, 5".
    fn statements_words(&self) -> String {
        match self.statements.as_slice() {
            [] => "no timed statement".to_string(),
            [one] => format!("statement {one}"),
            [first, .., last] if last - first + 1 == self.statements.len() => {
                format!("statements {first}-{last}")
            }
            all => {
                let numbers: Vec<String> = all.iter().map(|n| n.to_string()).collect();
                format!("statements {}", numbers.join(", "))
            }
        }
    }
}

/// The report's silent stretches, in the order their files first appear.
pub fn silent_stretches(report: &Report) -> Vec<SilentStretch> {
    let cap = super::route::total_high(report);
    let mut stretches: Vec<SilentStretch> = Vec::new();
    for statement in &report.statements {
        let stretch = stretch_of(&mut stretches, &statement.file);
        if !super::route::is_routed(statement) {
            stretch.statements.push(statement.index + 1);
            stretch.timed_high_seconds += statement.estimate.seconds_high;
        }
    }
    for step in &report.untimed {
        stretch_of(&mut stretches, &step.file).untimed += 1;
    }
    for stretch in &mut stretches {
        stretch.timed_high_seconds = stretch.timed_high_seconds.min(cap);
    }
    stretches
}

/// The stretch of `file`, made empty the first time the file is seen.
fn stretch_of<'a>(stretches: &'a mut Vec<SilentStretch>, file: &str) -> &'a mut SilentStretch {
    let at = match stretches.iter().position(|s| s.file == file) {
        Some(at) => at,
        None => {
            stretches.push(SilentStretch {
                file: file.to_string(),
                statements: Vec::new(),
                untimed: 0,
                timed_high_seconds: 0.0,
            });
            stretches.len() - 1
        }
    };
    &mut stretches[at]
}

/// The two timeouts of a release, in whole minutes.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeouts {
    /// GoCD's job timeout for a bare `migrate` (an inactivity timeout): covers the
    /// longest silent stretch, a whole migration. None when an untimed step without
    /// allowance may make one longer.
    pub inactivity_minutes: Option<u64>,
    /// The silent stretch whose timed part is the longest.
    pub longest: Option<SilentStretch>,
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
    let stretches = silent_stretches(report);
    let each = report.untimed_allowance_seconds;
    let inactivity = stretches
        .iter()
        .map(|s| s.high_seconds(each))
        .try_fold(0.0, |longest: f64, high| Some(longest.max(high?)));
    let longest = stretches
        .into_iter()
        .max_by(|a, b| a.timed_high_seconds.total_cmp(&b.timed_high_seconds));
    let timed_high = super::route::total_high(report);
    let total_high = untimed_seconds(report).map(|extra| timed_high + extra);
    Timeouts {
        inactivity_minutes: inactivity.map(with_margin),
        longest,
        wall_clock_minutes: total_high.map(with_margin),
        total_high_seconds: total_high,
    }
}

/// The job timeout the older field `job_timeout_minutes` carries: the inactivity timeout,
/// from the timed part of the longest silent stretch when untimed steps leave it open (a
/// lower bound then: the notes say so).
pub fn job_timeout_minutes(report: &Report) -> u64 {
    let t = timeouts(report);
    t.inactivity_minutes
        .unwrap_or_else(|| with_margin(t.longest.map_or(0.0, |l| l.timed_high_seconds)))
}

/// The release guidance's notes on the two timeouts.
pub fn timeout_notes(report: &Report) -> Vec<String> {
    let t = timeouts(report);
    let n = report.untimed.len();
    let longest = t.longest.as_ref().map_or(String::new(), |l| {
        format!(
            " ({}: {}, up to {})",
            l.file,
            l.statements_words(),
            human_seconds(l.timed_high_seconds)
        )
    });
    let inactivity = match t.inactivity_minutes {
        Some(minutes) => format!(
            "Inactivity timeout for a bare `migrate`: at least {minutes} min. A CI job timeout in GoCD cancels a job that prints nothing for that long, and `migrate` prints a line when a migration starts and one when it ends, nothing between: it is sized from the longest migration{longest}, not from the total."
        ),
        None => format!(
            "Inactivity timeout for a bare `migrate`: at least {} min for the longest migration's statements{longest}, but {} {} nothing for as long as {} and {} not timed: give --untimed-allowance, or time them and set the timeout above their migration's whole length.",
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
    fn the_inactivity_timeout_covers_the_longest_migration_not_one_statement() {
        // The fixture's six statements come from one file: `migrate` is silent for all
        // of them, so the timeout is the whole migration's (the release's high).
        let report = saved_report();
        let t = timeouts(&report);
        let whole = crate::report::route::total_high(&report);
        assert_eq!(t.inactivity_minutes, Some(with_margin(whole)));
        assert_eq!(t.inactivity_minutes, t.wall_clock_minutes);
        let notes = timeout_notes(&report);
        assert!(notes[0].contains("statements 1-6"), "{}", notes[0]);

        // Split in two migrations: the longer one sizes it, below the total.
        let mut report = saved_report();
        for statement in report.statements.iter_mut().skip(3) {
            statement.file = "app/migrations/0020_more.py".to_string();
        }
        let first: f64 = report.statements[..3]
            .iter()
            .map(|s| s.estimate.seconds_high)
            .sum();
        let second: f64 = report.statements[3..]
            .iter()
            .map(|s| s.estimate.seconds_high)
            .sum();
        assert!(first > second, "the fixture's first three are the longer");
        let t = timeouts(&report);
        assert_eq!(t.inactivity_minutes, Some(with_margin(first.min(whole))));
        assert!(t.inactivity_minutes < t.wall_clock_minutes);
        let longest_statement = report
            .statements
            .iter()
            .map(|s| s.estimate.seconds_high)
            .fold(0.0, f64::max);
        assert!(t.inactivity_minutes > Some(with_margin(longest_statement)));
        let notes = timeout_notes(&report);
        assert!(notes[0].contains("statements 1-3"), "{}", notes[0]);
        assert!(notes[0].contains("not from the total"), "{}", notes[0]);
    }

    #[test]
    fn an_untimed_step_counts_in_its_own_migration_s_stretch() {
        let mut report = saved_report();
        for statement in report.statements.iter_mut().skip(3) {
            statement.file = "courses/migrations/0004_fill_level.py".to_string();
        }
        report.untimed = vec![python_step()];
        // Five and a half hours: longer than the first migration's statements.
        report.untimed_allowance_seconds = Some(20_000.0);
        let stretches = silent_stretches(&report);
        assert_eq!(stretches.len(), 2);
        assert_eq!(
            (stretches[1].statements.clone(), stretches[1].untimed),
            (vec![4, 5, 6], 1)
        );
        let second: f64 = report.statements[3..]
            .iter()
            .map(|s| s.estimate.seconds_high)
            .sum();
        let first: f64 = report.statements[..3]
            .iter()
            .map(|s| s.estimate.seconds_high)
            .sum();
        assert!(second + 20_000.0 > first);
        let expected = first.max(second + 20_000.0);
        assert_eq!(
            timeouts(&report).inactivity_minutes,
            Some(with_margin(expected))
        );
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
