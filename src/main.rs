//! Entry point: parse arguments, run one command, print its report, map errors to exit
//! codes. Ctrl-C and SIGTERM stop the command, and with it every server it started.

use clap::Parser;
use ddl_eta::cli::{Cli, Command, CompareArgs, EstimateArgs, ReportArgs};
use ddl_eta::output::{self, write_output};
use ddl_eta::report::{self, gate};
use ddl_eta::sandbox::cleanup;
use ddl_eta::sandbox::url::redact_all;
use std::process::ExitCode;

/// Exit codes, the same for every command (README, "Exit codes").
const FAILURE: u8 = 1;
const GATE: u8 = 3;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let secrets = secrets_of(&cli);
    let hidden = secrets.clone();
    std::panic::set_hook(Box::new(move |info| {
        cleanup::release_all_blocking();
        let message = redact_all(&format!("error: internal error: {info}"), &hidden);
        output::say(&message);
    }));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    let code = runtime.block_on(run_until_signal(cli, secrets));
    cleanup::release_all_blocking();
    code
}

async fn run_until_signal(cli: Cli, secrets: Vec<String>) -> ExitCode {
    // Handlers go in before any work starts: a signal that arrives while the command is
    // still setting up must find them, or it kills ddl-eta with nothing cleaned up.
    let signals = match Termination::listen() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("error: cannot listen for signals: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    tokio::select! {
        // Poll the signal branch first (its handlers are already installed above), so a
        // signal wins over a command that happens to finish in the same instant.
        biased;
        signal = signals.received() => {
            // The command's future is dropped here, which stops its sandbox.
            output::say(&format!("ddl-eta: {signal} received, stopped"));
            ExitCode::from(if signal == "SIGTERM" { 143 } else { 130 })
        }
        code = run(cli, &secrets) => code,
    }
}

async fn run(cli: Cli, secrets: &[String]) -> ExitCode {
    let outcome = match &cli.command {
        Command::Estimate(args) => estimate(args).await,
        Command::Compare(args) => compare(args),
        Command::Report(args) => rerender(args),
        Command::Lint(args) => lint(args),
        Command::Profile(args) => profile(args).await,
        Command::Watch(args) => ddl_eta::watch::run(args).await.map(ExitCode::from),
        Command::Calibrate(args) => calibrate(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            output::say(&format!("error: {}", output::error_line(&error, secrets)));
            ExitCode::from(FAILURE)
        }
    }
}

async fn estimate(args: &EstimateArgs) -> anyhow::Result<ExitCode> {
    let report = ddl_eta::estimate::run(args).await?;
    write_output(
        &report::render(&report, args.format),
        args.output.as_deref(),
    )?;
    let fired = gate::check(&report, &args.gate);
    for line in &fired {
        output::say(&format!("gate: {line}"));
    }
    Ok(if fired.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(GATE)
    })
}

fn compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    let old = ddl_eta::compare::load(&args.old)?;
    let new = ddl_eta::compare::load(&args.new)?;
    let comparison = ddl_eta::compare::compare(&old, &new);
    let text = if args.json {
        serde_json::to_string_pretty(&comparison)? + "\n"
    } else {
        ddl_eta::compare::render_text(&comparison, &old, &new)
    };
    write_output(&text, None)?;
    Ok(ExitCode::SUCCESS)
}

fn rerender(args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let report = ddl_eta::compare::load(&args.report)?;
    write_output(
        &report::render(&report, args.format),
        args.output.as_deref(),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Prints the findings; exit 3 when one is at error level.
fn lint(args: &ddl_eta::cli::LintArgs) -> anyhow::Result<ExitCode> {
    let report = ddl_eta::lint::run(&ddl_eta::lint::LintOptions {
        migrations: &args.migrations,
        schema: args.schema.as_deref(),
        target: args.target_server.clone(),
        allow: &args.allow,
    })?;
    write_output(&ddl_eta::lint::format::render(&report, args.format), None)?;
    Ok(if report.has_errors() {
        ExitCode::from(GATE)
    } else {
        ExitCode::SUCCESS
    })
}

async fn profile(args: &ddl_eta::cli::ProfileArgs) -> anyhow::Result<ExitCode> {
    let profile = ddl_eta::source::run(args).await?;
    if let Some(warning) = profile
        .source
        .as_ref()
        .and_then(ddl_eta::profile::SourceMeta::plaintext_warning)
    {
        output::say(&format!("warning: {warning}"));
    }
    write_output(&(serde_json::to_string_pretty(&profile)? + "\n"), None)?;
    Ok(ExitCode::SUCCESS)
}

fn calibrate(args: &ddl_eta::watch::calibrate::CalibrateArgs) -> anyhow::Result<ExitCode> {
    let calibration = ddl_eta::watch::calibrate::run(args)?;
    let text = serde_json::to_string_pretty(&calibration)? + "\n";
    write_output(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}

/// Passwords that must never be printed: those in the URLs, the password file's and
/// MYSQL_PWD.
fn secrets_of(cli: &Cli) -> Vec<String> {
    let (urls, read) = match &cli.command {
        Command::Estimate(args) => (
            vec![args.sandbox.sandbox_url.clone(), args.source.clone()],
            &args.read,
        ),
        Command::Profile(args) => (vec![Some(args.source.clone())], &args.read),
        Command::Watch(args) => return watch_secrets(args),
        Command::Compare(_) | Command::Report(_) | Command::Lint(_) | Command::Calibrate(_) => {
            return Vec::new()
        }
    };
    let mut secrets: Vec<String> = urls
        .iter()
        .flatten()
        .flat_map(|url| ddl_eta::sandbox::url::password_forms(url))
        .collect();
    if let Ok(Some(password)) = ddl_eta::source::password_from(read.password_file.as_ref()) {
        secrets.push(password);
    }
    secrets
}

fn watch_secrets(args: &ddl_eta::watch::WatchArgs) -> Vec<String> {
    let mut secrets = ddl_eta::sandbox::url::password_forms(&args.source);
    if let Ok(Some(password)) = ddl_eta::source::password_from(args.password_file.as_ref()) {
        secrets.push(password);
    }
    secrets
}

/// SIGTERM and SIGINT (Ctrl-C), caught from the moment `listen` returns.
struct Termination {
    term: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Termination {
    fn listen() -> std::io::Result<Termination> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Termination {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
        })
    }

    async fn received(mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.interrupt.recv() => "SIGINT",
        }
    }
}
