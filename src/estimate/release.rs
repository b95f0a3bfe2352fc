//! What a release-sized estimate adds to the report: the steps that are not SQL (listed,
//! with the user's allowance per step when given) and how far each table's ladder got
//! when the budget is shared by many tables.

use crate::experiment::LadderSummary;
use crate::migration::NotSqlStep;
use crate::profile::Profile;
use crate::report::{checklist, Report, UntimedStep};
use std::time::Duration;

/// Put the untimed steps and the allowance into the report, and write its advice again.
pub fn annotate(report: &mut Report, steps: &[NotSqlStep], allowance: Option<Duration>) {
    report.untimed = steps
        .iter()
        .map(|s| UntimedStep {
            file: s.file.clone(),
            line: s.line,
            description: s.description.clone(),
            after_statement: s.after,
        })
        .collect();
    report.untimed_allowance_seconds = allowance.map(|a| a.as_secs_f64());
    report.guidance = Some(checklist::guidance(report));
    report.checklist = checklist::build(report);
}

/// Rows of a table of `production_rows` at the ladder's largest scale: every table is
/// seeded at the same fraction of production, the largest table's.
pub fn measured_rows(
    production_rows: u64,
    profile: &Profile,
    ladder: &LadderSummary,
) -> Option<u64> {
    let top = ladder.scales.iter().copied().max()?;
    let largest = profile.largest_rows().max(1);
    let fraction = (top as f64 / largest as f64).min(1.0);
    // The ladder gives every table at least one row.
    Some(((production_rows as f64 * fraction).round() as u64).clamp(1, production_rows.max(1)))
}
