//! Output formats of `ddl-eta lint`, one file each; every one reads the same LintReport.

mod annotations;
mod json;
mod junit;
mod text;

use clap::ValueEnum;

use super::LintReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// For people: each finding with its statement, why, and what to do instead.
    Text,
    /// Versioned JSON (schema_version 1), the LintReport struct.
    Json,
    /// One `file:line: level: CODE message` line per finding (gcc-style, for CI problem matchers and editors).
    Annotations,
    /// GitHub Actions workflow commands (`::error file=...,line=...::...`), shown on the PR diff.
    Github,
    /// JUnit XML for CI test tabs (GoCD, Jenkins, GitLab): a test case per finding, failing at error level.
    Junit,
}

pub fn render(report: &LintReport, format: LintFormat) -> String {
    match format {
        LintFormat::Text => text::render(report),
        LintFormat::Json => json::render(report),
        LintFormat::Annotations => annotations::gcc(report),
        LintFormat::Github => annotations::github(report),
        LintFormat::Junit => junit::render(report),
    }
}
