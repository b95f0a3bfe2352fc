//! `--format text`: each finding with its place, the statement, why it matters and what
//! to do instead, then a one-line summary.

use std::fmt::Write;

use super::LintReport;

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
        let _ = writeln!(out, "  | {}", f.statement);
        let _ = writeln!(out, "  = why: {}", f.explanation);
        let _ = writeln!(out, "  = instead: {}", f.alternative);
        out.push('\n');
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
