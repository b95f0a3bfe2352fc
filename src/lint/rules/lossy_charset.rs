//! DE004: a character-set conversion that can lose characters: CONVERT TO CHARACTER SET
//! toward a smaller set, or a MODIFY that moves a text column to one (a MODIFY without
//! CHARACTER SET takes the table's default).

use crate::ddl::types::{charset_loses, is_text, parse, repertoire, Repertoire};
use crate::lint::context::Column;
use crate::lint::{Context, Hit, Level, Rule};
use crate::migration::{Clause, Operation, Statement};

use super::quoted;

pub const RULE: Rule = Rule {
    code: "DE004",
    name: "lossy-charset",
    level: Level::Error,
    explanation: "Characters the new character set cannot store become '?' (or fail the ALTER in strict mode): emoji and most scripts are lost going from utf8mb4 to utf8mb3 or latin1.",
    alternative: "Convert toward utf8mb4, not away from it; otherwise first check that no row holds characters outside the new set (WHERE col <> CONVERT(col USING latin1)).",
    fires_on: "`CONVERT TO CHARACTER SET` or a `MODIFY` that moves text to a character set holding fewer characters (utf8mb4 to utf8mb3/latin1; a MODIFY without CHARACTER SET takes the table default); \"cannot tell\" without `--schema`",
    bad: "ALTER TABLE t CONVERT TO CHARACTER SET latin1;",
    good: "ALTER TABLE t MODIFY note varchar(200) CHARACTER SET utf8mb4 NULL;",
    check,
};

fn check(ctx: &Context, statement: &Statement) -> Vec<Hit> {
    let table = statement.table.as_deref();
    statement
        .clauses
        .iter()
        .filter_map(|clause| match clause.operation {
            Operation::ConvertCharset => convert(ctx, table, clause),
            Operation::ModifyColumn | Operation::RenameColumn => modify(ctx, table, clause),
            _ => None,
        })
        .collect()
}

fn convert(ctx: &Context, table: Option<&str>, clause: &Clause) -> Option<Hit> {
    let to = clause.charset.as_deref()?;
    if repertoire(to) == Some(Repertoire::Unicode) {
        return None;
    }
    let Some(columns) = ctx.columns(table) else {
        return Some(Hit::cannot_tell(format!(
            "cannot tell whether CONVERT TO CHARACTER SET {to} loses characters of {}: its current character sets are unknown{}",
            quoted(table),
            if ctx.has_schema { " (not in --schema)" } else { " (pass --schema)" }
        )));
    };
    let mut lossy = Vec::new();
    let mut unknown = Vec::new();
    for column in columns
        .iter()
        .filter(|c| c.column_type.as_deref().is_some_and(|t| is_text(&parse(t))))
    {
        let name = quoted(column.column.as_deref());
        match ctx
            .column_charset(table, column)
            .map(|from| (from, charset_loses(from, to)))
        {
            Some((from, Some(true))) => lossy.push(format!("{name} ({from})")),
            Some((_, Some(false))) => {}
            _ => unknown.push(name),
        }
    }
    if !lossy.is_empty() {
        Some(Hit::new(format!(
            "CONVERT TO CHARACTER SET {to} on {} can lose characters of {}",
            quoted(table),
            lossy.join(", ")
        )))
    } else if !unknown.is_empty() {
        Some(Hit::cannot_tell(format!(
            "cannot tell whether CONVERT TO CHARACTER SET {to} loses characters of {}: character set unknown",
            unknown.join(", ")
        )))
    } else {
        None
    }
}

fn modify(ctx: &Context, table: Option<&str>, clause: &Clause) -> Option<Hit> {
    let new_type = clause.column_type.as_deref()?;
    if !is_text(&parse(new_type)) {
        return None;
    }
    // Without the old column, DE003 already says it cannot tell.
    let Column::Known(old) = ctx.column(table, clause.column.as_deref()) else {
        return None;
    };
    let from = ctx.column_charset(table, old)?;
    let (to, how) = match clause.charset.as_deref() {
        Some(to) => (to, ""),
        None => (
            ctx.table_charset(table)?,
            " (the table default: no CHARACTER SET is written)",
        ),
    };
    charset_loses(from, to)?.then(|| {
        Hit::new(format!(
            "{} on {} goes from {from} to {to}{how}: characters {to} lacks are lost",
            quoted(clause.column.as_deref()),
            quoted(table)
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::super::hits;
    use crate::lint::Level;

    const SCHEMA: &str = "CREATE TABLE t (id int, name varchar(50), code char(2) CHARACTER SET ascii) DEFAULT CHARSET=utf8mb4;
        CREATE TABLE l (id int, name varchar(50) CHARACTER SET utf8mb4) DEFAULT CHARSET=latin1";

    #[test]
    fn bad_fires() {
        let found = hits(
            "DE004",
            "ALTER TABLE t CONVERT TO CHARACTER SET latin1",
            Some(SCHEMA),
        );
        assert_eq!(
            found,
            vec![(
                Level::Error,
                "CONVERT TO CHARACTER SET latin1 on `t` can lose characters of `name` (utf8mb4)"
                    .to_string()
            )]
        );
        let found = hits(
            "DE004",
            "ALTER TABLE l MODIFY name varchar(60)",
            Some(SCHEMA),
        );
        assert_eq!(
            found[0].1,
            "`name` on `l` goes from utf8mb4 to latin1 (the table default: no CHARACTER SET is written): characters latin1 lacks are lost"
        );
    }

    #[test]
    fn without_schema_it_cannot_tell() {
        let found = hits(
            "DE004",
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb3",
            None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, Level::Warning);
        assert!(found[0].1.starts_with("cannot tell"), "{}", found[0].1);
    }

    #[test]
    fn good_is_quiet() {
        assert!(hits(
            "DE004",
            "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
            None
        )
        .is_empty());
        assert!(hits(
            "DE004",
            "ALTER TABLE l CONVERT TO CHARACTER SET utf8mb4",
            Some(SCHEMA)
        )
        .is_empty());
        assert!(hits(
            "DE004",
            "ALTER TABLE t MODIFY name varchar(60)",
            Some(SCHEMA)
        )
        .is_empty());
    }
}
