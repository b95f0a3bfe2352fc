//! The sandbox: a disposable MySQL-compatible server where the migration really runs.
//! Three kinds: a local server process of our own (the default), a Docker container, or a
//! server the user runs (`--sandbox-url`). In every kind ddl-eta works inside one database
//! it creates, `ddl_eta_<random>`, and everything it made is gone when it stops.

pub mod buffer_pool;
pub mod cleanup;
pub mod clone;
pub mod docker;
pub mod local;
pub mod postmortem;
pub mod url;

use crate::server::{self, ServerInfo};
use anyhow::{Context, Result};
use sqlx::mysql::{MySqlConnectOptions, MySqlConnection};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Which sandbox to use, as chosen on the command line.
#[derive(Debug, Clone)]
pub enum SandboxSpec {
    Local,
    Docker { image: String },
    Url(String),
}

#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub spec: SandboxSpec,
    pub buffer_pool_bytes: u64,
    pub extra_server_args: Vec<String>,
}

enum Backend {
    Local(local::LocalServer),
    Docker(docker::Container),
    Url { url: String },
}

/// What a client program needs to reach the sandbox's database (`Sandbox::client_access`).
pub struct ClientAccess {
    pub socket: Option<PathBuf>,
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: Option<String>,
    pub database: String,
    /// A directory of the sandbox's own (mode 0700), removed with it.
    pub private_dir: Option<PathBuf>,
}

pub struct Sandbox {
    pub server: ServerInfo,
    /// The one database all our tables live in.
    pub database: String,
    /// How the server was reached, for the report ("local mariadbd", "docker mysql:8.0", a redacted URL).
    pub description: String,
    options: MySqlConnectOptions,
    backend: Backend,
    dropped_database: bool,
}

/// Server options every sandbox we start gets, local or Docker: loading speed over
/// durability, since nothing in it matters, and a pool the experiment can resize.
fn server_args(buffer_pool_bytes: u64) -> Vec<String> {
    vec![
        "--skip-log-bin".to_string(),
        "--character-set-server=utf8mb4".to_string(),
        "--max-connections=200".to_string(),
        "--max-allowed-packet=256M".to_string(),
        format!("--innodb-buffer-pool-size={buffer_pool_bytes}"),
        // Small chunks, so the experiment can resize the pool to each scale's size.
        "--loose-innodb-buffer-pool-chunk-size=2M".to_string(),
        // Durability is worthless in a disposable server and costs loading time.
        "--loose-innodb-flush-log-at-trx-commit=0".to_string(),
        "--loose-innodb-doublewrite=0".to_string(),
        "--loose-innodb-log-file-size=512M".to_string(),
        "--loose-innodb-log-buffer-size=64M".to_string(),
        "--loose-mysqlx=0".to_string(),
        "--loose-performance-schema=0".to_string(),
    ]
}

pub fn random_suffix() -> String {
    use rand::Rng;
    let mut rng = rand::thread_rng();
    (0..8)
        .map(|_| char::from(b'a' + rng.gen_range(0..26u8)))
        .collect()
}

impl Sandbox {
    pub async fn start(options: &SandboxOptions) -> Result<Sandbox> {
        Self::start_in(options, None).await
    }

    /// Start, with a local server's directory (its data and the ladder's tables) under
    /// `work_dir` instead of the temp dir.
    pub async fn start_in(options: &SandboxOptions, work_dir: Option<&Path>) -> Result<Sandbox> {
        let (backend, connect, description) = match &options.spec {
            SandboxSpec::Local => {
                let local_options = local::LocalOptions {
                    buffer_pool_bytes: options.buffer_pool_bytes,
                    extra_args: options.extra_server_args.clone(),
                    tcp: false,
                };
                let temp = work_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
                let server = local::LocalServer::start_in(&local_options, &temp).await?;
                let connect = server.connect_options();
                (Backend::Local(server), connect, "local server".to_string())
            }
            SandboxSpec::Docker { image } => {
                let container = docker::Container::start(image, options).await?;
                let connect = container.connect_options();
                (
                    Backend::Docker(container),
                    connect,
                    format!("docker {image}"),
                )
            }
            SandboxSpec::Url(address) => {
                let connect = url::parse(address)?;
                (
                    Backend::Url {
                        url: address.clone(),
                    },
                    connect,
                    url::redact_url(address),
                )
            }
        };
        let connect = server::plain_options(connect);
        // Our own server is on a socket or loopback: TLS would only add CPU to what is timed.
        let connect = match backend {
            Backend::Url { .. } => connect,
            _ => connect.ssl_mode(sqlx::mysql::MySqlSslMode::Disabled),
        };
        let database = format!("ddl_eta_{}", random_suffix());
        let mut sandbox = Sandbox {
            server: ServerInfo {
                flavor: server::Flavor::Mariadb,
                version: String::new(),
            },
            database: database.clone(),
            description,
            options: connect.clone(),
            backend,
            dropped_database: true,
        };
        let mut conn = sandbox.connect_admin().await?;
        sandbox.server = server::identify(&mut conn).await?;
        if let Backend::Url { url } = &sandbox.backend {
            cleanup::register(cleanup::Resource::Database {
                url: url.clone(),
                name: database.clone(),
            });
        }
        url::create_database(&connect, &database).await?;
        sandbox.dropped_database = false;
        sandbox.options = connect.database(&database);
        Ok(sandbox)
    }

