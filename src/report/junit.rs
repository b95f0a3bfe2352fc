//! `--format junit`: the estimate as CI test results (GoCD, Jenkins, GitLab test tabs).
//! One test case per statement, failing when a per-statement gate (`--max-duration`,
//! `--max-write-block`) fires on it, and one for the gates over the whole migration
//! (`--max-distance`...). Without gates every case passes and carries its estimate.

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
    let fired = gate::check_whole(report, gates);
    cases.push(Case {
        classname: "ddl-eta estimate".to_string(),
        name: "the whole migration".to_string(),
        failure: failure(&fired),
        output: vec![format!(
            "total {} to {} (p50 {})",
            human_seconds(report.total.seconds_low),
            human_seconds(report.total.seconds_high),
            human_seconds(report.total.seconds_p50)
        )],
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
