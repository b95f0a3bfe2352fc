//! Refines a clause's `Operation` into the kind the rules are written for: where a column
//! is added, whether a MODIFY widens a VARCHAR inside its length-byte class, changes only
//! nullability, or changes the type. Some of that needs the table's current columns.

use super::context::{ColumnFacts, TableColumns};
use crate::migration::{Clause, Operation};

/// The operation names of the rules table (column `operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    AddColumnLast,
    AddColumnMiddle,
    DropColumn,
    RenameColumn,
    ChangeDefault,
    WidenVarchar,
    WidenVarcharAcross255,
    MakeNullable,
    MakeNotNull,
    ChangeType,
    AddIndex,
    DropIndex,
    RenameIndex,
    AddForeignKey,
    DropForeignKey,
    AddPrimaryKey,
    DropPrimaryKey,
    ConvertCharset,
    Rebuild,
    RenameTable,
    /// ADD FOREIGN KEY while the session has foreign_key_checks=0 (known from the
    /// migration's own SET, not from the clause).
    AddForeignKeyUnchecked,
    /// DROP PRIMARY KEY and ADD PRIMARY KEY in one ALTER.
    ReplacePrimaryKey,
    /// ROW_FORMAT= / KEY_BLOCK_SIZE= (with or without ENGINE=InnoDB).
    ChangeRowFormat,
}

pub const ALL_KINDS: [Kind; 23] = [
    Kind::AddColumnLast,
    Kind::AddColumnMiddle,
    Kind::DropColumn,
    Kind::RenameColumn,
    Kind::ChangeDefault,
    Kind::WidenVarchar,
    Kind::WidenVarcharAcross255,
    Kind::MakeNullable,
    Kind::MakeNotNull,
    Kind::ChangeType,
    Kind::AddIndex,
    Kind::DropIndex,
    Kind::RenameIndex,
    Kind::AddForeignKey,
    Kind::DropForeignKey,
    Kind::AddPrimaryKey,
    Kind::DropPrimaryKey,
    Kind::ConvertCharset,
    Kind::Rebuild,
    Kind::RenameTable,
    Kind::AddForeignKeyUnchecked,
    Kind::ReplacePrimaryKey,
    Kind::ChangeRowFormat,
];

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AddColumnLast => "add_column_last",
            Kind::AddColumnMiddle => "add_column_middle",
            Kind::DropColumn => "drop_column",
            Kind::RenameColumn => "rename_column",
            Kind::ChangeDefault => "change_default",
            Kind::WidenVarchar => "widen_varchar",
            Kind::WidenVarcharAcross255 => "widen_varchar_across_255",
            Kind::MakeNullable => "make_nullable",
            Kind::MakeNotNull => "make_not_null",
            Kind::ChangeType => "change_type",
            Kind::AddIndex => "add_index",
            Kind::DropIndex => "drop_index",
            Kind::RenameIndex => "rename_index",
            Kind::AddForeignKey => "add_foreign_key",
            Kind::DropForeignKey => "drop_foreign_key",
            Kind::AddPrimaryKey => "add_primary_key",
            Kind::DropPrimaryKey => "drop_primary_key",
            Kind::ConvertCharset => "convert_charset",
            Kind::Rebuild => "rebuild",
            Kind::RenameTable => "rename_table",
            Kind::AddForeignKeyUnchecked => "add_foreign_key_unchecked",
            Kind::ReplacePrimaryKey => "replace_primary_key",
            Kind::ChangeRowFormat => "change_row_format",
        }
    }

    pub fn from_name(name: &str) -> Option<Kind> {
        ALL_KINDS.into_iter().find(|k| k.as_str() == name)
    }

    /// Adding or dropping a column is instant only as a whole statement; run in place
    /// next to a clause that is not instant, it rebuilds the table (MySQL manual: an
    /// ALTER cannot combine INSTANT column changes with operations that do not support
    /// INSTANT; MariaDB likewise).
    pub fn rebuilds_unless_instant(self) -> bool {
        matches!(
            self,
            Kind::AddColumnLast | Kind::AddColumnMiddle | Kind::DropColumn
        )
    }
}

/// What a clause is, as far as the rules can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classified {
    Kind(Kind),
    /// Needs the table's current columns (ADD ... AFTER x, MODIFY / CHANGE).
    NeedsTable,
    /// Nothing in the rules table covers it (table options, partitions, FULLTEXT, a
    /// MODIFY that changes only a comment, ...): the sandbox's measurement stands.
    NoRule,
}

