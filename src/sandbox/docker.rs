//! A sandbox in a Docker container (`--sandbox docker --image mysql:8.0`), the way to get a
//! MySQL 8 sandbox for a MySQL or Aurora production where no mysqld is installed.
//! Where no Docker engine answers, it says so and stops.

use super::cleanup::{self, Resource};
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlConnectOptions;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Container {
    id: String,
    port: u16,
}

/// Is there an engine to talk to? `docker --version` answers without one, `docker info` not.
pub fn engine_answers() -> Result<()> {
    let output = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdin(Stdio::null())
        .output();
    match output {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => bail!(
            "no Docker engine answers (docker info: {}); use a local server (the default) or --sandbox-url",
            String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("failed").trim()
        ),
        Err(_) => bail!("no Docker engine answers (no docker command on PATH); use a local server (the default) or --sandbox-url"),
    }
}

impl Container {
    pub async fn start(image: &str, buffer_pool_bytes: u64) -> Result<Container> {
        engine_answers()?;
        let name = format!("ddl-eta-{}-{}", std::process::id(), super::random_suffix());
        let output = Command::new("docker")
            .args([
                "run",
                "-d",
                "--rm",
                "--name",
                &name,
                "-p",
                "127.0.0.1::3306",
            ])
            .args(["-e", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1"])
            .args(["-e", "MYSQL_ALLOW_EMPTY_PASSWORD=1"])
            .arg(image)
            .args(server_args(buffer_pool_bytes))
            .output()
            .context("running docker")?;
        if !output.status.success() {
            bail!(
                "docker run {image} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let id = String::from_utf8_lossy(&output.stdout).trim().to_string();
        cleanup::register(Resource::Container { id: id.clone() });
        let mut container = Container { id, port: 0 };
        container.port = container.published_port()?;
        container.wait_until_ready().await?;
        Ok(container)
    }

    pub fn connect_options(&self) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host("127.0.0.1")
            .port(self.port)
            .username("root")
    }

    fn published_port(&self) -> Result<u16> {
        let output = Command::new("docker")
            .args(["port", &self.id, "3306/tcp"])
            .output()
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

    pub fn stop(&mut self) {
        if self.id.is_empty() {
            return;
        }
        cleanup::remove_container(&self.id);
        let id = std::mem::take(&mut self.id);
        cleanup::release(|r| matches!(r, Resource::Container { id: i } if *i == id));
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        self.stop();
    }
}

fn server_args(buffer_pool_bytes: u64) -> Vec<String> {
    vec![
        "--character-set-server=utf8mb4".to_string(),
        format!("--innodb-buffer-pool-size={buffer_pool_bytes}"),
        "--skip-log-bin".to_string(),
        "--innodb-flush-log-at-trx-commit=0".to_string(),
        "--loose-innodb-doublewrite=0".to_string(),
    ]
}
