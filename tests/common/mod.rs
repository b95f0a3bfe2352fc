//! Helpers shared by the integration tests: run the real ddl-eta binary with a temp
//! directory of the test's own, and check that nothing it started survives.

#![allow(dead_code)]

pub mod production;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_ddl-eta");

/// A temp directory for one test, used as TMPDIR of the ddl-eta it runs, so that the
/// test can see exactly what ddl-eta left behind. Removed on drop.
pub struct Scratch {
    pub dir: PathBuf,
}

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        remove_stale_scratches();
        let dir = std::env::temp_dir().join(format!("ddl_eta_test_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch { dir }
    }

    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).expect("write scratch file");
        path
    }

    /// The ddl-eta command with TMPDIR pointing into this scratch directory.
    pub fn command(&self) -> Command {
        let tmp = self.dir.join("tmp");
        std::fs::create_dir_all(&tmp).expect("create tmp");
        let mut command = Command::new(BIN);
        command.env("TMPDIR", &tmp);
        command.env_remove("DDL_ETA_SANDBOX_URL");
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("run ddl-eta")
    }

    /// Sandbox directories ddl-eta left in our TMPDIR.
    pub fn leftover_dirs(&self) -> Vec<PathBuf> {
        let tmp = self.dir.join("tmp");
        std::fs::read_dir(&tmp)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with("ddl-eta-"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Server processes whose command line points into our scratch directory.
    pub fn leftover_servers(&self) -> Vec<String> {
        servers_under(&self.dir)
    }

    pub fn assert_nothing_left(&self) {
        let dirs = self.leftover_dirs();
        assert!(dirs.is_empty(), "sandbox directories left behind: {dirs:?}");
        let servers = self.leftover_servers();
        assert!(
            servers.is_empty(),
            "server processes left running: {servers:?}"
        );
    }
}

/// Scratch directories of test processes that were killed (a timeout's SIGTERM, a
/// Ctrl-C) before their `Drop` could run: named `ddl_eta_test_<name>_<pid>`, removed once
/// that pid is gone.
fn remove_stale_scratches() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix("ddl_eta_test_") else {
            continue;
        };
        let pid = rest.rsplit('_').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Command lines of running processes that mention `dir` (our servers name their datadir).
pub fn servers_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().to_string();
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&raw).replace('\0', " ");
        // Zombies have an empty cmdline; a live server names its datadir.
        if cmdline.contains(&needle) && cmdline.contains("--datadir") {
            found.push(cmdline);
        }
    }
    found
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// The JSON report of an estimate that must have succeeded.
pub fn json_report(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "estimate failed: {}",
        stderr(output)
    );
    serde_json::from_str(&stdout(output)).expect("stdout is JSON")
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/openedx")
}

pub fn example(name: &str) -> String {
    examples().join(name).to_string_lossy().to_string()
}

/// A long estimate (50M rows): given `--budget 10m`, a fault or a signal finds it
/// mid-ladder. Progress on stderr unless `--quiet` is added. Its ladder stops at 1M rows
/// (a few GB of tables), so it runs the same on a machine with little disk to spare;
/// the COPY change keeps each run seconds long.
pub fn long_estimate(scratch: &Scratch) -> Command {
    let mut command = scratch.command();
    command.args([
        "estimate",
        "--schema",
        &example("courseware_studentmodule.sql"),
        "--rows",
        "50M",
        &example("0017_alter_studentmodule_grade.sql"),
        "--max-rows",
        "1M",
    ]);
    command
}

/// A small estimate that finishes in seconds: tiny ladder, short budget.
pub const QUICK: [&str; 6] = [
    "--max-rows",
    "4000",
    "--budget",
    "60s",
    "--quiet",
    "--format=json",
];

/// Fail loudly, never skip, when the machine has no server binary.
pub fn require_server_binary() {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .any(|d| d.join("mariadbd").exists() || d.join("mysqld").exists());
    assert!(
        found,
        "no mariadbd or mysqld on PATH: run scripts/test (it installs mariadb-server)"
    );
}

/// A local sandbox as ddl-eta starts one (socket only, its own temp directory), with this
/// buffer pool; failing, never skipping, when the machine has no server binary.
pub async fn local_sandbox(buffer_pool_bytes: u64) -> ddl_eta::sandbox::Sandbox {
    require_server_binary();
    ddl_eta::sandbox::Sandbox::start(&ddl_eta::sandbox::SandboxOptions {
        spec: ddl_eta::sandbox::SandboxSpec::Local,
        buffer_pool_bytes,
        extra_server_args: Vec::new(),
    })
    .await
    .expect("start a local sandbox")
}
