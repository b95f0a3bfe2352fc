//! Django migrations as input: picks a release's migrations (unapplied, added since a git
//! revision, or listed) and renders them with the project's own manage command, one Django
//! process per `--manage` (render.py, run through `shell -c`), into one `Migration` whose
//! statements name each migration's .py file. `ddl-eta django estimate|lint` build on it.

use crate::migration::{self, Migration, Statement};
use crate::progress::Progress;
use crate::report::release::{ReleaseMigration, ReleaseReport};
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The helper that runs inside Django, shipped in the binary.
const HELPER: &str = include_str!("render.py");

/// What `shell -c` runs: the helper, from the environment, in a namespace of its own.
/// Before Django 3.2 `shell -c` ran its code in a function's locals, where the helper's
/// functions cannot see its imports (NameError on Django 2.2 / 3.0 / 3.1).
const BOOTSTRAP: &str = "import os; exec(compile(os.environ['DDL_ETA_DJANGO_HELPER'], \
     'ddl-eta-render.py', 'exec'), {'__name__': 'ddl_eta_render'})";
const PREFIX: &str = "DDL_ETA_DJANGO_JSON:";

/// Which migrations make the release.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// What `migrate` would apply now, in `migrate --plan` order.
    Unapplied,
    /// Migration files added since this git revision (committed or not).
    Since(String),
    /// `app:migration` names (a unique prefix of the name is enough).
    Listed(Vec<String>),
    /// Migration .py files by path, as a pre-commit hook passes the files a commit
    /// changes; a file that is no migration of the project is left out.
    Files(Vec<PathBuf>),
}

impl Selection {
    /// The selection the arguments make: `APP:NAME` names, or .py paths (not both), else
    /// `--since`, else what `migrate` would apply.
    pub fn from_args(listed: &[PathBuf], since: Option<&str>) -> Result<Selection> {
        let is_path = |p: &&PathBuf| p.extension().is_some_and(|e| e == "py");
        let paths: Vec<PathBuf> = listed.iter().filter(is_path).cloned().collect();
        if !paths.is_empty() {
            if let Some(name) = listed.iter().find(|p| !is_path(p)) {
                bail!(
                    "{} is a migration name and {} a file: give APP:NAME names or .py files, not both",
                    name.display(),
                    paths[0].display()
                );
            }
            return Ok(Selection::Files(paths));
        }
        if !listed.is_empty() {
            return Ok(Selection::Listed(
                listed.iter().map(|p| p.display().to_string()).collect(),
            ));
        }
        Ok(match since {
            Some(revision) => Selection::Since(revision.to_string()),
            None => Selection::Unapplied,
        })
    }
}

/// What to render, and with what.
pub struct Request<'a> {
    /// Shell command lines that run the project's manage.py (`./manage.py lms --settings=...`).
    pub manage: &'a [String],
    /// Django's database alias.
    pub database: &'a str,
    pub selection: Selection,
}

/// The rendered release: its statements (steps that are not SQL included, `not_sql`
/// set) and the release's description for the report.
pub struct Rendered {
    pub migration: Migration,
    pub release: ReleaseReport,
}

#[derive(Serialize)]
struct HelperRequest<'a> {
    database: &'a str,
    select: &'a str,
    items: Vec<String>,
    skip: Vec<(String, String)>,
}

#[derive(Deserialize)]
struct HelperResponse {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    migrations: Vec<HelperMigration>,
    #[serde(default)]
    unknown: Vec<Unknown>,
}

#[derive(Deserialize)]
struct Unknown {
    item: String,
    error: String,
}

#[derive(Deserialize)]
struct HelperMigration {
    app: String,
    name: String,
    file: String,
    chunks: Vec<Chunk>,
    error: Option<String>,
}

/// The SQL of one operation (or the schema editor's deferred SQL) and the line of the
/// .py file it comes from.
#[derive(Deserialize)]
struct Chunk {
    line: usize,
    sql: String,
}

