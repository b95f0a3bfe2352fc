//! Refines a clause's `Operation` into the kind the rules are written for: where a column
//! is added, whether a MODIFY widens a VARCHAR inside its length-byte class, changes only
//! nullability, or changes the type. Some of that needs the table's current columns.

use crate::ddl::types::{self, bytes_per_char, normalize_type, varchar_length, ColumnType};
use crate::ddl::{ChangeKind, Operation};
use crate::migration::{Clause, InlineKey};
use crate::table::{Column, TableInfo};

/// What a clause is, as far as the rules can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classified {
    Change(ChangeKind),
    /// Needs the table's current columns (ADD ... AFTER x, MODIFY / CHANGE).
    NeedsTable,
    /// Nothing in the rules table covers it (table options, partitions, FULLTEXT, a
    /// MODIFY that changes only a comment, ...): the sandbox's measurement stands.
    NoRule,
}

/// Classifies one clause; `table` is the table's columns before the statement, if known.
pub fn classify_clause(clause: &Clause, table: Option<&TableInfo>) -> Classified {
    let kind = match clause.operation {
        Operation::AddColumn => return add_column(clause, table),
        Operation::ModifyColumn => return modify_column(clause, table),
        Operation::DropColumn => return drop_column(clause, table),
        Operation::RenameColumn => return rename_column(clause, table),
        Operation::ChangeDefault => ChangeKind::ChangeDefault,
        Operation::AddIndex => return add_index(clause),
        Operation::DropIndex => ChangeKind::DropIndex,
        Operation::RenameIndex => ChangeKind::RenameIndex,
        Operation::AddForeignKey => ChangeKind::AddForeignKey,
        Operation::DropForeignKey => ChangeKind::DropForeignKey,
        Operation::AddPrimaryKey => ChangeKind::AddPrimaryKey,
        Operation::DropPrimaryKey => ChangeKind::DropPrimaryKey,
        Operation::ConvertCharset => ChangeKind::ConvertCharset,
        Operation::Rebuild => ChangeKind::Rebuild,
        Operation::RenameTable => ChangeKind::RenameTable,
        Operation::TableOptions => return table_options(clause),
        Operation::CreateTable
        | Operation::DropTable
        | Operation::Multiple
        | Operation::Unknown => return Classified::NoRule,
    };
    Classified::Change(kind)
}

/// `ENGINE=InnoDB` alone is a null rebuild; ROW_FORMAT= / KEY_BLOCK_SIZE= (maybe with
/// ENGINE=InnoDB) change the row format. Other options (another engine, COMMENT,
/// AUTO_INCREMENT, a default charset, compression, ...) are not covered.
fn table_options(clause: &Clause) -> Classified {
    let text = upper_text(clause);
    let mut row_format = false;
    for option in table_option_names(&text) {
        match option.as_str() {
            "ROW_FORMAT" | "KEY_BLOCK_SIZE" => row_format = true,
            "ENGINE=INNODB" => {}
            _ => return Classified::NoRule,
        }
    }
    if row_format {
        Classified::Change(ChangeKind::ChangeRowFormat)
    } else if text.contains("ENGINE") {
        Classified::Change(ChangeKind::Rebuild)
    } else {
        Classified::NoRule
    }
}

/// `ENGINE = InnoDB ROW_FORMAT=DYNAMIC, COMMENT 'x'` → ["ENGINE=INNODB", "ROW_FORMAT",
/// "COMMENT"]: each option's name, with the value kept for ENGINE.
fn table_option_names(upper: &str) -> Vec<String> {
    let compact = upper.replace(" =", "=").replace("= ", "=");
    let mut names = Vec::new();
    let mut words = compact
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty());
    while let Some(word) = words.next() {
        let (name, value) = match word.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (word.to_string(), words.next().map(str::to_string)),
        };
        let name = name.trim_start_matches("DEFAULT").to_string();
        let value = value.unwrap_or_default();
        if name == "ENGINE" {
            names.push(format!("ENGINE={}", value.trim_matches(['`', '\'', '"'])));
        } else {
            names.push(name);
        }
    }
    names
}

fn upper_text(clause: &Clause) -> String {
    clause.text.to_ascii_uppercase()
}

/// A table with a FULLTEXT index (its hidden FTS_DOC_ID column) takes no INSTANT column
/// change on MySQL or MariaDB: what runs instead is left to the sandbox's measurement.
fn has_fulltext(table: Option<&TableInfo>) -> bool {
    table.is_some_and(|t| t.indexes.iter().any(|i| i.is_fulltext()))
}

