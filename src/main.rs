//! Entry point: parse arguments, dispatch to `commands`, map errors to exit codes.
//! Ctrl-C, SIGTERM and SIGHUP stop the command, and with it every server it started; under
//! `watch -- COMMAND` they are passed on to COMMAND instead, which decides when it ends.

use ddl_eta::cli::{Cli, Command};
use ddl_eta::commands::{self, secrets_of, FAILURE};
use ddl_eta::output;
use ddl_eta::sandbox::cleanup;
use ddl_eta::sandbox::url::redact_all;
use ddl_eta::watch::wrap::{Signal, SIGHUP, SIGINT, SIGTERM};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ddl_eta::config::parse_args();
    let secrets = secrets_of(&cli);
    let hidden = secrets.clone();
    std::panic::set_hook(Box::new(move |info| {
        // A panic in the watching beside a wrapped command stops only the watching: the
        // supervisor says so in its one warning, and nothing is to be cleaned up.
        if ddl_eta::watch::observing() {
            return;
        }
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
    let mut signals = match Termination::listen() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("error: cannot listen for signals: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    if let Command::Watch(args) = &cli.command {
        if !args.command.is_empty() {
            // The wrapped command gets the signals; ddl-eta waits for it to end.
            let (send, receive) = tokio::sync::mpsc::unbounded_channel();
            let relay =
                tokio::spawn(async move { while send.send(signals.received().await).is_ok() {} });
            let result = ddl_eta::watch::run_wrapped(args, receive, secrets.clone()).await;
            relay.abort();
            return exit_code(result.map(ExitCode::from), &secrets);
        }
    }
    tokio::select! {
        // Poll the signal branch first (its handlers are already installed above), so a
        // signal wins over a command that happens to finish in the same instant.
        biased;
        signal = signals.received() => {
            // The command's future is dropped here, which stops its sandbox.
            output::say(&format!("ddl-eta: {} received, stopped", signal.name));
            // 130 for Ctrl-C, 143 for SIGTERM, 129 for a closed terminal: as a shell says.
            ExitCode::from(u8::try_from(128 + signal.number).unwrap_or(FAILURE))
        }
        result = commands::run(&cli) => exit_code(result, &secrets),
    }
}

/// The command's own code, or FAILURE after one line with each cause once.
fn exit_code(result: anyhow::Result<ExitCode>, secrets: &[String]) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(error) => {
            output::say(&format!("error: {}", output::error_line(&error, secrets)));
            ExitCode::from(FAILURE)
        }
    }
}

/// SIGTERM, SIGINT (Ctrl-C) and SIGHUP (a closed terminal or ssh session, whose default
/// would end ddl-eta with nothing cleaned up), caught from the moment `listen` returns.
struct Termination {
    term: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl Termination {
    fn listen() -> std::io::Result<Termination> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Termination {
            term: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    async fn received(&mut self) -> Signal {
        tokio::select! {
            _ = self.term.recv() => SIGTERM,
            _ = self.interrupt.recv() => SIGINT,
            _ = self.hangup.recv() => SIGHUP,
        }
    }
}
