//! The online route with the real pt-online-schema-change (percona-toolkit, installed by
//! scripts/setup) against real sandboxes: it leaves the table as the native ALTER does,
//! refuses a table without a key and says why, its runs are fitted like any statement,
//! and the command the report prints passes the tool's own --dry-run under an account
//! holding only what a dry run needs.

mod common;
use common::{local_sandbox, Scratch};
use ddl_eta::migration::{self, parse_sql};
use ddl_eta::online_route::{self, run, PtOscNeed, TableFacts};
use ddl_eta::sandbox::Sandbox;
use sqlx::Row;
use std::io::Write;
use std::process::{Command, Stdio};

/// One sandbox at a time: two on two cores would slow both.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn require_pt_osc() {
    assert!(
        run::installed(),
        "pt-online-schema-change is not on PATH: run scripts/setup (it installs percona-toolkit)"
    );
}

const TABLE: &str = "CREATE TABLE `{t}` (
  `id` int NOT NULL AUTO_INCREMENT,
  `student_id` int NOT NULL,
  `grade` double DEFAULT NULL,
  `state` varchar(200) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `student` (`student_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";

async fn table(sandbox: &Sandbox, name: &str, rows: u64) {
    let mut conn = sandbox.connect().await.expect("connect");
    sqlx::raw_sql(&TABLE.replace("{t}", name))
        .execute(&mut conn)
        .await
        .expect("create table");
    sqlx::raw_sql(&format!(
        "INSERT INTO `{name}` (student_id, grade, state) \
         SELECT seq % 97, seq / 7, REPEAT('x', seq % 50) FROM seq_1_to_{rows}"
    ))
    .execute(&mut conn)
    .await
    .expect("fill table");
}

async fn show_create(sandbox: &Sandbox, name: &str) -> String {
    let mut conn = sandbox.connect().await.expect("connect");
    let row = sqlx::raw_sql(&format!("SHOW CREATE TABLE `{name}`"))
        .fetch_one(&mut conn)
        .await
        .expect("show create table");
    let text: String = row.try_get(1).expect("create text");
    // The name, and the next AUTO_INCREMENT value (a property of the rows, not the shape).
    let text = text.replace(&format!("`{name}`"), "`t`");
    text.split_whitespace()
        .filter(|w| !w.starts_with("AUTO_INCREMENT="))
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn pt_osc_leaves_the_table_as_the_native_alter_would() {
    require_pt_osc();
    let _serial = SERIAL.lock().await;
    let sandbox = local_sandbox(128 << 20).await;
    for (i, sql) in [
        "ALTER TABLE `{t}` MODIFY `grade` float NULL, ALGORITHM=COPY, LOCK=SHARED",
        "CREATE UNIQUE INDEX `student_state` ON `{t}` (`id`, `student_id`) ALGORITHM=INPLACE",
        "DROP INDEX `student` ON `{t}`",
    ]
    .iter()
    .enumerate()
    {
        let (native, online) = (format!("native{i}"), format!("online{i}"));
        table(&sandbox, &native, 3000).await;
        table(&sandbox, &online, 3000).await;
        let mut conn = sandbox.connect().await.expect("connect");
        sqlx::raw_sql(&sql.replace("{t}", &native))
            .execute(&mut conn)
            .await
            .expect("native alter");
        let statement =
            parse_sql("m.sql", &sql.replace("{t}", &online), 0).expect("parses")[0].clone();
        let alter = migration::pt_osc_alter(&statement).expect("an --alter text");
        let facts = TableFacts {
            has_unique_key: true,
            ..TableFacts::default()
        };
        let flags = online_route::sandbox_flags(&online_route::needs(&statement, &facts));
        let outcome = run::run(&sandbox, &online, &alter, &flags)
            .await
            .expect("pt-osc runs");
        assert!(
            matches!(outcome, run::Outcome::Done { .. }),
            "{sql}: {outcome:?}"
        );
        assert_eq!(
            show_create(&sandbox, &online).await,
            show_create(&sandbox, &native).await,
            "{sql}"
        );
        let count = sqlx::raw_sql(&format!("SELECT COUNT(*) FROM `{online}`"))
            .fetch_one(&mut conn)
            .await
            .expect("count");
        assert_eq!(count.try_get::<i64, _>(0).expect("count"), 3000);
    }
    sandbox.close().await;
}

#[tokio::test]
async fn a_table_without_a_key_is_refused_with_the_reason() {
    require_pt_osc();
    let _serial = SERIAL.lock().await;
    let sandbox = local_sandbox(128 << 20).await;
    let mut conn = sandbox.connect().await.expect("connect");
    sqlx::raw_sql(
        "CREATE TABLE heap (a int, b varchar(20)); \
         INSERT INTO heap SELECT seq, seq FROM seq_1_to_500",
    )
    .execute(&mut conn)
    .await
    .expect("create heap");
    let statement =
        parse_sql("m.sql", "ALTER TABLE heap MODIFY b varchar(40)", 0).expect("parses")[0].clone();
    let needs = online_route::needs(&statement, &TableFacts::default());
    assert_eq!(needs, vec![PtOscNeed::NoUniqueKey]);
    let alter = migration::pt_osc_alter(&statement).expect("alter text");
    let outcome = run::run(&sandbox, "heap", &alter, &[])
        .await
        .expect("pt-osc runs");
    let run::Outcome::Refused { reason } = outcome else {
        panic!("pt-osc altered a table without a key: {outcome:?}");
    };
    assert!(reason.contains("PRIMARY KEY or a unique index"), "{reason}");
    sandbox.close().await;
}

#[tokio::test]
async fn the_printed_command_passes_pt_osc_s_dry_run_with_only_the_privileges_it_needs() {
    require_pt_osc();
    let _serial = SERIAL.lock().await;
    let sandbox = local_sandbox(128 << 20).await;
    table(&sandbox, "courseware_studentmodule", 1000).await;
    let access = sandbox.client_access();
    let database = access.database.clone();
    let mut conn = sandbox.connect().await.expect("connect");
    sqlx::raw_sql(&format!(
        "CREATE USER 'osc'@'localhost' IDENTIFIED BY 'osc-pass'; \
         GRANT CREATE, ALTER, DROP, TRIGGER, SELECT ON `{database}`.* TO 'osc'@'localhost'; \
         GRANT PROCESS, REPLICATION CLIENT ON *.* TO 'osc'@'localhost'"
    ))
    .execute(&mut conn)
    .await
    .expect("create the account");
    let statement = parse_sql(
        "m.sql",
        "CREATE INDEX `grade_idx` ON `courseware_studentmodule` (`grade`) ALGORITHM=INPLACE LOCK=NONE",
        0,
    )
    .expect("parses")[0]
        .clone();
    let alter = migration::pt_osc_alter(&statement).expect("alter text");
    let argv =
        online_route::production_command(&alter, Some(&database), "courseware_studentmodule", &[]);
    assert!(argv.contains(&"--ask-pass".to_string()), "{argv:?}");
    // The operator's part: production's host and account, and a dry run first.
    let socket = access.socket.expect("a local sandbox listens on a socket");
    let dsn = argv.last().expect("a DSN").replace(
        &format!(
            "h={},u={}",
            online_route::HOST_PLACEHOLDER,
            online_route::USER_PLACEHOLDER
        ),
        &format!("S={},u=osc", socket.display()),
    );
    assert!(
        dsn.contains(&format!("D={database},t=courseware_studentmodule")),
        "{dsn}"
    );
    let mut args: Vec<String> = argv[1..argv.len() - 1]
        .iter()
        .map(|a| {
            if a == "--execute" {
                "--dry-run".to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    args.push(dsn);
    let mut child = Command::new(&argv[0])
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pt-osc");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"osc-pass\n")
        .expect("answer --ask-pass");
    let output = child.wait_with_output().expect("pt-osc ends");
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("Dry run complete"), "{text}");
    assert!(
        text.contains("Altered `"),
        "the dry run alters its new table: {text}"
    );
    sandbox.close().await;
}

