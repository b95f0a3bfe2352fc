//! `ddl-eta django`: the example release (examples/django-release) rendered by real
//! Django 5.2 (the virtual environment scripts/setup makes) against a MariaDB of the test's
//! own that plays production with the first migrations applied by Django's `migrate`; the
//! release estimated as one report, gated again from the saved JSON, the GoCD pipeline of
//! examples/gocd run stage by stage, and bad input answered in one line.

mod common;

use common::production::{exec, Production};
use common::{stderr, stdout, Scratch, BIN};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/django-release")
}

/// The virtual environment's python, failing (never skipping) when setup did not run.
fn python() -> String {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/django-venv/bin/python");
    assert!(
        python.exists(),
        "no {}: run scripts/setup (it makes the Django virtual environment)",
        python.display()
    );
    python.display().to_string()
}

/// The test's production: database `prod` with the example's first migrations applied by
/// Django, 20,000 enrollments, an account for Django and a read-only one for ddl-eta.
struct Release {
    production: Production,
    port: u16,
}

impl Release {
    async fn start() -> Release {
        let production = Production::start_with(Vec::new()).await;
        let port = production.server.port().expect("listens on TCP");
        let mut root = production.root().await;
        for sql in [
            "CREATE DATABASE prod",
            "CREATE USER 'app'@'%' IDENTIFIED BY 'app-pass'",
            "GRANT ALL ON prod.* TO 'app'@'%'",
            "CREATE USER 'reader'@'%' IDENTIFIED BY 'reader-pass'",
            "GRANT SELECT, PROCESS ON *.* TO 'reader'@'%'",
        ] {
            exec(&mut root, sql).await;
        }
        let release = Release { production, port };
        release.manage(&["lms", "migrate", "courses", "0002"]);
        release.manage(&["cms", "migrate", "studio", "0001"]);
        exec(&mut root, "USE prod").await;
        exec(
            &mut root,
            "INSERT INTO prod.courses_course (`key`, title) \
             SELECT concat('course-v1:edX+', seq), 'c' FROM seq_1_to_50",
        )
        .await;
        exec(
            &mut root,
            "INSERT INTO prod.courses_enrollment (user_id, course_id, mode, grade, created) \
             SELECT seq, 1 + seq % 50, ELT(1 + seq % 3, 'audit', 'verified', 'honor'), \
             (seq % 100) / 100, NOW() - INTERVAL seq MINUTE FROM seq_1_to_20000",
        )
        .await;
        release
    }

    /// Django's settings read the database from these (examples/django-release/release).
    fn env(&self, command: &mut Command) {
        command
            .current_dir(project())
            .env("RELEASE_DB_HOST", "127.0.0.1")
            .env("RELEASE_DB_PORT", self.port.to_string())
            .env("RELEASE_DB_NAME", "prod")
            .env("RELEASE_DB_USER", "app")
            .env("RELEASE_DB_PASSWORD", "app-pass");
    }

    /// Django itself, as the release job would run it.
    fn manage(&self, args: &[&str]) {
        let mut command = Command::new(python());
        command.arg("manage.py").args(args);
        self.env(&mut command);
        let output = command.output().expect("run manage.py");
        assert!(
            output.status.success(),
            "manage.py {args:?}: {}",
            stderr(&output)
        );
    }

    fn reader_url(&self) -> String {
        self.production.url("reader", "reader-pass")
    }

    fn manage_flags() -> Vec<String> {
        let python = python();
        vec![
            "--manage".into(),
            format!("{python} manage.py lms"),
            "--manage".into(),
            format!("{python} manage.py cms"),
        ]
    }

    /// `ddl-eta django ...` in the project directory.
    fn ddl_eta(&self, scratch: &Scratch, args: &[&str]) -> Output {
        let mut command = scratch.command();
        self.env(&mut command);
        command.args(args).output().expect("run ddl-eta")
    }

    async fn applied(&self) -> Vec<String> {
        let mut root = self.production.root().await;
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT CAST(CONCAT(app, '.', name) AS CHAR) FROM prod.django_migrations ORDER BY id",
        )
        .fetch_all(&mut root)
        .await
        .expect("read django_migrations");
        rows.into_iter().map(|r| r.0).collect()
    }
}

