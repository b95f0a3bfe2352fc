//! Production's server vs the sandbox's: `--target-server` through the real binary and a
//! real MariaDB sandbox. The battery keeps the rules table honest: on the sandbox's own
//! version, every MariaDB row must agree with what the server really does.

mod common;
use common::*;
use serde_json::Value;

const TABLE: &str = "courseware_studentmodule";

fn estimate(scratch: &Scratch, migration: &str, extra: &[&str]) -> std::process::Output {
    require_server_binary();
    let schema = example("courseware_studentmodule.sql");
    let path = scratch.file("m.sql", migration);
    let path = path.to_string_lossy().to_string();
    let mut args = vec![
        "estimate",
        "--schema",
        &schema,
        "--rows",
        "5M",
        "--max-rows",
        "2000",
        "--budget",
        "60s",
        "--quiet",
    ];
    args.extend(extra);
    args.push(&path);
    scratch.run(&args)
}

fn estimate_json(scratch: &Scratch, migration: &str, target: &str) -> Value {
    let output = estimate(
        scratch,
        migration,
        &["--format=json", "--target-server", target],
    );
    assert!(
        output.status.success(),
        "estimate failed: {}",
        stderr(&output)
    );
    serde_json::from_str(&stdout(&output)).expect("stdout is JSON")
}

fn seconds(measurements: &Value) -> Vec<f64> {
    measurements
        .as_array()
        .expect("measurements")
        .iter()
        .map(|m| m["seconds"].as_f64().expect("seconds"))
        .collect()
}

#[test]
fn drop_column_rebuilds_on_aurora_304_and_is_instant_on_mariadb_1011() {
    let scratch = Scratch::new("rules_drop");
    let migration = format!("ALTER TABLE `{TABLE}` DROP COLUMN `state`;\n");

    let report = estimate_json(&scratch, &migration, "aurora-mysql:3.04");
    let statement = &report["statements"][0];
    // The sandbox (MariaDB 10.11) drops the column instantly ...
    assert_eq!(statement["algorithm"], "instant");
    // ... Aurora 3.04 (MySQL 8.0.28) rebuilds the table.
    let production = &statement["production"];
    assert_eq!(production["server"], "aurora-mysql:3.04");
    assert_eq!(production["source"], "rule");
    assert_eq!(production["rule"], "mysql-drop-column-inplace");
    assert_eq!(production["algorithm"], "inplace");
    assert_eq!(production["lock"], "none");
    assert_eq!(production["rebuilds_table"], true);
    assert_eq!(production["differs"], true);
    // The time comes from a rebuild measured at each scale, not from the instant drop.
    let rebuilt = seconds(&production["rebuild_measurements"]);
    let dropped = seconds(&statement["measurements"]);
    assert_eq!(rebuilt.len(), dropped.len());
    assert!(rebuilt.iter().zip(&dropped).all(|(r, d)| r > d));
    // Fitted to the rebuilds: above what the instant drop itself takes.
    let p50 = statement["estimate"]["seconds_p50"].as_f64().expect("p50");
    let mut sorted = dropped.clone();
    sorted.sort_by(f64::total_cmp);
    let median_drop = sorted[sorted.len() / 2];
    assert!(
        p50 > median_drop,
        "{p50} vs the instant drop's {median_drop}"
    );

    let report = estimate_json(&scratch, &migration, "mariadb:10.11");
    let statement = &report["statements"][0];
    let production = &statement["production"];
    assert_eq!(production["server"], "mariadb:10.11");
    assert_eq!(production["source"], "measured");
    assert_eq!(production["algorithm"], "instant");
    assert_eq!(production["rebuilds_table"], false);
    assert_eq!(production["differs"], false);
    assert_eq!(production["rule"], "mariadb-drop-column-instant");
    assert!(production.get("rebuild_measurements").is_none());
    assert_eq!(statement["model"]["kind"], "constant");
    scratch.assert_nothing_left();
}

