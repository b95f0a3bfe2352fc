//! Synthetic rows that look like the table: generated inside the server from a row counter
//! (`seq`), so loading runs at the server's speed, not the client's. Keys that must be
//! unique are built from injective functions of `seq`; other columns get pseudo-random
//! values of realistic length, NULLs where the column allows them, and foreign keys that
//! point at rows the parent really has. With a profile from the source, each column
//! reproduces the real one at every scale: null fraction, distinct values relative to
//! the table size, skew and lengths (see `matched_value`).

use crate::profile::{ColumnProfile, LengthStats, TableProfile};
use crate::server::ServerInfo;
use anyhow::{bail, Context, Result};
use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, Clone)]
pub struct ColumnShape {
    pub name: String,
    pub data_type: String,
    pub column_type: String,
    pub max_length: Option<i64>,
    pub precision: Option<i64>,
    pub scale: Option<i64>,
    pub nullable: bool,
    pub generated: bool,
}

#[derive(Debug, Clone)]
pub struct ForeignKey {
    pub column: String,
    pub parent_table: String,
    pub parent_column: String,
}

/// What the seeder needs to know of a table, read from information_schema.
#[derive(Debug, Clone)]
pub struct TableShape {
    pub name: String,
    pub columns: Vec<ColumnShape>,
    pub primary_key: Vec<String>,
    /// Every unique key, the primary key included.
    pub unique_keys: Vec<Vec<String>>,
    pub secondary_indexes: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Column statistics from the source's profile, by lower-case column name; empty
    /// when the tables came from a schema file.
    pub stats: HashMap<String, ColumnStats>,
}

/// What the seeder needs from a profiled column, with the table it was measured on.
#[derive(Debug, Clone)]
pub struct ColumnStats {
    pub column: ColumnProfile,
    /// Rows of the production table and of the sample the statistics came from.
    pub table_rows: u64,
    pub sample_rows: u64,
}

impl TableShape {
    /// Take the column statistics of the table's profile, where it has them.
    pub fn with_profile(mut self, table: &TableProfile) -> TableShape {
        let sample_rows = table.sample.as_ref().map(|s| s.rows).unwrap_or(0);
        if sample_rows == 0 {
            return self;
        }
        for column in &table.columns {
            self.stats.insert(
                column.name.to_ascii_lowercase(),
                ColumnStats {
                    column: column.clone(),
                    table_rows: table.rows.max(1),
                    sample_rows,
                },
            );
        }
        self
    }

    /// The single integer primary key column, which gets `seq` itself, so rows go in key
    /// order and children can point at 1..=rows.
    pub fn counter_column(&self) -> Option<&str> {
        let [pk] = self.primary_key.as_slice() else {
            return None;
        };
        let column = self.columns.iter().find(|c| &c.name == pk)?;
        is_integer(&column.data_type).then_some(column.name.as_str())
    }

    pub fn insertable_columns(&self) -> impl Iterator<Item = &ColumnShape> {
        self.columns.iter().filter(|c| !c.generated)
    }
}

fn text(row: &sqlx::mysql::MySqlRow, index: usize) -> Result<String> {
    Ok(row.try_get::<Option<String>, _>(index)?.unwrap_or_default())
}

fn number(row: &sqlx::mysql::MySqlRow, index: usize) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(index)?)
}

pub async fn read_shape(conn: &mut MySqlConnection, table: &str) -> Result<TableShape> {
    // CASTs: MySQL 8 returns some information_schema text as binary, which sqlx 0.8 will
    // not decode as String; the unsigned lengths are cast so they decode as i64.
    let columns = sqlx::query(
        "SELECT CAST(COLUMN_NAME AS CHAR), CAST(DATA_TYPE AS CHAR), CAST(COLUMN_TYPE AS CHAR), \
                CAST(CHARACTER_MAXIMUM_LENGTH AS SIGNED), CAST(NUMERIC_PRECISION AS SIGNED), \
                CAST(NUMERIC_SCALE AS SIGNED), CAST(IS_NULLABLE AS CHAR), CAST(EXTRA AS CHAR) \
         FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the columns of {table}"))?;
    let mut shape = TableShape {
        name: table.to_string(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        unique_keys: Vec::new(),
        secondary_indexes: Vec::new(),
        foreign_keys: Vec::new(),
        stats: HashMap::new(),
    };
    for row in &columns {
        let extra = text(row, 7)?.to_ascii_lowercase();
        shape.columns.push(ColumnShape {
            name: text(row, 0)?,
            data_type: text(row, 1)?.to_ascii_lowercase(),
            column_type: text(row, 2)?.to_ascii_lowercase(),
            max_length: number(row, 3)?,
            precision: number(row, 4)?,
            scale: number(row, 5)?,
            nullable: text(row, 6)? == "YES",
            generated: extra.contains("generated")
                || extra.contains("virtual")
                || extra.contains("stored")
                || extra.contains("persistent"),
        });
    }
    if shape.columns.is_empty() {
        bail!("table {table} has no columns in the sandbox");
    }
    read_indexes(conn, &mut shape).await?;
    read_foreign_keys(conn, &mut shape).await?;
    mark_json_columns(conn, &mut shape).await;
    Ok(shape)
}