/// Classifies one clause; `table` is the table's columns before the statement, if known.
pub fn classify_clause(clause: &Clause, table: Option<&TableColumns>) -> Classified {
    let kind = match clause.operation {
        Operation::AddColumn => return add_column(clause, table),
        Operation::ModifyColumn => return modify_column(clause, table),
        Operation::DropColumn => Kind::DropColumn,
        Operation::RenameColumn => return rename_column(clause, table),
        Operation::ChangeDefault => Kind::ChangeDefault,
        Operation::AddIndex => return add_index(clause),
        Operation::DropIndex => Kind::DropIndex,
        Operation::RenameIndex => Kind::RenameIndex,
        Operation::AddForeignKey => Kind::AddForeignKey,
        Operation::DropForeignKey => Kind::DropForeignKey,
        Operation::AddPrimaryKey => Kind::AddPrimaryKey,
        Operation::DropPrimaryKey => Kind::DropPrimaryKey,
        Operation::ConvertCharset => Kind::ConvertCharset,
        Operation::Rebuild => Kind::Rebuild,
        Operation::RenameTable => Kind::RenameTable,
        Operation::TableOptions => return table_options(clause),
        Operation::CreateTable
        | Operation::DropTable
        | Operation::Multiple
        | Operation::Unknown => return Classified::NoRule,
    };
    Classified::Kind(kind)
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
        Classified::Kind(Kind::ChangeRowFormat)
    } else if text.contains("ENGINE") {
        Classified::Kind(Kind::Rebuild)
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

fn add_column(clause: &Clause, table: Option<&TableColumns>) -> Classified {
    let text = upper_text(clause);
    // Auto-increment and stored generated columns fill every row: never instant.
    if text.contains("AUTO_INCREMENT") || text.contains(" AS ") || text.contains("GENERATED") {
        return Classified::NoRule;
    }
    match clause.position.as_deref() {
        None => Classified::Kind(Kind::AddColumnLast),
        Some("FIRST") => Classified::Kind(Kind::AddColumnMiddle),
        Some(after) => {
            let column = after.trim_start_matches("AFTER ").trim();
            match table {
                Some(t) if t.is_last(column) => Classified::Kind(Kind::AddColumnLast),
                Some(_) => Classified::Kind(Kind::AddColumnMiddle),
                None => Classified::NeedsTable,
            }
        }
    }
}

fn add_index(clause: &Clause) -> Classified {
    let text = upper_text(clause);
    if text.contains("FULLTEXT") || text.contains("SPATIAL") {
        Classified::NoRule
    } else {
        Classified::Kind(Kind::AddIndex)
    }
}

/// `CHANGE a b <same definition>` is a rename; with a new definition it is a MODIFY too.
fn rename_column(clause: &Clause, table: Option<&TableColumns>) -> Classified {
    if clause.column_type.is_none() {
        return Classified::Kind(Kind::RenameColumn);
    }
    match modify_column(clause, table) {
        Classified::NoRule => Classified::Kind(Kind::RenameColumn),
        other => other,
    }
}

fn modify_column(clause: &Clause, table: Option<&TableColumns>) -> Classified {
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
            (true, false) => Kind::MakeNotNull,
            (false, true) => Kind::MakeNullable,
            // Only a default, comment or the like changes: not covered.
            _ => return Classified::NoRule,
        }
    } else if old.nullable == new_nullable {
        varchar_change(clause, new_type, old)
    } else {
        Kind::ChangeType
    };
    Classified::Kind(kind)
}

/// A longer VARCHAR of the same character width: inside or across the 255-byte line
/// where the length prefix grows from one byte to two. Anything else changes the type.
fn varchar_change(clause: &Clause, new_type: &str, old: &ColumnFacts) -> Kind {
    let Some(new_chars) = varchar_length(new_type) else {
        return Kind::ChangeType;
    };
    let (Some(old_chars), Some(old_bytes)) = (old.char_length, old.octet_length) else {
        return Kind::ChangeType;
    };
    if old.data_type != "varchar" || new_chars < old_chars || old_chars <= 0 {
        return Kind::ChangeType;
    }
    if !charset_keeps_width(clause, old) {
        return Kind::ChangeType;
    }
    let bytes_per_char = old_bytes / old_chars;
    let new_bytes = new_chars * bytes_per_char;
    if (old_bytes <= 255) == (new_bytes <= 255) {
        Kind::WidenVarchar
    } else {
        Kind::WidenVarcharAcross255
    }
}

