//! Entry point: parse arguments, dispatch to `commands`, map errors to exit codes.
//! Ctrl-C and SIGTERM stop the command, and with it every server it started.

use ddl_eta::cli::Cli;
use ddl_eta::commands::{self, secrets_of, FAILURE};
use ddl_eta::output;
use ddl_eta::sandbox::cleanup;
use ddl_eta::sandbox::url::redact_all;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ddl_eta::config::parse_args();
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
    match commands::run(&cli).await {
        Ok(code) => code,
        Err(error) => {
            output::say(&format!("error: {}", output::error_line(&error, secrets)));
            ExitCode::from(FAILURE)
        }
    }
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
