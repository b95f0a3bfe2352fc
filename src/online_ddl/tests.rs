//! Every row of targets.txt is reached through the classification path (SQL text →
//! clause → kind → row), and the version ranges leave no gap and no overlap.

use super::*;
use crate::ddl::ALL_CHANGE_KINDS;
use crate::migration::parse_sql;
use crate::table::test_column;

fn statement(sql: &str) -> Statement {
    parse_sql("t.sql", sql, 0).expect("parses").remove(0)
}

fn target(text: &str) -> Target {
    Target::parse(text).expect("target parses")
}

/// The table the example statements work on: id, done varchar(8) NOT NULL, name
/// varchar(50) NULL (utf8mb4), state enum('new','done') NULL, legacy varchar(40) NULL
/// (utf8mb3), grade double NULL.
pub(super) fn columns() -> TableInfo {
    let mut legacy = test_column("legacy", "varchar(40)", Some(40), true);
    legacy.charset = Some("utf8mb3".into());
    legacy.octet_length = Some(120);
    TableInfo::of_columns(
        "t",
        vec![
            test_column("id", "bigint(20)", None, false),
            test_column("done", "varchar(8)", Some(8), false),
            test_column("name", "varchar(50)", Some(50), true),
            test_column("state", "enum('new','done')", None, true),
            legacy,
            test_column("grade", "double", None, true),
        ],
    )
}

/// One statement per kind, as a migration would write it.
fn example(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::AddColumnLast => "ALTER TABLE t ADD COLUMN extra int NULL",
        ChangeKind::AddColumnMiddle => "ALTER TABLE t ADD COLUMN extra int NULL AFTER id",
        ChangeKind::DropColumn => "ALTER TABLE t DROP COLUMN grade",
        ChangeKind::RenameColumn => "ALTER TABLE t CHANGE grade score double NULL",
        ChangeKind::ChangeDefault => "ALTER TABLE t ALTER COLUMN done SET DEFAULT 'no'",
        ChangeKind::WidenVarchar => "ALTER TABLE t MODIFY name varchar(60) NULL",
        ChangeKind::WidenVarcharAcross255 => "ALTER TABLE t MODIFY name varchar(100) NULL",
        ChangeKind::MakeNullable => "ALTER TABLE t MODIFY done varchar(8) NULL",
        ChangeKind::MakeNotNull => "ALTER TABLE t MODIFY grade double precision NOT NULL",
        ChangeKind::ChangeType => "ALTER TABLE t MODIFY grade float NULL",
        ChangeKind::AddIndex => "CREATE INDEX t_name ON t (name)",
        ChangeKind::DropIndex => "DROP INDEX t_name ON t",
        ChangeKind::RenameIndex => "ALTER TABLE t RENAME INDEX t_name TO t_name2",
        ChangeKind::AddForeignKey => {
            "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES p (id)"
        }
        ChangeKind::DropForeignKey => "ALTER TABLE t DROP FOREIGN KEY t_fk",
        ChangeKind::AddPrimaryKey => "ALTER TABLE t ADD PRIMARY KEY (id)",
        ChangeKind::DropPrimaryKey => "ALTER TABLE t DROP PRIMARY KEY",
        ChangeKind::ConvertCharset => "ALTER TABLE t CONVERT TO CHARACTER SET utf8mb4",
        ChangeKind::Rebuild => "ALTER TABLE t FORCE",
        ChangeKind::RenameTable => "ALTER TABLE t RENAME TO t2",
        ChangeKind::AddForeignKeyUnchecked => {
            "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES p (id)"
        }
        ChangeKind::ReplacePrimaryKey => {
            "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, done)"
        }
        ChangeKind::ChangeRowFormat => "ALTER TABLE t ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8",
        ChangeKind::ExtendEnum => "ALTER TABLE t MODIFY state enum('new','done','archived') NULL",
        ChangeKind::ReorderColumn => "ALTER TABLE t MODIFY grade double NULL AFTER id",
        ChangeKind::WidenUtf8 => {
            "ALTER TABLE t MODIFY legacy varchar(40) CHARACTER SET utf8mb4 NULL"
        }
    }
}

/// A version inside the rule's range, written as a user would for its flavor.
fn target_inside(rule: &Rule) -> Target {
    let version = rule.from.clone().unwrap_or_else(|| Version(vec![5, 7]));
    Target {
        flavor: rule.flavor,
        label: format!("{}:{version}", rule.flavor.as_str()),
        version,
    }
}