/// A CHARACTER SET written in the clause keeps the column's byte width per character.
fn charset_keeps_width(clause: &Clause, old: &ColumnFacts) -> bool {
    let Some(charset) = clause.charset.as_deref() else {
        return true;
    };
    let (Some(chars), Some(bytes)) = (old.char_length, old.octet_length) else {
        return true;
    };
    chars <= 0 || charset_width(charset) == Some(bytes / chars)
}

fn charset_width(charset: &str) -> Option<i64> {
    match charset {
        "utf8mb4" | "utf16" | "utf16le" | "utf32" => Some(4),
        "utf8" | "utf8mb3" => Some(3),
        "ucs2" => Some(2),
        "latin1" | "ascii" | "binary" | "latin2" | "cp1250" | "cp1251" | "cp1252" => Some(1),
        _ => None,
    }
}

/// `varchar(100)` / `character varying(100)` → 100.
fn varchar_length(column_type: &str) -> Option<i64> {
    let normalized = normalize_type(column_type);
    let inner = normalized.strip_prefix("varchar(")?.strip_suffix(')')?;
    inner.parse().ok()
}

/// One spelling per type, so "integer" and "int(11)" compare equal.
pub fn normalize_type(column_type: &str) -> String {
    let lower = column_type
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let lower = lower
        .replace("character varying", "varchar")
        .replace("double precision", "double")
        .replace("integer", "int")
        .replace("numeric", "decimal")
        .replace(" (", "(");
    let lower = match lower.as_str() {
        "bool" | "boolean" => "tinyint(1)".to_string(),
        "real" => "double".to_string(),
        _ => lower,
    };
    strip_integer_width(&lower)
}

