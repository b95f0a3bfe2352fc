//! Nothing left behind: SIGTERM and Ctrl-C mid-run stop the sandbox server and remove its
//! directory; after a SIGKILL the server dies with its parent and the next run removes
//! the directory.

mod common;
use common::*;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Start a long estimate and wait until its sandbox server is up.
fn start_long_estimate(scratch: &Scratch) -> Child {
    require_server_binary();
    let child = long_estimate(scratch)
        .args(["--budget", "10m", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ddl-eta");
    let deadline = Instant::now() + Duration::from_secs(60);
    while scratch.leftover_servers().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the sandbox server never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Let it get into seeding.
    std::thread::sleep(Duration::from_secs(2));
    child
}

fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: sending a signal to our own child process.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill failed");
}

fn wait_until_nothing_left(scratch: &Scratch) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !scratch.leftover_servers().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_mid_run_stops_the_server_and_removes_its_directory() {
    let scratch = Scratch::new("sigterm");
    let mut child = start_long_estimate(&scratch);
    assert_eq!(
        scratch.leftover_dirs().len(),
        1,
        "one sandbox directory while running"
    );
    signal(&child, libc::SIGTERM);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(143));
    scratch.assert_nothing_left();
}

#[test]
fn ctrl_c_mid_run_stops_the_server_and_removes_its_directory() {
    let scratch = Scratch::new("sigint");
    let mut child = start_long_estimate(&scratch);
    signal(&child, libc::SIGINT);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(130));
    scratch.assert_nothing_left();
}

#[test]
fn after_sigkill_the_server_dies_and_the_next_run_removes_the_directory() {
    let scratch = Scratch::new("sigkill");
    let mut child = start_long_estimate(&scratch);
    signal(&child, libc::SIGKILL);
    let _ = child.wait();
    wait_until_nothing_left(&scratch);
    assert!(
        scratch.leftover_servers().is_empty(),
        "the server outlived a SIGKILLed ddl-eta"
    );
    assert_eq!(
        scratch.leftover_dirs().len(),
        1,
        "the killed run's directory is still there"
    );

    // The next run, successful or not, removes the directory of the dead one.
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &example("courseware_studentmodule.sql"),
        "--rows",
        "1M",
        &example("0018_alter_studentmodule_done.sql"),
        "--max-rows",
        "1000",
        "--quiet",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    scratch.assert_nothing_left();
}

#[test]
fn sigterm_while_the_data_directory_is_initialised_stops_the_installer_and_its_children() {
    let scratch = Scratch::new("sigterm_init");
    require_server_binary();
    let mut child = long_estimate(&scratch)
        .args(["--budget", "10m", "--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ddl-eta");
    // The installer's bootstrap server runs for a second or two before the real one starts.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !scratch
        .leftover_servers()
        .iter()
        .any(|cmdline| cmdline.contains("--bootstrap"))
    {
        assert!(Instant::now() < deadline, "never saw the bootstrap server");
        std::thread::sleep(Duration::from_millis(5));
    }
    signal(&child, libc::SIGTERM);
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(143));
    scratch.assert_nothing_left();
}