#[test]
fn the_shipped_table_parses() {
    let parsed = parse_table(TARGETS).expect("targets.txt parses");
    assert!(parsed.rules.len() >= 40, "{}", parsed.rules.len());
    assert!(!parsed.aurora.is_empty());
    assert_eq!(table().rules.len(), parsed.rules.len());
    assert!(parsed.rules.iter().all(|r| !r.source.is_empty()));
}

#[test]
fn every_rule_row_is_reached_from_sql() {
    let columns = columns();
    for rule in &table().rules {
        let sql = example(rule.kind);
        let target = target_inside(rule);
        // The unchecked foreign key is the same SQL after SET foreign_key_checks=0.
        let session = Session {
            foreign_key_checks: rule.kind != ChangeKind::AddForeignKeyUnchecked,
        };
        let found = lookup_in_session(&target, &statement(sql), Some(&columns), session);
        let Lookup::Found(verdict) = found else {
            panic!("{}: {sql} on {target}: {found:?}", rule.id);
        };
        assert_eq!(verdict.rule_id, rule.id, "{sql} on {target}");
        assert_eq!(verdict.algorithm, rule.algorithm, "{}", rule.id);
        assert_eq!(verdict.lock, rule.lock, "{}", rule.id);
        assert_eq!(verdict.rebuilds_table, rule.rebuilds_table, "{}", rule.id);
    }
}

#[test]
fn every_version_has_exactly_one_row_per_kind() {
    let versions = [
        "mysql:5.7.44",
        "mysql:8.0.0",
        "mysql:8.0.11",
        "mysql:8.0.12",
        "mysql:8.0.27",
        "mysql:8.0.28",
        "mysql:8.0.29",
        "mysql:8.4.3",
        "mysql:9.1.0",
        "mariadb:10.3.39",
        "mariadb:10.4.1",
        "mariadb:10.5.2",
        "mariadb:10.6",
        "mariadb:10.11",
        "mariadb:11.1",
        "mariadb:11.2",
        "mariadb:11.4",
        "mariadb:11.8",
    ];
    for text in versions {
        let target = target(text);
        for kind in ALL_CHANGE_KINDS {
            let matching: Vec<&str> = table()
                .rules
                .iter()
                .filter(|r| {
                    r.flavor == target.flavor && r.kind == kind && r.covers(&target.version)
                })
                .map(|r| r.id.as_str())
                .collect();
            // RENAME INDEX does not exist before MariaDB 10.5.2.
            let expected = if kind == ChangeKind::RenameIndex && text.starts_with("mariadb:10.") {
                usize::from(target.version >= Version(vec![10, 5]))
            } else {
                1
            };
            assert_eq!(
                matching.len(),
                expected,
                "{text} {}: {matching:?}",
                kind.as_str()
            );
        }
    }
    for aurora in [
        "2.07", "2.11.2", "2.12", "3.01", "3.04", "3.05.2", "3.08", "3.10", "3.11",
    ] {
        let target = target(&format!("aurora-mysql:{aurora}"));
        assert!(
            table().aurora_mysql_version(&target.version).is_some(),
            "{aurora}"
        );
        for kind in ALL_CHANGE_KINDS {
            assert!(
                table().rule_for(&target, kind).is_some(),
                "{aurora} {}",
                kind.as_str()
            );
        }
    }
}

fn verdict(target_text: &str, sql: &str) -> Verdict {
    match lookup(&target(target_text), &statement(sql), Some(&columns())) {
        Lookup::Found(v) => v,
        other => panic!("{target_text} {sql}: {other:?}"),
    }
}

#[test]
fn the_issue_cases() {
    let drop = "ALTER TABLE t DROP COLUMN grade";
    let aurora_304 = verdict("aurora-mysql:3.04", drop);
    assert_eq!(aurora_304.algorithm, Algorithm::Inplace);
    assert!(aurora_304.rebuilds_table);
    assert_eq!(aurora_304.rule_id, "mysql-drop-column-inplace");
    let aurora_305 = verdict("aurora-mysql:3.05", drop);
    assert_eq!(aurora_305.algorithm, Algorithm::Instant);
    assert!(!aurora_305.rebuilds_table);
    assert!(verdict("mysql:8.0.28", drop).rebuilds_table);
    assert!(!verdict("mysql:8.0.29", drop).rebuilds_table);
    assert_eq!(verdict("mariadb:10.11", drop).algorithm, Algorithm::Instant);
    assert!(verdict("mariadb:10.3", drop).rebuilds_table);

    let middle = "ALTER TABLE t ADD COLUMN c int NULL AFTER id";
    assert!(verdict("mysql:8.0.28", middle).rebuilds_table);
    assert!(!verdict("mysql:8.0.29", middle).rebuilds_table);
    assert!(!verdict("mariadb:10.4", middle).rebuilds_table);

    // Aurora 2: fast DDL is lab mode only; by default the column add rebuilds.
    let last = "ALTER TABLE t ADD COLUMN c int NULL";
    assert_eq!(
        verdict("aurora-mysql:2.11", last).rule_id,
        "aurora2-add-column-last"
    );
    assert_eq!(
        verdict("aurora-mysql:2.11", drop).rule_id,
        "mysql-drop-column-inplace"
    );
    assert_eq!(
        verdict("aurora-mysql:3.01", last).algorithm,
        Algorithm::Instant
    );
}

