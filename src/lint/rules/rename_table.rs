//! DE006: renaming a table breaks the previous release's queries that name it.

use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE006",
    name: "rename-table",
    level: Level::Error,
    explanation: "During a deploy the previous release still runs against the migrated database, and every query it sends to the old table name fails.",
    alternative: "Keep the old name working until no release uses it (a view, or copy to a new table and switch in steps), then rename or drop in a later release.",
    fires_on: "`RENAME TABLE` / `ALTER TABLE ... RENAME`: old code naming the table fails",
    bad: "RENAME TABLE t TO t_old;",
    good: "CREATE TABLE t_new (id int PRIMARY KEY);\nRENAME TABLE t_new TO t_next;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    if ctx.created_here(table) {
        return Vec::new();
    }
    statement
        .clauses
        .iter()
        .filter(|c| c.operation == Operation::RenameTable)
        .map(|c| {
            Hit::new(format!(
                "renames table {} to {}: the previous release's queries that name {} fail",
                quoted(table),
                quoted(c.new_name.as_deref()),
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
        for sql in ["RENAME TABLE a TO b", "ALTER TABLE a RENAME TO b"] {
            let found = hits("DE006", sql, None);
            assert_eq!(found.len(), 1, "{sql}");
            assert_eq!(
                found[0].1,
                "renames table `a` to `b`: the previous release's queries that name `a` fail"
            );
        }
    }

    #[test]
    fn good_is_quiet() {
        assert!(hits("DE006", "ALTER TABLE a RENAME COLUMN x TO y", None).is_empty());
        assert!(hits(
            "DE006",
            "CREATE TABLE a_new (id int); RENAME TABLE a_new TO a2",
            None
        )
        .is_empty());
    }
}
