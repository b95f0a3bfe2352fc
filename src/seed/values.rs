//! The SQL expression of each column's values, computed from the row counter `seq`:
//! injective keys, pseudo-random values of realistic length, enum members, dates, and
//! with a profile the real column's values (see `matched`).

use super::keyed::keyed_value;
use super::matched::matched_value;
use super::{ColumnShape, ForeignKey, SeedContext, TableShape};
use crate::ddl::types::{is_integer, ColumnType};
use anyhow::{bail, Result};
use std::collections::BTreeSet;

/// The columns that must never repeat: one per unique key (a key with one unique column is
/// unique whatever the others hold), preferring the widest value space.
///
/// With `context`, a column that will hold a foreign key (`seeded_parent`) is passed
/// over while the key has another column: its values repeat (many children per
/// parent), so choosing it left a key like PRIMARY KEY (parent_id, tag) with no injective
/// column at all, and its duplicate pairs made MariaDB drop whole batches; a key made only
/// of foreign keys gets none (`keyed` makes it unique as a whole). Without `context`
/// (fitting widths, before the other tables are known) every column counts.
pub(super) fn injective_columns(
    shape: &TableShape,
    context: Option<&SeedContext>,
) -> BTreeSet<String> {
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    for key in &shape.unique_keys {
        if key.iter().any(|c| chosen.contains(c)) {
            continue;
        }
        let takes_foreign_key = |c: &ColumnShape| {
            context.is_some_and(|context| seeded_parent(shape, &c.name, context).is_some())
        };
        let columns: Vec<&ColumnShape> = key
            .iter()
            .filter_map(|name| shape.columns.iter().find(|c| &c.name == name))
            .collect();
        // A key made only of foreign keys is made unique as a whole (`keyed`).
        // Removing columns that never won leaves every other table's choice as it was.
        if context.is_some() && columns.iter().all(|c| takes_foreign_key(c)) {
            continue;
        }
        let candidates: Vec<&ColumnShape> = columns
            .into_iter()
            .filter(|c| !takes_foreign_key(c))
            .collect();
        // On a tie the key's first column wins (max_by_key keeps the last, hence rev).
        // With a profile, the column with most distinct values on the source is the one
        // that makes the key unique there; the others keep their real distribution.
        let profiled = |c: &ColumnShape| {
            shape
                .stats
                .get(&c.name.to_ascii_lowercase())
                .map_or(0, |s| s.column.distinct.round() as u64)
        };
        let best = candidates
            .into_iter()
            .rev()
            .max_by_key(|c| (profiled(c), value_space_rank(c)));
        if let Some(best) = best {
            chosen.insert(best.name.clone());
        }
    }
    chosen
}

