//! Fresh tables for every run. On a sandbox whose files ddl-eta can reach, the base tables
//! get their secondary indexes (built by sort, once per scale) and every run clones them
//! through a transportable tablespace; elsewhere, and for tables that cannot be cloned,
//! every run copies the first rows of the base tables with `INSERT … SELECT`.

use super::{CopiedTable, FreshMethod, Lab};
use crate::quote::ident;
use crate::sandbox::buffer_pool;
use crate::sandbox::clone::{self, Refusal};
use crate::seed::tables::{
    base_name, copy_sql, create_schema, drop_working_tables, working_table_bytes,
};
use crate::text::group_digits;
use crate::warning::Warning;
use anyhow::{Context, Result};
use std::time::Instant;

impl Lab<'_> {
    /// Decide, from the schema and before anything is seeded, which tables are cloned:
    /// those the server can export and import whole, together with every table linked to
    /// them by foreign keys (a parent and a child from different states would not match,
    /// and with foreign key checks off nothing would say so).
    pub(super) async fn choose_fresh_method(&mut self) -> Result<()> {
        let count = self.shapes.len();
        self.cloned = vec![false; count];
        self.index_clauses = vec![Vec::new(); count];
        if self.table_dir.is_none() {
            return Ok(());
        }
        let mut clonable = Vec::with_capacity(count);
        for shape in &self.shapes {
            let refusal = clone::refusal(&mut self.loader, &shape.name).await?;
            if let Some(reason) = refusal {
                self.time.copied_tables.push(CopiedTable {
                    table: shape.name.clone(),
                    reason,
                });
            }
            clonable.push(refusal.is_none());
        }
        for group in foreign_key_groups(&self.shapes) {
            let whole = group.iter().all(|&i| clonable[i]);
            for &i in &group {
                self.cloned[i] = whole;
                if !whole && clonable[i] {
                    self.time.copied_tables.push(CopiedTable {
                        table: self.shapes[i].name.clone(),
                        reason: Refusal::ForeignKeyGroup,
                    });
                }
            }
        }
        for i in 0..count {
            if self.cloned[i] {
                let create = clone::show_create(&mut self.loader, &self.shapes[i].name).await?;
                self.index_clauses[i] = clone::secondary_index_clauses(&create);
            }
        }
        Ok(())
    }

    pub(super) fn method(&self) -> FreshMethod {
        match (
            self.cloned.iter().any(|c| *c),
            self.cloned.iter().all(|c| *c),
        ) {
            (true, true) => FreshMethod::Clone,
            (true, false) => FreshMethod::Mixed,
            (false, _) => FreshMethod::Copy,
        }
    }

    /// Fresh tables at `fraction`: drop whatever the last run left, create the schema
    /// anew, clone the tables that are cloned and copy the first rows of each other base
    /// table in primary-key order. Returns the seconds, less the base tables' index builds
    /// (counted apart: once per scale, not per run).
    pub(super) async fn reset_tables(&mut self, fraction: f64) -> Result<f64> {
        let started = Instant::now();
        let mut indexing = 0.0;
        self.recreate_working_tables().await?;
        let pairs: Vec<(String, String)> = (0..self.shapes.len())
            .filter(|&i| self.cloned[i])
            .map(|i| (base_name(i), self.shapes[i].name.clone()))
            .collect();
        if let (false, Some(dir)) = (pairs.is_empty(), self.table_dir.clone()) {
            indexing = self.index_bases().await?;
            let cloning = Instant::now();
            match clone::clone_tables(&mut self.loader, &dir, &pairs).await {
                Ok(bytes) => {
                    self.time.clone_bytes += bytes;
                    self.time.clone_seconds += cloning.elapsed().as_secs_f64();
                }
                Err(error) => self.fall_back_to_copy(&error).await?,
            }
        }
        for position in 0..self.seeding_order.len() {
            let i = self.seeding_order[position];
            if self.cloned[i] {
                continue;
            }
            let rows = self.rows_at(i, fraction);
            let sql = copy_sql(&self.shapes[i], &base_name(i), rows);
            sqlx::raw_sql(&sql)
                .execute(&mut self.loader)
                .await
                .with_context(|| format!("copying rows into {}", self.shapes[i].name))?;
        }
        let seconds = started.elapsed().as_secs_f64() - indexing;
        self.time.fresh_table_seconds += seconds;
        Ok(seconds)
    }

    async fn recreate_working_tables(&mut self) -> Result<()> {
        drop_working_tables(&mut self.loader).await?;
        if let Some(dir) = &self.table_dir {
            for shape in &self.shapes {
                clone::remove_files(dir, &shape.name);
            }
        }
        create_schema(&mut self.loader, self.profile).await
    }

    /// A clone that failed (disk full, an import refused) is not retried: every run from
    /// here copies, and the report says so.
    async fn fall_back_to_copy(&mut self, error: &anyhow::Error) -> Result<()> {
        self.warnings.push(Warning::CloneFellBack {
            error: crate::text::causes(error),
        });
        self.time.clone_fell_back = true;
        self.cloned.iter_mut().for_each(|c| *c = false);
        self.recreate_working_tables().await
    }

    /// Give the cloned tables' bases their secondary indexes, unless they have them at
    /// this scale already; a build by sort is faster than appending to every index.
    async fn index_bases(&mut self) -> Result<f64> {
        if self.base_indexed {
            return Ok(0.0);
        }
        let started = Instant::now();
        for i in 0..self.shapes.len() {
            if !self.cloned[i] || self.index_clauses[i].is_empty() {
                continue;
            }
            let sql = format!(
                "ALTER TABLE {} {}",
                ident(&base_name(i)),
                self.index_clauses[i].join(", ")
            );
            sqlx::raw_sql(&sql)
                .execute(&mut self.loader)
                .await
                .with_context(|| {
                    format!("building the indexes of {}'s rows", self.shapes[i].name)
                })?;
        }
        self.base_indexed = true;
        let seconds = started.elapsed().as_secs_f64();
        self.time.index_seconds += seconds;
        self.index_per_fraction = seconds / self.seeded_fraction().max(f64::MIN_POSITIVE);
        Ok(seconds)
    }

    /// Drop the bases' secondary indexes before appending rows: dropping is nearly free,
    /// and the next scale builds them again by sort.
    pub(super) async fn unindex_bases(&mut self) -> Result<()> {
        if !self.base_indexed {
            return Ok(());
        }
        let started = Instant::now();
        for i in 0..self.shapes.len() {
            if self.index_clauses[i].is_empty() {
                continue;
            }
            let drops: Vec<String> = self.shapes[i]
                .secondary_indexes
                .iter()
                .map(|index| format!("DROP INDEX {}", ident(index)))
                .collect();
            sqlx::raw_sql(&format!(
                "ALTER TABLE {} {}",
                ident(&base_name(i)),
                drops.join(", ")
            ))
            .execute(&mut self.loader)
            .await
            .with_context(|| format!("dropping the indexes of {}'s rows", self.shapes[i].name))?;
        }
        self.base_indexed = false;
        self.time.index_seconds += started.elapsed().as_secs_f64();
        Ok(())
    }

    /// An imported table starts outside the buffer pool, where a copy leaves the pages it
    /// wrote: read each cloned table's clustered index once, so that `--cache warm` finds
    /// the same state either way (and a table in use, as production's is).
    pub(super) async fn warm_clones(&mut self) -> Result<f64> {
        let started = Instant::now();
        let mut second = self.sandbox.connect().await.ok();
        for i in 0..self.shapes.len() {
            if !self.cloned[i] {
                continue;
            }
            let shape = &self.shapes[i];
            buffer_pool::warm(
                &mut self.loader,
                second.as_mut(),
                &shape.name,
                shape.integer_key(),
            )
            .await?;
        }
        let seconds = started.elapsed().as_secs_f64();
        self.time.warm_seconds += seconds;
        Ok(seconds)
    }

    /// Stop before a scale whose tables would not fit on the sandbox's disk: the base
    /// tables and one fresh set, at the size per row the tables have now.
    pub(super) async fn check_disk_space(&mut self, fraction: f64) -> Result<()> {
        let Some(dir) = self.table_dir.clone() else {
            return Ok(());
        };
        let now = working_table_bytes(&mut self.loader).await?;
        let seeded = self.seeded_fraction().max(f64::MIN_POSITIVE);
        // Bases and the working tables, with room for an index build's sort files.
        let needed = (now as f64 / seeded * (fraction - seeded).max(0.0) * 2.5) as u64;
        let work_dir = dir.ancestors().nth(3).unwrap_or(&dir).to_path_buf();
        clone::check_space(needed, clone::free_bytes(&dir), &work_dir).with_context(|| {
            format!(
                "the ladder's next scale is {} rows",
                group_digits((self.profile.largest_rows() as f64 * fraction) as u64)
            )
        })
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
