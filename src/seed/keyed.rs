//! Unique keys no single column makes unique: a one-to-one link (UNIQUE (user_id)), a
//! many-to-many table (UNIQUE (a_id, b_id)), both columns a parent's id, and a child
//! numbered within its parent (UNIQUE (order_id, line) with a smallint line). The key as
//! a whole is made injective: row `seq` takes the seq-th parent, the seq-th pair in an
//! order that uses the parents' first ids first, or the next number under its parent, so
//! that a ladder scale's rows point only at ids the parents have at that scale.

use super::values::{injective_columns, integer_max, seeded_parent};
use super::{ColumnShape, SeedContext, TableShape};
use crate::ddl::types::is_integer;
use anyhow::{bail, Result};

/// The unique keys whose every column holds a seeded parent's id, shortest first, less
/// those a shorter one already makes unique.
pub(super) fn foreign_keyed_keys<'a>(
    shape: &'a TableShape,
    context: &SeedContext,
) -> Vec<&'a [String]> {
    let mut keys: Vec<&[String]> = shape
        .unique_keys
        .iter()
        .filter(|key| !key.is_empty())
        .filter(|key| {
            key.iter()
                .all(|c| seeded_parent(shape, c, context).is_some())
        })
        .map(Vec::as_slice)
        .collect();
    keys.sort_by_key(|key| key.len());
    let mut kept: Vec<&[String]> = Vec::new();
    for key in keys {
        if !kept.iter().any(|k| k.iter().all(|c| key.contains(c))) {
            kept.push(key);
        }
    }
    kept
}

/// A unique key of a parent's id and an integer column too narrow to number the table's
/// rows: the column numbers the children of each parent instead.
#[derive(Debug, PartialEq)]
pub(super) struct NumberedKey<'a> {
    pub parent: &'a str,
    pub number: &'a str,
    /// Children per parent: row seq has parent 1 + (seq - 1) DIV per_parent.
    pub per_parent: u64,
}

/// The unique keys whose injective column (`injective_columns`) cannot take a value per
/// row, with a foreign key beside it that can share the numbering.
pub(super) fn numbered_keys<'a>(
    shape: &'a TableShape,
    context: &SeedContext,
) -> Result<Vec<NumberedKey<'a>>> {
    let rows = target_rows(shape, context);
    let injective = injective_columns(shape, Some(context));
    let mut numbered = Vec::new();
    for key in &shape.unique_keys {
        let Some(number) = key.iter().find(|c| injective.contains(*c)) else {
            continue;
        };
        let Some(column) = shape.columns.iter().find(|c| &c.name == number) else {
            continue;
        };
        let values = integer_max(column);
        let alone = shape
            .unique_keys
            .iter()
            .any(|k| k.len() == 1 && k[0] == *number);
        if !is_integer(&column.data_type) || values >= rows || alone {
            continue;
        }
        let Some((parent, parent_rows)) = key
            .iter()
            .find_map(|c| Some((c.as_str(), seeded_parent(shape, c, context)?.1)))
        else {
            continue;
        };
        // One spare number per parent, where the column has room, so that a scale's
        // rounding never points one parent past those the parent table has.
        let needed = rows.div_ceil(parent_rows);
        if needed > values {
            bail!(
                "table {} has a unique key of ({}) and {rows} rows: {needed} values of \
                 {number} per parent {parent}, but {number} holds at most {values}; give the \
                 tables' row counts as production has them",
                shape.name,
                key.join(", ")
            );
        }
        numbered.push(NumberedKey {
            parent,
            number,
            per_parent: (needed + 1).min(values),
        });
    }
    Ok(numbered)
}

/// Production rows of the table being seeded.
fn target_rows(shape: &TableShape, context: &SeedContext) -> u64 {
    context
        .targets
        .get(&shape.name)
        .copied()
        .unwrap_or(1)
        .max(1)
}

/// The values of `column` when a unique key needs it to keep the key unique as a whole
/// (see the module's head): `None` for any other column.
pub(super) fn keyed_value(
    shape: &TableShape,
    column: &ColumnShape,
    context: &SeedContext,
) -> Result<Option<String>> {
    for key in numbered_keys(shape, context)? {
        let k = "(CAST(seq AS SIGNED) - 1)";
        if column.name == key.parent {
            return Ok(Some(format!("1 + {k} DIV {}", key.per_parent)));
        }
        if column.name == key.number {
            return Ok(Some(format!("MOD({k}, {})", key.per_parent)));
        }
    }
    keyed_foreign_key(shape, column, context)
}

