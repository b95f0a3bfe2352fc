//! Rewrites a statement to probe the server: the user's ALGORITHM=/LOCK= options are
//! removed and one `ALGORITHM=x` or `LOCK=x` is put where the grammar expects it.
//! Statements that do not take these options, or that we only half understand, give None.

use super::alter::parse_alter_table;
use super::classify::{classify, StatementKind};
use super::lexer::{tokenize, Token};
use super::tokens::find_options;
use super::Operation;

/// `option` is `ALGORITHM` or `LOCK`.
pub(crate) fn with_option(sql: &str, option: &str, value: &str) -> Option<String> {
    let toks = tokenize(sql).ok()?;
    match classify(sql, &toks).kind {
        StatementKind::AlterTable => rewrite_alter(sql, &toks, option, value),
        StatementKind::CreateIndex | StatementKind::DropIndex => {
            Some(rewrite_index_statement(sql, &toks, option, value))
        }
        StatementKind::Other => None,
    }
}

/// The options go last in an ALTER TABLE's comma-separated list.
fn rewrite_alter(sql: &str, toks: &[Token], option: &str, value: &str) -> Option<String> {
    let alter = parse_alter_table(sql, toks)?;
    // RENAME TO and partitioning either refuse ALGORITHM or change its meaning.
    let probe_safe = alter
        .clauses()
        .all(|c| !matches!(c.operation, Operation::RenameTable | Operation::Unknown));
    if alter.commands.is_empty() || !probe_safe {
        return None;
    }
    let header = sql.get(..alter.header_end)?;
    let commands: Vec<&str> = alter.commands.iter().map(|c| c.text.as_str()).collect();
    Some(format!(
        "{header} {}, {option}={value}",
        commands.join(", ")
    ))
}

/// CREATE INDEX / DROP INDEX take their options last, separated by spaces.
fn rewrite_index_statement(sql: &str, toks: &[Token], option: &str, value: &str) -> String {
    let mut out = String::new();
    let mut copied_to = 0;
    for found in find_options(toks) {
        // Cut from the end of the preceding token so that no double space is left behind.
        let cut_start = found
            .range
            .start
            .checked_sub(1)
            .and_then(|i| toks.get(i))
            .map_or(0, Token::end)
            .max(copied_to);
        let cut_end = found
            .range
            .end
            .checked_sub(1)
            .and_then(|i| toks.get(i))
            .map_or(cut_start, Token::end);
        out.push_str(sql.get(copied_to..cut_start).unwrap_or(""));
        copied_to = cut_end;
    }
    out.push_str(sql.get(copied_to..).unwrap_or(""));
    format!("{} {option}={value}", out.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn algorithm(sql: &str, value: &str) -> Option<String> {
        with_option(sql, "ALGORITHM", value)
    }

    fn lock(sql: &str, value: &str) -> Option<String> {
        with_option(sql, "LOCK", value)
    }

    #[test]
    fn alter_gets_the_option_appended() {
        assert_eq!(
            algorithm("ALTER TABLE `t` ADD COLUMN `x` int NULL", "INSTANT").as_deref(),
            Some("ALTER TABLE `t` ADD COLUMN `x` int NULL, ALGORITHM=INSTANT")
        );
        assert_eq!(
            lock("ALTER TABLE t ADD x int, ADD INDEX (x)", "NONE").as_deref(),
            Some("ALTER TABLE t ADD x int, ADD INDEX (x), LOCK=NONE")
        );
    }

    #[test]
    fn alter_options_are_replaced_not_duplicated() {
        let sql = "ALTER TABLE t MODIFY a bigint, ALGORITHM=COPY, LOCK=SHARED";
        assert_eq!(
            algorithm(sql, "INPLACE").as_deref(),
            Some("ALTER TABLE t MODIFY a bigint, ALGORITHM=INPLACE")
        );
        assert_eq!(
            lock(sql, "NONE").as_deref(),
            Some("ALTER TABLE t MODIFY a bigint, LOCK=NONE")
        );
        assert_eq!(
            algorithm(
                "ALTER TABLE t ALGORITHM=COPY, ENGINE=InnoDB LOCK SHARED",
                "NOCOPY"
            )
            .as_deref(),
            Some("ALTER TABLE t ENGINE=InnoDB, ALGORITHM=NOCOPY")
        );
    }

    #[test]
    fn comments_do_not_swallow_the_rewrite() {
        assert_eq!(
            algorithm(
                "ALTER TABLE t -- why\n  ADD x int -- what\n, DROP y",
                "INPLACE"
            )
            .as_deref(),
            Some("ALTER TABLE t ADD x int, DROP y, ALGORITHM=INPLACE")
        );
        assert_eq!(
            lock("DROP INDEX i ON t -- old\nALGORITHM=COPY", "NONE").as_deref(),
            Some("DROP INDEX i ON t LOCK=NONE")
        );
    }

    #[test]
    fn alter_header_is_kept() {
        assert_eq!(
            algorithm("ALTER ONLINE TABLE IF EXISTS db.t WAIT 5 DROP x", "INSTANT").as_deref(),
            Some("ALTER ONLINE TABLE IF EXISTS db.t WAIT 5 DROP x, ALGORITHM=INSTANT")
        );
    }

    #[test]
    fn create_index_gets_the_option_after_the_columns() {
        assert_eq!(
            algorithm("CREATE INDEX `i` ON `t` (`a`, `b`)", "NOCOPY").as_deref(),
            Some("CREATE INDEX `i` ON `t` (`a`, `b`) ALGORITHM=NOCOPY")
        );
        assert_eq!(
            lock(
                "CREATE UNIQUE INDEX i ON t (a) ALGORITHM=COPY LOCK=SHARED COMMENT 'x'",
                "NONE"
            )
            .as_deref(),
            Some("CREATE UNIQUE INDEX i ON t (a) COMMENT 'x' LOCK=NONE")
        );
    }

    #[test]
    fn drop_index_gets_the_option_at_the_end() {
        assert_eq!(
            algorithm("DROP INDEX `i` ON `t`", "INPLACE").as_deref(),
            Some("DROP INDEX `i` ON `t` ALGORITHM=INPLACE")
        );
        assert_eq!(
            lock(
                "DROP INDEX i ON t ALGORITHM = COPY LOCK = EXCLUSIVE",
                "NONE"
            )
            .as_deref(),
            Some("DROP INDEX i ON t LOCK=NONE")
        );
    }

    #[test]
    fn statements_without_probe_are_none() {
        for sql in [
            "CREATE TABLE t (id int)",
            "DROP TABLE t",
            "RENAME TABLE a TO b",
            "ALTER TABLE a RENAME TO b",
            "ALTER TABLE t ADD x int, RENAME TO u",
            "ALTER TABLE t DROP PARTITION p1",
            "ALTER TABLE t ADD x int PARTITION BY HASH(id)",
            "ALTER TABLE t LOCK=NONE",
            "OPTIMIZE TABLE t",
            "SET x = 1",
            "'unterminated",
        ] {
            assert_eq!(algorithm(sql, "INPLACE"), None, "{sql}");
        }
    }
}
