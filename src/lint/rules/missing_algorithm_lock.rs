//! DE011: an ALTER / CREATE INDEX / DROP INDEX expected to run online, written without
//! ALGORITHM= or LOCK=: with them the server refuses at once instead of quietly falling
//! back to a blocking copy.

use crate::ddl::{Algorithm, LockLevel};
use crate::lint::online::{statement_cost, Cost};
use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::Statement;

pub const RULE: Rule = Rule {
    code: "DE011",
    name: "missing-algorithm-lock",
    level: Level::Warning,
    explanation: "Without ALGORITHM= and LOCK= the server silently takes the best level it can, possibly a blocking copy; with them it refuses at once (error 1845/1846) when it cannot keep the promise, before touching the table.",
    alternative: "Append the level you expect, e.g. ALGORITHM=INPLACE, LOCK=NONE or ALGORITHM=INSTANT (MySQL takes INSTANT only with LOCK=DEFAULT); from Django, use RunSQL.",
    fires_on: "an ALTER TABLE / CREATE INDEX / DROP INDEX expected online, without ALGORITHM= or LOCK=; the message gives the clause to append (`ALGORITHM=INSTANT`, `ALGORITHM=INPLACE, LOCK=NONE`, on MariaDB `ALGORITHM=NOCOPY, LOCK=NONE`) so that the server refuses at once instead of falling back",
    bad: "CREATE INDEX t_grade ON t (grade);",
    good: "CREATE INDEX t_grade ON t (grade) ALGORITHM=INPLACE LOCK=NONE;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let written = statement.algorithm_clause.is_some() || statement.lock_clause.is_some();
    if written || !statement.is_online_ddl() || ctx.created_here(statement.table.as_deref()) {
        return Vec::new();
    }
    let (clause, unsure) = match statement_cost(ctx, statement) {
        Some(Cost::Known { verdict, .. }) => {
            let lock = match verdict.lock {
                LockLevel::None => "LOCK=NONE",
                LockLevel::Shared => "LOCK=SHARED",
                LockLevel::Exclusive => "LOCK=EXCLUSIVE",
            };
            let clause = match verdict.algorithm {
                // MySQL takes INSTANT only with LOCK=DEFAULT.
                Algorithm::Instant => "ALGORITHM=INSTANT".to_string(),
                Algorithm::Nocopy => format!("ALGORITHM=NOCOPY, {lock}"),
                Algorithm::Inplace => format!("ALGORITHM=INPLACE, {lock}"),
                // Nothing fails fast for a copy: DE008 / DE010 say what to do instead.
                Algorithm::Copy => return Vec::new(),
            };
            (clause, false)
        }
        Some(Cost::CannotTell) => ("ALGORITHM=INPLACE, LOCK=NONE".to_string(), true),
        None => return Vec::new(),
    };
    let is_alter = statement
        .sql
        .get(..5)
        .is_some_and(|s| s.eq_ignore_ascii_case("ALTER"));
    let appended = if is_alter {
        format!(", {clause}")
    } else {
        clause.replace(',', "")
    };
    let outcome = if unsure {
        "to be refused at once if it needs a blocking copy"
    } else {
        "to fail at once rather than fall back to a more blocking way"
    };
    vec![Hit::new(format!(
        "no ALGORITHM/LOCK: append `{appended}` {outcome}"
    ))]
}

#[cfg(test)]
mod tests {
    use super::super::{hits, hits_on};

    #[test]
    fn bad_fires() {
        let found = hits("DE011", "ALTER TABLE t ADD COLUMN x int NULL", None);
        assert_eq!(
            found[0].1,
            "no ALGORITHM/LOCK: append `, ALGORITHM=INSTANT` to fail at once rather than fall back to a more blocking way"
        );
        let found = hits("DE011", "CREATE INDEX i ON t (a)", None);
        assert!(
            found[0].1.contains("append `ALGORITHM=INPLACE LOCK=NONE`"),
            "{}",
            found[0].1
        );
        let found = hits_on("DE011", "DROP INDEX i ON t", None, "mariadb:10.11");
        assert!(
            found[0].1.contains("`ALGORITHM=NOCOPY LOCK=NONE`"),
            "{}",
            found[0].1
        );
        let found = hits("DE011", "ALTER TABLE t MODIFY grade float", None);
        assert!(
            found[0].1.contains("if it needs a blocking copy"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn good_is_quiet() {
        for sql in [
            "ALTER TABLE t ADD COLUMN x int NULL, ALGORITHM=INSTANT",
            "CREATE INDEX i ON t (a) LOCK=NONE",
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
            "OPTIMIZE TABLE t",
            "CREATE TABLE n (id int); ALTER TABLE n ADD x int",
        ] {
            assert!(hits("DE011", sql, None).is_empty(), "{sql}");
        }
    }
}
