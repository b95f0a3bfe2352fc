//! DE009: DDL that is online but rebuilds the whole table (ADD PRIMARY KEY, FORCE,
//! OPTIMIZE, ENGINE=, NULL <-> NOT NULL, ...).

use crate::lint::online::{copy_blocks_writes, statement_cost, Cost};
use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::Statement;

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE009",
    name: "table-rebuild",
    level: Level::Warning,
    explanation: "An in-place rebuild lets reads and writes go on but rewrites every row: time and I/O in proportion to the table, free disk for a second copy, replica lag, and concurrent writes beyond innodb_online_alter_log_max_size fail the ALTER at its end.",
    alternative: "Run it off-peak with enough free disk (Aurora: FreeLocalStorage), raise innodb_online_alter_log_max_size if writes are heavy, and run `ddl-eta estimate` for the duration.",
    fires_on: "online DDL that rebuilds the whole table (ADD PRIMARY KEY, FORCE, OPTIMIZE TABLE, ENGINE=InnoDB, ROW_FORMAT=/KEY_BLOCK_SIZE=, NULL <-> NOT NULL, ADD/DROP COLUMN before MySQL 8.0.29 or next to a clause that is not INSTANT)",
    bad: "ALTER TABLE t FORCE;",
    good: "ALTER TABLE t ADD INDEX t_grade (grade), ALGORITHM=INPLACE, LOCK=NONE;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    if ctx.created_here(table) {
        return Vec::new();
    }
    match statement_cost(ctx, statement) {
        // A blocking COPY is DE008's.
        Some(Cost::Known { verdict, reason })
            if verdict.rebuilds_table && !copy_blocks_writes(&verdict) =>
        {
            vec![Hit::new(format!(
                "{reason} on {}: online, but the whole table is rebuilt",
                quoted(table)
            ))]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::hits;

    #[test]
    fn bad_fires() {
        let found = hits("DE009", "OPTIMIZE TABLE t", None);
        assert_eq!(
            found[0].1,
            "rebuilds the table on `t`: online, but the whole table is rebuilt"
        );
        assert_eq!(
            hits("DE009", "ALTER TABLE t ADD PRIMARY KEY (id)", None).len(),
            1
        );
        assert_eq!(hits("DE009", "ALTER TABLE t FORCE", None).len(), 1);
    }

    #[test]
    fn good_is_quiet() {
        for sql in [
            "ALTER TABLE t ADD INDEX i (a)",
            "ALTER TABLE t ADD x int",
            // COPY is DE008's, not a rebuild warning too.
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4, FORCE",
        ] {
            assert!(hits("DE009", sql, None).is_empty(), "{sql}");
        }
    }
}
