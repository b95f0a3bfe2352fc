//! ALTER TABLE parsing: headers, commands, clauses and options.

use super::super::lexer::tokenize;
use super::*;

fn alter(sql: &str) -> AlterTable {
    let toks = tokenize(sql).expect("lexes");
    parse_alter_table(sql, &toks).expect("is an ALTER TABLE")
}

fn only_clause(sql: &str) -> Clause {
    let parsed = alter(sql);
    let clauses: Vec<Clause> = parsed.clauses().cloned().collect();
    assert_eq!(clauses.len(), 1, "{sql}: {clauses:?}");
    clauses.into_iter().next().expect("one clause")
}

fn operation_of(sql: &str) -> Operation {
    only_clause(sql).operation
}

#[test]
fn header_variants() {
    let parsed = alter("ALTER ONLINE IGNORE TABLE IF EXISTS `db`.`t` WAIT 10 ADD x int");
    assert_eq!(parsed.table.as_deref(), Some("t"));
    assert_eq!(parsed.commands.len(), 1);
    assert_eq!(parsed.commands[0].text, "ADD x int");
    let parsed = alter("ALTER TABLE t NOWAIT DROP x");
    assert_eq!(
        parsed.commands[0].clauses[0].operation,
        Operation::DropColumn
    );
}

#[test]
fn add_column_with_attributes() {
    let clause =
        only_clause("ALTER TABLE t ADD COLUMN IF NOT EXISTS `name` VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL DEFAULT '' AFTER `id`");
    assert_eq!(clause.operation, Operation::AddColumn);
    assert_eq!(clause.column.as_deref(), Some("name"));
    assert_eq!(clause.column_type.as_deref(), Some("varchar(64)"));
    assert_eq!(clause.charset.as_deref(), Some("utf8mb4"));
    assert_eq!(clause.nullable, Some(false));
    assert!(clause.has_default);
    assert_eq!(clause.position.as_deref(), Some("AFTER id"));
}

#[test]
fn add_column_without_column_keyword() {
    let clause = only_clause("ALTER TABLE t ADD x bigint unsigned NULL FIRST");
    assert_eq!(clause.operation, Operation::AddColumn);
    assert_eq!(clause.column_type.as_deref(), Some("bigint unsigned"));
    assert_eq!(clause.nullable, Some(true));
    assert!(!clause.has_default);
    assert_eq!(clause.position.as_deref(), Some("FIRST"));
}

#[test]
fn default_null_is_a_default_not_a_nullability() {
    let clause = only_clause("ALTER TABLE t ADD x int DEFAULT NULL");
    assert_eq!(clause.nullable, None);
    assert!(clause.has_default);
}

#[test]
fn nulls_inside_parentheses_are_ignored() {
    let clause = only_clause("ALTER TABLE t ADD x int AS (IF(a IS NULL, 0, 1)) VIRTUAL");
    assert_eq!(clause.nullable, None);
    assert_eq!(clause.column_type.as_deref(), Some("int"));
}

#[test]
fn add_column_list_gives_one_clause_per_column() {
    let parsed = alter("ALTER TABLE t ADD COLUMN (a int, b varchar(10) NOT NULL)");
    let clauses: Vec<&Clause> = parsed.clauses().collect();
    assert_eq!(clauses.len(), 2);
    assert!(clauses.iter().all(|c| c.operation == Operation::AddColumn));
    assert_eq!(clauses[1].column.as_deref(), Some("b"));
    assert_eq!(clauses[1].text, "b varchar(10) NOT NULL");
}

#[test]
fn add_indexes() {
    let clause = only_clause("ALTER TABLE t ADD INDEX `idx_a` (`a`(20), b DESC)");
    assert_eq!(clause.operation, Operation::AddIndex);
    assert_eq!(clause.index_name.as_deref(), Some("idx_a"));
    assert_eq!(clause.index_columns, vec!["a", "b"]);
    assert!(!clause.unique);

    let clause = only_clause("ALTER TABLE t ADD CONSTRAINT u1 UNIQUE KEY (a)");
    assert_eq!(clause.operation, Operation::AddIndex);
    assert!(clause.unique);
    assert_eq!(clause.index_name.as_deref(), Some("u1"));

    let clause = only_clause("ALTER TABLE t ADD UNIQUE INDEX IF NOT EXISTS u2 USING BTREE (a, b)");
    assert!(clause.unique);
    assert_eq!(clause.index_name.as_deref(), Some("u2"));
    assert_eq!(clause.index_columns, vec!["a", "b"]);

    assert_eq!(
        operation_of("ALTER TABLE t ADD FULLTEXT ft (body)"),
        Operation::AddIndex
    );
    assert_eq!(
        operation_of("ALTER TABLE t ADD SPATIAL INDEX (g)"),
        Operation::AddIndex
    );
    assert_eq!(
        operation_of("ALTER TABLE t ADD KEY (a)"),
        Operation::AddIndex
    );
}

