//! JUnit XML, the test-report format CI servers show in their test tabs (GoCD, Jenkins,
//! GitLab): the one writer `lint --format junit` and estimate's gates share. Callers turn
//! their findings or gates into cases; this file only writes and escapes the XML.

/// One `<testcase>`: passes unless it has a failure; `output` goes to `<system-out>`.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// The group a CI server lists the case under: the migration file.
    pub classname: String,
    pub name: String,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub failure: Option<Failure>,
    pub output: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Failure {
    /// A short kind: the rule code, or the gate's flag.
    pub kind: String,
    /// One line, shown beside the case's name.
    pub message: String,
    /// The detail, shown when the case is opened.
    pub text: String,
}

/// The whole document: one `<testsuite>` named `suite` inside `<testsuites>`, with the
/// counts CI servers read from the attributes.
pub fn render(suite: &str, cases: &[Case]) -> String {
    let failures = cases.iter().filter(|c| c.failure.is_some()).count();
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\"",
        cases.len()
    );
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml += &format!("<testsuites name=\"{}\" {counts}>\n", escape(suite));
    xml += &format!("  <testsuite name=\"{}\" {counts}>\n", escape(suite));
    for case in cases {
        xml += &format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&case.classname),
            escape(&case.name)
        );
        if let Some(file) = &case.file {
            xml += &format!(" file=\"{}\"", escape(file));
        }
        if let Some(line) = case.line {
            xml += &format!(" line=\"{line}\"");
        }
        if case.failure.is_none() && case.output.is_empty() {
            xml += "/>\n";
            continue;
        }
        xml += ">\n";
        if let Some(failure) = &case.failure {
            xml += &format!(
                "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                escape(&failure.kind),
                escape(&failure.message),
                escape(&failure.text)
            );
        }
        if !case.output.is_empty() {
            xml += &format!(
                "      <system-out>{}</system-out>\n",
                escape(&case.output.join("\n"))
            );
        }
        xml += "    </testcase>\n";
    }
    xml + "  </testsuite>\n</testsuites>\n"
}

/// Text as XML 1.0 attribute or element content: the five markup characters escaped,
/// and the control characters XML 1.0 cannot hold at all (SQL may carry them) replaced.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{fffd}"
        );
    }

    #[test]
    fn counts_follow_the_cases() {
        let failing = Case {
            name: "x".into(),
            failure: Some(Failure {
                kind: "DE001".into(),
                message: "m".into(),
                text: "t".into(),
            }),
            ..Case::default()
        };
        let xml = render("s", &[failing, Case::default()]);
        assert!(
            xml.contains("<testsuite name=\"s\" tests=\"2\" failures=\"1\""),
            "{xml}"
        );
    }
}