#[test]
fn a_column_declared_unique_is_priced_with_its_index_build() {
    // Django's AddField(unique=True): the same as ADD COLUMN next to ADD UNIQUE INDEX.
    let v = verdict(
        "mysql:8.0.29",
        "ALTER TABLE t ADD COLUMN slug varchar(50) NOT NULL UNIQUE",
    );
    assert_eq!(v.algorithm, Algorithm::Inplace);
    assert!(v.rebuilds_table);
    assert_eq!(
        v.rule_ids,
        vec!["mysql-add-column-last-instant", "mysql-add-index"]
    );
}

#[test]
fn the_levels_a_statement_writes_are_applied_as_the_server_applies_them() {
    // MySQL runs a written INPLACE as written: the instant column add rebuilds.
    let v = verdict(
        "mysql:8.0.29",
        "ALTER TABLE t ADD COLUMN c int NULL, ALGORITHM=INPLACE, LOCK=NONE",
    );
    assert_eq!(v.algorithm, Algorithm::Inplace);
    assert!(v.rebuilds_table);
    assert_eq!(v.lock, LockLevel::None);
    // MariaDB takes it as the least it accepts: still instant.
    let v = verdict(
        "mariadb:10.11",
        "ALTER TABLE t ADD COLUMN c int NULL, ALGORITHM=INPLACE",
    );
    assert_eq!(v.algorithm, Algorithm::Instant);
    assert!(!v.rebuilds_table);
    // A written COPY, or a stronger lock, is what runs on both.
    for server in ["mysql:8.0.29", "mariadb:10.11"] {
        let v = verdict(server, "CREATE INDEX i ON t (name) ALGORITHM=COPY");
        assert_eq!(
            (v.algorithm, v.lock),
            (Algorithm::Copy, LockLevel::Shared),
            "{server}"
        );
        assert!(v.rebuilds_table, "{server}");
        let v = verdict(server, "ALTER TABLE t ADD INDEX i (name), LOCK=SHARED");
        assert_eq!(v.lock, LockLevel::Shared, "{server}");
    }
}

#[test]
fn several_clauses_take_the_weakest_level() {
    let v = verdict(
        "mysql:8.0.29",
        "ALTER TABLE t ADD COLUMN c int NULL, ADD INDEX i (name)",
    );
    assert_eq!(v.algorithm, Algorithm::Inplace);
    assert_eq!(v.lock, LockLevel::None);
    // The column add is no longer instant next to the index build: it rebuilds.
    assert!(v.rebuilds_table);
    assert_eq!(v.rule_id, "mysql-add-index");
    assert_eq!(
        v.rule_ids,
        vec!["mysql-add-column-last-instant", "mysql-add-index"]
    );

    let v = verdict(
        "mariadb:10.11",
        "ALTER TABLE t ALTER done SET DEFAULT 'x', MODIFY grade float NULL",
    );
    assert_eq!(v.algorithm, Algorithm::Copy);
    assert_eq!(v.lock, LockLevel::Shared);
    assert_eq!(v.rule_id, "mariadb-change-type");

    let v = verdict(
        "mysql:8.0.29",
        "ALTER TABLE t ADD COLUMN c int NULL, ALTER done SET DEFAULT 'x'",
    );
    assert_eq!(v.algorithm, Algorithm::Instant);
    assert!(!v.rebuilds_table);
}

#[test]
fn static_lookup_without_the_table() {
    let mysql = target("mysql:8.0.28");
    let drop = statement("ALTER TABLE t DROP COLUMN c");
    assert!(matches!(lookup(&mysql, &drop, None), Lookup::Found(_)));
    let modify = statement("ALTER TABLE t MODIFY c varchar(20)");
    assert_eq!(lookup(&mysql, &modify, None), Lookup::NeedsTable);
    let options = statement("ALTER TABLE t COMMENT 'x'");
    assert_eq!(lookup(&mysql, &options, None), Lookup::NoRule);
    let mixed = statement("ALTER TABLE t MODIFY c varchar(20), COMMENT 'x'");
    assert_eq!(lookup(&mysql, &mixed, None), Lookup::NoRule);
    assert_eq!(lookup(&mysql, &statement("SELECT 1"), None), Lookup::NoRule);
}

