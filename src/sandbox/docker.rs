//! A sandbox in a Docker container (`--sandbox docker --image mysql:8.0`), the way to get a
//! MySQL 8 sandbox for a MySQL or Aurora production where no mysqld is installed.
//! Where no Docker engine answers, it says so and stops. The container gets the local
//! sandbox's server options and a random root password, publishes its port on loopback
//! only, and is labelled with its owner's pid so that the next run removes it if the owner
//! was killed before it could.

use super::cleanup::{self, Resource};
use super::SandboxOptions;
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlConnectOptions;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};
use tokio::process::Command;

/// Label naming the pid of the ddl-eta that started a container.
const OWNER_PID_LABEL: &str = "ddl-eta.owner-pid";
/// Label naming the host it ran on: a pid means nothing on another machine sharing the
/// engine (DOCKER_HOST), so only containers of this host are ever judged by their pid.
const OWNER_HOST_LABEL: &str = "ddl-eta.owner-host";

pub struct Container {
    /// Its name, which docker takes wherever it takes an id; empty once removed.
    id: String,
    port: u16,
    password: String,
}

/// Run `docker ARGS` (without waiting on anything but docker itself) and return its output.
async fn docker(args: &[&str]) -> std::io::Result<Output> {
    Command::new("docker")
        .args(args)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
}

/// Is there an engine to talk to? `docker --version` answers without one, `docker info` not.
pub async fn engine_answers() -> Result<()> {
    match docker(&["info", "--format", "{{.ServerVersion}}"]).await {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => bail!(
            "no Docker engine answers (docker info: {}); use a local server (the default) or --sandbox-url",
            String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("failed").trim()
        ),
        Err(_) => bail!("no Docker engine answers (no docker command on PATH); use a local server (the default) or --sandbox-url"),
    }
}

impl Container {
    pub async fn start(image: &str, options: &SandboxOptions) -> Result<Container> {
        engine_answers().await?;
        remove_stale_containers().await;
        let name = format!("ddl-eta-{}-{}", std::process::id(), super::random_suffix());
        let password = super::local::random_password();
        let owner = format!("{OWNER_PID_LABEL}={}", std::process::id());
        let host = format!("{OWNER_HOST_LABEL}={}", host_name());
        let mut command = Command::new("docker");
        command
            .args(["run", "-d", "--rm", "--name", &name])
            .args(["--label", &owner, "--label", &host])
            .args(["-p", "127.0.0.1::3306"])
            // `-e NAME` without a value: docker reads it from its own environment, so the
            // password is in no command line (`ps` shows those to every local user).
            .args(["-e", "MARIADB_ROOT_PASSWORD", "-e", "MYSQL_ROOT_PASSWORD"])
            .env("MARIADB_ROOT_PASSWORD", &password)
            .env("MYSQL_ROOT_PASSWORD", &password)
            .arg(image)
            .args(container_server_args(options))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        // Registered by its name before it exists: a signal while `docker run` runs
        // kills the client, not the container the daemon has started, and the name is
        // all there is to remove it by then (`docker rm` of a name never made is harmless).
        cleanup::register(Resource::Container { id: name.clone() });
        let output = command.output().await.context("running docker")?;
        if !output.status.success() {
            bail!(
                "docker run {image} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let mut container = Container {
            id: name,
            port: 0,
            password,
        };
        container.port = container.published_port().await?;
        container.wait_until_ready().await?;
        Ok(container)
    }

    /// Root's password, for a client program (pt-online-schema-change) that needs it.
    pub fn root_password(&self) -> &str {
        &self.password
    }

    pub fn connect_options(&self) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("root")
            .password(&self.password)
    }

