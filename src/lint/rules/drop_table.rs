//! DE001: DROP TABLE deletes the table and its rows, and breaks the code still using it.

use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE001",
    name: "drop-table",
    level: Level::Error,
    explanation: "The rows are gone once the statement commits, and the previous release, still running during the deploy, fails on every query that names the table.",
    alternative: "Stop using the table in one release; drop it in a later one, after a backup you can restore from.",
    fires_on: "`DROP TABLE` of a table the migration did not create: its rows are deleted and old code fails",
    bad: "DROP TABLE t;",
    good: "CREATE TABLE t_tmp (id int PRIMARY KEY);\nDROP TABLE t_tmp;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    if statement.operation != Operation::DropTable
        || ctx.created_here(statement.drops_table.as_deref())
    {
        return Vec::new();
    }
    vec![Hit::new(format!(
        "DROP TABLE {} deletes the table and every row in it",
        quoted(statement.drops_table.as_deref())
    ))]
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    #[test]
    fn bad_fires() {
        let found = hits("DE001", "DROP TABLE IF EXISTS `old_stats`", None);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            "DROP TABLE `old_stats` deletes the table and every row in it"
        );
    }

    #[test]
    fn good_is_quiet() {
        assert!(hits("DE001", "DROP INDEX i ON t", None).is_empty());
        // A table this migration created holds no production rows.
        assert!(hits("DE001", "CREATE TABLE tmp (id int); DROP TABLE tmp", None).is_empty());
    }
}
