//! DE005: renaming a column breaks the previous release's queries that name it.

use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};
use crate::online_ddl;

use super::{on_existing_columns, quoted};

pub const RULE: Rule = Rule {
    code: "DE005",
    name: "rename-column",
    level: Level::Error,
    explanation: "During a deploy the previous release still runs against the migrated database, and every query it sends that names the old column fails.",
    alternative: "Expand and contract: add the new column, write both, backfill, switch reads, and drop the old column in a later release.",
    fires_on: "`RENAME COLUMN` or `CHANGE old new ...`: old code naming the column fails",
    bad: "ALTER TABLE t RENAME COLUMN note TO comment, ALGORITHM=INSTANT;",
    good: "ALTER TABLE t ADD COLUMN comment varchar(200) NULL, ALGORITHM=INSTANT;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    let keyword_parses = online_ddl::parses_rename_column(&ctx.target);
    on_existing_columns(ctx, statement, Operation::RenameColumn)
        .map(|c| {
            // The keyword form has no column definition; before MySQL 8.0.3 and MariaDB
            // 10.5.2 it does not parse, and the migration fails before it renames.
            let syntax = if c.column_type.is_none() && !keyword_parses {
                format!(
                    "; and {} has no RENAME COLUMN (MySQL 8.0.3, MariaDB 10.5.2): write CHANGE {} {} <definition>",
                    ctx.target,
                    quoted(c.column.as_deref()),
                    quoted(c.new_name.as_deref())
                )
            } else {
                String::new()
            };
            Hit::new(format!(
                "renames {} to {} on {}: the previous release's queries that name {} fail{syntax}",
                quoted(c.column.as_deref()),
                quoted(c.new_name.as_deref()),
                quoted(table),
                quoted(c.column.as_deref())
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{hits, hits_on};

    #[test]
    fn bad_fires() {
        for sql in [
            "ALTER TABLE t RENAME COLUMN a TO b",
            "ALTER TABLE t CHANGE a b int NOT NULL",
        ] {
            let found = hits("DE005", sql, None);
            assert_eq!(found.len(), 1, "{sql}");
            assert_eq!(
                found[0].1,
                "renames `a` to `b` on `t`: the previous release's queries that name `a` fail"
            );
        }
    }

    #[test]
    fn the_keyword_form_on_a_server_without_it_says_so() {
        let sql = "ALTER TABLE t RENAME COLUMN a TO b";
        for target in ["mysql:5.7", "aurora-mysql:2.11", "mariadb:10.4"] {
            let found = hits_on("DE005", sql, None, target);
            assert_eq!(found.len(), 1, "{target}");
            assert!(
                found[0].1.ends_with(&format!(
                    "; and {target} has no RENAME COLUMN (MySQL 8.0.3, MariaDB 10.5.2): write CHANGE `a` `b` <definition>"
                )),
                "{target}: {}",
                found[0].1
            );
        }
        for target in ["mysql:8.0", "aurora-mysql:3.04", "mariadb:10.5.2"] {
            let found = hits_on("DE005", sql, None, target);
            assert!(!found[0].1.contains("has no RENAME COLUMN"), "{target}");
        }
        let change = hits_on(
            "DE005",
            "ALTER TABLE t CHANGE a b int NULL",
            None,
            "mysql:5.7",
        );
        assert!(!change[0].1.contains("has no RENAME COLUMN"));
    }

    #[test]
    fn good_is_quiet() {
        assert!(hits("DE005", "ALTER TABLE t CHANGE a a bigint NOT NULL", None).is_empty());
        assert!(hits("DE005", "ALTER TABLE t RENAME INDEX i TO j", None).is_empty());
    }
}