/// The values of `column` when a unique key of foreign keys needs it to keep the key
/// unique: `None` for a column no such key pairs (it holds a random parent's id).
fn keyed_foreign_key(
    shape: &TableShape,
    column: &ColumnShape,
    context: &SeedContext,
) -> Result<Option<String>> {
    let keys = foreign_keyed_keys(shape, context);
    let Some(key) = keys.iter().find(|key| key.contains(&column.name)) else {
        return Ok(None);
    };
    let rows = target_rows(shape, context);
    // (parent table, its rows) of a key column; every column of these keys has one.
    let parent = |name: &str| {
        seeded_parent(shape, name, context).map_or(("?", 1), |(fk, r)| (&fk.parent_table[..], r))
    };
    match key {
        [only] => {
            let (table, parent_rows) = parent(only);
            if rows > parent_rows {
                bail!(
                    "table {} has a unique key of ({only}) and {rows} rows, but its parent \
                     {table} has {parent_rows}: give {table}'s production rows (--rows \
                     {table}=N, at least {rows})",
                    shape.name
                );
            }
            // Child row seq points at parent seq: at every scale the parent has at least
            // as large a share of its rows.
            Ok(Some("seq".to_string()))
        }
        [first, second, ..] => {
            let ((a_table, a), (b_table, b)) = (parent(first), parent(second));
            let Some(order) = PairOrder::fit(a.min(b), a.max(b), rows) else {
                bail!(
                    "table {} has a unique key of ({}) and {rows} rows, but its parents \
                     {a_table} and {b_table} have only {a} x {b} pairs of ids: give their \
                     production rows (--rows TABLE=N)",
                    shape.name,
                    key.join(", ")
                );
            };
            let narrow_first = a <= b;
            let (narrow, wide) = order.expressions();
            Ok(match (column.name == *first, column.name == *second) {
                (true, _) => Some(if narrow_first { narrow } else { wide }),
                (_, true) => Some(if narrow_first { wide } else { narrow }),
                _ => None,
            })
        }
        [] => Ok(None),
    }
}

/// The order in which rows take the pairs (x, y), x an id of the parent with fewer rows
/// (`narrow`), y of the other.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PairOrder {
    /// Shell n holds the pairs with x <= n and y <= q·n but not both x <= n - 1 and
    /// y <= q·(n - 1): the first q·n² rows use x <= n and y <= q·n, ids that a prefix of
    /// each parent has when q is about the ratio of the parents' rows.
    Shells { q: u64 },
    /// x runs through the narrow parent's ids, then y moves on: every pair fits at full
    /// size, but small scales point past the wide parent's first ids. Only when nearly
    /// every pair exists, where shells would not fit.
    Radix { narrow: u64 },
}

impl PairOrder {
    /// The order for `rows` pairs of ids below `narrow` and `wide` (narrow <= wide), or
    /// None when there are fewer pairs than rows.
    pub(super) fn fit(narrow: u64, wide: u64, rows: u64) -> Option<PairOrder> {
        if rows > narrow.saturating_mul(wide) {
            return None;
        }
        let ratio = wide / narrow.max(1);
        let fits = |q: u64| {
            let (x, y) = PairOrder::Shells { q }.largest(rows);
            x <= narrow && y <= wide
        };
        [ratio.max(1), ratio + 1]
            .into_iter()
            .find(|&q| fits(q))
            .map(|q| PairOrder::Shells { q })
            .or(Some(PairOrder::Radix { narrow }))
    }

    /// The pair of row `seq` (from 1), as the SQL computes it: the tests' model of it.
    #[cfg(test)]
    fn pair(self, seq: u64) -> (u64, u64) {
        let k = seq - 1;
        match self {
            PairOrder::Shells { q } => {
                let s = (k / q).isqrt();
                let n = s + 1;
                let j = k - q * s * s;
                if j < q * n {
                    (n, j + 1)
                } else {
                    let j = j - q * n;
                    (1 + j / q, q * s + 1 + j % q)
                }
            }
            PairOrder::Radix { narrow } => (1 + k % narrow, 1 + k / narrow),
        }
    }