pub(super) fn value_space_rank(column: &ColumnShape) -> u32 {
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

/// Largest value an integer column takes.
pub(super) fn integer_max(column: &ColumnShape) -> u64 {
    // An integer column's type always parses as Int; anything else counts as BIGINT.
    let (bytes, unsigned) = match column.kind {
        ColumnType::Int { bytes, unsigned } => (bytes, unsigned),
        _ => (8, false),
    };
    let bits = 8 * bytes;
    let max = if unsigned {
        (1u128 << bits) - 1
    } else {
        (1u128 << (bits - 1)) - 1
    };
    u64::try_from(max).unwrap_or(u64::MAX)
}

/// A pseudo-random unsigned 32-bit value for this row, different per column (salt).
pub(super) fn hash(salt: usize) -> String {
    format!("CRC32(seq * 1000003 + {})", salt * 7919 + 17)
}

/// An injective permutation of seq below 2^31 - 1 (Park–Miller), so unique secondary keys
/// arrive in random order as they would in production, not pre-sorted.
pub(super) const PERMUTED_SEQ: &str = "MOD(seq * 48271, 2147483647)";

/// The SQL expression (of `seq`) that generates one column.
pub fn column_expression(
    shape: &TableShape,
    column: &ColumnShape,
    salt: usize,
    context: &SeedContext,
) -> Result<String> {
    let injective = injective_columns(shape, Some(context)).contains(&column.name);
    let counter = shape.counter_column() == Some(column.name.as_str());
    let stats = shape.stats.get(&column.name.to_ascii_lowercase());
    let expression = if counter {
        "seq".to_string()
    } else if let Some(keyed) = keyed_value(shape, column, context)? {
        keyed
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

/// The foreign key `column` holds when its parent is seeded with a counter (ids
/// 1..=rows), with the parent's production rows: the ids it may point at.
pub(super) fn seeded_parent<'a>(
    shape: &'a TableShape,
    column: &str,
    context: &SeedContext,
) -> Option<(&'a ForeignKey, u64)> {
    let fk = shape.foreign_keys.iter().find(|fk| fk.column == column)?;
    let parent_counter = context.counter_columns.get(&fk.parent_table)?;
    if *parent_counter != fk.parent_column {
        return None;
    }
    Some((fk, (*context.targets.get(&fk.parent_table)?).max(1)))
}

/// A random id among those the parent has at this row's scale.
pub(super) fn satisfiable_foreign_key(
    shape: &TableShape,
    column: &ColumnShape,
    context: &SeedContext,
) -> Option<String> {
    let (fk, parent_target) = seeded_parent(shape, &column.name, context)?;
    // Child row `seq` exists from the fraction seq/child_target on; at that fraction the
    // parent has about seq * parent_target / child_target rows (less half a row, for the
    // rounding of scales): point only at those, so
    // every prefix copy of child and parent (a ladder scale) keeps its references whole.
    let child_target = (*context.targets.get(&shape.name)?).max(1);
    Some(format!(
        "1 + MOD({}, GREATEST(1, FLOOR((seq - 0.5) * {parent_target} / {child_target})))",
        hash(name_salt(&fk.column) + 900)
    ))
}

/// A salt of its own for each column name (salting by the name's length gave user_id and
/// team_id the same values).
pub(super) fn name_salt(name: &str) -> usize {
    // FNV-1a: stable across builds and platforms, unlike std's hasher.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    1_000 + (hash % 1_000_000) as usize
}

pub(super) fn unique_value(shape: &TableShape, column: &ColumnShape) -> Result<String> {
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
            unique_string(column, &hash(name_salt(&column.name) + 300))
        }
        "date" => "(DATE'1000-01-01' + INTERVAL seq DAY)".to_string(),
        "datetime" | "timestamp" => {
            "(TIMESTAMP'2000-01-01 00:00:00' + INTERVAL seq SECOND)".to_string()
        }
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
pub(super) fn unique_string(column: &ColumnShape, h: &str) -> String {
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
    let length = format!("MOD({h}, {})", spread + 1);
    format!(
        "CONCAT({prefix}, {})",
        filler_cut("seq", &length, spread as u64)
    )
}

/// Bytes of the filler literal strings are cut from (plus `FILLER_OFFSETS`): the longest
/// a column usually takes; longer values cut from repeats of it.
const FILLER_BYTES: u64 = 4096;
/// Places a string's filler may start at, so that values differ beyond their key.
const FILLER_OFFSETS: u64 = 97;

/// Text of `length` bytes (an SQL integer expression), at most `longest`: the base-36
/// digits of `key` (an integer expression), which keep distinct keys apart, then filler
/// from a place chosen by `offset` (an integer expression).
pub(super) fn keyed_text(key: &str, offset: &str, length: &str, longest: u64) -> String {
    format!(
        "LEFT(CONCAT(CONV({key}, 10, 36), {}), {length})",
        filler_cut(offset, length, longest)
    )
}

/// Text of `length` bytes that looks random, from the hash `h`: `keyed_text` of the hash
/// below 36^6, so that even its first character takes any of 36 values about as often.
fn hashed_text(h: &str, length: &str, longest: u64) -> String {
    keyed_text(&format!("MOD({h}, 2176782336)"), "seq", length, longest)
}

/// `length` bytes cut from a fixed pseudo-random text at an offset chosen by `key`. The
/// text is a binary literal: cutting binary takes the same time at any length, where
/// LEFT, SUBSTRING or RPAD count a UTF-8 string's characters one by one, and hashing
/// (MD5) for filler cost more per row than the insert itself. A column stores the
/// result in its own character set (it is ASCII).
pub(super) fn filler_cut(key: &str, length: &str, longest: u64) -> String {
    let literal = filler_literal(longest.min(FILLER_BYTES) + FILLER_OFFSETS);
    let start = format!("1 + MOD({key}, {FILLER_OFFSETS})");
    if longest <= FILLER_BYTES {
        return format!("SUBSTRING({literal}, {start}, {length})");
    }
    // Repeating the literal costs its bytes on every row: only for the long values.
    let repeats = longest.div_ceil(FILLER_BYTES) + 1;
    format!(
        "IF({length} <= {FILLER_BYTES}, SUBSTRING({literal}, {start}, {length}), \
         SUBSTRING(REPEAT({literal}, {repeats}), {start}, {length}))"
    )
}

/// A binary literal of the filler's first `bytes` bytes.
fn filler_literal(bytes: u64) -> String {
    format!("_binary'{}'", filler(bytes))
}

/// `bytes` pseudo-random lower-case letters and digits, the same on every call (an
/// xorshift generator with a fixed seed).
pub(super) fn filler(bytes: u64) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..bytes)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(ALPHABET[(state % 36) as usize])
        })
        .collect()
}

