//! The migration-review checklist, answered from the report: data loss, performance,
//! table size, write load, duration, blocking, backward compatibility, each with the rule and
//! statements the answer rests on, as codes (`words::checklist` writes them out). Also the
//! release guidance that follows from them.

use super::{Guidance, Report, StatementReport, TableReport, TypeVerdict};
use crate::ddl::{Algorithm, LockLevel};
use crate::migration::Operation;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Which question (absent in reports saved before the codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Question>,
    pub question: String,
    /// "yes", "no", "possibly", "unknown", or a duration for "How long will it run?".
    pub answer: String,
    pub evidence: String,
    /// The answer as a code (absent in reports saved before the codes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// The rule that gave the answer; `answer` and `evidence` are written from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// The statements the answer rests on, by their `index`.
    #[serde(default)]
    pub statements: Vec<usize>,
}

/// A checklist answer, as a code; `words::verdict` writes it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Yes,
    No,
    Possibly,
    /// Blocks only for the brief metadata locks at start and end.
    Briefly,
    Unknown,
    /// "How long will it run?": the answer is the release's total.
    Estimated,
    /// A code this version does not know (a report from a newer ddl-eta).
    #[serde(other)]
    Other,
}

/// Why the checklist answered as it did; each names the statements it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A statement drops a column or table.
    Drops,
    /// A type or charset change the schema was not in hand to check.
    TypeUnchecked,
    /// The type comparison found a value that cannot be kept.
    Narrows,
    /// The type comparison cannot tell (e.g. a type it does not know).
    CannotTell,
    /// Every changed type or charset keeps every value.
    KeepsValues,
    /// No statement drops, narrows or converts.
    ChangesNothing,
    /// Statements read (and maybe rewrite) every row.
    WorksThroughTable,
    NoTableWork,
    /// The largest table has at least a million rows.
    LargeTable,
    SmallTable,
    NoTable,
    /// A table takes at least ten row writes a second.
    BusyTable,
    QuietTable,
    NoWriteRate,
    /// The total measured and extrapolated.
    Measured,
    /// Statements block writes for a second or more.
    BlocksWrites,
    /// Every statement runs online.
    Online,
    /// Statements drop or rename what running code may use.
    Breaks,
    BreaksNothing,
    /// A code this version does not know (a report from a newer ddl-eta).
    #[serde(other)]
    Other,
}

/// The review checklist's questions, as codes; `words::question` writes them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    DataLoss,
    Performance,
    TableSize,
    WriteLoad,
    Duration,
    Blocking,
    Compatibility,
    /// A code this version does not know (a report from a newer ddl-eta).
    #[serde(other)]
    Other,
}

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
    [
        (Question::DataLoss, data_loss(report)),
        (Question::Performance, performance(report)),
        (Question::TableSize, table_size(report)),
        (Question::WriteLoad, write_load(report)),
        (Question::Duration, duration()),
        (Question::Blocking, blocking(report)),
        (Question::Compatibility, compatibility(report)),
    ]
    .into_iter()
    .map(|(question, answer)| item(report, question, answer))
    .collect()
}

/// One question's answer, as codes and statement indexes: the checklist's rules decide
/// it, `words::checklist` writes it out.
struct Answer {
    verdict: Verdict,
    reason: Reason,
    statements: Vec<usize>,
}

fn answer(verdict: Verdict, reason: Reason, statements: Vec<&StatementReport>) -> Answer {
    Answer {
        verdict,
        reason,
        statements: statements.iter().map(|s| s.index).collect(),
    }
}

fn item(report: &Report, question: Question, answer: Answer) -> ChecklistItem {
    let mut item = ChecklistItem {
        code: Some(question),
        // The words are kept in the JSON for readers of schema_version 1; the codes are
        // what identifies the answer, and the words are written from them.
        question: String::new(),
        answer: String::new(),
        evidence: String::new(),
        verdict: Some(answer.verdict),
        reason: Some(answer.reason),
        statements: answer.statements,
    };
    super::words::write_checklist_item(&mut item, report);
    item
}

fn statements_with<'a>(
    report: &'a Report,
    operations: &'a [Operation],
) -> impl Iterator<Item = &'a StatementReport> + 'a {
    report.statements.iter().filter(move |s| {
        operations.contains(&s.operation) || s.clauses.iter().any(|c| operations.contains(c))
    })
}

