//! `--format json`: the LintReport as pretty JSON, schema_version 1.

use super::LintReport;

pub fn render(report: &LintReport) -> String {
    match serde_json::to_string_pretty(report) {
        Ok(json) => json + "\n",
        // Plain strings and numbers only: serialization cannot fail.
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}
