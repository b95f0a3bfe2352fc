//! `-- ddl-eta: ignore DE001, DE011` comments: silence the named rules for the statement
//! that starts on the comment's line or is the next one after it.

use anyhow::{bail, Result};

use super::{parse_rule_code, Finding};
use crate::migration::Statement;

const MARKER: &str = "ddl-eta: ignore";

#[derive(Debug, Default)]
pub struct Ignores {
    /// (statement index, rule code).
    silenced: Vec<(usize, String)>,
}

impl Ignores {
    /// Reads the ignore comments of one file whose statements are `statements`.
    pub fn read(&mut self, file: &str, text: &str, statements: &[Statement]) -> Result<()> {
        for (number, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l)) {
            let Some(codes) = comment_codes(line) else {
                continue;
            };
            let Some(statement) = statements.iter().find(|s| s.line >= number) else {
                continue;
            };
            for code in codes {
                match parse_rule_code(code) {
                    Ok(code) => self.silenced.push((statement.index, code)),
                    Err(why) => bail!("{file}:{number}: {why} in a `-- {MARKER}` comment"),
                }
            }
        }
        Ok(())
    }

    pub fn silences(&self, finding: &Finding) -> bool {
        self.silenced
            .iter()
            .any(|(index, code)| *index == finding.statement_index && code == finding.code)
    }
}

/// The codes after `ddl-eta: ignore` when the line has it inside a `--`, `#` or `/*`
/// comment. The marker is ASCII, so an ASCII-only lowercase (same length, byte for byte)
/// finds it at an offset valid in `line`; full Unicode lowercasing changes lengths (the
/// Kelvin sign is 3 bytes, its lowercase 'k' 1) and would cut a character in two.
fn comment_codes(line: &str) -> Option<Vec<&str>> {
    let at = line.to_ascii_lowercase().find(MARKER)?;
    let before = &line[..at];
    if !(before.contains("--") || before.contains('#') || before.contains("/*")) {
        return None;
    }
    let rest = line[at + MARKER.len()..].trim_end_matches("*/");
    Some(
        rest.split(|c: char| c == ',' || c.is_whitespace())
            .map(|w| w.trim_end_matches("*/"))
            .filter(|w| !w.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_from_comments_only() {
        assert_eq!(
            comment_codes("-- ddl-eta: ignore DE001, DE011"),
            Some(vec!["DE001", "DE011"])
        );
        assert_eq!(
            comment_codes("DROP TABLE t; # ddl-eta: ignore DE001"),
            Some(vec!["DE001"])
        );
        assert_eq!(
            comment_codes("/* ddl-eta: ignore DE002 */"),
            Some(vec!["DE002"])
        );
        assert_eq!(comment_codes("SELECT 'ddl-eta: ignore DE001'"), None);
        assert_eq!(comment_codes("-- nothing here"), None);
    }

    #[test]
    fn characters_whose_lowercase_has_another_length_come_first() {
        // KELVIN SIGN lowercases to 'k'; U+0130 to "i\u{307}".
        assert_eq!(
            comment_codes("ALTER TABLE \u{212a}\u{212a} DROP c; -- DDL-ETA: IGNORE DE001"),
            Some(vec!["DE001"])
        );
        assert_eq!(
            comment_codes("\u{130}\u{130}\u{130} # ddl-eta: ignore DE002 */"),
            Some(vec!["DE002"])
        );
    }

    mod properties {
        use super::super::*;
        use crate::migration::parse_sql;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

            /// Any text before an ignore comment: the codes are found, nothing panics.
            #[test]
            fn an_ignore_comment_after_any_text_is_read(
                before in "[^\n]{0,40}",
                codes in prop::collection::vec("DE0[0-9]{2}", 1..4),
                after in "[^\n]{0,12}",
            ) {
                prop_assume!(!before.to_ascii_lowercase().contains(MARKER));
                let line = format!("{before} -- ddl-eta: ignore {}", codes.join(", "));
                let found = comment_codes(&line);
                let expected: Vec<&str> = codes.iter().map(String::as_str).collect();
                prop_assert_eq!(found, Some(expected));
                let _ = comment_codes(&format!("{line}{after}"));
            }

            /// Ignore comments over arbitrary Unicode, as a whole file: no panic, and an
            /// error (an unknown code) names a line of the file.
            #[test]
            fn no_file_of_ignore_comments_panics(
                lines in prop::collection::vec(
                    prop_oneof![
                        any::<String>(),
                        any::<String>().prop_map(|s| format!("{s} -- ddl-eta: ignore {s}")),
                        any::<String>().prop_map(|s| format!("/* DDL-ETA: IGNORE DE001,{s} */ SELECT 1;")),
                    ],
                    0..5,
                ),
            ) {
                let text = lines.join("\n");
                let statements = parse_sql("m.sql", &text, 0).unwrap_or_default();
                let mut ignores = Ignores::default();
                if let Err(err) = ignores.read("m.sql", &text, &statements) {
                    let message = err.to_string();
                    prop_assert!(message.starts_with("m.sql:"), "{}", message);
                }
            }
        }
    }
}
