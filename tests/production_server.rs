//! Production's server reaches the estimate: a saved profile's flavor and version decide
//! what production does where its rules differ from the MariaDB sandbox's (`ADD COLUMN ...
//! AFTER` is INSTANT on MariaDB, a table rebuild on MySQL 8.0.28 and Aurora MySQL 3.04);
//! an explicit `--target-server` wins and the report says which; a version without patch
//! level is the newest of its series in `estimate` as in `lint`, and the report names the
//! rules that change within the series.

mod common;
use common::*;
use ddl_eta::server::{Flavor, ServerInfo};
use serde_json::Value;
use std::path::PathBuf;

const SCHEMA: &str = "CREATE TABLE `t` (`id` int NOT NULL PRIMARY KEY, `name` varchar(40) NULL, `note` varchar(40) NULL);\n";
const MIDDLE: &str = "ALTER TABLE `t` ADD COLUMN `extra` int NULL AFTER `id`;\n";

/// A saved profile of one table whose server claims to be `flavor` `version`.
fn profile(scratch: &Scratch, flavor: Flavor, version: &str) -> PathBuf {
    let schema = scratch.file("schema.sql", SCHEMA);
    let rows = [ddl_eta::profile::RowsArg {
        table: None,
        rows: 1_000_000,
    }];
    let mut profile = ddl_eta::profile::from_schema_file(&schema, &rows).expect("profile");
    profile.server = Some(ServerInfo {
        flavor,
        version: version.to_string(),
    });
    let name = format!("{}-{version}.json", flavor.as_str());
    scratch.file(&name, &serde_json::to_string(&profile).expect("json"))
}

fn estimate(scratch: &Scratch, args: &[&str]) -> Value {
    let migration = scratch.file("m.sql", MIDDLE);
    let output = scratch
        .command()
        .arg("estimate")
        .args(args)
        .arg(&migration)
        .args(QUICK)
        .output()
        .expect("run estimate");
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("json report")
}

/// The report's `production_server` assumption.
fn production_server(report: &Value) -> &Value {
    report["assumption_codes"]
        .as_array()
        .and_then(|codes| codes.iter().find(|a| a["code"] == "production_server"))
        .unwrap_or_else(|| panic!("no production_server in {}", report["assumption_codes"]))
}

fn assert_rebuild_in_production(report: &Value, server: &str) {
    let statement = &report["statements"][0];
    // The MariaDB sandbox adds the column instantly ...
    assert_eq!(statement["algorithm"], "instant", "{statement}");
    // ... production's 8.0.28 rules rebuild the table.
    let production = &statement["production"];
    assert_eq!(production["server"], server, "{production}");
    assert_eq!(production["algorithm"], "inplace", "{production}");
    assert_eq!(production["rebuilds_table"], true, "{production}");
    assert_eq!(production["rule"], "mysql-add-column-middle-inplace");
    assert_eq!(production["source"], "rule");
}

#[test]
fn a_profiles_server_decides_production_without_target_server() {
    require_server_binary();
    let scratch = Scratch::new("profile_server");
    let mysql = profile(&scratch, Flavor::Mysql, "8.0.28");
    let report = estimate(&scratch, &["--profile", mysql.to_str().expect("path")]);
    assert_rebuild_in_production(&report, "mysql:8.0.28");
    let said = production_server(&report);
    assert_eq!(said["origin"], "profile", "{said}");
    assert!(
        report["assumptions"]
            .as_array()
            .expect("assumptions")
            .iter()
            .any(|a| a.as_str().is_some_and(
                |a| a.starts_with("Production runs mysql:8.0.28 (recorded in the --profile)")
            )),
        "{}",
        report["assumptions"]
    );

    // Aurora MySQL 3.04 behaves as MySQL 8.0.28 (src/online_ddl/targets.txt).
    let aurora = profile(&scratch, Flavor::AuroraMysql, "3.04.0");
    let report = estimate(&scratch, &["--profile", aurora.to_str().expect("path")]);
    assert_rebuild_in_production(&report, "aurora-mysql:3.04.0");

    // --target-server wins, and the report says it overrode the profile's server.
    let report = estimate(
        &scratch,
        &[
            "--profile",
            mysql.to_str().expect("path"),
            "--target-server",
            "mysql:8.0.36",
        ],
    );
    let production = &report["statements"][0]["production"];
    assert_eq!(production["algorithm"], "instant", "{production}");
    assert_eq!(production["rebuilds_table"], false, "{production}");
    let said = production_server(&report);
    assert_eq!(said["origin"], "target_server", "{said}");
    assert_eq!(said["overrides"], "mysql:8.0.28", "{said}");
    scratch.assert_nothing_left();
}

