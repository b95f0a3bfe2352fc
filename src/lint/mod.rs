//! `ddl-eta lint`: static checks on the migration SQL alone, no server: data loss,
//! backward incompatibility, DDL that is not online on the target server, and missing
//! fail-fast clauses. One rule per file in `rules/`, one output format per file in `format/`.

mod context;
pub mod format;
mod ignore;
mod online;
pub mod rules;

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use serde::Serialize;

use crate::migration::{self, Statement, TableDefinition};

pub use self::context::Context;
pub use self::format::LintFormat;
pub use crate::online_ddl::Target;

/// `--target-server` when not given; a version without patch is the newest release
/// (`rules::Target::parse_current`).
pub const DEFAULT_TARGET: &str = "mysql:8.0";

/// The JSON report's version: fields are only ever added.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One rule: a code, what it guards against, and the check itself.
pub struct Rule {
    /// `DE001`...
    pub code: &'static str,
    /// kebab-case name, for people.
    pub name: &'static str,
    /// Level of a finding the rule is sure of; a "cannot tell" finding is a warning.
    pub level: Level,
    /// Why it matters, in a sentence or two.
    pub explanation: &'static str,
    /// What to do instead.
    pub alternative: &'static str,
    /// What it fires on, for the rules list (docs/lint-rules.md is generated from these).
    pub fires_on: &'static str,
    /// A migration it fires on, and one it stays quiet on, both read against
    /// `rules::EXAMPLE_SCHEMA` on the default target; a test checks that each does so.
    pub bad: &'static str,
    pub good: &'static str,
    /// Looks at one statement, knowing what came before it.
    pub check: fn(&Context, &Statement) -> Vec<Hit>,
}

/// What a check returns: the one-line message, and the level when it differs from the
/// rule's (a rule that cannot tell says so as a warning).
pub struct Hit {
    pub message: String,
    pub level: Option<Level>,
}

impl Hit {
    pub fn new(message: impl Into<String>) -> Self {
        Hit {
            message: message.into(),
            level: None,
        }
    }

    /// A finding the rule cannot confirm without more input: always a warning.
    pub fn cannot_tell(message: impl Into<String>) -> Self {
        Hit {
            message: message.into(),
            level: Some(Level::Warning),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub rule: &'static str,
    pub level: Level,
    pub message: String,
    pub explanation: &'static str,
    pub alternative: &'static str,
    pub file: String,
    pub line: usize,
    /// 0-based index of the statement across all files.
    pub statement_index: usize,
    /// The statement on one line, cut after 100 characters.
    pub statement: String,
}

/// A statement whose algorithm, lock or rebuild changes within the target's series.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesChange {
    pub file: String,
    pub line: usize,
    pub statement_index: usize,
    #[serde(flatten)]
    pub change: crate::online_ddl::SeriesChange,
}

/// Everything `lint` found; the JSON output is this struct.
#[derive(Debug, Clone, Serialize)]
pub struct LintReport {
    pub schema_version: u32,
    pub target_server: String,
    /// The `--schema` file, when given.
    pub schema: Option<String>,
    pub files: Vec<String>,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Findings silenced by `--allow` or `-- ddl-eta: ignore` comments.
    pub ignored: usize,
    /// With a target version without patch level (the newest of its series): statements
    /// an older release of the series treats otherwise, and the rules that change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub series_changes: Vec<SeriesChange>,
    pub findings: Vec<Finding>,
}

impl LintReport {
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }
}

/// What to lint and how; the CLI fills it from `ddl-eta lint` arguments.
pub struct LintOptions<'a> {
    pub migrations: &'a [PathBuf],
    pub schema: Option<&'a Path>,
    pub target: Target,
    /// Rule codes silenced everywhere.
    pub allow: &'a [String],
}

/// Reads the files and the schema, and runs every rule.
///
/// # Errors
/// When a file cannot be read or split into statements, or an ignore comment names a
/// rule that does not exist.
pub fn run(options: &LintOptions) -> Result<LintReport> {
    run_naming_stdin(options, None)
}

/// `run`, with the SQL on standard input (`-`) named `stdin_name` in findings and errors
/// (`--stdin-filepath`).
pub fn run_naming_stdin(options: &LintOptions, stdin_name: Option<&Path>) -> Result<LintReport> {
    let schema = options.schema.map(read_schema).transpose()?;
    let mut statements = Vec::new();
    let mut ignores = ignore::Ignores::default();
    let mut files = Vec::new();
    for path in options.migrations {
        let (file, text) = read_file(path, stdin_name)?;
        let parsed = migration::parse_sql(&file, &text, statements.len())?;
        ignores.read(&file, &text, &parsed)?;
        statements.extend(parsed);
        files.push(file);
    }
    let mut report = lint(
        &statements,
        schema.as_deref(),
        options.target.clone(),
        |f| {
            options
                .allow
                .iter()
                .any(|code| code.eq_ignore_ascii_case(f.code))
                || ignores.silences(f)
        },
    );
    report.schema = options.schema.map(|p| p.display().to_string());
    report.files = files;
    Ok(report)
}

