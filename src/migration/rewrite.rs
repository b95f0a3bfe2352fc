//! Rewrites a statement to probe the server: one `ALGORITHM=x` or `LOCK=x` is put where
//! the grammar expects it. The user's own option of the other kind is kept, and a level
//! the user named is the only one probed: a statement that says `ALGORITHM=COPY` is
//! measured with COPY, not with whatever cheaper level the server would accept.
//! Statements that do not take these options, or that we only half understand, give None.

use super::alter::parse_alter_table;
use super::classify::{classify, StatementKind};
use super::lexer::{tokenize, Token};
use super::tokens::{find_options, last_option, Cursor, DdlOption, OptionKind};
use super::Operation;

/// `option` is `ALGORITHM` or `LOCK`.
pub(crate) fn with_option(sql: &str, option: &str, value: &str) -> Option<String> {
    let kind = if option.eq_ignore_ascii_case("ALGORITHM") {
        OptionKind::Algorithm
    } else {
        OptionKind::Lock
    };
    let toks = tokenize(sql).ok()?;
    match classify(sql, &toks).kind {
        StatementKind::AlterTable => rewrite_alter(sql, &toks, kind, value),
        StatementKind::CreateIndex | StatementKind::DropIndex => {
            rewrite_index_statement(sql, &toks, kind, value)
        }
        StatementKind::Other => None,
    }
}

/// The options the probe runs with, as `NAME=value`: the user's option of the other kind
/// (its last spelling), then the probed one. None when the user named another level of
/// the probed kind (DEFAULT names none).
fn probe_options(written: &[DdlOption], kind: OptionKind, value: &str) -> Option<Vec<String>> {
    let named = last_option(written, kind).filter(|v| v != "DEFAULT");
    if named.is_some_and(|named| !named.eq_ignore_ascii_case(value)) {
        return None;
    }
    let other = kind.other();
    let mut options: Vec<String> = last_option(written, other)
        .map(|v| format!("{}={v}", other.keyword()))
        .into_iter()
        .collect();
    options.push(format!("{}={}", kind.keyword(), value.to_uppercase()));
    Some(options)
}

/// The options go last in an ALTER TABLE's comma-separated list.
fn rewrite_alter(sql: &str, toks: &[Token], kind: OptionKind, value: &str) -> Option<String> {
    let alter = parse_alter_table(sql, toks)?;
    // RENAME TO and partitioning either refuse ALGORITHM or change its meaning.
    let probe_safe = alter
        .clauses()
        .all(|c| !matches!(c.operation, Operation::RenameTable | Operation::Unknown));
    if alter.commands.is_empty() || !probe_safe {
        return None;
    }
    let options = probe_options(&alter.options, kind, value)?;
    let header = sql.get(..alter.header_end)?;
    let commands: Vec<&str> = alter.commands.iter().map(|c| c.text.as_str()).collect();
    Some(format!(
        "{header} {}, {}",
        commands.join(", "),
        options.join(", ")
    ))
}

