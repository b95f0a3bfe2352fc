//! What the rules know when they look at a statement: the target server, the tables as
//! `--schema` described them updated by the statements before this one, what the
//! migration itself created, and whether foreign_key_checks is off at this point.

use std::collections::{HashMap, HashSet};

use crate::migration::{
    table_definition, Clause, KeyDefinition, KeyKind, Operation, Statement, TableDefinition,
};

use crate::online_ddl::Target;

/// A table as far as ddl-eta knows it.
#[derive(Debug, Clone, Default)]
struct Table {
    /// AddColumn-shaped clauses: column, column_type, nullable, has_default, charset.
    columns: Vec<Clause>,
    default_charset: Option<String>,
    /// True when the whole column list is known (from --schema or a CREATE TABLE); false
    /// for a table only seen through ALTERs.
    complete: bool,
    /// Keys and foreign keys as the CREATE TABLE wrote them.
    keys: Vec<KeyDefinition>,
}

/// A column looked up before the current statement.
pub enum Column<'a> {
    Known(&'a Clause),
    /// Not known: no --schema, or the table or column is not in it.
    Unknown,
}

pub struct Context {
    pub target: Target,
    /// True when `--schema` was given.
    pub has_schema: bool,
    tables: HashMap<String, Table>,
    created_tables: HashSet<String>,
    added_columns: HashSet<(String, String)>,
    fk_checks_off: bool,
}

fn key(name: &str) -> String {
    name.to_lowercase()
}

impl Context {
    pub fn new(target: Target, schema: Option<&[TableDefinition]>) -> Self {
        let mut tables = HashMap::new();
        for table in schema.unwrap_or_default() {
            tables.insert(key(&table.name), Table::from(table));
        }
        Context {
            target,
            has_schema: schema.is_some(),
            tables,
            created_tables: HashSet::new(),
            added_columns: HashSet::new(),
            fk_checks_off: false,
        }
    }

    /// True when an earlier statement of this migration created the table: no running
    /// code depends on it yet, and it holds no production rows.
    pub fn created_here(&self, table: Option<&str>) -> bool {
        table.is_some_and(|t| self.created_tables.contains(&key(t)))
    }

    /// True when an earlier statement of this migration added the column.
    pub fn added_here(&self, table: Option<&str>, column: Option<&str>) -> bool {
        match (table, column) {
            (Some(t), Some(c)) => self.added_columns.contains(&(key(t), key(c))),
            _ => false,
        }
    }

    pub fn fk_checks_off(&self) -> bool {
        self.fk_checks_off
    }

