//! Why a local sandbox failed, read before its directory is removed: whether its server
//! died, the lines of its error log that say what happened, and whether its disk was full.
//! The user never sees the directory, so what matters is copied into the error itself.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;

/// Lines of the error log printed with an error: enough for a crash's first lines.
const LOG_LINES: usize = 8;
/// Below this much free space (or 5% of the filesystem) a disk counts as full.
const NEARLY_FULL_BYTES: u64 = 64 << 20;

/// Warnings every sandbox server logs: a client that went away, an option this server
/// version lacks (given as `--loose-`), bootstrap accounts for the host name that
/// --skip-name-resolve ignores (and the init file then drops).
const ROUTINE: [&str; 3] = [
    "Aborted connection",
    "unknown variable 'loose-",
    "ignored in --skip-name-resolve mode",
];

/// Free and total bytes of the filesystem holding a directory.
#[derive(Debug, Clone, Copy)]
pub struct DiskSpace {
    pub free: u64,
    pub total: u64,
}

pub fn disk_space(dir: &Path) -> Option<DiskSpace> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a statvfs struct we own.
    if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    let block = stats.f_frsize as u64;
    Some(DiskSpace {
        free: stats.f_bavail as u64 * block,
        total: stats.f_blocks as u64 * block,
    })
}

/// Bytes of the files under `dir` (what the sandbox had written).
pub fn dir_bytes(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => pending.push(entry.path()),
                // Allocated blocks, not apparent length: a sparse file takes less room.
                Ok(meta) => total += meta.blocks() * 512,
                Err(_) => {}
            }
        }
    }
    total
}

/// The error log's lines worth showing: its errors (a crash report starts with one), else
/// its warnings but the routine ones, else its last lines, which show what it was doing.
pub fn error_log_excerpt(log: &str) -> Vec<String> {
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    let pick = |keep: &dyn Fn(&str) -> bool| -> Vec<&str> {
        lines.iter().copied().filter(|l| keep(l)).collect()
    };
    let mut chosen = pick(&|l| l.contains("[ERROR]") || l.contains("got signal"));
    if chosen.is_empty() {
        chosen = pick(&|l| l.contains("[Warning]") && !ROUTINE.iter().any(|r| l.contains(r)));
    }
    if chosen.is_empty() {
        chosen = lines;
    }
    let skip = chosen.len().saturating_sub(LOG_LINES);
    chosen[skip..]
        .iter()
        .map(|l| l.trim().to_string())
        .collect()
}

/// The write that found the disk full, as InnoDB reports it ("preallocating 79691776 bytes
/// for file ./ibdata1 failed with error 28") in its log or, at initialisation, its output
/// (which the error quotes): its bytes and its file.
pub fn failed_allocation(log_excerpt: &[String], error: &str) -> Option<(u64, String)> {
    let lines = log_excerpt.iter().map(String::as_str).chain(error.lines());
    lines.rev().find_map(|line| {
        let rest = line.split("preallocating ").nth(1)?;
        let (bytes, rest) = rest.split_once(" bytes for file ")?;
        let file = rest.split_whitespace().next()?;
        Some((bytes.parse().ok()?, file.to_string()))
    })
}

/// Does this failure look like a full disk? Errno 28 in the driver's or the server's words
/// says so; words that may have other causes ("the table is full": a MEMORY table at its
/// limit, too), or a server that died, only on a filesystem with next to nothing left.
pub fn is_disk_full(
    error: &str,
    log_excerpt: &[String],
    space: Option<DiskSpace>,
    server_failed: bool,
) -> bool {
    let texts: Vec<String> = std::iter::once(error)
        .chain(log_excerpt.iter().map(String::as_str))
        .map(str::to_ascii_lowercase)
        .collect();
    let any = |words: &[&str]| texts.iter().any(|t| words.iter().any(|w| t.contains(w)));
    let low = space.is_some_and(|s| s.free < NEARLY_FULL_BYTES.max(s.total / 20));
    any(&[
        "no space left",
        "disk full",
        "errno 28",
        "errno: 28",
        "errcode: 28",
        "error 28",
    ]) || (low && (server_failed || any(&["is full", "can't change size of file"])))
}

/// Did the client lose its connection (the server gone, or going)?
pub fn lost_connection(error: &str) -> bool {
    let error = error.to_ascii_lowercase();
    [
        "error communicating",
        "connection reset",
        "broken pipe",
        "unexpected end of file",
        "at eof",
        "lost connection",
        "connection refused",
        "server has gone away",
        "no such file or directory",
    ]
    .iter()
    .any(|words| error.contains(words))
}

/// "killed by signal 9 (SIGKILL)", "exited with status 1".
pub fn describe_exit(status: ExitStatus) -> String {
    match (status.signal(), status.code()) {
        (Some(signal), _) => format!("killed by signal {signal} ({})", signal_name(signal)),
        (None, Some(code)) => format!("exited with status {code}"),
        (None, None) => status.to_string(),
    }
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "signal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_excerpt_keeps_errors_or_else_the_last_lines() {
        let log = "a Note\n[ERROR] one\nb\n[Warning] two\n\n";
        assert_eq!(error_log_excerpt(log), vec!["[ERROR] one"]);
        let log = "a Note\n[Warning] two\nb\n";
        assert_eq!(error_log_excerpt(log), vec!["[Warning] two"]);
        let quiet: String = (0..20).map(|i| format!("note {i}\n")).collect();
        let excerpt = error_log_excerpt(&quiet);
        assert_eq!(excerpt.len(), LOG_LINES);
        assert_eq!(excerpt.last().map(String::as_str), Some("note 19"));
        let routine = "x [Warning] Aborted connection 5\ny [Note] ready\n";
        assert_eq!(error_log_excerpt(routine).len(), 2);
    }

    #[test]
    fn the_failed_write_is_read_from_innodbs_words() {
        let excerpt = vec![
            "2026-11-29 8 [ERROR] InnoDB: preallocating 79691776 bytes for file ./ibdata1 failed with error 28".to_string(),
            "2026-11-29 8 [ERROR] mariadbd: The table 'x' is full".to_string(),
        ];
        assert_eq!(
            failed_allocation(&excerpt, ""),
            Some((79_691_776, "./ibdata1".to_string()))
        );
        assert_eq!(failed_allocation(&excerpt[1..], "lost"), None);
        assert_eq!(
            failed_allocation(&[], &excerpt[0]).map(|(bytes, _)| bytes),
            Some(79_691_776)
        );
    }

    #[test]
    fn a_full_disk_is_recognised_by_errno_28_or_by_its_symptoms_with_no_room_left() {
        let roomy = Some(DiskSpace {
            free: 10 << 30,
            total: 20 << 30,
        });
        let full = Some(DiskSpace {
            free: 1 << 20,
            total: 20 << 30,
        });
        let log = vec![
            "[ERROR] InnoDB: preallocating 8 bytes for file x failed with error 28".to_string(),
        ];
        assert!(is_disk_full("Error 1114", &log, roomy, false));
        assert!(!is_disk_full(
            "Error 1114: The table 't' is full",
            &[],
            roomy,
            false
        ));
        assert!(is_disk_full(
            "Error 1114: The table 't' is full",
            &[],
            full,
            false
        ));
        assert!(!is_disk_full("Lost connection", &[], roomy, true));
        assert!(is_disk_full("Lost connection", &[], full, true));
        assert!(!is_disk_full("Duplicate entry", &[], full, false));
    }
}
