//! The default output: per statement what the server did, what was measured and what is
//! predicted at production size, then a summary table with the total.

use super::release::{self, Item};
use super::{human_seconds, short_rows, words, Report, StatementReport};
use crate::experiment::FreshMethod;
use crate::text::{group_digits, one_line, or_dash};
use std::fmt::Write;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let percent = (report.interval * 100.0).round();
    let _ = writeln!(
        out,
        "Sandbox: {} {} ({})",
        report.sandbox.flavor, report.sandbox.version, report.sandbox.kind
    );
    let tables: Vec<String> = report
        .tables
        .iter()
        .map(|t| {
            let size = words::table_size(group_digits(t.target_rows), t.input);
            format!("{} ({size})", t.name)
        })
        .collect();
    let _ = writeln!(out, "Target:  {}", tables.join(", "));
    if let Some(source) = &report.source {
        let _ = writeln!(out, "Profile: {}", words::profile_line(source));
    }
    out.push('\n');
    for item in release::layout(report) {
        match item {
            Item::Migration(migration) => {
                let _ = writeln!(out, "== {}", release::migration_header(migration));
                if let Some(error) = &migration.not_rendered {
                    let _ = writeln!(out, "   {}", release::not_rendered_line(error));
                }
                out.push('\n');
            }
            Item::Statement(statement) => write_statement(&mut out, statement, percent),
            Item::Untimed(step) => {
                let _ = writeln!(out, "-. {}\n", release::untimed_line(step));
            }
        }
    }
    write_summary(&mut out, report, percent);
    write_plan(&mut out, report);
    write_ladder_time(&mut out, &report.ladder);
    if let Some(line) = release::table_reach(report) {
        let _ = writeln!(out, "{line}");
    }
    write_timeouts(&mut out, report);
    if let Some(hardware) = &report.hardware {
        let _ = writeln!(out, "{}", words::hardware(hardware));
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    out
}

fn write_statement(out: &mut String, s: &StatementReport, percent: f64) {
    let _ = writeln!(
        out,
        "{}. {}  [{}:{}]",
        s.index + 1,
        one_line(&s.sql, 100),
        s.file,
        s.line
    );
    let _ = writeln!(
        out,
        "   {} on {}: algorithm {}, lock {}",
        s.operation.as_str(),
        s.table.as_deref().unwrap_or("-"),
        or_dash(s.algorithm),
        or_dash(s.lock)
    );
    for line in s.production.iter().flat_map(words::production) {
        let _ = writeln!(out, "   {line}");
    }
    let measured: Vec<String> = s
        .measurements
        .iter()
        .map(|m| format!("{} {}", short_rows(m.rows), human_seconds(m.seconds)))
        .collect();
    let _ = writeln!(out, "   measured: {}", measured.join(" | "));
    write_model(out, s);
    let _ = writeln!(
        out,
        "   at {} rows: {}  ({percent:.0}%: {} .. {}{})",
        group_digits(s.estimate.rows),
        human_seconds(s.estimate.seconds_p50),
        human_seconds(s.estimate.seconds_low),
        human_seconds(s.estimate.seconds_high),
        if s.estimate.without_hardware.is_some() {
            ", the hardware term included"
        } else {
            ""
        }
    );
    if let Some(range) = &s.estimate.without_hardware {
        let _ = writeln!(
            out,
            "   without the hardware term: {} .. {}",
            human_seconds(range.seconds_low),
            human_seconds(range.seconds_high)
        );
    }
    if let Some(source) = &s.estimate.source {
        let _ = writeln!(out, "   {}", words::interval_source(source));
    }
    let details = s.blocking.iter().flat_map(words::blocking);
    let details = details.chain(s.validation.iter().map(words::validation));
    for line in details.chain(super::route::lines(s)) {
        let _ = writeln!(out, "   {line}");
    }
    for warning in &s.warnings {
        let _ = writeln!(out, "   warning: {warning}");
    }
    out.push('\n');
}

