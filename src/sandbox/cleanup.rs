//! Everything ddl-eta starts is written down here, so that an error, a panic, Ctrl-C or
//! SIGTERM can still stop it. A SIGKILLed run cannot clean up after itself: its sandbox
//! directories name the owning pid, and the next run removes those whose owner is gone.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Prefix of every sandbox directory under the temp dir: `ddl-eta-<pid>-<random>`.
pub const DIR_PREFIX: &str = "ddl-eta-";

/// Something that must not outlive this process.
#[derive(Debug, Clone)]
pub enum Resource {
    /// A server process we spawned, and the directory holding its data.
    Process { pid: u32, dir: PathBuf },
    /// A Docker container we started.
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

/// Remove the sandbox directories (and servers) of earlier runs that died without
/// cleaning up, typically because they were SIGKILLed. Only directories whose owning
/// pid is no longer alive are touched, so concurrent runs are safe.
pub fn remove_stale_sandboxes(temp_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(temp_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(owner) = owner_pid(&name.to_string_lossy()) else {
            continue;
        };
        if process_alive(owner) {
            continue;
        }
        let dir = entry.path();
        if let Some(server) = server_pid_in(&dir) {
            if process_alive(server) && cmdline_mentions(server, &dir) {
                kill_process(server);
            }
        }
        remove_dir(&dir);
    }
}

fn owner_pid(dir_name: &str) -> Option<u32> {
    let rest = dir_name.strip_prefix(DIR_PREFIX)?;
    rest.split('-').next()?.parse().ok()
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
    fn owner_pid_is_read_from_the_directory_name() {
        assert_eq!(owner_pid("ddl-eta-1234-abcd"), Some(1234));
        assert_eq!(owner_pid("ddl-eta-x-abcd"), None);
        assert_eq!(owner_pid("other-1234"), None);
    }

    #[test]
    fn a_directory_whose_owner_is_gone_is_removed_and_a_live_one_kept() {
        let base = std::env::temp_dir().join(format!("ddl-eta-unit-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&base);
        // pid 0 is never a user process; our own pid is alive.
        let dead = base.join(format!("{DIR_PREFIX}{}-dead", i32::MAX));
        let alive = base.join(format!("{DIR_PREFIX}{}-alive", std::process::id()));
        std::fs::create_dir_all(&dead).expect("create dead dir");
        std::fs::create_dir_all(&alive).expect("create alive dir");
        remove_stale_sandboxes(&base);
        assert!(!dead.exists(), "stale directory should be removed");
        assert!(alive.exists(), "a live run's directory must be kept");
        remove_dir(&base);
    }
}
