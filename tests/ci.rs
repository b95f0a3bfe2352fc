//! CI glue through the real binary: `--format junit` parsed as XML by a real parser (the
//! counts CI servers read), `--stdin-filepath` naming piped SQL, and the hooks in
//! `.pre-commit-hooks.yaml` run as pre-commit would run them.

mod common;
use common::*;

use quick_xml::events::Event;
use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Each element of the document with its attributes, in order; panics (fails the test) on
/// XML that is not well formed.
fn elements(xml: &str) -> Vec<(String, HashMap<String, String>)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut found = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let attributes = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("well-formed attribute");
                        (
                            String::from_utf8_lossy(a.key.as_ref()).to_string(),
                            a.unescape_value().expect("escaped value").to_string(),
                        )
                    })
                    .collect();
                found.push((
                    String::from_utf8_lossy(e.name().as_ref()).to_string(),
                    attributes,
                ));
            }
            Ok(Event::Eof) => return found,
            Ok(_) => {}
            Err(e) => panic!(
                "not well-formed XML at {}: {e}\n{xml}",
                reader.buffer_position()
            ),
        }
    }
}

fn count(elements: &[(String, HashMap<String, String>)], name: &str) -> usize {
    elements.iter().filter(|(n, _)| n == name).count()
}

fn suite_attribute(elements: &[(String, HashMap<String, String>)], key: &str) -> usize {
    let (_, attributes) = elements
        .iter()
        .find(|(n, _)| n == "testsuite")
        .expect("a testsuite");
    attributes[key].parse().expect("a count")
}

/// `ddl-eta ARGS` from the crate root with `stdin` piped in.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--no-config")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ddl-eta");
    if let Some(mut pipe) = child.stdin.take() {
        let _ = pipe.write_all(stdin.as_bytes());
    }
    child.wait_with_output().expect("ddl-eta finishes")
}

const EXAMPLES: [&str; 5] = [
    "examples/openedx/0015_add_courseware_stats_index.sql",
    "examples/openedx/0016_studentmodule_attempts.sql",
    "examples/openedx/0017_alter_studentmodule_grade.sql",
    "examples/openedx/0018_alter_studentmodule_done.sql",
    "examples/openedx/0019_studentmodule_all_kinds.sql",
];

