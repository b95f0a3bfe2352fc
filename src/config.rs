//! `.ddl-eta.toml`: settings a project keeps beside its migrations (target server, profile,
//! gates, Django's manage commands...), found from the working directory upward and
//! merged under the command line: a flag given on the command line (or through its
//! environment variable) always wins over the file. docs/config.md lists every key.

use crate::cli::{
    Cli, Command, DjangoCommand, DjangoSelectArgs, EstimateArgs, LintArgs, SandboxKind,
};
use anyhow::{anyhow, Context as _, Result};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, ValueEnum};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The file's name; the search looks for it in the working directory and each parent.
pub const FILE_NAME: &str = ".ddl-eta.toml";

/// A bad config file is a usage error, like an unknown flag: exit 2.
pub const USAGE: u8 = 2;

/// The settings of one `.ddl-eta.toml`, checked and typed. Paths are already resolved
/// against the file's directory; every setting is `None` (or empty) when the file leaves
/// it out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file these settings came from.
    pub path: PathBuf,
    /// `--target-server`, as written (each command reads it with its own parser).
    pub target_server: Option<String>,
    pub schema: Option<PathBuf>,
    pub source: Option<String>,
    pub profile: Option<PathBuf>,
    pub password_file: Option<PathBuf>,
    /// Lint codes silenced everywhere (`--allow`).
    pub allow: Option<Vec<String>>,
    pub budget: Option<Duration>,
    pub max_rows: Option<u64>,
    pub sandbox: Option<SandboxKind>,
    pub image: Option<String>,
    pub buffer_pool: Option<u64>,
    pub production_buffer_pool: Option<u64>,
    pub work_dir: Option<PathBuf>,
    pub speed_factor: Option<f64>,
    pub calibration: Option<PathBuf>,
    /// The gates (`--max-duration` ...); `max_total` is the release's total high end.
    pub gates: GateSettings,
    /// Django: the manage commands (`--manage`, one per entry, e.g. lms and cms) and
    /// Django's database alias (`--database`).
    pub manage: Vec<String>,
    pub database: Option<String>,
    /// What each step ddl-eta cannot time (RunPython...) adds to a total.
    pub untimed_allowance: Option<Duration>,
}

/// The gate limits a config file sets; each is off when absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GateSettings {
    pub max_duration: Option<Duration>,
    pub max_write_block: Option<Duration>,
    pub max_distance: Option<f64>,
    pub max_total: Option<Duration>,
}

/// The file as written: every key spelled as its flag, without the dashes in front.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    target_server: Option<Spanned<String>>,
    schema: Option<Spanned<String>>,
    source: Option<Spanned<String>>,
    profile: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    allow: Option<Spanned<Vec<String>>>,
    budget: Option<Spanned<String>>,
    max_rows: Option<Spanned<Count>>,
    sandbox: Option<Spanned<String>>,
    image: Option<Spanned<String>>,
    buffer_pool: Option<Spanned<Count>>,
    production_buffer_pool: Option<Spanned<Count>>,
    work_dir: Option<Spanned<String>>,
    speed_factor: Option<Spanned<f64>>,
    calibration: Option<Spanned<String>>,
    max_duration: Option<Spanned<String>>,
    max_write_block: Option<Spanned<String>>,
    max_distance: Option<Spanned<f64>>,
    max_total: Option<Spanned<String>>,
    manage: Option<Spanned<Vec<String>>>,
    database: Option<Spanned<String>>,
    untimed_allowance: Option<Spanned<String>>,
}

/// A count or size written as a number (1000000) or as the flag takes it ("1M").
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Count {
    Number(u64),
    Text(String),
}

impl Count {
    fn text(&self) -> String {
        match self {
            Count::Number(n) => n.to_string(),
            Count::Text(t) => t.clone(),
        }
    }
}