/// MariaDB's JSON is LONGTEXT with a `json_valid()` check; such columns need valid JSON.
/// MySQL has no TABLE_NAME in CHECK_CONSTRAINTS, so the query fails there, harmlessly:
/// its JSON columns say so in DATA_TYPE.
async fn mark_json_columns(conn: &mut MySqlConnection, shape: &mut TableShape) {
    let Ok(rows) = sqlx::query(
        "SELECT CAST(CHECK_CLAUSE AS CHAR) FROM information_schema.CHECK_CONSTRAINTS \
         WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    )
    .bind(&shape.name)
    .fetch_all(&mut *conn)
    .await
    else {
        return;
    };
    for row in rows {
        let clause = text(&row, 0).unwrap_or_default().to_ascii_lowercase();
        for column in &mut shape.columns {
            if clause.contains(&format!(
                "json_valid(`{}`)",
                column.name.to_ascii_lowercase()
            )) {
                column.data_type = "json".to_string();
            }
        }
    }
}

async fn read_indexes(conn: &mut MySqlConnection, shape: &mut TableShape) -> Result<()> {
    let rows = sqlx::query(
        "SELECT CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR), CAST(NON_UNIQUE AS SIGNED) \
         FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
    )
    .bind(&shape.name)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the indexes of {}", shape.name))?;
    let mut unique: Vec<(String, Vec<String>)> = Vec::new();
    let mut secondary = BTreeSet::new();
    for row in &rows {
        let index = text(row, 0)?;
        let column = text(row, 1)?;
        let non_unique = number(row, 2)?.unwrap_or(1) != 0;
        if index == "PRIMARY" {
            shape.primary_key.push(column.clone());
        } else {
            secondary.insert(index.clone());
        }
        if !non_unique {
            match unique.iter_mut().find(|(name, _)| *name == index) {
                Some((_, columns)) => columns.push(column),
                None => unique.push((index, vec![column])),
            }
        }
    }
    shape.unique_keys = unique.into_iter().map(|(_, columns)| columns).collect();
    shape.secondary_indexes = secondary.into_iter().collect();
    Ok(())
}

async fn read_foreign_keys(conn: &mut MySqlConnection, shape: &mut TableShape) -> Result<()> {
    let rows = sqlx::query(
        "SELECT CAST(COLUMN_NAME AS CHAR), CAST(REFERENCED_TABLE_NAME AS CHAR), \
                CAST(REFERENCED_COLUMN_NAME AS CHAR) \
         FROM information_schema.KEY_COLUMN_USAGE \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND REFERENCED_TABLE_NAME IS NOT NULL",
    )
    .bind(&shape.name)
    .fetch_all(&mut *conn)
    .await
    .with_context(|| format!("reading the foreign keys of {}", shape.name))?;
    for row in &rows {
        shape.foreign_keys.push(ForeignKey {
            column: text(row, 0)?,
            parent_table: text(row, 1)?,
            parent_column: text(row, 2)?,
        });
    }
    Ok(())
}

/// Table indexes in seeding order: parents before the tables whose foreign keys point at
/// them. Cycles (and self-references) are broken arbitrarily; checks are off while loading.
pub fn seeding_order(shapes: &[TableShape]) -> Vec<usize> {
    let mut order = Vec::new();
    let mut placed = vec![false; shapes.len()];
    while order.len() < shapes.len() {
        let before = order.len();
        for (i, shape) in shapes.iter().enumerate() {
            if placed[i] {
                continue;
            }
            let waits_for_parent = shape.foreign_keys.iter().any(|fk| {
                shapes
                    .iter()
                    .position(|s| s.name == fk.parent_table)
                    .is_some_and(|p| p != i && !placed[p])
            });
            if !waits_for_parent {
                placed[i] = true;
                order.push(i);
            }
        }
        if order.len() == before {
            // A cycle: take the first unplaced table and go on.
            if let Some(i) = placed.iter().position(|p| !p) {
                placed[i] = true;
                order.push(i);
            }
        }
    }
    order
}

/// What the generator knows about the other tables when it writes a batch.
pub struct SeedContext<'a> {
    /// Production row count of each table, by name: every scale is the same fraction of
    /// each, so a child row's parent is chosen among the parent rows of its own fraction.
    pub targets: &'a HashMap<String, u64>,
    /// Tables whose counter column holds 1..=rows.
    pub counter_columns: &'a HashMap<String, String>,
}

