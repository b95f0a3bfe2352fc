//! A profile from what the user gives instead of a login: a schema file, row counts
//! (`--rows`) and sizes (`--data-bytes`, `--index-bytes`).

use super::*;

/// One `--data-bytes`, `--index-bytes` or `--avg-row-length` argument: `SIZE` (the
/// migration's only table) or `TABLE=SIZE`, in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeArg {
    pub table: Option<String>,
    pub bytes: u64,
}

impl std::str::FromStr for SizeArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (table, size) = table_and_value(text);
        let bytes = parse_bytes(size.trim()).ok_or_else(|| {
            format!("'{text}' is not a size in bytes (examples: 480, 22.9G, csm=12.4G)")
        })?;
        Ok(SizeArg { table, bytes })
    }
}

/// `TABLE=VALUE` split at the last `=` (a table name may hold one, a value never does);
/// a bare `VALUE` names no table.
fn table_and_value(text: &str) -> (Option<String>, &str) {
    match text.rsplit_once('=') {
        Some((table, value)) => (Some(table.trim().to_string()), value),
        None => (None, text),
    }
}

/// Byte sizes as SHOW TABLE STATUS or a monitoring page gives them: 24589934592, 22.9G,
/// 22.9GiB, 480 (K, M, G, T are powers of 1024).
pub fn parse_bytes(text: &str) -> Option<u64> {
    let cleaned: String = text.chars().filter(|c| *c != '_' && *c != ',').collect();
    let trimmed = cleaned
        .trim_end_matches("iB")
        .trim_end_matches("ib")
        .trim_end_matches(['B', 'b']);
    let (number, multiplier) = match trimmed.chars().last()? {
        'k' | 'K' => (&trimmed[..trimmed.len() - 1], 1024f64),
        'm' | 'M' => (&trimmed[..trimmed.len() - 1], 1024f64.powi(2)),
        'g' | 'G' => (&trimmed[..trimmed.len() - 1], 1024f64.powi(3)),
        't' | 'T' => (&trimmed[..trimmed.len() - 1], 1024f64.powi(4)),
        _ => (trimmed, 1.0),
    };
    let value: f64 = number.trim().parse().ok()?;
    let bytes = value * multiplier;
    (bytes.is_finite() && bytes >= 1.0).then_some(bytes.round() as u64)
}

/// What `--schema` mode was told of each table beside its CREATE TABLE.
pub struct SchemaFacts<'a> {
    pub rows: &'a [RowsArg],
    pub data_bytes: &'a [SizeArg],
    pub index_bytes: &'a [SizeArg],
    pub avg_row_length: &'a [SizeArg],
}

/// A foreign-key parent with no `--rows` is seeded with this fraction of its largest
/// child's rows (parents are usually the smaller side: users to their events), so the
/// child's references spread over many parent rows without doubling the seeding.
pub const PARENT_ROWS_FRACTION: u64 = 10;

/// `--schema` mode: the tables the migration needs from a schema file (one table or a
/// whole `mariadb-dump --no-data`), with the row counts and widths given for them. Only
/// the touched tables need `--rows`; a foreign-key parent without one gets a tenth of
/// its largest child's rows, returned as (parent, rows) so the report can say so.
pub fn from_schema(
    path: &Path,
    touched: &[String],
    facts: &SchemaFacts,
) -> Result<(Profile, Vec<(String, u64)>)> {
    let mut profile = read_schema_file(path)?;
    let name = path.display().to_string();
    // A bare value means the only table: of the file, else of the migration.
    let only = match (profile.tables.as_slice(), touched) {
        ([table], _) => Some(table.name.clone()),
        (_, [table]) => Some(table.clone()),
        _ => None,
    };
    let rows = facts.rows.iter().map(|r| (&r.table, r.rows));
    set_each(&name, &mut profile.tables, &only, "--rows", rows, |t, v| {
        t.rows = v
    })?;
    set_each(
        &name,
        &mut profile.tables,
        &only,
        "--data-bytes",
        sizes_of(facts.data_bytes),
        |t, v| t.data_bytes = Some(v),
    )?;
    set_each(
        &name,
        &mut profile.tables,
        &only,
        "--index-bytes",
        sizes_of(facts.index_bytes),
        |t, v| t.index_bytes = Some(v),
    )?;
    set_each(
        &name,
        &mut profile.tables,
        &only,
        "--avg-row-length",
        sizes_of(facts.avg_row_length),
        |t, v| t.avg_row_length = Some(v),
    )?;
    let needed = profile.narrow(touched)?;
    if let Some(missing) = profile
        .tables
        .iter()
        .find(|t| t.rows == 0 && !needed.parents.contains(&t.name))
    {
        bail!(
            "--rows is missing for table {} of {name}: give its production row count, e.g. --rows {}=1000000",
            missing.name,
            missing.name
        );
    }
    let mut assumed = Vec::new();
    // Parents of parents come later in `needed.parents`, after their children got rows.
    for parent in &needed.parents {
        let largest_child = profile
            .tables
            .iter()
            .filter(|t| {
                foreign_key_parents(&t.create_table)
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(parent))
            })
            .map(|t| t.rows)
            .max()
            .unwrap_or(0);
        if let Some(table) = profile.tables.iter_mut().find(|t| &t.name == parent) {
            if table.rows == 0 {
                table.rows = (largest_child / PARENT_ROWS_FRACTION).max(1);
                table.rows_source = Some(RowsSource::Assumed);
                assumed.push((table.name.clone(), table.rows));
            }
        }
    }
    Ok((profile, assumed))
}