/// Renders the release: each manage command in turn, skipping the migrations an earlier
/// one rendered (lms and cms share most apps and one database).
pub async fn render(request: &Request<'_>, progress: &Progress) -> Result<Rendered> {
    let (select, items) = match &request.selection {
        Selection::Unapplied => ("unapplied", Vec::new()),
        Selection::Since(revision) => ("files", added_since(revision).await?),
        Selection::Listed(names) => ("listed", names.clone()),
        Selection::Files(paths) => ("files", absolute(paths)?),
    };
    let mut rendered: Vec<(usize, HelperMigration)> = Vec::new();
    let mut unknown: Option<Vec<Unknown>> = None;
    for (i, command) in request.manage.iter().enumerate() {
        let manage = shown(command);
        progress.step(format!(
            "rendering the release's migrations with `{manage}` (one Django process)"
        ));
        let helper_request = HelperRequest {
            database: request.database,
            select,
            items: items.clone(),
            skip: rendered
                .iter()
                .map(|(_, m)| (m.app.clone(), m.name.clone()))
                .collect(),
        };
        let response = run_helper(command, &helper_request).await?;
        if let Some(error) = response.error {
            bail!("--manage '{manage}': {error}");
        }
        // A name is unknown when no manage command knows it (cms has apps lms lacks).
        unknown = Some(match unknown {
            None => response.unknown,
            Some(before) => before
                .into_iter()
                .filter(|u| response.unknown.iter().any(|n| n.item == u.item))
                .collect(),
        });
        rendered.extend(response.migrations.into_iter().map(|m| (i, m)));
    }
    if let Some(missing) = unknown.as_ref().and_then(|u| u.first()) {
        bail!(
            "no migration {} in the project ({})",
            missing.item,
            missing.error
        );
    }
    Ok(assemble(request, rendered))
}

/// The statements of every migration in order, numbered across the release, each at the
/// line of its operation in the migration's .py file.
fn assemble(request: &Request<'_>, rendered: Vec<(usize, HelperMigration)>) -> Rendered {
    let mut statements: Vec<Statement> = Vec::new();
    let mut migrations = Vec::new();
    for (manage, m) in rendered {
        let before = statements.len();
        let mut not_rendered = m.error.clone();
        for chunk in &m.chunks {
            match migration::parse_sql(&m.file, &chunk.sql, statements.len()) {
                Ok(parsed) => statements.extend(parsed.into_iter().map(|mut s| {
                    s.line = chunk.line;
                    s
                })),
                Err(error) => {
                    not_rendered = Some(format!("ddl-eta cannot split its SQL: {error}"));
                }
            }
        }
        if not_rendered.is_some() {
            statements.truncate(before);
        }
        let ours = &statements[before..];
        let untimed = ours.iter().filter(|s| s.not_sql.is_some()).count();
        migrations.push(ReleaseMigration {
            app: m.app,
            name: m.name,
            file: m.file,
            manage,
            statements: ours.len() - untimed,
            untimed,
            not_rendered,
        });
    }
    let (selection, since) = match &request.selection {
        Selection::Unapplied => ("unapplied", None),
        Selection::Since(revision) => ("since", Some(revision.clone())),
        Selection::Listed(_) => ("listed", None),
        Selection::Files(_) => ("files", None),
    };
    Rendered {
        migration: Migration { statements },
        release: ReleaseReport {
            manage: request.manage.iter().map(|m| shown(m)).collect(),
            database: request.database.to_string(),
            selection: selection.to_string(),
            since,
            migrations,
        },
    }
}

