//! Inputs beyond the single-table file: standard input, several tables with a foreign key,
//! and a sandbox server the user runs (`--sandbox-url`).

mod common;
use common::*;
use ddl_eta::sandbox::local::{LocalOptions, LocalServer};
use sqlx::Row;
use std::io::Write;
use std::process::Stdio;

/// `estimate --schema` of the courseware table at 1M rows, the migration `sql` piped in on
/// standard input (`-`): the JSON report.
fn estimate_from_stdin(scratch: &Scratch, sql: &str) -> serde_json::Value {
    let mut child = scratch
        .command()
        .args([
            "estimate",
            "--schema",
            &example("courseware_studentmodule.sql"),
            "--rows",
            "1M",
            "-",
        ])
        .args(QUICK)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(sql.as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("json")
}

#[test]
fn the_migration_can_come_from_standard_input() {
    require_server_binary();
    let scratch = Scratch::new("stdin");
    let report = estimate_from_stdin(
        &scratch,
        "-- from a pipe\nCREATE INDEX i_done ON courseware_studentmodule (done);\n",
    );
    assert_eq!(report["statements"][0]["file"], "-");
    scratch.assert_nothing_left();
}

#[test]
fn several_tables_scale_together_and_parents_come_first() {
    require_server_binary();
    let scratch = Scratch::new("fk");
    // The child comes first in the file, as in an alphabetical mysqldump.
    let schema = scratch.file(
        "schema.sql",
        "CREATE TABLE `answer` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, \
           `user_id` int NOT NULL, `body` text NOT NULL, \
           CONSTRAINT `answer_user_fk` FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`));\n\
         CREATE TABLE `auth_user` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY, \
           `email` varchar(254) NOT NULL, UNIQUE KEY (`email`));\n",
    );
    // Adding a foreign key with checks on validates every row: it fails on a dangling one.
    let migration = scratch.file(
        "m.sql",
        "ALTER TABLE `answer` ADD COLUMN `editor_id` int NULL, \
           ADD CONSTRAINT `answer_editor_fk` FOREIGN KEY (`user_id`) REFERENCES `auth_user` (`id`);\n",
    );
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &schema.to_string_lossy(),
        "--rows",
        "answer=1M",
        "--rows",
        "auth_user=100k",
        &migration.to_string_lossy(),
        "--max-rows",
        "4000",
        "--budget",
        "60s",
        "--quiet",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    let statement = &report["statements"][0];
    assert_eq!(statement["operation"], "multiple");
    assert_eq!(
        statement["clauses"],
        serde_json::json!(["add_column", "add_foreign_key"])
    );
    assert_eq!(statement["estimate"]["rows"], 1_000_000);
    // Foreign keys added with checks on are copied (reference/ddl.md).
    assert_eq!(statement["algorithm"], "copy");
    scratch.assert_nothing_left();
}

#[tokio::test]
async fn a_user_server_keeps_nothing_of_ours() {
    require_server_binary();
    let scratch = Scratch::new("url");
    // The "user's" server: a local one, started and stopped (on drop) by this test.
    let server = LocalServer::start(&LocalOptions {
        buffer_pool_bytes: 128 << 20,
        extra_args: Vec::new(),
        tcp: true,
    })
    .await
    .expect("start the user's server");
    let options = ddl_eta::server::plain_options(server.connect_options());
    let mut admin = ddl_eta::server::connect(&options, std::time::Duration::from_secs(10))
        .await
        .expect("connect");
    sqlx::raw_sql(
        "CREATE USER 'tester'@'%' IDENTIFIED BY 'pw-s3cret'; GRANT ALL ON *.* TO 'tester'@'%'",
    )
    .execute(&mut admin)
    .await
    .expect("create user");
    let port_row = sqlx::raw_sql("SELECT CAST(@@port AS SIGNED)")
        .fetch_one(&mut admin)
        .await
        .expect("port");
    let port: i64 = port_row.try_get(0).expect("port");
    let url = format!("mysql://tester:pw-s3cret@127.0.0.1:{port}/");

    let output = scratch.run(&[
        "estimate",
        "--schema",
        &example("courseware_studentmodule.sql"),
        "--rows",
        "1M",
        &example("0018_alter_studentmodule_done.sql"),
        "--sandbox-url",
        &url,
        "--max-rows",
        "2000",
        "--budget",
        "60s",
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!stderr(&output).contains("pw-s3cret") && !stdout(&output).contains("pw-s3cret"));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(
        report["sandbox"]["kind"],
        format!("mysql://tester:***@127.0.0.1:{port}/")
    );
    // The files of a server the user runs are out of reach: every run copies.
    assert_eq!(report["ladder"]["fresh_tables"], "copy");

    let rows = sqlx::raw_sql("SELECT CAST(SCHEMA_NAME AS CHAR) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'ddl\\_eta\\_%'")
        .fetch_all(&mut admin)
        .await
        .expect("schemata");
    assert!(
        rows.is_empty(),
        "ddl-eta left its database on the user's server"
    );
    drop(server);
    scratch.assert_nothing_left();
}

/// A narrowing MODIFY read from standard input is checked like one read from a file: the
/// type check uses the statements as parsed (issue 19 part 6: it read the files again,
/// found nothing on stdin and answered "keeps every value").
#[test]
fn a_narrowing_change_on_standard_input_narrows() {
    require_server_binary();
    let scratch = Scratch::new("stdin_narrow");
    let report = estimate_from_stdin(
        &scratch,
        "ALTER TABLE `courseware_studentmodule` MODIFY `grade` float NULL;\n",
    );
    let check = &report["statements"][0]["type_check"];
    assert_eq!(check["verdict"], "narrows", "{check}");
    let data_loss = &report["checklist"][0];
    assert_eq!(data_loss["code"], "data_loss", "{data_loss}");
    assert_eq!(data_loss["verdict"], "yes", "{data_loss}");
    assert_eq!(data_loss["reason"], "narrows", "{data_loss}");
    assert_eq!(
        data_loss["statements"],
        serde_json::json!([0]),
        "{data_loss}"
    );
    assert!(
        check["findings"][0]
            .as_str()
            .is_some_and(|f| f.contains("grade")),
        "{check}"
    );
    scratch.assert_nothing_left();
}