#[test]
fn statements_that_change_a_clause_kind() {
    let replace = verdict(
        "mysql:8.0.28",
        "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id)",
    );
    assert_eq!(replace.rule_id, "mysql-replace-primary-key");
    assert_eq!(replace.algorithm, Algorithm::Inplace);
    assert!(replace.rebuilds_table);
    let fk = statement("ALTER TABLE t ADD FOREIGN KEY (id) REFERENCES p (id)");
    let checked = lookup(&target("mariadb:10.11"), &fk, None).verdict();
    assert_eq!(checked.map(|v| v.algorithm), Some(Algorithm::Copy));
    let unchecked = Session {
        foreign_key_checks: false,
    };
    let found = lookup_in_session(&target("mariadb:10.11"), &fk, None, unchecked).verdict();
    assert_eq!(
        found.map(|v| (v.algorithm, v.rule_id)),
        Some((
            Algorithm::Nocopy,
            "mariadb-add-foreign-key-unchecked".to_string()
        ))
    );
    assert_eq!(
        verdict("mysql:8.0", "ALTER TABLE t ENGINE=InnoDB").rule_id,
        "mysql-rebuild"
    );
    for sql in [
        "ALTER TABLE t ENGINE=MyISAM",
        "ALTER TABLE t COMMENT 'x'",
        "ALTER TABLE t DEFAULT CHARSET=utf8mb4",
        "ALTER TABLE t ROW_FORMAT=DYNAMIC, AUTO_INCREMENT=5",
    ] {
        assert_eq!(
            lookup(&target("mysql:8.0"), &statement(sql), None),
            Lookup::NoRule,
            "{sql}"
        );
    }
}

#[test]
fn malformed_tables_are_refused_with_the_line() {
    let cases = [
        ("[rules]\na | mysql | 5.7.. | drop_column | inplace | none | yes", "8 fields"),
        ("[rules]\na | oracle | 5.7.. | drop_column | inplace | none | yes | s", "unknown flavor"),
        ("[rules]\na | mysql | 5.7 | drop_column | inplace | none | yes | s", "FROM..TO"),
        ("[rules]\na | mysql | 5.7.. | drop_everything | inplace | none | yes | s", "unknown operation"),
        ("[rules]\na | mysql | 5.7.. | drop_column | fast | none | yes | s", "unknown algorithm"),
        ("[rules]\na | mysql | 5.7.. | drop_column | inplace | none | maybe | s", "yes or no"),
        ("[other]\n", "unknown section"),
        ("a | b | c\n", "before any [section]"),
        (
            "[rules]\na | mysql | 5.7.. | drop_column | inplace | none | yes | s\na | mysql | 5.7.. | drop_column | inplace | none | yes | s",
            "already used on line 2",
        ),
    ];
    for (text, expected) in cases {
        let message = format!("{:#}", parse_table(text).unwrap_err());
        assert!(message.contains(expected), "{text}: {message}");
        assert!(message.contains("targets.txt:"), "{message}");
    }
}

#[test]
fn a_series_names_the_rules_that_change_within_it() {
    let middle = statement("ALTER TABLE t ADD COLUMN extra int NULL AFTER id");
    let columns = columns();
    let table = Some(&columns);
    let changes = series_changes(&target("mysql:8.0"), &middle, table);
    assert_eq!(
        changes,
        vec![SeriesChange {
            from: "8.0.29".to_string(),
            rule: "mysql-add-column-middle-instant".to_string(),
            before: "mysql-add-column-middle-inplace".to_string(),
        }]
    );
    let drop = statement("ALTER TABLE t DROP COLUMN grade");
    let changes = series_changes(&target("mysql:8.0"), &drop, None);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].rule, "mysql-drop-column-instant");
    // Adding a last column: INSTANT from 8.0.12.
    let last = statement("ALTER TABLE t ADD COLUMN extra int NULL");
    let changes = series_changes(&target("mysql:8.0"), &last, None);
    assert_eq!(changes[0].from, "8.0.12");
    // An exact version names no series; an index build is the same all through 8.0.
    assert!(series_changes(&target("mysql:8.0.28"), &middle, table).is_empty());
    let index = statement("CREATE INDEX t_name ON t (name)");
    assert!(series_changes(&target("mysql:8.0"), &index, None).is_empty());
    // Aurora 3 follows its MySQL versions: 3.04 (8.0.28) rebuilds, 3.05 (8.0.32) does not.
    let changes = series_changes(&target("aurora-mysql:3"), &middle, table);
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].from, "3.05");
    // The newest of the series is what lookup answers.
    assert_eq!(
        lookup(&target("mysql:8.0"), &middle, table)
            .verdict()
            .map(|v| v.rule_id),
        Some("mysql-add-column-middle-instant".to_string())
    );
}

