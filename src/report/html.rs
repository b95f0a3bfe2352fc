//! `--format html`: one self-contained file (inline CSS and SVG, no scripts, no network)
//! with a chart per statement and what the text report says under it (production, blocking,
//! validation, warnings), the review checklist, the guidance and the assumptions.

use super::{blocks_summary, chart, human_seconds, words, Report, StatementReport};
use crate::ddl::{Algorithm, LockLevel};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(HEAD);
    let _ = write!(out, "<h1>ddl-eta: migration estimate</h1>");
    let tables: Vec<String> = report
        .tables
        .iter()
        .map(|t| {
            let size = super::words::table_size(crate::text::group_digits(t.target_rows), t.input);
            format!("<code>{}</code> ({size})", escape(&t.name))
        })
        .collect();
    let _ = write!(
        out,
        "<p>Measured in a {} {} sandbox; production size {}. Total: <b>{}</b> ({:.0}% interval {}).</p>",
        escape(&report.sandbox.flavor),
        escape(&report.sandbox.version),
        tables.join(", "),
        escape(&super::release::total_words(report).0),
        report.interval * 100.0,
        escape(&super::release::total_words(report).1)
    );
    if let Some(source) = &report.source {
        let _ = write!(
            out,
            "<p>Profile: {}.</p>",
            escape(&super::words::profile_line(source))
        );
    }
    write_release(&mut out, report);
    for step in &report.untimed {
        let _ = write!(
            out,
            "<p>{}</p>",
            escape(&super::release::untimed_line(step))
        );
    }
    for s in &report.statements {
        let _ = write!(
            out,
            "<section class=\"statement\"><h2>{}. <code>{}</code></h2><p>{} &middot; algorithm {} &middot; lock {} &middot; {} &middot; model {}</p><p>At {} rows: <b>{}</b> ({} .. {})</p>{}{}</section>",
            s.index + 1,
            escape(&s.sql),
            s.operation.as_str(),
            s.algorithm.map_or("-", Algorithm::as_str),
            s.lock.map_or("-", LockLevel::as_str),
            escape(&blocks_summary(s)),
            s.model.kind.as_str(),
            crate::text::group_digits(s.estimate.rows),
            human_seconds(s.estimate.seconds_p50),
            human_seconds(s.estimate.seconds_low),
            human_seconds(s.estimate.seconds_high),
            details(s),
            chart::svg(s)
        );
    }
    write_checklist(&mut out, report);
    if let Some(guidance) = &report.guidance {
        let _ = write!(out, "<h2>Release guidance</h2><ul><li>CI/CD job timeout: <b>{}</b></li><li><code>SET SESSION lock_wait_timeout = {};</code></li>", guidance.job_timeout_words(), guidance.lock_wait_timeout_seconds);
        for note in &guidance.notes {
            let _ = write!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>");
    }
    write_list(&mut out, "Plan (--route)", &super::route::plan(report));
    write_list(&mut out, "Assumptions", &report.assumptions);
    write_list(&mut out, "Warnings", &report.warnings);
    out.push_str("</body></html>\n");
    out
}

/// What the text report says under each statement: production's side, the blocking
/// detail, the validation run and the statement's warnings.
fn details(s: &StatementReport) -> String {
    let lines: Vec<String> = s
        .production
        .iter()
        .flat_map(words::production)
        .chain(s.blocking.iter().flat_map(words::blocking))
        .chain(s.validation.iter().map(words::validation))
        .chain(super::route::lines(s))
        .chain(s.warnings.iter().map(|w| format!("warning: {w}")))
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let items: String = lines
        .iter()
        .map(|line| format!("<li>{}</li>", escape(line)))
        .collect();
    format!("<ul class=\"details\">{items}</ul>")
}

fn write_checklist(out: &mut String, report: &Report) {
    if report.checklist.is_empty() {
        return;
    }
    out.push_str("<h2>Review checklist</h2><table><tr><th>question</th><th>answer</th><th>evidence</th></tr>");
    for item in &report.checklist {
        let _ = write!(
            out,
            "<tr><td>{}</td><td><b>{}</b></td><td>{}</td></tr>",
            escape(words::checklist_question(item)),
            escape(&item.answer),
            escape(&item.evidence)
        );
    }
    out.push_str("</table>");
}

fn write_list(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = write!(out, "<h2>{title}</h2><ul>");
    for item in items {
        let _ = write!(out, "<li>{}</li>", escape(item));
    }
    out.push_str("</ul>");
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const HEAD: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ddl-eta report</title><style>\
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}\
code{font-family:ui-monospace,monospace;font-size:90%}h2 code{font-weight:normal}\
section.statement{border-top:1px solid #ddd;margin-top:1.5rem}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}\
</style></head><body>";

/// The release's migrations in order (`ddl-eta django`), with what could not be rendered.
fn write_release(out: &mut String, report: &Report) {
    let Some(release) = &report.release else {
        return;
    };
    out.push_str("<h2>Migrations</h2><ul>");
    for m in &release.migrations {
        let _ = write!(out, "<li>{}", escape(&super::release::migration_header(m)));
        if let Some(error) = &m.not_rendered {
            let _ = write!(
                out,
                ": <b>{}</b>",
                escape(&super::release::not_rendered_line(error))
            );
        }
        out.push_str("</li>");
    }
    out.push_str("</ul>");
}
