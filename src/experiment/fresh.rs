//! Fresh tables for every run: where ddl-eta can reach the sandbox's files, a clone of
//! each base table (indexed by sort once per scale) through a transportable tablespace;
//! elsewhere, and for tables that cannot be cloned, a copy with `INSERT … SELECT`.

use super::seeding::BaseTables;
use super::{CopiedTable, FreshMethod, LadderTime};
use crate::quote::ident;
use crate::sandbox::buffer_pool;
use crate::sandbox::clone::{self, Refusal};
use crate::sandbox::Sandbox;
use crate::seed::tables::{
    base_name, check_copy_not_empty, copy_sql, create_schema, drop_working_tables,
    working_table_bytes,
};
use crate::text::group_digits;
use crate::warning::Warning;
use anyhow::{Context, Result};
use sqlx::mysql::MySqlConnection;
use std::path::PathBuf;
use std::time::Instant;

/// How every run gets its tables: which are cloned, the bases' index state, and the time
/// it all took.
pub(super) struct FreshTables {
    /// The directory of our database's table files, where cloning is possible.
    table_dir: Option<PathBuf>,
    /// Per table: cloned (else copied) for every run.
    cloned: Vec<bool>,
    /// Per cloned table: its secondary indexes as `ADD …` clauses for its base table.
    index_clauses: Vec<Vec<String>>,
    /// Whether the base tables carry their secondary indexes now.
    base_indexed: bool,
    /// Seconds per unit of fraction of the last index build, to price the next.
    index_per_fraction: f64,
    index_seconds: f64,
    fresh_table_seconds: f64,
    warm_seconds: f64,
    clone_bytes: u64,
    clone_seconds: f64,
    clone_fell_back: bool,
    copied_tables: Vec<CopiedTable>,
}

impl FreshTables {
    /// Decide, from the schema and before anything is seeded, which tables are cloned:
    /// those the server can export and import whole, together with every table linked to
    /// them by foreign keys (a parent and a child from different states would not match,
    /// and with foreign key checks off nothing would say so). Only a sandbox ddl-eta
    /// started has files to clone.
    pub(super) async fn choose(
        loader: &mut MySqlConnection,
        sandbox: &Sandbox,
        bases: &BaseTables<'_>,
    ) -> Result<FreshTables> {
        let table_dir = if sandbox.owns_server() {
            sandbox.table_dir()
        } else {
            None
        };
        let count = bases.shapes.len();
        let mut fresh = FreshTables {
            table_dir,
            cloned: vec![false; count],
            index_clauses: vec![Vec::new(); count],
            base_indexed: false,
            index_per_fraction: 0.0,
            index_seconds: 0.0,
            fresh_table_seconds: 0.0,
            warm_seconds: 0.0,
            clone_bytes: 0,
            clone_seconds: 0.0,
            clone_fell_back: false,
            copied_tables: Vec::new(),
        };
        if fresh.table_dir.is_none() {
            return Ok(fresh);
        }
        let mut clonable = Vec::with_capacity(count);
        for shape in &bases.shapes {
            let refusal = clone::refusal(loader, &shape.name).await?;
            if let Some(reason) = refusal {
                fresh.copied_tables.push(CopiedTable {
                    table: shape.name.clone(),
                    reason,
                });
            }
            clonable.push(refusal.is_none());
        }
        for group in foreign_key_groups(&bases.shapes) {
            let whole = group.iter().all(|&i| clonable[i]);
            for &i in &group {
                fresh.cloned[i] = whole;
                if !whole && clonable[i] {
                    fresh.copied_tables.push(CopiedTable {
                        table: bases.shapes[i].name.clone(),
                        reason: Refusal::ForeignKeyGroup,
                    });
                }
            }
        }
        for i in 0..count {
            if fresh.cloned[i] {
                let create = clone::show_create(loader, &bases.shapes[i].name).await?;
                fresh.index_clauses[i] = clone::secondary_index_clauses(&create);
            }
        }
        Ok(fresh)
    }

    pub(super) fn method(&self) -> FreshMethod {
        match (self.any_cloned(), self.cloned.iter().all(|c| *c)) {
            (true, true) => FreshMethod::Clone,
            (true, false) => FreshMethod::Mixed,
            (false, _) => FreshMethod::Copy,
        }
    }

    pub(super) fn any_cloned(&self) -> bool {
        self.cloned.iter().any(|c| *c)
    }

