//! `--schema` files as users make them: a real `mariadb-dump --no-data --routines
//! --triggers --events` of a server holding a trigger, a procedure, a view and an event,
//! read by `lint --schema` and `estimate --schema` (DELIMITER honoured, the objects that
//! are not tables skipped with one note, their tables kept).

mod common;
use common::production::{exec, Production};
use common::{stderr, stdout, Scratch, QUICK};
use std::process::Command;

/// A database with two tables, a trigger on one writing to the other, a procedure whose
/// body holds `;` and a quoted `;`, a view and an event.
async fn dumped_schema(scratch: &Scratch) -> std::path::PathBuf {
    let production = Production::start_with(Vec::new()).await;
    let mut conn = production.root().await;
    for sql in [
        "CREATE DATABASE prod",
        "USE prod",
        "CREATE TABLE orders (id int NOT NULL PRIMARY KEY, total decimal(10,2) NOT NULL, note varchar(40) NULL) DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE audit (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, order_id int NOT NULL, at datetime NOT NULL)",
        "CREATE TRIGGER orders_ai AFTER INSERT ON orders FOR EACH ROW BEGIN INSERT INTO audit (order_id, at) VALUES (NEW.id, NOW()); END",
        "CREATE PROCEDURE recent(IN n int) BEGIN SELECT * FROM orders ORDER BY id DESC LIMIT n; SELECT 'done;'; END",
        "CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100",
        "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit WHERE at < NOW() - INTERVAL 30 DAY",
    ] {
        exec(&mut conn, sql).await;
    }
    let port = production.server.port().expect("TCP port").to_string();
    let dump = Command::new("mariadb-dump")
        .env("MYSQL_PWD", production.server.root_password())
        .args([
            "--protocol=tcp",
            "-h127.0.0.1",
            "-P",
            &port,
            "-uroot",
            "--no-data",
            "--routines",
            "--triggers",
            "--events",
            "prod",
        ])
        .output()
        .expect("run mariadb-dump (scripts/setup installs mariadb-client)");
    assert!(dump.status.success(), "{}", stderr(&dump));
    let text = stdout(&dump);
    // The dump is the kind this test is about.
    assert!(text.contains("DELIMITER ;;"), "{text}");
    assert!(text.contains("TRIGGER"), "{text}");
    assert!(text.contains("PROCEDURE `recent`"), "{text}");
    assert!(text.contains("VIEW `big_orders`"), "{text}");
    scratch.file("dump.sql", &text)
}

const NOTE: &str = "1 trigger, 1 procedure, 1 view and 1 event skipped: ddl-eta reads only the CREATE TABLE statements (the tables they use are kept)";

#[tokio::test]
async fn a_mariadb_dump_with_routines_and_triggers_is_a_schema() {
    let scratch = Scratch::new("dump");
    let dump = dumped_schema(&scratch).await;
    let dump = dump.to_str().expect("path");
    // Narrowing a column the dump defines: lint can only tell with the dump's tables.
    let migration = scratch.file(
        "m.sql",
        "ALTER TABLE orders MODIFY note varchar(10) NULL;\nALTER TABLE audit ADD INDEX i_order (order_id);\n",
    );
    let migration = migration.to_str().expect("path");

    let lint = scratch.run(&["lint", "--schema", dump, "--format", "json", migration]);
    let err = stderr(&lint);
    assert_eq!(lint.status.code(), Some(3), "{err}");
    let report: serde_json::Value = serde_json::from_str(&stdout(&lint)).expect("lint json");
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"DE003"), "{codes:?}");
    assert_eq!(err.matches(NOTE).count(), 1, "{err}");

    // Every table of the dump needs its rows, and only those: the view is no table.
    let migration = scratch.file(
        "e.sql",
        "ALTER TABLE orders ADD COLUMN paid tinyint NULL;\nALTER TABLE audit ADD INDEX i_order (order_id);\n",
    );
    let migration = migration.to_str().expect("path");
    let estimate = scratch
        .command()
        .args(["estimate", "--schema", dump])
        .args(["--rows", "orders=2000", "--rows", "audit=2000", migration])
        .args(QUICK)
        .output()
        .expect("run estimate");
    let err = stderr(&estimate);
    assert!(estimate.status.success(), "{err}");
    let report: serde_json::Value = serde_json::from_str(&stdout(&estimate)).expect("json");
    assert_eq!(report["statements"].as_array().map(Vec::len), Some(2));
    assert!(err.contains(NOTE), "{err}");

    let asks_for_the_view = scratch
        .command()
        .args([
            "estimate",
            "--schema",
            dump,
            "--rows",
            "orders=2000",
            migration,
        ])
        .args(QUICK)
        .output()
        .expect("run estimate");
    let err = stderr(&asks_for_the_view);
    assert_eq!(asks_for_the_view.status.code(), Some(1), "{err}");
    assert!(err.contains("--rows is missing for table audit"), "{err}");
    scratch.assert_nothing_left();
}
