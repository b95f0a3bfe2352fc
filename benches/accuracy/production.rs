//! The "production" side: a disposable local server per case, with the case's buffer pool
//! and otherwise MariaDB's own defaults. A shape's table is generated once, kept as a
//! transportable tablespace (.ibd + .cfg), and imported afresh before every timed run.

use crate::progress;
use crate::shapes::Shape;
use anyhow::{bail, Context, Result};
use ddl_eta::sandbox::local::{LocalOptions, LocalServer};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DATABASE: &str = "prod";
/// Rows per generating statement: a progress line every few seconds.
const BATCH: u64 = 100_000;

/// A generated table kept on disk, ready to import into any server of the same version.
pub struct Stash {
    dir: PathBuf,
    pub create: String,
    pub data_bytes: u64,
    pub index_bytes: u64,
}

pub struct Production {
    server: LocalServer,
    datadir: PathBuf,
    pub port: u16,
    pub buffer_pool: u64,
}

/// The settings of a production server that differ from ddl-eta's loading-speed sandbox:
/// MariaDB's defaults for durability and redo log size, as an untuned server has them.
pub fn production_settings() -> Vec<String> {
    vec![
        "--innodb-doublewrite=1".to_string(),
        "--innodb-flush-log-at-trx-commit=1".to_string(),
        "--innodb-log-file-size=96M".to_string(),
        "--innodb-log-buffer-size=16M".to_string(),
    ]
}

impl Production {
    /// `durable`: production's settings; otherwise the sandbox's fast ones (for building).
    pub async fn start(buffer_pool: u64, durable: bool, extra: &[String]) -> Result<Production> {
        let mut extra_args = if durable {
            production_settings()
        } else {
            Vec::new()
        };
        extra_args.extend(extra.iter().cloned());
        let server = LocalServer::start(&LocalOptions {
            buffer_pool_bytes: buffer_pool,
            extra_args,
            tcp: true,
        })
        .await
        .context("starting the production server")?;
        let mut conn = connect_to(&server, None).await?;
        sqlx::raw_sql(&format!("CREATE DATABASE {DATABASE}"))
            .execute(&mut conn)
            .await?;
        let row = sqlx::raw_sql("SELECT @@datadir, @@port, @@innodb_buffer_pool_size")
            .fetch_one(&mut conn)
            .await?;
        let datadir: String = row.try_get(0)?;
        let port: u32 = row.try_get::<u32, _>(1).or_else(|_| {
            row.try_get::<i64, _>(1)
                .map(|p| p as u32)
                .context("reading @@port")
        })?;
        let buffer_pool: u64 = row.try_get::<u64, _>(2).or_else(|_| {
            row.try_get::<i64, _>(2)
                .map(|b| b as u64)
                .context("reading the buffer pool size")
        })?;
        Ok(Production {
            server,
            datadir: PathBuf::from(datadir),
            port: port as u16,
            buffer_pool,
        })
    }

    pub async fn connect(&self) -> Result<MySqlConnection> {
        connect_to(&self.server, Some(DATABASE)).await
    }

