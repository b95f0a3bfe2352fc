//! `--format json`: the Report as versioned JSON. Fields are only ever added;
//! docs/json.md documents each one.

use super::Report;

pub fn render(report: &Report) -> String {
    // Serialising plain data with string keys cannot fail; keep a clear message anyway.
    serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialise report: {e}\"}}"))
        + "\n"
}
