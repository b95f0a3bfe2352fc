//! Faults in the sandbox, caused for real: its server killed mid-ladder, its disk full at
//! start and mid-ladder (on a small tmpfs; CI runs as root, which may mount one). Each time
//! the user gets one clear error naming what happened, with the server's error log lines
//! inline (its directory is gone by then), and nothing is left running or on disk.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, Command, Stdio};

/// The long estimate, mid-ladder for minutes.
fn estimate(scratch: &Scratch) -> Command {
    require_server_binary();
    let mut command = long_estimate(scratch);
    command.args(["--budget", "10m"]);
    command
}

/// Nothing at all left in the run's TMPDIR: no sandbox directory, no stray temp file.
fn assert_tmp_empty(tmp: &Path) {
    let left: Vec<PathBuf> = std::fs::read_dir(tmp)
        .expect("read TMPDIR")
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

/// Read the child's progress lines on stderr until the ladder proper starts seeding; the
/// rest of its stderr.
fn wait_for_seeding(child: &mut Child) -> std::io::Lines<BufReader<ChildStderr>> {
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("read stderr");
        let seeding = line.contains("seeding");
        seen.push(line);
        if seeding {
            return lines;
        }
    }
    panic!("never reached the ladder: {seen:?}");
}

#[test]
fn a_sandbox_server_killed_mid_ladder_is_named_with_its_error_log() {
    let scratch = Scratch::new("killed");
    let mut child = estimate(&scratch)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ddl-eta");
    let lines = wait_for_seeding(&mut child);
    let dirs = scratch.leftover_dirs();
    assert_eq!(dirs.len(), 1, "one sandbox directory while running");
    let pid: i32 = std::fs::read_to_string(dirs[0].join("server.pid"))
        .expect("server.pid")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: a signal to the server our ddl-eta started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);

    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    let err = rest.join("\n");
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: the sandbox server crashed (killed by signal 9 (SIGKILL))"),
        "{err}"
    );
    // The log's last lines, inline: a killed server writes nothing, so those of its start.
    assert!(
        err.contains("the sandbox server's error log ends with:\n    "),
        "{err}"
    );
    assert!(err.contains("ready for connections"), "{err}");
    scratch.assert_nothing_left();
    assert_tmp_empty(&scratch.dir.join("tmp"));
}

/// A tmpfs of `size` mounted over the scratch's TMPDIR for the test's duration.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(scratch: &Scratch, size: &str) -> SmallDisk {
        let dir = scratch.dir.join("tmp");
        std::fs::create_dir_all(&dir).expect("create TMPDIR");
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .expect("run mount");
        assert!(
            output.status.success(),
            "cannot mount a {size} tmpfs (the disk-full tests need root, as in CI): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

/// Run the long estimate with its TMPDIR on a tmpfs of `size` (as `mount` spells it, "8m"),
/// check the common part of the disk-full error and that nothing is left; the error.
fn full_disk_error(name: &str, size: &str, size_in_words: &str) -> String {
    let scratch = Scratch::new(name);
    let disk = SmallDisk::mount(&scratch, size);
    let output = estimate(&scratch).arg("--quiet").output().expect("run");
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: the sandbox's disk is full: its server needed "),
        "{err}"
    );
    let place = format!("and {} has ", disk.dir.display());
    assert!(err.contains(&place), "{err}");
    assert!(err.contains(&format!("free of {size_in_words}")), "{err}");
    assert!(
        err.contains("choose a larger filesystem with --work-dir"),
        "{err}"
    );
    assert_tmp_empty(&disk.dir);
    scratch.assert_nothing_left();
    err
}

#[test]
fn a_disk_too_small_to_start_the_sandbox_says_how_much_was_needed_and_where() {
    let err = full_disk_error("tinydisk", "8m", "8 MiB");
    assert!(err.contains(" bytes) more for ibdata1"), "{err}");
}

#[test]
fn a_ladder_too_large_for_the_disk_stops_before_it_with_the_bytes_needed() {
    // Room for the server but not for the ladder's tables at the scales 10 minutes buy.
    let scratch = Scratch::new("smalldisk");
    let disk = SmallDisk::mount(&scratch, "640m");
    let output = estimate(&scratch).arg("--quiet").output().expect("run");
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("not enough disk space for the ladder's tables: about "),
        "{err}"
    );
    let place = format!("MB needed in {}", disk.dir.display());
    assert!(err.contains(&place), "{err}");
    assert!(err.contains("--work-dir"), "{err}");
    assert_tmp_empty(&disk.dir);
    scratch.assert_nothing_left();
}

#[test]
fn a_disk_that_fills_mid_ladder_says_how_much_was_needed_and_where() {
    // The ladder fits when it starts; then something else takes the disk (the test fills
    // it), as another process on a shared machine would.
    let scratch = Scratch::new("fulldisk");
    let disk = SmallDisk::mount(&scratch, "1g");
    require_server_binary();
    let mut child = scratch
        .command()
        .arg("estimate")
        .args(["--schema", &example("courseware_studentmodule.sql")])
        .args(["--rows", "50M", "--max-rows", "200000", "--budget", "10m"])
        .arg(example("0017_alter_studentmodule_grade.sql"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ddl-eta");
    let lines = wait_for_seeding(&mut child);
    let filler = disk.dir.join("filler");
    fill(&filler);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().expect("wait");
    std::fs::remove_file(&filler).expect("remove the filler");
    let err = rest.join("\n");
    assert_eq!(status.code(), Some(1), "{err}");
    // Two guards can see it first, each with the bytes and the place: the check before
    // every new scale, or the server's own failed write (errno 28, its log inline).
    let dir = disk.dir.display().to_string();
    let before_scale = err.contains("not enough disk space for the ladder's tables: about ")
        && err.contains(&format!("MB needed in {dir}"));
    // (The bytes a failed write wanted are named where InnoDB's log gives them.)
    let server_write = err.contains("error: the sandbox's disk is full: its server needed ")
        && err.contains(&format!(" {dir} has "))
        && err.contains("the sandbox server's error log ends with:")
        && ["error 28", "error number 28", "Errcode: 28"]
            .iter()
            .any(|errno| err.contains(errno));
    assert!(before_scale || server_write, "{err}");
    assert_tmp_empty(&disk.dir);
    scratch.assert_nothing_left();
}

/// Write zeros to `path` until the filesystem has no room left.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).expect("create the filler");
    let chunk = vec![0u8; 1 << 20];
    while file.write_all(&chunk).is_ok() {}
    let _ = file.sync_all();
}