#[test]
fn a_version_without_patch_is_the_newest_of_its_series_in_estimate() {
    require_server_binary();
    let scratch = Scratch::new("series");
    let schema = scratch.file("schema.sql", SCHEMA);
    let report = estimate(
        &scratch,
        &[
            "--schema",
            schema.to_str().expect("path"),
            "--rows",
            "1M",
            "--target-server",
            "mysql:8.0",
        ],
    );
    // The newest 8.0 adds a column anywhere INSTANTly (8.0.29+), as lint says too.
    let production = &report["statements"][0]["production"];
    assert_eq!(production["algorithm"], "instant", "{production}");
    assert_eq!(production["rule"], "mysql-add-column-middle-instant");
    let said = production_server(&report);
    assert_eq!(said["origin"], "target_server", "{said}");
    let change = &said["series_changes"][0];
    assert_eq!(change["statement"], 0, "{said}");
    assert_eq!(change["from"], "8.0.29", "{said}");
    assert_eq!(change["rule"], "mysql-add-column-middle-instant");
    assert_eq!(change["before"], "mysql-add-column-middle-inplace");
    let words = report["assumptions"].to_string();
    assert!(
        words.contains("mysql-add-column-middle-instant from 8.0.29")
            && words.contains("--target-server mysql:8.0.28"),
        "{words}"
    );
    scratch.assert_nothing_left();
}

#[test]
fn a_version_without_patch_is_the_newest_of_its_series_in_lint() {
    let scratch = Scratch::new("series_lint");
    let migration = scratch.file("m.sql", "ALTER TABLE `t` DROP COLUMN `note`;\n");
    let migration = migration.to_str().expect("path");
    let run = |target: &str| {
        let output = scratch.run(&["lint", "--target-server", target, migration]);
        (stdout(&output), output.status.code())
    };
    let (series, _) = run("mysql:8.0");
    let (exact_new, _) = run("mysql:8.0.36");
    let (exact_old, _) = run("mysql:8.0.28");
    // The newest 8.0 drops a column INSTANTly, as 8.0.36 does and 8.0.28 does not.
    let findings = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.contains(": error ") || l.contains(": warning "))
            .map(|l| l.split_once(": ").map_or(l, |(_, rest)| rest).to_string())
            .collect()
    };
    assert_eq!(findings(&series), findings(&exact_new), "{series}");
    assert_ne!(findings(&series), findings(&exact_old), "{exact_old}");
    assert!(
        series.contains("note: mysql:8.0 is the newest release of its series")
            && series.contains("from 8.0.29: mysql-drop-column-instant"),
        "{series}"
    );
    assert!(!exact_new.contains("note:"), "{exact_new}");

    let json = scratch.run(&["lint", "--format", "json", migration]);
    let report: Value = serde_json::from_str(&stdout(&json)).expect("json");
    let change = &report["series_changes"][0];
    assert_eq!(change["from"], "8.0.29", "{report}");
    assert_eq!(change["rule"], "mysql-drop-column-instant");
    assert_eq!(change["before"], "mysql-drop-column-inplace");
}
