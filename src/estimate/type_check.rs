//! With the schema in hand (`--schema`), the linter's type and character-set comparison
//! (DE003 narrowing-type, DE009 lossy-charset) tells the checklist whether a statement
//! that changes a column keeps every value, instead of "possibly".

use crate::lint;
use crate::migration::{self, Migration, Operation};
use crate::report::{Report, TypeCheck, TypeVerdict};
use anyhow::Result;
use std::path::Path;

/// Sets `type_check` on every statement that changes a column's type or character set.
/// The rules run on the statements as parsed, never on the files read again: a migration
/// on standard input can be read only once.
pub fn annotate(report: &mut Report, migration: &Migration, schema: Option<&Path>) -> Result<()> {
    let Some(schema) = schema else {
        return Ok(());
    };
    let tables: Vec<migration::TableDefinition> = migration::read_schema_file(schema)?
        .tables
        .iter()
        .filter_map(migration::table_definition)
        .collect();
    let found = lint::lint(
        &migration.statements,
        Some(&tables),
        lint::Target::parse_current(lint::DEFAULT_TARGET)?,
        |_| false,
    );
    for statement in &mut report.statements {
        let changes = [Operation::ModifyColumn, Operation::ConvertCharset];
        let changes_values = changes.contains(&statement.operation)
            || statement.clauses.iter().any(|c| changes.contains(c));
        if !changes_values {
            continue;
        }
        let hits: Vec<&lint::Finding> = found
            .findings
            .iter()
            .filter(|f| {
                f.statement_index == statement.index
                    && lint::rules::VALUE_RULES.iter().any(|r| r.code == f.code)
            })
            .collect();
        let verdict = if hits.iter().any(|f| f.level == lint::Level::Error) {
            TypeVerdict::Narrows
        } else if hits.is_empty() {
            TypeVerdict::Keeps
        } else {
            TypeVerdict::CannotTell
        };
        statement.type_check = Some(TypeCheck {
            verdict,
            findings: hits.iter().map(|f| f.message.clone()).collect(),
        });
    }
    Ok(())
}
