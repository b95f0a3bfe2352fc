//! Rows as wide as production's when only the table's bytes are known (schema mode with
//! `--data-bytes` or `--avg-row-length`): the variable-length columns' mean lengths are
//! scaled so that a seeded row takes the given average bytes as InnoDB counts them.

use super::values::{injective_columns, typical_length};
use super::{ColumnShape, TableShape};
use crate::profile::TableProfile;

/// Bytes InnoDB adds to every record: the 5-byte record header, the 6-byte transaction
/// id and the 7-byte roll pointer.
const RECORD_OVERHEAD: f64 = 18.0;
/// AVG_ROW_LENGTH is DATA_LENGTH over rows: whole pages, filled to about 15/16 by inserts
/// in key order, with page headers and the page directory. With this factor the rows
/// seeded for 160, 480 and 1500 bytes took 162, 474 and 1537 bytes of leaf pages per row
/// on MariaDB 10.11 (tests/whole_database.rs).
const PAGE_FACTOR: f64 = 1.12;
/// Share of NULLs in a nullable column when nothing better is known (see `values`).
const NULL_SHARE: f64 = 0.1;

impl TableShape {
    /// Scale the variable-length columns so a row takes the table's known width
    /// (average row length, or data bytes over rows). Only where the columns have no
    /// statistics of their own: a profile's lengths are the real ones.
    pub fn with_width(mut self, table: &TableProfile) -> TableShape {
        if !self.stats.is_empty() {
            return self;
        }
        if let Some(length) = table.known_row_length() {
            fit_width(&mut self, length);
        }
        self
    }
}

/// Set `typical_length` of the variable-length columns so the row's expected stored bytes
/// come to `row_length / PAGE_FACTOR`. Columns that reach their limit keep it and the
/// others take the rest.
pub(super) fn fit_width(shape: &mut TableShape, row_length: f64) {
    // No seeding context yet: a foreign key column counts as a candidate here. Only a
    // nullable column the seeder later makes injective instead would be priced differently.
    let injective = injective_columns(shape, None);
    let share = |c: &ColumnShape| {
        if c.nullable && !injective.contains(&c.name) {
            1.0 - NULL_SHARE
        } else {
            1.0
        }
    };
    let mut fixed = RECORD_OVERHEAD;
    let nullable = shape.columns.iter().filter(|c| c.nullable).count();
    fixed += (nullable as f64 / 8.0).ceil();
    // (column index, current mean length, largest mean the generator reaches)
    let mut variable: Vec<(usize, f64, f64)> = Vec::new();
    for (i, column) in shape.columns.iter().enumerate() {
        if column.generated {
            continue;
        }
        match fixed_bytes(column) {
            Some(bytes) => fixed += bytes * share(column),
            None => {
                let max = column.max_length.unwrap_or(65_535).max(1) as f64;
                // The length prefix: one byte, two for columns that may pass 255 bytes.
                fixed += if max > 255.0 { 2.0 } else { 1.0 } * share(column);
                // Lengths are drawn from 1..=2×mean, capped at the limit.
                let reach = ((max + 1.0) / 2.0).max(1.0);
                variable.push((i, typical_length(column) as f64, reach));
            }
        }
    }
    if variable.is_empty() {
        return;
    }
    let mut want = (row_length / PAGE_FACTOR - fixed).max(0.0);
    // Columns that hit a bound are settled; the rest share what is left, in proportion
    // to their current means.
    let mut open: Vec<(usize, f64, f64)> = variable;
    let mut settled: Vec<(usize, f64)> = Vec::new();
    for _ in 0..8 {
        let current: f64 = open
            .iter()
            .map(|(i, mean, _)| mean * share(&shape.columns[*i]))
            .sum();
        if current <= 0.0 || open.is_empty() {
            break;
        }
        let scale = want / current;
        let (capped, free): (Vec<_>, Vec<_>) = open
            .iter()
            .partition(|(_, mean, reach)| mean * scale >= *reach || mean * scale < 1.0);
        if capped.is_empty() {
            settled.extend(free.iter().map(|(i, mean, _)| (*i, mean * scale)));
            open.clear();
            break;
        }
        for (i, mean, reach) in capped {
            let bound = (mean * scale).clamp(1.0, reach);
            want = (want - bound * share(&shape.columns[i])).max(0.0);
            settled.push((i, bound));
        }
        open = free;
    }
    settled.extend(open.iter().map(|(i, mean, _)| (*i, *mean)));
    for (i, mean) in settled {
        shape.columns[i].typical_length = Some(mean.round().max(1.0) as i64);
    }
}