    /// The largest ids the first `rows` rows use.
    fn largest(self, rows: u64) -> (u64, u64) {
        match self {
            // Within complete shells the last shell's bounds; a partial shell uses both.
            PairOrder::Shells { q } => {
                let n = ((rows.max(1) - 1) / q).isqrt() + 1;
                (n, q * n)
            }
            PairOrder::Radix { narrow } => (narrow.min(rows), rows.div_ceil(narrow.max(1))),
        }
    }

    /// The SQL expressions (of `seq`) of the pair's narrow and wide ids.
    fn expressions(self) -> (String, String) {
        // Signed, so that no intermediate difference is an out-of-range unsigned one.
        let k = "(CAST(seq AS SIGNED) - 1)";
        match self {
            PairOrder::Shells { q } => {
                // FLOOR(SQRT(x)) is the integer root for x below 2^50: ids far beyond.
                let s = format!("FLOOR(SQRT({k} DIV {q}))");
                let j = format!("({k} - {q} * {s} * {s})");
                let first_part = format!("{j} < {q} * ({s} + 1)");
                let rest = format!("({j} - {q} * ({s} + 1))");
                (
                    format!("IF({first_part}, {s} + 1, 1 + {rest} DIV {q})"),
                    format!("IF({first_part}, {j} + 1, {q} * {s} + 1 + MOD({rest}, {q}))"),
                )
            }
            PairOrder::Radix { narrow } => (
                format!("1 + MOD({k}, {narrow})"),
                format!("1 + {k} DIV {narrow}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PairOrder;
    use std::collections::HashSet;

    fn assert_distinct_and_within(order: PairOrder, rows: u64, narrow: u64, wide: u64) {
        let mut seen = HashSet::new();
        for seq in 1..=rows {
            let (x, y) = order.pair(seq);
            assert!((1..=narrow).contains(&x), "{order:?} row {seq}: x = {x}");
            assert!((1..=wide).contains(&y), "{order:?} row {seq}: y = {y}");
            assert!(
                seen.insert((x, y)),
                "{order:?} row {seq} repeats ({x}, {y})"
            );
        }
    }

    #[test]
    fn shells_give_distinct_pairs_within_both_parents() {
        for (narrow, wide, rows) in [(20, 20, 400), (100, 150, 11_000), (30, 1000, 20_000)] {
            let order = PairOrder::fit(narrow, wide, rows).expect("pairs enough");
            assert!(matches!(order, PairOrder::Shells { .. }), "{order:?}");
            assert_distinct_and_within(order, rows, narrow, wide);
        }
    }

    #[test]
    fn every_pair_in_use_falls_back_to_radix_order() {
        let order = PairOrder::fit(100, 150, 15_000).expect("exactly enough pairs");
        assert_eq!(order, PairOrder::Radix { narrow: 100 });
        assert_distinct_and_within(order, 15_000, 100, 150);
        assert_eq!(PairOrder::fit(100, 150, 15_001), None);
    }

    /// A ladder scale copies the first rows of every table: a tenth of the link table
    /// must point only at the parents' first tenths once those hold pairs enough.
    #[test]
    fn a_prefix_of_rows_uses_only_a_prefix_of_each_parent() {
        let (narrow, wide, rows) = (2_000u64, 50_000u64, 1_000_000u64);
        let order = PairOrder::fit(narrow, wide, rows).expect("pairs enough");
        for fraction in [0.01, 0.1, 0.5, 1.0] {
            let scaled = |n: u64| ((n as f64 * fraction).round() as u64).max(1);
            let (x, y) = order.largest(scaled(rows));
            assert!(x <= scaled(narrow), "{fraction}: x up to {x}");
            assert!(y <= scaled(wide), "{fraction}: y up to {y}");
        }
    }

    #[test]
    fn the_largest_ids_are_those_the_rows_use() {
        let order = PairOrder::Shells { q: 3 };
        for rows in [1, 2, 3, 4, 12, 13, 100, 1000] {
            let (x, y) = (1..=rows)
                .map(|seq| order.pair(seq))
                .fold((0, 0), |(a, b), (x, y)| (a.max(x), b.max(y)));
            let (bx, by) = order.largest(rows);
            assert!(
                x <= bx && y <= by,
                "{rows} rows use ({x}, {y}), bound ({bx}, {by})"
            );
        }
    }
}
