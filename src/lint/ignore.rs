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
/// comment.
fn comment_codes(line: &str) -> Option<Vec<&str>> {
    let at = line.to_lowercase().find(MARKER)?;
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
}
