//! Names and values put into SQL text: the one place that quotes them, so a table or a
//! column whose name holds a backtick, a space or non-ASCII letters reaches the server as
//! itself, and a value cannot end its string early.

/// An identifier in backticks, its own backticks doubled: `a``b` for a`b.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// Identifiers, each quoted, separated by ", ".
pub fn idents<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|name| ident(name.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string literal: quotes doubled and backslashes escaped, which both MySQL and MariaDB
/// read back as the same text in their default SQL mode (the only one ddl-eta's sessions
/// use).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_are_quoted() {
        assert_eq!(ident("a`b"), "`a``b`");
        assert_eq!(ident("grade ä"), "`grade ä`");
        assert_eq!(idents(&["a", "b`"]), "`a`, `b```");
        assert_eq!(literal("it's\\"), "'it''s\\\\'");
    }
}
