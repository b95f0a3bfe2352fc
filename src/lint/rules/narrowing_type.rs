//! DE003: a MODIFY / CHANGE to a type that cannot hold every current value. Needs the
//! current type from `--schema`; without it the rule says it cannot tell.

use crate::ddl::types::{compare, max_bytes_per_char, Verdict};
use crate::lint::context::Column;
use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE003",
    name: "narrowing-type",
    level: Level::Error,
    explanation: "Values that do not fit the new type are cut, rounded or rejected: in strict mode the ALTER fails partway, otherwise data changes silently.",
    alternative: "Check the data first (MAX(LENGTH(col)), MIN/MAX(col)), widen instead, or add a new column, backfill it and switch over.",
    fires_on: "`MODIFY`/`CHANGE` to a type that cannot hold every current value (shorter VARCHAR, smaller integer, fewer decimal digits, DOUBLE to FLOAT, DATETIME to DATE, fewer ENUM values...); a warning \"cannot tell\" when the current type is unknown",
    bad: "ALTER TABLE t MODIFY grade float NULL;",
    good: "ALTER TABLE t MODIFY note varchar(250) NULL;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    statement
        .clauses
        .iter()
        .filter(|c| matches!(c.operation, Operation::ModifyColumn | Operation::RenameColumn))
        .filter_map(|clause| {
            let new_type = clause.column_type.as_deref()?;
            let column = clause.column.as_deref();
            let Column::Known(old) = ctx.column(table, column) else {
                return Some(Hit::cannot_tell(format!(
                    "cannot tell whether {} {new_type} narrows the column: its current type is unknown{}",
                    quoted(column),
                    if ctx.has_schema { " (not in --schema)" } else { " (pass --schema)" }
                )));
            };
            let old_type = old.column_type.as_deref()?;
            let mb = max_bytes_per_char(ctx.column_charset(table, old));
            match compare(old_type, new_type, mb) {
                Verdict::Keeps => None,
                Verdict::Narrows(why) => Some(Hit::new(format!("{} on {}: {why}", quoted(column), quoted(table)))),
                Verdict::CannotTell => Some(Hit::cannot_tell(format!(
                    "cannot tell whether {} keeps every value going from {old_type} to {new_type}",
                    quoted(column)
                ))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use crate::lint::Level;

    const SCHEMA: &str =
        "CREATE TABLE t (grade double, done varchar(8) NOT NULL) DEFAULT CHARSET=utf8mb4";

    #[test]
    fn bad_fires() {
        let found = hits(
            "DE003",
            "ALTER TABLE t MODIFY `grade` float NULL",
            Some(SCHEMA),
        );
        assert_eq!(
            found,
            vec![(
                Level::Error,
                "`grade` on `t`: double to float keeps only about 7 significant digits".to_string()
            )]
        );
        let found = hits(
            "DE003",
            "ALTER TABLE t CHANGE done finished varchar(4) NOT NULL",
            Some(SCHEMA),
        );
        assert_eq!(
            found[0].1,
            "`done` on `t`: varchar(8) to varchar(4) cuts longer values"
        );
    }

    #[test]
    fn without_schema_it_cannot_tell() {
        let found = hits("DE003", "ALTER TABLE t MODIFY `grade` float NULL", None);
        assert_eq!(
            found,
            vec![(
                Level::Warning,
                "cannot tell whether `grade` float narrows the column: its current type is unknown (pass --schema)".to_string()
            )]
        );
    }

    #[test]
    fn good_is_quiet() {
        assert!(hits(
            "DE003",
            "ALTER TABLE t MODIFY done varchar(16) NOT NULL",
            Some(SCHEMA)
        )
        .is_empty());
        assert!(hits(
            "DE003",
            "ALTER TABLE t MODIFY grade double NOT NULL",
            Some(SCHEMA)
        )
        .is_empty());
        assert!(hits(
            "DE003",
            "ALTER TABLE t RENAME COLUMN grade TO score",
            Some(SCHEMA)
        )
        .is_empty());
    }
}