/// Runs the helper in one Django process: `<manage> shell -c <bootstrap>`, through `sh` so
/// the command line works as the user would type it (environment assignments, quotes).
async fn run_helper(command: &str, request: &HelperRequest<'_>) -> Result<HelperResponse> {
    let manage = shown(command);
    let child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{command} \"$@\""))
        .arg("ddl-eta-django")
        .args(["shell", "-c", BOOTSTRAP])
        .env("DDL_ETA_DJANGO_HELPER", HELPER)
        .env("DDL_ETA_DJANGO_REQUEST", serde_json::to_string(request)?)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        // Its own process group, so that Ctrl-C or an error here stops Django too and not
        // only the shell in front of it.
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run --manage '{manage}'"))?;
    let mut group = ProcessGroup(child.id());
    let output = child
        .wait_with_output()
        .await
        .with_context(|| format!("--manage '{manage}' did not finish"))?;
    group.0 = None;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let answer = stdout.lines().rev().find_map(|l| l.strip_prefix(PREFIX));
    match (output.status.success(), answer) {
        (true, Some(json)) => serde_json::from_str(json)
            .with_context(|| format!("--manage '{manage}': the helper's answer is not JSON")),
        _ => Err(anyhow!(
            "--manage '{manage}' failed ({}): {}",
            exit_words(output.status),
            last_line(&output.stderr)
                .or_else(|| last_line(&output.stdout))
                .unwrap_or_else(|| "no output".to_string())
        )),
    }
}

/// The manage command's process group while it runs: killed when ddl-eta stops waiting
/// for it (Ctrl-C, SIGTERM, an error), so no Django process outlives ddl-eta.
struct ProcessGroup(Option<u32>);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            // SAFETY: kill(2) with a negative pid signals the group we made; no memory
            // is shared.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
        }
    }
}

/// The manage command as ddl-eta prints it: the value of an environment assignment whose
/// name says secret (`DB_PASSWORD=...`, `..._TOKEN=...`) replaced by `***`, to the end of
/// the shell word (`MYSQL_PWD='p a ss'` is one).
fn shown(command: &str) -> String {
    let mut out = String::new();
    let mut rest = command;
    while !rest.is_empty() {
        let spaces = rest.len() - rest.trim_start_matches(' ').len();
        out.push_str(&rest[..spaces]);
        rest = &rest[spaces..];
        let (word, after) = rest.split_at(shell_word_end(rest));
        match word.split_once('=') {
            Some((name, _))
                if !name.starts_with('-')
                    && ["PASS", "SECRET", "TOKEN", "KEY", "PWD"]
                        .iter()
                        .any(|s| name.to_ascii_uppercase().contains(s)) =>
            {
                out.push_str(&format!("{name}=***"))
            }
            _ => out.push_str(word),
        }
        rest = after;
    }
    out
}

/// Where the shell word at the start of `text` ends: its first space outside quotes.
fn shell_word_end(text: &str) -> usize {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (None, ' ') => return i,
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (q, '\\') if q != Some('\'') => escaped = true,
            _ => {}
        }
    }
    text.len()
}

fn exit_words(status: std::process::ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit {code}"),
        None => "killed by a signal".to_string(),
    }
}

/// The last line that says something: Django's error is the traceback's last line.
fn last_line(bytes: &[u8]) -> Option<String> {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// Migration files added since `revision`: committed, staged or untracked, anywhere under
/// a `migrations` directory (absolute paths).
async fn added_since(revision: &str) -> Result<Vec<String>> {
    let top = git(&["rev-parse", "--show-toplevel"]).await?;
    let top = top.trim();
    // Paths from the top whatever the user's diff.relative says; a new migration that
    // git would pair with a deleted file (a renumbered one) is still an addition.
    let committed = git(&[
        "-C",
        top,
        "-c",
        "core.quotepath=off",
        "diff",
        "--name-only",
        "--no-renames",
        "--no-relative",
        "--diff-filter=A",
        revision,
        "--",
    ])
    .await?;
    // From the top, so that untracked files outside the working directory count too.
    let untracked = git(&[
        "-C",
        top,
        "-c",
        "core.quotepath=off",
        "ls-files",
        "--others",
        "--exclude-standard",
    ])
    .await?;
    let top = PathBuf::from(top);
    let mut seen = HashSet::new();
    Ok(committed
        .lines()
        .chain(untracked.lines())
        .filter(|p| is_migration_file(Path::new(p)))
        .map(|p| top.join(p).display().to_string())
        .filter(|p| seen.insert(p.clone()))
        .collect())
}

/// The paths as Django's process will compare them (it runs in the same directory, but
/// compares real paths).
fn absolute(paths: &[PathBuf]) -> Result<Vec<String>> {
    paths
        .iter()
        .map(|p| {
            std::path::absolute(p)
                .map(|a| a.display().to_string())
                .with_context(|| format!("{}: cannot make the path absolute", p.display()))
        })
        .collect()
}

fn is_migration_file(path: &Path) -> bool {
    let in_migrations = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "migrations");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    in_migrations && name.ends_with(".py") && name != "__init__.py"
}

