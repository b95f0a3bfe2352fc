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
    if let Some(note) = series_note(report) {
        let _ = writeln!(out, "{note}\n");
    }
    let _ = writeln!(out, "{}", summary(report));
    out
}

/// One line for a target named without patch level: the releases of its series where the
/// rules for these statements change, with the rules that apply from there on.
fn series_note(report: &LintReport) -> Option<String> {
    let mut at: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in &report.series_changes {
        let rule = c.change.rule.as_str();
        match at.iter_mut().find(|(from, _)| *from == c.change.from) {
            Some((_, rules)) if !rules.contains(&rule) => rules.push(rule),
            Some(_) => {}
            None => at.push((c.change.from.as_str(), vec![rule])),
        }
    }
    if at.is_empty() {
        return None;
    }
    at.sort_by(|a, b| {
        let parts = |v: &str| -> Vec<u32> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
        parts(a.0).cmp(&parts(b.0))
    });
    let listed: Vec<String> = at
        .iter()
        .map(|(from, rules)| format!("from {from}: {}", rules.join(", ")))
        .collect();
    let mut statements: Vec<usize> = report
        .series_changes
        .iter()
        .map(|c| c.statement_index)
        .collect();
    statements.dedup();
    let count = match statements.len() {
        1 => "1 statement".to_string(),
        n => format!("{n} statements"),
    };
    Some(format!(
        "note: {} is the newest release of its series; older releases answer otherwise for {count} ({}); give the exact version for an older server",
        report.target_server,
        listed.join("; ")
    ))
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
