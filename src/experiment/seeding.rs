//! The base tables and their growth: one per production table, holding the synthetic rows
//! every run's fresh tables come from, grown by appending (parents before children) and
//! timed so the ladder can price the next scale.

use crate::profile::Profile;
use crate::progress::Progress;
use crate::seed::tables::{base_name, check_seeded_rows, create_base_table, create_schema};
use crate::seed::{self, SeedContext, TableShape};
use crate::server::ServerInfo;
use crate::text::group_digits;
use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnection;
use std::collections::HashMap;
use std::time::Instant;

/// Rows per seeding statement: large enough to run at server speed, small enough for a
/// progress bar that moves and a budget that is checked often.
const SEED_BATCH: u64 = 100_000;

/// The base tables: their shapes (in the profile's order), what has been seeded into each
/// so far, and what seeding has cost.
pub(super) struct BaseTables<'a> {
    profile: &'a Profile,
    /// Per table, as the sandbox made it, with the profile's statistics and row width.
    pub(super) shapes: Vec<TableShape>,
    /// Table indexes, parents before children.
    pub(super) order: Vec<usize>,
    /// Rows seeded so far, by table name.
    pub(super) seeded: HashMap<String, u64>,
    /// Tables whose counter column holds 1..=rows, and that column.
    pub(super) counters: HashMap<String, String>,
    /// Rows per second of the last growth, all tables together.
    pub(super) rate: f64,
    /// Seconds per unit of fraction of the last growth, to price the next.
    pub(super) seconds_per_fraction: f64,
    /// Seconds spent seeding, all growths together.
    pub(super) seconds: f64,
}

/// A growth to a larger fraction: per table (in seeding order) the rows it has and wants.
pub(super) struct Growth {
    tables: Vec<(usize, u64, u64)>,
    total: u64,
}

impl<'a> BaseTables<'a> {
    /// Create the profile's tables as production has them (the first working tables),
    /// read back their shapes, and make an empty base table beside each.
    pub(super) async fn create(
        loader: &mut MySqlConnection,
        profile: &'a Profile,
    ) -> Result<BaseTables<'a>> {
        create_schema(loader, profile).await?;
        let mut shapes = Vec::new();
        for table in &profile.tables {
            shapes.push(
                seed::read_shape(loader, &table.name)
                    .await?
                    .with_profile(table)
                    .with_width(table),
            );
        }
        for (i, shape) in shapes.iter().enumerate() {
            create_base_table(loader, shape, &base_name(i)).await?;
        }
        let order = seed::seeding_order(&shapes);
        let counters = shapes
            .iter()
            .filter_map(|s| Some((s.name.clone(), s.counter_column()?.to_string())))
            .collect();
        Ok(BaseTables {
            profile,
            shapes,
            order,
            seeded: HashMap::new(),
            counters,
            rate: 0.0,
            seconds_per_fraction: 0.0,
            seconds: 0.0,
        })
    }

    pub(super) fn profile(&self) -> &'a Profile {
        self.profile
    }

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

    /// The fraction of every target at which the largest table has `rows` rows.
    pub(super) fn fraction_for(&self, rows: u64) -> f64 {
        let largest = self.profile.largest_rows().max(1);
        (rows as f64 / largest as f64).min(1.0)
    }

    /// The share of its target the least-grown table holds.
    pub(super) fn seeded_fraction(&self) -> f64 {
        self.profile
            .tables
            .iter()
            .map(|t| self.seeded.get(&t.name).copied().unwrap_or(0) as f64 / t.rows.max(1) as f64)
            .fold(f64::INFINITY, f64::min)
    }

    /// The rows each table lacks at `fraction` of its target; None when none lacks any.
    pub(super) fn growth_to(&self, fraction: f64) -> Option<Growth> {
        let tables: Vec<(usize, u64, u64)> = self
            .order
            .iter()
            .map(|&i| {
                let have = self.seeded.get(&self.shapes[i].name).copied().unwrap_or(0);
                (i, have, self.rows_at(i, fraction))
            })
            .filter(|(_, have, want)| want > have)
            .collect();
        let total: u64 = tables.iter().map(|(_, have, want)| want - have).sum();
        (total > 0).then_some(Growth { tables, total })
    }

    /// Append the growth's rows to the base tables, parents first (never reseeding).
    pub(super) async fn grow(
        &mut self,
        loader: &mut MySqlConnection,
        server: &ServerInfo,
        progress: &Progress,
        growth: Growth,
    ) -> Result<()> {
        let Growth { tables, total } = growth;
        let fraction_before = self.seeded_fraction();
        progress.counted_step(format!("seeding {} rows", group_digits(total)), total);
        let started = Instant::now();
        let mut done = 0;
        let targets = self.targets();
        for &(i, have, want) in &tables {
            let mut from = have + 1;
            while from <= want {
                let to = (from + SEED_BATCH - 1).min(want);
                let context = SeedContext {
                    targets: &targets,
                    counter_columns: &self.counters,
                };
                let sql = seed::insert_batch_sql(
                    server,
                    &base_name(i),
                    &self.shapes[i],
                    &context,
                    from,
                    to,
                )?;
                sqlx::raw_sql(&sql)
                    .execute(&mut *loader)
                    .await
                    .with_context(|| format!("seeding table {}", self.shapes[i].name))?;
                done += to - from + 1;
                progress.set_position(done);
                from = to + 1;
            }
            self.seeded.insert(self.shapes[i].name.clone(), want);
        }
        let seconds = started.elapsed().as_secs_f64();
        if seconds > 0.0 {
            self.rate = total as f64 / seconds;
        }
        self.seconds += seconds;
        // After the clock stops: counting is no part of the seeding rate. A shortfall
        // stops the experiment (see `check_seeded_rows`). Only tables that were empty:
        // rows into a table that has some fail loudly on a duplicate key, and counting a
        // large table would read it through a buffer pool the next runs are timed in.
        for &(i, _, want) in tables.iter().filter(|(_, have, _)| *have == 0) {
            check_seeded_rows(loader, &base_name(i), &self.shapes[i], want).await?;
        }
        let grown = self.seeded_fraction() - fraction_before.min(self.seeded_fraction());
        if grown > 0.0 {
            self.seconds_per_fraction = seconds / grown;
        }
        Ok(())
    }
}