async fn git(args: &[&str]) -> Result<String> {
    let output = tokio::process::Command::new("git")
        .args(args)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .context("cannot run git (for --since)")?;
    if !output.status.success() {
        bail!(
            "git {} failed: {}",
            args.iter()
                .filter(|a| !a.starts_with('-') && !a.contains('='))
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            last_line(&output.stderr).unwrap_or_default()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_the_manage_command_are_not_printed() {
        assert_eq!(
            shown("MYSQL_PWD=hunter2 DB_PASSWORD=x DJANGO_SETTINGS_MODULE=lms.envs.prod ./manage.py lms --settings=a"),
            "MYSQL_PWD=*** DB_PASSWORD=*** DJANGO_SETTINGS_MODULE=lms.envs.prod ./manage.py lms --settings=a"
        );
        // A quoted value is one shell word: none of it shows.
        assert_eq!(
            shown("MYSQL_PWD='p a ss' DB_PASSWORD=\"x y\" ./manage.py lms"),
            "MYSQL_PWD=*** DB_PASSWORD=*** ./manage.py lms"
        );
        assert_eq!(shown(r"TOKEN=a\ b ./manage.py"), "TOKEN=*** ./manage.py");
    }

    #[test]
    fn migration_files_are_python_files_in_a_migrations_directory() {
        assert!(is_migration_file(Path::new(
            "courses/migrations/0002_enrollment_index.py"
        )));
        assert!(!is_migration_file(Path::new(
            "courses/migrations/__init__.py"
        )));
        assert!(!is_migration_file(Path::new("courses/models.py")));
        assert!(!is_migration_file(Path::new("migrations.py")));
    }

    #[test]
    fn statements_take_their_operation_line_and_count_per_migration() {
        let request = Request {
            manage: &["./manage.py".to_string()],
            database: "default",
            selection: Selection::Unapplied,
        };
        let rendered = assemble(
            &request,
            vec![
                (
                    0,
                    HelperMigration {
                        app: "courses".into(),
                        name: "0003_fill".into(),
                        file: "courses/migrations/0003_fill.py".into(),
                        chunks: vec![
                            Chunk {
                                line: 12,
                                sql: "--\n-- Add field level to enrollment\n--\nALTER TABLE `e` ADD COLUMN `level` varchar(16) NULL;".into(),
                            },
                            Chunk {
                                line: 15,
                                sql: "--\n-- Raw Python operation\n--\n-- THIS OPERATION CANNOT BE WRITTEN AS SQL".into(),
                            },
                        ],
                        error: None,
                    },
                ),
                (
                    0,
                    HelperMigration {
                        app: "courses".into(),
                        name: "0004_narrow".into(),
                        file: "courses/migrations/0004_narrow.py".into(),
                        chunks: Vec::new(),
                        error: Some("django.db.utils.OperationalError: (1146, \"Table 'x' doesn't exist\")".into()),
                    },
                ),
            ],
        );
        let lines: Vec<(usize, usize, bool)> = rendered
            .migration
            .statements
            .iter()
            .map(|s| (s.index, s.line, s.not_sql.is_some()))
            .collect();
        assert_eq!(lines, vec![(0, 12, false), (1, 15, true)]);
        let first = &rendered.release.migrations[0];
        assert_eq!((first.statements, first.untimed), (1, 1));
        let second = &rendered.release.migrations[1];
        assert!(second
            .not_rendered
            .as_deref()
            .is_some_and(|e| e.contains("1146")));
    }
}
