//! DE002: DROP COLUMN deletes the column's data, and breaks the code still reading it.

use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};

use super::{on_existing_columns, quoted};

pub const RULE: Rule = Rule {
    code: "DE002",
    name: "drop-column",
    level: Level::Error,
    explanation: "The column's values are gone once the statement commits, and the previous release, still running during the deploy, fails on queries that name the column (Django selects every field by name).",
    alternative: "Remove the column from the code first and deploy; drop it in a later release (Django: SeparateDatabaseAndState).",
    fires_on: "`DROP COLUMN` of a column the migration did not add: its data is deleted and old code fails",
    bad: "ALTER TABLE t DROP COLUMN note, ALGORITHM=INSTANT;",
    good: "ALTER TABLE t ADD COLUMN draft int NULL, ALGORITHM=INSTANT;\nALTER TABLE t DROP COLUMN draft, ALGORITHM=INSTANT;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    on_existing_columns(ctx, statement, Operation::DropColumn)
        .map(|c| {
            Hit::new(format!(
                "DROP COLUMN {} on {} deletes the column and its data",
                quoted(c.column.as_deref()),
                quoted(table)
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    #[test]
    fn bad_fires() {
        let found = hits("DE002", "ALTER TABLE t DROP COLUMN a, DROP b", None);
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "DROP COLUMN `a` on `t` deletes the column and its data",
                "DROP COLUMN `b` on `t` deletes the column and its data"
            ]
        );
    }

    #[test]
    fn good_is_quiet() {
        assert!(hits("DE002", "ALTER TABLE t DROP INDEX a", None).is_empty());
        assert!(hits(
            "DE002",
            "ALTER TABLE t ADD tmp int; ALTER TABLE t DROP tmp",
            None
        )
        .is_empty());
    }
}