#[test]
fn add_primary_and_foreign_keys_and_checks() {
    let clause = only_clause("ALTER TABLE t ADD CONSTRAINT PRIMARY KEY (id)");
    assert_eq!(clause.operation, Operation::AddPrimaryKey);
    assert_eq!(clause.index_columns, vec!["id"]);
    assert_eq!(
        operation_of("ALTER TABLE t ADD PRIMARY KEY (a, b)"),
        Operation::AddPrimaryKey
    );

    let clause = only_clause(
        "ALTER TABLE t ADD CONSTRAINT `fk_u` FOREIGN KEY (`user_id`) REFERENCES `db`.`auth_user` (`id`) ON DELETE SET NULL",
    );
    assert_eq!(clause.operation, Operation::AddForeignKey);
    assert_eq!(clause.index_name.as_deref(), Some("fk_u"));
    assert_eq!(clause.index_columns, vec!["user_id"]);
    assert_eq!(clause.references.as_deref(), Some("auth_user"));
    assert_eq!(clause.nullable, None);

    assert_eq!(
        operation_of("ALTER TABLE t ADD CONSTRAINT c1 CHECK (a > 0)"),
        Operation::TableOptions
    );
}

#[test]
fn drops() {
    let clause = only_clause("ALTER TABLE t DROP COLUMN IF EXISTS `x`");
    assert_eq!(clause.operation, Operation::DropColumn);
    assert_eq!(clause.column.as_deref(), Some("x"));
    assert_eq!(operation_of("ALTER TABLE t DROP x"), Operation::DropColumn);
    assert_eq!(
        operation_of("ALTER TABLE t DROP `index`"),
        Operation::DropColumn
    );

    let clause = only_clause("ALTER TABLE t DROP INDEX IF EXISTS idx");
    assert_eq!(clause.operation, Operation::DropIndex);
    assert_eq!(clause.index_name.as_deref(), Some("idx"));
    assert_eq!(
        operation_of("ALTER TABLE t DROP KEY idx"),
        Operation::DropIndex
    );
    assert_eq!(
        operation_of("ALTER TABLE t DROP PRIMARY KEY"),
        Operation::DropPrimaryKey
    );

    let clause = only_clause("ALTER TABLE t DROP FOREIGN KEY fk1");
    assert_eq!(clause.operation, Operation::DropForeignKey);
    assert_eq!(clause.index_name.as_deref(), Some("fk1"));
    assert_eq!(
        operation_of("ALTER TABLE t DROP CONSTRAINT c1"),
        Operation::DropForeignKey
    );
}

#[test]
fn modify_and_change() {
    let clause = only_clause("ALTER TABLE t MODIFY COLUMN `grade` double precision NULL");
    assert_eq!(clause.operation, Operation::ModifyColumn);
    assert_eq!(clause.column_type.as_deref(), Some("double precision"));
    assert_eq!(clause.nullable, Some(true));

    let clause = only_clause("ALTER TABLE t CHANGE COLUMN a b INT(11) NOT NULL DEFAULT 0");
    assert_eq!(clause.operation, Operation::RenameColumn);
    assert_eq!(clause.column.as_deref(), Some("a"));
    assert_eq!(clause.new_name.as_deref(), Some("b"));
    assert_eq!(clause.column_type.as_deref(), Some("int(11)"));
    assert_eq!(clause.nullable, Some(false));
    assert!(clause.has_default);

    let clause = only_clause("ALTER TABLE t CHANGE `a` `a` varchar(100)");
    assert_eq!(clause.operation, Operation::ModifyColumn);
    assert_eq!(clause.new_name, None);
    assert_eq!(clause.column_type.as_deref(), Some("varchar(100)"));
}

#[test]
fn executable_comments_end_the_type() {
    let clause = only_clause("ALTER TABLE t ADD x int /*!80023 INVISIBLE */");
    assert_eq!(clause.column_type.as_deref(), Some("int"));
}

#[test]
fn character_varying_is_part_of_the_type() {
    let clause = only_clause("ALTER TABLE t MODIFY c character varying(10) character set latin1");
    assert_eq!(clause.column_type.as_deref(), Some("character varying(10)"));
    assert_eq!(clause.charset.as_deref(), Some("latin1"));
}

