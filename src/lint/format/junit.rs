//! `--format junit`: one test case per finding, failing at error level (the findings that
//! make `lint` exit 3), and one for the whole run so a clean migration still shows a
//! passing test in the CI server's test tab.

use super::LintReport;
use crate::junit::{self, Case, Failure};
use crate::lint::Level;

pub fn render(report: &LintReport) -> String {
    let mut cases: Vec<Case> = report
        .findings
        .iter()
        .map(|f| {
            let detail = format!(
                "{}:{}: {}\n{}\nWhy: {}\nInstead: {}",
                f.file, f.line, f.message, f.statement, f.explanation, f.alternative
            );
            let name = format!("{} {} line {}", f.code, f.rule, f.line);
            let (failure, output) = match f.level {
                Level::Error => (
                    Some(Failure {
                        kind: f.code.to_string(),
                        message: f.message.clone(),
                        text: detail,
                    }),
                    Vec::new(),
                ),
                Level::Warning => (None, vec![format!("warning: {detail}")]),
            };
            Case {
                classname: f.file.clone(),
                name,
                file: Some(f.file.clone()),
                line: Some(f.line),
                failure,
                output,
            }
        })
        .collect();
    cases.push(Case {
        classname: "ddl-eta lint".to_string(),
        name: format!(
            "{} statements checked against {} (errors {}, warnings {}, ignored {})",
            report.statements, report.target_server, report.errors, report.warnings, report.ignored
        ),
        output: report.files.clone(),
        ..Case::default()
    });
    junit::render("ddl-eta lint", &cases)
}
