//! `.ddl-eta.toml` through the real binary, no server: found from a subdirectory, flags
//! over the file, `--no-config`, and one line naming the file, line and key for a bad key.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;

/// A project with a config file at its root and a migration two directories down.
fn project(name: &str, config: &str) -> Scratch {
    let scratch = Scratch::new(name);
    std::fs::create_dir_all(scratch.dir.join("app/migrations")).unwrap();
    scratch.file(".ddl-eta.toml", config);
    scratch.file("app/migrations/0002_drop.sql", "DROP TABLE old_a;\n");
    scratch
}

fn run_in(scratch: &Scratch, dir: &Path, args: &[&str]) -> Output {
    scratch
        .command()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run ddl-eta")
}

#[test]
fn lint_reads_the_config_from_a_parent_directory_and_flags_override_it() {
    let scratch = project(
        "config_lint",
        "allow = [\"DE001\"]\ntarget-server = \"mariadb:10.11\"\n",
    );
    let deep = scratch.dir.join("app/migrations");
    // The file allows DE001 (DROP TABLE, an error): silenced, exit 0.
    let output = run_in(
        &scratch,
        &deep,
        &["lint", "--format", "json", "0002_drop.sql"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ignored"], 1);
    assert_eq!(report["target_server"], "mariadb:10.11");
    // --allow on the command line replaces the file's list: DE001 fires again.
    let output = run_in(
        &scratch,
        &deep,
        &["lint", "--allow", "DE009", "0002_drop.sql"],
    );
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stdout(&output).contains("DE001"));
    // --target-server given wins over the file's.
    let output = run_in(
        &scratch,
        &deep,
        &[
            "lint",
            "--format",
            "json",
            "--target-server",
            "mysql:8.0.28",
            "0002_drop.sql",
        ],
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["target_server"], "mysql:8.0.28");
    // --no-config ignores the file.
    let output = run_in(&scratch, &deep, &["lint", "--no-config", "0002_drop.sql"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[test]
fn config_points_at_one_file() {
    let scratch = project("config_explicit", "allow = [\"DE009\"]\n");
    let other = scratch.file("ci.toml", "allow = [\"DE001\"]\n");
    let output = run_in(
        &scratch,
        &scratch.dir,
        &[
            "lint",
            "--config",
            other.to_str().unwrap(),
            "app/migrations/0002_drop.sql",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn an_unknown_key_is_one_line_naming_the_file_line_and_key_exit_2() {
    let scratch = project("config_bad_key", "budget = \"2m\"\nmax-duraton = \"10m\"\n");
    let output = run_in(
        &scratch,
        &scratch.dir.join("app"),
        &["lint", "migrations/0002_drop.sql"],
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    let file = scratch.dir.join(".ddl-eta.toml");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: {}:2: unknown key `max-duraton`",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn estimate_takes_its_tables_from_the_config() {
    // A profile named by the file, relative to the file's directory: estimate goes for it
    // (and fails to read it, exit 1) instead of asking for --schema/--source/--profile.
    let scratch = project(
        "config_estimate",
        "profile = \"ops/profile.json\"\nbudget = \"20s\"\n",
    );
    let deep = scratch.dir.join("app/migrations");
    let output = run_in(&scratch, &deep, &["estimate", "0002_drop.sql"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("ops/profile.json"),
        "{}",
        stderr(&output)
    );
    // Without the file, the tables are missing: a usage error.
    let output = run_in(
        &scratch,
        &deep,
        &["estimate", "--no-config", "0002_drop.sql"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--schema FILE, --source URL or --profile FILE"));
}