/// Which file to read: `--config FILE`, none with `--no-config`, else the nearest
/// `.ddl-eta.toml` from `start` upward. The search goes up to the filesystem root and does
/// not stop at a git repository's root.
pub fn locate(explicit: Option<&Path>, no_config: bool, start: &Path) -> Option<PathBuf> {
    if no_config {
        return None;
    }
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

impl Config {
    /// Reads and checks one file; the error is one line naming the file, the line and
    /// the key.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        Config::parse(path, &text)
    }

    /// Checks `text` as the contents of `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Config> {
        let at = |span: std::ops::Range<usize>| {
            format!("{}:{}", path.display(), line_of(text, span.start))
        };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let place = e
                .span()
                .map(&at)
                .unwrap_or_else(|| path.display().to_string());
            let message = e.message().trim().replace("unknown field", "unknown key");
            anyhow!("{place}: {message}")
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let file_path = |value: Option<Spanned<String>>| value.map(|v| dir.join(v.into_inner()));
        // Each value is checked by the flag's own parser, so the file and the command line
        // accept the same spellings.
        fn check<T, R>(
            value: Option<Spanned<T>>,
            key: &str,
            at: &dyn Fn(std::ops::Range<usize>) -> String,
            parse: impl Fn(&T) -> std::result::Result<R, String>,
        ) -> Result<Option<R>> {
            value
                .map(|v| parse(v.get_ref()).map_err(|e| anyhow!("{}: {key}: {e}", at(v.span()))))
                .transpose()
        }
        let duration = |text: &String| crate::cli::parse_duration(text);
        let target_server = check(raw.target_server, "target-server", &at, |t: &String| {
            crate::online_ddl::parse_target_arg(t).map(|_| t.clone())
        })?;
        let sandbox = check(raw.sandbox, "sandbox", &at, |t: &String| {
            SandboxKind::from_str(t, true).map_err(|_| format!("'{t}' is not local or docker"))
        })?;
        let allow = check(raw.allow, "allow", &at, |codes: &Vec<String>| {
            codes
                .iter()
                .map(|c| crate::lint::parse_rule_code(c))
                .collect::<std::result::Result<Vec<_>, _>>()
        })?;
        let manage = check(
            raw.manage,
            "manage",
            &at,
            |commands: &Vec<String>| match commands.iter().find(|c| c.trim().is_empty()) {
                Some(_) => Err("an empty manage command".to_string()),
                None => Ok(commands.clone()),
            },
        )?
        .unwrap_or_default();
        let config = Config {
            path: path.to_path_buf(),
            target_server,
            schema: file_path(raw.schema),
            source: raw.source.map(Spanned::into_inner),
            profile: file_path(raw.profile),
            password_file: file_path(raw.password_file),
            allow,
            budget: check(raw.budget, "budget", &at, duration)?,
            max_rows: check(raw.max_rows, "max-rows", &at, |c: &Count| {
                crate::cli::parse_rows(&c.text())
            })?,
            sandbox,
            image: raw.image.map(Spanned::into_inner),
            buffer_pool: check(raw.buffer_pool, "buffer-pool", &at, |c: &Count| {
                crate::cli::parse_size(&c.text())
            })?,
            production_buffer_pool: check(
                raw.production_buffer_pool,
                "production-buffer-pool",
                &at,
                |c: &Count| crate::cli::parse_size(&c.text()),
            )?,
            work_dir: file_path(raw.work_dir),
            speed_factor: check(raw.speed_factor, "speed-factor", &at, |x: &f64| {
                crate::cli::parse_speed(&x.to_string())
            })?,
            calibration: file_path(raw.calibration),
            gates: GateSettings {
                max_duration: check(raw.max_duration, "max-duration", &at, duration)?,
                max_write_block: check(raw.max_write_block, "max-write-block", &at, duration)?,
                max_distance: check(raw.max_distance, "max-distance", &at, |x: &f64| {
                    crate::cli::parse_distance(&x.to_string())
                })?,
                max_total: check(raw.max_total, "max-total", &at, duration)?,
            },
            manage,
            database: raw.database.map(Spanned::into_inner),
            untimed_allowance: check(raw.untimed_allowance, "untimed-allowance", &at, duration)?,
        };
        let tables = [
            config.schema.is_some(),
            config.source.is_some(),
            config.profile.is_some(),
        ];
        if tables.iter().filter(|given| **given).count() > 1 {
            return Err(anyhow!(
                "{}: schema, source and profile each name production's tables: keep one",
                path.display()
            ));
        }
        Ok(config)
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).unwrap_or(text).matches('\n').count() + 1
}

