//! With the schema in hand (`--schema`), the linter's type and character-set comparison
//! (DE003 narrowing-type, DE009 lossy-charset) tells the checklist whether a statement
//! that changes a column keeps every value, instead of "possibly".

use crate::cli::EstimateArgs;
use crate::lint::{self, LintOptions};
use crate::migration::Operation;
use crate::report::{Report, TypeCheck, TypeVerdict};
use anyhow::Result;

/// The linter's rules that compare what a column holds before and after.
const VALUE_RULES: [&str; 2] = ["DE003", "DE009"];

/// Sets `type_check` on every statement that changes a column's type or character set.
pub fn annotate(report: &mut Report, args: &EstimateArgs) -> Result<()> {
    let Some(schema) = args.schema.as_deref() else {
        return Ok(());
    };
    let found = lint::run(&LintOptions {
        migrations: &args.migrations,
        schema: Some(schema),
        target: lint::Target::parse_current(lint::DEFAULT_TARGET)?,
        allow: &[],
    })?;
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
            .filter(|f| f.statement_index == statement.index && VALUE_RULES.contains(&f.code))
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