    pub fn column(&self, table: Option<&str>, column: Option<&str>) -> Column<'_> {
        let (Some(table), Some(column)) = (table, column) else {
            return Column::Unknown;
        };
        self.tables
            .get(&key(table))
            .and_then(|t| t.column(column))
            .map_or(Column::Unknown, Column::Known)
    }

    /// The table's default character set, when known.
    pub fn table_charset(&self, table: Option<&str>) -> Option<&str> {
        self.tables.get(&key(table?))?.default_charset.as_deref()
    }

    /// The character set a column's values are stored in: its own, else the table's.
    pub fn column_charset<'a>(
        &'a self,
        table: Option<&str>,
        column: &'a Clause,
    ) -> Option<&'a str> {
        column.charset.as_deref().or(self.table_charset(table))
    }

    /// The keys and foreign keys its CREATE TABLE wrote (none for a table not described).
    pub fn keys(&self, table: Option<&str>) -> &[KeyDefinition] {
        table
            .and_then(|t| self.tables.get(&key(t)))
            .map_or(&[], |t| t.keys.as_slice())
    }

    /// The columns of a table, when its whole column list is known.
    pub fn columns(&self, table: Option<&str>) -> Option<&[Clause]> {
        let table = self.tables.get(&key(table?))?;
        table.complete.then_some(table.columns.as_slice())
    }

    /// Records what the statement changes, for the statements after it.
    pub fn apply(&mut self, statement: &Statement) {
        if statement.operation == Operation::Unknown {
            self.read_fk_checks(&statement.sql);
        }
        if let Some(definition) = table_definition(statement) {
            self.created_tables.insert(key(&definition.name));
            self.tables
                .insert(key(&definition.name), Table::from(&definition));
            return;
        }
        if let Some(dropped) = &statement.drops_table {
            self.tables.remove(&key(dropped));
        }
        let table = statement.table.as_deref().map(key);
        for clause in &statement.clauses {
            if let Some(table) = &table {
                self.apply_clause(table, clause);
            }
        }
        if let (Some(old), Some(new)) = (&table, &statement.creates_table) {
            if statement.operation != Operation::CreateTable {
                self.rename_table(old, &key(new));
            } else {
                self.created_tables.insert(key(new));
            }
        }
    }

    fn apply_clause(&mut self, table: &str, clause: &Clause) {
        let column = clause.column.as_deref().map(key);
        match clause.operation {
            Operation::AddColumn => {
                if let Some(column) = column {
                    self.added_columns.insert((table.to_string(), column));
                }
                self.tables
                    .entry(table.to_string())
                    .or_default()
                    .columns
                    .push(clause.clone());
            }
            Operation::DropColumn => {
                if let (Some(t), Some(c)) = (self.tables.get_mut(table), &column) {
                    t.columns
                        .retain(|def| def.column.as_deref().map(key).as_ref() != Some(c));
                }
            }
            Operation::ModifyColumn | Operation::RenameColumn => self.redefine(table, clause),
            Operation::ChangeDefault => {
                if let Some(def) = self.column_mut(table, clause.column.as_deref()) {
                    def.has_default = clause.has_default;
                }
            }
            Operation::AddIndex => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.keys.push(added_key(clause));
                }
            }
            Operation::DropIndex | Operation::DropForeignKey => {
                if let (Some(t), Some(name)) = (self.tables.get_mut(table), &clause.index_name) {
                    let foreign = clause.operation == Operation::DropForeignKey;
                    t.keys.retain(|k| {
                        (k.kind == KeyKind::Foreign) != foreign
                            || !k
                                .name
                                .as_deref()
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    });
                }
            }
            Operation::ConvertCharset => {
                if let Some(t) = self.tables.get_mut(table) {
                    t.default_charset.clone_from(&clause.charset);
                    for def in &mut t.columns {
                        def.charset.clone_from(&clause.charset);
                    }
                }
            }
            Operation::TableOptions if clause.charset.is_some() => {
                if let Some(t) = self.tables.get_mut(table) {
                    // Existing columns keep the charset they have; only new ones change.
                    let old = t.default_charset.clone();
                    for def in t.columns.iter_mut().filter(|d| d.charset.is_none()) {
                        def.charset.clone_from(&old);
                    }
                    t.default_charset.clone_from(&clause.charset);
                }
            }
            _ => {}
        }
    }

    /// MODIFY / CHANGE replace the whole definition; RENAME COLUMN keeps it.
    fn redefine(&mut self, table: &str, clause: &Clause) {
        let new_name = clause.new_name.clone().or_else(|| clause.column.clone());
        let Some(def) = self.column_mut(table, clause.column.as_deref()) else {
            return;
        };
        if clause.column_type.is_some() {
            *def = clause.clone();
        }
        def.column = new_name;
    }

    fn column_mut(&mut self, table: &str, column: Option<&str>) -> Option<&mut Clause> {
        let column = key(column?);
        self.tables
            .get_mut(table)?
            .columns
            .iter_mut()
            .find(|def| def.column.as_deref().map(key).as_ref() == Some(&column))
    }

    fn rename_table(&mut self, old: &str, new: &str) {
        if let Some(t) = self.tables.remove(old) {
            self.tables.insert(new.to_string(), t);
        }
        if self.created_tables.remove(old) {
            self.created_tables.insert(new.to_string());
        }
    }

    /// `SET foreign_key_checks = ...`, as `online_ddl::foreign_key_checks_set` reads it.
    fn read_fk_checks(&mut self, sql: &str) {
        if let Some(on) = crate::online_ddl::foreign_key_checks_set(sql) {
            self.fk_checks_off = !on;
        }
    }
}