#[test]
fn a_rename_that_moves_the_column_rebuilds_on_mysql_and_not_on_mariadb_10_4() {
    let moved = "ALTER TABLE t CHANGE name title varchar(50) NULL AFTER id";
    let mysql = verdict("mysql:8.0.40", moved);
    assert_eq!(mysql.algorithm, Algorithm::Inplace);
    assert!(mysql.rebuilds_table);
    assert_eq!(mysql.rule_id, "mysql-reorder-column");
    assert_eq!(
        mysql.rule_ids,
        ["mysql-rename-column-instant", "mysql-reorder-column"]
    );
    let mariadb = verdict("mariadb:10.11", moved);
    assert_eq!(mariadb.algorithm, Algorithm::Instant);
    assert!(!mariadb.rebuilds_table);
    assert!(verdict("mariadb:10.3", moved).rebuilds_table);
    // Appending a member is instant on MySQL 8.0 whatever the move costs elsewhere.
    let append = "ALTER TABLE t MODIFY state enum('new','done','archived') NULL";
    assert_eq!(
        verdict("mysql:8.0.40", append).algorithm,
        Algorithm::Instant
    );
    assert_eq!(verdict("mysql:5.7", append).algorithm, Algorithm::Inplace);
    assert!(!verdict("mysql:5.7", append).rebuilds_table);
}

#[test]
fn rename_column_is_not_priced_where_the_server_cannot_parse_it() {
    let keyword = "ALTER TABLE t RENAME COLUMN grade TO score";
    for old in [
        "mysql:5.7",
        "mysql:8.0.2",
        "aurora-mysql:2.11",
        "mariadb:10.4",
        "mariadb:10.5.1",
    ] {
        assert_eq!(
            lookup(&target(old), &statement(keyword), Some(&columns())),
            Lookup::NoRule,
            "{old}"
        );
    }
    for new in [
        "mysql:8.0.3",
        "aurora-mysql:3.01",
        "mariadb:10.5.2",
        "mariadb:10.11",
    ] {
        assert!(
            verdict(new, keyword).rule_id.contains("rename-column"),
            "{new}"
        );
    }
    let change = "ALTER TABLE t CHANGE grade score double NULL";
    assert_eq!(
        verdict("mysql:5.7", change).rule_id,
        "mysql-rename-column-inplace"
    );
}

#[test]
fn a_table_whose_foreign_keys_cascade_takes_no_lock_none() {
    let mut table = columns();
    table.foreign_keys.push(crate::table::ForeignKey {
        name: "fk".into(),
        column: "id".into(),
        parent_table: "p".into(),
        parent_column: "id".into(),
        parent_here: true,
        cascades: true,
    });
    let on = |target_text: &str, sql: &str| {
        lookup(&target(target_text), &statement(sql), Some(&table))
            .verdict()
            .expect("a verdict")
    };
    let index = "CREATE INDEX t_name ON t (name)";
    assert_eq!(on("mysql:8.0", index).lock, LockLevel::Shared);
    assert_eq!(on("aurora-mysql:3.05", index).lock, LockLevel::Shared);
    // MariaDB 10.11 was measured taking LOCK=NONE there (tests/rules.rs).
    assert_eq!(on("mariadb:10.11", index).lock, LockLevel::None);
    // INSTANT takes no lock to refuse; without the cascade nothing changes.
    assert_eq!(
        on("mysql:8.0", "ALTER TABLE t ADD COLUMN c int NULL").lock,
        LockLevel::None
    );
    assert_eq!(verdict("mysql:8.0", index).lock, LockLevel::None);
}

#[test]
fn a_column_added_next_to_an_index_build_rebuilds_in_place_on_mariadb_too() {
    let both = "ALTER TABLE t ADD COLUMN c int NULL, ADD INDEX i (c)";
    let mariadb = verdict("mariadb:10.11", both);
    assert_eq!(mariadb.algorithm, Algorithm::Inplace);
    assert!(mariadb.rebuilds_table);
    assert_eq!(
        verdict("mariadb:10.11", "CREATE INDEX i ON t (name)").algorithm,
        Algorithm::Nocopy
    );
    // MySQL has no NOCOPY: in place, and the added column rebuilds the table before 8.0.29.
    assert!(verdict("mysql:8.0.28", both).rebuilds_table);
}