/// The columns that must never repeat: one per unique key (a key with one unique column is
/// unique whatever the others hold), preferring the widest value space.
fn injective_columns(shape: &TableShape) -> BTreeSet<String> {
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    for key in &shape.unique_keys {
        if key.iter().any(|c| chosen.contains(c)) {
            continue;
        }
        // On a tie the key's first column wins (max_by_key keeps the last, hence rev).
        // With a profile, the column with most distinct values on the source is the one
        // that makes the key unique there; the others keep their real distribution.
        let profiled = |c: &ColumnShape| {
            shape
                .stats
                .get(&c.name.to_ascii_lowercase())
                .map_or(0, |s| s.column.distinct.round() as u64)
        };
        let best = key
            .iter()
            .rev()
            .filter_map(|name| shape.columns.iter().find(|c| &c.name == name))
            .max_by_key(|c| (profiled(c), value_space_rank(c)));
        if let Some(best) = best {
            chosen.insert(best.name.clone());
        }
    }
    chosen
}

fn value_space_rank(column: &ColumnShape) -> u32 {
    match column.data_type.as_str() {
        "bigint" => 90,
        "int" | "integer" => 80,
        "varchar" | "char" | "varbinary" | "binary" => {
            if column.max_length.unwrap_or(0) >= 8 {
                85
            } else {
                30
            }
        }
        "datetime" | "timestamp" => 60,
        "mediumint" => 50,
        "uuid" => 95,
        "decimal" | "double" | "float" => 40,
        "smallint" => 20,
        "tinyint" | "enum" | "set" | "bit" | "year" => 5,
        _ => 10,
    }
}

fn is_integer(data_type: &str) -> bool {
    matches!(
        data_type,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    )
}

/// Largest value an integer column takes.
fn integer_max(column: &ColumnShape) -> u64 {
    let unsigned = column.column_type.contains("unsigned");
    let bits = match column.data_type.as_str() {
        "tinyint" => 8,
        "smallint" => 16,
        "mediumint" => 24,
        "int" | "integer" => 32,
        _ => 64,
    };
    let max = if unsigned {
        (1u128 << bits) - 1
    } else {
        (1u128 << (bits - 1)) - 1
    };
    u64::try_from(max).unwrap_or(u64::MAX)
}

/// A pseudo-random unsigned 32-bit value for this row, different per column (salt).
fn hash(salt: usize) -> String {
    format!("CRC32(seq * 1000003 + {})", salt * 7919 + 17)
}

/// An injective permutation of seq below 2^31 - 1 (Park–Miller), so unique secondary keys
/// arrive in random order as they would in production, not pre-sorted.
const PERMUTED_SEQ: &str = "MOD(seq * 48271, 2147483647)";

/// The SQL expression (of `seq`) that generates one column.
pub fn column_expression(
    shape: &TableShape,
    column: &ColumnShape,
    salt: usize,
    context: &SeedContext,
) -> Result<String> {
    let injective = injective_columns(shape).contains(&column.name);
    let counter = shape.counter_column() == Some(column.name.as_str());
    let stats = shape.stats.get(&column.name.to_ascii_lowercase());
    let expression = if counter {
        "seq".to_string()
    } else if let Some(fk) = satisfiable_foreign_key(shape, column, context) {
        fk
    } else if injective {
        unique_value(shape, column)?
    } else if let Some(matched) = stats.and_then(|s| matched_value(column, s, salt)) {
        matched
    } else {
        random_value(column, salt)
    };
    let nullable_here = column.nullable && !injective && !counter;
    Ok(match (nullable_here, stats) {
        (true, Some(stats)) if stats.column.null_fraction > 0.0 => {
            let threshold = (stats.column.null_fraction * 4_294_967_296.0).round() as u64;
            format!("IF({} < {threshold}, NULL, {expression})", hash(salt + 500))
        }
        (true, Some(_)) => expression,
        // One row in ten is NULL in a nullable column, absent better knowledge.
        (true, None) => format!("IF(MOD({}, 10) = 0, NULL, {expression})", hash(salt + 500)),
        (false, _) => expression,
    })
}

