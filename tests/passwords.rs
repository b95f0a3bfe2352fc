//! One password order, the documented one, against a real server: `--password-file`,
//! then the URL's password, then `MYSQL_PWD`. Each case puts the wrong password in one
//! place and the right one in another; the wrong one is never printed.

mod common;
use common::production::{exec, Production};
use common::{stderr, stdout, Scratch};

const RIGHT: &str = "r1ght-pw";
const WRONG: &str = "wr0ng-pw";

#[tokio::test]
async fn the_password_file_wins_then_the_url_then_mysql_pwd() {
    let production = Production::start_with(Vec::new()).await;
    let mut conn = production.root().await;
    for sql in [
        "CREATE DATABASE prod",
        "CREATE USER watcher@'%' IDENTIFIED BY 'r1ght-pw'",
        "GRANT SELECT ON prod.* TO watcher@'%'",
        "GRANT PROCESS ON *.* TO watcher@'%'",
    ] {
        exec(&mut conn, sql).await;
    }
    let scratch = Scratch::new("passwords");
    let right_file = scratch.file("right.pw", &format!("{RIGHT}\n"));
    let wrong_file = scratch.file("wrong.pw", &format!("{WRONG}\n"));
    let bare = production
        .url("watcher", "")
        .replace("watcher:@", "watcher@");
    let with_right = production.url("watcher", RIGHT);
    let with_wrong = production.url("watcher", WRONG);
    // `watch` with nothing running: connects, checks PROCESS, says so, exits 0.
    let watch = |url: &str, file: Option<&std::path::Path>, env: Option<&str>| {
        let mut command = scratch.command();
        command.env_remove("MYSQL_PWD");
        command.args(["watch", "--source", url]);
        if let Some(file) = file {
            command.arg("--password-file").arg(file);
        }
        if let Some(env) = env {
            command.env("MYSQL_PWD", env);
        }
        command.output().expect("run watch")
    };
    let connects = |output: &std::process::Output| {
        let err = stderr(output);
        assert!(!err.contains(WRONG) && !err.contains(RIGHT), "{err}");
        output.status.code() == Some(0) && stdout(output).trim() == "no DDL running"
    };

    // The file wins over the URL, in both directions.
    assert!(connects(&watch(&with_wrong, Some(&right_file), None)));
    let refused = watch(&with_right, Some(&wrong_file), None);
    assert!(!connects(&refused));
    assert!(
        stderr(&refused).contains("Access denied"),
        "{}",
        stderr(&refused)
    );
    // The URL wins over MYSQL_PWD, in both directions.
    assert!(connects(&watch(&with_right, None, Some(WRONG))));
    assert!(!connects(&watch(&with_wrong, None, Some(RIGHT))));
    // The file wins over MYSQL_PWD; MYSQL_PWD serves a URL without a password.
    assert!(connects(&watch(&bare, Some(&right_file), Some(WRONG))));
    assert!(!connects(&watch(&bare, Some(&wrong_file), Some(RIGHT))));
    assert!(connects(&watch(&bare, None, Some(RIGHT))));
}
