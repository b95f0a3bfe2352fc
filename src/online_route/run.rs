//! Running pt-online-schema-change against the sandbox: the DSN of our database (a unix
//! socket where there is one), the password in an option file only we can read (never
//! in argv, which every local user sees), and the tool's own words when it refuses.

use super::{CAREFUL_OPTIONS, PT_OSC};
use crate::sandbox::{ClientAccess, Sandbox};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// How one run ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Altered; the wall time of the whole tool, its fixed costs included, and when it
    /// began and ended its swap (the RENAME), as its output said it.
    Done {
        seconds: f64,
        swap: Option<(Instant, Instant)>,
    },
    /// The tool stopped without altering: its reason, in its words.
    Refused { reason: String },
}

/// Whether pt-online-schema-change is on PATH.
pub fn installed() -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| dir.join(PT_OSC).is_file())
}

/// An option file holding the password, removed when dropped.
struct OptionFile {
    path: PathBuf,
}

impl OptionFile {
    fn write(dir: &Path, password: &str) -> Result<OptionFile> {
        let path = dir.join(format!(
            "ddl-eta-ptosc-{}-{}.cnf",
            std::process::id(),
            crate::sandbox::random_suffix()
        ));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("writing pt-osc's option file in {}", dir.display()))?;
        // Option files take a quoted value; a quote or backslash inside is escaped.
        let quoted = password.replace('\\', "\\\\").replace('"', "\\\"");
        writeln!(file, "[client]\npassword=\"{quoted}\"")
            .context("writing pt-osc's option file")?;
        Ok(OptionFile { path })
    }
}

impl Drop for OptionFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The DSN of `table` in the sandbox's database.
fn dsn(access: &ClientAccess, table: &str) -> String {
    let place = match &access.socket {
        Some(socket) => format!("S={}", socket.display()),
        None => format!("h={},P={}", access.host, access.port),
    };
    format!("{place},u={},D={},t={table}", access.user, access.database)
}

/// Run pt-osc on `table` with `alter`, the careful options and `flags`, and wait for it.
/// Killed if the future is dropped (Ctrl-C, SIGTERM).
pub async fn run(sandbox: &Sandbox, table: &str, alter: &str, flags: &[String]) -> Result<Outcome> {
    let access = sandbox.client_access();
    let dir = access
        .private_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    let option_file = match &access.password {
        Some(password) => Some(OptionFile::write(&dir, password)?),
        None => None,
    };
    let mut command = tokio::process::Command::new(PT_OSC);
    // --defaults-file first: the tool reads it before its other options.
    if let Some(file) = &option_file {
        command.arg(format!("--defaults-file={}", file.path.display()));
    }
    command
        .arg("--noversion-check")
        .args(["--alter", alter])
        .args(CAREFUL_OPTIONS)
        .args(flags)
        .args(["--execute", &dsn(&access, table)])
        // The MySQL client library falls back to MYSQL_PWD when a DSN has no password:
        // the source's password must not be offered to the sandbox (a `--sandbox-url`
        // server without one).
        .env_remove("MYSQL_PWD")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("running {PT_OSC} (install percona-toolkit)"))?;
    let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        bail!("{PT_OSC}'s output could not be read");
    };
    // Each line with the moment it arrived: the swap's window is read from them.
    let lines = async {
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            seen.push((Instant::now(), line));
        }
        seen
    };
    let errors = async {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    };
    let (lines, errors, status) = tokio::join!(lines, errors, child.wait());
    let status = status.with_context(|| format!("waiting for {PT_OSC}"))?;
    let seconds = started.elapsed().as_secs_f64();
    drop(option_file);
    let at = |marker: &str| {
        lines
            .iter()
            .find(|(_, l)| l.contains(marker))
            .map(|(t, _)| *t)
    };
    let mut text: String = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
    text.push_str(&errors);
    if status.success() && text.contains("Successfully altered") {
        let swap = at("Swapping tables").zip(at("Swapped original and new tables"));
        return Ok(Outcome::Done { seconds, swap });
    }
    Ok(Outcome::Refused {
        reason: reason(&text),
    })
}

/// The line of pt-osc's output that says why it stopped: its error, not the clean-up
/// lines after it.
pub fn reason(output: &str) -> String {
    let cleanup = [
        "Dropping",
        "Dropped",
        "was not altered",
        "Not ",
        "Altering",
        "Creating",
        "Created",
        "Altered",
        "Operation, tries",
        "No slaves found",
        "Not checking slave lag",
    ];
    let lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .filter(|l| !l.starts_with(|c: char| c.is_ascii_digit()) || l.contains("Error"))
        .filter(|l| !cleanup.iter().any(|c| l.contains(c)))
        .filter(|l| !l.contains(", 10, "))
        .collect();
    let reason = lines
        .iter()
        .find(|l| {
            l.contains("Error")
                || l.contains("does not have")
                || l.contains("You did not")
                || l.contains("will not")
                || l.contains("appears to")
                || l.contains("--")
        })
        .or(lines.first())
        .copied()
        .unwrap_or("it stopped without saying why");
    let mut reason = reason.to_string();
    if reason.len() > 300 {
        let cut = (0..=300)
            .rev()
            .find(|i| reason.is_char_boundary(*i))
            .unwrap_or(0);
        reason.truncate(cut);
        reason.push('…');
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_pt_osc_s_error_not_its_clean_up() {
        let output = "No slaves found.  See --recursion-method if host vm has slaves.\n\
Operation, tries, wait:\n  analyze_table, 10, 1\n\
Altering `d`.`nopk`...\nCreating new table...\nCreated new table d._nopk_new OK.\n\
The new table `d`.`_nopk_new` does not have a PRIMARY KEY or a unique index which is required for the DELETE trigger.\n\
Please check you have at least one UNIQUE and NOT NULLABLE index.\n\
2026-12-02T21:25:24 Dropping new table...\n`d`.`nopk` was not altered.\n";
        assert!(
            reason(output).starts_with("The new table `d`.`_nopk_new` does not have a PRIMARY KEY"),
            "{}",
            reason(output)
        );
    }
}