/// The whole estimate: the COPY statement is also run through pt-osc at each new scale
/// and fitted, and `--route pt-osc` makes the report plan it. --max-rows bounds the
/// ladder; the budget is large enough that its online share (30%) lets a loaded machine
/// run pt-osc at three scales, which the assertions count.
#[test]
fn an_estimate_measures_and_fits_the_online_route_and_plans_it_when_chosen() {
    require_pt_osc();
    let scratch = Scratch::new("ptosc_estimate");
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &common::example("courseware_studentmodule.sql"),
        "--rows",
        "100k",
        &common::example("0017_alter_studentmodule_grade.sql"),
        "--route",
        "pt-osc",
        "--max-rows",
        "8000",
        "--budget",
        "120s",
        "--quiet",
        "--format=json",
    ]);
    let report = common::json_report(&output);
    let statement = &report["statements"][0];
    assert_eq!(statement["route"], "pt-osc");
    let online = &statement["online_route"];
    let runs = online["measurements"].as_array().expect("pt-osc runs");
    let scales: std::collections::BTreeSet<u64> =
        runs.iter().filter_map(|m| m["rows"].as_u64()).collect();
    assert!(scales.len() >= 3, "{online}");
    assert!(online["model"]["kind"].is_string(), "{online}");
    let estimate = &online["estimate"];
    assert_eq!(estimate["rows"], 100_000);
    let p50 = estimate["seconds_p50"].as_f64().expect("p50");
    assert!(
        p50 > 0.0 && estimate["seconds_high"].as_f64() >= Some(p50),
        "{estimate}"
    );
    assert_eq!(online["error_model"], "none");
    assert!(online["swap_blocked_seconds"].is_number(), "{online}");
    let command: Vec<&str> = online["command"]
        .as_array()
        .expect("command")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(command.contains(&"--noversion-check") && command.contains(&"--ask-pass"));
    assert!(
        command.contains(&"MODIFY `grade` float NULL"),
        "{command:?}"
    );
    let saved = scratch.file("report.json", &common::stdout(&output));
    let text = scratch.run(&["report", saved.to_str().expect("path"), "--format", "text"]);
    let text = common::stdout(&text);
    assert!(text.contains("plan (--route):"), "{text}");
    assert!(text.contains("migrate APP MIGRATION --fake"), "{text}");
    assert!(
        text.contains("no error model measured for pt-osc yet"),
        "{text}"
    );
    scratch.assert_nothing_left();
}