/// Parses the command line, reads the config file it points at (or finds one) and
/// merges it under the flags. A bad config file or a missing required setting ends the
/// process with exit 2, as clap does for a bad flag.
pub fn parse_args() -> Cli {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match configure(cli, &matches, &cwd) {
        Ok(cli) => cli,
        Err(Usage::Config(e)) => {
            crate::output::say(&format!("error: {e:#}"));
            std::process::exit(USAGE.into());
        }
        Err(Usage::Clap(e)) => e.exit(),
    }
}

/// Why the merged command line cannot run.
#[derive(Debug)]
pub enum Usage {
    /// The config file is unreadable or has a bad key or value.
    Config(anyhow::Error),
    /// A required setting is in neither the flags nor the file.
    Clap(clap::Error),
}

/// `parse_args` without the process (a command whose flags have defaults adds its arm
/// here, with the sub-matches its flags were parsed into): loads the config for `cli` (looked up from `cwd`)
/// and applies it where `matches` says the user gave no flag.
pub fn configure(mut cli: Cli, matches: &ArgMatches, cwd: &Path) -> Result<Cli, Usage> {
    // `watch` takes nothing from the file, and a bad file (a key only a newer ddl-eta
    // knows, a stray one up the tree) must not keep the migration it wraps from running.
    if matches!(cli.command, Command::Watch(_)) {
        return Ok(cli);
    }
    let config = locate(cli.config.as_deref(), cli.no_config, cwd)
        .map(|path| Config::load(&path))
        .transpose()
        .map_err(Usage::Config)?;
    if let (Some(config), Some((_, sub))) = (config.as_ref(), matches.subcommand()) {
        match &mut cli.command {
            Command::Estimate(args) => apply_estimate(args, config, sub).map_err(Usage::Config)?,
            Command::Lint(args) => apply_lint(args, config, sub).map_err(Usage::Config)?,
            Command::Django(django) => {
                // `django estimate|lint`: the sub-sub-command's matches hold every flag.
                let sub = sub.subcommand().map_or(sub, |(_, m)| m);
                match &mut django.command {
                    DjangoCommand::Estimate(args) => {
                        apply_django(&mut args.select, config, sub);
                        apply_estimate(&mut args.estimate, config, sub)
                    }
                    DjangoCommand::Lint(args) => {
                        apply_django(&mut args.select, config, sub);
                        apply_lint(&mut args.lint, config, sub)
                    }
                }
                .map_err(Usage::Config)?
            }
            _ => {}
        }
    }
    match &cli.command {
        Command::Estimate(args) => {
            require_tables(args).map_err(Usage::Clap)?;
            stdin_named(&args.migrations, args.stdin_filepath.as_deref()).map_err(Usage::Clap)?;
        }
        Command::Lint(args) => {
            stdin_named(&args.migrations, args.stdin_filepath.as_deref()).map_err(Usage::Clap)?
        }
        Command::Django(django) => match &django.command {
            DjangoCommand::Estimate(args) => {
                require_manage(&args.select).map_err(Usage::Clap)?;
                require_tables(&args.estimate).map_err(Usage::Clap)?;
            }
            DjangoCommand::Lint(args) => require_manage(&args.select).map_err(Usage::Clap)?,
        },
        _ => {}
    }
    cli.config_read = config.map(|c| c.path);
    Ok(cli)
}

/// estimate's tables come from `--schema`, `--source` or `--profile`, on the command line
/// or in the file; clap cannot require them itself, since the file may name them.
pub fn require_tables(args: &EstimateArgs) -> Result<(), clap::Error> {
    if args.schema.is_some() || args.source.is_some() || args.profile.is_some() {
        return Ok(());
    }
    Err(Cli::command().error(
        clap::error::ErrorKind::MissingRequiredArgument,
        format!(
            "estimate needs production's tables: --schema FILE, --source URL or --profile FILE \
             (or schema, source or profile in {FILE_NAME})"
        ),
    ))
}