/// Runs every rule on every statement, in order; `silenced` drops findings the user
/// allowed (they are counted, not shown).
pub fn lint(
    statements: &[Statement],
    schema: Option<&[TableDefinition]>,
    target: Target,
    silenced: impl Fn(&Finding) -> bool,
) -> LintReport {
    let target_server = target.to_string();
    let mut ctx = Context::new(target, schema);
    let mut findings = Vec::new();
    let mut ignored = 0;
    let mut series_changes = Vec::new();
    for statement in statements {
        let columns = online::table_columns(&ctx, statement.table.as_deref());
        let changes = crate::online_ddl::series_changes(&ctx.target, statement, columns.as_ref());
        series_changes.extend(changes.into_iter().map(|change| SeriesChange {
            file: statement.file.clone(),
            line: statement.line,
            statement_index: statement.index,
            change,
        }));
        for rule in rules::ALL {
            for hit in (rule.check)(&ctx, statement) {
                let finding = Finding {
                    code: rule.code,
                    rule: rule.name,
                    level: hit.level.unwrap_or(rule.level),
                    message: hit.message,
                    explanation: rule.explanation,
                    alternative: rule.alternative,
                    file: statement.file.clone(),
                    line: statement.line,
                    statement_index: statement.index,
                    statement: crate::text::one_line(&statement.sql, 103),
                };
                if silenced(&finding) {
                    ignored += 1;
                } else {
                    findings.push(finding);
                }
            }
        }
        ctx.apply(statement);
    }
    let errors = findings.iter().filter(|f| f.level == Level::Error).count();
    LintReport {
        schema_version: SCHEMA_VERSION,
        target_server,
        schema: None,
        files: Vec::new(),
        statements: statements.len(),
        errors,
        warnings: findings.len() - errors,
        ignored,
        findings,
        series_changes,
    }
}

/// A rule code as `--allow` takes it; clap reports anything else as a usage error.
pub fn parse_rule_code(text: &str) -> Result<String, String> {
    rules::ALL
        .iter()
        .find(|rule| rule.code.eq_ignore_ascii_case(text.trim()))
        .map(|rule| rule.code.to_string())
        .ok_or_else(|| format!("'{text}' is not a rule code ({})", rule_codes()))
}

fn rule_codes() -> String {
    let codes: Vec<&str> = rules::ALL.iter().map(|r| r.code).collect();
    codes.join(", ")
}

pub fn read_schema(path: &Path) -> Result<Vec<TableDefinition>> {
    let name = path.display().to_string();
    let schema = migration::read_schema_file(path)?;
    if let Some(note) = migration::skipped_note(&name, &schema.skipped) {
        crate::output::say(&format!("ddl-eta: {note}"));
    }
    let tables: Vec<TableDefinition> = schema
        .tables
        .iter()
        .filter_map(migration::table_definition)
        .collect();
    if tables.is_empty() {
        return Err(anyhow!("schema file {name} has no CREATE TABLE statement"));
    }
    Ok(tables)
}

fn read_file(path: &Path, stdin_name: Option<&Path>) -> Result<(String, String)> {
    let given = path.display().to_string();
    let file = match stdin_name {
        Some(name) if given == "-" => name.display().to_string(),
        _ => given.clone(),
    };
    let read = if given == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(path)
    };
    let text = read.map_err(|err| anyhow!("cannot read migration file {file}: {err}"))?;
    Ok((file, text))
}

/// Lints SQL text for the rules' own tests: the codes of the findings, in order.
#[cfg(test)]
pub(crate) fn codes_for(
    sql: &str,
    schema: Option<&str>,
    target: &str,
) -> Vec<(&'static str, Level, String)> {
    let statements = migration::parse_sql("m.sql", sql, 0).expect("migration parses");
    let tables: Option<Vec<TableDefinition>> = schema.map(|s| {
        migration::parse_sql("s.sql", s, 0)
            .expect("schema parses")
            .iter()
            .filter_map(migration::table_definition)
            .collect()
    });
    let target = Target::parse_current(target).expect("target parses");
    lint(&statements, tables.as_deref(), target, |_| false)
        .findings
        .into_iter()
        .map(|f| (f.code, f.level, f.message))
        .collect()
}