    /// Seconds per unit of fraction a new scale's index build costs (cloning only).
    pub(super) fn index_cost(&self) -> f64 {
        if self.any_cloned() {
            self.index_per_fraction
        } else {
            0.0
        }
    }

    /// Fresh tables at `fraction`: drop whatever the last run left, create the schema
    /// anew, clone the tables that are cloned and copy the first rows of each other base
    /// table in primary-key order. Returns the seconds, less the base tables' index builds
    /// (counted apart: once per scale, not per run).
    pub(super) async fn reset(
        &mut self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
        fraction: f64,
        warnings: &mut Vec<Warning>,
    ) -> Result<f64> {
        let started = Instant::now();
        let mut indexing = 0.0;
        self.recreate_working_tables(loader, bases).await?;
        let pairs: Vec<(String, String)> = (0..bases.shapes.len())
            .filter(|&i| self.cloned[i])
            .map(|i| (base_name(i), bases.shapes[i].name.clone()))
            .collect();
        if let (false, Some(dir)) = (pairs.is_empty(), self.table_dir.clone()) {
            indexing = self.index_bases(loader, bases).await?;
            let cloning = Instant::now();
            match clone::clone_tables(loader, &dir, &pairs).await {
                Ok(bytes) => {
                    self.clone_bytes += bytes;
                    self.clone_seconds += cloning.elapsed().as_secs_f64();
                }
                Err(error) => {
                    self.fall_back_to_copy(loader, bases, &error, warnings)
                        .await?
                }
            }
        }
        for &i in &bases.order {
            if self.cloned[i] {
                continue;
            }
            let rows = bases.rows_at(i, fraction);
            let sql = copy_sql(&bases.shapes[i], &base_name(i), rows);
            sqlx::raw_sql(&sql)
                .execute(&mut *loader)
                .await
                .with_context(|| format!("copying rows into {}", bases.shapes[i].name))?;
        }
        let seconds = started.elapsed().as_secs_f64() - indexing;
        self.fresh_table_seconds += seconds;
        for &i in &bases.order {
            if !self.cloned[i] && bases.rows_at(i, fraction) > 0 {
                check_copy_not_empty(loader, &bases.shapes[i]).await?;
            }
        }
        Ok(seconds)
    }

    async fn recreate_working_tables(
        &self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
    ) -> Result<()> {
        drop_working_tables(loader).await?;
        if let Some(dir) = &self.table_dir {
            for shape in &bases.shapes {
                clone::remove_files(dir, &shape.name);
            }
        }
        create_schema(loader, bases.profile()).await
    }

    /// A clone that failed (disk full, an import refused) is not retried: every run from
    /// here copies, and the report says so.
    async fn fall_back_to_copy(
        &mut self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
        error: &anyhow::Error,
        warnings: &mut Vec<Warning>,
    ) -> Result<()> {
        warnings.push(Warning::CloneFellBack {
            error: crate::text::causes(error),
        });
        self.clone_fell_back = true;
        self.cloned.iter_mut().for_each(|c| *c = false);
        self.recreate_working_tables(loader, bases).await
    }

    /// Give the cloned tables' bases their secondary indexes, unless they have them at
    /// this scale already; a build by sort is faster than appending to every index.
    async fn index_bases(
        &mut self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
    ) -> Result<f64> {
        if self.base_indexed {
            return Ok(0.0);
        }
        let started = Instant::now();
        for i in 0..bases.shapes.len() {
            if !self.cloned[i] || self.index_clauses[i].is_empty() {
                continue;
            }
            let sql = format!(
                "ALTER TABLE {} {}",
                ident(&base_name(i)),
                self.index_clauses[i].join(", ")
            );
            sqlx::raw_sql(&sql)
                .execute(&mut *loader)
                .await
                .with_context(|| {
                    format!("building the indexes of {}'s rows", bases.shapes[i].name)
                })?;
        }
        self.base_indexed = true;
        let seconds = started.elapsed().as_secs_f64();
        self.index_seconds += seconds;
        self.index_per_fraction = seconds / bases.seeded_fraction().max(f64::MIN_POSITIVE);
        Ok(seconds)
    }

