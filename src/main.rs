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
    let secret = secret_of(&cli);
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
    let code = runtime.block_on(run_until_signal(cli, secret));
    cleanup::release_all_blocking();
    code
}

async fn run_until_signal(cli: Cli, secret: Option<String>) -> ExitCode {
    tokio::select! {
        // Poll the signal branch first, so its handlers are installed before the command
        // runs its first synchronous stretch (creating the sandbox's data directory); a
        // signal there used to kill the process outright, leaving the directory behind.
        biased;
        signal = termination() => {
            // The command's future is dropped here, which stops its sandbox.
            eprintln!("ddl-eta: {signal} received, stopped");
            ExitCode::from(if signal == "SIGTERM" { 143 } else { 130 })
        }
        code = run(cli, secret.as_deref()) => code,
    }
}

async fn run(cli: Cli, secret: Option<&str>) -> ExitCode {
    let outcome = match &cli.command {
        Command::Estimate(args) => ddl_eta::estimate::run(args)
            .await
            .map(|report| print!("{}", ddl_eta::report::render(&report, args.format))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = format!("{error:#}");
            let message = match secret {
                Some(url) => ddl_eta::sandbox::url::redact(&message, url),
                None => message,
            };
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

/// A URL whose password must never be printed.
fn secret_of(cli: &Cli) -> Option<String> {
    match &cli.command {
        Command::Estimate(args) => args.sandbox.sandbox_url.clone(),
    }
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