/// Bytes a column of fixed width takes in an InnoDB record; None for the variable-length
/// ones the width is made of.
fn fixed_bytes(column: &ColumnShape) -> Option<f64> {
    let bytes = match column.data_type.as_str() {
        "tinyint" | "year" => 1.0,
        "smallint" => 2.0,
        "mediumint" | "date" | "time" => 3.0,
        "int" | "integer" | "float" | "timestamp" | "inet4" => 4.0,
        "bigint" | "double" | "real" => 8.0,
        "datetime" => 5.0,
        "decimal" => ((column.precision.unwrap_or(10) as f64) / 2.0).ceil() + 1.0,
        "enum" => 1.0,
        "set" | "bit" => ((column.precision.unwrap_or(8) as f64) / 8.0)
            .ceil()
            .max(1.0),
        "char" | "binary" => column.max_length.unwrap_or(1) as f64,
        "uuid" | "inet6" => 16.0,
        // The generated JSON object and geometry values are of a fixed size.
        "json" => 50.0,
        "point" | "geometry" | "linestring" | "polygon" => 30.0,
        "varchar" | "varbinary" | "tinytext" | "text" | "mediumtext" | "longtext" | "tinyblob"
        | "blob" | "mediumblob" | "longblob" => return None,
        _ => 8.0,
    };
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn column(name: &str, data_type: &str, max: Option<i64>, nullable: bool) -> ColumnShape {
        ColumnShape {
            name: name.into(),
            data_type: data_type.into(),
            column_type: data_type.into(),
            kind: crate::ddl::types::parse(data_type),
            max_length: max,
            precision: None,
            scale: None,
            nullable,
            generated: false,
            typical_length: None,
        }
    }

    fn shape() -> TableShape {
        TableShape {
            name: "t".into(),
            columns: vec![
                column("id", "bigint", None, false),
                column("code", "varchar", Some(10), false),
                column("title", "varchar", Some(255), false),
                column("body", "text", Some(65_535), true),
            ],
            primary_key: vec!["id".into()],
            unique_keys: vec![vec!["id".into()]],
            secondary_indexes: vec![],
            foreign_keys: vec![],
            stats: HashMap::new(),
        }
    }

    #[test]
    fn wider_rows_lengthen_the_variable_columns_within_their_limits() {
        let mut narrow = shape();
        fit_width(&mut narrow, 100.0);
        let mut wide = shape();
        fit_width(&mut wide, 3000.0);
        let length = |s: &TableShape, i: usize| s.columns[i].typical_length.expect("set");
        assert!(length(&wide, 3) > length(&narrow, 3) * 10);
        // varchar(10) cannot average more than 5.5 characters with lengths 1..=10.
        assert!(length(&wide, 1) <= 6, "{}", length(&wide, 1));
        assert_eq!(
            wide.columns[0].typical_length, None,
            "fixed columns keep theirs"
        );
        // The expected stored bytes come back to the target.
        let stored = |s: &TableShape| {
            RECORD_OVERHEAD
                + 1.0
                + 8.0
                + 1.0
                + length(s, 1) as f64
                + 2.0
                + length(s, 2) as f64
                + 0.9 * (2.0 + length(s, 3) as f64)
        };
        assert!((stored(&wide) * PAGE_FACTOR / 3000.0 - 1.0).abs() < 0.01);
    }

    #[test]
    fn only_a_known_width_changes_the_lengths() {
        let mut table = crate::profile::TableProfile::bare("t".into(), String::new());
        table.rows = 10;
        table.avg_row_length = Some(2000);
        let untouched = shape().with_width(&crate::profile::TableProfile::bare(
            "t".into(),
            String::new(),
        ));
        assert!(untouched.columns.iter().all(|c| c.typical_length.is_none()));
        let widened = shape().with_width(&table);
        assert!(widened.columns[3].typical_length.is_some());
    }
}