    async fn connect_admin(&self) -> Result<MySqlConnection> {
        server::connect(&self.options, Duration::from_secs(10))
            .await
            .with_context(|| format!("connecting to the sandbox ({})", self.description))
    }

    /// A plain session in our database, as a migration would run in production.
    pub async fn connect(&self) -> Result<MySqlConnection> {
        self.connect_admin().await
    }

    /// A session for bulk loading: no unique or foreign key checks, permissive SQL mode.
    pub async fn connect_loader(&self) -> Result<MySqlConnection> {
        let mut conn = self.connect_admin().await?;
        // MariaDB seeds from the SEQUENCE engine; MySQL needs a deep recursive CTE instead.
        let cte = if self.server.is_mariadb() {
            ""
        } else {
            ", cte_max_recursion_depth = 4294967295"
        };
        let settings = format!(
            "SET SESSION unique_checks = 0, foreign_key_checks = 0, \
             sql_mode = 'NO_ENGINE_SUBSTITUTION'{cte}"
        );
        sqlx::raw_sql(&settings)
            .execute(&mut conn)
            .await
            .context("configuring a loading session")?;
        Ok(conn)
    }

    /// `error`, with what a local sandbox server can tell about it (a crash, a full disk,
    /// its error log) copied in before `close` removes its directory.
    pub async fn explain(&mut self, error: anyhow::Error) -> anyhow::Error {
        match &mut self.backend {
            Backend::Local(server) => server.explain(error).await,
            _ => error,
        }
    }

    /// Whether the server is ours to reconfigure (never a server the user runs).
    pub fn owns_server(&self) -> bool {
        !matches!(self.backend, Backend::Url { .. })
    }

    /// The directory holding our database's table files, where ddl-eta can reach them (a
    /// local server of its own); None for Docker and `--sandbox-url`.
    pub fn table_dir(&self) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local(server) => Some(server.data_dir().join(&self.database)),
            _ => None,
        }
    }

    pub fn connect_options(&self) -> &MySqlConnectOptions {
        &self.options
    }

    /// How a client program (pt-online-schema-change) reaches our database: its socket or
    /// host and port, the account and its password, and a directory only we can read
    /// (a local server's own) for the option file that carries the password.
    pub fn client_access(&self) -> ClientAccess {
        let password = match &self.backend {
            Backend::Local(server) => Some(server.root_password().to_string()),
            Backend::Docker(container) => Some(container.root_password().to_string()),
            Backend::Url { url } => ::url::Url::parse(url).ok().and_then(|u| {
                let password = u.password()?;
                Some(
                    percent_encoding::percent_decode_str(password)
                        .decode_utf8_lossy()
                        .into_owned(),
                )
            }),
        };
        ClientAccess {
            socket: self.options.get_socket().cloned(),
            host: self.options.get_host().to_string(),
            port: self.options.get_port(),
            user: self.options.get_username().to_string(),
            password,
            database: self.database.clone(),
            private_dir: match &self.backend {
                Backend::Local(server) => Some(server.dir().to_path_buf()),
                _ => None,
            },
        }
    }

    /// Drop our database and stop whatever we started. Dropping the Sandbox stops a local
    /// server too (a container is left to `cleanup::release_all_blocking`); this is the
    /// orderly way, which also cleans a user's server.
    pub async fn close(mut self) {
        if !self.dropped_database {
            if let Backend::Url { url } = &self.backend {
                let name = self.database.clone();
                // Forgotten only once dropped: otherwise the exit-time cleanup tries again.
                match url::drop_database_with(&self.options, &name).await {
                    Ok(()) => {
                        let url = url.clone();
                        cleanup::release(
                            |r| matches!(r, cleanup::Resource::Database { url: u, name: n } if *u == url && *n == name),
                        );
                    }
                    Err(error) => {
                        // Straight to stderr, as `output::say` does (output reads sandbox).
                        use std::io::Write;
                        let _ = writeln!(
                            std::io::stderr(),
                            "warning: the sandbox database {name} was not dropped ({}); ddl-eta tries again as it exits, else drop it by hand",
                            crate::text::causes(&error)
                        );
                    }
                }
            }
            self.dropped_database = true;
        }
        match &mut self.backend {
            Backend::Local(server) => server.stop(),
            // A container not stopped here (an error, a signal) is removed by
            // `cleanup::release_all_blocking` once the runtime is gone.
            Backend::Docker(container) => container.stop().await,
            Backend::Url { .. } => {}
        }
    }
}