/// Dropping a column some index names changes that index too, which the INSTANT drop
/// does not cover (vitess's schemadiff refuses it on MySQL); the sandbox measures it.
fn drop_column(clause: &Clause, table: Option<&TableInfo>) -> Classified {
    let indexed = table.is_some_and(|t| {
        let name = clause.column.as_deref().unwrap_or_default();
        t.indexes.iter().any(|index| {
            index
                .column_names()
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
        })
    });
    if indexed || has_fulltext(table) {
        Classified::NoRule
    } else {
        Classified::Change(ChangeKind::DropColumn)
    }
}

fn add_column(clause: &Clause, table: Option<&TableInfo>) -> Classified {
    let text = upper_text(clause);
    // Auto-increment and stored generated columns fill every row: never instant.
    if text.contains("AUTO_INCREMENT") || text.contains(" AS ") || text.contains("GENERATED") {
        return Classified::NoRule;
    }
    if has_fulltext(table) {
        return Classified::NoRule;
    }
    match clause.position.as_deref() {
        None => Classified::Change(ChangeKind::AddColumnLast),
        Some("FIRST") => Classified::Change(ChangeKind::AddColumnMiddle),
        Some(after) => {
            let column = after.trim_start_matches("AFTER ").trim();
            match table {
                Some(t) if t.is_last(column) => Classified::Change(ChangeKind::AddColumnLast),
                Some(_) => Classified::Change(ChangeKind::AddColumnMiddle),
                None => Classified::NeedsTable,
            }
        }
    }
}

/// The index a column definition declares inline, as Django writes a unique field
/// (`ADD COLUMN slug varchar(50) NOT NULL UNIQUE`): it is built with the column, as a
/// separate ADD INDEX would be.
pub fn inline_index(clause: &Clause) -> Option<ChangeKind> {
    let defines_a_column = matches!(
        clause.operation,
        Operation::AddColumn | Operation::ModifyColumn | Operation::RenameColumn
    );
    if !defines_a_column || clause.column_type.is_none() {
        return None;
    }
    clause.inline_key.map(|key| match key {
        InlineKey::Unique => ChangeKind::AddIndex,
        InlineKey::Primary => ChangeKind::AddPrimaryKey,
    })
}

fn add_index(clause: &Clause) -> Classified {
    let text = upper_text(clause);
    if text.contains("FULLTEXT") || text.contains("SPATIAL") {
        Classified::NoRule
    } else {
        Classified::Change(ChangeKind::AddIndex)
    }
}

/// `CHANGE a b <same definition>` is a rename; with a new definition it is a MODIFY too.
fn rename_column(clause: &Clause, table: Option<&TableInfo>) -> Classified {
    if clause.column_type.is_none() {
        return Classified::Change(ChangeKind::RenameColumn);
    }
    match modify_column(clause, table) {
        Classified::NoRule => Classified::Change(ChangeKind::RenameColumn),
        other => other,
    }
}

fn modify_column(clause: &Clause, table: Option<&TableInfo>) -> Classified {
    let Some(table) = table else {
        return Classified::NeedsTable;
    };
    let (Some(name), Some(new_type)) = (clause.column.as_deref(), clause.column_type.as_deref())
    else {
        return Classified::NoRule;
    };
    let Some(old) = table.column(name) else {
        return Classified::NoRule;
    };
    // Without NULL / NOT NULL a MODIFY makes the column nullable.
    let new_nullable = clause.nullable.unwrap_or(true);
    let same_type = normalize_type(new_type) == normalize_type(&old.column_type)
        && charset_keeps_width(clause, old);
    let kind = if same_type {
        match (old.nullable, new_nullable) {
            (true, false) => ChangeKind::MakeNotNull,
            (false, true) => ChangeKind::MakeNullable,
            // Only a default, comment or the like changes: not covered.
            _ => return Classified::NoRule,
        }
    } else if old.nullable == new_nullable && widens_utf8(clause, new_type, old, table) {
        ChangeKind::WidenUtf8
    } else if old.nullable == new_nullable && appends_members(clause, new_type, old) {
        ChangeKind::ExtendEnum
    } else if old.nullable == new_nullable {
        varchar_change(clause, new_type, old)
    } else {
        ChangeKind::ChangeType
    };
    Classified::Change(kind)
}

