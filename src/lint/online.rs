//! How each kind of clause runs on the target server: INSTANT, INPLACE (with or without a
//! table rebuild) or COPY. This is the lint's only knowledge of online DDL, from
//! /work/shared/reference/ddl.md; it is meant to be replaced by the versioned rules table
//! when that lands, so keep every fact here.

use crate::migration::{Clause, Operation, Statement};

use super::context::{Column, Context};
use super::types;

/// From cheapest to most blocking; a statement runs at the level of its weakest clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// Metadata only.
    Instant,
    /// In place without rebuilding the table (an index build, a metadata change).
    Inplace,
    /// In place, concurrent DML allowed, but the whole table is rewritten.
    InplaceRebuild,
    /// The table is copied row by row; writes are blocked throughout.
    Copy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    Known {
        algorithm: Algorithm,
        reason: String,
    },
    /// Depends on something ddl-eta does not know (the column's current type, ...).
    CannotTell(String),
}

fn known(algorithm: Algorithm, reason: impl Into<String>) -> Expected {
    Expected::Known {
        algorithm,
        reason: reason.into(),
    }
}

/// How the clause runs; None for statements that are not an ALTER of an existing table
/// (CREATE TABLE, DROP TABLE, data statements).
pub fn clause_cost(ctx: &Context, table: Option<&str>, clause: &Clause) -> Option<Expected> {
    use Algorithm::*;
    let target = &ctx.target;
    let mysql = target.is_mysql();
    Some(match clause.operation {
        Operation::AddColumn
            if mysql && clause.position.is_some() && !target.at_least(8, 0, 29) =>
        {
            known(
                InplaceRebuild,
                "adding a column before the last needs MySQL 8.0.29 for INSTANT",
            )
        }
        Operation::AddColumn => known(Instant, "adds a column"),
        Operation::DropColumn if mysql && !target.at_least(8, 0, 29) => {
            known(InplaceRebuild, "drops a column (INSTANT from MySQL 8.0.29)")
        }
        Operation::DropColumn => known(Instant, "drops a column"),
        Operation::ModifyColumn => return Some(column_change(ctx, table, clause)),
        Operation::RenameColumn if clause.column_type.is_some() => {
            return Some(column_change(ctx, table, clause))
        }
        Operation::RenameColumn if mysql && !target.at_least(8, 0, 28) => {
            known(Inplace, "renames a column")
        }
        Operation::RenameColumn | Operation::ChangeDefault | Operation::RenameTable => {
            known(Instant, "changes metadata only")
        }
        Operation::AddIndex => known(Inplace, "builds an index"),
        Operation::DropIndex | Operation::RenameIndex | Operation::DropForeignKey => {
            known(Inplace, "changes metadata only")
        }
        Operation::AddForeignKey if ctx.fk_checks_off() => {
            known(Inplace, "adds a foreign key with foreign_key_checks off")
        }
        Operation::AddForeignKey => known(Copy, "adds a foreign key with foreign_key_checks on"),
        Operation::AddPrimaryKey => known(InplaceRebuild, "adds a primary key"),
        Operation::DropPrimaryKey => known(Copy, "drops the primary key"),
        Operation::ConvertCharset => known(Copy, "converts the table's character set"),
        Operation::Rebuild => known(InplaceRebuild, "rebuilds the table"),
        Operation::TableOptions => table_options(clause),
        Operation::Unknown => Expected::CannotTell("ddl-eta does not know this clause".into()),
        Operation::CreateTable | Operation::DropTable | Operation::Multiple => return None,
    })
}

/// The weakest clause decides: any COPY makes the statement COPY; otherwise a clause
/// ddl-eta cannot judge makes the statement unknown.
pub fn statement_cost(ctx: &Context, statement: &Statement) -> Option<Expected> {
    let table = statement.table.as_deref();
    let replaces_primary_key = statement
        .clauses
        .iter()
        .any(|c| c.operation == Operation::AddPrimaryKey);
    let costs: Vec<Expected> = statement
        .clauses
        .iter()
        .filter_map(|clause| match clause.operation {
            // DROP PRIMARY KEY, ADD PRIMARY KEY in one ALTER is an in-place rebuild.
            Operation::DropPrimaryKey if replaces_primary_key => None,
            _ => clause_cost(ctx, table, clause),
        })
        .collect();
    let worst_known = costs
        .iter()
        .filter_map(|cost| match cost {
            Expected::Known { algorithm, .. } => Some((*algorithm, cost)),
            Expected::CannotTell(_) => None,
        })
        .max_by_key(|(algorithm, _)| *algorithm);
    let unknown = costs.iter().find(|c| matches!(c, Expected::CannotTell(_)));
    match (worst_known, unknown) {
        (Some((Algorithm::Copy, cost)), _) => Some(cost.clone()),
        (_, Some(unknown)) => Some(unknown.clone()),
        (Some((_, cost)), None) => Some(cost.clone()),
        (None, None) => None,
    }
}

