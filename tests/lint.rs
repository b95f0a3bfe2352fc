//! `ddl-eta lint` through the real binary, no server: the exact output for the Open edX
//! example migrations in each format (expected text in tests/snapshots/; rewrite them
//! with insta: `cargo insta review`, or INSTA_UPDATE=always), exit codes, ignores and --allow.

mod common;
use common::*;

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SCHEMA: &str = "examples/openedx/courseware_studentmodule.sql";
const ALL_EXAMPLES: [&str; 5] = [
    "examples/openedx/0015_add_courseware_stats_index.sql",
    "examples/openedx/0016_studentmodule_attempts.sql",
    "examples/openedx/0017_alter_studentmodule_grade.sql",
    "examples/openedx/0018_alter_studentmodule_done.sql",
    "examples/openedx/0019_studentmodule_all_kinds.sql",
];

/// Runs `ddl-eta lint ARGS` from the crate root, so that paths in the output are the
/// relative ones given, the same on every machine.
fn lint(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("lint")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ddl-eta lint");
    if let Some(mut pipe) = child.stdin.take() {
        // A usage error exits before reading stdin: the pipe is then closed, which is fine.
        match pipe.write_all(stdin.unwrap_or("").as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {e}"),
            _ => {}
        }
    }
    child.wait_with_output().expect("ddl-eta lint finishes")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// Compares with tests/snapshots/lint__NAME.snap (insta: `cargo insta review`, or
/// INSTA_UPDATE=always to accept).
fn assert_snapshot(name: &str, actual: &str) {
    insta::assert_snapshot!(name, actual);
}

fn snapshot(name: &str, args: &[&str], expected_code: i32) {
    let output = lint(args, None);
    assert_eq!(
        output.status.code(),
        Some(expected_code),
        "stderr: {}",
        stderr(&output)
    );
    assert!(output.stderr.is_empty(), "stderr: {}", stderr(&output));
    assert_snapshot(name, &stdout(&output));
}

#[test]
fn text_for_all_examples_without_schema() {
    snapshot("lint_examples_no_schema.txt", &ALL_EXAMPLES, 3);
}

#[test]
fn text_for_all_examples_with_schema() {
    let mut args = vec!["--schema", SCHEMA];
    args.extend(ALL_EXAMPLES);
    snapshot("lint_examples_schema.txt", &args, 3);
}

#[test]
fn json_for_the_mixed_example() {
    let args = [
        "--schema",
        SCHEMA,
        "--format",
        "json",
        "examples/openedx/0019_studentmodule_all_kinds.sql",
    ];
    snapshot("lint_0019.json", &args, 3);
    let json: serde_json::Value =
        serde_json::from_slice(&lint(&args, None).stdout).expect("valid JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["errors"], 2);
    assert_eq!(json["findings"][0]["statement_index"], 0);
}

#[test]
fn annotations_for_all_examples() {
    let mut args = vec!["--schema", SCHEMA, "--format", "annotations"];
    args.extend(ALL_EXAMPLES);
    snapshot("lint_examples.annotations", &args, 3);
}

#[test]
fn github_annotations_on_mariadb() {
    let args = [
        "--target-server",
        "mariadb:10.11",
        "--schema",
        SCHEMA,
        "--format",
        "github",
        "examples/openedx/0017_alter_studentmodule_grade.sql",
        "examples/openedx/0018_alter_studentmodule_done.sql",
    ];
    snapshot("lint_mariadb.github", &args, 3);
}

#[test]
fn exit_0_when_only_warnings_or_nothing() {
    let output = lint(
        &["examples/openedx/0015_add_courseware_stats_index.sql"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("0 errors, 2 warnings in 2 statements"));

    let clean = "ALTER TABLE t ADD COLUMN c int NULL, ALGORITHM=INSTANT;\n";
    let output = lint(&["-"], Some(clean));
    assert_eq!(output.status.code(), Some(0));
    // mysql:8.0 is the newest 8.0: a note says 8.0.11 and older answer otherwise.
    assert_eq!(
        stdout(&output),
        "note: mysql:8.0 is the newest release of its series; older releases answer otherwise for 1 statement (from 8.0.12: mysql-add-column-last-instant); give the exact version for an older server\n\n\
         0 errors, 0 warnings in 1 statement (target mysql:8.0, no --schema)\n"
    );
}

#[test]
fn exit_1_for_unreadable_input() {
    for (args, expected) in [
        (
            vec!["/nonexistent/0042.sql"],
            "error: cannot read migration file /nonexistent/0042.sql",
        ),
        (
            vec!["--schema", "/nonexistent/s.sql", ALL_EXAMPLES[0]],
            "error: cannot read schema file /nonexistent/s.sql",
        ),
        (vec!["-"], "error: -:2: unterminated string starting here"),
    ] {
        let output = lint(&args, Some("SELECT 1;\nSELECT 'oops;\n"));
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&output).starts_with(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn exit_2_for_unknown_rule_or_target() {
    for args in [
        vec!["--allow", "DE999", "-"],
        vec!["--target-server", "postgres:16", "-"],
    ] {
        let output = lint(&args, Some("SELECT 1"));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn ignore_comments_and_allow_silence_rules() {
    let sql = "-- ddl-eta: ignore DE001\nDROP TABLE old_a;\nDROP TABLE old_b;\n";
    let output = lint(&["--format", "annotations", "-"], Some(sql));
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stdout(&output),
        "-:3: error: DE001 DROP TABLE `old_b` deletes the table and every row in it\n"
    );

    let output = lint(&["--allow", "de001", "-"], Some(sql));
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).ends_with("(target mysql:8.0, no --schema; 2 ignored)\n"),
        "{}",
        stdout(&output)
    );

    let output = lint(&["-"], Some("-- ddl-eta: ignore DE01\nDROP TABLE a;\n"));
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("-:1: 'DE01' is not a rule code"),
        "{}",
        stderr(&output)
    );
}