/// The extrapolation as the headline (how the point at production's rows was made), the
/// law fitted inside the ladder as its diagnostic; a report made before the extrapolation
/// was kept shows the law alone, as it did.
fn write_model(out: &mut String, s: &StatementReport) {
    let law = s.model.kind.as_str();
    let loo = s.model.loo_error * 100.0;
    let Some(extrapolation) = &s.model.extrapolation else {
        let _ = writeln!(out, "   model: {law} (leave-one-out error {loo:.0}%)");
        return;
    };
    let _ = writeln!(
        out,
        "   extrapolation: {}",
        words::extrapolation(extrapolation, law)
    );
    let left_out = s
        .model
        .calibration_rows
        .map(|rows| format!(", the {}-row calibration run left out", short_rows(rows)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "   fit inside the ladder: {law}, leave-one-out error {loo:.0}%{left_out}"
    );
}

fn write_summary(out: &mut String, report: &Report, percent: f64) {
    let header = [
        "#".to_string(),
        "operation".to_string(),
        "algorithm".to_string(),
        "lock".to_string(),
        "rows".to_string(),
        "estimate".to_string(),
        format!("{percent:.0}% interval"),
        "blocks".to_string(),
    ];
    let mut rows: Vec<[String; 8]> = vec![header];
    for s in &report.statements {
        rows.push([
            (s.index + 1).to_string(),
            s.operation.as_str().to_string(),
            summary_level(
                or_dash(s.algorithm),
                s.production.as_ref().map(|p| or_dash(p.algorithm)),
            ),
            summary_level(
                or_dash(s.lock),
                s.production.as_ref().map(|p| or_dash(p.lock)),
            ),
            short_rows(s.estimate.rows),
            human_seconds(s.estimate.seconds_p50),
            format!(
                "{} .. {}",
                human_seconds(s.estimate.seconds_low),
                human_seconds(s.estimate.seconds_high)
            ),
            super::blocks_summary(s),
        ]);
    }
    for step in &report.untimed {
        rows.push([
            "-".into(),
            "not_sql".into(),
            "".into(),
            "".into(),
            "".into(),
            "not timed".into(),
            "".into(),
            format!("{}:{}", step.file, step.line),
        ]);
    }
    let (total, total_interval) = release::total_words(report);
    rows.push([
        "".into(),
        "total".into(),
        "".into(),
        "".into(),
        "".into(),
        total,
        total_interval,
        "".into(),
    ]);
    if let Some(total) = &report.total_without_hardware {
        rows.push([
            "".into(),
            "without hardware".into(),
            "".into(),
            "".into(),
            "".into(),
            "".into(),
            format!(
                "{} .. {}",
                human_seconds(total.seconds_low),
                human_seconds(total.seconds_high)
            ),
            "".into(),
        ]);
    }
    let widths: Vec<usize> = (0..8)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
}

/// One line on where the ladder's time went (absent from reports made before it was kept).
fn write_ladder_time(out: &mut String, ladder: &crate::experiment::LadderSummary) {
    let t = &ladder.time;
    if t.seed_seconds + t.fresh_table_seconds + t.statement_seconds <= 0.0 {
        return;
    }
    let speed = match (t.fresh_tables, t.clone_bytes_per_second) {
        (FreshMethod::Copy, _) | (_, None) => String::new(),
        (_, Some(rate)) => format!(", {:.0} MB/s", rate / 1e6),
    };
    let method = match (t.fresh_tables, t.clone_fell_back) {
        (_, true) => "copied after a failed clone",
        (FreshMethod::Clone, _) => "cloned",
        (FreshMethod::Mixed, _) => "cloned and copied",
        (FreshMethod::Copy, _) => "copied",
    };
    let mut parts = Vec::new();
    if t.server_start_seconds > 0.0 {
        parts.push(format!(
            "server start {}",
            human_seconds(t.server_start_seconds)
        ));
    }
    parts.push(format!(
        "synthetic rows {} ({}/s)",
        human_seconds(t.seed_seconds),
        short_rows(ladder.seed_rows_per_second.round() as u64)
    ));
    if t.index_seconds > 0.0 {
        parts.push(format!("indexes {}", human_seconds(t.index_seconds)));
    }
    parts.push(format!(
        "fresh tables {} ({method}{speed})",
        human_seconds(t.fresh_table_seconds)
    ));
    if t.warm_seconds > 0.0 {
        parts.push(format!("warming {}", human_seconds(t.warm_seconds)));
    }
    parts.push(format!("statements {}", human_seconds(t.statement_seconds)));
    parts.push(format!("probing {}", human_seconds(t.probe_seconds)));
    let _ = writeln!(
        out,
        "ladder: {} up to {} rows: {}",
        human_seconds(ladder.seconds + t.server_start_seconds),
        short_rows(ladder.scales.iter().copied().max().unwrap_or(0)),
        parts.join(", ")
    );
}

/// "instant", or "instant→inplace" where production (the estimate's subject) differs.
fn summary_level(sandbox: String, production: Option<String>) -> String {
    match production {
        Some(p) if p != sandbox => format!("{sandbox}→{p}"),
        _ => sandbox,
    }
}

/// The two timeouts a release manager sets (the guidance's first notes).
fn write_timeouts(out: &mut String, report: &Report) {
    // A report saved before the codes renders as it did then.
    if report.text_version == 0 {
        return;
    }
    for note in release::timeout_notes(report) {
        let _ = writeln!(out, "timeout: {note}");
    }
}

/// The release plan under `--route` (nothing when every statement is native).
fn write_plan(out: &mut String, report: &Report) {
    let steps = super::route::plan(report);
    if steps.is_empty() {
        return;
    }
    let _ = writeln!(out, "plan (--route):");
    for (i, step) in steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {step}", i + 1);
    }
}
