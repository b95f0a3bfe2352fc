//! `--format text`: each finding with its place and statement, then once per rule that
//! fired why it matters and what to do instead, then a one-line summary.

use std::fmt::Write;

use super::LintReport;
use crate::lint::Finding;

pub fn render(report: &LintReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{}:{}: {} {} {}",
            f.file,
            f.line,
            f.level.as_str(),
            f.code,
            f.message
        );
        let _ = writeln!(out, "  | {}\n", f.statement);
    }
    let mut rules: Vec<&Finding> = Vec::new();
    for f in &report.findings {
        if !rules.iter().any(|r| r.code == f.code) {
            rules.push(f);
        }
    }
    rules.sort_by_key(|f| f.code);
    for f in rules {
        let _ = writeln!(out, "{} {}", f.code, f.rule);
        let _ = writeln!(out, "  why: {}", f.explanation);
        let _ = writeln!(out, "  instead: {}\n", f.alternative);
    }
    let _ = writeln!(out, "{}", summary(report));
    out
}

fn summary(report: &LintReport) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "{}, {} in {} (target {}",
        plural(report.errors, "error"),
        plural(report.warnings, "warning"),
        plural(report.statements, "statement"),
        report.target_server
    );
    line.push_str(match report.schema {
        Some(_) => ", with --schema",
        None => ", no --schema",
    });
    if report.ignored > 0 {
        let _ = write!(line, "; {} ignored", report.ignored);
    }
    line.push(')');
    line
}