#[test]
fn lint_junit_has_a_case_per_finding_and_fails_the_errors() {
    let mut args = vec!["lint", "--format", "json"];
    args.extend(EXAMPLES);
    let json: serde_json::Value = serde_json::from_slice(&run(&args, "").stdout).unwrap();
    let findings = json["findings"].as_array().unwrap().len();
    let errors = json["errors"].as_u64().unwrap() as usize;
    assert!(
        errors > 0 && findings > errors,
        "the examples have both levels"
    );

    args[2] = "junit";
    let output = run(&args, "");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let xml = stdout(&output);
    let doc = elements(&xml);
    // One case per finding and one for the run.
    assert_eq!(count(&doc, "testcase"), findings + 1, "{xml}");
    assert_eq!(count(&doc, "failure"), errors, "{xml}");
    assert_eq!(suite_attribute(&doc, "failures"), errors);
    assert_eq!(suite_attribute(&doc, "tests"), findings + 1);
    let failing = doc
        .iter()
        .position(|(n, _)| n == "failure")
        .expect("a failure");
    let (_, case) = &doc[failing - 1];
    assert!(
        case["classname"].starts_with("examples/openedx/"),
        "{case:?}"
    );
    assert!(case["line"].parse::<usize>().is_ok(), "{case:?}");

    // A clean migration: one passing case, exit 0.
    let output = run(
        &["lint", "--format", "junit", "-"],
        "ALTER TABLE t ADD COLUMN c INT NULL, ALGORITHM=INSTANT, LOCK=NONE;\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let doc = elements(&stdout(&output));
    assert_eq!((count(&doc, "testcase"), count(&doc, "failure")), (1, 0));
}

#[test]
fn stdin_filepath_names_the_real_file_in_findings_and_errors() {
    let drop = "\nDROP TABLE old_a;\n";
    let output = run(
        &[
            "lint",
            "--format",
            "annotations",
            "--stdin-filepath",
            "app/migrations/0002.sql",
            "-",
        ],
        drop,
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("app/migrations/0002.sql:2: error: DE001"),
        "{}",
        stdout(&output)
    );
    let output = run(
        &[
            "lint",
            "--format",
            "junit",
            "--stdin-filepath",
            "app/migrations/0002.sql",
            "-",
        ],
        drop,
    );
    let doc = elements(&stdout(&output));
    assert!(doc.iter().any(|(n, a)| n == "testcase"
        && a.get("file").map(String::as_str) == Some("app/migrations/0002.sql")));
    // SQL that cannot be split: the error names the file too.
    let output = run(
        &["lint", "--stdin-filepath", "app/0003.sql", "-"],
        "SELECT 'open;\n",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("app/0003.sql:1:"),
        "{}",
        stderr(&output)
    );
    // Without `-` it would name nothing: a usage error.
    let output = run(
        &["lint", "--stdin-filepath", "app/0003.sql", EXAMPLES[0]],
        "",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no migration is `-`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn estimate_junit_fails_a_case_per_gated_statement() {
    require_server_binary();
    let scratch = Scratch::new("junit_estimate");
    let migration =
        std::fs::read_to_string(example("0015_add_courseware_stats_index.sql")).unwrap();
    let mut child = scratch
        .command()
        .args([
            "--no-config",
            "estimate",
            "--schema",
            &example("courseware_studentmodule.sql"),
            "--rows",
            "50M",
            "--stdin-filepath",
            "courseware/migrations/0015.sql",
            "-",
            "--max-rows",
            "3000",
            "--budget",
            "30s",
            "--no-probe",
            "--quiet",
            "--format",
            "junit",
            "--max-duration",
            "1ms",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run ddl-eta estimate");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(migration.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let xml = stdout(&output);
    let doc = elements(&xml);
    // Two statements, each over 1ms at 50M rows, and the whole migration (no such gate).
    assert_eq!(count(&doc, "testcase"), 3, "{xml}");
    assert_eq!(count(&doc, "failure"), 2, "{xml}");
    assert_eq!(suite_attribute(&doc, "failures"), 2);
    let files: Vec<&str> = doc
        .iter()
        .filter(|(n, _)| n == "testcase")
        .filter_map(|(_, a)| a.get("file").map(String::as_str))
        .collect();
    assert_eq!(files, ["courseware/migrations/0015.sql"; 2]);
    assert!(xml.contains("--max-duration"), "{xml}");
    scratch.assert_nothing_left();
}

/// `entry` and `files` of each hook in .pre-commit-hooks.yaml (a flat list of maps, read
/// line by line: no YAML parser needed for the file this repository writes).
fn hooks() -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.pre-commit-hooks.yaml"
    ))
    .expect("the hooks file");
    let mut hooks: Vec<HashMap<String, String>> = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let (item, body) = match line.strip_prefix("- ") {
            Some(body) => (true, body),
            None => (false, line.trim_start()),
        };
        if item {
            hooks.push(HashMap::new());
        }
        if let (Some((key, value)), Some(hook)) = (body.split_once(": "), hooks.last_mut()) {
            hook.insert(key.to_string(), value.to_string());
        }
    }
    hooks
}

#[test]
fn the_sql_hook_lints_the_files_pre_commit_passes() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str()).collect();
    assert_eq!(ids, ["ddl-eta-lint", "ddl-eta-django-lint"]);
    let sql = &hooks[0];
    assert_eq!(sql["files"], r"\.sql$");
    assert_eq!(sql["language"], "rust");
    assert_eq!(hooks[1]["language"], "system");
    assert!(hooks[1]["entry"].starts_with("ddl-eta django "));
    // pre-commit runs `entry` with the matching files appended.
    let words: Vec<&str> = sql["entry"].split_whitespace().collect();
    assert_eq!(words[0], "ddl-eta");
    let output = Command::new(BIN)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&words[1..])
        .args(["--no-config", EXAMPLES[0], EXAMPLES[1]])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stdout(&output).contains("DE007"), "{}", stdout(&output));
}
