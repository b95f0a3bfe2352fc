//! `--format markdown`: a report to paste into a pull request. The summary table first,
//! then the review checklist with its evidence, the release guidance and the assumptions.

use super::{blocks_summary, human_seconds, short_rows, words, Report};
use crate::text::or_dash;
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let percent = report.interval * 100.0;
    let _ = writeln!(out, "## ddl-eta: migration estimate\n");
    let tables: Vec<String> = report
        .tables
        .iter()
        .map(|t| {
            let size = super::words::table_size(short_rows(t.target_rows), t.input);
            format!("`{}` ({size})", t.name)
        })
        .collect();
    let _ = writeln!(
        out,
        "Measured in a {} {} sandbox; production size: {}.\n",
        report.sandbox.flavor,
        report.sandbox.version,
        tables.join(", ")
    );
    if let Some(source) = &report.source {
        let _ = writeln!(out, "Profile: {}.\n", super::words::profile_line(source));
    }
    let _ = writeln!(
        out,
        "| # | statement | algorithm | lock | duration (p50) | {percent:.0}% interval | blocks |"
    );
    let _ = writeln!(out, "| ---: | --- | --- | --- | ---: | --- | --- |");
    for s in &report.statements {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} .. {} | {} |",
            s.index + 1,
            cell(&s.sql, 70),
            or_dash(s.algorithm),
            or_dash(s.lock),
            human_seconds(s.estimate.seconds_p50),
            human_seconds(s.estimate.seconds_low),
            human_seconds(s.estimate.seconds_high),
            blocks_summary(s)
        );
    }
    for step in &report.untimed {
        let _ = writeln!(
            out,
            "| - | {} (not SQL) `{}:{}` | | | not timed | | |",
            step.description, step.file, step.line
        );
    }
    let (total, interval) = super::release::total_words(report);
    let _ = writeln!(out, "| | **total** | | | **{total}** | {interval} | |\n");
    write_release(&mut out, report);
    write_checklist(&mut out, report);
    write_guidance(&mut out, report);
    write_routes(&mut out, report);
    write_list(&mut out, "Assumptions", &report.assumptions);
    let mut warnings = report.warnings.clone();
    for s in &report.statements {
        warnings.extend(
            s.warnings
                .iter()
                .map(|w| format!("statement {}: {w}", s.index + 1)),
        );
    }
    write_list(&mut out, "Warnings", &warnings);
    out
}

fn write_checklist(out: &mut String, report: &Report) {
    if report.checklist.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Review checklist\n");
    let _ = writeln!(out, "| question | answer | evidence |");
    let _ = writeln!(out, "| --- | --- | --- |");
    for item in &report.checklist {
        let _ = writeln!(
            out,
            "| {} | **{}** | {} |",
            words::checklist_question(item),
            item.answer,
            escape(&item.evidence)
        );
    }
    out.push('\n');
}

fn write_guidance(out: &mut String, report: &Report) {
    let Some(guidance) = &report.guidance else {
        return;
    };
    let _ = writeln!(out, "### Release guidance\n");
    let _ = writeln!(
        out,
        "- CI/CD job timeout: **{}**",
        guidance.job_timeout_words()
    );
    let _ = writeln!(
        out,
        "- Migration session: `SET SESSION lock_wait_timeout = {};`",
        guidance.lock_wait_timeout_seconds
    );
    for note in &guidance.notes {
        let _ = writeln!(out, "- {note}");
    }
    out.push('\n');
}

fn write_list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "### {title}\n");
    for item in items {
        let _ = writeln!(out, "- {item}");
    }
    out.push('\n');
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A statement fit for a table cell: one line, no pipes or backquotes, cut at `limit`.
fn cell(sql: &str, limit: usize) -> String {
    crate::text::one_line(&sql.replace('`', "").replace('|', "\\|"), limit)
}

/// The release's migrations in order: each with its statements, untimed steps and what
/// could not be rendered (`ddl-eta django`).
fn write_release(out: &mut String, report: &Report) {
    let Some(release) = &report.release else {
        return;
    };
    let _ = writeln!(out, "### Migrations\n");
    let mut first = 1;
    for m in &release.migrations {
        let statements = match m.statements {
            0 => "no SQL statement".to_string(),
            1 => format!("statement {first}"),
            n => format!("statements {first}-{}", first + n - 1),
        };
        first += m.statements;
        let mut line = format!("- `{}` (`{}`): {statements}", m.label(), m.file);
        if m.untimed > 0 {
            line.push_str(&format!(", {}", super::release::untimed_count(m.untimed)));
        }
        if let Some(error) = &m.not_rendered {
            line.push_str(&format!(
                "; **{}**",
                super::release::not_rendered_line(error)
            ));
        }
        let _ = writeln!(out, "{}", escape(&line));
    }
    if let Some(reach) = super::release::table_reach(report) {
        let _ = writeln!(out, "\n{reach}");
    }
    out.push('\n');
}

/// The routes side by side for each statement measured through pt-osc, and the plan
/// under `--route`.
fn write_routes(out: &mut String, report: &Report) {
    let measured: Vec<_> = report
        .statements
        .iter()
        .filter(|s| s.online_route.is_some())
        .collect();
    if measured.is_empty() {
        return;
    }
    let _ = writeln!(out, "### Routes: native ALTER or pt-online-schema-change\n");
    for s in measured {
        let _ = writeln!(out, "Statement {}:\n", s.index + 1);
        for line in super::route::lines(s) {
            let _ = writeln!(out, "- {}", escape(&line));
        }
        out.push('\n');
    }
    let steps = super::route::plan(report);
    if !steps.is_empty() {
        let _ = writeln!(out, "Plan (--route):\n");
        for (i, step) in steps.iter().enumerate() {
            let _ = writeln!(out, "{}. {step}", i + 1);
        }
        out.push('\n');
    }
}