    /// Drop the bases' secondary indexes before appending rows: dropping is nearly free,
    /// and the next scale builds them again by sort.
    pub(super) async fn unindex_bases(
        &mut self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
    ) -> Result<()> {
        if !self.base_indexed {
            return Ok(());
        }
        let started = Instant::now();
        for i in 0..bases.shapes.len() {
            if self.index_clauses[i].is_empty() {
                continue;
            }
            let drops: Vec<String> = bases.shapes[i]
                .secondary_indexes
                .iter()
                .map(|index| format!("DROP INDEX {}", ident(index)))
                .collect();
            sqlx::raw_sql(&format!(
                "ALTER TABLE {} {}",
                ident(&base_name(i)),
                drops.join(", ")
            ))
            .execute(&mut *loader)
            .await
            .with_context(|| format!("dropping the indexes of {}'s rows", bases.shapes[i].name))?;
        }
        self.base_indexed = false;
        self.index_seconds += started.elapsed().as_secs_f64();
        Ok(())
    }

    /// An imported table starts outside the buffer pool, where a copy leaves the pages it
    /// wrote: read each cloned table's clustered index once, so that `--cache warm` finds
    /// the same state either way (and a table in use, as production's is).
    pub(super) async fn warm_clones(
        &mut self,
        loader: &mut MySqlConnection,
        sandbox: &Sandbox,
        bases: &BaseTables<'_>,
    ) -> Result<f64> {
        let started = Instant::now();
        let mut second = sandbox.connect().await.ok();
        for i in 0..bases.shapes.len() {
            if !self.cloned[i] {
                continue;
            }
            let shape = &bases.shapes[i];
            buffer_pool::warm(loader, second.as_mut(), &shape.name, shape.integer_key()).await?;
        }
        let seconds = started.elapsed().as_secs_f64();
        self.warm_seconds += seconds;
        Ok(seconds)
    }

    /// Stop before a scale whose tables would not fit on the sandbox's disk: the base
    /// tables and one fresh set, at the size per row the tables have now.
    pub(super) async fn check_disk_space(
        &self,
        loader: &mut MySqlConnection,
        bases: &BaseTables<'_>,
        fraction: f64,
    ) -> Result<()> {
        let Some(dir) = self.table_dir.clone() else {
            return Ok(());
        };
        let now = working_table_bytes(loader).await?;
        let seeded = bases.seeded_fraction().max(f64::MIN_POSITIVE);
        // Bases and the working tables, with room for an index build's sort files.
        let needed = (now as f64 / seeded * (fraction - seeded).max(0.0) * 2.5) as u64;
        let work_dir = dir.ancestors().nth(3).unwrap_or(&dir).to_path_buf();
        clone::check_space(needed, clone::free_bytes(&dir), &work_dir).with_context(|| {
            format!(
                "the ladder's next scale is {} rows",
                group_digits((bases.profile().largest_rows() as f64 * fraction) as u64)
            )
        })
    }

    /// This part's share of the ladder's time: index builds, fresh tables, warming, and
    /// how the tables were made.
    pub(super) fn record_time(self, time: &mut LadderTime) {
        time.index_seconds = self.index_seconds;
        time.fresh_table_seconds = self.fresh_table_seconds;
        time.warm_seconds = self.warm_seconds;
        time.fresh_tables = self.method();
        if self.clone_seconds > 0.0 {
            time.clone_bytes_per_second = Some(self.clone_bytes as f64 / self.clone_seconds);
        }
        time.clone_fell_back = self.clone_fell_back;
        time.copied_tables = self.copied_tables;
    }
}

/// Tables connected by foreign keys (either way, transitively), as groups of indexes.
fn foreign_key_groups(shapes: &[crate::seed::TableShape]) -> Vec<Vec<usize>> {
    let mut group: Vec<usize> = (0..shapes.len()).collect();
    fn root(group: &mut [usize], mut i: usize) -> usize {
        while group[i] != i {
            i = group[i];
        }
        i
    }
    for (child, shape) in shapes.iter().enumerate() {
        for fk in &shape.foreign_keys {
            if let Some(parent) = shapes
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(&fk.parent_table))
            {
                let (a, b) = (root(&mut group, child), root(&mut group, parent));
                group[a] = b;
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    for i in 0..shapes.len() {
        let r = root(&mut group, i);
        match roots.iter().position(|&x| x == r) {
            Some(g) => groups[g].push(i),
            None => {
                roots.push(r);
                groups.push(vec![i]);
            }
        }
    }
    groups
}
