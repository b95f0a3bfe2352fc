//! `ddl-eta profile` of a whole database: every table over a size threshold (and the
//! tables their foreign keys point at), largest first, under a total time limit, saved
//! after each table so that a stop leaves a usable file and a rerun resumes from it.

use super::{significant, Source};
use crate::profile::{Profile, SkippedTable, SourceMeta, TableProfile, SCHEMA_VERSION};
use crate::table::Database;
use anyhow::{bail, Result};
use std::time::{Duration, SystemTime};

/// What to read and for how long.
pub struct DatabasePlan {
    /// `--table`: exactly these (and their parents), whatever their size; empty: the
    /// whole database over the threshold.
    pub tables: Vec<String>,
    pub min_rows: u64,
    pub min_bytes: u64,
    /// Checked between tables; a table under way may run over it by up to
    /// `--statement-timeout` per query before it is abandoned.
    pub time_limit: Duration,
    /// The file being resumed: its tables read less than `refresh_after` ago are kept.
    pub previous: Option<Profile>,
    pub refresh_after: Duration,
}

/// How a whole-database profile ended.
pub struct DatabaseOutcome {
    pub profile: Profile,
    /// Tables left for a rerun because the time limit came first.
    pub stopped_at_limit: usize,
}

/// One table as information_schema.TABLES sizes it (no statistics query on the table).
struct Listed {
    name: String,
    rows: u64,
    bytes: u64,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Source {
    /// Profile the database as `plan` says. `save` is called after every table with the
    /// profile so far (write it atomically: a stop at any point leaves a whole file);
    /// `say` takes the progress lines.
    pub async fn profile_database(
        &mut self,
        plan: DatabasePlan,
        save: &mut dyn FnMut(&Profile) -> Result<()>,
        say: &dyn Fn(&str),
    ) -> Result<DatabaseOutcome> {
        let started_at = now();
        let listed = self.list_tables().await?;
        let whole = plan.tables.is_empty();
        let mut candidates: Vec<&Listed> = Vec::new();
        let mut skipped: Vec<SkippedTable> = Vec::new();
        if whole {
            for table in &listed {
                if table.rows >= plan.min_rows || table.bytes >= plan.min_bytes {
                    candidates.push(table);
                } else {
                    skipped.push(skip(table, "below_threshold", None));
                }
            }
        } else {
            for name in &plan.tables {
                match listed.iter().find(|t| t.name.eq_ignore_ascii_case(name)) {
                    Some(table) => candidates.push(table),
                    None => bail!(
                        "table {name} does not exist in database {} on the source {} (or the account has no SELECT privilege on it)",
                        self.database,
                        self.url
                    ),
                }
            }
        }
        // Tables of the resumed file read less than --refresh-after ago stay as they are.
        let fresh = |at: u64| started_at.saturating_sub(at) < plan.refresh_after.as_secs();
        let previous_at = plan
            .previous
            .as_ref()
            .and_then(|p| p.source.as_ref().map(|s| s.profiled_at));
        let mut done: Vec<TableProfile> = Vec::new();
        if let Some(previous) = &plan.previous {
            for table in &previous.tables {
                let at = table.profiled_at.or(previous_at).unwrap_or(0);
                let exists = listed
                    .iter()
                    .any(|t| t.name.eq_ignore_ascii_case(&table.name));
                let candidate = candidates
                    .iter()
                    .any(|t| t.name.eq_ignore_ascii_case(&table.name));
                // A stale table is read again when it is asked for now; with --table, the
                // file's other tables stay whatever their age.
                let keep = exists && (fresh(at) || (!whole && !candidate));
                if keep {
                    done.push(table.clone());
                }
            }
        }
        let kept = done.len();
        let mut queue: Vec<String> = candidates
            .iter()
            .filter(|t| !has(&done, &t.name))
            .map(|t| t.name.clone())
            .collect();
        // Parents of a table just read: read even past the time limit, so that the file
        // never holds a table without the tables its foreign keys need.
        let mut parents_due: Vec<String> = Vec::new();
        skipped.retain(|s| !has(&done, &s.name));
        let to_read = queue.len();
        say(&format!(
            "profiling {} of {} tables in {}{}{}",
            to_read,
            listed.len(),
            self.database,
            if kept > 0 {
                format!(
                    " ({kept} kept from the file, read less than {} ago)",
                    humantime::format_duration(plan.refresh_after)
                )
            } else {
                String::new()
            },
            if whole {
                format!(
                    "; {} under {} rows and {} (read only where a foreign key needs them)",
                    skipped.len(),
                    crate::text::group_digits(plan.min_rows),
                    crate::text::human_bytes(plan.min_bytes)
                )
            } else {
                String::new()
            }
        ));
        let settings = self.server_settings().await?;
        let writes_before = self.write_counters(&queue).await;
        let meta = |source: &Source, tables: &[TableProfile]| SourceMeta {
            url: source.url.clone(),
            database: source.database.clone(),
            // The oldest table's time: the profile is as old as its oldest part.
            profiled_at: tables
                .iter()
                .filter_map(|t| t.profiled_at)
                .min()
                .unwrap_or(started_at)
                .min(started_at),
            seconds: significant(source.started.elapsed().as_secs_f64()),
            encrypted: Some(source.tls.is_some()),
            tls_version: source.tls.as_ref().map(|t| t.version.clone()),
            tls_cipher: source.tls.as_ref().map(|t| t.cipher.clone()),
            identity: Some(source.identity.clone()),
        };
        let assemble =
            |source: &Source, tables: &[TableProfile], skipped: &[SkippedTable]| Profile {
                schema_version: SCHEMA_VERSION,
                server: Some(source.server.clone()),
                tables: tables.to_vec(),
                settings: Some(settings.clone()),
                activity: plan.previous.as_ref().and_then(|p| p.activity.clone()),
                source: Some(meta(source, tables)),
                skipped: skipped.to_vec(),
            };
        let mut read_now: Vec<String> = Vec::new();
        let mut stopped_at_limit = 0;
        let mut number = 0;
        while let Some(name) = queue.first().cloned() {
            queue.remove(0);
            if has(&done, &name) {
                continue;
            }
            let listed_table = listed.iter().find(|t| t.name.eq_ignore_ascii_case(&name));
            let is_parent = parents_due.iter().any(|p| p.eq_ignore_ascii_case(&name));
            if self.started.elapsed() >= plan.time_limit && !read_now.is_empty() && !is_parent {
                queue.insert(0, name);
                queue.retain(|n| !has(&done, n));
                queue.dedup();
                stopped_at_limit = queue.len();
                for left in &queue {
                    if let Some(table) = listed.iter().find(|t| t.name.eq_ignore_ascii_case(left)) {
                        skipped.push(skip(table, "time_limit", None));
                    }
                }
                break;
            }
            number += 1;
            let size = listed_table
                .map(|t| {
                    format!(
                        " ({} rows, {})",
                        crate::text::group_digits(t.rows),
                        crate::text::human_bytes(t.bytes)
                    )
                })
                .unwrap_or_default();
            say(&format!(
                "table {number}/{}: {name}{size}",
                to_read.max(number)
            ));
            let table_started = std::time::Instant::now();
            let read_at = now();
            match self.table(&name).await {
                Ok((mut table, parents)) => {
                    table.profiled_at = Some(read_at);
                    say(&format!(
                        "  read in {:.1}s",
                        table_started.elapsed().as_secs_f64()
                    ));
                    skipped.retain(|s| !s.name.eq_ignore_ascii_case(&table.name));
                    read_now.push(table.name.clone());
                    done.push(table);
                    // Parents come next, whatever their size: an estimate needs them.
                    for parent in parents.into_iter().rev() {
                        if !has(&done, &parent) {
                            queue.retain(|n| !n.eq_ignore_ascii_case(&parent));
                            queue.insert(0, parent.clone());
                            parents_due.push(parent);
                        }
                    }
                    save(&assemble(self, &done, &skipped))?;
                }
                Err(error) if self.broken => {
                    // The session is gone (a query past its limit was killed, or the
                    // server went away): save what was read, then stop.
                    let out_of_time = self.started.elapsed() >= plan.time_limit;
                    queue.insert(0, name);
                    for left in &queue {
                        if has(&done, left) {
                            continue;
                        }
                        if let Some(table) =
                            listed.iter().find(|t| t.name.eq_ignore_ascii_case(left))
                        {
                            let reason = if out_of_time { "time_limit" } else { "error" };
                            skipped.push(skip(table, reason, Some(crate::text::causes(&error))));
                        }
                    }
                    save(&assemble(self, &done, &skipped))?;
                    if out_of_time {
                        stopped_at_limit = queue.len();
                        break;
                    }
                    return Err(error);
                }
                Err(error) => {
                    say(&format!("  skipped: {}", crate::text::causes(&error)));
                    if let Some(table) = listed_table {
                        skipped.push(skip(table, "error", Some(crate::text::causes(&error))));
                    }
                    save(&assemble(self, &done, &skipped))?;
                }
            }
        }
        let mut profile = assemble(self, &done, &skipped);
        if !self.broken {
            let fresh: Vec<TableProfile> = done
                .iter()
                .filter(|t| read_now.contains(&t.name))
                .cloned()
                .collect();
            profile.activity = Some(self.activity(&fresh).await);
            let mut rated = fresh;
            self.apply_write_rates(&mut rated, writes_before).await;
            for table in rated {
                if let Some(slot) = profile.tables.iter_mut().find(|t| t.name == table.name) {
                    *slot = table;
                }
            }
            profile.source = Some(meta(self, &profile.tables));
        }
        save(&profile)?;
        Ok(DatabaseOutcome {
            profile,
            stopped_at_limit,
        })
    }

    /// Every base table of the database with its size, largest first.
    async fn list_tables(&mut self) -> Result<Vec<Listed>> {
        let mut listed: Vec<Listed> = crate::table::stats(self, Database::Current, None)
            .await?
            .into_iter()
            .filter(|t| t.base_table)
            .map(|t| Listed {
                bytes: t.bytes(),
                rows: t.rows.unwrap_or(0),
                name: t.name,
            })
            .collect();
        // Largest first; the names (already in order) break ties.
        listed.sort_by_key(|t| std::cmp::Reverse(t.bytes));
        Ok(listed)
    }
}

fn has(tables: &[TableProfile], name: &str) -> bool {
    tables.iter().any(|t| t.name.eq_ignore_ascii_case(name))
}

fn skip(table: &Listed, reason: &str, error: Option<String>) -> SkippedTable {
    SkippedTable {
        name: table.name.clone(),
        rows: table.rows,
        bytes: table.bytes,
        reason: reason.to_string(),
        error,
    }
}