#[test]
fn alter_column_and_index() {
    let clause = only_clause("ALTER TABLE t ALTER COLUMN `x` SET DEFAULT 5");
    assert_eq!(clause.operation, Operation::ChangeDefault);
    assert_eq!(clause.column.as_deref(), Some("x"));
    assert!(clause.has_default);
    let clause = only_clause("ALTER TABLE t ALTER x DROP DEFAULT");
    assert_eq!(clause.operation, Operation::ChangeDefault);
    assert!(!clause.has_default);
    let clause = only_clause("ALTER TABLE t ALTER INDEX idx INVISIBLE");
    assert_eq!(clause.operation, Operation::TableOptions);
    assert_eq!(clause.index_name.as_deref(), Some("idx"));
}

#[test]
fn renames() {
    let clause = only_clause("ALTER TABLE t RENAME COLUMN a TO b");
    assert_eq!(clause.operation, Operation::RenameColumn);
    assert_eq!(clause.column.as_deref(), Some("a"));
    assert_eq!(clause.new_name.as_deref(), Some("b"));

    let clause = only_clause("ALTER TABLE t RENAME KEY i1 TO i2");
    assert_eq!(clause.operation, Operation::RenameIndex);
    assert_eq!(clause.index_name.as_deref(), Some("i1"));
    assert_eq!(clause.new_name.as_deref(), Some("i2"));

    for sql in [
        "ALTER TABLE t RENAME TO db.u",
        "ALTER TABLE t RENAME AS u",
        "ALTER TABLE t RENAME u",
    ] {
        let clause = only_clause(sql);
        assert_eq!(clause.operation, Operation::RenameTable, "{sql}");
        assert_eq!(clause.new_name.as_deref(), Some("u"), "{sql}");
    }
}

#[test]
fn charset_and_table_options() {
    let clause =
        only_clause("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
    assert_eq!(clause.operation, Operation::ConvertCharset);
    assert_eq!(clause.charset.as_deref(), Some("utf8mb4"));
    assert_eq!(
        operation_of("ALTER TABLE t CONVERT TO CHARSET latin1"),
        Operation::ConvertCharset
    );

    let clause = only_clause("ALTER TABLE t DEFAULT CHARACTER SET = utf8mb4");
    assert_eq!(clause.operation, Operation::TableOptions);
    assert_eq!(clause.charset.as_deref(), Some("utf8mb4"));
    for sql in [
        "ALTER TABLE t COLLATE utf8mb4_bin",
        "ALTER TABLE t ENGINE=InnoDB",
        "ALTER TABLE t ROW_FORMAT=DYNAMIC",
        "ALTER TABLE t COMMENT='hello'",
        "ALTER TABLE t AUTO_INCREMENT = 1000",
        "ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=COMPRESSED",
    ] {
        assert_eq!(operation_of(sql), Operation::TableOptions, "{sql}");
    }
    assert_eq!(operation_of("ALTER TABLE t FORCE"), Operation::Rebuild);
}

#[test]
fn options_are_not_clauses() {
    let parsed = alter("ALTER TABLE t ADD x int, ALGORITHM=INPLACE, LOCK = none");
    assert_eq!(parsed.commands.len(), 1);
    assert_eq!(parsed.options.len(), 2);
    let parsed = alter("ALTER TABLE t ENGINE=InnoDB ALGORITHM=COPY ROW_FORMAT=DYNAMIC");
    assert_eq!(parsed.commands[0].text, "ENGINE=InnoDB ROW_FORMAT=DYNAMIC");
    assert_eq!(parsed.options[0].value, "COPY");
    let parsed = alter("ALTER TABLE t LOCK=SHARED");
    assert!(parsed.commands.is_empty());
}

#[test]
fn unsupported_commands_are_unknown() {
    for sql in [
        "ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (2000))",
        "ALTER TABLE t DROP PARTITION p1",
        "ALTER TABLE t REMOVE PARTITIONING",
        "ALTER TABLE t DISCARD TABLESPACE",
        "ALTER TABLE t ORDER BY a",
        "ALTER TABLE t ENGINE=InnoDB PARTITION BY HASH(id) PARTITIONS 4",
        "ALTER TABLE t ADD SYSTEM VERSIONING",
    ] {
        assert_eq!(operation_of(sql), Operation::Unknown, "{sql}");
    }
}

#[test]
fn not_an_alter_table() {
    let toks = tokenize("ALTER DATABASE d CHARACTER SET utf8").expect("lexes");
    assert!(parse_alter_table("ALTER DATABASE d CHARACTER SET utf8", &toks).is_none());
}
