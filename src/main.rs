//! Entry point: parse arguments, run one command, print its report, map errors to exit
//! codes. Ctrl-C and SIGTERM stop the command, and with it every server it started.

use clap::Parser;
use ddl_eta::cli::{Cli, Command};
use ddl_eta::sandbox::cleanup;
use std::process::ExitCode;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        cleanup::release_all_blocking();
        eprintln!("error: internal error: {info}");
    }));
    let cli = Cli::parse();
    let secrets = secrets_of(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = runtime.block_on(run_until_signal(cli, secrets));
    cleanup::release_all_blocking();
    code
}

async fn run_until_signal(cli: Cli, secrets: Vec<String>) -> ExitCode {
    tokio::select! {
        code = run(cli, &secrets) => code,
        signal = termination() => {
            // The command's future is dropped here, which stops its sandbox.
            eprintln!("ddl-eta: {signal} received, stopped");
            ExitCode::from(if signal == "SIGTERM" { 143 } else { 130 })
        }
    }
}

async fn run(cli: Cli, secrets: &[String]) -> ExitCode {
    let outcome = match &cli.command {
        Command::Estimate(args) => ddl_eta::estimate::run(args)
            .await
            .map(|report| print!("{}", ddl_eta::report::render(&report, args.format))),
        Command::Profile(args) => ddl_eta::source::run(args)
            .await
            .and_then(|profile| Ok(serde_json::to_string_pretty(&profile)?))
            .map(|json| println!("{json}")),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = ddl_eta::sandbox::url::redact_all(&format!("{error:#}"), secrets);
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
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
    };
    let mut secrets: Vec<String> = urls
        .iter()
        .flatten()
        .filter_map(|url| ddl_eta::sandbox::url::password_of(url).map(str::to_string))
        .collect();
    if let Ok(Some(password)) = ddl_eta::source::password_from(read.password_file.as_ref()) {
        secrets.push(password);
    }
    secrets
}

async fn termination() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    let mut interrupt = match signal(SignalKind::interrupt()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    }
}
