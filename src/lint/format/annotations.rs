//! One line per finding for CI: gcc-style `file:line: level: CODE message`, which
//! editors and problem matchers understand, and GitHub Actions workflow commands.

use super::LintReport;

pub fn gcc(report: &LintReport) -> String {
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "{}:{}: {}: {} {}\n",
                f.file,
                f.line,
                f.level.as_str(),
                f.code,
                f.message
            )
        })
        .collect()
}

pub fn github(report: &LintReport) -> String {
    report
        .findings
        .iter()
        .map(|f| {
            format!(
                "::{} file={},line={},title={}::{}\n",
                f.level.as_str(),
                property(&f.file),
                f.line,
                property(&format!("{} {}", f.code, f.rule)),
                data(&format!(
                    "{}\n\nWhy: {}\nInstead: {}",
                    f.message, f.explanation, f.alternative
                ))
            )
        })
        .collect()
}

/// Escaping of workflow-command data.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of workflow-command properties: data's, plus `:` and `,`.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes() {
        assert_eq!(property("a,b:c%"), "a%2Cb%3Ac%25");
        assert_eq!(data("x\ny: z"), "x%0Ay: z");
    }
}
