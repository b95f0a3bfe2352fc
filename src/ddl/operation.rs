//! What a DDL statement does, in two grains: the `Operation` a clause is (as the parser
//! reads it), and the `ChangeKind` the online-DDL rules are written for (which needs the
//! table's columns to tell, e.g., a widened VARCHAR from a type change).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    AddColumn,
    DropColumn,
    ModifyColumn,
    RenameColumn,
    ChangeDefault,
    AddIndex,
    DropIndex,
    RenameIndex,
    AddForeignKey,
    DropForeignKey,
    AddPrimaryKey,
    DropPrimaryKey,
    ConvertCharset,
    TableOptions,
    Rebuild,
    RenameTable,
    CreateTable,
    DropTable,
    Multiple,
    Unknown,
}

impl Operation {
    /// The snake_case name, as serialized.
    pub fn as_str(&self) -> &'static str {
        match self {
            Operation::AddColumn => "add_column",
            Operation::DropColumn => "drop_column",
            Operation::ModifyColumn => "modify_column",
            Operation::RenameColumn => "rename_column",
            Operation::ChangeDefault => "change_default",
            Operation::AddIndex => "add_index",
            Operation::DropIndex => "drop_index",
            Operation::RenameIndex => "rename_index",
            Operation::AddForeignKey => "add_foreign_key",
            Operation::DropForeignKey => "drop_foreign_key",
            Operation::AddPrimaryKey => "add_primary_key",
            Operation::DropPrimaryKey => "drop_primary_key",
            Operation::ConvertCharset => "convert_charset",
            Operation::TableOptions => "table_options",
            Operation::Rebuild => "rebuild",
            Operation::RenameTable => "rename_table",
            Operation::CreateTable => "create_table",
            Operation::DropTable => "drop_table",
            Operation::Multiple => "multiple",
            Operation::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The operation names of the rules table (column `operation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeKind {
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
    /// MODIFY / CHANGE appending members to an ENUM or SET whose storage size stays.
    ExtendEnum,
    /// MODIFY / CHANGE ... FIRST / AFTER x that moves the column.
    ReorderColumn,
    /// MODIFY / CHANGE of a VARCHAR from utf8mb3 to utf8mb4, same length, in no index,
    /// its length prefix unchanged.
    WidenUtf8,
}

pub const ALL_CHANGE_KINDS: [ChangeKind; 26] = [
    ChangeKind::AddColumnLast,
    ChangeKind::AddColumnMiddle,
    ChangeKind::DropColumn,
    ChangeKind::RenameColumn,
    ChangeKind::ChangeDefault,
    ChangeKind::WidenVarchar,
    ChangeKind::WidenVarcharAcross255,
    ChangeKind::MakeNullable,
    ChangeKind::MakeNotNull,
    ChangeKind::ChangeType,
    ChangeKind::AddIndex,
    ChangeKind::DropIndex,
    ChangeKind::RenameIndex,
    ChangeKind::AddForeignKey,
    ChangeKind::DropForeignKey,
    ChangeKind::AddPrimaryKey,
    ChangeKind::DropPrimaryKey,
    ChangeKind::ConvertCharset,
    ChangeKind::Rebuild,
    ChangeKind::RenameTable,
    ChangeKind::AddForeignKeyUnchecked,
    ChangeKind::ReplacePrimaryKey,
    ChangeKind::ChangeRowFormat,
    ChangeKind::ExtendEnum,
    ChangeKind::ReorderColumn,
    ChangeKind::WidenUtf8,
];

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::AddColumnLast => "add_column_last",
            ChangeKind::AddColumnMiddle => "add_column_middle",
            ChangeKind::DropColumn => "drop_column",
            ChangeKind::RenameColumn => "rename_column",
            ChangeKind::ChangeDefault => "change_default",
            ChangeKind::WidenVarchar => "widen_varchar",
            ChangeKind::WidenVarcharAcross255 => "widen_varchar_across_255",
            ChangeKind::MakeNullable => "make_nullable",
            ChangeKind::MakeNotNull => "make_not_null",
            ChangeKind::ChangeType => "change_type",
            ChangeKind::AddIndex => "add_index",
            ChangeKind::DropIndex => "drop_index",
            ChangeKind::RenameIndex => "rename_index",
            ChangeKind::AddForeignKey => "add_foreign_key",
            ChangeKind::DropForeignKey => "drop_foreign_key",
            ChangeKind::AddPrimaryKey => "add_primary_key",
            ChangeKind::DropPrimaryKey => "drop_primary_key",
            ChangeKind::ConvertCharset => "convert_charset",
            ChangeKind::Rebuild => "rebuild",
            ChangeKind::RenameTable => "rename_table",
            ChangeKind::AddForeignKeyUnchecked => "add_foreign_key_unchecked",
            ChangeKind::ReplacePrimaryKey => "replace_primary_key",
            ChangeKind::ChangeRowFormat => "change_row_format",
            ChangeKind::ExtendEnum => "extend_enum",
            ChangeKind::ReorderColumn => "reorder_column",
            ChangeKind::WidenUtf8 => "widen_utf8",
        }
    }

    pub fn from_name(name: &str) -> Option<ChangeKind> {
        ALL_CHANGE_KINDS.into_iter().find(|k| k.as_str() == name)
    }

    /// Adding, dropping or moving a column is instant only as a whole statement; run in place
    /// next to a clause that is not instant, it rebuilds the table (MySQL manual: an
    /// ALTER cannot combine INSTANT column changes with operations that do not support
    /// INSTANT; MariaDB likewise).
    pub fn rebuilds_unless_instant(self) -> bool {
        matches!(
            self,
            ChangeKind::AddColumnLast
                | ChangeKind::AddColumnMiddle
                | ChangeKind::DropColumn
                | ChangeKind::ReorderColumn
        )
    }
}