/// `django` needs the project's manage command, from a flag or the file.
pub fn require_manage(select: &DjangoSelectArgs) -> Result<(), clap::Error> {
    if !select.manage.is_empty() {
        return Ok(());
    }
    Err(Cli::command().error(
        clap::error::ErrorKind::MissingRequiredArgument,
        format!(
            "django needs the project's manage command: --manage \"./manage.py lms\" \
             (or manage = [\"./manage.py lms\"] in {FILE_NAME})"
        ),
    ))
}

/// `--stdin-filepath` names standard input: without `-` among the migrations it would
/// name nothing, which is a mistake worth saying (a hook that forgot the `-`).
pub fn stdin_named(
    migrations: &[PathBuf],
    stdin_filepath: Option<&Path>,
) -> Result<(), clap::Error> {
    match stdin_filepath {
        Some(path) if !migrations.iter().any(|m| m.as_os_str() == "-") => Err(Cli::command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--stdin-filepath {} names standard input, but no migration is `-`",
                    path.display()
                ),
            )),
        _ => Ok(()),
    }
}

/// Whether the user set `id` on the command line or through its environment variable.
pub fn given(matches: &ArgMatches, id: &str) -> bool {
    matches!(
        matches.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// `value` becomes `setting` unless the flag `id` was given.
fn merge<T: Clone>(matches: &ArgMatches, id: &str, value: &mut T, setting: Option<&T>) {
    if let Some(setting) = setting {
        if !given(matches, id) {
            *value = setting.clone();
        }
    }
}

fn merge_option<T: Clone>(
    matches: &ArgMatches,
    id: &str,
    value: &mut Option<T>,
    setting: Option<&T>,
) {
    if let Some(setting) = setting {
        if !given(matches, id) {
            *value = Some(setting.clone());
        }
    }
}

fn target_of(
    config: &Config,
    parse: fn(&str) -> std::result::Result<crate::online_ddl::Target, String>,
) -> Result<Option<crate::online_ddl::Target>> {
    config
        .target_server
        .as_deref()
        .map(|t| parse(t).map_err(|e| anyhow!("{}: target-server: {e}", config.path.display())))
        .transpose()
}

pub fn apply_lint(args: &mut LintArgs, config: &Config, m: &ArgMatches) -> Result<()> {
    let target = target_of(config, crate::online_ddl::parse_current_target_arg)?;
    merge(m, "target_server", &mut args.target_server, target.as_ref());
    merge_option(m, "schema", &mut args.schema, config.schema.as_ref());
    merge(m, "allow", &mut args.allow, config.allow.as_ref());
    Ok(())
}

/// Django's manage commands and database alias; the flags replace the file's list.
fn apply_django(select: &mut DjangoSelectArgs, config: &Config, m: &ArgMatches) {
    if !config.manage.is_empty() && !given(m, "manage") {
        select.manage = config.manage.clone();
    }
    merge(
        m,
        "database",
        &mut select.database,
        config.database.as_ref(),
    );
}

pub fn apply_estimate(args: &mut EstimateArgs, config: &Config, m: &ArgMatches) -> Result<()> {
    let target = target_of(config, crate::online_ddl::parse_target_arg)?;
    merge_option(m, "target_server", &mut args.target_server, target.as_ref());
    // The three ways to name production's tables exclude each other: one on the command
    // line replaces the file's, whichever it names.
    if !["schema", "source", "profile"]
        .iter()
        .any(|id| given(m, id))
    {
        merge_option(m, "schema", &mut args.schema, config.schema.as_ref());
        merge_option(m, "source", &mut args.source, config.source.as_ref());
        merge_option(m, "profile", &mut args.profile, config.profile.as_ref());
    }
    merge_option(
        m,
        "password_file",
        &mut args.read.password_file,
        config.password_file.as_ref(),
    );
    merge(m, "budget", &mut args.ladder.budget, config.budget.as_ref());
    merge_option(
        m,
        "max_rows",
        &mut args.ladder.max_rows,
        config.max_rows.as_ref(),
    );
    merge(
        m,
        "sandbox",
        &mut args.sandbox.sandbox,
        config.sandbox.as_ref(),
    );
    merge(m, "image", &mut args.sandbox.image, config.image.as_ref());
    merge(
        m,
        "buffer_pool",
        &mut args.sandbox.buffer_pool,
        config.buffer_pool.as_ref(),
    );
    if !given(m, "buffer_pool_ratio") {
        merge_option(
            m,
            "production_buffer_pool",
            &mut args.sandbox.production_buffer_pool,
            config.production_buffer_pool.as_ref(),
        );
    }
    merge_option(
        m,
        "work_dir",
        &mut args.sandbox.work_dir,
        config.work_dir.as_ref(),
    );
    // --speed-factor and --calibration exclude each other too.
    if !given(m, "speed_factor") && !given(m, "calibration") {
        merge(
            m,
            "speed_factor",
            &mut args.speed_factor,
            config.speed_factor.as_ref(),
        );
        merge_option(
            m,
            "calibration",
            &mut args.calibration,
            config.calibration.as_ref(),
        );
    }
    let gates = &config.gates;
    merge_option(
        m,
        "max_duration",
        &mut args.gate.max_duration,
        gates.max_duration.as_ref(),
    );
    merge_option(
        m,
        "max_write_block",
        &mut args.gate.max_write_block,
        gates.max_write_block.as_ref(),
    );
    merge_option(
        m,
        "max_distance",
        &mut args.gate.max_distance,
        gates.max_distance.as_ref(),
    );
    merge_option(
        m,
        "max_total",
        &mut args.gate.max_total,
        gates.max_total.as_ref(),
    );
    merge_option(
        m,
        "untimed_allowance",
        &mut args.gate.untimed_allowance,
        config.untimed_allowance.as_ref(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(Path::new("/project/.ddl-eta.toml"), text)
    }

    #[test]
    fn every_key_is_read_with_its_flags_parser() {
        let config = parse(
            r#"
target-server = "mysql:8.0.28"
profile = "ops/profile.json"
password-file = "/etc/ddl-eta/password"
allow = ["DE011", "de009"]
budget = "90s"
max-rows = "1M"
sandbox = "docker"
image = "mysql:8.0"
buffer-pool = "512M"
production-buffer-pool = 17179869184
work-dir = "tmp"
speed-factor = 2
max-duration = "10m"
max-write-block = "5s"
max-distance = 30
max-total = "1h"
manage = ["./manage.py lms --settings=lms.envs.test", "./manage.py cms"]
database = "default"
untimed-allowance = "2m"
"#,
        )
        .unwrap();
        assert_eq!(config.target_server.as_deref(), Some("mysql:8.0.28"));
        assert_eq!(
            config.profile,
            Some(PathBuf::from("/project/ops/profile.json"))
        );
        assert_eq!(
            config.password_file,
            Some(PathBuf::from("/etc/ddl-eta/password"))
        );
        assert_eq!(
            config.allow,
            Some(vec!["DE011".to_string(), "DE009".to_string()])
        );
        assert_eq!(config.budget, Some(Duration::from_secs(90)));
        assert_eq!(config.max_rows, Some(1_000_000));
        assert_eq!(config.sandbox, Some(SandboxKind::Docker));
        assert_eq!(config.buffer_pool, Some(512 << 20));
        assert_eq!(config.production_buffer_pool, Some(16 << 30));
        assert_eq!(config.work_dir, Some(PathBuf::from("/project/tmp")));
        assert_eq!(config.speed_factor, Some(2.0));
        assert_eq!(config.gates.max_total, Some(Duration::from_secs(3600)));
        assert_eq!(config.gates.max_distance, Some(30.0));
        assert_eq!(config.manage.len(), 2);
        assert_eq!(config.untimed_allowance, Some(Duration::from_secs(120)));
    }

    #[test]
    fn an_unknown_key_names_the_file_line_and_key() {
        let error = parse("budget = \"2m\"\n\nmax-duraton = \"10m\"\n").unwrap_err();
        let line = format!("{error:#}");
        assert!(
            line.starts_with("/project/.ddl-eta.toml:3: unknown key `max-duraton`"),
            "{line}"
        );
        assert!(!line.contains('\n'), "{line}");
    }

    #[test]
    fn a_bad_value_names_the_file_line_and_key() {
        let line = format!("{:#}", parse("\nbudget = \"soon\"\n").unwrap_err());
        assert!(
            line.starts_with("/project/.ddl-eta.toml:2: budget: 'soon' is not a duration"),
            "{line}"
        );
        let line = format!("{:#}", parse("allow = [\"DE999\"]\n").unwrap_err());
        assert!(line.contains(":1: allow:"), "{line}");
        let line = format!(
            "{:#}",
            parse("schema = \"a.sql\"\nprofile = \"p.json\"\n").unwrap_err()
        );
        assert!(line.contains("keep one"), "{line}");
    }

    #[test]
    fn the_nearest_file_upward_wins_and_no_config_ignores_it() {
        let root = std::env::temp_dir().join(format!("ddl-eta-config-{}", std::process::id()));
        let deep = root.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::write(root.join(FILE_NAME), "budget = \"1m\"\n").unwrap();
        assert_eq!(locate(None, false, &deep), Some(root.join(FILE_NAME)));
        std::fs::write(root.join("a").join(FILE_NAME), "budget = \"2m\"\n").unwrap();
        assert_eq!(
            locate(None, false, &deep),
            Some(root.join("a").join(FILE_NAME))
        );
        assert_eq!(locate(None, true, &deep), None);
        let explicit = root.join("elsewhere.toml");
        assert_eq!(locate(Some(&explicit), false, &deep), Some(explicit));
        std::fs::remove_dir_all(&root).unwrap();
    }

    fn estimate_with(config: &str, argv: &[&str]) -> EstimateArgs {
        let dir = std::env::temp_dir().join(format!(
            "ddl-eta-config-estimate-{}-{}",
            std::process::id(),
            argv.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), config).unwrap();
        let matches = Cli::command().try_get_matches_from(argv).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let cli = configure(cli, &matches, &dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        match cli.command {
            Command::Estimate(args) => *args,
            _ => unreachable!("an estimate command line"),
        }
    }

    #[test]
    fn estimate_flags_override_the_file() {
        let config =
            "schema = \"s.sql\"\nbudget = \"20s\"\nmax-duration = \"10m\"\nmax-rows = 5000\n";
        let args = estimate_with(config, &["ddl-eta", "estimate", "m.sql"]);
        assert_eq!(args.ladder.budget, Duration::from_secs(20));
        assert_eq!(args.gate.max_duration, Some(Duration::from_secs(600)));
        assert_eq!(args.ladder.max_rows, Some(5000));
        assert!(args.schema.is_some_and(|s| s.ends_with("s.sql")));
        let args = estimate_with(
            config,
            &[
                "ddl-eta",
                "estimate",
                "--budget",
                "1m",
                "--max-duration",
                "1h",
                "--profile",
                "p.json",
                "m.sql",
            ],
        );
        assert_eq!(args.ladder.budget, Duration::from_secs(60));
        assert_eq!(args.gate.max_duration, Some(Duration::from_secs(3600)));
        // A table source on the command line replaces the file's, whichever it names.
        assert_eq!(args.schema, None);
        assert_eq!(args.profile, Some(PathBuf::from("p.json")));
    }

    #[test]
    fn watch_never_reads_the_file_so_a_bad_one_cannot_stop_its_command() {
        let dir = std::env::temp_dir().join(format!("ddl-eta-config-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(FILE_NAME), "a-key-from-a-newer-ddl-eta = 1\n").unwrap();
        let argv = [
            "ddl-eta",
            "watch",
            "--source",
            "mysql://u@h/d",
            "--",
            "true",
        ];
        let matches = Cli::command().try_get_matches_from(argv).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let watched = configure(cli, &matches, &dir);
        // The same file stops an estimate, as it should.
        let argv = [
            "ddl-eta", "estimate", "--schema", "s.sql", "--rows", "1", "m.sql",
        ];
        let matches = Cli::command().try_get_matches_from(argv).unwrap();
        let cli = Cli::from_arg_matches(&matches).unwrap();
        let estimated = configure(cli, &matches, &dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(
            watched,
            Ok(Cli {
                command: Command::Watch(_),
                ..
            })
        ));
        assert!(matches!(estimated, Err(Usage::Config(_))));
    }
}