/// A VARCHAR moved from utf8mb3 to utf8mb4 at the same declared length, in no index, its
/// bytes on the same side of the 255-byte line (one length byte or two): MariaDB 10.4
/// changes only metadata (MDEV-15564); MySQL copies, as for any change of type.
fn widens_utf8(clause: &Clause, new_type: &str, old: &Column, table: &TableInfo) -> bool {
    let from_utf8mb3 = old
        .charset
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("utf8mb3") || c.eq_ignore_ascii_case("utf8"));
    let to_utf8mb4 = clause
        .charset
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("utf8mb4"));
    let (Some(chars), Some(old_bytes)) = (old.char_length, old.octet_length) else {
        return false;
    };
    let same_length_bytes = (old_bytes <= 255) == (chars * 4 <= 255);
    let indexed = table.indexes.iter().any(|index| {
        index
            .column_names()
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&old.name))
    });
    from_utf8mb3
        && to_utf8mb4
        && old.data_type == "varchar"
        && normalize_type(new_type) == normalize_type(&old.column_type)
        && same_length_bytes
        && !indexed
}

/// New members written after an ENUM's or SET's old ones, in the same character set and
/// the same storage size: the servers change only the table's metadata. An ENUM keeps one
/// byte up to 255 members; a SET takes a byte per eight members (1, 2, 3, 4 or 8 bytes).
fn appends_members(clause: &Clause, new_type: &str, old: &Column) -> bool {
    let same_charset = clause.charset.as_deref().is_none_or(|written| {
        old.charset
            .as_deref()
            .is_some_and(|own| own.eq_ignore_ascii_case(written))
    });
    let new = types::parse(new_type);
    let (old_members, new_members, is_set) = match (&old.kind, &new) {
        (ColumnType::Enum(a), ColumnType::Enum(b)) => (a, b, false),
        (ColumnType::Set(a), ColumnType::Set(b)) => (a, b, true),
        _ => return false,
    };
    let bytes = |members: usize| {
        if is_set {
            set_bytes(members)
        } else {
            enum_bytes(members)
        }
    };
    same_charset
        && new_members.len() > old_members.len()
        && new_members.starts_with(old_members)
        && bytes(old_members.len()) == bytes(new_members.len())
}

fn enum_bytes(members: usize) -> usize {
    if members <= 255 {
        1
    } else {
        2
    }
}

fn set_bytes(members: usize) -> usize {
    match members.div_ceil(8) {
        bytes @ 0..=4 => bytes.max(1),
        _ => 8,
    }
}

/// A MODIFY or CHANGE that also moves its column (`FIRST`, `AFTER x`): reordering columns
/// is a change of its own, next to whatever the definition changes. Written where the
/// column already stands, it moves nothing.
pub fn column_move(clause: &Clause, table: Option<&TableInfo>) -> Option<Classified> {
    let redefines = matches!(
        clause.operation,
        Operation::ModifyColumn | Operation::RenameColumn
    );
    let position = clause.position.as_deref().filter(|_| redefines)?;
    let Some(table) = table else {
        return Some(Classified::NeedsTable);
    };
    let name = clause.column.as_deref()?;
    let at = table
        .columns
        .iter()
        .position(|c| c.name.eq_ignore_ascii_case(name))?;
    let stays = match position.strip_prefix("AFTER ") {
        None => at == 0,
        Some(after) => {
            at > 0
                && table.columns[at - 1]
                    .name
                    .eq_ignore_ascii_case(after.trim())
        }
    };
    (!stays).then_some(Classified::Change(ChangeKind::ReorderColumn))
}

/// A longer VARCHAR of the same character width: inside or across the 255-byte line
/// where the length prefix grows from one byte to two. Anything else changes the type.
fn varchar_change(clause: &Clause, new_type: &str, old: &Column) -> ChangeKind {
    let Some(new_chars) = varchar_length(new_type) else {
        return ChangeKind::ChangeType;
    };
    let (Some(old_chars), Some(old_bytes)) = (old.char_length, old.octet_length) else {
        return ChangeKind::ChangeType;
    };
    if old.data_type != "varchar" || new_chars < old_chars || old_chars <= 0 {
        return ChangeKind::ChangeType;
    }
    if !charset_keeps_width(clause, old) {
        return ChangeKind::ChangeType;
    }
    let bytes_per_char = old_bytes / old_chars;
    let new_bytes = new_chars * bytes_per_char;
    if (old_bytes <= 255) == (new_bytes <= 255) {
        ChangeKind::WidenVarchar
    } else {
        ChangeKind::WidenVarcharAcross255
    }
}

