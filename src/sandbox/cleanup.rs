//! Everything ddl-eta starts is written down here, so that an error, a panic, Ctrl-C or
//! SIGTERM can still stop it. A SIGKILLed run cannot clean up after itself: its sandbox
//! directories name the owning pid, and the next run removes those whose owner is gone.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Prefix of every sandbox directory under the temp dir: `ddl-eta-<pid>-<random>`.
pub const DIR_PREFIX: &str = "ddl-eta-";

/// The file in each sandbox directory naming the host whose process made it: a stale
/// directory is one whose owner is gone from *this* host, and a pid means nothing on
/// another (containers sharing a `--work-dir` volume, hosts sharing it over NFS).
const MARKER: &str = ".ddl-eta-sandbox";

/// The random part of a sandbox directory's name (`super::random_suffix`).
const SUFFIX_LEN: usize = 8;

/// Something that must not outlive this process.
#[derive(Debug, Clone)]
pub enum Resource {
    /// A server process we spawned, and the directory holding its data.
    Process { pid: u32, dir: PathBuf },
    /// A Docker container we started (or are starting), by its name or id.
    Container { id: String },
    /// A database we created on a server the user runs (`--sandbox-url`).
    Database { url: String, name: String },
}

static RESOURCES: Mutex<Vec<Resource>> = Mutex::new(Vec::new());

fn resources() -> std::sync::MutexGuard<'static, Vec<Resource>> {
    // A panic while the lock was held must not stop the cleanup that follows it.
    RESOURCES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

pub fn register(resource: Resource) {
    resources().push(resource);
}

/// Forget a resource that its owner has released in the ordinary way.
pub fn release(matches: impl Fn(&Resource) -> bool) {
    resources().retain(|r| !matches(r));
}

/// Stop every process and container still registered, remove their directories; databases
/// on user servers are dropped through a short-lived runtime on a thread of its own, so this
/// works from a panic hook or a signal handler alike.
pub fn release_all_blocking() {
    let all: Vec<Resource> = std::mem::take(&mut *resources());
    let mut databases = Vec::new();
    for resource in all {
        match resource {
            Resource::Process { pid, dir } => {
                kill_process(pid);
                remove_dir(&dir);
            }
            Resource::Container { id } => remove_container(&id),
            Resource::Database { url, name } => databases.push((url, name)),
        }
    }
    if !databases.is_empty() {
        let worker = std::thread::spawn(move || drop_databases_blocking(databases));
        let _ = worker.join();
    }
}

fn drop_databases_blocking(databases: Vec<(String, String)>) {
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    runtime.block_on(async {
        for (url, name) in databases {
            let attempt = super::url::drop_database(&url, &name);
            let _ = tokio::time::timeout(Duration::from_secs(5), attempt).await;
        }
    });
}

/// SIGKILL and reap. The data is disposable, so there is nothing to shut down gracefully.
pub fn kill_process(pid: u32) {
    let Ok(pid) = i32::try_from(pid) else { return };
    // SAFETY: plain syscalls on a pid we spawned; errors (already gone) are harmless.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
    }
}

pub fn remove_container(id: &str) {
    let _ = std::process::Command::new("docker")
        .args(["rm", "-f", "-v", id])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
}

pub fn remove_dir(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// Mark a new sandbox directory as this host's, for `remove_stale_sandboxes`.
pub fn mark_ours(dir: &Path) -> std::io::Result<()> {
    std::fs::write(dir.join(MARKER), this_host())
}

/// This host's name (as the kernel has it), or nothing where it cannot be read.
fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_default()
}

/// Remove the sandbox directories (and servers) of earlier runs that died without
/// cleaning up, typically because they were SIGKILLed. Only directories named as ddl-eta
/// names them, marked as made on this host, whose owning pid is no longer alive are
/// touched: concurrent runs are safe, and a user's `ddl-eta-2024-notes` is left alone.
pub fn remove_stale_sandboxes(temp_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(temp_dir) else {
        return;
    };
    let host = this_host();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = owner_pid(&name.to_string_lossy()) else {
            continue;
        };
        let dir = entry.path();
        let marked_here = std::fs::read_to_string(dir.join(MARKER)).is_ok_and(|h| h == host);
        if !marked_here || process_alive(owner) {
            continue;
        }
        if let Some(server) = server_pid_in(&dir) {
            if process_alive(server) && cmdline_mentions(server, &dir) {
                kill_process(server);
            }
        }
        remove_dir(&dir);
    }
}

/// The pid in a name of the exact shape `ddl-eta-<pid>-<8 lowercase letters>`.
fn owner_pid(dir_name: &str) -> Option<u32> {
    let (pid, suffix) = dir_name.strip_prefix(DIR_PREFIX)?.split_once('-')?;
    let letters = suffix.len() == SUFFIX_LEN && suffix.bytes().all(|b| b.is_ascii_lowercase());
    let digits = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    (letters && digits).then(|| pid.parse().ok()).flatten()
}

fn server_pid_in(dir: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(dir.join("server.pid")).ok()?;
    text.trim().parse().ok()
}

pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks for existence.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

fn cmdline_mentions(pid: u32, dir: &Path) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|raw| String::from_utf8_lossy(&raw).contains(&*dir.to_string_lossy()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_pid_is_read_from_a_name_of_ddl_eta_s_own_shape_only() {
        assert_eq!(owner_pid("ddl-eta-1234-abcdefgh"), Some(1234));
        assert_eq!(owner_pid("ddl-eta-1234-abcd"), None);
        assert_eq!(owner_pid("ddl-eta-2024-backup"), None);
        assert_eq!(owner_pid("ddl-eta-2024-notes-abcdefgh"), None);
        assert_eq!(owner_pid("ddl-eta-x-abcdefgh"), None);
        assert_eq!(owner_pid("ddl-eta--abcdefgh"), None);
        assert_eq!(owner_pid("other-1234-abcdefgh"), None);
    }

    #[test]
    fn only_this_host_s_directories_whose_owner_is_gone_are_removed() {
        let base = std::env::temp_dir().join(format!("ddl-eta-unit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&base);
        // i32::MAX is above any pid the kernel hands out; our own pid is alive.
        let make = |name: String, host: Option<&str>| {
            let dir = base.join(name);
            std::fs::create_dir_all(&dir).expect("create dir");
            if let Some(host) = host {
                std::fs::write(dir.join(MARKER), host).expect("marker");
            }
            dir
        };
        let here = this_host();
        let dead = make(format!("{DIR_PREFIX}{}-deaddead", i32::MAX), Some(&here));
        let alive = make(
            format!("{DIR_PREFIX}{}-livelive", std::process::id()),
            Some(&here),
        );
        let elsewhere = make(
            format!("{DIR_PREFIX}{}-farzzzzz", i32::MAX),
            Some("another-host"),
        );
        let unmarked = make(format!("{DIR_PREFIX}{}-usersown", i32::MAX), None);
        let users = make(format!("{DIR_PREFIX}2024-backup"), None);
        remove_stale_sandboxes(&base);
        assert!(!dead.exists(), "stale directory should be removed");
        assert!(alive.exists(), "a live run's directory must be kept");
        assert!(elsewhere.exists(), "another host's directory must be kept");
        assert!(
            unmarked.exists(),
            "an unmarked directory is not ours to remove"
        );
        assert!(users.exists(), "a user's directory must be kept");
        remove_dir(&base);
    }
}
