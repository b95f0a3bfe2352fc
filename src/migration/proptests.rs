//! Property tests of the lexer and splitter, on generated scripts: no input panics, a
//! statement is never split inside a quoted string, a backquoted name or a comment, and
//! splitting statements joined by `;` gives them back. Case counts keep this to about a
//! second in CI.

use super::lexer::{split_statements, tokenize};
use super::{parse_schema, parse_sql, with_algorithm, with_lock};
use proptest::prelude::*;

/// 'single quoted' text with `;`, quotes of the other kinds, comment openers, newlines,
/// doubled quotes and backslash escapes inside.
fn single_quoted() -> impl Strategy<Value = String> {
    let unit = prop_oneof![
        4 => "[a-z ;\"`#*/\n-]",
        1 => Just("''".to_string()),
        1 => "\\\\[a-z;'\"\\\\]",
    ];
    prop::collection::vec(unit, 0..8).prop_map(|units| format!("'{}'", units.concat()))
}

fn double_quoted() -> impl Strategy<Value = String> {
    let unit = prop_oneof![
        4 => "[a-z ;'`#*/\n-]",
        1 => Just("\"\"".to_string()),
        1 => "\\\\[a-z;'\"\\\\]",
    ];
    prop::collection::vec(unit, 0..8).prop_map(|units| format!("\"{}\"", units.concat()))
}

/// `backquoted` names: a backslash is an ordinary character there, a doubled ` a quote.
fn backquoted() -> impl Strategy<Value = String> {
    let unit = prop_oneof![
        4 => "[a-z ;'\"#*/\\\\\n-]",
        1 => Just("``".to_string()),
    ];
    prop::collection::vec(unit, 1..8).prop_map(|units| format!("`{}`", units.concat()))
}

/// Comments of the three kinds, with `;` and quotes inside (no `*` in a block comment, so
/// it cannot close early). A `/*!` one is an executable comment: a token, not a comment.
fn comment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ;'\"`!/#\n-]{0,12}".prop_map(|body| format!("/*{body}*/")),
        "[a-z ;'\"`*/#]{0,12}".prop_map(|body| format!("-- {body}\n")),
        "[a-z ;'\"`*/#-]{0,12}".prop_map(|body| format!("#{body}\n")),
        "[a-z ;'\"`]{0,12}".prop_map(|body| format!("/*!40101 {body}*/")),
    ]
}

/// Anything that can follow a statement's first word.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        1 => "[0-9]{1,5}",
        1 => "[(),=.+<>-]",
        2 => single_quoted(),
        1 => double_quoted(),
        2 => backquoted(),
        2 => comment(),
    ]
}

/// One statement: a known opening (so the classifiers get real work too), pieces, and a
/// final word, so that the statement ends on a token and its text is exactly what
/// `parse_sql` keeps (it drops comments around a statement, not inside one).
fn statement() -> impl Strategy<Value = String> {
    let opening = prop_oneof![
        Just("ALTER TABLE t ADD COLUMN"),
        Just("ALTER TABLE `a;b` MODIFY"),
        Just("CREATE INDEX i ON t"),
        Just("CREATE TABLE t"),
        Just("DROP TABLE"),
        Just("RENAME TABLE"),
        Just("SELECT"),
        Just("SET"),
        Just("UPDATE t SET"),
    ];
    (opening, prop::collection::vec(piece(), 0..8), "[a-z]{1,6}").prop_map(
        |(opening, pieces, last)| {
            let mut parts = vec![opening.to_string()];
            parts.extend(pieces);
            parts.push(last);
            parts.join(" ")
        },
    )
}

/// Text made mostly of the characters that steer the lexer.
fn sql_noise() -> impl Strategy<Value = String> {
    "[-;'\"`/*#!\\\\\n a-zA-Z0-9()=,.é]{0,120}"
}

fn check_no_panic(text: &str) {
    let _ = tokenize(text);
    let _ = split_statements(text);
    let _ = parse_schema("s.sql", text);
    match parse_sql("m.sql", text, 0) {
        Ok(statements) => {
            for statement in &statements {
                let _ = with_algorithm(statement, "INPLACE");
                let _ = with_lock(statement, "NONE");
            }
        }
        Err(err) => {
            // The error names a line that exists.
            let message = err.to_string();
            let line: usize = message
                .split(':')
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no line in {message:?}"));
            assert!(
                line >= 1 && line <= text.lines().count().max(1),
                "{message}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn no_input_panics(text in any::<String>()) {
        check_no_panic(&text);
    }

    #[test]
    fn no_script_after_a_delimiter_line_panics(delimiter in "[^\n]{0,4}", text in any::<String>()) {
        check_no_panic(&format!("DELIMITER {delimiter}\n{text}"));
        check_no_panic(&format!("DELIMITER {delimiter}\n{text}\nDELIMITER ;\n{text}"));
    }

    #[test]
    fn statements_ended_by_a_custom_delimiter_split_back(
        statements in prop::collection::vec(statement(), 1..5),
    ) {
        // `$$` never occurs inside a generated statement; `;` does, inside quotes and comments.
        let mut script = "DELIMITER $$\n".to_string();
        for statement in &statements {
            script.push_str(statement);
            script.push_str("$$\n");
        }
        let parsed = parse_sql("m.sql", &script, 0)
            .map_err(|e| TestCaseError::fail(format!("{e}: {script:?}")))?;
        let texts: Vec<&str> = parsed.iter().map(|s| s.sql.as_str()).collect();
        let expected: Vec<&str> = statements.iter().map(|s| s.trim()).collect();
        prop_assert_eq!(texts, expected, "script: {:?}", script);
    }

    #[test]
    fn no_sql_like_input_panics(text in sql_noise()) {
        check_no_panic(&text);
    }

    #[test]
    fn no_broken_script_panics(statements in prop::collection::vec(statement(), 1..5), cut in any::<prop::sample::Index>()) {
        // A script cut anywhere: inside a string, a name or a comment, as often as not.
        let script = statements.join(";\n");
        let boundaries: Vec<usize> = (0..=script.len()).filter(|&i| script.is_char_boundary(i)).collect();
        check_no_panic(&script[..*cut.get(&boundaries)]);
    }

    #[test]
    fn statements_joined_by_semicolons_split_back_into_the_same_statements(
        statements in prop::collection::vec(statement(), 1..6),
        separators in prop::collection::vec(prop_oneof![
            Just(";\n"), Just("; "), Just(";"), Just(";;\n"), Just(";\n-- between; them\n"), Just("; /* ; */ "),
        ], 6),
        trailing in prop_oneof![Just(""), Just(";"), Just(";\n"), Just("\n")],
    ) {
        let mut script = String::new();
        let mut starts = Vec::new();
        for (i, statement) in statements.iter().enumerate() {
            if i > 0 {
                script.push_str(separators[i - 1]);
            }
            starts.push(script.len());
            script.push_str(statement);
        }
        script.push_str(trailing);
        let parsed = parse_sql("m.sql", &script, 0)
            .map_err(|e| TestCaseError::fail(format!("{e}: {script:?}")))?;
        let texts: Vec<&str> = parsed.iter().map(|s| s.sql.as_str()).collect();
        let expected: Vec<&str> = statements.iter().map(|s| s.trim()).collect();
        prop_assert_eq!(texts, expected, "script: {:?}", script);
        // Each statement is placed on the line it starts on in the script.
        for (statement, start) in parsed.iter().zip(starts) {
            let line = script[..start].matches('\n').count() + 1;
            prop_assert_eq!(statement.line, line);
        }
    }
}
