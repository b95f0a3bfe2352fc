//! Growing the base tables to each scale: synthetic rows appended in batches, parents
//! before children, timed so the ladder can price the next scale.

use super::Lab;
use crate::seed::tables::{base_name, check_seeded_rows};
use crate::seed::{self, SeedContext};
use crate::text::group_digits;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::time::Instant;

/// Rows per seeding statement: large enough to run at server speed, small enough for a
/// progress bar that moves and a budget that is checked often.
const SEED_BATCH: u64 = 100_000;

impl Lab<'_> {
    /// Production row counts by table name, as the seeder takes them.
    pub(super) fn targets(&self) -> HashMap<String, u64> {
        self.profile
            .tables
            .iter()
            .map(|t| (t.name.clone(), t.rows))
            .collect()
    }

    pub(super) fn rows_at(&self, table: usize, fraction: f64) -> u64 {
        let target = self.profile.tables[table].rows;
        ((target as f64 * fraction).round() as u64).clamp(1, target.max(1))
    }

    /// Grow the base tables to `fraction` of their targets, appending rows (never
    /// reseeding), parents first. Returns the seconds spent and rows added.
    pub(super) async fn grow(&mut self, fraction: f64) -> Result<(f64, u64)> {
        let plan: Vec<(usize, u64, u64)> = self
            .seeding_order
            .iter()
            .map(|&i| {
                let have = self.seeded.get(&self.shapes[i].name).copied().unwrap_or(0);
                (i, have, self.rows_at(i, fraction))
            })
            .filter(|(_, have, want)| want > have)
            .collect();
        let total: u64 = plan.iter().map(|(_, have, want)| want - have).sum();
        if total == 0 {
            return Ok((0.0, 0));
        }
        self.memory.restore_full_pool(&mut self.loader).await?;
        self.unindex_bases().await?;
        let fraction_before = self.seeded_fraction();
        self.progress
            .counted_step(format!("seeding {} rows", group_digits(total)), total);
        let started = Instant::now();
        let mut done = 0;
        let targets = self.targets();
        for &(i, have, want) in &plan {
            let mut from = have + 1;
            while from <= want {
                let to = (from + SEED_BATCH - 1).min(want);
                let context = SeedContext {
                    targets: &targets,
                    counter_columns: &self.counters,
                };
                let sql = seed::insert_batch_sql(
                    &self.sandbox.server,
                    &base_name(i),
                    &self.shapes[i],
                    &context,
                    from,
                    to,
                )?;
                sqlx::raw_sql(&sql)
                    .execute(&mut self.loader)
                    .await
                    .with_context(|| format!("seeding table {}", self.shapes[i].name))?;
                done += to - from + 1;
                self.progress.set_position(done);
                from = to + 1;
            }
            self.seeded.insert(self.shapes[i].name.clone(), want);
        }
        let seconds = started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.seed_rate = total as f64 / seconds;
        }
        self.time.seed_seconds += seconds;
        // After the clock stops: counting is no part of the seeding rate. A shortfall
        // stops the experiment (see `check_seeded_rows`). Only tables that were empty:
        // rows into a table that has some fail loudly on a duplicate key, and counting a
        // large table would read it through a buffer pool the next runs are timed in.
        for &(i, _, want) in plan.iter().filter(|(_, have, _)| *have == 0) {
            check_seeded_rows(&mut self.loader, &base_name(i), &self.shapes[i], want).await?;
        }
        let grown = self.seeded_fraction() - fraction_before.min(self.seeded_fraction());
        if grown > 0.0 {
            self.seed_per_fraction = seconds / grown;
        }
        Ok((seconds, total))
    }

    pub(super) fn seeded_fraction(&self) -> f64 {
        self.profile
            .tables
            .iter()
            .map(|t| self.seeded.get(&t.name).copied().unwrap_or(0) as f64 / t.rows.max(1) as f64)
            .fold(f64::INFINITY, f64::min)
    }
}
