//! Column types and character sets as written in DDL, read just enough to tell whether a
//! change keeps every value (a widening) or can lose some (a narrowing), and to spell
//! one type one way. Shared by the linter and the online-DDL rules.

/// An integer type, by INFORMATION_SCHEMA's DATA_TYPE ("int", "bigint", ...).
pub fn is_integer(data_type: &str) -> bool {
    matches!(
        data_type,
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint"
    )
}

/// What a column type can hold.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnType {
    Int {
        bytes: u32,
        unsigned: bool,
    },
    Decimal {
        precision: u32,
        scale: u32,
        unsigned: bool,
    },
    Float,
    Double,
    /// CHAR / VARCHAR / BINARY / VARBINARY: a length in characters (bytes for binary).
    Chars {
        length: u64,
        varying: bool,
        binary: bool,
    },
    /// TEXT / BLOB families: a length in bytes.
    Lob {
        bytes: u64,
        binary: bool,
    },
    Enum(Vec<String>),
    Set(Vec<String>),
    Date,
    Time {
        fsp: u32,
    },
    DateTime {
        fsp: u32,
    },
    Timestamp {
        fsp: u32,
    },
    Year,
    /// Anything else (JSON, BIT, spatial types...), by its text.
    Other(String),
}

/// The outcome of comparing an old column type with a new one.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every old value fits in the new type.
    Keeps,
    /// Some values can be cut, rounded or rejected; the reason says how.
    Narrows(String),
    /// ddl-eta does not know this conversion well enough to say.
    CannotTell,
}