    /// What a user gives `estimate --source`: the production database, read as root. The
    /// password goes through MYSQL_PWD (`password`), never a command line.
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}/{DATABASE}", self.port)
    }

    /// Root's password (random, held by the server handle).
    pub fn password(&self) -> &str {
        self.server.root_password()
    }

    /// Generate `rows` rows of the shape, in batches, with progress.
    pub async fn build(&self, shape: &Shape, rows: u64) -> Result<()> {
        let mut conn = self.connect().await?;
        sqlx::raw_sql(shape.create).execute(&mut conn).await?;
        for sql in shape.prepare()? {
            sqlx::raw_sql(&sql)
                .execute(&mut conn)
                .await
                .with_context(|| format!("preparing the data of {}", shape.table))?;
        }
        let started = Instant::now();
        let mut from = 1;
        while from <= rows {
            let to = (from + BATCH - 1).min(rows);
            sqlx::raw_sql(&shape.insert_sql(from, to))
                .execute(&mut conn)
                .await
                .with_context(|| format!("generating rows {from}..{to} of {}", shape.table))?;
            progress::note(format!(
                "generating {}: {} of {rows} rows ({:.0} rows/s)",
                shape.table,
                to,
                to as f64 / started.elapsed().as_secs_f64().max(1e-3)
            ));
            from = to + 1;
        }
        for sql in shape.cleanup() {
            sqlx::raw_sql(&sql).execute(&mut conn).await?;
        }
        sqlx::raw_sql(&format!("ANALYZE TABLE {}", shape.table))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Keep the table's files in `dir`: FLUSH TABLES .. FOR EXPORT makes them consistent
    /// and writes the .cfg that IMPORT TABLESPACE checks.
    pub async fn export(&self, shape: &Shape, dir: &Path) -> Result<Stash> {
        std::fs::create_dir_all(dir)?;
        let mut conn = self.connect().await?;
        let create = show_create(&mut conn, shape.table).await?;
        let (data_bytes, index_bytes) = sizes(&mut conn, shape.table).await?;
        sqlx::raw_sql(&format!("FLUSH TABLES {} FOR EXPORT", shape.table))
            .execute(&mut conn)
            .await?;
        let copied = self.copy_out(shape.table, dir);
        sqlx::raw_sql("UNLOCK TABLES").execute(&mut conn).await?;
        copied?;
        Ok(Stash {
            dir: dir.to_path_buf(),
            create,
            data_bytes,
            index_bytes,
        })
    }

    fn copy_out(&self, table: &str, dir: &Path) -> Result<()> {
        for ext in ["ibd", "cfg"] {
            let from = self.table_file(table, ext);
            std::fs::copy(&from, dir.join(format!("{table}.{ext}")))
                .with_context(|| format!("copying {}", from.display()))?;
        }
        Ok(())
    }

    fn table_file(&self, table: &str, ext: &str) -> PathBuf {
        self.datadir.join(DATABASE).join(format!("{table}.{ext}"))
    }

    /// A fresh copy of the stashed table under its own name: drop, create, discard the
    /// empty tablespace, put the stashed files in its place, import. Returns seconds.
    pub async fn restore(&self, shape: &Shape, stash: &Stash) -> Result<f64> {
        let started = Instant::now();
        let mut conn = self.connect().await?;
        let table = shape.table;
        sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {table}"))
            .execute(&mut conn)
            .await?;
        sqlx::raw_sql(&stash.create).execute(&mut conn).await?;
        sqlx::raw_sql(&format!("ALTER TABLE {table} DISCARD TABLESPACE"))
            .execute(&mut conn)
            .await?;
        for ext in ["ibd", "cfg"] {
            let from = stash.dir.join(format!("{table}.{ext}"));
            std::fs::copy(&from, self.table_file(table, ext))
                .with_context(|| format!("copying {} into the server", from.display()))?;
        }
        sqlx::raw_sql(&format!("ALTER TABLE {table} IMPORT TABLESPACE"))
            .execute(&mut conn)
            .await
            .with_context(|| format!("importing the tablespace of {table}"))?;
        let _ = std::fs::remove_file(self.table_file(table, "cfg"));
        Ok(started.elapsed().as_secs_f64())
    }

    /// Production's own statistics, as a live server keeps them (ddl-eta --source reads them).
    pub async fn analyze(&self, table: &str) -> Result<()> {
        let mut conn = self.connect().await?;
        sqlx::raw_sql(&format!("ANALYZE TABLE {table}"))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Read the clustered index once, so that the table's pages sit in the buffer pool as
    /// they do on a production server that uses the table (as far as the pool holds them).
    pub async fn warm(&self, table: &str) -> Result<()> {
        let mut conn = self.connect().await?;
        sqlx::raw_sql(&format!(
            "SELECT COUNT(*) FROM {table} FORCE INDEX (PRIMARY)"
        ))
        .fetch_all(&mut conn)
        .await?;
        Ok(())
    }

    pub async fn show_create(&self, table: &str) -> Result<String> {
        let mut conn = self.connect().await?;
        show_create(&mut conn, table).await
    }

    pub async fn version(&self) -> Result<String> {
        let mut conn = self.connect().await?;
        let row = sqlx::raw_sql("SELECT VERSION()")
            .fetch_one(&mut conn)
            .await?;
        Ok(row.try_get(0)?)
    }
}

/// Run one statement on a connection of its own and return its wall time: the same
/// measure ddl-eta takes in its sandbox.
pub async fn time_statement(conn: &mut MySqlConnection, sql: &str) -> Result<f64> {
    let started = Instant::now();
    sqlx::raw_sql(sql)
        .fetch_all(&mut *conn)
        .await
        .with_context(|| format!("running on production: {sql}"))?;
    Ok(started.elapsed().as_secs_f64())
}

async fn connect_to(server: &LocalServer, database: Option<&str>) -> Result<MySqlConnection> {
    let mut options = ddl_eta::server::plain_options(server.connect_options());
    if let Some(database) = database {
        options = options.database(database);
    }
    ddl_eta::server::connect(&options, Duration::from_secs(30))
        .await
        .context("connecting to the production server")
}

async fn show_create(conn: &mut MySqlConnection, table: &str) -> Result<String> {
    let row = sqlx::raw_sql(&format!("SHOW CREATE TABLE {table}"))
        .fetch_one(&mut *conn)
        .await?;
    let create: String = row.try_get(1)?;
    if !create.starts_with("CREATE TABLE") {
        bail!("unexpected SHOW CREATE TABLE output for {table}");
    }
    Ok(create)
}

async fn sizes(conn: &mut MySqlConnection, table: &str) -> Result<(u64, u64)> {
    let row = sqlx::raw_sql(&format!(
        "SELECT CAST(DATA_LENGTH AS UNSIGNED), CAST(INDEX_LENGTH AS UNSIGNED) \
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = '{DATABASE}' AND TABLE_NAME = '{table}'"
    ))
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}
