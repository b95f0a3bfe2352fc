//! DE007: a NOT NULL column without a DEFAULT on an existing table, however it comes
//! about: ADD COLUMN, ALTER COLUMN ... DROP DEFAULT (Django's AddField drops the default
//! right after adding the column), or a MODIFY to NOT NULL.

use crate::lint::context::Column;
use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Clause, Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE007",
    name: "not-null-without-default",
    level: Level::Error,
    explanation: "In strict SQL mode (the default) an INSERT that omits a NOT NULL column without a default fails (error 1364), and the previous release, which does not know the column, omits it.",
    alternative: "Keep a DEFAULT until every running release writes the column (Django 5: db_default), or add the column NULL, backfill, and make it NOT NULL in a later release.",
    fires_on: "a NOT NULL column without DEFAULT on an existing table: `ADD COLUMN`, `ALTER COLUMN ... DROP DEFAULT` (what Django's AddField emits after adding with a default), or a MODIFY that makes a nullable/defaulted column NOT NULL without a default: old code's INSERTs fail (error 1364)",
    bad: "ALTER TABLE t ADD COLUMN score int NOT NULL, ALGORITHM=INSTANT;",
    good: "ALTER TABLE t ADD COLUMN score int NOT NULL DEFAULT 0, ALGORITHM=INSTANT;",
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
        .filter_map(|clause| {
            let column = quoted(clause.column.as_deref());
            let on = quoted(table);
            match clause.operation {
                Operation::AddColumn if needs_value(clause) => Some(Hit::new(format!(
                    "ADD COLUMN {column} on {on} is NOT NULL without a DEFAULT: the previous release's INSERTs fail"
                ))),
                Operation::ChangeDefault if !clause.has_default && is_not_null(ctx, table, clause) => {
                    Some(Hit::new(format!(
                        "dropping the DEFAULT of NOT NULL column {column} on {on} makes INSERTs that omit it fail"
                    )))
                }
                Operation::ModifyColumn | Operation::RenameColumn
                    if needs_value(clause) && was_optional(ctx, table, clause) =>
                {
                    Some(Hit::new(format!(
                        "{column} on {on} becomes NOT NULL without a DEFAULT: INSERTs that omit it or write NULL fail"
                    )))
                }
                _ => None,
            }
        })
        .collect()
}

/// NOT NULL, no DEFAULT, and not filled in by the server (AUTO_INCREMENT, generated).
fn needs_value(clause: &Clause) -> bool {
    // Words outside string literals: `COMMENT 'known as x'` is not a generated column.
    let outside_strings: String = clause
        .text
        .split('\'')
        .step_by(2)
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<String> = outside_strings
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .map(str::to_uppercase)
        .collect();
    let filled = ["AUTO_INCREMENT", "GENERATED", "AS"]
        .iter()
        .any(|w| words.iter().any(|x| x == w));
    clause.nullable == Some(false) && !clause.has_default && !filled
}

fn is_not_null(ctx: &Context, table: Option<&str>, clause: &Clause) -> bool {
    matches!(ctx.column(table, clause.column.as_deref()), Column::Known(def) if def.nullable == Some(false))
}

/// The column could be left out of an INSERT before: it was nullable or had a default.
fn was_optional(ctx: &Context, table: Option<&str>, clause: &Clause) -> bool {
    matches!(ctx.column(table, clause.column.as_deref()), Column::Known(def) if def.nullable != Some(false) || def.has_default)
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    #[test]
    fn bad_fires() {
        let found = hits("DE007", "ALTER TABLE t ADD COLUMN n int NOT NULL", None);
        assert_eq!(found[0].1, "ADD COLUMN `n` on `t` is NOT NULL without a DEFAULT: the previous release's INSERTs fail");
        let django = "ALTER TABLE t ADD COLUMN n integer DEFAULT 0 NOT NULL;\nALTER TABLE t ALTER COLUMN n DROP DEFAULT;";
        let found = hits("DE007", django, None);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            "dropping the DEFAULT of NOT NULL column `n` on `t` makes INSERTs that omit it fail"
        );
        let found = hits(
            "DE007",
            "ALTER TABLE t MODIFY x int NOT NULL",
            Some("CREATE TABLE t (x int)"),
        );
        assert_eq!(found.len(), 1);
        let commented = "ALTER TABLE t ADD n int NOT NULL COMMENT 'known as the count'";
        assert_eq!(hits("DE007", commented, None).len(), 1);
    }

    #[test]
    fn good_is_quiet() {
        for sql in [
            "ALTER TABLE t ADD COLUMN n int NOT NULL DEFAULT 0",
            "ALTER TABLE t ADD COLUMN n int NULL",
            "ALTER TABLE t ADD COLUMN id2 bigint NOT NULL AUTO_INCREMENT UNIQUE",
            "ALTER TABLE t ADD COLUMN total int AS (a + b) STORED NOT NULL",
            "CREATE TABLE u (id int); ALTER TABLE u ADD n int NOT NULL",
            "ALTER TABLE t ADD n int NULL; ALTER TABLE t ALTER n DROP DEFAULT",
        ] {
            assert!(hits("DE007", sql, None).is_empty(), "{sql}");
        }
        assert!(hits(
            "DE007",
            "ALTER TABLE t MODIFY x bigint NOT NULL",
            Some("CREATE TABLE t (x int NOT NULL)")
        )
        .is_empty());
    }
}
