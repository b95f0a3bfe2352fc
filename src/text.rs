//! The words and figures every output shares: durations, byte sizes, row counts and
//! SQL shortened to one line. Each report format, the linter and `watch` write through
//! these, so the same number reads the same everywhere. Imports nothing of ddl-eta.

pub fn human_seconds(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "?".to_string();
    }
    if seconds < 1.0 {
        format!("{seconds:.3} s")
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else if seconds < 3600.0 {
        let whole = seconds.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        let minutes = (seconds / 60.0).round() as u64;
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    }
}

pub fn human_bytes(bytes: u64) -> String {
    let value = bytes as f64;
    if bytes >= 1 << 30 {
        format!("{} GiB", trim_number(value / (1u64 << 30) as f64))
    } else if bytes >= 1 << 20 {
        format!("{} MiB", trim_number(value / (1u64 << 20) as f64))
    } else if bytes >= 1 << 10 {
        format!("{} KiB", trim_number(value / 1024.0))
    } else {
        format!("{bytes} B")
    }
}

/// 50000000 -> "50M", 3125 -> "3.1k": compact row counts for tables.
pub fn short_rows(rows: u64) -> String {
    let value = rows as f64;
    if rows >= 1_000_000_000 {
        format!("{}G", trim_number(value / 1e9))
    } else if rows >= 1_000_000 {
        format!("{}M", trim_number(value / 1e6))
    } else if rows >= 1_000 {
        format!("{}k", trim_number(value / 1e3))
    } else {
        rows.to_string()
    }
}

pub fn trim_number(value: f64) -> String {
    let text = if value >= 100.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    };
    text.trim_end_matches(".0").to_string()
}

/// A level, a name or a count where there is one; "-" where there is none.
pub fn or_dash<T: std::fmt::Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

/// 1234567 -> "1,234,567".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A statement on one line, whitespace collapsed, at most `width` characters: cut to
/// `width - 3` and "..." when longer.
pub fn one_line(sql: &str, width: usize) -> String {
    let line = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= width {
        return line;
    }
    let cut: String = line.chars().take(width.saturating_sub(3)).collect();
    format!("{}...", cut.trim_end())
}

/// The message and each cause once, joined by ": " (a driver error often repeats its
/// cause's text in its own message, which `{:#}` would print twice).
pub fn causes(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_collapses_and_cuts_to_its_width() {
        assert_eq!(
            one_line("ALTER  TABLE\n t\tFORCE", 80),
            "ALTER TABLE t FORCE"
        );
        let long = format!("ALTER TABLE t ADD COLUMN {} int", "é".repeat(90));
        let cut = one_line(&long, 80);
        assert_eq!(cut.chars().count(), 80);
        assert!(cut.ends_with("..."));
        assert_eq!(one_line("a b c d", 5), "a...");
    }

    #[test]
    fn figures_read_the_same_everywhere() {
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(50_000_000), "50,000,000");
        assert_eq!(short_rows(50_000_000), "50M");
        assert_eq!(short_rows(3125), "3.1k");
        assert_eq!(human_bytes(3 << 20), "3 MiB");
        assert_eq!(human_seconds(0.25), "0.250 s");
        assert_eq!(human_seconds(125.0), "2 min 05 s");
    }
}

/// Seconds since the Unix epoch as a UTC date and time: "2026-12-02 21:40 UTC".
pub fn utc_date(epoch_seconds: u64) -> String {
    let days = (epoch_seconds / 86_400) as i64;
    let minutes = (epoch_seconds % 86_400) / 60;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        minutes / 60,
        minutes % 60
    )
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn epoch_seconds_read_as_utc_dates() {
        assert_eq!(super::utc_date(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_date(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(super::utc_date(1_796_247_600), "2026-12-02 21:40 UTC");
    }
}