fn data_loss(report: &Report) -> Answer {
    let drops: Vec<_> =
        statements_with(report, &[Operation::DropColumn, Operation::DropTable]).collect();
    if !drops.is_empty() {
        return answer(Verdict::Yes, Reason::Drops, drops);
    }
    let changes: Vec<_> = statements_with(
        report,
        &[Operation::ModifyColumn, Operation::ConvertCharset],
    )
    .collect();
    if changes.is_empty() {
        return answer(Verdict::No, Reason::ChangesNothing, changes);
    }
    // With the schema in hand, the linter's type comparison answers.
    if changes.iter().any(|s| s.type_check.is_none()) {
        return answer(Verdict::Possibly, Reason::TypeUnchecked, changes);
    }
    let with = |verdict: TypeVerdict| -> Vec<&StatementReport> {
        changes
            .iter()
            .copied()
            .filter(|s| s.type_check.as_ref().is_some_and(|c| c.verdict == verdict))
            .collect()
    };
    let narrows = with(TypeVerdict::Narrows);
    if !narrows.is_empty() {
        return answer(Verdict::Yes, Reason::Narrows, narrows);
    }
    let unknown = with(TypeVerdict::CannotTell);
    if !unknown.is_empty() {
        return answer(Verdict::Possibly, Reason::CannotTell, unknown);
    }
    answer(Verdict::No, Reason::KeepsValues, changes)
}

fn performance(report: &Report) -> Answer {
    let heavy: Vec<&StatementReport> = report
        .statements
        .iter()
        .filter(|s| works_through_the_table(s))
        .collect();
    if heavy.is_empty() {
        return answer(Verdict::No, Reason::NoTableWork, heavy);
    }
    answer(Verdict::Yes, Reason::WorksThroughTable, heavy)
}

/// Whether a statement reads (and maybe rewrites) every row, known from the algorithm the
/// server used; a statement with no algorithm (not an ALTER) counts when it takes a second.
fn works_through_the_table(statement: &StatementReport) -> bool {
    match statement.algorithm {
        Some(_) => Algorithm::works_through_rows(statement.algorithm, statement.operation),
        None => statement.estimate.seconds_p50 >= 1.0,
    }
}

/// The table with the most rows at production size: the one the size question is about.
pub(super) fn largest_table(report: &Report) -> Option<&TableReport> {
    report.tables.iter().max_by_key(|t| t.target_rows)
}

fn table_size(report: &Report) -> Answer {
    match largest_table(report) {
        Some(t) if t.target_rows >= LARGE_TABLE_ROWS => {
            answer(Verdict::Yes, Reason::LargeTable, Vec::new())
        }
        Some(_) => answer(Verdict::No, Reason::SmallTable, Vec::new()),
        None => answer(Verdict::Unknown, Reason::NoTable, Vec::new()),
    }
}