/// A value that reproduces the profiled column at every scale of the ladder. Rows are
/// seeded in key order (`seq`), and a table at scale n is the first n rows, so each row's
/// value depends on `seq` alone:
/// - the pool of distinct values grows with the rows as the column's does on the source,
///   P(n) = D·(n/N)^α, α fitted from the sample's distinct count against the table's, so
///   a category column keeps its few values and an id-like column grows with the table;
///   a row where P grows takes the new value, so the first n rows hold exactly P(n);
/// - other rows pick among the pool with a power law, index = ⌊P·u^k⌋, k chosen so the
///   most frequent value's share is the sample's (k = 1 is uniform);
/// - a value index maps to a value of the column's range and length distribution.
///
/// None when the column's type or statistics give nothing to match (the plain generator
/// is used then).
pub fn matched_value(column: &ColumnShape, stats: &ColumnStats, salt: usize) -> Option<String> {
    let profile = &stats.column;
    if profile.sample_distinct == 0 {
        return None;
    }
    let index = value_index(stats, salt);
    // A permutation of the index, so value order is unrelated to popularity and seq.
    let permuted = permuted_index(&index);
    let fraction = format!("({permuted} / 2147483647.0)");
    let data_type = column.data_type.as_str();
    match data_type {
        t if is_integer(t) || t == "year" || t == "bit" => {
            let low = profile.min.as_ref()?.as_f64()?.floor() as i64;
            let high = profile.max.as_ref()?.as_f64()?.ceil() as i64;
            let range = (high as i128 - low as i128 + 1).max(1);
            if profile.distinct * 4.0 >= range as f64 {
                // Few values in a narrow range: take them in turn, so none collide.
                Some(format!("{low} + MOD({index}, {range})"))
            } else {
                Some(format!(
                    "LEAST({high}, {low} + FLOOR({fraction} * {range}))"
                ))
            }
        }
        "decimal" | "numeric" | "float" | "double" | "real" => {
            let low = profile.min.as_ref()?.as_f64()?;
            let high = profile.max.as_ref()?.as_f64()?;
            Some(format!("({low:e} + {fraction} * {:e})", high - low))
        }
        "date" | "datetime" | "timestamp" => {
            let low = date_literal(profile.min.as_ref()?.as_str()?)?;
            let high = date_literal(profile.max.as_ref()?.as_str()?)?;
            Some(if data_type == "date" {
                format!("DATE_ADD({low}, INTERVAL FLOOR({fraction} * (DATEDIFF({high}, {low}) + 1)) DAY)")
            } else {
                format!("TIMESTAMPADD(SECOND, FLOOR({fraction} * (TIMESTAMPDIFF(SECOND, {low}, {high}) + 1)), {low})")
            })
        }
        "char" | "varchar" | "binary" | "varbinary" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            let lengths = profile.length.as_ref()?;
            let cap = column.max_length.unwrap_or(i64::MAX).max(1) as f64;
            let longest = lengths.max.min(cap).max(1.0);
            let length = length_expression(lengths, cap, &length_uniform(&permuted));
            let repeats = (longest / 32.0).ceil() as u64 + 1;
            // LEFT and CONCAT read their arguments left to right, so the text's first
            // `permuted` is the one computed first (see `share_subexpressions`).
            Some(format!(
                "LEFT(CONCAT(CONV({permuted}, 10, 36), REPEAT(MD5({permuted}), {repeats})), {length})"
            ))
        }
        "enum" => {
            let members = enum_members(&column.column_type).max(1);
            Some(format!("1 + MOD({index}, {members})"))
        }
        _ => None,
    }
}

fn permuted_index(index: &str) -> String {
    format!("MOD(({index} + 1) * 48271, 2147483647)")
}

/// The uniform draw of a matched string's length, from its permuted value index.
fn length_uniform(permuted: &str) -> String {
    format!("(MOD({permuted}, 1000003) / 1000003.0)")
}

/// A session variable holding one value of the row being generated, per column (`salt`).
fn row_variable(name: &str, salt: usize) -> String {
    format!("@ddl_eta_{name}{salt}")
}

