//! What ddl-eta writes for its reader: results to a stdout that may close early (`| head`),
//! `--output` files that are whole or absent, and error lines that give each cause once
//! and never a password.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Write the result to `path`, or to stdout. A reader that closed stdout (`| head`) has
/// all it wanted: that ends the write quietly, not as an error.
pub fn write_output(text: &str, path: Option<&Path>) -> Result<()> {
    match path {
        Some(path) => write_atomically(path, text)
            .with_context(|| format!("cannot write the report to {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(e).context("cannot write to standard output")
                }
                _ => Ok(()),
            }
        }
    }
}

/// Write to a temporary file beside `path`, then rename it over `path`: a run killed
/// half-way leaves the old file (or none), never half a report.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let temp = temp_path(path);
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// `.NAME.ddl-eta-PID.tmp` in the same directory, so the rename stays on one filesystem.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "report".to_string());
    path.with_file_name(format!(".{name}.ddl-eta-{}.tmp", std::process::id()))
}

/// The error line: `causes`, with every secret masked.
pub fn error_line(error: &anyhow::Error, secrets: &[String]) -> String {
    crate::sandbox::url::redact_all(&crate::text::causes(error), secrets)
}

/// Print a line to stderr, even when stderr is a closed pipe (printing must not panic).
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Driver;
    impl std::fmt::Display for Driver {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "1045 (28000): Access denied for user 'ro'")
        }
    }
    impl std::error::Error for Driver {}

    #[derive(Debug)]
    struct Wrapper(Driver);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "error returned from database: {}", self.0)
        }
    }
    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn each_cause_is_printed_once_and_secrets_never() {
        let error = anyhow::Error::new(Wrapper(Driver)).context("connecting with pw s3cret");
        let line = error_line(&error, &["s3cret".to_string()]);
        assert_eq!(
            line,
            "connecting with pw ***: error returned from database: 1045 (28000): Access denied for user 'ro'"
        );
        // Distinct causes all stay.
        let error = anyhow::anyhow!("disk full")
            .context("writing x")
            .context("seeding");
        assert_eq!(error_line(&error, &[]), "seeding: writing x: disk full");
    }

    #[test]
    fn output_files_are_replaced_whole_and_leave_no_temp_file() {
        let dir = std::env::temp_dir().join(format!("ddl_eta_output_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("report.json");
        std::fs::write(&path, "old").expect("old");
        write_output("new report", Some(&path)).expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new report");
        let names: Vec<_> = std::fs::read_dir(&dir)
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("report.json")]);
        // A directory that is not there: an error naming the file, nothing created.
        let missing = dir.join("no/such/dir/report.json");
        let error = write_output("x", Some(&missing)).expect_err("fails");
        assert!(format!("{error:#}").contains("no/such/dir/report.json"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