/// The table written most often on production, with its rows written per second, where
/// any rate is known.
pub(super) fn busiest_table(report: &Report) -> Option<(&str, f64)> {
    report
        .tables
        .iter()
        .filter_map(|t| Some((t.name.as_str(), t.write_rows_per_second?)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

fn write_load(report: &Report) -> Answer {
    match busiest_table(report) {
        None => answer(Verdict::Unknown, Reason::NoWriteRate, Vec::new()),
        Some((_, rate)) if rate >= BUSY_WRITES_PER_SECOND => {
            answer(Verdict::Yes, Reason::BusyTable, Vec::new())
        }
        Some(_) => answer(Verdict::No, Reason::QuietTable, Vec::new()),
    }
}

fn duration() -> Answer {
    answer(Verdict::Estimated, Reason::Measured, Vec::new())
}

/// Statements that block writes long enough to notice: under a second of blocked writes
/// is the brief metadata locks every ALTER takes.
pub(super) fn blocks_writes(statement: &StatementReport) -> bool {
    writes_blocked_high(statement) >= NOTICEABLE_BLOCK_SECONDS
}

fn blocking(report: &Report) -> Answer {
    let blockers: Vec<&StatementReport> = report
        .statements
        .iter()
        .filter(|s| blocks_writes(s))
        .collect();
    if blockers.is_empty() {
        return answer(Verdict::Briefly, Reason::Online, blockers);
    }
    answer(Verdict::Yes, Reason::BlocksWrites, blockers)
}

fn compatibility(report: &Report) -> Answer {
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
    if breaking.is_empty() {
        return answer(Verdict::Yes, Reason::BreaksNothing, breaking);
    }
    answer(Verdict::No, Reason::Breaks, breaking)
}

/// Advice for the release: a job timeout, a lock wait bound, and where an online schema
/// change tool is the better road.
pub fn guidance(report: &Report) -> Guidance {
    // GoCD's job timeout is an inactivity timeout: the longest silent migration sizes it.
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
        job_timeout_open: timeouts.inactivity_minutes.is_none(),
        wall_clock_minutes: timeouts.wall_clock_minutes,
        lock_wait_timeout_seconds: LOCK_WAIT_TIMEOUT_SECONDS,
        online_schema_change,
        notes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TypeCheck;

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

    #[test]
    fn answers_are_codes_with_the_statements_they_rest_on() {
        let report = saved_report();
        let items = build(&report);
        let blocking = items
            .iter()
            .find(|i| i.code == Some(Question::Blocking))
            .expect("blocking asked");
        assert_eq!(blocking.verdict, Some(Verdict::Yes));
        assert_eq!(blocking.reason, Some(Reason::BlocksWrites));
        assert!(
            blocking.statements.contains(&2),
            "{:?}",
            blocking.statements
        );
        let json = serde_json::to_value(blocking).expect("serializes");
        assert_eq!(json["verdict"], "yes");
        assert_eq!(json["reason"], "blocks_writes");
        // Every statement the evidence names is in the codes, and no other.
        for s in &report.statements {
            let named = blocking
                .evidence
                .contains(&format!("statement {} ", s.index + 1));
            assert_eq!(
                named,
                blocking.statements.contains(&s.index),
                "{}",
                blocking.evidence
            );
        }
    }

    #[test]
    fn codes_from_a_newer_ddl_eta_keep_their_saved_words() {
        let report = saved_report();
        let mut item: ChecklistItem = serde_json::from_str(
            r#"{"code":"data_loss","question":"Will it lose data?","answer":"perhaps",
                "evidence":"saved words","verdict":"perhaps","reason":"a_later_rule","statements":[0]}"#,
        )
        .expect("an item with unknown codes parses");
        assert_eq!(item.verdict, Some(Verdict::Other));
        assert_eq!(item.reason, Some(Reason::Other));
        crate::report::words::write_checklist_item(&mut item, &report);
        assert_eq!(
            (item.answer.as_str(), item.evidence.as_str()),
            ("perhaps", "saved words")
        );
    }

    #[test]
    fn every_answer_code_is_documented() {
        use Reason::*;
        let reasons = [
            Drops,
            TypeUnchecked,
            Narrows,
            CannotTell,
            KeepsValues,
            ChangesNothing,
            WorksThroughTable,
            NoTableWork,
            LargeTable,
            SmallTable,
            NoTable,
            BusyTable,
            QuietTable,
            NoWriteRate,
            Measured,
            BlocksWrites,
            Online,
            Breaks,
            BreaksNothing,
        ];
        // Fails to compile when a reason is added: add it to the list above and the docs.
        for reason in reasons {
            match reason {
                Drops | TypeUnchecked | Narrows | CannotTell | KeepsValues | ChangesNothing
                | WorksThroughTable | NoTableWork | LargeTable | SmallTable | NoTable
                | BusyTable | QuietTable | NoWriteRate | Measured | BlocksWrites | Online
                | Breaks | BreaksNothing | Other => {}
            }
        }
        let docs = include_str!("../../docs/reports.md");
        let verdicts = [
            Verdict::Yes,
            Verdict::No,
            Verdict::Possibly,
            Verdict::Briefly,
            Verdict::Unknown,
            Verdict::Estimated,
        ];
        let codes = reasons
            .iter()
            .map(serde_json::to_value)
            .chain(verdicts.iter().map(serde_json::to_value));
        for code in codes {
            let code = code.expect("a code serializes");
            let code = code.as_str().expect("a code is a string");
            assert!(
                docs.contains(&format!("`{code}`")),
                "docs/reports.md lacks `{code}`"
            );
        }
    }
}
