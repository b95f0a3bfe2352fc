//! What each clause and statement costs on the target server (algorithm, lock, table
//! rebuild), asked of the rules table in `crate::online_ddl` with the table's columns as
//! `--schema` and the migration so far describe them. No online-DDL facts of its own.

use crate::ddl::ChangeKind;
use crate::ddl::{Algorithm, LockLevel};
use crate::migration::{Clause, Operation, Statement, TableDefinition};
use crate::online_ddl::{self, Classified, Rule, Session, Verdict};
use crate::table::{Column as TableColumn, TableInfo};

use super::context::{Column, Context};
use crate::ddl::types;

/// A clause's or statement's cost, with what it does in words for the messages.
#[derive(Debug, Clone)]
pub enum Cost {
    Known {
        verdict: Verdict,
        reason: String,
    },
    /// The rules cannot say without something ddl-eta does not know (the column's
    /// current type, ...) or do not cover the clause.
    CannotTell,
}

/// ALGORITHM=COPY with writes waiting for the copy (MariaDB 11.2+ copies with LOCK=NONE).
pub fn copy_blocks_writes(verdict: &Verdict) -> bool {
    verdict.algorithm == Algorithm::Copy && verdict.lock != LockLevel::None
}

/// One clause's cost, with its operation and the rules row that priced it (when known).
pub struct ClauseCost {
    pub operation: Operation,
    pub cost: Cost,
    found: Option<(ChangeKind, &'static Rule)>,
}

/// The cost of each clause of an ALTER of an existing table, in order; empty for
/// CREATE TABLE, DROP TABLE and data statements. DROP PRIMARY KEY next to ADD PRIMARY
/// KEY is folded into one `replace_primary_key` clause.
pub fn clause_costs(ctx: &Context, statement: &Statement) -> Vec<ClauseCost> {
    let table = statement.table.as_deref();
    let clauses: Vec<Clause> = statement
        .clauses
        .iter()
        .map(|c| with_effective_charset(ctx, table, c))
        .collect();
    let view = Statement {
        clauses,
        ..statement.clone()
    };
    let columns = table_columns(ctx, table);
    let session = Session {
        foreign_key_checks: !ctx.fk_checks_off(),
    };
    online_ddl::classify_statement(&view, columns.as_ref(), session)
        .into_iter()
        .filter_map(|(index, classified)| {
            let clause = &view.clauses[index];
            if matches!(
                clause.operation,
                Operation::CreateTable | Operation::DropTable | Operation::Multiple
            ) {
                return None;
            }
            Some(clause_cost(ctx, table, clause, classified))
        })
        .collect()
}

/// The statement's cost: the rules' combination of its clauses. A COPY that blocks
/// writes is certain whatever else the statement does; otherwise a clause the rules
/// cannot judge makes the statement unknown. None when `clause_costs` is empty.
pub fn statement_cost(ctx: &Context, statement: &Statement) -> Option<Cost> {
    let costs = clause_costs(ctx, statement);
    let found: Vec<(ChangeKind, &Rule)> = costs.iter().filter_map(|c| c.found).collect();
    let unknown = costs.iter().find(|c| matches!(c.cost, Cost::CannotTell));
    let known = (!found.is_empty()).then(|| {
        let table = table_columns(ctx, statement.table.as_deref());
        online_ddl::statement_verdict(&found, statement, &ctx.target, table.as_ref())
    });
    match (known, unknown) {
        (Some(verdict), _) if copy_blocks_writes(&verdict) => Some(known_cost(&costs, verdict)),
        (_, Some(unknown)) => Some(unknown.cost.clone()),
        (Some(verdict), None) => Some(known_cost(&costs, verdict)),
        (None, None) => None,
    }
}

/// The reason of the clause that decided: the one that rebuilds when the statement does,
/// else the row the rules named.
fn known_cost(costs: &[ClauseCost], verdict: Verdict) -> Cost {
    let reason_of = |pick: &dyn Fn(ChangeKind, &Rule) -> bool| {
        costs.iter().find_map(|c| match (&c.cost, c.found) {
            (Cost::Known { reason, .. }, Some((kind, rule))) if pick(kind, rule) => {
                Some(reason.clone())
            }
            _ => None,
        })
    };
    let reason = if verdict.rebuilds_table {
        reason_of(&|_, rule| rule.rebuilds_table).or_else(|| {
            reason_of(&|kind, _| kind.rebuilds_unless_instant())
                .map(|r| format!("{r} next to a change that is not INSTANT"))
        })
    } else {
        None
    };
    let reason = reason
        .or_else(|| reason_of(&|_, rule| rule.id == verdict.rule_id))
        .unwrap_or_default();
    Cost::Known { verdict, reason }
}

fn clause_cost(
    ctx: &Context,
    table: Option<&str>,
    clause: &Clause,
    classified: Classified,
) -> ClauseCost {
    let (found, cost) = match classified {
        Classified::Change(kind) => match online_ddl::lookup_kind(&ctx.target, kind) {
            Some(rule) => (
                Some((kind, rule)),
                Cost::Known {
                    verdict: online_ddl::combine(&[(kind, rule)]),
                    reason: reason(ctx, table, clause, kind),
                },
            ),
            // No row for this kind on this server (RENAME INDEX before MariaDB 10.5).
            None => (None, Cost::CannotTell),
        },
        Classified::NeedsTable => needs_table(ctx, table, clause),
        Classified::NoRule => (None, Cost::CannotTell),
    };
    ClauseCost {
        operation: clause.operation,
        cost,
        found,
    }
}

/// Without the table's columns: ADD ... AFTER x is known when adding last and adding in
/// the middle cost the same on the target; a MODIFY needs the column's current type.
fn needs_table(
    ctx: &Context,
    table: Option<&str>,
    clause: &Clause,
) -> (Option<(ChangeKind, &'static Rule)>, Cost) {
    if clause.operation == Operation::AddColumn {
        let last = online_ddl::lookup_kind(&ctx.target, ChangeKind::AddColumnLast);
        let middle = online_ddl::lookup_kind(&ctx.target, ChangeKind::AddColumnMiddle);
        if let (Some(last), Some(middle)) = (last, middle) {
            let same = (last.algorithm, last.lock, last.rebuilds_table)
                == (middle.algorithm, middle.lock, middle.rebuilds_table);
            if same {
                let kind = ChangeKind::AddColumnMiddle;
                let cost = Cost::Known {
                    verdict: online_ddl::combine(&[(kind, middle)]),
                    // Where it lands is unknown: say only what it does.
                    reason: reason(ctx, table, clause, ChangeKind::AddColumnLast),
                };
                return (Some((kind, middle)), cost);
            }
        }
    }
    (None, Cost::CannotTell)
}

/// What the clause does, in the words of the messages.
fn reason(ctx: &Context, table: Option<&str>, clause: &Clause, kind: ChangeKind) -> String {
    let column_types = || {
        let old = match ctx.column(table, clause.column.as_deref()) {
            Column::Known(old) => old.column_type.clone().unwrap_or_default(),
            Column::Unknown => "?".into(),
        };
        (old, clause.column_type.clone().unwrap_or_default())
    };
    match kind {
        ChangeKind::AddColumnLast => "adds a column".into(),
        ChangeKind::AddColumnMiddle => "adds a column before the last".into(),
        ChangeKind::DropColumn => "drops a column".into(),
        ChangeKind::RenameColumn => "renames a column".into(),
        ChangeKind::ChangeDefault => "changes a column's default".into(),
        ChangeKind::WidenVarchar => {
            let (old, new) = column_types();
            format!("widens {old} to {new}")
        }
        ChangeKind::WidenVarcharAcross255 | ChangeKind::ChangeType
            if charset_changes(ctx, table, clause) =>
        {
            "changes the column's character set".into()
        }
        ChangeKind::WidenVarcharAcross255 | ChangeKind::ChangeType => {
            let (old, new) = column_types();
            format!("changes the column type from {old} to {new}")
        }
        ChangeKind::MakeNullable | ChangeKind::MakeNotNull => {
            "changes the column's NULL / NOT NULL".into()
        }
        ChangeKind::AddIndex => "builds an index".into(),
        ChangeKind::DropIndex => "drops an index".into(),
        ChangeKind::RenameIndex => "renames an index".into(),
        ChangeKind::AddForeignKey => "adds a foreign key with foreign_key_checks on".into(),
        ChangeKind::AddForeignKeyUnchecked => {
            "adds a foreign key with foreign_key_checks off".into()
        }
        ChangeKind::DropForeignKey => "drops a foreign key".into(),
        ChangeKind::AddPrimaryKey => "adds a primary key".into(),
        ChangeKind::DropPrimaryKey => "drops the primary key".into(),
        ChangeKind::ReplacePrimaryKey => "replaces the primary key".into(),
        ChangeKind::ConvertCharset => "converts the table's character set".into(),
        ChangeKind::Rebuild => "rebuilds the table".into(),
        ChangeKind::RenameTable => "renames the table".into(),
        ChangeKind::ChangeRowFormat => "changes the row format".into(),
        ChangeKind::ExtendEnum => "appends members to an ENUM or SET".into(),
        ChangeKind::ReorderColumn => "moves a column".into(),
        ChangeKind::WidenUtf8 => "moves a column from utf8mb3 to utf8mb4".into(),
    }
}

/// A MODIFY / CHANGE of a text column whose stored character set changes: the column's
/// own (or the table's) before, the clause's (or the table's) after.
fn charset_changes(ctx: &Context, table: Option<&str>, clause: &Clause) -> bool {
    let Column::Known(old) = ctx.column(table, clause.column.as_deref()) else {
        return false;
    };
    let Some(new_type) = clause.column_type.as_deref() else {
        return false;
    };
    let new_charset = clause.charset.as_deref().or(ctx.table_charset(table));
    types::is_text(&types::parse(new_type)) && ctx.column_charset(table, old) != new_charset
}

/// The rules read a column's character set only from the clause: a MODIFY that takes the
/// table's default in place of the column's own charset changes it too, so write it
/// out; a change of charset is a change of type whatever the widths.
fn with_effective_charset(ctx: &Context, table: Option<&str>, clause: &Clause) -> Clause {
    let mut clause = clause.clone();
    if charset_changes(ctx, table, &clause) {
        clause.charset = clause
            .charset
            .or(ctx.table_charset(table).map(String::from));
    }
    clause
}

/// The table as the rules would read it from information_schema, when its whole column
/// list is known: each column as `TableInfo` builds one from a definition, with the
/// character set it really takes (its own, else the table's at that point).
pub(crate) fn table_columns(ctx: &Context, table: Option<&str>) -> Option<TableInfo> {
    let columns = ctx.columns(table)?;
    let mut info = TableInfo::of_columns(
        table.unwrap_or_default(),
        columns
            .iter()
            .filter_map(|def| TableColumn::from_clause(def, ctx.column_charset(table, def)))
            .collect(),
    );
    // The schema's keys, with the migration's own index changes before this statement:
    // FULLTEXT, indexed columns and cascading foreign keys change the verdicts.
    let keys = TableInfo::from_definition(&TableDefinition {
        name: info.name.clone(),
        columns: Vec::new(),
        default_charset: None,
        keys: ctx.keys(table).to_vec(),
        checks: Vec::new(),
        generated: Vec::new(),
    });
    info.indexes = keys.indexes;
    info.foreign_keys = keys.foreign_keys;
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::{parse_sql, table_definition};
    use crate::online_ddl::Target;

    fn cost(target: &str, schema: &str, sql: &str) -> Option<Cost> {
        let tables: Vec<_> = parse_sql("s.sql", schema, 0)
            .expect("schema parses")
            .iter()
            .filter_map(table_definition)
            .collect();
        let target = Target::parse_current(target).expect("target");
        let mut ctx = Context::new(target, Some(&tables));
        let statements = parse_sql("m.sql", sql, 0).expect("parses");
        let (last, before) = statements.split_last().expect("a statement");
        for statement in before {
            ctx.apply(statement);
        }
        statement_cost(&ctx, last)
    }

    /// (algorithm, rebuilds the table) as the lint sees it, None when it cannot tell.
    fn level(target: &str, sql: &str) -> Option<(Algorithm, bool)> {
        let schema = "CREATE TABLE t (id int NOT NULL, grade double, done varchar(8) NOT NULL, name varchar(50), label varchar(20) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4";
        match cost(target, schema, sql)? {
            Cost::Known { verdict, .. } => Some((verdict.algorithm, verdict.rebuilds_table)),
            Cost::CannotTell => None,
        }
    }

    #[test]
    fn the_schema_keys_reach_the_verdict() {
        let schema = "CREATE TABLE p (id int NOT NULL PRIMARY KEY);
            CREATE TABLE c (id int NOT NULL PRIMARY KEY, p_id int NOT NULL, name varchar(50),
              note text, KEY k_name (name), FULLTEXT KEY ft (note),
              CONSTRAINT f FOREIGN KEY (p_id) REFERENCES p (id) ON DELETE CASCADE)";
        let lock = |target: &str, sql: &str| match cost(target, schema, sql) {
            Some(Cost::Known { verdict, .. }) => Some(verdict.lock),
            _ => None,
        };
        // A cascading foreign key: MySQL refuses LOCK=NONE, MariaDB takes it.
        let index = "CREATE INDEX i ON c (id, name)";
        assert_eq!(lock("mysql:8.0", index), Some(LockLevel::Shared));
        assert_eq!(lock("mariadb:10.11", index), Some(LockLevel::None));
        // FULLTEXT: no INSTANT column change the rules can promise.
        assert!(matches!(
            cost("mysql:8.0", schema, "ALTER TABLE c ADD COLUMN x int NULL"),
            Some(Cost::CannotTell)
        ));
        // The migration's own index changes are followed: once the FULLTEXT index and the
        // name's index are dropped, the column changes are INSTANT again.
        let after = |sql: &str| match cost("mysql:8.0", schema, sql) {
            Some(Cost::Known { verdict, .. }) => Some(verdict.algorithm),
            _ => None,
        };
        assert_eq!(
            after("DROP INDEX ft ON c; DROP INDEX k_name ON c; ALTER TABLE c DROP COLUMN name"),
            Some(Algorithm::Instant)
        );
        assert_eq!(
            after("DROP INDEX ft ON c; CREATE INDEX k2 ON c (note(10)); ALTER TABLE c DROP COLUMN note"),
            None
        );
    }

    #[test]
    fn levels_come_from_the_rules_table() {
        use Algorithm::*;
        let my = "mysql:8.0";
        assert_eq!(level(my, "ALTER TABLE t ADD x int"), Some((Instant, false)));
        // As written: MySQL runs INPLACE when told, and the column add rebuilds.
        assert_eq!(
            level(my, "ALTER TABLE t ADD x int, ALGORITHM=INPLACE"),
            Some((Inplace, true))
        );
        assert_eq!(
            level(my, "ALTER TABLE t ADD x int AFTER id"),
            Some((Instant, false))
        );
        assert_eq!(
            level("mysql:8.0.28", "ALTER TABLE t ADD x int FIRST"),
            Some((Inplace, true))
        );
        assert_eq!(
            level("mysql:8.0.28", "ALTER TABLE t ADD x int AFTER label"),
            Some((Instant, false))
        );
        assert_eq!(
            level("mysql:8.0.28", "ALTER TABLE t DROP grade"),
            Some((Inplace, true))
        );
        assert_eq!(
            level(my, "ALTER TABLE t DROP grade"),
            Some((Instant, false))
        );
        assert_eq!(
            level(my, "ALTER TABLE t MODIFY grade float"),
            Some((Copy, true))
        );
        assert_eq!(
            level(my, "ALTER TABLE t MODIFY done varchar(16) NOT NULL"),
            Some((Inplace, false))
        );
        assert_eq!(
            level(
                "mariadb:10.11",
                "ALTER TABLE t MODIFY done varchar(16) NOT NULL"
            ),
            Some((Instant, false))
        );
        assert_eq!(
            level(my, "ALTER TABLE t MODIFY name varchar(100)"),
            Some((Copy, true))
        );
        assert_eq!(
            level(my, "ALTER TABLE t MODIFY done varchar(8) NULL"),
            Some((Inplace, true))
        );
        // The column's own latin1 gives way to the table's utf8mb4.
        assert_eq!(
            level(my, "ALTER TABLE t MODIFY label varchar(20)"),
            Some((Copy, true))
        );
        assert_eq!(
            level(my, "CREATE INDEX i ON t (grade)"),
            Some((Inplace, false))
        );
        assert_eq!(
            level(my, "ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES u (id)"),
            Some((Copy, true))
        );
        assert_eq!(
            level(
                my,
                "SET foreign_key_checks=0; ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES u (id)"
            ),
            Some((Inplace, false))
        );
        assert_eq!(
            level(my, "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4"),
            Some((Copy, true))
        );
        assert_eq!(
            level(my, "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id)"),
            Some((Inplace, true))
        );
        assert_eq!(
            level(my, "ALTER TABLE t ADD x int, MODIFY grade float"),
            Some((Copy, true))
        );
        // An instant ADD COLUMN next to an index build rebuilds the table.
        assert_eq!(
            level(my, "ALTER TABLE t ADD x int, ADD INDEX i (grade)"),
            Some((Inplace, true))
        );
        assert_eq!(level(my, "OPTIMIZE TABLE t"), Some((Inplace, true)));
        assert_eq!(
            level(my, "ALTER TABLE t ENGINE=InnoDB"),
            Some((Inplace, true))
        );
        assert_eq!(level(my, "ALTER TABLE t MODIFY missing int"), None);
        assert_eq!(level(my, "ALTER TABLE t COMMENT 'x'"), None);
        assert!(cost(my, "", "DROP TABLE t").is_none());
    }

    #[test]
    fn statement_reasons_name_the_deciding_clause() {
        let schema = "CREATE TABLE t (grade double)";
        let reason = |sql: &str| match cost("mysql:8.0", schema, sql) {
            Some(Cost::Known { reason, .. }) => reason,
            other => panic!("{sql}: {other:?}"),
        };
        assert_eq!(
            reason("ALTER TABLE t ADD x int, MODIFY grade float"),
            "changes the column type from double to float"
        );
        assert_eq!(
            reason("ALTER TABLE t ADD x int, ADD INDEX i (grade)"),
            "adds a column next to a change that is not INSTANT"
        );
        assert_eq!(reason("ALTER TABLE t FORCE"), "rebuilds the table");
    }
}