/// A child table whose foreign key cascades: MySQL refuses LOCK=NONE on it.
const CASCADING: &str = "CREATE TABLE parent (id int NOT NULL PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE child (id int NOT NULL PRIMARY KEY, parent_id int NOT NULL,
  name varchar(50) NOT NULL,
  CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE
) ENGINE=InnoDB;
";

#[test]
fn an_index_build_on_a_table_whose_foreign_key_cascades_blocks_writes_on_mysql_only() {
    require_server_binary();
    let scratch = Scratch::new("rules_cascade");
    let schema = scratch.file("s.sql", CASCADING);
    let migration = scratch.file("m.sql", "CREATE INDEX child_name ON child (name);\n");
    let json = |target: &str| -> Value {
        let output = scratch.run(&[
            "estimate",
            "--schema",
            &schema.to_string_lossy(),
            "--rows",
            "1M",
            "--max-rows",
            "2000",
            "--budget",
            "60s",
            "--quiet",
            "--format=json",
            "--target-server",
            target,
            &migration.to_string_lossy(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_str(&stdout(&output)).expect("stdout is JSON")
    };
    // The sandbox, MariaDB 10.11, takes LOCK=NONE there (the MySQL manual's limitation is
    // not MariaDB's), and the rules agree.
    let report = json("mariadb:10.11");
    let statement = &report["statements"][0];
    assert_eq!(statement["lock"], "none", "{statement}");
    let production = &statement["production"];
    assert_eq!(production["source"], "measured");
    assert_eq!(production["rule"], "mariadb-add-index");
    // MySQL 8.0 from the rules.
    let report = json("mysql:8.0");
    let production = &report["statements"][0]["production"];
    assert_eq!(production["rule"], "mysql-add-index");
    assert_eq!(production["lock"], "shared");
    scratch.assert_nothing_left();
}

#[test]
fn a_column_added_next_to_an_index_build_rebuilds_in_place_on_mariadb() {
    let scratch = Scratch::new("rules_combined");
    let migration =
        format!("ALTER TABLE `{TABLE}` ADD COLUMN combo int NULL, ADD INDEX csm_combo (combo);\n");
    let report = estimate_json(&scratch, &migration, "mariadb:10.11");
    let statement = &report["statements"][0];
    // Each clause alone is INSTANT or NOCOPY; together the server rebuilds in place.
    assert_eq!(statement["algorithm"], "inplace", "{statement}");
    let production = &statement["production"];
    assert_eq!(production["rule"], "mariadb-add-index");
    assert_eq!(production["algorithm"], "inplace");
    assert_eq!(production["rebuilds_table"], true);
    scratch.assert_nothing_left();
}

#[test]
fn the_terminal_says_where_the_answer_comes_from() {
    let scratch = Scratch::new("rules_text");
    let migration = format!(
        "ALTER TABLE `{TABLE}` DROP COLUMN `state`;\nCREATE INDEX i_done ON `{TABLE}` (`done`);\n"
    );
    let output = estimate(&scratch, &migration, &["--target-server", "mysql:8.0.28"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("production mysql:8.0.28: algorithm inplace, lock none, rebuilds the table  [rule mysql-drop-column-inplace for production's version]"),
        "{text}"
    );
    assert!(
        text.contains(
            "differs from the sandbox: the time comes from a table rebuild measured in the sandbox"
        ),
        "{text}"
    );
    assert!(text.contains("measured rebuild: "), "{text}");
    // The index build is in place on both: the rules answer, nothing differs.
    assert!(
        text.contains("production mysql:8.0.28: algorithm inplace, lock none  [rule mysql-add-index for production's version]"),
        "{text}"
    );
    assert_eq!(
        text.matches("differs from the sandbox").count(),
        1,
        "{text}"
    );
    scratch.assert_nothing_left();
}

#[test]
fn a_bad_target_server_is_a_usage_error() {
    let scratch = Scratch::new("rules_bad");
    for (value, expected) in [
        ("oracle:19", "'oracle' is not a server flavor"),
        ("mysql:5.6", "no rules for mysql 5.6"),
        ("aurora-mysql", "is not FLAVOR:VERSION"),
    ] {
        let output = scratch.run(&[
            "estimate",
            "--schema",
            "s.sql",
            "--target-server",
            value,
            "m.sql",
        ]);
        assert_eq!(output.status.code(), Some(2), "{value}");
        let err = stderr(&output);
        assert!(err.contains("--target-server"), "{err}");
        assert!(err.contains(expected), "{value}: {err}");
    }
}

/// One statement per MariaDB rule of 10.11, in an order where each one can run after the
/// ones before it, with the rules row it must agree with; `{t}` is the example table.
const BATTERY: &[(&str, Option<&str>)] = &[
    (
        "ALTER TABLE {t} ADD COLUMN extra int NULL",
        Some("mariadb-add-column-last"),
    ),
    (
        "ALTER TABLE {t} ADD COLUMN extra2 int NULL AFTER id",
        Some("mariadb-add-column-middle-instant"),
    ),
    (
        "ALTER TABLE {t} DROP COLUMN extra2",
        Some("mariadb-drop-column-instant"),
    ),
    (
        "ALTER TABLE {t} RENAME COLUMN extra TO extra_renamed",
        Some("mariadb-rename-column"),
    ),
    (
        "ALTER TABLE {t} ALTER COLUMN done SET DEFAULT 'no'",
        Some("mariadb-change-default"),
    ),
    (
        "ALTER TABLE {t} MODIFY done varchar(16) NOT NULL",
        Some("mariadb-widen-varchar"),
    ),
    (
        "ALTER TABLE {t} MODIFY module_type varchar(100) NOT NULL",
        Some("mariadb-widen-varchar-across-255"),
    ),
    (
        "ALTER TABLE {t} ADD COLUMN nn int NOT NULL DEFAULT 0",
        Some("mariadb-add-column-last"),
    ),
    (
        "ALTER TABLE {t} MODIFY nn int NULL",
        Some("mariadb-make-nullable"),
    ),
    (
        "ALTER TABLE {t} MODIFY nn int NOT NULL",
        Some("mariadb-make-not-null"),
    ),
    (
        "ALTER TABLE {t} ADD COLUMN phase enum('new','done') NULL",
        Some("mariadb-add-column-last"),
    ),
    (
        "ALTER TABLE {t} MODIFY phase enum('new','done','archived') NULL",
        Some("mariadb-extend-enum"),
    ),
    (
        "ALTER TABLE {t} MODIFY phase enum('new','done','archived') NULL AFTER id",
        Some("mariadb-reorder-column-instant"),
    ),
    (
        "ALTER TABLE {t} MODIFY grade float NULL",
        Some("mariadb-change-type"),
    ),
    (
        "CREATE INDEX csm_extra ON {t} (extra_renamed)",
        Some("mariadb-add-index"),
    ),
    (
        "ALTER TABLE {t} RENAME INDEX csm_extra TO csm_extra2",
        Some("mariadb-rename-index"),
    ),
    (
        "ALTER TABLE {t} DROP INDEX csm_extra2",
        Some("mariadb-drop-index"),
    ),
    (
        "ALTER TABLE {t} ADD COLUMN parent_id bigint NULL",
        Some("mariadb-add-column-last"),
    ),
    (
        "ALTER TABLE {t} ADD CONSTRAINT csm_parent_fk FOREIGN KEY (parent_id) REFERENCES {t} (id)",
        Some("mariadb-add-foreign-key"),
    ),
    (
        "ALTER TABLE {t} DROP FOREIGN KEY csm_parent_fk",
        Some("mariadb-drop-foreign-key"),
    ),
    (
        "ALTER TABLE {t} ADD COLUMN legacy varchar(40) CHARACTER SET utf8mb3 NULL",
        Some("mariadb-add-column-last"),
    ),
    (
        "ALTER TABLE {t} MODIFY legacy varchar(40) CHARACTER SET utf8mb4 NULL",
        Some("mariadb-widen-utf8"),
    ),
    ("CREATE TABLE side (a int NOT NULL, b int)", None),
    (
        "ALTER TABLE side ADD PRIMARY KEY (a)",
        Some("mariadb-add-primary-key"),
    ),
    (
        "ALTER TABLE side DROP PRIMARY KEY, ADD PRIMARY KEY (a, b)",
        Some("mariadb-replace-primary-key"),
    ),
    (
        "ALTER TABLE side DROP PRIMARY KEY",
        Some("mariadb-drop-primary-key"),
    ),
    (
        "ALTER TABLE side ROW_FORMAT=COMPACT",
        Some("mariadb-change-row-format"),
    ),
    ("ALTER TABLE {t} FORCE", Some("mariadb-rebuild")),
    (
        "ALTER TABLE {t} CONVERT TO CHARACTER SET latin1",
        Some("mariadb-convert-charset"),
    ),
    // The probe never rewrites RENAME TO (migration::rewrite), so the sandbox measures
    // no level for it: mariadb-rename-table was tried by hand (see its source column).
    ("ALTER TABLE {t} RENAME TO csm_renamed", None),
];

/// Rows the battery cannot check against the sandbox, and why (see BATTERY); the
/// unchecked foreign key needs `SET foreign_key_checks=0`, which the sandbox's probe
/// session does not run.
const NOT_PROBED: &[&str] = &["mariadb-rename-table", "mariadb-add-foreign-key-unchecked"];

#[test]
fn the_sandbox_agrees_with_every_mariadb_rule_of_its_version() {
    let scratch = Scratch::new("rules_battery");
    let migration: String = BATTERY
        .iter()
        .map(|(sql, _)| format!("{};\n", sql.replace("{t}", TABLE)))
        .collect();
    let report = estimate_json(&scratch, &migration, "mariadb:10.11");
    let version = report["sandbox"]["version"].as_str().expect("version");
    assert!(
        version.starts_with("10.11."),
        "this battery is written for the MariaDB 10.11 installed here, not {version}"
    );
    let statements = report["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), BATTERY.len());
    for (statement, (sql, expected)) in statements.iter().zip(BATTERY) {
        let production = &statement["production"];
        assert_eq!(production["source"], "measured", "{sql}");
        // `rule` is set only when the row agrees with the measured algorithm and lock.
        assert_eq!(
            production["rule"].as_str(),
            *expected,
            "{sql}: measured {} / lock {}, warnings {}",
            statement["algorithm"],
            statement["lock"],
            statement["warnings"]
        );
        let Some(id) = expected else { continue };
        let rule = ddl_eta::online_ddl::rule(id).expect("row exists");
        let measured_rebuild = matches!(statement["algorithm"].as_str(), Some("inplace" | "copy"));
        assert_eq!(rule.rebuilds_table, measured_rebuild, "{sql}");
        assert_eq!(production["rebuilds_table"], measured_rebuild, "{sql}");
    }
    // The battery reaches every MariaDB row that covers the sandbox's version.
    let sandbox =
        ddl_eta::online_ddl::Target::parse(&format!("mariadb:{version}")).expect("target");
    for kind in ddl_eta::ddl::ALL_CHANGE_KINDS {
        let row = ddl_eta::online_ddl::lookup_kind(&sandbox, kind).expect("a row for every kind");
        assert!(
            BATTERY.iter().any(|(_, id)| *id == Some(row.id.as_str()))
                || NOT_PROBED.contains(&row.id.as_str()),
            "no battery statement for {}",
            row.id
        );
    }
    scratch.assert_nothing_left();
}
