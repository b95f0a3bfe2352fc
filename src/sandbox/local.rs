//! A server process of our own: `mariadbd` (or `mysqld`) from PATH, on a fresh data
//! directory under the temp dir, configured for loading speed rather than durability, since
//! nothing in it matters. Closed to everyone else: a unix socket only (no TCP unless asked),
//! a random root password that lives in this process's memory only, file I/O confined to
//! its own directory.

use super::cleanup::{self, Resource, DIR_PREFIX};
use super::postmortem;
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlConnectOptions;
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Options for the local server; the buffer pool is the one setting users tune most.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    pub buffer_pool_bytes: u64,
    /// Extra `--name=value` server options (source settings that drive DDL time).
    pub extra_args: Vec<String>,
    /// Also listen on a loopback TCP port. The sandbox never needs it; tests and benches
    /// that play production with a local server do, to hand ddl-eta a `mysql://` URL.
    pub tcp: bool,
}

pub struct LocalServer {
    child: Option<Child>,
    dir: PathBuf,
    socket: Option<PathBuf>,
    /// The loopback port, when the server listens on TCP at all.
    port: Option<u16>,
    /// Root's password: random, never written to disk, gone when this value is.
    password: String,
}

/// The server binary: `mariadbd`, else `mysqld`, from PATH.
pub fn find_server_binary() -> Result<PathBuf> {
    for name in ["mariadbd", "mysqld"] {
        if let Some(path) = find_on_path(name) {
            return Ok(path);
        }
    }
    bail!(
        "no mariadbd or mysqld on PATH: install a server (apt-get install mariadb-server), \
         or use --sandbox-url URL or --sandbox docker"
    )
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

impl LocalServer {
    pub async fn start(options: &LocalOptions) -> Result<LocalServer> {
        Self::start_in(options, &std::env::temp_dir()).await
    }

    /// Start with the sandbox directory under `temp` (`--work-dir`) rather than the temp dir.
    pub async fn start_in(options: &LocalOptions, temp: &Path) -> Result<LocalServer> {
        let binary = find_server_binary()?;
        cleanup::remove_stale_sandboxes(temp);
        let dir = temp.join(format!(
            "{DIR_PREFIX}{}-{}",
            std::process::id(),
            super::random_suffix()
        ));
        let socket = socket_path(&dir);
        // Without a socket (its path too long) TCP is the only way in. Chosen before the
        // directory exists, so that a failure here leaves nothing behind.
        let port = if options.tcp || socket.is_none() {
            Some(free_port()?)
        } else {
            None
        };
        // Ours alone (0700): no other local user reaches the socket or the data files.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("creating sandbox directory {}", dir.display()))?;
        if let Err(error) = cleanup::mark_ours(&dir) {
            cleanup::remove_dir(&dir);
            return Err(error)
                .with_context(|| format!("writing into sandbox directory {}", dir.display()));
        }
        let mut server = LocalServer {
            child: None,
            socket,
            port,
            dir,
            password: random_password(),
        };
        // From here on a failure drops `server`, which removes the directory.
        let mariadb = binary_is_mariadb(&binary).await?;
        if let Err(error) = server.initialize(&binary, mariadb).await {
            return Err(server.explain(error).await);
        }
        server.spawn(&binary, options, mariadb)?;
        if let Err(error) = server.wait_until_ready().await {
            return Err(server.explain(error).await);
        }
        Ok(server)
    }

    /// Root over the unix socket (over loopback TCP only when there is no socket).
    pub fn connect_options(&self) -> MySqlConnectOptions {
        let base = MySqlConnectOptions::new()
            .username("root")
            .password(&self.password);
        match (&self.socket, self.port) {
            (Some(socket), _) => base.socket(socket),
            (None, port) => base.host("127.0.0.1").port(port.unwrap_or(3306)),
        }
    }

    /// The loopback TCP port it listens on (127.0.0.1), if it listens on TCP at all.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Root's password, for tests and benches that hand this server to ddl-eta as a URL.
    pub fn root_password(&self) -> &str {
        &self.password
    }

    /// The unix socket it listens on, unless its path was too long for one.
    pub fn socket(&self) -> Option<&Path> {
        self.socket.as_deref()
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The server's data directory: each database is a directory of table files in it.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The data directory, by the server's own installer; awaited, not blocked on, so that
    /// Ctrl-C or SIGTERM stops it (and its children) at once and the directory goes too.
    async fn initialize(&self, binary: &Path, mariadb: bool) -> Result<()> {
        let data = self.data_dir();
        let mut command = if mariadb {
            let installer = find_on_path("mariadb-install-db")
                .or_else(|| find_on_path("mysql_install_db"))
                .context("mariadb-install-db is not on PATH (it ships with mariadb-server)")?;
            let mut command = tokio::process::Command::new(installer);
            command.args([
                "--no-defaults".to_string(),
                format!("--datadir={}", data.display()),
                "--auth-root-authentication-method=normal".to_string(),
                "--skip-test-db".to_string(),
            ]);
            if let Some(basedir) = binary.parent().and_then(Path::parent) {
                command.arg(format!("--basedir={}", basedir.display()));
            }
            command
        } else {
            let mut command = tokio::process::Command::new(binary);
            command.args([
                "--no-defaults".to_string(),
                "--initialize-insecure".to_string(),
                format!("--datadir={}", data.display()),
            ]);
            command
        };
        // A temp dir of its own: concurrent bootstraps sharing /tmp collide on their
        // temporary tables (seen: "Unknown table 'mysql.tmp_user_sys'" under load).
        command.arg(format!("--tmpdir={}", self.dir.display()));
        if running_as_root() {
            command.arg("--user=root");
        }
        let output = output_or_kill_group(&mut command)
            .await
            .context("running the server's data directory initialisation")?;
        if !output.status.success() {
            let text = String::from_utf8_lossy(&output.stderr).to_string()
                + &String::from_utf8_lossy(&output.stdout);
            let reason = text
                .lines()
                .find(|l| l.contains("ERROR") && !l.contains("Aborting"))
                .map(|l| l.trim().to_string())
                .unwrap_or_else(|| last_line(&text));
            bail!("initialising the sandbox data directory failed: {reason}");
        }
        Ok(())
    }

    fn spawn(&mut self, binary: &Path, options: &LocalOptions, mariadb: bool) -> Result<()> {
        // Root's password reaches the server through a pipe it reads as its init file, run
        // before it accepts any connection: never on disk, never in a command line.
        let init = InitPipe::with(&self.init_sql(mariadb))?;
        let mut command = Command::new(binary);
        command
            .args(self.server_args(options))
            // The source's password (MYSQL_PWD) has no business in the sandbox's environment.
            .env_remove("MYSQL_PWD")
            .arg(format!("--init-file=/dev/fd/{}", init.read_fd))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own process group: a terminal's Ctrl-C reaches ddl-eta, which stops the server
            // itself after cleaning up, instead of the server dying half-way on its own.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to SIGKILL the server
        // when ddl-eta dies, which covers the SIGKILL case no handler can catch.
        // fcntl likewise: it lets the server inherit the init pipe's read end.
        let init_fd = init.read_fd;
        unsafe {
            command.pre_exec(move || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                if libc::fcntl(init_fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().context("starting the sandbox server");
        drop(init);
        let child = child?;
        let pid = child.id();
        cleanup::register(Resource::Process {
            pid,
            dir: self.dir.clone(),
        });
        // Owned before anything else can fail: dropping `self` then stops the server
        // before it removes the directory under it.
        self.child = Some(child);
        std::fs::write(self.dir.join("server.pid"), pid.to_string())
            .context("recording the sandbox server's pid")?;
        Ok(())
    }

    fn server_args(&self, options: &LocalOptions) -> Vec<String> {
        let dir = &self.dir;
        let mut args = vec![
            "--no-defaults".to_string(),
            format!("--datadir={}", self.data_dir().display()),
            format!("--pid-file={}", dir.join("mysqld.pid").display()),
            format!("--log-error={}", dir.join("error.log").display()),
            format!("--tmpdir={}", dir.display()),
            // LOAD DATA and SELECT ... INTO OUTFILE reach no file outside the sandbox.
            format!("--secure-file-priv={}", dir.display()),
            "--skip-name-resolve".to_string(),
        ];
        match self.port {
            Some(port) => args.extend([
                format!("--port={port}"),
                "--bind-address=127.0.0.1".to_string(),
            ]),
            None => args.push("--skip-networking".to_string()),
        }
        match &self.socket {
            Some(socket) => args.push(format!("--socket={}", socket.display())),
            None => args.push(format!("--socket={}", dir.join("s").display())),
        }
        if running_as_root() {
            args.push("--user=root".to_string());
        }
        args.extend(super::server_args(options.buffer_pool_bytes));
        args.extend(options.extra_args.iter().cloned());
        args
    }

    /// Statements the server runs at start-up, before it accepts anyone: root gets the
    /// password, and root's other accounts (no password, from the bootstrap) are dropped,
    /// except 127.0.0.1 when the server listens on TCP.
    fn init_sql(&self, mariadb: bool) -> String {
        let password = &self.password;
        let mut sql = Vec::new();
        if mariadb {
            // mariadb-install-db also makes root@::1 and root@<hostname>.
            sql.push(
                "DELETE FROM mysql.global_priv WHERE User = 'root' \
                 AND Host NOT IN ('localhost', '127.0.0.1');"
                    .to_string(),
            );
            sql.push(
                "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '127.0.0.1');"
                    .to_string(),
            );
            sql.push("FLUSH PRIVILEGES;".to_string());
        }
        sql.push(format!(
            "ALTER USER 'root'@'localhost' IDENTIFIED BY '{password}';"
        ));
        if self.port.is_some() {
            sql.push(format!(
                "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{password}';"
            ));
            sql.push(format!(
                "ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{password}';"
            ));
            sql.push(
                "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;".to_string(),
            );
        } else {
            sql.push("DROP USER IF EXISTS 'root'@'127.0.0.1';".to_string());
        }
        sql.join("\n") + "\n"
    }

    async fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let options = crate::server::plain_options(self.connect_options());
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(_)) = child.try_wait() {
                    // `explain` adds how it ended and its error log.
                    bail!("it stopped while starting");
                }
            }
            if crate::server::connect(&options, Duration::from_secs(2))
                .await
                .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the sandbox server did not accept connections within 60s: {}",
                    self.error_log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn error_log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        let errors: Vec<&str> = text.lines().filter(|l| l.contains("ERROR")).collect();
        match errors.last() {
            Some(line) => line.to_string(),
            None => last_line(&text),
        }
    }

    /// `error`, with what the server can tell about it copied in (its directory, error log
    /// included, is removed when it stops): a crash and how it ended, or a full disk and
    /// where, and the error log's relevant lines. Unchanged when the server saw nothing.
    pub async fn explain(&mut self, error: anyhow::Error) -> anyhow::Error {
        let cause = crate::text::causes(&error);
        let lost = postmortem::lost_connection(&cause);
        let exited = self.exit_status(lost).await;
        let log = std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default();
        let excerpt = postmortem::error_log_excerpt(&log);
        let space = postmortem::disk_space(&self.dir);
        let failed = lost || exited.is_some();
        let headline = if postmortem::is_disk_full(&cause, &excerpt, space, failed) {
            self.disk_full_headline(&cause, &excerpt, space)
        } else if let Some(status) = exited {
            let how = if status.code().is_some() {
                "stopped"
            } else {
                "crashed"
            };
            format!(
                "the sandbox server {how} ({})",
                postmortem::describe_exit(status)
            )
        } else {
            return error;
        };
        let mut message = format!("{headline}: {cause}");
        if !excerpt.is_empty() {
            message.push_str("\n  the sandbox server's error log ends with:");
            for line in &excerpt {
                message.push_str("\n    ");
                message.push_str(line);
            }
        }
        anyhow::anyhow!(message)
    }

    /// How the server ended, if it has. A client sees the connection drop a moment before
    /// the kernel reaps a killed server, so after a lost connection this waits a little.
    async fn exit_status(&mut self, connection_lost: bool) -> Option<std::process::ExitStatus> {
        let child = self.child.as_mut()?;
        let patience = if connection_lost { 50 } else { 1 };
        for _ in 0..patience {
            if let Ok(Some(status)) = child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    fn disk_full_headline(
        &self,
        cause: &str,
        excerpt: &[String],
        space: Option<postmortem::DiskSpace>,
    ) -> String {
        use crate::text::human_bytes;
        let needed = match postmortem::failed_allocation(excerpt, cause) {
            Some((bytes, file)) => format!(
                "its server needed {} ({bytes} bytes) more for {}",
                human_bytes(bytes),
                file.trim_start_matches("./")
            ),
            None => "its server needed more room".to_string(),
        };
        let temp = self.dir.parent().unwrap_or(&self.dir);
        let room = space.map_or_else(String::new, |s| {
            format!(
                " has {} free of {}",
                human_bytes(s.free),
                human_bytes(s.total)
            )
        });
        format!(
            "the sandbox's disk is full: {needed}, and {dir}{room} (the sandbox had written \
             {used}). A sandbox takes about {fixed} to start, plus its tables about three \
             times over at the largest scale (seeded base, working copy, the ALTER's copy): \
             free space there, or choose a larger filesystem with --work-dir (or TMPDIR)",
            dir = temp.display(),
            used = human_bytes(postmortem::dir_bytes(&self.dir)),
            fixed = human_bytes(FIXED_FOOTPRINT_BYTES),
        )
    }

    /// Stop the server and remove its directory. Also run on drop.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id();
            let _ = child.kill();
            let _ = child.wait();
            cleanup::release(|r| matches!(r, Resource::Process { pid: p, .. } if *p == pid));
        }
        cleanup::remove_dir(&self.dir);
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a fresh sandbox takes on disk before any table: the 512 MiB redo log it is
/// started with, the system tablespace and undo logs.
const FIXED_FOOTPRINT_BYTES: u64 = 600 << 20;

async fn binary_is_mariadb(binary: &Path) -> Result<bool> {
    // The name says nothing (Debian links mysqld to mariadbd); the version text does.
    let output = tokio::process::Command::new(binary)
        .arg("--version")
        .kill_on_drop(true)
        .output()
        .await
        .with_context(|| format!("running {} --version", binary.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .to_ascii_lowercase()
        .contains("mariadb"))
}

/// Run a command in a process group of its own and collect its output; if this future is
/// dropped first (Ctrl-C, SIGTERM), the whole group is killed: mariadb-install-db is a
/// script whose bootstrap server would otherwise outlive it.
async fn output_or_kill_group(
    command: &mut tokio::process::Command,
) -> std::io::Result<std::process::Output> {
    struct KillGroup(Option<i32>);
    impl Drop for KillGroup {
        fn drop(&mut self) {
            if let Some(group) = self.0 {
                // SAFETY: a signal to the process group we created; gone already is harmless.
                unsafe { libc::kill(-group, libc::SIGKILL) };
                // Dying takes a server some milliseconds: make sure it is done before we go.
                let deadline = Instant::now() + Duration::from_secs(2);
                while group_has_live_members(group) && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
    let child = command
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut guard = KillGroup(child.id().and_then(|pid| i32::try_from(pid).ok()));
    let output = child.wait_with_output().await;
    // Finished: the group is empty, and its id may soon be another's.
    guard.0 = None;
    output
}

/// Does any process that is not a zombie belong to this process group (from /proc)?
fn group_has_live_members(group: i32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // "pid (name) state ppid pgrp ...": the name may hold spaces, so split after ')'.
        let mut fields = stat
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace();
        let state = fields.next();
        let pgrp = fields.nth(1).and_then(|p| p.parse::<i32>().ok());
        pgrp == Some(group) && state != Some("Z")
    })
}

/// A unix socket path inside the sandbox directory, unless the path is too long for one
/// (108 bytes on Linux), in which case the server is reached over loopback TCP.
fn socket_path(dir: &Path) -> Option<PathBuf> {
    let socket = dir.join("mysql.sock");
    (socket.as_os_str().len() < 100).then_some(socket)
}

/// 32 random letters and digits: nothing to quote in SQL, 190 bits to guess.
pub(crate) fn random_password() -> String {
    use rand::distributions::{Alphanumeric, DistString};
    Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
}

/// A pipe holding the server's init file: written and closed on our side before the server
/// starts, so the server reads it to its end; our read end is closed on drop (the server
/// has its own copy by then).
struct InitPipe {
    read_fd: i32,
}

impl InitPipe {
    fn with(contents: &str) -> Result<InitPipe> {
        use std::io::Write;
        use std::os::fd::FromRawFd;
        let mut fds = [0i32; 2];
        // SAFETY: pipe2 writes two fds into the array we own; O_CLOEXEC keeps them from
        // every other child, and the server's pre_exec clears it on the read end only.
        if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } == -1 {
            return Err(std::io::Error::last_os_error()).context("creating the init pipe");
        }
        let pipe = InitPipe { read_fd: fds[0] };
        // SAFETY: fds[1] is a fresh fd that nothing else owns; File closes it on drop.
        let mut writer = unsafe { std::fs::File::from_raw_fd(fds[1]) };
        // A few hundred bytes: far below the pipe's 64 KiB buffer, so this never blocks.
        writer
            .write_all(contents.as_bytes())
            .context("writing the init pipe")?;
        Ok(pipe)
    }
}

impl Drop for InitPipe {
    fn drop(&mut self) {
        // SAFETY: our own fd, closed once.
        unsafe { libc::close(self.read_fd) };
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn last_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no output)")
        .trim()
        .to_string()
}