/// Parses a type as the migration parser gives it: lowercased, `varchar(16)`,
/// `int(11) unsigned`, `decimal(10,2)`, `double precision`, `enum('a','b')`.
pub fn parse(text: &str) -> ColumnType {
    let text = text.trim().to_lowercase();
    let (head, args, tail) = match (text.find('('), text.rfind(')')) {
        (Some(open), Some(close)) if close > open => (
            text[..open].trim(),
            split_args(&text[open + 1..close]),
            text[close + 1..].trim(),
        ),
        _ => (text.as_str(), Vec::new(), ""),
    };
    let words: Vec<&str> = head
        .split_whitespace()
        .chain(tail.split_whitespace())
        .collect();
    let unsigned = words.contains(&"unsigned");
    let base: Vec<&str> = words
        .iter()
        .copied()
        .filter(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"))
        .collect();
    let number = |i: usize| args.get(i).and_then(|a| a.trim().parse::<u64>().ok());
    let int = |bytes| ColumnType::Int { bytes, unsigned };
    match base.join(" ").as_str() {
        "tinyint" | "bool" | "boolean" | "int1" => int(1),
        "smallint" | "int2" => int(2),
        "mediumint" | "int3" | "middleint" => int(3),
        "int" | "integer" | "int4" => int(4),
        "bigint" | "int8" => int(8),
        "decimal" | "numeric" | "dec" | "fixed" => ColumnType::Decimal {
            precision: number(0).map_or(10, |p| p as u32),
            scale: number(1).map_or(0, |s| s as u32),
            unsigned,
        },
        "float" if args.len() == 1 && number(0).is_some_and(|p| p > 24) => ColumnType::Double,
        "float" | "float4" => ColumnType::Float,
        "double" | "double precision" | "real" | "float8" => ColumnType::Double,
        "char" | "character" | "nchar" | "national char" => {
            chars(number(0).unwrap_or(1), false, false)
        }
        "varchar" | "character varying" | "nvarchar" | "national varchar" | "char varying" => {
            chars(number(0).unwrap_or(0), true, false)
        }
        "binary" => chars(number(0).unwrap_or(1), false, true),
        "varbinary" => chars(number(0).unwrap_or(0), true, true),
        "tinytext" => lob(255, false),
        "text" => lob(number(0).map_or(65_535, lob_bytes_for), false),
        "mediumtext" | "long varchar" | "long" => lob(16_777_215, false),
        "longtext" => lob(4_294_967_295, false),
        "tinyblob" => lob(255, true),
        "blob" => lob(number(0).map_or(65_535, lob_bytes_for), true),
        "mediumblob" | "long varbinary" => lob(16_777_215, true),
        "longblob" => lob(4_294_967_295, true),
        "enum" => ColumnType::Enum(args.iter().map(|a| unquote(a)).collect()),
        "set" => ColumnType::Set(args.iter().map(|a| unquote(a)).collect()),
        "date" => ColumnType::Date,
        "time" => ColumnType::Time {
            fsp: fsp(number(0)),
        },
        "datetime" => ColumnType::DateTime {
            fsp: fsp(number(0)),
        },
        "timestamp" => ColumnType::Timestamp {
            fsp: fsp(number(0)),
        },
        "year" => ColumnType::Year,
        _ => ColumnType::Other(text.clone()),
    }
}

fn chars(length: u64, varying: bool, binary: bool) -> ColumnType {
    ColumnType::Chars {
        length,
        varying,
        binary,
    }
}

fn lob(bytes: u64, binary: bool) -> ColumnType {
    ColumnType::Lob { bytes, binary }
}

/// `TEXT(n)` picks the smallest TEXT type that holds n bytes.
fn lob_bytes_for(n: u64) -> u64 {
    [255, 65_535, 16_777_215]
        .into_iter()
        .find(|size| n <= *size)
        .unwrap_or(4_294_967_295)
}

fn fsp(n: Option<u64>) -> u32 {
    n.map_or(0, |n| n.min(6) as u32)
}

/// Splits `a, 'b,c', d` on commas outside quotes.
fn split_args(inner: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for ch in inner.chars() {
        match (quote, ch) {
            (None, '\'' | '"') => {
                quote = Some(ch);
                current.push(ch);
            }
            (Some(q), _) if ch == q => {
                quote = None;
                current.push(ch);
            }
            (None, ',') => args.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(ch),
        }
    }
    if !current.trim().is_empty() {
        args.push(current.trim().to_string());
    }
    args
}

fn unquote(arg: &str) -> String {
    let arg = arg.trim();
    arg.strip_prefix('\'')
        .and_then(|a| a.strip_suffix('\''))
        .map_or_else(|| arg.to_string(), |a| a.replace("''", "'"))
}

/// Inclusive range of an integer type.
fn int_range(bytes: u32, unsigned: bool) -> (i128, i128) {
    let bits = 8 * bytes;
    if unsigned {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

/// Inclusive range of the integer part of a DECIMAL.
fn decimal_range(precision: u32, scale: u32, unsigned: bool) -> (i128, i128) {
    let digits = precision.saturating_sub(scale).min(38);
    let max = 10i128.pow(digits) - 1;
    (if unsigned { 0 } else { -max }, max)
}

fn contains(outer: (i128, i128), inner: (i128, i128)) -> bool {
    outer.0 <= inner.0 && inner.1 <= outer.1
}

/// Characters needed to print any value of an integer type.
fn int_chars(bytes: u32, unsigned: bool) -> u64 {
    let (min, max) = int_range(bytes, unsigned);
    max.to_string().len().max(min.to_string().len()) as u64
}

/// Does every value of `old` fit in `new`? `mb` is the most bytes a character takes in
/// the column's character set (4 for utf8mb4), to compare character and byte lengths.
pub fn compare(old_text: &str, new_text: &str, mb: u64) -> Verdict {
    let (old, new) = (parse(old_text), parse(new_text));
    if old == new {
        return Verdict::Keeps;
    }
    let narrows = |why: &str| Verdict::Narrows(format!("{old_text} to {new_text} {why}"));
    let keeps_if = |fits: bool, why: &str| if fits { Verdict::Keeps } else { narrows(why) };
    use ColumnType::*;
    match (&old, &new) {
        (
            Int {
                bytes: a,
                unsigned: ua,
            },
            Int {
                bytes: b,
                unsigned: ub,
            },
        ) => {
            let (min, max) = int_range(*b, *ub);
            keeps_if(
                contains((min, max), int_range(*a, *ua)),
                &format!("holds only {min}..{max}"),
            )
        }
        (
            Int { bytes, unsigned },
            Decimal {
                precision,
                scale,
                unsigned: u,
            },
        ) => keeps_if(
            contains(
                decimal_range(*precision, *scale, *u),
                int_range(*bytes, *unsigned),
            ),
            "has too few integer digits",
        ),
        (Int { bytes, .. }, Float) => keeps_if(*bytes <= 3, "keeps only 24 bits of precision"),
        (Int { bytes, .. }, Double) => keeps_if(*bytes <= 4, "keeps only 53 bits of precision"),
        (
            Int { bytes, unsigned },
            Chars {
                length,
                binary: false,
                ..
            },
        ) => keeps_if(
            *length >= int_chars(*bytes, *unsigned),
            "is too short for the longest numbers",
        ),
        (
            Decimal {
                precision: p,
                scale: s,
                unsigned: u,
            },
            Decimal {
                precision: q,
                scale: t,
                unsigned: v,
            },
        ) => {
            if t < s {
                narrows("rounds away decimal places")
            } else {
                keeps_if(
                    contains(decimal_range(*q, *t, *v), decimal_range(*p, *s, *u)),
                    "has too few integer digits",
                )
            }
        }
        (
            Decimal {
                precision,
                scale,
                unsigned,
            },
            Int { bytes, unsigned: u },
        ) => {
            if *scale > 0 {
                narrows("drops the decimal places")
            } else {
                keeps_if(
                    contains(
                        int_range(*bytes, *u),
                        decimal_range(*precision, 0, *unsigned),
                    ),
                    "cannot hold the largest values",
                )
            }
        }
        (Decimal { .. }, Float | Double) => {
            narrows("stores binary floating point, which approximates decimal values")
        }
        (Float, Double) => Verdict::Keeps,
        (Double, Float) => narrows("keeps only about 7 significant digits"),
        (Float | Double, Int { .. } | Decimal { .. }) => {
            narrows("rounds fractions and cannot hold every value")
        }
        (
            Chars {
                length: a,
                binary: x,
                ..
            },
            Chars {
                length: b,
                binary: y,
                ..
            },
        ) if x == y => keeps_if(b >= a, "cuts longer values"),
        (Chars { length, binary, .. }, Lob { bytes, binary: b }) if binary == b => {
            let per_char = if *binary { 1 } else { mb };
            keeps_if(length * per_char <= *bytes, "holds fewer bytes")
        }
        (
            Lob { bytes, binary },
            Chars {
                length, binary: b, ..
            },
        ) if binary == b => keeps_if(length >= bytes, "cuts longer values"),
        (
            Lob {
                bytes: a,
                binary: x,
            },
            Lob {
                bytes: b,
                binary: y,
            },
        ) if x == y => keeps_if(b >= a, "holds fewer bytes"),
        (Enum(a), Enum(b)) | (Set(a), Set(b)) => {
            let missing: Vec<&String> = a.iter().filter(|v| !b.contains(v)).collect();
            keeps_if(
                missing.is_empty(),
                &format!("drops the value(s) {}", quoted(&missing)),
            )
        }
        (
            Enum(values),
            Chars {
                length,
                binary: false,
                ..
            },
        ) => keeps_if(
            values.iter().all(|v| v.chars().count() as u64 <= *length),
            "is too short for the longest value",
        ),
        (Enum(_) | Set(_), Lob { binary: false, .. }) => Verdict::Keeps,
        (Date, DateTime { .. }) | (Year, Int { .. }) => Verdict::Keeps,
        (Date, Timestamp { .. }) | (DateTime { .. }, Timestamp { .. }) => {
            narrows("holds only 1970 to 2038")
        }
        (DateTime { .. } | Timestamp { .. }, Date) => narrows("drops the time of day"),
        (Timestamp { fsp: a }, DateTime { fsp: b })
        | (DateTime { fsp: a }, DateTime { fsp: b })
        | (Timestamp { fsp: a }, Timestamp { fsp: b })
        | (Time { fsp: a }, Time { fsp: b }) => keeps_if(b >= a, "rounds fractional seconds"),
        (Chars { .. } | Lob { .. }, Int { .. } | Decimal { .. } | Float | Double) => {
            narrows("turns text that is not a number into an error or 0")
        }
        (Chars { .. } | Lob { .. }, Date | DateTime { .. } | Timestamp { .. } | Time { .. }) => {
            narrows("turns text that is not a date into an error or a zero date")
        }
        _ => Verdict::CannotTell,
    }
}

fn quoted(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// True for types whose values carry a character set.
pub fn is_text(kind: &ColumnType) -> bool {
    matches!(
        kind,
        ColumnType::Chars { binary: false, .. }
            | ColumnType::Lob { binary: false, .. }
            | ColumnType::Enum(_)
            | ColumnType::Set(_)
    )
}

/// Which characters a character set can store, from fewest to all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Repertoire {
    Ascii,
    /// One of the single-byte sets (latin1, latin2, cp1251, ...): 256 characters each,
    /// and not the same 256.
    SingleByte,
    /// The Basic Multilingual Plane: no emoji, no supplementary characters.
    Bmp,
    Unicode,
}

/// Every character set ddl-eta knows: which characters it stores (None for `binary`,
/// which stores bytes) and the most bytes one character takes. One table, so the
/// linter's rules and the online-DDL rules cannot disagree about a set.
const CHARSETS: &[(&str, Option<Repertoire>, u64)] = &[
    ("ascii", Some(Repertoire::Ascii), 1),
    ("binary", None, 1),
    ("armscii8", Some(Repertoire::SingleByte), 1),
    ("cp1250", Some(Repertoire::SingleByte), 1),
    ("cp1251", Some(Repertoire::SingleByte), 1),
    ("cp1256", Some(Repertoire::SingleByte), 1),
    ("cp1257", Some(Repertoire::SingleByte), 1),
    ("cp850", Some(Repertoire::SingleByte), 1),
    ("cp852", Some(Repertoire::SingleByte), 1),
    ("cp866", Some(Repertoire::SingleByte), 1),
    ("dec8", Some(Repertoire::SingleByte), 1),
    ("geostd8", Some(Repertoire::SingleByte), 1),
    ("greek", Some(Repertoire::SingleByte), 1),
    ("hebrew", Some(Repertoire::SingleByte), 1),
    ("hp8", Some(Repertoire::SingleByte), 1),
    ("keybcs2", Some(Repertoire::SingleByte), 1),
    ("koi8r", Some(Repertoire::SingleByte), 1),
    ("koi8u", Some(Repertoire::SingleByte), 1),
    ("latin1", Some(Repertoire::SingleByte), 1),
    ("latin2", Some(Repertoire::SingleByte), 1),
    ("latin5", Some(Repertoire::SingleByte), 1),
    ("latin7", Some(Repertoire::SingleByte), 1),
    ("macce", Some(Repertoire::SingleByte), 1),
    ("macroman", Some(Repertoire::SingleByte), 1),
    ("swe7", Some(Repertoire::SingleByte), 1),
    ("tis620", Some(Repertoire::SingleByte), 1),
    ("ucs2", Some(Repertoire::Bmp), 2),
    ("utf8", Some(Repertoire::Bmp), 3),
    ("utf8mb3", Some(Repertoire::Bmp), 3),
    ("utf16", Some(Repertoire::Unicode), 4),
    ("utf16le", Some(Repertoire::Unicode), 4),
    ("utf32", Some(Repertoire::Unicode), 4),
    ("utf8mb4", Some(Repertoire::Unicode), 4),
];

/// The set's row of `CHARSETS`, by name in any case.
fn charset_row(charset: &str) -> Option<(Option<Repertoire>, u64)> {
    CHARSETS
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(charset))
        .map(|&(_, repertoire, bytes)| (repertoire, bytes))
}

pub fn repertoire(charset: &str) -> Option<Repertoire> {
    charset_row(charset)?.0
}

/// Can converting text from `from` to `to` lose characters? None when either set is
/// unknown to ddl-eta.
pub fn charset_loses(from: &str, to: &str) -> Option<bool> {
    if from.eq_ignore_ascii_case(to) {
        return Some(false);
    }
    let (a, b) = (repertoire(from)?, repertoire(to)?);
    Some(b < a || (a == Repertoire::SingleByte && b == Repertoire::SingleByte))
}

/// Most bytes one character takes; 4 when the set is unknown, the widest common case.
pub fn max_bytes_per_char(charset: Option<&str>) -> u64 {
    charset.and_then(charset_row).map_or(4, |(_, bytes)| bytes)
}

/// Bytes per character of a character set, for the sets whose width ddl-eta knows.
pub fn bytes_per_char(charset: &str) -> Option<i64> {
    charset_row(charset).map(|(_, bytes)| bytes as i64)
}

/// `varchar(100)` / `character varying(100)` → 100.
pub fn varchar_length(column_type: &str) -> Option<i64> {
    let normalized = normalize_type(column_type);
    let inner = normalized.strip_prefix("varchar(")?.strip_suffix(')')?;
    inner.parse().ok()
}

/// One spelling per type, so "integer" and "int(11)" compare equal.
pub fn normalize_type(column_type: &str) -> String {
    let lower = column_type
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let lower = lower
        .replace("character varying", "varchar")
        .replace("double precision", "double")
        .replace("integer", "int")
        .replace("numeric", "decimal")
        .replace(" (", "(");
    let lower = match lower.as_str() {
        "bool" | "boolean" => "tinyint(1)".to_string(),
        "real" => "double".to_string(),
        _ => lower,
    };
    strip_integer_width(&lower)
}

/// `int(11)` is `int`: the display width means nothing to storage.
fn strip_integer_width(column_type: &str) -> String {
    const INTEGERS: [&str; 5] = ["tinyint", "smallint", "mediumint", "bigint", "int"];
    for name in INTEGERS {
        if let Some(rest) = column_type.strip_prefix(name) {
            if let Some(after) = rest.strip_prefix('(') {
                if let Some(close) = after.find(')') {
                    if name == "tinyint" && after.get(..close) == Some("1") {
                        return column_type.to_string();
                    }
                    let tail = after.get(close + 1..).unwrap_or("");
                    return format!("{name}{tail}");
                }
            }
            return column_type.to_string();
        }
    }
    column_type.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn narrows(old: &str, new: &str) -> bool {
        matches!(compare(old, new, 4), Verdict::Narrows(_))
    }

    #[test]
    fn parses_common_spellings() {
        assert_eq!(
            parse("int(11) unsigned"),
            ColumnType::Int {
                bytes: 4,
                unsigned: true
            }
        );
        assert_eq!(
            parse("integer"),
            ColumnType::Int {
                bytes: 4,
                unsigned: false
            }
        );
        assert_eq!(parse("double precision"), ColumnType::Double);
        assert_eq!(parse("float(53)"), ColumnType::Double);
        assert_eq!(
            parse("decimal(10,2)"),
            ColumnType::Decimal {
                precision: 10,
                scale: 2,
                unsigned: false
            }
        );
        assert_eq!(parse("character varying(10)"), chars(10, true, false));
        assert_eq!(
            parse("enum('a','b,c','it''s')"),
            ColumnType::Enum(vec!["a".into(), "b,c".into(), "it's".into()])
        );
        assert_eq!(parse("datetime(6)"), ColumnType::DateTime { fsp: 6 });
    }

    #[test]
    fn narrowing_and_widening() {
        for (old, new) in [
            ("double", "float"),
            ("varchar(255)", "varchar(100)"),
            ("bigint(20)", "int(11)"),
            ("int", "int unsigned"),
            ("decimal(10,2)", "decimal(10,1)"),
            ("decimal(10,2)", "decimal(9,2)"),
            ("decimal(10,2)", "double"),
            ("text", "varchar(1000)"),
            ("varchar(20000)", "text"),
            ("enum('a','b')", "enum('a')"),
            ("datetime(6)", "datetime"),
            ("datetime", "date"),
            ("varchar(10)", "int"),
            ("bigint", "double"),
        ] {
            assert!(narrows(old, new), "{old} -> {new}");
        }
        for (old, new) in [
            ("varchar(8)", "varchar(16)"),
            ("int(11)", "bigint(20)"),
            ("int unsigned", "bigint"),
            ("float", "double"),
            ("decimal(10,2)", "decimal(12,3)"),
            ("int", "decimal(12,0)"),
            ("varchar(255)", "text"),
            ("enum('a')", "enum('a','b')"),
            ("date", "datetime(6)"),
            ("int", "varchar(11)"),
            ("int(11)", "int"),
        ] {
            assert_eq!(compare(old, new, 4), Verdict::Keeps, "{old} -> {new}");
        }
        assert_eq!(compare("json", "point", 4), Verdict::CannotTell);
    }

    #[test]
    fn charset_repertoires() {
        assert_eq!(charset_loses("utf8mb4", "latin1"), Some(true));
        assert_eq!(charset_loses("utf8mb4", "utf8mb3"), Some(true));
        assert_eq!(charset_loses("latin1", "latin2"), Some(true));
        assert_eq!(charset_loses("latin1", "utf8mb4"), Some(false));
        assert_eq!(charset_loses("utf8", "utf8mb4"), Some(false));
        assert_eq!(charset_loses("ascii", "latin1"), Some(false));
        assert_eq!(charset_loses("big5", "utf8mb4"), None);
        assert_eq!(max_bytes_per_char(Some("latin1")), 1);
        assert_eq!(max_bytes_per_char(None), 4);
    }

    #[test]
    fn one_table_answers_width_and_repertoire_alike() {
        for (name, _, _) in CHARSETS {
            let width = bytes_per_char(name);
            assert_eq!(width, Some(max_bytes_per_char(Some(name)) as i64), "{name}");
            assert_eq!(bytes_per_char(&name.to_ascii_uppercase()), width, "{name}");
        }
        assert_eq!(bytes_per_char("latin5"), Some(1));
        assert_eq!(bytes_per_char("UTF8MB4"), Some(4));
        assert_eq!(max_bytes_per_char(Some("binary")), 1);
        assert_eq!(max_bytes_per_char(Some("big5")), 4);
        assert_eq!(bytes_per_char("big5"), None);
        assert_eq!(repertoire("binary"), None);
    }

    #[test]
    fn types_normalize_and_change_kinds_parse_back() {
        assert_eq!(normalize_type("integer"), normalize_type("int(11)"));
        assert_eq!(normalize_type("BIGINT(20) UNSIGNED"), "bigint unsigned");
        assert_eq!(normalize_type("double precision"), "double");
        assert_eq!(normalize_type("bool"), "tinyint(1)");
        assert_eq!(normalize_type("character varying(10)"), "varchar(10)");
        assert_ne!(normalize_type("tinyint(1)"), normalize_type("tinyint(4)"));
        for kind in crate::ddl::ALL_CHANGE_KINDS {
            assert_eq!(crate::ddl::ChangeKind::from_name(kind.as_str()), Some(kind));
        }
    }
}
