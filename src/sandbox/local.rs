//! A server process of our own: `mariadbd` (or `mysqld`) from PATH, on a fresh data
//! directory under the temp dir, listening on a unix socket and a free loopback port,
//! configured for loading speed rather than durability, since nothing in it matters.

use super::cleanup::{self, Resource, DIR_PREFIX};
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlConnectOptions;
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
}

pub struct LocalServer {
    child: Option<Child>,
    dir: PathBuf,
    socket: Option<PathBuf>,
    port: u16,
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
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("creating sandbox directory {}", dir.display()))?;
        let mut server = LocalServer {
            child: None,
            socket: socket_path(&dir),
            port: free_port()?,
            dir,
        };
        // From here on a failure drops `server`, which removes the directory.
        let mariadb = binary_is_mariadb(&binary)?;
        server.initialize(&binary, mariadb)?;
        server.spawn(&binary, options)?;
        server.wait_until_ready().await?;
        Ok(server)
    }

    pub fn connect_options(&self) -> MySqlConnectOptions {
        let base = MySqlConnectOptions::new().username("root");
        match &self.socket {
            Some(socket) => base.socket(socket),
            None => base.host("127.0.0.1").port(self.port),
        }
    }

    /// The loopback TCP port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
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

    fn initialize(&self, binary: &Path, mariadb: bool) -> Result<()> {
        let data = self.data_dir();
        let mut command = if mariadb {
            let installer = find_on_path("mariadb-install-db")
                .or_else(|| find_on_path("mysql_install_db"))
                .context("mariadb-install-db is not on PATH (it ships with mariadb-server)")?;
            let mut command = Command::new(installer);
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
            let mut command = Command::new(binary);
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
        let output = command
            .stdin(Stdio::null())
            .output()
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

    fn spawn(&mut self, binary: &Path, options: &LocalOptions) -> Result<()> {
        let mut command = Command::new(binary);
        command
            .args(self.server_args(options))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Own process group: a terminal's Ctrl-C reaches ddl-eta, which stops the server
            // itself after cleaning up, instead of the server dying half-way on its own.
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; it only asks the kernel to SIGKILL the server
        // when ddl-eta dies, which covers the SIGKILL case no handler can catch.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        let child = command.spawn().context("starting the sandbox server")?;
        let pid = child.id();
        cleanup::register(Resource::Process {
            pid,
            dir: self.dir.clone(),
        });
        std::fs::write(self.dir.join("server.pid"), pid.to_string())
            .context("recording the sandbox server's pid")?;
        self.child = Some(child);
        Ok(())
    }

    fn server_args(&self, options: &LocalOptions) -> Vec<String> {
        let dir = &self.dir;
        let mut args = vec![
            "--no-defaults".to_string(),
            format!("--datadir={}", self.data_dir().display()),
            format!("--port={}", self.port),
            "--bind-address=127.0.0.1".to_string(),
            format!("--pid-file={}", dir.join("mysqld.pid").display()),
            format!("--log-error={}", dir.join("error.log").display()),
            format!("--tmpdir={}", dir.display()),
            "--skip-name-resolve".to_string(),
            "--skip-log-bin".to_string(),
            "--character-set-server=utf8mb4".to_string(),
            "--max-connections=200".to_string(),
            "--max-allowed-packet=256M".to_string(),
            format!("--innodb-buffer-pool-size={}", options.buffer_pool_bytes),
            // Small chunks, so the experiment can resize the pool to each scale's size.
            "--loose-innodb-buffer-pool-chunk-size=2M".to_string(),
            // Durability is worthless in a disposable server and costs loading time.
            "--loose-innodb-flush-log-at-trx-commit=0".to_string(),
            "--loose-innodb-doublewrite=0".to_string(),
            "--loose-innodb-log-file-size=512M".to_string(),
            "--loose-innodb-log-buffer-size=64M".to_string(),
            "--loose-mysqlx=0".to_string(),
            "--loose-performance-schema=0".to_string(),
        ];
        match &self.socket {
            Some(socket) => args.push(format!("--socket={}", socket.display())),
            None => args.push(format!("--socket={}", dir.join("s").display())),
        }
        if running_as_root() {
            args.push("--user=root".to_string());
        }
        args.extend(options.extra_args.iter().cloned());
        args
    }

    async fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let options = crate::server::plain_options(self.connect_options());
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    bail!(
                        "the sandbox server exited during start-up ({status}): {}",
                        self.error_log_tail()
                    );
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

fn binary_is_mariadb(binary: &Path) -> Result<bool> {
    // The name says nothing (Debian links mysqld to mariadbd); the version text does.
    let output = Command::new(binary)
        .arg("--version")
        .output()
        .with_context(|| format!("running {} --version", binary.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout)
        .to_ascii_lowercase()
        .contains("mariadb"))
}

/// A unix socket path inside the sandbox directory, unless the path is too long for one
/// (108 bytes on Linux), in which case the server is reached over loopback TCP.
fn socket_path(dir: &Path) -> Option<PathBuf> {
    let socket = dir.join("mysql.sock");
    (socket.as_os_str().len() < 100).then_some(socket)
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
