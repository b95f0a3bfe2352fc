//! The Docker sandbox, where a Docker engine answers: closed like the local one (root needs
//! the random password, the port is published on loopback only, the local sandbox's server
//! options), and a container whose ddl-eta was SIGKILLed is removed by the next run.
//! Where no engine answers this is the one allowed skip, and it says so.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const IMAGE: &str = "mariadb:10.11";

fn docker(args: &[&str]) -> (bool, String) {
    let output = Command::new("docker")
        .args(args)
        .output()
        .expect("run the docker command");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text.trim().to_string())
}

fn engine_answers() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn containers_of(pid: u32) -> Vec<String> {
    let filter = format!("label=ddl-eta.owner-pid={pid}");
    let (_, out) = docker(&["ps", "-a", "-q", "--filter", &filter]);
    out.lines().map(str::to_string).collect()
}

#[test]
fn a_docker_sandbox_is_closed_and_outlives_a_killed_run_only_until_the_next_run() {
    if !engine_answers() {
        eprintln!(
            "skipped: no Docker engine answers here (docker info fails), so the Docker sandbox \
             cannot be started; this test runs where one does"
        );
        return;
    }
    let scratch = Scratch::new("docker");
    let estimate = |extra: &[&str]| {
        let mut command = long_estimate(&scratch);
        command.args(["--sandbox", "docker", "--image", IMAGE, "--quiet"]);
        command.args(extra);
        command
    };
    let mut child = estimate(&["--budget", "10m"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn ddl-eta");
    let owner = child.id();
    // Pulling the image can take minutes on a fresh machine.
    let deadline = Instant::now() + Duration::from_secs(600);
    let id = loop {
        if let Some(id) = containers_of(owner).into_iter().next() {
            break id;
        }
        assert!(
            Instant::now() < deadline,
            "no container labelled with pid {owner}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };

    let (_, ports) = docker(&["port", &id, "3306/tcp"]);
    assert!(
        ports.lines().all(|l| l.starts_with("127.0.0.1:")),
        "published beyond loopback: {ports}"
    );
    let (_, args) = docker(&["inspect", "--format", "{{json .Args}}", &id]);
    for option in [
        "--skip-name-resolve",
        "--secure-file-priv=/tmp",
        "--loose-innodb-doublewrite=0",
    ] {
        assert!(args.contains(option), "{option} missing from {args}");
    }
    // Root without the password, inside the container and over TCP: refused once it runs.
    let refused = loop {
        let (ok, out) = docker(&[
            "exec",
            &id,
            "mariadb",
            "-uroot",
            "--protocol=tcp",
            "-h127.0.0.1",
            "-e",
            "SELECT 1",
        ]);
        assert!(!ok, "root connected without the password");
        if out.contains("1045") {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    assert!(refused, "the container's server never answered");

    // SIGKILL: no handler runs, so the container outlives its owner...
    let pid = i32::try_from(owner).expect("pid");
    // SAFETY: a signal to our own child.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    let _ = child.wait();
    assert_eq!(containers_of(owner), vec![id.clone()]);
    // ...until the next Docker run, which removes it whatever its own outcome.
    let _ = estimate(&["--max-rows", "1000"]).output().expect("run");
    assert!(
        containers_of(owner).is_empty(),
        "the killed run's container is still there"
    );
    scratch.assert_nothing_left();
}
