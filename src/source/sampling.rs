//! What the source's tables look like: their sizes, indexes, columns and foreign-key
//! parents, and column statistics from a bounded sample of primary-key ranges.

use super::session::text_at;
use super::Source;
use crate::ddl::types::is_integer;
use crate::profile::{
    ColumnProfile, IndexProfile, LengthStats, RowsSource, SampleInfo, TableProfile,
};
use crate::quote;
use crate::table::{Catalog, Checks, Column, Database, TableInfo};
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlRow;
use sqlx::Row;
use std::collections::HashMap;

/// At most this many primary-key ranges are read for a sample.
const SAMPLE_RANGES: u64 = 20;

/// The source's tables are read through its session: read-only, under its time limits.
impl Catalog for Source {
    async fn select(&mut self, sql: &str) -> Result<Vec<MySqlRow>> {
        self.query(sql).await
    }
}

impl Source {
    /// One table's profile and the names of its foreign-key parents.
    pub(super) async fn table(&mut self, name: &str) -> Result<(TableProfile, Vec<String>)> {
        let stats = crate::table::stats(self, Database::Current, Some(name))
            .await
            .with_context(|| format!("reading table {name} on the source"))?;
        let Some(stats) = stats.into_iter().find(|t| t.base_table) else {
            bail!(
                "table {name} does not exist in database {} on the source {} (or the account has no SELECT privilege on it)",
                self.database,
                self.url
            );
        };
        let real_name = stats.name;
        let mut table = TableProfile::bare(real_name.clone(), String::new());
        table.rows = stats.rows.unwrap_or(0);
        table.rows_source = Some(RowsSource::Statistics);
        table.data_bytes = stats.data_bytes;
        table.index_bytes = stats.index_bytes;
        table.avg_row_length = stats.avg_row_length;
        let ident = quote::ident(&real_name);
        let create = self
            .query(&format!("SHOW CREATE TABLE {ident}"))
            .await
            .with_context(|| {
                format!("reading the definition of {real_name} (the account needs SELECT on it)")
            })?;
        table.create_table = match create.first() {
            Some(row) => text_at(row, 1)?,
            None => bail!("SHOW CREATE TABLE {real_name} returned nothing"),
        };
        // Columns, indexes and foreign keys; no CHECK constraints, which the profile does
        // not keep and whose query fails on MySQL.
        let info = TableInfo::read_from(self, &real_name, Checks::Skip).await?;
        table.indexes = info
            .indexes_primary_first()
            .into_iter()
            .map(|index| IndexProfile {
                name: index.name.clone(),
                unique: index.unique,
                columns: index.column_names(),
                cardinality: index.cardinality(),
            })
            .collect();
        if self.settings.exact_rowcount {
            table.rows = self
                .scalar_u64(&format!("SELECT CAST(COUNT(*) AS SIGNED) FROM {ident}"))
                .await
                .with_context(|| format!("counting the rows of {real_name} (--exact-rowcount)"))?
                .unwrap_or(0);
            table.rows_source = Some(RowsSource::Count);
        }
        self.sample(&mut table, &info.columns).await?;
        Ok((table, info.parents()))
    }