/// What `keyed_text` computes, for a key and length known here: `None` for a length the
/// filler literal is too short for.
pub(super) fn keyed_text_of(key: u64, length: u64, filler: &str) -> Option<String> {
    let start = (key % FILLER_OFFSETS) as usize;
    let cut = filler.get(start..start + length as usize)?;
    let mut text = base36(key);
    text.push_str(cut);
    text.truncate(length as usize);
    Some(text)
}

/// Bytes of filler `keyed_text_of` needs for lengths up to `longest`, or `None` past
/// the literal `keyed_text` cuts from.
pub(super) fn filler_for(longest: u64) -> Option<u64> {
    (longest <= FILLER_BYTES).then_some(longest + FILLER_OFFSETS)
}

/// The digits CONV(n, 10, 36) gives: upper-case letters.
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut digits = Vec::new();
    loop {
        digits.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    digits.iter().rev().map(|&d| char::from(d)).collect()
}

/// Mean length synthetic strings get when nothing better is known: short strings are
/// often full, long VARCHARs mostly hold a fraction of their limit.
pub(super) fn typical_length(column: &ColumnShape) -> i64 {
    if let Some(length) = column.typical_length {
        return length;
    }
    let max = column.max_length.unwrap_or(255).max(1);
    match column.data_type.as_str() {
        "char" | "binary" => max,
        "tinytext" | "tinyblob" => 64.min(max),
        "text" | "blob" | "mediumtext" | "mediumblob" | "longtext" | "longblob" | "json" => 256,
        _ => (8 + max / 4).min(max),
    }
}

pub(super) fn random_value(column: &ColumnShape, salt: usize) -> String {
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
        "date" => format!("(DATE'2012-01-01' + INTERVAL MOD({h}, 5000) DAY)"),
        "datetime" | "timestamp" => {
            // A typed literal is read once per statement, a string once per row.
            format!("(TIMESTAMP'2012-01-01 00:00:00' + INTERVAL MOD({h}, 400000000) SECOND)")
        }
        "time" => format!("SEC_TO_TIME(MOD({h}, 86400))"),
        "char" | "binary" => {
            let length = column.max_length.unwrap_or(1).max(1) as u64;
            hashed_text(&h, &length.to_string(), length)
        }
        "varchar" | "varbinary" | "tinytext" | "text" | "mediumtext" | "longtext" | "tinyblob"
        | "blob" | "mediumblob" | "longblob" => random_length_text(column, &h, salt),
        "enum" => format!("1 + MOD({h}, {})", enum_members(column).max(1)),
        "set" => {
            let members = enum_members(column).clamp(1, 30);
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
pub(super) fn random_length_text(column: &ColumnShape, h: &str, salt: usize) -> String {
    let max = column.max_length.unwrap_or(255).max(1);
    let typical = typical_length(column).max(1);
    let spread = (2 * typical - 1).clamp(1, max);
    let length = format!("1 + MOD({}, {spread})", hash(salt + 2));
    hashed_text(h, &length, spread as u64)
}

/// Members of an ENUM or SET column; 0 for other types.
pub(super) fn enum_members(column: &ColumnShape) -> u64 {
    match &column.kind {
        ColumnType::Enum(members) | ColumnType::Set(members) => members.len() as u64,
        _ => 0,
    }
}