/// MODIFY / CHANGE: a type or charset change copies; a nullability change rebuilds; a
/// VARCHAR widened inside its length-prefix size is in place; the rest is metadata.
fn column_change(ctx: &Context, table: Option<&str>, clause: &Clause) -> Expected {
    use Algorithm::*;
    let Column::Known(old) = ctx.column(table, clause.column.as_deref()) else {
        return Expected::CannotTell(format!(
            "the current type of `{}` is unknown",
            clause.column.as_deref().unwrap_or("?")
        ));
    };
    let (Some(old_type), Some(new_type)) = (&old.column_type, &clause.column_type) else {
        return Expected::CannotTell("the column's type is not written".into());
    };
    let old_charset = ctx.column_charset(table, old);
    let new_charset = clause.charset.as_deref().or(ctx.table_charset(table));
    let is_text = types::is_text(&types::parse(new_type));
    if is_text && old_charset != new_charset {
        return known(Copy, "changes the column's character set");
    }
    let nullability_changes = (old.nullable != Some(false)) != (clause.nullable != Some(false));
    let mb = types::max_bytes_per_char(new_charset);
    let same_type = types::parse(old_type) == types::parse(new_type);
    let level = if same_type {
        Instant
    } else if types::varchar_widens_in_place(old_type, new_type, mb) {
        if ctx.target.is_mysql() {
            Inplace
        } else {
            Instant
        }
    } else {
        return known(
            Copy,
            format!("changes the column type from {old_type} to {new_type}"),
        );
    };
    if nullability_changes {
        known(InplaceRebuild, "changes the column's NULL / NOT NULL")
    } else if same_type {
        known(level, "changes the column's attributes only")
    } else {
        known(level, format!("widens {old_type} to {new_type}"))
    }
}

/// ENGINE / ROW_FORMAT / KEY_BLOCK_SIZE rebuild the table; a new default charset, a
/// comment or AUTO_INCREMENT are metadata.
fn table_options(clause: &Clause) -> Expected {
    let upper = clause.text.to_uppercase();
    let has = |word: &str| {
        upper
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w == word)
    };
    if [
        "ENGINE",
        "ROW_FORMAT",
        "KEY_BLOCK_SIZE",
        "COMPRESSION",
        "ENCRYPTION",
    ]
    .iter()
    .any(|w| has(w))
    {
        known(Algorithm::InplaceRebuild, "changes a storage option")
    } else if [
        "CHARSET",
        "CHARACTER",
        "COLLATE",
        "COMMENT",
        "AUTO_INCREMENT",
    ]
    .iter()
    .any(|w| has(w))
    {
        known(Algorithm::Inplace, "changes table metadata")
    } else {
        Expected::CannotTell("ddl-eta does not know this table option".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::{parse_sql, table_definition};

    fn cost(target: &str, schema: &str, sql: &str) -> Option<Expected> {
        let tables: Vec<_> = parse_sql("s.sql", schema, 0)
            .expect("schema parses")
            .iter()
            .filter_map(table_definition)
            .collect();
        let mut ctx = Context::new(target.parse().expect("target"), Some(&tables));
        let statements = parse_sql("m.sql", sql, 0).expect("parses");
        let (last, before) = statements.split_last().expect("a statement");
        for statement in before {
            ctx.apply(statement);
        }
        statement_cost(&ctx, last)
    }

    fn algorithm(target: &str, sql: &str) -> Option<Algorithm> {
        let schema = "CREATE TABLE t (id int NOT NULL, grade double, done varchar(8) NOT NULL, name varchar(50)) DEFAULT CHARSET=utf8mb4";
        match cost(target, schema, sql)? {
            Expected::Known { algorithm, .. } => Some(algorithm),
            Expected::CannotTell(_) => None,
        }
    }

    #[test]
    fn levels_from_the_reference_table() {
        use Algorithm::*;
        let my = "mysql:8.0";
        assert_eq!(algorithm(my, "ALTER TABLE t ADD x int"), Some(Instant));
        assert_eq!(
            algorithm("mysql:8.0.28", "ALTER TABLE t ADD x int FIRST"),
            Some(InplaceRebuild)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t MODIFY grade float"),
            Some(Copy)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t MODIFY done varchar(16) NOT NULL"),
            Some(Inplace)
        );
        assert_eq!(
            algorithm(
                "mariadb:10.11",
                "ALTER TABLE t MODIFY done varchar(16) NOT NULL"
            ),
            Some(Instant)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t MODIFY name varchar(100)"),
            Some(Copy)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t MODIFY done varchar(8) NULL"),
            Some(InplaceRebuild)
        );
        assert_eq!(algorithm(my, "CREATE INDEX i ON t (grade)"), Some(Inplace));
        assert_eq!(
            algorithm(my, "ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES u (id)"),
            Some(Copy)
        );
        assert_eq!(
            algorithm(
                my,
                "SET foreign_key_checks=0; ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES u (id)"
            ),
            Some(Inplace)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"),
            Some(Copy)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id)"),
            Some(InplaceRebuild)
        );
        assert_eq!(
            algorithm(my, "ALTER TABLE t ADD x int, MODIFY grade float"),
            Some(Copy)
        );
        assert_eq!(algorithm(my, "OPTIMIZE TABLE t"), Some(InplaceRebuild));
        assert_eq!(
            algorithm(my, "ALTER TABLE t ENGINE=InnoDB"),
            Some(InplaceRebuild)
        );
        assert_eq!(algorithm(my, "ALTER TABLE t MODIFY missing int"), None);
        assert_eq!(cost(my, "", "DROP TABLE t"), None);
    }
}