    /// Read at most `--sample-rows` rows through primary-key ranges spread over the
    /// table, computing per row only a hash, a length or a number: no values leave the
    /// server except numbers and dates for min/max.
    async fn sample(&mut self, table: &mut TableProfile, columns: &[Column]) -> Result<()> {
        let limit = self.settings.sample_rows.max(1);
        let ident = quote::ident(&table.name);
        let select: Vec<String> = columns
            .iter()
            .flat_map(|c| sample_expressions(&c.name, &c.data_type))
            .collect();
        let select = select.join(", ");
        let pk_column = integer_pk_column(table, columns);
        let mut rows: Vec<MySqlRow> = Vec::new();
        let mut ranges = 1;
        let method;
        let small = table.rows < limit.saturating_mul(2) / 3;
        if let (Some(pk), false) = (&pk_column, small) {
            let pk = quote::ident(pk);
            let bounds = self
                .query(&format!(
                    "SELECT CAST(MIN({pk}) AS SIGNED), CAST(MAX({pk}) AS SIGNED) FROM {ident}"
                ))
                .await?;
            let (low, high) = match bounds.first() {
                Some(row) => (
                    row.try_get::<Option<i64>, _>(0)?.unwrap_or(0),
                    row.try_get::<Option<i64>, _>(1)?.unwrap_or(0),
                ),
                None => (0, 0),
            };
            ranges = SAMPLE_RANGES.min(limit.div_ceil(100)).max(1);
            let per_range = limit.div_ceil(ranges);
            let span = (high as i128 - low as i128).max(0);
            for i in 0..ranges {
                let start = low as i128 + span * i as i128 / ranges as i128;
                let part = self
                    .query(&format!(
                        "SELECT {select} FROM {ident} FORCE INDEX (PRIMARY) WHERE {pk} >= {start} ORDER BY {pk} LIMIT {per_range}"
                    ))
                    .await
                    .with_context(|| format!("sampling {}", table.name))?;
                rows.extend(part);
            }
            method = "pk-ranges";
        } else {
            rows = self
                .query(&format!("SELECT {select} FROM {ident} LIMIT {limit}"))
                .await
                .with_context(|| format!("sampling {}", table.name))?;
            method = if (rows.len() as u64) < limit {
                "full"
            } else {
                "prefix"
            };
        }
        if method == "full" {
            // The whole table was read: its row count is known exactly.
            table.rows = rows.len() as u64;
            table.rows_source = Some(RowsSource::Count);
        }
        table.sample = Some(SampleInfo {
            rows: rows.len() as u64,
            ranges,
            method: method.to_string(),
        });
        let full = method == "full";
        let mut offset = 0;
        for column in columns {
            let (name, data_type) = (&column.name, &column.data_type);
            let width = sample_expressions(name, data_type).len();
            let stats = column_stats(
                &rows,
                offset,
                name,
                data_type,
                column.nullable,
                table.rows,
                full,
            )?;
            table.columns.push(stats);
            offset += width;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueClass {
    Text,
    Number,
    Temporal,
    Other,
}

fn kind_of(data_type: &str) -> ValueClass {
    match data_type {
        "char" | "varchar" | "binary" | "varbinary" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "tinyblob" | "blob" | "mediumblob" | "longblob" | "json" => ValueClass::Text,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "decimal"
        | "numeric" | "float" | "double" | "real" | "bit" | "year" => ValueClass::Number,
        "date" | "datetime" | "timestamp" | "time" => ValueClass::Temporal,
        _ => ValueClass::Other,
    }
}

/// Per column: a 64-bit hash (NULL when the value is), then its length, number or text.
fn sample_expressions(name: &str, data_type: &str) -> Vec<String> {
    let c = quote::ident(name);
    let hash = format!("CAST(CONV(LEFT(MD5({c}), 16), 16, 10) AS UNSIGNED)");
    match kind_of(data_type) {
        ValueClass::Text => vec![hash, format!("CAST(LENGTH({c}) AS SIGNED)")],
        ValueClass::Number => vec![hash, format!("({c} + 0e0)")],
        ValueClass::Temporal => vec![hash, format!("CAST({c} AS CHAR)")],
        ValueClass::Other => vec![hash],
    }
}

/// The first primary-key column when it is an integer: ranges of it spread the sample.
fn integer_pk_column(table: &TableProfile, columns: &[Column]) -> Option<String> {
    let primary = table.indexes.iter().find(|i| i.name == "PRIMARY")?;
    let first = primary.columns.first()?;
    let column = columns.iter().find(|c| &c.name == first)?;
    is_integer(&column.data_type).then(|| first.clone())
}

/// Statistics of one column from the sampled rows (its values start at `offset`).
fn column_stats(
    rows: &[MySqlRow],
    offset: usize,
    name: &str,
    data_type: &str,
    nullable: bool,
    table_rows: u64,
    full: bool,
) -> Result<ColumnProfile> {
    let kind = kind_of(data_type);
    let mut counts: HashMap<u64, u64> = HashMap::new();
    let mut nulls = 0u64;
    let mut lengths: Vec<f64> = Vec::new();
    let mut low: Option<f64> = None;
    let mut high: Option<f64> = None;
    let mut low_text: Option<String> = None;
    let mut high_text: Option<String> = None;
    for row in rows {
        let Some(hash) = row.try_get::<Option<u64>, _>(offset)? else {
            nulls += 1;
            continue;
        };
        *counts.entry(hash).or_default() += 1;
        match kind {
            ValueClass::Text => {
                if let Some(length) = row.try_get::<Option<i64>, _>(offset + 1)? {
                    lengths.push(length as f64);
                }
            }
            ValueClass::Number => {
                if let Some(value) = row.try_get::<Option<f64>, _>(offset + 1)? {
                    low = Some(low.map_or(value, |l| l.min(value)));
                    high = Some(high.map_or(value, |h| h.max(value)));
                }
            }
            ValueClass::Temporal => {
                if let Some(value) = row.try_get::<Option<String>, _>(offset + 1)? {
                    if low_text.as_ref().is_none_or(|l| value < *l) {
                        low_text = Some(value.clone());
                    }
                    if high_text.as_ref().is_none_or(|h| value > *h) {
                        high_text = Some(value);
                    }
                }
            }
            ValueClass::Other => {}
        }
    }
    let sampled = rows.len() as u64;
    let present = sampled - nulls;
    let null_fraction = if sampled == 0 {
        0.0
    } else {
        nulls as f64 / sampled as f64
    };
    let mut frequencies: Vec<u64> = counts.values().copied().collect();
    frequencies.sort_unstable_by(|a, b| b.cmp(a));
    let share = |k: usize| {
        if present == 0 {
            0.0
        } else {
            frequencies.iter().take(k).sum::<u64>() as f64 / present as f64
        }
    };
    let singletons = frequencies.iter().filter(|f| **f == 1).count() as u64;
    let population = (table_rows as f64 * (1.0 - null_fraction)).max(present as f64);
    let distinct = if full {
        frequencies.len() as f64
    } else {
        estimate_distinct(present, frequencies.len() as u64, singletons, population)
    };
    let number = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 9e15 {
            serde_json::Value::from(v as i64)
        } else {
            serde_json::Number::from_f64(v)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null)
        }
    };
    let (min, max) = match kind {
        ValueClass::Number => (low.map(number), high.map(number)),
        ValueClass::Temporal => (
            low_text.map(serde_json::Value::from),
            high_text.map(serde_json::Value::from),
        ),
        _ => (None, None),
    };
    Ok(ColumnProfile {
        name: name.to_string(),
        data_type: data_type.to_string(),
        nullable,
        null_fraction: significant(null_fraction),
        distinct,
        sample_distinct: frequencies.len() as u64,
        top1_share: significant(share(1)),
        top10_share: significant(share(10)),
        length: length_stats(&mut lengths),
        min,
        max,
    })
}

/// Haas and Stokes' Duj1: d / (1 - (1 - q) f1 / n), with q the sampled share of the
/// population; it lets singletons in the sample stand for values never seen.
pub fn estimate_distinct(sampled: u64, distinct: u64, singletons: u64, population: f64) -> f64 {
    if sampled == 0 {
        return 0.0;
    }
    let n = sampled as f64;
    let d = distinct as f64;
    let q = (n / population.max(n)).min(1.0);
    let denominator = 1.0 - (1.0 - q) * singletons as f64 / n;
    let estimate = if denominator <= 1e-9 {
        population
    } else {
        d / denominator
    };
    estimate.clamp(d, population.max(d)).round()
}

/// Six significant digits: all a statistic from a sample can claim, and short decimals
/// read back from JSON to the very same number, so a saved profile round-trips.
pub(super) fn significant(value: f64) -> f64 {
    format!("{value:.5e}").parse().unwrap_or(value)
}

fn length_stats(lengths: &mut [f64]) -> Option<LengthStats> {
    if lengths.is_empty() {
        return None;
    }
    lengths.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| {
        let index = ((lengths.len() - 1) as f64 * p).round() as usize;
        lengths[index.min(lengths.len() - 1)]
    };
    Some(LengthStats {
        mean: significant(lengths.iter().sum::<f64>() / lengths.len() as f64),
        min: at(0.0),
        p10: at(0.10),
        p25: at(0.25),
        p50: at(0.50),
        p75: at(0.75),
        p90: at(0.90),
        p99: at(0.99),
        max: at(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_estimates_scale_up_unique_columns_and_not_categories() {
        // All distinct in a 10% sample: the column is (close to) unique.
        let unique = estimate_distinct(10_000, 10_000, 10_000, 100_000.0);
        assert!(unique > 90_000.0, "{unique}");
        // Five values, each seen thousands of times: five in the table too.
        assert_eq!(estimate_distinct(10_000, 5, 0, 100_000.0), 5.0);
    }
}