/// A CHARACTER SET written in the clause keeps the column's byte width per character.
fn charset_keeps_width(clause: &Clause, old: &Column) -> bool {
    let Some(charset) = clause.charset.as_deref() else {
        return true;
    };
    let (Some(chars), Some(bytes)) = (old.char_length, old.octet_length) else {
        return true;
    };
    chars <= 0 || bytes_per_char(charset) == Some(bytes / chars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::parse_sql;
    use crate::table::test_column;

    fn clause(sql: &str) -> Clause {
        let statements = parse_sql("t.sql", sql, 0).expect("parses");
        statements[0].clauses[0].clone()
    }

    fn table() -> TableInfo {
        crate::online_ddl::tests::columns()
    }

    fn created(sql: &str) -> TableInfo {
        let statements = parse_sql("t.sql", sql, 0).expect("parses");
        let definition = crate::migration::table_definition(&statements[0]).expect("a table");
        TableInfo::from_definition(&definition)
    }

    fn kind(sql: &str) -> Classified {
        classify_clause(&clause(sql), Some(&table()))
    }

    #[test]
    fn a_single_byte_set_named_in_the_clause_keeps_a_widening() {
        // A koi8r column: one byte per character, as the one charset table says.
        let mut column = test_column("title", "varchar(40)", Some(40), true);
        column.octet_length = Some(40);
        let table = TableInfo::of_columns("t", vec![column]);
        let widen = |sql: &str| classify_clause(&clause(sql), Some(&table));
        assert_eq!(
            widen("ALTER TABLE t MODIFY title varchar(200) CHARACTER SET KOI8R"),
            Classified::Change(ChangeKind::WidenVarchar)
        );
        assert_eq!(
            widen("ALTER TABLE t MODIFY title varchar(200) CHARACTER SET utf8mb4"),
            Classified::Change(ChangeKind::ChangeType)
        );
    }

    #[test]
    fn added_columns_are_last_or_in_the_middle() {
        let t = table();
        let last = clause("ALTER TABLE t ADD c int NULL");
        assert_eq!(
            classify_clause(&last, None),
            Classified::Change(ChangeKind::AddColumnLast)
        );
        let first = clause("ALTER TABLE t ADD c int FIRST");
        assert_eq!(
            classify_clause(&first, None),
            Classified::Change(ChangeKind::AddColumnMiddle)
        );
        let after_last = clause("ALTER TABLE t ADD c int AFTER `grade`");
        assert_eq!(classify_clause(&after_last, None), Classified::NeedsTable);
        assert_eq!(
            classify_clause(&after_last, Some(&t)),
            Classified::Change(ChangeKind::AddColumnLast)
        );
        let after_id = clause("ALTER TABLE t ADD c int AFTER id");
        assert_eq!(
            classify_clause(&after_id, Some(&t)),
            Classified::Change(ChangeKind::AddColumnMiddle)
        );
        let auto = clause("ALTER TABLE t ADD n int AUTO_INCREMENT UNIQUE");
        assert_eq!(classify_clause(&auto, None), Classified::NoRule);
    }

    #[test]
    fn modify_refinements() {
        // utf8mb4: 50 chars = 200 bytes; 63 chars = 252 bytes; 64 chars = 256 bytes.
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(63) NULL"),
            Classified::Change(ChangeKind::WidenVarchar)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(64)"),
            Classified::Change(ChangeKind::WidenVarcharAcross255)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(40)"),
            Classified::Change(ChangeKind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(60) NOT NULL"),
            Classified::Change(ChangeKind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(60) CHARACTER SET latin1"),
            Classified::Change(ChangeKind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY done varchar(8) NULL"),
            Classified::Change(ChangeKind::MakeNullable)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY grade double precision NOT NULL"),
            Classified::Change(ChangeKind::MakeNotNull)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY grade float NULL"),
            Classified::Change(ChangeKind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY grade double NULL COMMENT 'x'"),
            Classified::NoRule
        );
        assert_eq!(
            kind("ALTER TABLE t CHANGE id id bigint NOT NULL"),
            Classified::NoRule
        );
        assert_eq!(
            classify_clause(&clause("ALTER TABLE t MODIFY name varchar(60)"), None),
            Classified::NeedsTable
        );
        assert_eq!(kind("ALTER TABLE t MODIFY missing int"), Classified::NoRule);
    }

    #[test]
    fn column_changes_on_a_fulltext_table_or_of_an_indexed_column_are_left_to_the_sandbox() {
        let table = created(
            "CREATE TABLE t (id int NOT NULL, a int NULL, note text NULL, \
             PRIMARY KEY (id), KEY ka (a), FULLTEXT KEY ft (note))",
        );
        let on = |sql: &str, t: &TableInfo| classify_clause(&clause(sql), Some(t));
        assert_eq!(
            on("ALTER TABLE t ADD COLUMN c int NULL", &table),
            Classified::NoRule
        );
        assert_eq!(
            on("ALTER TABLE t DROP COLUMN note", &table),
            Classified::NoRule
        );
        let plain = created(
            "CREATE TABLE t (id int NOT NULL, a int NULL, b int NULL, PRIMARY KEY (id), KEY ka (a))",
        );
        assert_eq!(
            on("ALTER TABLE t DROP COLUMN a", &plain),
            Classified::NoRule
        );
        assert_eq!(
            on("ALTER TABLE t DROP COLUMN b", &plain),
            Classified::Change(ChangeKind::DropColumn)
        );
        assert_eq!(
            on("ALTER TABLE t ADD COLUMN c int NULL", &plain),
            Classified::Change(ChangeKind::AddColumnLast)
        );
    }

    #[test]
    fn members_appended_to_an_enum_or_set_change_only_metadata() {
        let extend = Classified::Change(ChangeKind::ExtendEnum);
        let change_type = Classified::Change(ChangeKind::ChangeType);
        assert_eq!(
            kind("ALTER TABLE t MODIFY state enum('new','done','archived') NULL"),
            extend
        );
        // Inserted before an old member, reordered, removed, or NOT NULL added: a new type.
        for sql in [
            "ALTER TABLE t MODIFY state enum('new','archived','done') NULL",
            "ALTER TABLE t MODIFY state enum('done','new','archived') NULL",
            "ALTER TABLE t MODIFY state enum('new') NULL",
            "ALTER TABLE t MODIFY state set('new','done','archived') NULL",
        ] {
            assert_eq!(kind(sql), change_type, "{sql}");
        }
        assert_eq!(
            kind("ALTER TABLE t MODIFY state enum('new','done','archived') NOT NULL"),
            change_type
        );
        // A SET's ninth member takes a second byte: the rows are rewritten.
        let eight: Vec<String> = (1..=8).map(|i| format!("'m{i}'")).collect();
        let column = test_column("tags", &format!("set({})", eight.join(",")), None, true);
        let table = TableInfo::of_columns("t", vec![column]);
        let nine = format!(
            "ALTER TABLE t MODIFY tags set({},'m9') NULL",
            eight.join(",")
        );
        assert_eq!(classify_clause(&clause(&nine), Some(&table)), change_type);
        let seven = test_column("tags", "set('a','b','c','d','e','f','g')", None, true);
        let table = TableInfo::of_columns("t", vec![seven]);
        let eighth = "ALTER TABLE t MODIFY tags set('a','b','c','d','e','f','g','h') NULL";
        assert_eq!(classify_clause(&clause(eighth), Some(&table)), extend);
    }

    #[test]
    fn a_column_moved_by_modify_or_change_is_a_reorder() {
        let moved = |sql: &str| column_move(&clause(sql), Some(&table()));
        let reorder = Some(Classified::Change(ChangeKind::ReorderColumn));
        assert_eq!(
            moved("ALTER TABLE t MODIFY grade double NULL AFTER id"),
            reorder
        );
        assert_eq!(
            moved("ALTER TABLE t MODIFY grade double NULL FIRST"),
            reorder
        );
        assert_eq!(
            moved("ALTER TABLE t CHANGE name title varchar(50) NULL FIRST"),
            reorder
        );
        // Written where the column already stands: no move.
        assert_eq!(moved("ALTER TABLE t MODIFY id bigint NOT NULL FIRST"), None);
        assert_eq!(
            moved("ALTER TABLE t MODIFY done varchar(8) NULL AFTER `id`"),
            None
        );
        assert_eq!(moved("ALTER TABLE t MODIFY grade double NULL"), None);
        assert_eq!(moved("ALTER TABLE t ADD c int AFTER id"), None);
        assert_eq!(
            column_move(&clause("ALTER TABLE t MODIFY grade double AFTER id"), None),
            Some(Classified::NeedsTable)
        );
    }

    #[test]
    fn renames_with_and_without_a_new_definition() {
        assert_eq!(
            kind("ALTER TABLE t RENAME COLUMN name TO title"),
            Classified::Change(ChangeKind::RenameColumn)
        );
        assert_eq!(
            kind("ALTER TABLE t CHANGE name title varchar(50) NULL"),
            Classified::Change(ChangeKind::RenameColumn)
        );
        assert_eq!(
            kind("ALTER TABLE t CHANGE grade score float NULL"),
            Classified::Change(ChangeKind::ChangeType)
        );
    }

    #[test]
    fn statement_forms_map_to_kinds() {
        for (sql, expected) in [
            ("CREATE INDEX i ON t (a)", ChangeKind::AddIndex),
            ("ALTER TABLE t ADD UNIQUE KEY u (a)", ChangeKind::AddIndex),
            ("DROP INDEX i ON t", ChangeKind::DropIndex),
            ("ALTER TABLE t RENAME INDEX a TO b", ChangeKind::RenameIndex),
            (
                "ALTER TABLE t ALTER c SET DEFAULT 1",
                ChangeKind::ChangeDefault,
            ),
            (
                "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)",
                ChangeKind::AddForeignKey,
            ),
            (
                "ALTER TABLE t DROP FOREIGN KEY f",
                ChangeKind::DropForeignKey,
            ),
            (
                "ALTER TABLE t ADD PRIMARY KEY (a)",
                ChangeKind::AddPrimaryKey,
            ),
            ("ALTER TABLE t DROP PRIMARY KEY", ChangeKind::DropPrimaryKey),
            (
                "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
                ChangeKind::ConvertCharset,
            ),
            ("ALTER TABLE t FORCE", ChangeKind::Rebuild),
            ("ALTER TABLE t ENGINE = InnoDB", ChangeKind::Rebuild),
            (
                "ALTER TABLE t ROW_FORMAT=DYNAMIC",
                ChangeKind::ChangeRowFormat,
            ),
            (
                "ALTER TABLE t ENGINE=InnoDB KEY_BLOCK_SIZE 8",
                ChangeKind::ChangeRowFormat,
            ),
            ("OPTIMIZE TABLE t", ChangeKind::Rebuild),
            ("ALTER TABLE t RENAME TO u", ChangeKind::RenameTable),
            ("RENAME TABLE t TO u", ChangeKind::RenameTable),
            ("ALTER TABLE t DROP COLUMN c", ChangeKind::DropColumn),
        ] {
            assert_eq!(
                classify_clause(&clause(sql), None),
                Classified::Change(expected),
                "{sql}"
            );
        }
        for sql in [
            "ALTER TABLE t ADD FULLTEXT INDEX f (body)",
            "ALTER TABLE t ENGINE=MyISAM",
            "ALTER TABLE t COMMENT = 'x'",
            "CREATE TABLE u (id int)",
            "DROP TABLE t",
        ] {
            assert_eq!(
                classify_clause(&clause(sql), None),
                Classified::NoRule,
                "{sql}"
            );
        }
    }

    #[test]
    fn an_index_declared_in_a_column_definition_is_found_and_names_are_not() {
        let inline = |sql: &str| inline_index(&clause(sql));
        let unique = "ALTER TABLE t ADD COLUMN slug varchar(50) NOT NULL UNIQUE";
        assert_eq!(inline(unique), Some(ChangeKind::AddIndex));
        assert_eq!(
            inline("ALTER TABLE t MODIFY name varchar(50) NULL UNIQUE KEY"),
            Some(ChangeKind::AddIndex)
        );
        assert_eq!(
            inline("ALTER TABLE t ADD COLUMN k int NOT NULL PRIMARY KEY"),
            Some(ChangeKind::AddPrimaryKey)
        );
        assert_eq!(inline("ALTER TABLE t ADD COLUMN `unique` int NULL"), None);
        assert_eq!(
            inline("ALTER TABLE t ADD COLUMN unique_code int NULL COMMENT 'a unique key'"),
            None
        );
        assert_eq!(inline("ALTER TABLE t ADD INDEX i (name)"), None);
    }
}