/// `int(11)` is `int`: the display width means nothing to storage.
fn strip_integer_width(column_type: &str) -> String {
    const INTEGERS: [&str; 5] = ["tinyint", "smallint", "mediumint", "bigint", "int"];
    for name in INTEGERS {
        if let Some(rest) = column_type.strip_prefix(name) {
            if let Some(after) = rest.strip_prefix('(') {
                if let Some(close) = after.find(')') {
                    if name == "tinyint" && after.get(..close) == Some("1") {
                        return column_type.to_string();
                    }
                    let tail = after.get(close + 1..).unwrap_or("");
                    return format!("{name}{tail}");
                }
            }
            return column_type.to_string();
        }
    }
    column_type.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::parse_sql;

    fn clause(sql: &str) -> Clause {
        let statements = parse_sql("t.sql", sql, 0).expect("parses");
        statements[0].clauses[0].clone()
    }

    fn column(name: &str, column_type: &str, chars: Option<i64>, nullable: bool) -> ColumnFacts {
        let data_type = column_type
            .split('(')
            .next()
            .unwrap_or(column_type)
            .to_string();
        ColumnFacts {
            name: name.to_string(),
            data_type,
            column_type: column_type.to_string(),
            char_length: chars,
            octet_length: chars.map(|c| c * 4),
            nullable,
        }
    }

    fn table() -> TableColumns {
        TableColumns {
            columns: vec![
                column("id", "bigint(20)", None, false),
                column("done", "varchar(8)", Some(8), false),
                column("name", "varchar(50)", Some(50), true),
                column("grade", "double", None, true),
            ],
        }
    }

    fn kind(sql: &str) -> Classified {
        classify_clause(&clause(sql), Some(&table()))
    }

    #[test]
    fn added_columns_are_last_or_in_the_middle() {
        let t = table();
        let last = clause("ALTER TABLE t ADD c int NULL");
        assert_eq!(
            classify_clause(&last, None),
            Classified::Kind(Kind::AddColumnLast)
        );
        let first = clause("ALTER TABLE t ADD c int FIRST");
        assert_eq!(
            classify_clause(&first, None),
            Classified::Kind(Kind::AddColumnMiddle)
        );
        let after_last = clause("ALTER TABLE t ADD c int AFTER `grade`");
        assert_eq!(classify_clause(&after_last, None), Classified::NeedsTable);
        assert_eq!(
            classify_clause(&after_last, Some(&t)),
            Classified::Kind(Kind::AddColumnLast)
        );
        let after_id = clause("ALTER TABLE t ADD c int AFTER id");
        assert_eq!(
            classify_clause(&after_id, Some(&t)),
            Classified::Kind(Kind::AddColumnMiddle)
        );
        let auto = clause("ALTER TABLE t ADD n int AUTO_INCREMENT UNIQUE");
        assert_eq!(classify_clause(&auto, None), Classified::NoRule);
    }

    #[test]
    fn modify_refinements() {
        // utf8mb4: 50 chars = 200 bytes; 63 chars = 252 bytes; 64 chars = 256 bytes.
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(63) NULL"),
            Classified::Kind(Kind::WidenVarchar)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(64)"),
            Classified::Kind(Kind::WidenVarcharAcross255)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(40)"),
            Classified::Kind(Kind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(60) NOT NULL"),
            Classified::Kind(Kind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY name varchar(60) CHARACTER SET latin1"),
            Classified::Kind(Kind::ChangeType)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY done varchar(8) NULL"),
            Classified::Kind(Kind::MakeNullable)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY grade double precision NOT NULL"),
            Classified::Kind(Kind::MakeNotNull)
        );
        assert_eq!(
            kind("ALTER TABLE t MODIFY grade float NULL"),
            Classified::Kind(Kind::ChangeType)
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
    fn renames_with_and_without_a_new_definition() {
        assert_eq!(
            kind("ALTER TABLE t RENAME COLUMN name TO title"),
            Classified::Kind(Kind::RenameColumn)
        );
        assert_eq!(
            kind("ALTER TABLE t CHANGE name title varchar(50) NULL"),
            Classified::Kind(Kind::RenameColumn)
        );
        assert_eq!(
            kind("ALTER TABLE t CHANGE grade score float NULL"),
            Classified::Kind(Kind::ChangeType)
        );
    }

    #[test]
    fn statement_forms_map_to_kinds() {
        for (sql, expected) in [
            ("CREATE INDEX i ON t (a)", Kind::AddIndex),
            ("ALTER TABLE t ADD UNIQUE KEY u (a)", Kind::AddIndex),
            ("DROP INDEX i ON t", Kind::DropIndex),
            ("ALTER TABLE t RENAME INDEX a TO b", Kind::RenameIndex),
            ("ALTER TABLE t ALTER c SET DEFAULT 1", Kind::ChangeDefault),
            (
                "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id)",
                Kind::AddForeignKey,
            ),
            ("ALTER TABLE t DROP FOREIGN KEY f", Kind::DropForeignKey),
            ("ALTER TABLE t ADD PRIMARY KEY (a)", Kind::AddPrimaryKey),
            ("ALTER TABLE t DROP PRIMARY KEY", Kind::DropPrimaryKey),
            (
                "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
                Kind::ConvertCharset,
            ),
            ("ALTER TABLE t FORCE", Kind::Rebuild),
            ("ALTER TABLE t ENGINE = InnoDB", Kind::Rebuild),
            ("ALTER TABLE t ROW_FORMAT=DYNAMIC", Kind::ChangeRowFormat),
            (
                "ALTER TABLE t ENGINE=InnoDB KEY_BLOCK_SIZE 8",
                Kind::ChangeRowFormat,
            ),
            ("OPTIMIZE TABLE t", Kind::Rebuild),
            ("ALTER TABLE t RENAME TO u", Kind::RenameTable),
            ("RENAME TABLE t TO u", Kind::RenameTable),
            ("ALTER TABLE t DROP COLUMN c", Kind::DropColumn),
        ] {
            assert_eq!(
                classify_clause(&clause(sql), None),
                Classified::Kind(expected),
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
    fn types_normalize() {
        assert_eq!(normalize_type("integer"), normalize_type("int(11)"));
        assert_eq!(normalize_type("BIGINT(20) UNSIGNED"), "bigint unsigned");
        assert_eq!(normalize_type("double precision"), "double");
        assert_eq!(normalize_type("bool"), "tinyint(1)");
        assert_eq!(normalize_type("character varying(10)"), "varchar(10)");
        assert_ne!(normalize_type("tinyint(1)"), normalize_type("tinyint(4)"));
        for kind in ALL_KINDS {
            assert_eq!(Kind::from_name(kind.as_str()), Some(kind));
        }
    }
}