pub(super) fn sizes_of(args: &[SizeArg]) -> impl Iterator<Item = (&Option<String>, u64)> {
    args.iter().map(|a| (&a.table, a.bytes))
}

pub(super) fn set_each<'a>(
    schema: &str,
    tables: &mut [TableProfile],
    only: &Option<String>,
    flag: &str,
    args: impl Iterator<Item = (&'a Option<String>, u64)>,
    apply: impl Fn(&mut TableProfile, u64),
) -> Result<()> {
    for (table, value) in args {
        let name = match (table, only) {
            (Some(name), _) => name,
            (None, Some(only)) => only,
            (None, None) => bail!(
                "{flag} {value} is ambiguous: {schema} has {} tables and the migration touches several; write {flag} TABLE=N for each",
                tables.len()
            ),
        };
        let names = short_list(tables);
        let table = tables
            .iter_mut()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .with_context(|| {
                format!(
                    "{flag} names table {name}, which {schema} does not create (it has {names})"
                )
            })?;
        apply(table, value);
    }
    Ok(())
}

/// The first few table names, for an error message about a file that may hold hundreds.
pub(super) fn short_list(tables: &[TableProfile]) -> String {
    let mut names: Vec<&str> = tables.iter().take(8).map(|t| t.name.as_str()).collect();
    if tables.len() > 8 {
        names.push("...");
    }
    names.join(", ")
}

/// One `--rows` argument: `N` (the schema's only table) or `TABLE=N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowsArg {
    pub table: Option<String>,
    pub rows: u64,
}

impl std::str::FromStr for RowsArg {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (table, count) = table_and_value(text);
        let rows = parse_count(count.trim()).ok_or_else(|| {
            format!("'{text}' is not a row count (examples: 50000000, 50M, csm=2.5M)")
        })?;
        Ok(RowsArg { table, rows })
    }
}

/// Row counts as people write them: 50000000, 50_000_000, 50M, 2.5k.
pub fn parse_count(text: &str) -> Option<u64> {
    let cleaned: String = text.chars().filter(|c| *c != '_' && *c != ',').collect();
    let (number, multiplier) = match cleaned.chars().last()? {
        'k' | 'K' => (&cleaned[..cleaned.len() - 1], 1e3),
        'm' | 'M' => (&cleaned[..cleaned.len() - 1], 1e6),
        'g' | 'G' | 'b' | 'B' => (&cleaned[..cleaned.len() - 1], 1e9),
        _ => (cleaned.as_str(), 1.0),
    };
    let value: f64 = number.parse().ok()?;
    let rows = value * multiplier;
    (rows.is_finite() && rows >= 1.0).then_some(rows.round() as u64)
}

/// Build a Profile from CREATE TABLE statements (as mysqldump or SHOW CREATE TABLE print
/// them) and the target row counts. Other statements are ignored; triggers, routines,
/// views and events get one note on stderr (`migration::parse_schema`).
pub fn from_schema_file(path: &Path, rows: &[RowsArg]) -> Result<Profile> {
    let mut profile = read_schema_file(path)?;
    assign_rows(&path.display().to_string(), &mut profile.tables, rows)?;
    Ok(profile)
}

/// Every CREATE TABLE of a schema file, with no row counts yet.
pub(super) fn read_schema_file(path: &Path) -> Result<Profile> {
    let name = path.display().to_string();
    let schema = migration::read_schema_file(path)?;
    if let Some(note) = migration::skipped_note(&name, &schema.skipped) {
        crate::output::say(&format!("ddl-eta: {note}"));
    }
    let mut tables: Vec<TableProfile> = Vec::new();
    for statement in schema.tables {
        let Some(table) = statement.creates_table.clone() else {
            continue;
        };
        let mut profile = TableProfile::bare(table, statement.sql.clone());
        profile.rows_source = Some(RowsSource::User);
        tables.push(profile);
    }
    if tables.is_empty() {
        bail!("schema file {name} has no CREATE TABLE statement");
    }
    Ok(Profile {
        schema_version: SCHEMA_VERSION,
        server: None,
        tables,
        settings: None,
        activity: None,
        source: None,
        skipped: Vec::new(),
    })
}

pub(super) fn assign_rows(
    schema: &str,
    tables: &mut [TableProfile],
    rows: &[RowsArg],
) -> Result<()> {
    set_rows(schema, tables, rows)?;
    if let Some(missing) = tables.iter().find(|t| t.rows == 0) {
        bail!(
            "--rows is missing for table {} of {schema}: give its production row count, e.g. --rows {}=1000000",
            missing.name,
            missing.name
        );
    }
    Ok(())
}

pub(super) fn set_rows(schema: &str, tables: &mut [TableProfile], rows: &[RowsArg]) -> Result<()> {
    for arg in rows {
        match &arg.table {
            None if tables.len() == 1 => tables[0].rows = arg.rows,
            None => bail!(
                "--rows {} is ambiguous: {schema} has {} tables ({}); write --rows TABLE=N for each",
                arg.rows,
                tables.len(),
                table_names(tables)
            ),
            Some(name) => {
                let names = table_names(tables);
                let table = tables
                    .iter_mut()
                    .find(|t| t.name.eq_ignore_ascii_case(name))
                    .with_context(|| {
                        format!("--rows names table {name}, which {schema} does not create (it has {names})")
                    })?;
                table.rows = arg.rows;
            }
        }
    }
    Ok(())
}

pub(super) fn table_names(tables: &[TableProfile]) -> String {
    tables
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
