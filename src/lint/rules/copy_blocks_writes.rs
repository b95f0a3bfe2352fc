//! DE008: DDL that runs as ALGORITHM=COPY on the target: the table is copied and writes
//! wait for the whole copy. (Foreign keys with checks on are DE010's.)

use crate::lint::online::{clause_costs, copy_blocks_writes, Cost};
use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE008",
    name: "copy-blocks-writes",
    level: Level::Warning,
    explanation: "ALGORITHM=COPY rewrites the table row by row while inserts, updates and deletes wait (MySQL 8 / Aurora MySQL 3, MariaDB before 11.2): minutes to hours on a large table.",
    alternative: "Use pt-online-schema-change or gh-ost, or an online form (add a new column and backfill); run `ddl-eta estimate` to see how long writes would wait.",
    fires_on: "DDL that runs as ALGORITHM=COPY with writes blocked on the target (type change, column charset change, CONVERT TO CHARACTER SET, DROP PRIMARY KEY; not on MariaDB 11.2+, whose COPY allows LOCK=NONE): writes blocked for the whole copy",
    bad: "ALTER TABLE t MODIFY note text NULL;",
    good: "ALTER TABLE t ADD COLUMN note_text text NULL, ALGORITHM=INSTANT;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    if ctx.created_here(table) {
        return Vec::new();
    }
    // Foreign keys with checks on are DE010's.
    let reasons: Vec<String> = clause_costs(ctx, statement)
        .into_iter()
        .filter(|c| c.operation != Operation::AddForeignKey)
        .filter_map(|c| match c.cost {
            Cost::Known { verdict, reason } if copy_blocks_writes(&verdict) => Some(reason),
            _ => None,
        })
        .collect();
    if reasons.is_empty() {
        return Vec::new();
    }
    vec![Hit::new(format!(
        "{} on {}: ALGORITHM=COPY on {}, writes blocked while the table is copied",
        reasons.join("; "),
        quoted(table),
        ctx.target
    ))]
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    const SCHEMA: &str =
        "CREATE TABLE t (grade double, done varchar(8) NOT NULL) DEFAULT CHARSET=utf8mb4";

    #[test]
    fn bad_fires() {
        let found = hits("DE008", "ALTER TABLE t MODIFY grade float", Some(SCHEMA));
        assert_eq!(
            found[0].1,
            "changes the column type from double to float on `t`: ALGORITHM=COPY on mysql:8.0, writes blocked while the table is copied"
        );
        assert_eq!(
            hits(
                "DE008",
                "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
                None
            )
            .len(),
            1
        );
    }

    #[test]
    fn good_is_quiet() {
        for sql in [
            "ALTER TABLE t MODIFY done varchar(16) NOT NULL",
            "ALTER TABLE t ADD x int",
            "ALTER TABLE t ADD FOREIGN KEY (x) REFERENCES u (id)",
            "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (done)",
        ] {
            assert!(hits("DE008", sql, Some(SCHEMA)).is_empty(), "{sql}");
        }
    }
}
