//! The migration-review checklist, answered from the report: data loss, performance,
//! table size, write load, duration, blocking, backward compatibility, each with the
//! evidence behind the answer. Also the release guidance that follows from them.

use super::{
    human_seconds, ChecklistItem, Guidance, Question, Report, StatementReport, TypeCheck,
    TypeVerdict,
};
use crate::ddl::{Algorithm, LockLevel};
use crate::migration::Operation;

/// A table this large makes every rebuild and index build a release event.
const LARGE_TABLE_ROWS: u64 = 1_000_000;
/// A table written this often queues many writes behind any lock.
const BUSY_WRITES_PER_SECOND: f64 = 10.0;
/// Writes blocked for less than this are the brief locks of an online change.
const NOTICEABLE_BLOCK_SECONDS: f64 = 1.0;
/// Blocking writes for longer than this is worth an online schema change tool.
pub const ONLINE_TOOL_ADVICE_SECONDS: f64 = 5.0;
/// The bound on a metadata-lock wait: long enough for a DDL to get its lock on a healthy
/// server, short enough that queries queued behind a waiting DDL do not pile up for long.
pub const LOCK_WAIT_TIMEOUT_SECONDS: u64 = 5;

/// Seconds (high end of the interval) during which a statement blocks writes: as the probe
/// measured and extrapolated it; without a probe, the whole run when the server takes a
/// shared or exclusive lock (production's, where known), else only brief metadata locks.
pub fn writes_blocked_high(statement: &StatementReport) -> f64 {
    super::route::writes_blocked_high(statement)
        .unwrap_or_else(|| native_writes_blocked_high(statement))
}

/// `writes_blocked_high` for the native ALTER, whatever the route.
pub fn native_writes_blocked_high(statement: &StatementReport) -> f64 {
    if let Some(blocking) = &statement.blocking {
        return blocking.writes_blocked_seconds.seconds_high;
    }
    let (algorithm, lock) = match &statement.production {
        Some(production) => (production.algorithm, production.lock),
        None => (statement.algorithm, statement.lock),
    };
    let blocks_writes = matches!(lock, Some(LockLevel::Shared | LockLevel::Exclusive))
        || algorithm == Some(Algorithm::Copy);
    if blocks_writes {
        statement.estimate.seconds_high
    } else {
        0.0
    }
}

pub fn build(report: &Report) -> Vec<ChecklistItem> {
    vec![
        data_loss(report),
        performance(report),
        table_size(report),
        write_load(report),
        duration(report),
        blocking(report),
        compatibility(report),
    ]
}

fn item(question: Question, answer: &str, evidence: String) -> ChecklistItem {
    ChecklistItem {
        code: Some(question),
        // Kept in the JSON for readers of schema_version 1; the code is what identifies
        // the question, and the renderers take the words from it.
        question: super::words::question(question).to_string(),
        answer: answer.to_string(),
        evidence,
    }
}

fn statements_with<'a>(
    report: &'a Report,
    operations: &'a [Operation],
) -> impl Iterator<Item = &'a StatementReport> + 'a {
    report.statements.iter().filter(move |s| {
        operations.contains(&s.operation) || s.clauses.iter().any(|c| operations.contains(c))
    })
}

fn numbered(statements: Vec<&StatementReport>, what: &str) -> String {
    statements
        .iter()
        .map(|s| format!("statement {} {what}", s.index + 1))
        .collect::<Vec<_>>()
        .join("; ")
}

fn data_loss(report: &Report) -> ChecklistItem {
    let question = Question::DataLoss;
    let drops: Vec<_> =
        statements_with(report, &[Operation::DropColumn, Operation::DropTable]).collect();
    if !drops.is_empty() {
        return item(question, "yes", numbered(drops, "drops a column or table"));
    }
    let changes: Vec<_> = statements_with(
        report,
        &[Operation::ModifyColumn, Operation::ConvertCharset],
    )
    .collect();
    if changes.is_empty() {
        return item(
            question,
            "no",
            "no statement drops, narrows or converts anything".into(),
        );
    }
    // With the schema in hand, the linter's type comparison answers.
    let checked: Vec<(&StatementReport, &TypeCheck)> = changes
        .iter()
        .filter_map(|s| Some((*s, s.type_check.as_ref()?)))
        .collect();
    if checked.len() < changes.len() {
        return item(
            question,
            "possibly",
            numbered(changes, "changes a column's type or charset: `ddl-eta lint --schema` tells whether it narrows"),
        );
    }
    let findings = |verdict: TypeVerdict| -> Vec<String> {
        checked
            .iter()
            .filter(|(_, check)| check.verdict == verdict)
            .flat_map(|(s, check)| {
                check
                    .findings
                    .iter()
                    .map(move |f| format!("statement {}: {f}", s.index + 1))
            })
            .collect()
    };
    let narrows = findings(TypeVerdict::Narrows);
    if !narrows.is_empty() {
        return item(question, "yes", narrows.join("; "));
    }
    let unknown = findings(TypeVerdict::CannotTell);
    if !unknown.is_empty() {
        return item(question, "possibly", unknown.join("; "));
    }
    item(
        question,
        "no",
        numbered(
            changes,
            "changes a column's type or charset and keeps every value (checked against the schema)",
        ),
    )
}

