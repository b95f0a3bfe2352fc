//! Output that survives its reader: a closed stdout ends ddl-eta quietly, `--output` is
//! replaced whole, an error line gives each cause once and no form of the password.

mod common;
use common::{stderr, Scratch};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::Stdio;

fn saved_report() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/report_0019.json")
}

/// A pipe whose reading end is already closed: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe fills two fresh descriptors, which are owned from here on.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let scratch = Scratch::new("closed_stdout");
    let report = saved_report();
    let report = report.to_str().expect("path");
    let lint_input = scratch.file("m.sql", "ALTER TABLE t DROP COLUMN c;\n");
    for args in [
        vec!["report", report],
        vec!["report", "--format", "html", report],
        vec!["lint", lint_input.to_str().expect("path")],
    ] {
        let output = scratch
            .command()
            .args(&args)
            .stdout(closed_pipe())
            .output()
            .expect("run");
        let error = stderr(&output);
        assert!(
            !error.contains("panicked") && !error.contains("Broken pipe"),
            "{args:?}: {error}"
        );
        assert!(error.is_empty(), "{args:?}: {error}");
        // lint still reports its verdict (3: an error-level finding) by the exit code.
        let expected = if args[0] == "lint" { 3 } else { 0 };
        assert_eq!(output.status.code(), Some(expected), "{args:?}: {error}");
    }
}

/// The case from the field, `ddl-eta estimate ... 2>&1 | head`, with the reader gone
/// before the first line: progress and the report meet a closed pipe, the run still
/// finishes (exit 0) and stops its sandbox.
#[test]
fn an_estimate_whose_reader_left_finishes_and_cleans_up() {
    common::require_server_binary();
    let scratch = Scratch::new("closed_estimate");
    let output = scratch
        .command()
        .args([
            "estimate",
            "--schema",
            &common::example("courseware_studentmodule.sql"),
        ])
        .args([
            "--rows",
            "1M",
            &common::example("0018_alter_studentmodule_done.sql"),
        ])
        .args(["--max-rows", "2000", "--budget", "60s", "--no-probe"])
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    scratch.assert_nothing_left();
}

#[test]
fn output_files_are_replaced_whole() {
    let scratch = Scratch::new("output_file");
    let path = scratch.dir.join("report.md");
    std::fs::write(&path, "an older report").expect("write");
    let report = saved_report();
    let args = ["report", "--format", "markdown", "--output"];
    let output = scratch
        .command()
        .args(args)
        .arg(&path)
        .arg(&report)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.starts_with('#') && text.len() > 500, "{text}");
    let mut names: Vec<String> = std::fs::read_dir(&scratch.dir)
        .expect("list")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["report.md", "tmp"], "a temp file was left behind");

    // A directory that is not there: one line naming the file, exit 1.
    let missing = scratch.dir.join("nowhere/report.md");
    let output = scratch
        .command()
        .args(args)
        .arg(&missing)
        .arg(&report)
        .output()
        .expect("run");
    let error = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("nowhere/report.md"), "{error}");
}

/// Passwords with `@ : / %`, a space and non-ASCII, percent-encoded in the URL as they
/// must be, against a port where nothing listens: the error gives its cause once and
/// neither the typed nor the decoded password.
#[test]
fn connection_errors_give_each_cause_once_and_no_password() {
    let scratch = Scratch::new("error_once");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    for (typed, decoded) in [
        ("p%40ss%3Aw%2Frd", "p@ss:w/rd"),
        ("100%25%20sure", "100% sure"),
        ("gl%C3%BCck%E2%82%AC", "glück€"),
        ("a:b@c", "a:b@c"),
    ] {
        let url = format!("mysql://ro:{typed}@127.0.0.1:{port}/prod?ssl-mode=PREFERRED");
        let output = scratch.run(&["profile", "--source", &url, "--table", "t"]);
        let error = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{error}");
        assert_eq!(error.lines().count(), 1, "{error}");
        assert!(
            !error.contains(typed) && !error.contains(decoded),
            "{error}"
        );
        assert!(error.contains("mysql://ro:***@127.0.0.1"), "{error}");
        assert_eq!(error.matches("Connection refused").count(), 1, "{error}");
    }
}