    async fn published_port(&self) -> Result<u16> {
        let output = docker(&["port", &self.id, "3306/tcp"])
            .await
            .context("asking docker for the container's port")?;
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|line| line.rsplit(':').next()?.trim().parse().ok())
            .context("docker did not publish the container's port 3306")
    }

    async fn wait_until_ready(&self) -> Result<()> {
        // Image entrypoints initialise, restart once, then listen: allow them a few minutes.
        let deadline = Instant::now() + Duration::from_secs(180);
        let options = crate::server::plain_options(self.connect_options());
        while Instant::now() < deadline {
            if crate::server::connect(&options, Duration::from_secs(2))
                .await
                .is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        bail!("the sandbox container did not accept connections within 180s")
    }

    /// Remove the container, waiting for docker without blocking the runtime.
    pub async fn stop(&mut self) {
        if self.id.is_empty() {
            return;
        }
        let _ = docker(&["rm", "-f", "-v", &self.id]).await;
        let id = std::mem::take(&mut self.id);
        cleanup::release(|r| matches!(r, Resource::Container { id: i } if *i == id));
    }
}

// No Drop: a container dropped without `stop` (an error, a signal) stays registered, and
// `cleanup::release_all_blocking` removes it once the runtime is gone, where blocking on
// docker holds up nothing.

/// The local sandbox's options, inside the container: the same loading-speed settings and
/// the source's settings; file I/O confined to the container's own /tmp.
fn container_server_args(options: &SandboxOptions) -> Vec<String> {
    let mut args = super::server_args(options.buffer_pool_bytes);
    args.extend([
        "--skip-name-resolve".to_string(),
        "--secure-file-priv=/tmp".to_string(),
    ]);
    args.extend(options.extra_server_args.iter().cloned());
    args
}

/// Remove containers of earlier runs whose owner is gone (SIGKILLed, so `--rm` never came
/// into play: the container outlives the CLI). Live owners' containers are left alone.
async fn remove_stale_containers() {
    let format = format!(
        "{{{{.ID}}}} {{{{.Label \"{OWNER_PID_LABEL}\"}}}} {{{{.Label \"{OWNER_HOST_LABEL}\"}}}}"
    );
    let filter = format!("label={OWNER_PID_LABEL}");
    let Ok(output) = docker(&["ps", "-a", "--filter", &filter, "--format", &format]).await else {
        return;
    };
    let listing = String::from_utf8_lossy(&output.stdout);
    for id in stale_containers(&listing, &host_name(), cleanup::process_alive) {
        let _ = docker(&["rm", "-f", "-v", &id]).await;
    }
}

/// The ids, in `docker ps` lines of "ID PID HOST", of containers of this host whose owner
/// pid is no longer alive.
fn stale_containers(listing: &str, this_host: &str, alive: impl Fn(u32) -> bool) -> Vec<String> {
    listing
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (id, pid, host) = (fields.next()?, fields.next()?, fields.next()?);
            let pid: u32 = pid.parse().ok()?;
            (host == this_host && !alive(pid)).then(|| id.to_string())
        })
        .collect()
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .unwrap_or_else(|_| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_containers_of_dead_owners_on_this_host_are_stale() {
        let listing = "aaa 100 here\nbbb 200 here\nccc 100 elsewhere\nddd x here\neee 300\n";
        let stale = stale_containers(listing, "here", |pid| pid == 200);
        assert_eq!(stale, vec!["aaa".to_string()]);
    }

    #[test]
    fn the_container_gets_the_local_sandbox_options_and_the_source_settings() {
        let options = SandboxOptions {
            spec: super::super::SandboxSpec::Docker {
                image: "mysql:8.0".to_string(),
            },
            buffer_pool_bytes: 64 << 20,
            extra_server_args: vec!["--innodb-sort-buffer-size=2097152".to_string()],
        };
        let args = container_server_args(&options);
        for shared in super::super::server_args(64 << 20) {
            assert!(args.contains(&shared), "{shared} missing from {args:?}");
        }
        assert!(args.contains(&"--innodb-sort-buffer-size=2097152".to_string()));
        assert!(args.contains(&"--secure-file-priv=/tmp".to_string()));
    }
}