/// The server does not share common subexpressions: a matched string computes its value
/// index (three POWs) in its value, its padding and its length's every branch. On MariaDB
/// each is computed once per row instead, into a session variable: its first occurrence
/// in the text assigns it, the others read it, which holds because the functions used
/// (LEFT, CONCAT, IF, CASE, comparisons) evaluate their arguments in text order. Returns
/// the expression and the variables to declare first (a variable unknown when the
/// statement starts reads as a constant NULL).
fn share_subexpressions(
    expression: &str,
    stats: &ColumnStats,
    salt: usize,
) -> (String, Vec<String>) {
    let permuted = permuted_index(&value_index(stats, salt));
    let (now, before) = pool_sizes(stats);
    let p = row_variable("p", salt);
    let uniform = length_uniform(&p);
    let parts = [
        (permuted, p.clone(), "0"),
        (uniform, row_variable("u", salt), "0e0"),
        (now, row_variable("n", salt), "0"),
        (before, row_variable("b", salt), "0"),
    ];
    let mut shared = expression.to_string();
    let mut declared = Vec::new();
    for (part, variable, initial) in parts {
        if shared.matches(part.as_str()).count() < 2 {
            continue;
        }
        let assigned = format!("({variable} := {part})");
        let first = shared.find(part.as_str()).unwrap_or(0);
        let (head, tail) = shared.split_at(first);
        let tail = tail[part.len()..].replace(part.as_str(), &variable);
        shared = format!("{head}{assigned}{tail}");
        declared.push(format!("{variable} = {initial}"));
    }
    (shared, declared)
}

/// The index (0-based) of the value row `seq` takes: see `matched_value`.
fn value_index(stats: &ColumnStats, salt: usize) -> String {
    let profile = &stats.column;
    let seen = (profile.sample_distinct as f64).max(1.0);
    let share = profile.top1_share.clamp(1e-12, 1.0);
    let skew = if seen > 1.0 && share < 1.0 {
        (seen.ln() / (1.0 / share).ln()).clamp(1.0, 60.0)
    } else {
        1.0
    };
    let uniform = format!("({} / 4294967296.0)", hash(salt + 700));
    let (now, before) = pool_sizes(stats);
    format!("IF({now} > {before}, {before}, FLOOR(POW({uniform}, {skew:.6}) * {now}))")
}

/// The size of the value pool at this row and at the one before: P(seq) and P(seq - 1).
fn pool_sizes(stats: &ColumnStats) -> (String, String) {
    let profile = &stats.column;
    let table = stats.table_rows.max(1) as f64;
    let sampled = (stats.sample_rows as f64 * (1.0 - profile.null_fraction)).max(1.0);
    let distinct = profile.distinct.max(1.0);
    let seen = (profile.sample_distinct as f64).max(1.0);
    let alpha = if table > sampled * 1.01 && distinct > seen {
        ((distinct / seen).ln() / (table / sampled).ln()).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pool = |n: &str| {
        if alpha < 1e-6 {
            format!("LEAST({n}, {})", distinct.round())
        } else {
            let scale = distinct / table.powf(alpha);
            format!("LEAST({n}, GREATEST(1, FLOOR({scale:e} * POW({n}, {alpha:.6}))))")
        }
    };
    (pool("seq"), pool("(seq - 1)"))
}

/// Byte length by inverse sampling of the profiled quantiles (piecewise linear), from a
/// uniform `u` in [0, 1), capped at the column's limit.
fn length_expression(lengths: &LengthStats, cap: f64, u: &str) -> String {
    let points = lengths.points();
    let mut cases = String::from("CASE");
    for pair in points.windows(2) {
        let ((p0, l0), (p1, l1)) = (pair[0], pair[1]);
        let (l0, l1) = (l0.min(cap), l1.min(cap));
        if p1 <= p0 {
            continue;
        }
        cases.push_str(&format!(
            " WHEN {u} < {p1} THEN {l0} + ({u} - {p0}) * {} / {}",
            l1 - l0,
            p1 - p0
        ));
    }
    cases.push_str(&format!(" ELSE {} END", lengths.max.min(cap)));
    format!("ROUND({cases})")
}

/// A date/time from the profile as an SQL literal, only if it looks like one (the
/// profile is a file anyone may have edited).
fn date_literal(text: &str) -> Option<String> {
    let plausible = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | ' ' | '.'));
    plausible.then(|| format!("'{text}'"))
}

fn satisfiable_foreign_key(
    shape: &TableShape,
    column: &ColumnShape,
    context: &SeedContext,
) -> Option<String> {
    let fk = shape
        .foreign_keys
        .iter()
        .find(|fk| fk.column == column.name)?;
    let parent_counter = context.counter_columns.get(&fk.parent_table)?;
    if *parent_counter != fk.parent_column {
        return None;
    }
    // Child row `seq` exists from the fraction seq/child_target on; at that fraction the
    // parent has about seq * parent_target / child_target rows (less half a row, for the
    // rounding of scales): point only at those, so
    // every prefix copy of child and parent (a ladder scale) keeps its references whole.
    let parent_target = (*context.targets.get(&fk.parent_table)?).max(1);
    let child_target = (*context.targets.get(&shape.name)?).max(1);
    Some(format!(
        "1 + MOD({}, GREATEST(1, FLOOR((seq - 0.5) * {parent_target} / {child_target})))",
        hash(fk.column.len() + 900)
    ))
}

