//! Profile-matched values: each column reproduces the source's null fraction, distinct
//! values relative to the table size, skew and lengths at every scale of the ladder.
//! Per row this is integer and floating-point arithmetic and table lookups only: decimal
//! arithmetic, MD5 and cutting UTF-8 text made matched seeding twice as slow as plain.

use super::values::{enum_members, filler, filler_for, hash, keyed_text, keyed_text_of};
use super::{ColumnShape, ColumnStats};
use crate::ddl::types::is_integer;
use crate::profile::LengthStats;

/// Converts a permuted index (1 ..= 2^31 - 2) to a fraction in (0, 1).
const PER_PERMUTED: f64 = 1.0 / 2_147_483_647.0;
/// Converts a CRC32 to a fraction in [0, 1).
const PER_HASH: f64 = 1.0 / 4_294_967_296.0;
/// Entries in a string column's table of lengths: the profile's length distribution to
/// within a thousandth of its rows.
pub(super) const LENGTH_STEPS: usize = 1024;

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
    let fraction = format!("({permuted} * {PER_PERMUTED:e})");
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
            let low = Moment::parse(profile.min.as_ref()?.as_str()?)?;
            let high = Moment::parse(profile.max.as_ref()?.as_str()?)?;
            // Typed literals are read once, when the statement is; a string would be
            // parsed as a date on every row.
            Some(if data_type == "date" {
                let days = (high.days - low.days).max(0) + 1;
                format!(
                    "(DATE'{}' + INTERVAL FLOOR({fraction} * {days}) DAY)",
                    low.date()
                )
            } else {
                let seconds = (high.seconds() - low.seconds()).max(0) + 1;
                format!(
                    "(TIMESTAMP'{}' + INTERVAL FLOOR({fraction} * {seconds}) SECOND)",
                    low.datetime()
                )
            })
        }
        "char" | "varchar" | "binary" | "varbinary" | "tinytext" | "text" | "mediumtext"
        | "longtext" | "tinyblob" | "blob" | "mediumblob" | "longblob" => {
            if let Some(listed) = listed_texts(column, stats, &index) {
                return Some(listed);
            }
            let (length, longest) = string_length(column, stats, &permuted)?;
            Some(keyed_text(&permuted, &permuted, &length, longest))
        }
        "enum" => {
            let members = enum_members(column).max(1);
            Some(format!("1 + MOD({index}, {members})"))
        }
        _ => None,
    }
}

pub(super) fn permuted_index(index: &str) -> String {
    format!("MOD(({index} + 1) * 48271, 2147483647)")
}

/// `permuted_index`, for an index known here.
fn permuted(index: u64) -> u64 {
    (index + 1) * 48_271 % 2_147_483_647
}

/// Statement bytes a fixed pool's texts may take when written out.
const LISTED_BYTES: u64 = 512 * 1024;