/// The key an ADD INDEX / CREATE INDEX clause adds, as a CREATE TABLE would list it.
fn added_key(clause: &Clause) -> KeyDefinition {
    let fulltext = clause.text.to_ascii_uppercase().contains("FULLTEXT");
    KeyDefinition {
        kind: if fulltext {
            KeyKind::FullText
        } else if clause.unique {
            KeyKind::Unique
        } else {
            KeyKind::Index
        },
        name: clause.index_name.clone(),
        parts: clause
            .index_columns
            .iter()
            .map(|c| (c.clone(), None))
            .collect(),
        references: None,
        cascades: false,
    }
}

impl Table {
    fn column(&self, name: &str) -> Option<&Clause> {
        self.columns.iter().find(|def| {
            def.column
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(name))
        })
    }
}

impl From<&TableDefinition> for Table {
    fn from(definition: &TableDefinition) -> Self {
        Table {
            columns: definition.columns.clone(),
            default_charset: definition.default_charset.clone(),
            complete: true,
            keys: definition.keys.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::parse_sql;

    fn context_after(sql: &str) -> Context {
        let mut ctx = Context::new(
            Target::parse_current(crate::lint::DEFAULT_TARGET).expect("target"),
            None,
        );
        for statement in parse_sql("m.sql", sql, 0).expect("parses") {
            ctx.apply(&statement);
        }
        ctx
    }

    #[test]
    fn foreign_key_checks_setting() {
        assert!(context_after("SET foreign_key_checks = 0").fk_checks_off());
        assert!(context_after("SET SESSION FOREIGN_KEY_CHECKS=OFF").fk_checks_off());
        assert!(context_after(
            "/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */"
        )
        .fk_checks_off());
        assert!(
            !context_after("SET foreign_key_checks=0; SET foreign_key_checks=1").fk_checks_off()
        );
        assert!(!context_after(
            "SET foreign_key_checks=0; SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS"
        )
        .fk_checks_off());
        assert!(!context_after("SET foreign_key_checks=00x").fk_checks_off());
        // The system variable's spellings are this session's; a user variable and GLOBAL
        // are not.
        assert!(context_after("SET @@foreign_key_checks = 0").fk_checks_off());
        assert!(context_after("SET @@session.foreign_key_checks = 0").fk_checks_off());
        assert!(!context_after("SET @foreign_key_checks = 0").fk_checks_off());
        assert!(!context_after("SET GLOBAL foreign_key_checks = 0").fk_checks_off());
        assert!(!context_after("SET @@global.foreign_key_checks = 0").fk_checks_off());
    }

    #[test]
    fn columns_follow_the_migration() {
        let ctx = context_after(
            "CREATE TABLE t (a int NOT NULL, b varchar(10)) DEFAULT CHARSET=latin1;
             ALTER TABLE t ADD c int NOT NULL DEFAULT 0, MODIFY b varchar(20);
             ALTER TABLE t CHANGE a a2 bigint NOT NULL;
             ALTER TABLE t ALTER c DROP DEFAULT;
             ALTER TABLE t RENAME TO u",
        );
        assert!(ctx.created_here(Some("u")));
        assert!(!ctx.created_here(Some("t")));
        let Column::Known(b) = ctx.column(Some("u"), Some("b")) else {
            panic!("b is known");
        };
        assert_eq!(b.column_type.as_deref(), Some("varchar(20)"));
        let Column::Known(a2) = ctx.column(Some("U"), Some("A2")) else {
            panic!("a2 is known");
        };
        assert_eq!(a2.column_type.as_deref(), Some("bigint"));
        let Column::Known(c) = ctx.column(Some("u"), Some("c")) else {
            panic!("c is known");
        };
        assert!(!c.has_default);
        assert!(matches!(ctx.column(Some("u"), Some("a")), Column::Unknown));
        assert_eq!(ctx.table_charset(Some("u")), Some("latin1"));
        assert_eq!(ctx.columns(Some("u")).map(<[Clause]>::len), Some(3));
    }
}
