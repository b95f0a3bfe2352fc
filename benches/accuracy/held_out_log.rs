//! The held-out log (benches/accuracy/HELD-OUT-LOG.md): every `--held-out` run appends its
//! date, commit, machine and figures, per mode, distance and case. The issue's goals are
//! judged on the first entry after the method was frozen; later entries are published but
//! claim nothing. Only a run from a committed worktree may write one.

use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::PathBuf;

pub fn path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/accuracy/HELD-OUT-LOG.md")
}

/// A held-out entry names the commit of the method it judged: refuse uncommitted changes.
pub fn check_clean_worktree() -> Result<()> {
    let output = std::process::Command::new("git")
        .args(["-C", env!("CARGO_MANIFEST_DIR"), "status", "--porcelain"])
        .output()
        .context("running git status")?;
    let changes = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() || !changes.trim().is_empty() {
        bail!(
            "--held-out needs a committed worktree (the log entry names the commit): commit or stash first:\n{}",
            changes.trim_end()
        );
    }
    Ok(())
}

/// Append one entry; returns the log's path.
pub fn append(results: &crate::Results, summary: &str) -> Result<PathBuf> {
    let file = path();
    let entries = std::fs::read_to_string(&file)
        .map(|text| text.matches("\n## Entry ").count())
        .unwrap_or(0);
    let m = &results.machine;
    let mut entry = format!(
        "\n## Entry {} — {}\n\n- commit: {} (ladders: {})\n- machine: {}, {} cores, {:.0} GB, {}, {}; load average {} at start, {} at end\n- cases: {}\n- repeats per statement: {}; wall time {:.0} min\n\n",
        entries + 1,
        results.date,
        results.ddl_eta_commit,
        ladder_commits(results),
        m.cpu,
        m.cores,
        m.memory_gb,
        m.kernel,
        m.server,
        m.load_average_start,
        m.load_average_end,
        results.held_out_cases.join(", "),
        results.repeats,
        results.wall_seconds / 60.0,
    );
    entry.push_str("```\n");
    entry.push_str(summary);
    entry.push_str("```\n");
    let mut log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .with_context(|| format!("opening {}", file.display()))?;
    log.write_all(entry.as_bytes())
        .with_context(|| format!("appending to {}", file.display()))?;
    Ok(file)
}

fn ladder_commits(results: &crate::Results) -> String {
    let mut commits: Vec<&str> = results
        .estimates
        .iter()
        .map(|e| e.commit.as_str())
        .collect();
    commits.sort_unstable();
    commits.dedup();
    commits.join(", ")
}
