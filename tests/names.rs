//! Names that need quoting: a table and columns whose names hold a backtick, a space and
//! non-ASCII letters go through an estimate end to end: seeding, fresh tables by copy (the
//! server encodes such a name in its file name, so the table cannot be cloned), the probe,
//! the statements, and pt-online-schema-change, which runs on the names it can take and
//! is refused, with the name, on those it cannot. A name with a backslash is read from a
//! source whose sql_mode has NO_BACKSLASH_ESCAPES.

mod common;
use common::production::{exec, Production};
use common::*;
use serde_json::Value;

const SCHEMA: &str = "CREATE TABLE `odd ``tbl`` ä` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `gr``ade ö` int NOT NULL,
  `label é` varchar(40) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `by ``label`` é` (`label é`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE `tick``s x` (
  `id` int NOT NULL AUTO_INCREMENT,
  `gr ade` int NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
";

const MIGRATION: &str = "CREATE INDEX `by ``grade`` ö` ON `odd ``tbl`` ä` (`gr``ade ö`);
ALTER TABLE `odd ``tbl`` ä` MODIFY `gr``ade ö` bigint NOT NULL;
ALTER TABLE `tick``s x` MODIFY `gr ade` bigint NOT NULL;
";

#[test]
fn odd_names_go_through_an_estimate_and_pt_osc_where_it_can_take_them() {
    require_server_binary();
    let scratch = Scratch::new("odd_names");
    let schema = scratch.file("schema.sql", SCHEMA);
    let migration = scratch.file("m.sql", MIGRATION);
    let args = vec![
        "estimate",
        "--schema",
        schema.to_str().expect("utf-8 path"),
        "--rows",
        "odd `tbl` ä=50k",
        "--rows",
        "tick`s x=20k",
        migration.to_str().expect("utf-8 path"),
        "--measure-route",
        "2,3",
        // QUICK's rows, with a budget that lets a loaded machine measure three scales
        // (the assertions count them); --max-rows bounds the ladder anyway.
        "--max-rows",
        "4000",
        "--budget",
        "600s",
        "--quiet",
        "--format=json",
    ];
    let report = json_report(&scratch.run(&args));
    let statements = report["statements"].as_array().expect("statements");
    let tables: Vec<&str> = statements
        .iter()
        .map(|s| s["table"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(tables, ["odd `tbl` ä", "odd `tbl` ä", "tick`s x"]);
    for statement in statements {
        let measured = statement["measurements"].as_array().expect("measurements");
        assert!(measured.len() >= 3, "{statement}");
        assert!(
            measured
                .iter()
                .all(|m| m["probe_queries"].as_u64().is_some_and(|n| n >= 1)),
            "the probe read and wrote the table: {statement}"
        );
    }
    // Neither table is its own file name: every run copied them.
    assert_eq!(report["ladder"]["fresh_tables"], "copy");
    let copied: Vec<&str> = report["ladder"]["copied_tables"]
        .as_array()
        .expect("copied tables")
        .iter()
        .map(|t| t["reason"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(copied, ["file_name", "file_name"]);

    let refused = &statements[1]["online_route"];
    assert!(
        needs(refused).contains(&"unusable_name".to_string()),
        "{refused}"
    );
    let ran = &statements[2]["online_route"];
    assert!(ran["refused"].is_null(), "{ran}");
    assert!(
        ran["measurements"].as_array().is_some_and(|m| m.len() >= 3),
        "{ran}"
    );
    let command: Vec<&str> = ran["command"]
        .as_array()
        .expect("command")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        command.last(),
        Some(&"h=PRODUCTION_HOST,u=MIGRATION_USER,D=DATABASE,t=tick`s x")
    );
    assert!(
        command.contains(&"MODIFY `gr ade` bigint NOT NULL"),
        "{command:?}"
    );
    scratch.assert_nothing_left();
}

fn needs(route: &Value) -> Vec<String> {
    route["needs"]
        .as_array()
        .map(|needs| {
            needs
                .iter()
                .filter_map(|n| n["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Names reach the source's SELECTs as string literals; a source server whose sql_mode has
/// NO_BACKSLASH_ESCAPES would read an escaped backslash as two and find no such table,
/// unless the session turns that mode off.
#[tokio::test]
async fn a_backslash_in_a_name_is_read_whatever_the_sources_sql_mode() {
    let production = Production::start_with(vec![
        "--sql-mode=NO_BACKSLASH_ESCAPES,STRICT_TRANS_TABLES".to_string(),
    ])
    .await;
    let mut conn = production.root().await;
    for sql in [
        "CREATE DATABASE prod",
        "USE prod",
        "CREATE TABLE prod.`back\\slash` (id int NOT NULL PRIMARY KEY, \
         `a\\b` varchar(20) NOT NULL, KEY `by a\\b` (`a\\b`))",
        "INSERT INTO prod.`back\\slash` SELECT seq, CONCAT('v', seq) FROM seq_1_to_200",
        "CREATE USER reader@'%' IDENTIFIED BY 'reader-pw'",
        "GRANT SELECT ON prod.* TO reader@'%'",
    ] {
        exec(&mut conn, sql).await;
    }
    let scratch = Scratch::new("backslash_source");
    let output = scratch.run(&[
        "profile",
        "--source",
        &production.url("reader", "reader-pw"),
        "--table",
        "back\\slash",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let profile: Value = serde_json::from_str(&stdout(&output)).expect("profile JSON");
    let table = &profile["tables"][0];
    assert_eq!(table["name"], "back\\slash", "{table}");
    let columns: Vec<&str> = table["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(columns, ["id", "a\\b"], "{table}");
    scratch.assert_nothing_left();
}
