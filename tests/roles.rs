//! Privileges granted through a default role count (MariaDB has roles; MySQL 8's
//! version-chosen queries are unit-tested in src/source/session.rs): an account whose
//! PROCESS and SELECT come from its default role may `watch` and is read as having them,
//! where information_schema.USER_PRIVILEGES lists only the account's own grants.

mod common;
use common::production::{exec, Production};
use common::{stderr, stdout, Scratch};
use ddl_eta::source::{Source, SourceOptions};
use std::time::Duration;

async fn with_roles() -> Production {
    let production = Production::start_with(Vec::new()).await;
    let mut conn = production.root().await;
    for sql in [
        "CREATE DATABASE prod",
        "CREATE TABLE prod.t (id int PRIMARY KEY)",
        "CREATE ROLE watcher",
        "GRANT PROCESS ON *.* TO watcher",
        "GRANT SELECT ON prod.* TO watcher",
        "CREATE USER rolled@'%' IDENTIFIED BY 'r0lled-pw'",
        "GRANT watcher TO rolled@'%'",
        "SET DEFAULT ROLE watcher FOR rolled@'%'",
        // The same role granted, but not as the default: nothing is active at login.
        "CREATE USER idle@'%' IDENTIFIED BY 'id1e-pw'",
        "GRANT watcher TO idle@'%'",
        "GRANT SELECT ON prod.* TO idle@'%'",
    ] {
        exec(&mut conn, sql).await;
    }
    production
}

fn options(url: String) -> SourceOptions {
    SourceOptions {
        url,
        password: None,
        exact_rowcount: false,
        sample_rows: 100,
        write_rate: None,
        connect_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(10),
        profile_timeout: Duration::from_secs(60),
    }
}

#[tokio::test]
async fn process_and_select_through_a_default_role_count() {
    let production = with_roles().await;
    let mut conn = production.root().await;
    let rolled = production.url("rolled", "r0lled-pw");

    // What the old check read: the role's PROCESS is not among the account's own grants.
    let own: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES \
         WHERE GRANTEE = \"'rolled'@'%'\" AND PRIVILEGE_TYPE = 'PROCESS'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("count");
    assert_eq!(own, 0);

    let mut source = Source::connect(&options(rolled.clone()))
        .await
        .expect("connect as rolled");
    let privileges = source.privileges().await.expect("privileges");
    assert!(privileges.process && privileges.select, "{privileges:?}");

    let mut idle = Source::connect(&options(production.url("idle", "id1e-pw")))
        .await
        .expect("connect as idle");
    let privileges = idle.privileges().await.expect("privileges");
    assert!(!privileges.process && privileges.select, "{privileges:?}");

    // `watch` accepts the role's PROCESS, and refuses the account whose role is not active.
    let scratch = Scratch::new("roles");
    let output = scratch.run(&["watch", "--source", &rolled]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "no DDL running");
    let output = scratch.run(&["watch", "--source", &production.url("idle", "id1e-pw")]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("GRANT PROCESS"),
        "{}",
        stderr(&output)
    );
}
