//! The review checklist in words: each question, its answer and the evidence, written from
//! the codes and statement indexes `report::checklist` decided and the report's numbers.

use crate::ddl::{Algorithm, LockLevel};
use crate::report::checklist::{busiest_table, largest_table, writes_blocked_high};
use crate::report::{
    ChecklistItem, Question, Reason, Report, StatementReport, TypeVerdict, Verdict,
};
use crate::text::{group_digits, human_seconds};

/// Writes an item's question, answer and evidence from its codes (an item without codes,
/// from a report saved before them, keeps its words).
pub fn write_checklist_item(item: &mut ChecklistItem, report: &Report) {
    if let Some(code) = item.code {
        item.question = question(code).to_string();
    }
    if let Some(verdict) = item.verdict.filter(|v| *v != Verdict::Other) {
        item.answer = answer(verdict, report);
    }
    if let Some(reason) = item.reason.filter(|r| *r != Reason::Other) {
        item.evidence = evidence(reason, &item.statements, report);
    }
}

/// The words of a checklist item's question: from its code, else as saved.
pub fn checklist_question(item: &ChecklistItem) -> &str {
    match item.code {
        Some(code) if code != Question::Other => question(code),
        _ => &item.question,
    }
}

/// A checklist question, as the review asks it.
pub fn question(question: Question) -> &'static str {
    match question {
        Question::DataLoss => "Will it lose data?",
        Question::Performance => "Will it hurt performance?",
        Question::TableSize => "Is the table large?",
        Question::WriteLoad => "Is it busy (many writes)?",
        Question::Duration => "How long will it run?",
        Question::Blocking => "Will it block queries?",
        Question::Compatibility => "Is it backward compatible?",
        Question::Other => "Another question",
    }
}

fn answer(verdict: Verdict, report: &Report) -> String {
    match verdict {
        Verdict::Yes => "yes".into(),
        Verdict::No => "no".into(),
        Verdict::Possibly => "possibly".into(),
        Verdict::Briefly => "briefly".into(),
        Verdict::Unknown | Verdict::Other => "unknown".into(),
        Verdict::Estimated => crate::report::release::total_words(report).0,
    }
}

fn evidence(reason: Reason, indexes: &[usize], report: &Report) -> String {
    let statements: Vec<&StatementReport> = indexes
        .iter()
        .filter_map(|&i| report.statements.iter().find(|s| s.index == i))
        .collect();
    let each = |what: &dyn Fn(&StatementReport) -> String| -> String {
        statements
            .iter()
            .map(|s| what(s))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let numbered = |what: &str| each(&|s| format!("statement {} {what}", s.index + 1));
    match reason {
        Reason::Drops => numbered("drops a column or table"),
        Reason::TypeUnchecked => numbered(
            "changes a column's type or charset: `ddl-eta lint --schema` tells whether it narrows",
        ),
        Reason::Narrows => type_findings(&statements, TypeVerdict::Narrows),
        Reason::CannotTell => type_findings(&statements, TypeVerdict::CannotTell),
        Reason::KeepsValues => numbered(
            "changes a column's type or charset and keeps every value (checked against the schema)",
        ),
        Reason::ChangesNothing => "no statement drops, narrows or converts anything".into(),
        Reason::WorksThroughTable => each(&|s| {
            format!(
                "statement {} ({}, {}) reads and writes the whole table for ~{}",
                s.index + 1,
                s.operation.as_str(),
                s.algorithm.map_or("unknown algorithm", Algorithm::as_str),
                human_seconds(s.estimate.seconds_p50)
            )
        }),
        Reason::NoTableWork => "no statement rebuilds the table or builds an index".into(),
        Reason::LargeTable | Reason::SmallTable => largest_table(report).map_or_else(
            || "no table in the report".into(),
            |t| format!("{} has {} rows", t.name, group_digits(t.target_rows)),
        ),
        Reason::NoTable => "no table in the report".into(),
        Reason::BusyTable | Reason::QuietTable => busiest_table(report).map_or_else(
            || no_write_rate().into(),
            |(name, rate)| format!("{name} takes {rate:.0} row writes per second"),
        ),
        Reason::NoWriteRate => no_write_rate().into(),
        Reason::Measured => format!(
            "{:.0}% interval {}, measured at up to {} rows and extrapolated",
            report.interval * 100.0,
            crate::report::release::total_words(report).1,
            group_digits(report.ladder.scales.iter().copied().max().unwrap_or(0))
        ),
        Reason::BlocksWrites => {
            let blocked = each(&|s| {
                format!(
                    "statement {} blocks writes (lock {}) for up to {}",
                    s.index + 1,
                    s.lock.map_or("unknown", LockLevel::as_str),
                    human_seconds(writes_blocked_high(s))
                )
            });
            format!("{blocked}{}", crate::report::route::checklist_words(report))
        }
        Reason::Online => format!(
            "every statement runs online: only a metadata lock at start and end, which queues queries if a long transaction holds the table{}",
            crate::report::route::checklist_words(report)
        ),
        Reason::Breaks => numbered("removes or renames something the running code may use"),
        Reason::BreaksNothing => "nothing is dropped or renamed (`ddl-eta lint` also checks NOT NULL columns without a default)".into(),
        Reason::Other => String::new(),
    }
}

/// The linter's findings behind a type verdict: "statement 3: `max_grade` on `t`: ...".
fn type_findings(statements: &[&StatementReport], verdict: TypeVerdict) -> String {
    statements
        .iter()
        .filter_map(|s| Some((s, s.type_check.as_ref()?)))
        .filter(|(_, check)| check.verdict == verdict)
        .flat_map(|(s, check)| {
            check
                .findings
                .iter()
                .map(move |f| format!("statement {}: {f}", s.index + 1))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn no_write_rate() -> &'static str {
    "no production write rate is known (give --write-rate, or --source where performance_schema measures it)"
}
