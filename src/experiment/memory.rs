//! The memory regime: the buffer pool each run gets (production's share at that scale, or
//! the sandbox's own), the cache state each statement starts in, and the pool sizes and
//! out-of-regime runs the report shows.

use super::LadderOptions;
use crate::sandbox::buffer_pool;
use crate::seed::tables;
use crate::warning::Warning;
use anyhow::Result;
use sqlx::mysql::MySqlConnection;

/// The buffer pool's state when a statement starts (`--cache`): its table read in, or not.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum CacheState {
    #[default]
    Warm,
    Cold,
}

/// How the sandbox's buffer pool follows the ladder.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Regime {
    /// The pool the sandbox started with, whatever the tables' size.
    Fixed,
    /// Production's pool over its tables' bytes, kept at every scale.
    TableBytes(f64),
    /// Production's pool in bytes, scaled by each scale's share of production's rows.
    ShareOfRows(u64),
}

/// The buffer pool across the ladder: what it is set to at each run, and what it was.
pub(super) struct Memory {
    regime: Regime,
    cold: bool,
    /// The pool the sandbox started with, restored before each new scale is seeded (a
    /// pool sized for production's regime would slow the seeding down).
    full_pool: Option<u64>,
    /// The pool of every run the regime was matched for, in the order run.
    sizes: Vec<u64>,
    /// Runs whose pool sat above the regime (the server's minimum pool was larger).
    out_of_regime: usize,
}

impl Memory {
    /// The regime the options ask for. Only a sandbox ddl-eta started has its pool resized:
    /// on another server (`--sandbox-url`) the pool stays fixed, and a cold cache, which
    /// needs the resize, is refused.
    pub(super) fn new(options: &LadderOptions, owns_server: bool) -> Result<Memory> {
        let regime = if !owns_server {
            Regime::Fixed
        } else if let Some(ratio) = options.buffer_pool_ratio.filter(|r| *r > 0.0) {
            Regime::TableBytes(ratio)
        } else if let Some(pool) = options.production_buffer_pool.filter(|p| *p > 0) {
            Regime::ShareOfRows(pool)
        } else {
            Regime::Fixed
        };
        if options.cold_cache && !owns_server {
            anyhow::bail!("--cache cold resizes the buffer pool, which ddl-eta does only on a sandbox it started, not on --sandbox-url");
        }
        Ok(Memory {
            regime,
            cold: options.cold_cache,
            full_pool: None,
            sizes: Vec::new(),
            out_of_regime: 0,
        })
    }

    /// Whether each statement starts with its table out of the buffer pool (`--cache cold`).
    pub(super) fn cold(&self) -> bool {
        self.cold
    }

    /// Evict the tables from the buffer pool (`--cache cold`).
    pub(super) async fn empty(&self, loader: &mut MySqlConnection) -> Result<()> {
        buffer_pool::empty(loader).await
    }

    /// Resize the buffer pool to production's regime at this scale (`fraction` of
    /// production's rows). The smallest pool MariaDB runs with is a few MiB, so small
    /// scales may sit above the regime: they are named in a warning.
    pub(super) async fn match_regime(
        &mut self,
        loader: &mut MySqlConnection,
        fraction: f64,
    ) -> Result<()> {
        let (size, below_minimum) = match self.regime {
            Regime::Fixed => return Ok(()),
            Regime::TableBytes(ratio) => {
                let bytes = tables::working_table_bytes(loader).await?;
                buffer_pool::size_for(ratio, bytes)
            }
            Regime::ShareOfRows(pool) => buffer_pool::size_for(fraction, pool),
        };
        if self.full_pool.is_none() {
            self.full_pool = Some(buffer_pool::current(loader).await?);
        }
        buffer_pool::resize(loader, size).await?;
        self.sizes.push(size);
        if below_minimum {
            self.out_of_regime += 1;
        }
        Ok(())
    }

    /// Give seeding and index building back the pool the sandbox started with.
    pub(super) async fn restore_full_pool(&self, loader: &mut MySqlConnection) -> Result<()> {
        match self.full_pool {
            Some(size) => buffer_pool::resize(loader, size).await,
            None => Ok(()),
        }
    }

    /// Drop the last run's pool from the record (the `--validate` run, kept out of the fit).
    pub(super) fn forget_last_run(&mut self) {
        if self.regime != Regime::Fixed {
            self.sizes.pop();
        }
    }

    /// The pool of every run, after warning of the runs that were above the regime.
    pub(super) fn finish(self, warnings: &mut Vec<Warning>) -> Vec<u64> {
        if self.out_of_regime > 0 {
            warnings.push(Warning::OutOfRegime {
                runs: self.out_of_regime,
                min_pool_mib: buffer_pool::MIN_POOL_BYTES >> 20,
            });
        }
        self.sizes
    }
}