fn performance(report: &Report) -> ChecklistItem {
    let question = Question::Performance;
    let heavy: Vec<&StatementReport> = report
        .statements
        .iter()
        .filter(|s| works_through_the_table(s))
        .collect();
    if heavy.is_empty() {
        return item(
            question,
            "no",
            "no statement rebuilds the table or builds an index".into(),
        );
    }
    let evidence = heavy
        .iter()
        .map(|s| {
            format!(
                "statement {} ({}, {}) reads and writes the whole table for ~{}",
                s.index + 1,
                s.operation.as_str(),
                s.algorithm.map_or("unknown algorithm", Algorithm::as_str),
                human_seconds(s.estimate.seconds_p50)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    item(question, "yes", evidence)
}

/// Whether a statement reads (and maybe rewrites) every row, known from the algorithm the
/// server used; a statement with no algorithm (not an ALTER) counts when it takes a second.
fn works_through_the_table(statement: &StatementReport) -> bool {
    match statement.algorithm {
        Some(_) => Algorithm::works_through_rows(statement.algorithm, statement.operation),
        None => statement.estimate.seconds_p50 >= 1.0,
    }
}

fn table_size(report: &Report) -> ChecklistItem {
    let question = Question::TableSize;
    let largest = report.tables.iter().max_by_key(|t| t.target_rows);
    match largest {
        Some(t) if t.target_rows >= LARGE_TABLE_ROWS => item(
            question,
            "yes",
            format!(
                "{} has {} rows",
                t.name,
                crate::text::group_digits(t.target_rows)
            ),
        ),
        Some(t) => item(
            question,
            "no",
            format!(
                "{} has {} rows",
                t.name,
                crate::text::group_digits(t.target_rows)
            ),
        ),
        None => item(question, "unknown", "no table in the report".into()),
    }
}

fn write_load(report: &Report) -> ChecklistItem {
    let question = Question::WriteLoad;
    let rates: Vec<(&str, f64)> = report
        .tables
        .iter()
        .filter_map(|t| Some((t.name.as_str(), t.write_rows_per_second?)))
        .collect();
    let Some(&(name, rate)) = rates.iter().max_by(|a, b| a.1.total_cmp(&b.1)) else {
        return item(
            question,
            "unknown",
            "no production write rate is known (give --write-rate, or --source where performance_schema measures it)".into(),
        );
    };
    let answer = if rate >= BUSY_WRITES_PER_SECOND {
        "yes"
    } else {
        "no"
    };
    item(
        question,
        answer,
        format!("{name} takes {rate:.0} row writes per second"),
    )
}

fn duration(report: &Report) -> ChecklistItem {
    let (p50, interval) = super::release::total_words(report);
    item(
        Question::Duration,
        &p50,
        format!(
            "{:.0}% interval {}, measured at up to {} rows and extrapolated",
            report.interval * 100.0,
            interval,
            crate::text::group_digits(report.ladder.scales.iter().copied().max().unwrap_or(0))
        ),
    )
}

fn blocking(report: &Report) -> ChecklistItem {
    let question = Question::Blocking;
    let blockers: Vec<&StatementReport> = report
        .statements
        .iter()
        // Under a second of blocked writes is the brief metadata locks every ALTER takes.
        .filter(|s| writes_blocked_high(s) >= NOTICEABLE_BLOCK_SECONDS)
        .collect();
    let routed = super::route::checklist_words(report);
    if blockers.is_empty() {
        let online = "every statement runs online: only a metadata lock at start and end, which queues queries if a long transaction holds the table";
        return item(question, "briefly", format!("{online}{routed}"));
    }
    let evidence = blockers
        .iter()
        .map(|s| {
            format!(
                "statement {} blocks writes (lock {}) for up to {}",
                s.index + 1,
                s.lock.map_or("unknown", LockLevel::as_str),
                human_seconds(writes_blocked_high(s))
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    item(question, "yes", format!("{evidence}{routed}"))
}

fn compatibility(report: &Report) -> ChecklistItem {
    let question = Question::Compatibility;
    let breaking: Vec<_> = statements_with(
        report,
        &[
            Operation::DropColumn,
            Operation::DropTable,
            Operation::RenameColumn,
            Operation::RenameTable,
        ],
    )
    .collect();
    if !breaking.is_empty() {
        return item(
            question,
            "no",
            numbered(
                breaking,
                "removes or renames something the running code may use",
            ),
        );
    }
    item(
        question,
        "yes",
        "nothing is dropped or renamed (`ddl-eta lint` also checks NOT NULL columns without a default)".into(),
    )
}

/// Advice for the release: a job timeout, a lock wait bound, and where an online schema
/// change tool is the better road.
pub fn guidance(report: &Report) -> Guidance {
    // GoCD's job timeout is an inactivity timeout: the longest silent statement sizes it.
    let job_timeout_minutes = super::release::job_timeout_minutes(report);
    let timeouts = super::release::timeouts(report);
    let online_schema_change: Vec<usize> = report
        .statements
        .iter()
        .filter(|s| writes_blocked_high(s) > ONLINE_TOOL_ADVICE_SECONDS)
        .map(|s| s.index + 1)
        .collect();
    let mut notes = super::release::timeout_notes(report);
    notes.extend([
        format!(
            "Run `SET SESSION lock_wait_timeout = {LOCK_WAIT_TIMEOUT_SECONDS}` before the migration: a DDL waiting for a metadata lock makes every later query on the table wait behind it; bounded, it fails fast and can be retried."
        ),
    ]);
    if !online_schema_change.is_empty() {
        notes.push(format!(
            "Statements {online_schema_change:?} block writes for more than {ONLINE_TOOL_ADVICE_SECONDS:.0} s: consider pt-online-schema-change or gh-ost."
        ));
    }
    notes.extend(super::route::notes(report));
    Guidance {
        job_timeout_minutes,
        inactivity_timeout_minutes: timeouts.inactivity_minutes,
        wall_clock_minutes: timeouts.wall_clock_minutes,
        lock_wait_timeout_seconds: LOCK_WAIT_TIMEOUT_SECONDS,
        online_schema_change,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved_report() -> Report {
        serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
            .expect("fixture report parses")
    }

    fn answer(report: &Report, question: &str) -> (String, String) {
        let item = build(report)
            .into_iter()
            .find(|i| i.question == question)
            .expect("question asked");
        (item.answer, item.evidence)
    }

    #[test]
    fn with_the_schema_in_hand_data_loss_answers_from_the_type_comparison() {
        let mut report = saved_report();
        report
            .statements
            .retain(|s| !matches!(s.operation, Operation::DropColumn | Operation::DropTable));
        for s in &mut report.statements {
            s.type_check = None;
        }
        let question = "Will it lose data?";
        assert_eq!(answer(&report, question).0, "possibly");
        let narrowing = "`max_grade` on `t`: double to float keeps only about 7 significant digits";
        for s in &mut report.statements {
            s.type_check = Some(TypeCheck {
                verdict: TypeVerdict::Keeps,
                findings: Vec::new(),
            });
        }
        assert_eq!(answer(&report, question).0, "no");
        let modify = report
            .statements
            .iter_mut()
            .find(|s| s.operation == Operation::ModifyColumn)
            .expect("a MODIFY in the fixture");
        modify.type_check = Some(TypeCheck {
            verdict: TypeVerdict::Narrows,
            findings: vec![narrowing.to_string()],
        });
        let (answer_, evidence) = answer(&report, question);
        assert_eq!(answer_, "yes");
        assert!(evidence.contains(narrowing), "{evidence}");
    }

    #[test]
    fn a_known_write_rate_answers_whether_the_table_is_busy() {
        let mut report = saved_report();
        let question = "Is it busy (many writes)?";
        assert_eq!(answer(&report, question).0, "unknown");
        report.tables[0].write_rows_per_second = Some(250.0);
        let (busy, evidence) = answer(&report, question);
        assert_eq!(busy, "yes");
        assert!(evidence.contains("250"), "{evidence}");
        report.tables[0].write_rows_per_second = Some(0.5);
        assert_eq!(answer(&report, question).0, "no");
    }

    #[test]
    fn a_copy_is_a_write_block_and_instant_changes_are_not() {
        let report = saved_report();
        let (blocks, evidence) = answer(&report, "Will it block queries?");
        assert_eq!(blocks, "yes");
        assert!(evidence.contains("statement 3"), "{evidence}");
        assert!(!evidence.contains("statement 1 "), "{evidence}");
    }
}