/// CREATE INDEX / DROP INDEX take their options last, separated by spaces.
fn rewrite_index_statement(
    sql: &str,
    toks: &[Token],
    kind: OptionKind,
    value: &str,
) -> Option<String> {
    let written = find_options(toks);
    let options = probe_options(&written, kind, value)?;
    let mut out = String::new();
    let mut copied_to = 0;
    for found in &written {
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
    Some(format!("{} {}", out.trim_end(), options.join(" ")))
}

/// The statement as pt-online-schema-change's `--alter` takes it: the ALTER's commands
/// without ALGORITHM=/LOCK= (the tool runs its own ALTER on a copy), and CREATE/DROP
/// INDEX as `ADD … INDEX` / `DROP INDEX` clauses. None for anything else, and for RENAME
/// TO or partitioning, which the tool cannot run.
pub(crate) fn pt_osc_alter(sql: &str) -> Option<String> {
    let toks = tokenize(sql).ok()?;
    match classify(sql, &toks).kind {
        StatementKind::AlterTable => {
            let alter = parse_alter_table(sql, &toks)?;
            let runnable = alter
                .clauses()
                .all(|c| !matches!(c.operation, Operation::RenameTable | Operation::Unknown));
            if alter.commands.is_empty() || !runnable {
                return None;
            }
            let commands: Vec<&str> = alter.commands.iter().map(|c| c.text.as_str()).collect();
            Some(commands.join(", "))
        }
        StatementKind::CreateIndex => create_index_clause(sql, &toks),
        StatementKind::DropIndex => {
            let mut c = Cursor::new(&toks);
            let _ = c.eat_kw("DROP") && c.eat_kw("INDEX");
            c.skip_if_exists();
            let name = c.advance()?.text;
            Some(format!("DROP INDEX {name}"))
        }
        StatementKind::Other => None,
    }
}

/// `CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX i [USING …] ON t (…) [options]` as
/// `ADD [UNIQUE|…] INDEX i [USING …] (…) [options]`, ALGORITHM=/LOCK= left out.
fn create_index_clause(sql: &str, toks: &[Token]) -> Option<String> {
    let skipped: Vec<std::ops::Range<usize>> =
        find_options(toks).into_iter().map(|o| o.range).collect();
    let kept: Vec<usize> = (0..toks.len())
        .filter(|i| !skipped.iter().any(|r| r.contains(i)))
        .collect();
    let on = kept.iter().position(|&i| toks[i].is_kw("ON"))?;
    let mut c = Cursor::new(toks);
    if !c.eat_kw("CREATE") {
        return None;
    }
    c.eat_any_kw(&["ONLINE", "OFFLINE"]);
    let kind = ["UNIQUE", "FULLTEXT", "SPATIAL"]
        .into_iter()
        .find(|k| c.eat_kw(k));
    if !c.eat_kw("INDEX") {
        return None;
    }
    let from = toks.len() - c.rest().len();
    // The name (and any USING) up to ON; then the table name, which the DSN names instead.
    let head: Vec<usize> = kept[..on].iter().copied().filter(|&i| i >= from).collect();
    let head: Vec<usize> = match head.first() {
        Some(&first) if toks[first].is_kw("IF") => head.into_iter().skip(3).collect(),
        _ => head,
    };
    let mut after = Cursor::new(toks.get(kept[on] + 1..)?);
    after.qualified_name()?;
    let tail_from = kept[on] + 1 + (toks.len() - kept[on] - 1 - after.rest().len());
    let tail: Vec<usize> = kept.iter().copied().filter(|&i| i >= tail_from).collect();
    let text = |indices: &[usize]| -> String {
        runs(indices)
            .iter()
            .filter_map(|(a, b)| sql.get(toks[*a].start..toks[*b].end()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let kind = kind.map(|k| format!("{k} ")).unwrap_or_default();
    Some(
        format!("ADD {kind}INDEX {} {}", text(&head), text(&tail))
            .trim_end()
            .to_string(),
    )
}

/// Consecutive indices as (first, last) runs.
fn runs(indices: &[usize]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &i in indices {
        match out.last_mut() {
            Some(run) if run.1 + 1 == i => run.1 = i,
            _ => out.push((i, i)),
        }
    }
    out
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
    fn a_level_the_user_named_is_the_only_one_probed() {
        let sql = "ALTER TABLE t MODIFY a bigint, ALGORITHM=COPY, LOCK=SHARED";
        assert_eq!(algorithm(sql, "INPLACE"), None);
        assert_eq!(
            algorithm(sql, "COPY").as_deref(),
            Some("ALTER TABLE t MODIFY a bigint, LOCK=SHARED, ALGORITHM=COPY")
        );
        assert_eq!(lock(sql, "NONE"), None);
        assert_eq!(
            lock(sql, "shared").as_deref(),
            Some("ALTER TABLE t MODIFY a bigint, ALGORITHM=COPY, LOCK=SHARED")
        );
        let spaced = "ALTER TABLE t ALGORITHM=COPY, ENGINE=InnoDB LOCK SHARED";
        assert_eq!(algorithm(spaced, "NOCOPY"), None);
        assert_eq!(
            algorithm(spaced, "COPY").as_deref(),
            Some("ALTER TABLE t ENGINE=InnoDB, LOCK=SHARED, ALGORITHM=COPY")
        );
    }

    #[test]
    fn the_other_option_the_user_wrote_is_kept_and_default_names_no_level() {
        // The bug this guards: `ADD COLUMN ..., ALGORITHM=COPY` was probed at INSTANT
        // and reported as instant.
        let copy = "ALTER TABLE t ADD COLUMN f int NULL, ALGORITHM=COPY";
        assert_eq!(algorithm(copy, "INSTANT"), None);
        assert_eq!(
            lock(copy, "NONE").as_deref(),
            Some("ALTER TABLE t ADD COLUMN f int NULL, ALGORITHM=COPY, LOCK=NONE")
        );
        assert_eq!(
            algorithm(
                "ALTER TABLE t DROP x, ALGORITHM=DEFAULT, LOCK=NONE",
                "INSTANT"
            )
            .as_deref(),
            Some("ALTER TABLE t DROP x, LOCK=NONE, ALGORITHM=INSTANT")
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
            algorithm("DROP INDEX i ON t -- old\nLOCK=NONE", "INPLACE").as_deref(),
            Some("DROP INDEX i ON t LOCK=NONE ALGORITHM=INPLACE")
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
                "SHARED"
            )
            .as_deref(),
            Some("CREATE UNIQUE INDEX i ON t (a) COMMENT 'x' ALGORITHM=COPY LOCK=SHARED")
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
            ),
            None
        );
        assert_eq!(
            lock(
                "DROP INDEX i ON t ALGORITHM = COPY LOCK = EXCLUSIVE",
                "EXCLUSIVE"
            )
            .as_deref(),
            Some("DROP INDEX i ON t ALGORITHM=COPY LOCK=EXCLUSIVE")
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

    #[test]
    fn pt_osc_gets_the_clauses_without_algorithm_or_lock() {
        assert_eq!(
            pt_osc_alter("ALTER TABLE `t` MODIFY `g` float NOT NULL, ALGORITHM=COPY, LOCK=SHARED")
                .as_deref(),
            Some("MODIFY `g` float NOT NULL")
        );
        assert_eq!(
            pt_osc_alter("CREATE INDEX `i` ON `db`.`t` (`a`, `b`) ALGORITHM=INPLACE LOCK=NONE")
                .as_deref(),
            Some("ADD INDEX `i` (`a`, `b`)")
        );
        assert_eq!(
            pt_osc_alter("CREATE UNIQUE INDEX u USING BTREE ON t (a) COMMENT 'x'").as_deref(),
            Some("ADD UNIQUE INDEX u USING BTREE (a) COMMENT 'x'")
        );
        assert_eq!(
            pt_osc_alter("DROP INDEX IF EXISTS `i` ON `t` LOCK=NONE").as_deref(),
            Some("DROP INDEX `i`")
        );
        assert_eq!(pt_osc_alter("ALTER TABLE t RENAME TO u"), None);
        assert_eq!(pt_osc_alter("DROP TABLE t"), None);
    }
}
