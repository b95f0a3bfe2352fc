//! `--format junit`: the estimate as CI test results (GoCD, Jenkins, GitLab test tabs).
//! One test case per statement, failing when a per-statement gate (`--max-duration`,
//! `--max-write-block`) fires on it, one per step that is not SQL (untimed, as every
//! format lists it), and one for the gates over the whole migration (`--max-distance`...),
//! whose total says what it leaves out. Without gates every case passes.

use super::gate::{self, Gates};
use super::{human_seconds, Report};
use crate::junit::{self, Case, Failure};

pub fn render(report: &Report, gates: &Gates) -> String {
    let mut cases: Vec<Case> = report
        .statements
        .iter()
        .map(|s| {
            let fired = gate::check_statement(s, gates);
            let e = &s.estimate;
            let mut output = vec![format!(
                "{} to {} (p50 {}) at {} rows",
                human_seconds(e.seconds_low),
                human_seconds(e.seconds_high),
                human_seconds(e.seconds_p50),
                e.rows
            )];
            if let Some(blocking) = &s.blocking {
                output.push(format!("blocks: {}", blocking.summary));
            }
            Case {
                classname: s.file.clone(),
                name: format!(
                    "statement {}: {}",
                    s.index + 1,
                    crate::text::one_line(&s.sql, 63)
                ),
                file: Some(s.file.clone()),
                line: Some(s.line),
                failure: failure(&fired),
                output,
            }
        })
        .collect();
    cases.extend(report.untimed.iter().map(|step| Case {
        classname: step.file.clone(),
        name: format!("not timed: {}", step.description),
        file: Some(step.file.clone()),
        line: Some(step.line),
        output: vec![super::release::untimed_line(step)],
        ..Case::default()
    }));
    let fired = gate::check_whole(report, gates);
    let (p50, interval) = super::release::total_words(report);
    cases.push(Case {
        classname: "ddl-eta estimate".to_string(),
        name: "the whole migration".to_string(),
        failure: failure(&fired),
        output: vec![format!("total {interval} (p50 {p50})")],
        ..Case::default()
    });
    junit::render("ddl-eta estimate", &cases)
}

fn failure(fired: &[String]) -> Option<Failure> {
    let first = fired.first()?;
    Some(Failure {
        kind: "gate".to_string(),
        message: first.clone(),
        text: fired.join("\n"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::UntimedStep;

    #[test]
    fn an_untimed_step_is_a_case_and_the_total_says_it_leaves_it_out() {
        let mut report: Report =
            serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
                .expect("fixture report parses");
        report.untimed = vec![UntimedStep {
            file: "courses/migrations/0004_fill_level.py".into(),
            line: 18,
            description: "Raw Python operation".into(),
            after_statement: 1,
        }];
        let xml = render(&report, &Gates::default());
        assert!(xml.contains("not timed: Raw Python operation"), "{xml}");
        assert!(xml.contains("+ 1 untimed step"), "{xml}");
    }
}