fn labels(report: &Value) -> Vec<(String, u64)> {
    report["release"]["migrations"]
        .as_array()
        .expect("release migrations")
        .iter()
        .map(|m| {
            (
                format!(
                    "{}.{}",
                    m["app"].as_str().unwrap_or("?"),
                    m["name"].as_str().unwrap_or("?")
                ),
                m["manage"].as_u64().unwrap_or(99),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_unapplied_release_is_one_report_with_its_python_step_untimed_and_gated() {
    let release = Release::start().await;
    let scratch = Scratch::new("django_release");
    let mut args: Vec<String> = vec!["django".into(), "estimate".into()];
    args.extend(Release::manage_flags());
    let url = release.reader_url();
    args.extend(
        [
            "--source",
            &url,
            "--budget",
            "20s",
            "--max-rows",
            "2000",
            "--quiet",
            "--format",
            "json",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = release.ddl_eta(&scratch, &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("JSON report");

    // migrate --plan order; courses is rendered by lms only, studio (cms only) by cms.
    assert_eq!(
        labels(&report),
        vec![
            ("courses.0003_enrollment_course_mode_index".into(), 0),
            ("courses.0004_alter_enrollment_mode".into(), 0),
            ("courses.0005_fill_enrollment_level".into(), 0),
            ("studio.0002_draft_published".into(), 1),
        ]
    );
    let statements = report["statements"].as_array().expect("statements");
    let files: Vec<&str> = statements
        .iter()
        .map(|s| s["file"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        files,
        vec![
            "courses/migrations/0003_enrollment_course_mode_index.py",
            "courses/migrations/0004_alter_enrollment_mode.py",
            "studio/migrations/0002_draft_published.py",
        ]
    );
    let operations: Vec<&str> = statements
        .iter()
        .map(|s| s["operation"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(operations, vec!["add_index", "modify_column", "add_column"]);
    // The line of the operation in its .py file.
    assert_eq!(statements[0]["line"], 9);
    let untimed = report["untimed"].as_array().expect("untimed steps");
    assert_eq!(untimed.len(), 1);
    assert_eq!(untimed[0]["description"], "Raw Python operation");
    assert_eq!(
        untimed[0]["file"],
        "courses/migrations/0005_fill_enrollment_level.py"
    );
    assert_eq!(untimed[0]["after_statement"], 2);
    // Untimed without an allowance: the bare-migrate timeout is open, never zero.
    assert!(report["guidance"]["inactivity_timeout_minutes"].is_null());
    assert!(report["guidance"]["job_timeout_minutes"]
        .as_u64()
        .is_some_and(|m| m >= 1));
    let enrollment = report["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == "courses_enrollment"))
        .expect("enrollment table");
    assert_eq!(enrollment["target_rows"], 20000);
    assert!(enrollment["measured_rows"]
        .as_u64()
        .is_some_and(|r| r <= 2000));
    // ddl-eta only read production: nothing applied beyond what the test applied.
    assert_eq!(release.applied().await.len(), 3);

    // A later stage gates the saved report without measuring again.
    let saved = scratch.file("release.json", &stdout(&output));
    let saved = saved.to_str().expect("utf-8 path");
    let gate = |extra: &[&str]| {
        let mut args = vec!["report", saved];
        args.extend_from_slice(extra);
        scratch.run(&args)
    };
    let open = gate(&["--max-total", "1h"]);
    assert_eq!(open.status.code(), Some(3), "{}", stderr(&open));
    assert!(
        stderr(&open).contains("gate: --max-total 1 h 00 min cannot be decided"),
        "{}",
        stderr(&open)
    );
    assert!(
        stdout(&open).contains("+ 1 untimed step"),
        "{}",
        stdout(&open)
    );
    let passes = gate(&["--max-total", "1h", "--untimed-allowance", "1m"]);
    assert_eq!(passes.status.code(), Some(0), "{}", stderr(&passes));
    assert!(
        stdout(&passes).contains("incl. 1 untimed step at 1 min 00 s each"),
        "{}",
        stdout(&passes)
    );
    let over = gate(&[
        "--max-total",
        "30s",
        "--untimed-allowance",
        "1m",
        "--format",
        "markdown",
    ]);
    assert_eq!(over.status.code(), Some(3));
    assert!(
        stderr(&over).contains("over --max-total 30.0 s"),
        "{}",
        stderr(&over)
    );
    let markdown = stdout(&over);
    assert!(markdown.contains("### Migrations"), "{markdown}");
    assert!(
        markdown.contains("`courses.0005_fill_enrollment_level`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("Inactivity timeout for a bare `migrate`"),
        "{markdown}"
    );
    let html = gate(&["--format", "html"]);
    assert!(html.status.success(), "{}", stderr(&html));
    assert!(
        stdout(&html)
            .contains("<h2>Migrations</h2><ul><li>courses.0003_enrollment_course_mode_index"),
        "{}",
        stdout(&html)
    );
    scratch.assert_nothing_left();
}

#[tokio::test]
async fn listed_and_since_selections_and_bad_input_in_one_line() {
    let release = Release::start().await;
    let scratch = Scratch::new("django_select");
    let python = python();
    let lms = format!("{python} manage.py lms");
    let lint = |extra: &[&str]| {
        let mut args = vec![
            "django",
            "lint",
            "--manage",
            lms.as_str(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        release.ddl_eta(&scratch, &args)
    };
    // Listed out of order: rendered in the graph's order, a prefix is enough.
    let listed = lint(&["courses:0004", "courses:0003"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let findings: Value = serde_json::from_str(&stdout(&listed)).expect("lint JSON");
    let files: Vec<&str> = findings["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        files,
        vec![
            "courses/migrations/0003_enrollment_course_mode_index.py",
            "courses/migrations/0004_alter_enrollment_mode.py",
        ]
    );
    // --since: a pull request's repository where 0004 and 0005 are new (not committed).
    let repo = scratch.dir.join("repo");
    copy_dir(&project(), &repo);
    let moved = scratch.dir.join("new");
    std::fs::create_dir_all(&moved).expect("create dir");
    for name in [
        "0004_alter_enrollment_mode.py",
        "0005_fill_enrollment_level.py",
    ] {
        std::fs::rename(repo.join("courses/migrations").join(name), moved.join(name))
            .expect("set the new migrations aside");
    }
    for args in [
        vec!["init", "-q"],
        vec!["add", "."],
        vec![
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "-m",
            "base",
        ],
    ] {
        let git = Command::new("git")
            .args(&args)
            .current_dir(&repo)
            .output()
            .expect("run git");
        assert!(git.status.success(), "git {args:?}: {}", stderr(&git));
    }
    for name in [
        "0004_alter_enrollment_mode.py",
        "0005_fill_enrollment_level.py",
    ] {
        std::fs::rename(moved.join(name), repo.join("courses/migrations").join(name))
            .expect("add the new migrations");
    }
    let mut since = scratch.command();
    release.env(&mut since);
    let since = since
        .current_dir(&repo)
        .args([
            "django", "lint", "--manage", &lms, "--format", "json", "--since", "HEAD",
        ])
        .output()
        .expect("run ddl-eta");
    assert!(since.status.success(), "{}", stderr(&since));
    let found: Value = serde_json::from_str(&stdout(&since)).expect("lint JSON");
    assert_eq!(
        found["files"],
        serde_json::json!([
            "courses/migrations/0004_alter_enrollment_mode.py",
            "courses/migrations/0005_fill_enrollment_level.py"
        ])
    );
    // The Python step is a finding of its own.
    let codes: Vec<&str> = found["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or(""))
        .collect();
    assert!(codes.contains(&"DE012"), "{codes:?}");

    // A release with no SQL at all (the RunPython step alone): no sandbox is started, and
    // the release gets its report, its step counted at the allowance.
    let url = release.reader_url();
    let python_only = release.ddl_eta(
        &scratch,
        &[
            "django",
            "estimate",
            "--manage",
            &lms,
            "--source",
            &url,
            "--untimed-allowance",
            "2m",
            "--quiet",
            "--format",
            "json",
            "courses:0005",
        ],
    );
    assert!(python_only.status.success(), "{}", stderr(&python_only));
    let report: Value = serde_json::from_str(&stdout(&python_only)).expect("JSON report");
    assert_eq!(report["sandbox"]["flavor"], "none");
    assert_eq!(report["statements"], serde_json::json!([]));
    assert_eq!(report["untimed"].as_array().map(Vec::len), Some(1));
    // Two minutes x1.25 + 1 min, rounded up: the migration is silent for all of it.
    assert_eq!(report["guidance"]["inactivity_timeout_minutes"], 4);

    // The pre-commit hook: `manage` from the repository's config, the changed .py files
    // appended by pre-commit, no flag at all.
    std::fs::write(
        repo.join(".ddl-eta.toml"),
        format!("manage = [{:?}]\n", lms),
    )
    .expect("write the config");
    let mut hook = scratch.command();
    release.env(&mut hook);
    let hook = hook
        .current_dir(&repo)
        .args([
            "django",
            "lint",
            "courses/migrations/0004_alter_enrollment_mode.py",
        ])
        .output()
        .expect("run ddl-eta");
    assert!(hook.status.success(), "{}", stderr(&hook));
    let text = stdout(&hook);
    assert!(
        text.contains("courses/migrations/0004_alter_enrollment_mode.py"),
        "{text}"
    );
    assert!(!text.contains("0005_fill_enrollment_level"), "{text}");

    // A later migration altering a table an earlier unapplied one creates: Django cannot
    // render it (the schema editor looks for the table), and says why.
    let unrendered = scratch.dir.join("unrendered");
    copy_dir(&project(), &unrendered);
    std::fs::write(
        unrendered.join("studio/migrations/0003_note.py"),
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"studio\", \"0002_draft_published\")]\n    operations = [\n        migrations.CreateModel(name=\"Note\", fields=[(\"id\", models.BigAutoField(primary_key=True, serialize=False)), (\"title\", models.CharField(max_length=100, unique=True))]),\n    ]\n",
    )
    .expect("write a migration");
    std::fs::write(
        unrendered.join("studio/migrations/0004_alter_note.py"),
        "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [(\"studio\", \"0003_note\")]\n    operations = [\n        migrations.AlterField(model_name=\"note\", name=\"title\", field=models.CharField(max_length=50)),\n    ]\n",
    )
    .expect("write a migration");
    let cms = format!("{python} manage.py cms");
    let mut command = scratch.command();
    release.env(&mut command);
    let output = command
        .current_dir(&unrendered)
        .args([
            "django",
            "lint",
            "--manage",
            &cms,
            "studio:0003",
            "studio:0004",
        ])
        .output()
        .expect("run ddl-eta");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning: studio.0004_alter_note (studio/migrations/0004_alter_note.py) not rendered, not linted: django.db.utils.ProgrammingError: (1146"),
        "{}",
        stderr(&output)
    );

    let one_line = |output: &Output, expected: &str| {
        assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
        let text = stderr(output);
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("ddl-eta: ["))
            .collect();
        assert_eq!(lines.len(), 1, "{text}");
        assert!(lines[0].starts_with("error: "), "{text}");
        assert!(lines[0].contains(expected), "{text}");
    };
    one_line(
        &lint(&["courses:0099"]),
        "no migration courses:0099 in the project",
    );
    let broken = format!("DJANGO_SETTINGS_MODULE=release.no_such_settings {python} manage.py");
    let failed = release.ddl_eta(&scratch, &["django", "lint", "--manage", &broken]);
    one_line(
        &failed,
        "ModuleNotFoundError: No module named 'release.no_such_settings'",
    );
    let mut unreachable = scratch.command();
    release.env(&mut unreachable);
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let output = unreachable
        .env("RELEASE_DB_PORT", closed.to_string())
        .args(["django", "lint", "--manage", &lms])
        .output()
        .expect("run ddl-eta");
    one_line(&output, "cannot connect to database 'default'");
    // The failed runs wrote nothing either.
    assert_eq!(release.applied().await.len(), 3);
}

/// A stage's name and its `exec` tasks: (command, arguments).
type Stage = (String, Vec<(String, Vec<String>)>);

/// Stages, in order, each with its `exec` tasks as (command, arguments), read from the
/// GoCD YAML the docs show. A small reader for the shapes that file uses: anything else
/// under `stages:` that looks like a command fails the test, so the doc cannot drift.
fn gocd_stages(yaml: &str) -> Vec<Stage> {
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut stages: Vec<Stage> = Vec::new();
    let mut stage_indent = None;
    let mut arguments_indent = None;
    let mut in_stages = false;
    for line in yaml.lines() {
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if text == "stages:" {
            in_stages = true;
            continue;
        }
        if !in_stages {
            continue;
        }
        let depth = indent(line);
        if let Some(at) = arguments_indent {
            if depth > at && text.starts_with("- ") {
                let argument = text[2..].to_string();
                assert!(
                    !argument.starts_with(['"', '\'', '>', '|']),
                    "plain scalars only: {line}"
                );
                let task = stages
                    .last_mut()
                    .and_then(|s| s.1.last_mut())
                    .expect("a task");
                task.1.push(argument);
                continue;
            }
            arguments_indent = None;
        }
        if text.starts_with("- ") && text.ends_with(':') && stage_indent.is_none_or(|d| d == depth)
        {
            stage_indent = Some(depth);
            stages.push((text[2..text.len() - 1].to_string(), Vec::new()));
        } else if let Some(command) = text.strip_prefix("command: ") {
            let stage = stages.last_mut().expect("a stage");
            stage.1.push((command.to_string(), Vec::new()));
        } else if text == "arguments:" {
            arguments_indent = Some(depth);
        }
    }
    stages
}

#[tokio::test]
async fn the_gocd_pipeline_in_the_docs_runs_stage_by_stage() {
    let yaml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gocd/edxapp-release.gocd.yaml"),
    )
    .expect("read the pipeline");
    assert!(yaml.contains("format_version: 10"));
    let stages = gocd_stages(&yaml);
    let names: Vec<&str> = stages.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, vec!["estimate", "migrate"]);

    let release = Release::start().await;
    // Enough rows that stage 2's ALTERs run for seconds: watch polls once a second and
    // records only the statements it saw running.
    let mut root = release.production.root().await;
    exec(
        &mut root,
        "INSERT INTO prod.courses_enrollment (user_id, course_id, mode, grade, created) \
         SELECT seq, 1 + seq % 50, 'audit', NULL, NOW() FROM prod.seq_20001_to_400000",
    )
    .await;
    let scratch = Scratch::new("django_gocd");
    // The agent's working directory: the project, with the profile pipeline's artifact.
    let work = scratch.dir.join("work");
    copy_dir(&project(), &work);
    let profile = scratch.run(&[
        "profile",
        "--source",
        &release.reader_url(),
        "--table",
        "courses_enrollment",
        "--table",
        "studio_draft",
    ]);
    assert!(profile.status.success(), "{}", stderr(&profile));
    std::fs::write(work.join("profile.json"), &profile.stdout).expect("write the profile");

    // `ddl-eta` and a python with Django first on PATH, as on the GoCD agent.
    let venv_bin = Path::new(&python())
        .parent()
        .expect("venv bin")
        .to_path_buf();
    let bin_dir = Path::new(BIN).parent().expect("binary dir").to_path_buf();
    let path = std::env::join_paths([venv_bin, bin_dir].into_iter().chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    for (stage, tasks) in &stages {
        assert!(!tasks.is_empty(), "stage {stage} runs nothing");
        for (command, arguments) in tasks {
            let mut task = Command::new(command);
            release.env(&mut task);
            let output = task
                .args(arguments)
                .current_dir(&work)
                .env("PATH", &path)
                .env("TMPDIR", scratch.dir.join("tmp"))
                .env("DDL_ETA_WATCH_URL", release.reader_url())
                .output()
                .expect("run the task");
            assert!(
                output.status.success(),
                "stage {stage}: {arguments:?}: {}{}",
                stdout(&output),
                stderr(&output)
            );
        }
        if stage == "estimate" {
            let markdown = std::fs::read_to_string(work.join("release.md")).expect("release.md");
            assert!(
                markdown.contains("Raw Python operation (not SQL)"),
                "{markdown}"
            );
            let saved: Value = serde_json::from_str(
                &std::fs::read_to_string(work.join("release.json")).expect("release.json"),
            )
            .expect("release.json is JSON");
            assert_eq!(labels(&saved).len(), 4);
            // Stage 1 only read production.
            assert_eq!(release.applied().await.len(), 3);
        }
    }
    // Stage 2 ran the release, and watch kept its outcomes for calibrate.
    let applied = release.applied().await;
    assert!(
        applied.contains(&"courses.0005_fill_enrollment_level".to_string()),
        "{applied:?}"
    );
    assert!(
        applied.contains(&"studio.0002_draft_published".to_string()),
        "{applied:?}"
    );
    let outcomes = std::fs::read_to_string(work.join("outcomes.jsonl")).expect("outcomes.jsonl");
    assert!(!outcomes.trim().is_empty(), "no outcome recorded");
    scratch.assert_nothing_left();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "__pycache__" {
            continue;
        }
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).expect("copy file");
        }
    }
}

/// SIGTERM while Django renders: ddl-eta stops, and the manage command's whole process
/// group with it (the shell and what it started).
#[test]
fn a_signal_stops_the_manage_command_too() {
    let scratch = Scratch::new("django_signal");
    let marker = format!("sleep 41.{}", std::process::id() % 1000);
    let manage = format!("{marker} && python3 manage.py lms");
    let mut child = scratch
        .command()
        .current_dir(project())
        .args(["django", "lint", "--manage", &manage])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ddl-eta");
    let running = |needle: &str| {
        std::fs::read_dir("/proc")
            .expect("read /proc")
            .flatten()
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
            .any(|cmdline| cmdline.starts_with(needle))
    };
    let started = std::time::Instant::now();
    while !running(&marker) {
        assert!(
            started.elapsed().as_secs() < 20,
            "the manage command never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // SAFETY: a signal to the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = child.wait().expect("wait for ddl-eta");
    assert_eq!(status.code(), Some(143));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(!running(&marker), "the manage command outlived ddl-eta");
}