fn unique_value(shape: &TableShape, column: &ColumnShape) -> Result<String> {
    let data_type = column.data_type.as_str();
    Ok(match data_type {
        t if is_integer(t) => {
            if integer_max(column) >= 2_147_483_647 {
                PERMUTED_SEQ.to_string()
            } else {
                "seq".to_string()
            }
        }
        "decimal" | "double" | "float" => "seq".to_string(),
        "char" | "varchar" | "binary" | "varbinary" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            unique_string(column, &hash(column.name.len() + 300))
        }
        "date" => "DATE_ADD('1000-01-01', INTERVAL seq DAY)".to_string(),
        "datetime" | "timestamp" => "TIMESTAMPADD(SECOND, seq, '2000-01-01 00:00:00')".to_string(),
        "uuid" => "UUID()".to_string(),
        "year" | "tinyint" | "enum" | "set" | "bit" | "time" => "seq".to_string(),
        other => bail!(
            "cannot generate unique values for column {}.{} of type {other}",
            shape.name,
            column.name
        ),
    })
}

/// A fixed-width base-36 prefix from the permuted counter (injective, and case-folding
/// safe since CONV gives upper case only), then filler of varying length, so lengths
/// spread around the typical one as real keys do.
fn unique_string(column: &ColumnShape, h: &str) -> String {
    let max = column.max_length.unwrap_or(255).max(1);
    if max < 6 {
        return "CONV(seq, 10, 36)".to_string();
    }
    let prefix = format!("LPAD(CONV({PERMUTED_SEQ}, 10, 36), 6, '0')");
    let room = (max - 6).max(0);
    let spread = (2 * (typical_length(column) - 6).max(0)).min(room);
    if spread == 0 {
        return prefix;
    }
    format!(
        "CONCAT({prefix}, RPAD('', MOD({h}, {}), MD5(seq)))",
        spread + 1
    )
}

/// `length` characters of hex text derived from `key`.
fn filler_text(length: u64, key: &str) -> String {
    format!("RPAD('', {length}, MD5({key}))")
}

/// Mean length synthetic strings get when nothing better is known: short strings are
/// often full, long VARCHARs mostly hold a fraction of their limit.
fn typical_length(column: &ColumnShape) -> i64 {
    let max = column.max_length.unwrap_or(255).max(1);
    match column.data_type.as_str() {
        "char" | "binary" => max,
        "tinytext" | "tinyblob" => 64.min(max),
        "text" | "blob" | "mediumtext" | "mediumblob" | "longtext" | "longblob" | "json" => 256,
        _ => (8 + max / 4).min(max),
    }
}

fn random_value(column: &ColumnShape, salt: usize) -> String {
    let h = hash(salt);
    let data_type = column.data_type.as_str();
    match data_type {
        "tinyint" if column.column_type.starts_with("tinyint(1)") => format!("MOD({h}, 2)"),
        t if is_integer(t) => {
            let range = integer_max(column).min(2_000_000_000);
            format!("MOD({h}, {range})")
        }
        "decimal" => {
            let precision = column.precision.unwrap_or(10);
            let scale = column.scale.unwrap_or(0);
            let digits = (precision - scale).clamp(1, 9);
            let whole = format!("MOD({h}, {})", 10u64.pow(digits as u32));
            if scale == 0 {
                whole
            } else {
                format!("{whole} + MOD({}, 100) / 100", hash(salt + 1))
            }
        }
        "float" | "double" | "real" => format!("{h} / 42949672.96"),
        "bit" => {
            let bits = column.precision.unwrap_or(1).clamp(1, 32);
            format!("MOD({h}, {})", 1u64 << bits)
        }
        "year" => format!("1970 + MOD({h}, 130)"),
        "date" => format!("DATE_ADD('2012-01-01', INTERVAL MOD({h}, 5000) DAY)"),
        "datetime" | "timestamp" => {
            format!("TIMESTAMPADD(SECOND, MOD({h}, 400000000), '2012-01-01 00:00:00')")
        }
        "time" => format!("SEC_TO_TIME(MOD({h}, 86400))"),
        "char" | "binary" => filler_text(column.max_length.unwrap_or(1).max(1) as u64, &h),
        "varchar" | "varbinary" | "tinytext" | "text" | "mediumtext" | "longtext" | "tinyblob"
        | "blob" | "mediumblob" | "longblob" => random_length_text(column, &h, salt),
        "enum" => format!("1 + MOD({h}, {})", enum_members(&column.column_type).max(1)),
        "set" => {
            let members = enum_members(&column.column_type).clamp(1, 30);
            format!("MOD({h}, {})", 1u64 << members)
        }
        "json" | "longtext json" => format!("JSON_OBJECT('id', seq, 'v', MD5({h}))"),
        "uuid" => "UUID()".to_string(),
        "inet4" => format!("INET_NTOA({h})"),
        "inet6" => format!("CONCAT('::ffff:', INET_NTOA({h}))"),
        "point" | "geometry" => format!("POINT(MOD({h}, 180), MOD({}, 90))", hash(salt + 1)),
        "linestring" => "LINESTRING(POINT(0, 0), POINT(1, 1))".to_string(),
        "polygon" => "ST_GeomFromText('POLYGON((0 0, 1 0, 1 1, 0 0))')".to_string(),
        // Anything else: a short text, which most types will take or convert.
        _ => "CAST(seq AS CHAR)".to_string(),
    }
}

