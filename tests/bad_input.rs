//! Bad input: one clear line on stderr naming what is wrong, exit 1, nothing left running.

mod common;
use common::*;

fn assert_fails_with(scratch: &Scratch, args: &[&str], expected: &[&str]) {
    let output = scratch.run(args);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "stderr: {err}");
    let line = err.lines().last().unwrap_or_default();
    assert!(line.starts_with("error: "), "{err}");
    for part in expected {
        assert!(line.contains(part), "expected {part:?} in {line:?}");
    }
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    scratch.assert_nothing_left();
}

fn schema() -> String {
    example("courseware_studentmodule.sql")
}

#[test]
fn a_migration_file_that_does_not_exist() {
    let scratch = Scratch::new("nofile");
    assert_fails_with(
        &scratch,
        &[
            "estimate",
            "--schema",
            &schema(),
            "--rows",
            "1M",
            "/nonexistent/0042.sql",
        ],
        &["/nonexistent/0042.sql"],
    );
}

#[test]
fn a_schema_file_that_does_not_exist() {
    let scratch = Scratch::new("noschema");
    let migration = example("0015_add_courseware_stats_index.sql");
    assert_fails_with(
        &scratch,
        &[
            "estimate",
            "--schema",
            "/nonexistent/schema.sql",
            "--rows",
            "1M",
            &migration,
        ],
        &["schema file", "/nonexistent/schema.sql"],
    );
}

#[test]
fn sql_the_sandbox_rejects_names_file_statement_and_line() {
    require_server_binary();
    let scratch = Scratch::new("rejected");
    let migration = scratch.file(
        "bad.sql",
        "-- fine\nALTER TABLE courseware_studentmodule ADD COLUMN a int NULL;\n\n\
         ALTER TABLE courseware_studentmodule ADD COLUMN b nosuchtype NULL;\n",
    );
    let path = migration.to_string_lossy().to_string();
    assert_fails_with(
        &scratch,
        &[
            "estimate",
            "--schema",
            &schema(),
            "--rows",
            "1M",
            &path,
            "--quiet",
        ],
        &[&format!("{path}:4"), "statement 2", "nosuchtype"],
    );
}

#[test]
fn a_table_the_schema_lacks() {
    let scratch = Scratch::new("notable");
    let migration = scratch.file("m.sql", "CREATE INDEX i ON auth_user (email);\n");
    assert_fails_with(
        &scratch,
        &[
            "estimate",
            "--schema",
            &schema(),
            "--rows",
            "1M",
            &migration.to_string_lossy(),
        ],
        &["auth_user", "m.sql:1"],
    );
}

#[test]
fn a_table_created_earlier_in_the_migration_is_known() {
    require_server_binary();
    let scratch = Scratch::new("created");
    let migration = scratch.file(
        "m.sql",
        "CREATE TABLE extra (id int PRIMARY KEY, v int);\nCREATE INDEX i ON extra (v);\n",
    );
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &schema(),
        "--rows",
        "1M",
        &migration.to_string_lossy(),
        "--max-rows",
        "2000",
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    scratch.assert_nothing_left();
}

#[test]
fn rows_missing_for_a_table() {
    let scratch = Scratch::new("norows");
    let schema = scratch.file(
        "two.sql",
        "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);\n",
    );
    // Only the tables the migration touches need --rows (b here; a is not created).
    let migration = scratch.file("m.sql", "ALTER TABLE b ADD COLUMN x int NULL;\n");
    assert_fails_with(
        &scratch,
        &[
            "estimate",
            "--schema",
            &schema.to_string_lossy(),
            "--rows",
            "a=10",
            &migration.to_string_lossy(),
        ],
        &["--rows", "table b"],
    );
}

#[test]
fn no_server_binary_on_path() {
    let scratch = Scratch::new("nobinary");
    let migration = example("0015_add_courseware_stats_index.sql");
    let output = scratch
        .command()
        .env("PATH", "/nonexistent")
        .args([
            "estimate",
            "--schema",
            &schema(),
            "--rows",
            "1M",
            &migration,
            "--quiet",
        ])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("no mariadbd or mysqld on PATH"), "{err}");
    scratch.assert_nothing_left();
}

#[test]
fn docker_without_an_engine_says_so() {
    let scratch = Scratch::new("nodocker");
    let migration = example("0015_add_courseware_stats_index.sql");
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &schema(),
        "--rows",
        "1M",
        &migration,
        "--sandbox",
        "docker",
        "--quiet",
    ]);
    if output.status.success() {
        // The one allowed skip: a Docker engine answers here, so the error cannot be shown.
        eprintln!("skipped: a Docker engine answers on this machine");
        return;
    }
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains("no Docker engine answers"), "{err}");
}

#[test]
fn a_sandbox_url_password_never_appears() {
    let scratch = Scratch::new("password");
    let migration = example("0015_add_courseware_stats_index.sql");
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &schema(),
        "--rows",
        "1M",
        &migration,
        "--quiet",
        "--sandbox-url",
        "mysql://user:hunter2secret@127.0.0.1:1/",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(!err.contains("hunter2secret"), "{err}");
    assert!(err.contains("sandbox"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let scratch = Scratch::new("usage");
    let output = scratch.run(&["estimate", "--budget", "soon", "x.sql"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
}