/// A string column with a fixed pool of values, written out: the text of each value
/// once in the statement, picked by its index (ELT evaluates only the entry it returns),
/// instead of its text computed on every row. The texts are those `keyed_text` would
/// compute. None for a growing pool, or one too long to write out.
fn listed_texts(column: &ColumnShape, stats: &ColumnStats, index: &str) -> Option<String> {
    let Pool::Fixed(values) = pool(stats) else {
        return None;
    };
    let lengths = stats.column.length.as_ref()?;
    let cap = column.max_length.unwrap_or(i64::MAX).max(1) as f64;
    let table = length_table(lengths, cap);
    let longest = table.iter().copied().max().unwrap_or(0);
    let filler = filler(filler_for(longest)?);
    let bytes: u64 = (0..values)
        .map(|i| table[(permuted(i) % LENGTH_STEPS as u64) as usize] + 4)
        .sum();
    if bytes > LISTED_BYTES {
        return None;
    }
    let texts = (0..values)
        .map(|i| {
            let key = permuted(i);
            let length = table[(key % LENGTH_STEPS as u64) as usize];
            keyed_text_of(key, length, &filler).map(|text| format!("'{text}'"))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(format!("ELT(1 + {index}, {})", texts.join(", ")))
}

/// A string column's byte length for the value `permuted` stands for (so a value has
/// one length wherever it occurs), and the longest it can be.
fn string_length(
    column: &ColumnShape,
    stats: &ColumnStats,
    permuted: &str,
) -> Option<(String, u64)> {
    let lengths = stats.column.length.as_ref()?;
    let cap = column.max_length.unwrap_or(i64::MAX).max(1) as f64;
    let longest = lengths.max.min(cap).max(1.0) as u64;
    Some((length_lookup(lengths, cap, permuted), longest))
}

/// A session variable holding one value of the row being generated, per column (`salt`).
pub(super) fn row_variable(name: &str, salt: usize) -> String {
    format!("@ddl_eta_{name}{salt}")
}

/// The server does not share common subexpressions: a matched string needs its value
/// index (three POWs) for its text, its filler and its length, and the length twice. On
/// MariaDB each is computed once per row instead, into a session variable: its first
/// occurrence in the text assigns it, the others read it, which holds because the
/// functions used (LEFT, CONCAT, SUBSTRING, ELT, IF, comparisons) evaluate their
/// arguments in text order, and each first occurrence is evaluated whichever branch an
/// IF takes. Returns the expression and the variables to declare first (a variable
/// unknown when the statement starts reads as a constant NULL).
pub(super) fn share_subexpressions(
    expression: &str,
    column: &ColumnShape,
    stats: &ColumnStats,
    salt: usize,
) -> (String, Vec<String>) {
    let permuted = permuted_index(&value_index(stats, salt));
    let p = row_variable("p", salt);
    let mut parts = vec![(permuted, p.clone())];
    if let Some((length, _)) = string_length(column, stats, &p) {
        parts.push((length, row_variable("l", salt)));
    }
    if let Pool::Growing { now, before } = pool(stats) {
        parts.push((now, row_variable("n", salt)));
        parts.push((before, row_variable("b", salt)));
    }
    let mut shared = expression.to_string();
    let mut declared = Vec::new();
    for (part, variable) in parts {
        if shared.matches(part.as_str()).count() < 2 {
            continue;
        }
        let assigned = format!("({variable} := {part})");
        let first = shared.find(part.as_str()).unwrap_or(0);
        let (head, tail) = shared.split_at(first);
        let tail = tail[part.len()..].replace(part.as_str(), &variable);
        shared = format!("{head}{assigned}{tail}");
        declared.push(format!("{variable} = 0"));
    }
    (shared, declared)
}

/// The index (0-based) of the value row `seq` takes: see `matched_value`.
pub(super) fn value_index(stats: &ColumnStats, salt: usize) -> String {
    let profile = &stats.column;
    let seen = (profile.sample_distinct as f64).max(1.0);
    let share = profile.top1_share.clamp(1e-12, 1.0);
    let skew = if seen > 1.0 && share < 1.0 {
        (seen.ln() / (1.0 / share).ln()).clamp(1.0, 60.0)
    } else {
        1.0
    };
    let uniform = format!("({} * {PER_HASH:e})", hash(salt + 700));
    let draw = if skew > 1.0 {
        format!("POW({uniform}, {skew:.6e})")
    } else {
        uniform
    };
    match pool(stats) {
        // The first D rows take the D values in turn.
        Pool::Fixed(values) => format!("IF(seq <= {values}, seq - 1, FLOOR({draw} * {values}))"),
        Pool::Growing { now, before } => {
            format!("IF({now} > {before}, {before}, FLOOR({draw} * {now}))")
        }
    }
}

/// The values a row can take: a fixed number, whatever the table's size, or a pool that
/// grows with the rows, P(seq) at this row and P(seq - 1) at the one before.
pub(super) enum Pool {
    Fixed(u64),
    Growing { now: String, before: String },
}

pub(super) fn pool(stats: &ColumnStats) -> Pool {
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
    if alpha < 1e-6 {
        return Pool::Fixed(distinct.round() as u64);
    }
    let scale = distinct / table.powf(alpha);
    let size =
        |n: &str| format!("LEAST({n}, GREATEST(1, FLOOR({scale:e} * POW({n}, {alpha:.6e}))))");
    Pool::Growing {
        now: size("seq"),
        before: size("(seq - 1)"),
    }
}

/// Byte length of the value `permuted` stands for: a lookup (ELT reads only the entry it
/// returns) in a table of the profiled distribution's quantiles, inverse sampling that
/// is piecewise linear between the profile's points, capped at the column's limit.
pub(super) fn length_lookup(lengths: &LengthStats, cap: f64, permuted: &str) -> String {
    let table: Vec<String> = length_table(lengths, cap)
        .iter()
        .map(u64::to_string)
        .collect();
    format!(
        "ELT(1 + MOD({permuted}, {LENGTH_STEPS}), {})",
        table.join(", ")
    )
}

/// The lengths at the midpoints of `LENGTH_STEPS` equal slices of the distribution.
pub(super) fn length_table(lengths: &LengthStats, cap: f64) -> Vec<u64> {
    let points = lengths.points();
    (0..LENGTH_STEPS)
        .map(|step| {
            let u = (step as f64 + 0.5) / LENGTH_STEPS as f64;
            let (p0, l0, p1, l1) = points
                .windows(2)
                .map(|w| (w[0].0, w[0].1, w[1].0, w[1].1))
                .find(|&(p0, _, p1, _)| u < p1 && p1 > p0)
                .unwrap_or((0.0, lengths.max, 1.0, lengths.max));
            let length = l0 + (u - p0) * (l1 - l0) / (p1 - p0);
            length.min(cap).max(0.0).round() as u64
        })
        .collect()
}

/// A date or date and time from the profile ('YYYY-MM-DD[ HH:MM:SS[.ffffff]]'), checked,
/// since the profile is a file anyone may have edited.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Moment {
    /// Days since 1970-01-01.
    pub(super) days: i64,
    year: i64,
    month: u32,
    day: u32,
    second_of_day: i64,
}

impl Moment {
    pub(super) fn parse(text: &str) -> Option<Moment> {
        let (date, time) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
        let mut ymd = date.splitn(3, '-');
        let year: i64 = ymd.next()?.parse().ok()?;
        let month: u32 = ymd.next()?.parse().ok()?;
        let day: u32 = ymd.next()?.parse().ok()?;
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        let time = time.split('.').next().unwrap_or("");
        let second_of_day = if time.is_empty() {
            0
        } else {
            let mut hms = time.splitn(3, ':');
            let h: i64 = hms.next()?.parse().ok()?;
            let m: i64 = hms.next()?.parse().ok()?;
            let s: i64 = hms.next()?.parse().ok()?;
            if !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&s) {
                return None;
            }
            h * 3600 + m * 60 + s
        };
        Some(Moment {
            days: days_from_civil(year, month, day),
            year,
            month,
            day,
            second_of_day,
        })
    }

    fn seconds(&self) -> i64 {
        self.days * 86_400 + self.second_of_day
    }

    fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    fn datetime(&self) -> String {
        let s = self.second_of_day;
        format!(
            "{} {:02}:{:02}:{:02}",
            self.date(),
            s / 3600,
            s / 60 % 60,
            s % 60
        )
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}