/// Text of length 1..=2×typical (capped at the column's limit), so the mean is typical.
fn random_length_text(column: &ColumnShape, h: &str, salt: usize) -> String {
    let max = column.max_length.unwrap_or(255).max(1);
    let typical = typical_length(column).max(1);
    let spread = (2 * typical - 1).clamp(1, max);
    let length = format!("1 + MOD({}, {spread})", hash(salt + 2));
    format!("RPAD('', {length}, MD5({h}))")
}

fn enum_members(column_type: &str) -> u64 {
    // enum('a','b','c'): members are the quoted items; a quote inside is doubled.
    let inner = column_type
        .split_once('(')
        .map(|(_, rest)| rest.trim_end_matches(')'))
        .unwrap_or("");
    let quotes = inner.matches('\'').count() as u64;
    let doubled = inner.matches("''").count() as u64;
    (quotes - 2 * doubled) / 2
}

/// The INSERT … SELECT that adds rows `from..=to` to `target`, generated in the server.
pub fn insert_batch_sql(
    server: &ServerInfo,
    target: &str,
    shape: &TableShape,
    context: &SeedContext,
    from: u64,
    to: u64,
) -> Result<String> {
    let mut names = Vec::new();
    let mut expressions = Vec::new();
    let mut declared = Vec::new();
    for (salt, column) in shape.insertable_columns().enumerate() {
        names.push(format!("`{}`", column.name));
        let expression = column_expression(shape, column, salt, context)?;
        let stats = shape.stats.get(&column.name.to_ascii_lowercase());
        match stats.filter(|_| server.is_mariadb()) {
            Some(stats) => {
                let (shared, variables) = share_subexpressions(&expression, stats, salt);
                expressions.push(shared);
                declared.extend(variables);
            }
            None => expressions.push(expression),
        }
    }
    let names = names.join(", ");
    let select = expressions.join(", ");
    Ok(if server.is_mariadb() {
        let declare = match declared.is_empty() {
            true => String::new(),
            false => format!("SET {}; ", declared.join(", ")),
        };
        // The SEQUENCE engine's seq_FROM_to_TO table yields the counter in the server.
        format!("{declare}INSERT INTO `{target}` ({names}) SELECT {select} FROM seq_{from}_to_{to}")
    } else {
        format!(
            "INSERT INTO `{target}` ({names}) WITH RECURSIVE counter (seq) AS \
             (SELECT {from} UNION ALL SELECT seq + 1 FROM counter WHERE seq < {to}) \
             SELECT {select} FROM counter"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str, column_type: &str, max: Option<i64>) -> ColumnShape {
        ColumnShape {
            name: name.into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            max_length: max,
            precision: None,
            scale: None,
            nullable: false,
            generated: false,
        }
    }

    fn shape() -> TableShape {
        TableShape {
            name: "t".into(),
            columns: vec![
                column("id", "int", "int(11)", None),
                column("student_id", "int", "int(11)", None),
                column("module_id", "varchar", "varchar(255)", Some(255)),
                column("kind", "enum", "enum('a','b','it''s')", None),
            ],
            primary_key: vec!["id".into()],
            unique_keys: vec![
                vec!["id".into()],
                vec!["student_id".into(), "module_id".into()],
            ],
            secondary_indexes: vec![],
            foreign_keys: vec![],
            stats: HashMap::new(),
        }
    }

    #[test]
    fn one_column_per_unique_key_is_made_injective() {
        let chosen = injective_columns(&shape());
        assert!(chosen.contains("id"));
        // varchar(255) has the wider value space of the two in the composite key.
        assert!(chosen.contains("module_id"));
        assert!(!chosen.contains("student_id"));
    }

    fn stats(distinct: f64, seen: u64, top1: f64) -> ColumnStats {
        ColumnStats {
            column: ColumnProfile {
                name: "c".into(),
                data_type: "varchar".into(),
                nullable: true,
                null_fraction: 0.2,
                distinct,
                sample_distinct: seen,
                top1_share: top1,
                top10_share: 1.0,
                length: Some(LengthStats {
                    mean: 10.0,
                    min: 5.0,
                    p10: 6.0,
                    p25: 8.0,
                    p50: 10.0,
                    p75: 12.0,
                    p90: 14.0,
                    p99: 15.0,
                    max: 300.0,
                }),
                min: None,
                max: None,
            },
            table_rows: 1_000_000,
            sample_rows: 100_000,
        }
    }

    #[test]
    fn categories_keep_a_fixed_pool_and_ids_grow_with_the_table() {
        // Five values seen in the sample and estimated in the table: a constant pool.
        let categories = value_index(&stats(5.0, 5, 0.7), 1);
        assert!(categories.contains("LEAST(seq, 5)"), "{categories}");
        // A column whose distinct count grows with the rows: a pool that grows too.
        let ids = value_index(&stats(500_000.0, 60_000, 0.0001), 1);
        assert!(ids.contains("POW(seq"), "{ids}");
    }

    #[test]
    fn lengths_stay_within_the_column_limit() {
        let column = column("c", "varchar", "varchar(20)", Some(20));
        let sql = matched_value(&column, &stats(5.0, 5, 0.7), 1).expect("matched");
        assert!(!sql.contains("300"), "{sql}");
        assert!(date_literal("2020-01-01 00:00:00").is_some());
        assert!(date_literal("1'; DROP").is_none());
    }

    #[test]
    fn a_matched_string_computes_its_value_index_once_per_row_on_mariadb() {
        let column = column("c", "varchar", "varchar(255)", Some(255));
        let stats = stats(500_000.0, 60_000, 0.0001);
        let inline = matched_value(&column, &stats, 4).expect("matched");
        let (shared, declared) = share_subexpressions(&inline, &stats, 4);
        assert_eq!(shared.matches("POW(").count(), 3, "{shared}");
        assert!(inline.matches("POW(").count() > 20, "{inline}");
        // Each variable is assigned before it is read, in text (and evaluation) order.
        for variable in ["@ddl_eta_p4", "@ddl_eta_u4", "@ddl_eta_n4", "@ddl_eta_b4"] {
            let assigned = shared.find(&format!("({variable} := ")).expect(variable);
            let read = shared.rfind(variable).expect(variable);
            assert!(assigned < read, "{variable} in {shared}");
            assert!(
                declared.iter().any(|d| d.starts_with(variable)),
                "{declared:?}"
            );
        }
    }

    #[test]
    fn enum_members_are_counted_with_doubled_quotes() {
        assert_eq!(enum_members("enum('a','b','it''s')"), 3);
        assert_eq!(enum_members("set('x')"), 1);
    }

    #[test]
    fn parents_are_seeded_before_children() {
        let mut child = shape();
        child.name = "child".into();
        child.foreign_keys.push(ForeignKey {
            column: "student_id".into(),
            parent_table: "parent".into(),
            parent_column: "id".into(),
        });
        let mut parent = shape();
        parent.name = "parent".into();
        assert_eq!(seeding_order(&[child, parent]), vec![1, 0]);
    }

    #[test]
    fn mariadb_batches_come_from_the_sequence_engine() {
        let rows = HashMap::new();
        let counters = HashMap::new();
        let context = SeedContext {
            targets: &rows,
            counter_columns: &counters,
        };
        let maria = ServerInfo {
            flavor: crate::server::Flavor::Mariadb,
            version: "10.11.19".into(),
        };
        let sql = insert_batch_sql(&maria, "b", &shape(), &context, 11, 20).expect("sql");
        assert!(sql.ends_with("FROM seq_11_to_20"), "{sql}");
        let mysql = ServerInfo {
            flavor: crate::server::Flavor::Mysql,
            version: "8.0.39".into(),
        };
        let sql = insert_batch_sql(&mysql, "b", &shape(), &context, 11, 20).expect("sql");
        assert!(sql.contains("WITH RECURSIVE counter"), "{sql}");
    }
}
