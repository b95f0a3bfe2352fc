//! `ddl-eta watch`: follow a running migration on the source (or a command's own), with
//! the wrapped command's exit code where there is one.

use crate::watch::wrap::{Signal, SIGINT, SIGTERM};
use crate::watch::{self, WatchArgs};
use anyhow::{Context, Result};
use std::process::ExitCode;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

pub async fn run(args: &WatchArgs) -> Result<ExitCode> {
    if !args.command.is_empty() {
        // main.rs calls `run_wrapped` with the signals it listened for from its start.
        let code = watch::run_wrapped(args, relay_signals()?, Vec::new()).await?;
        return Ok(ExitCode::from(code));
    }
    watch::run(args).await.map(ExitCode::from)
}

/// SIGINT and SIGTERM from now on, as a channel (closed when nothing listens any more).
fn relay_signals() -> Result<UnboundedReceiver<Signal>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    let (send, receive) = unbounded_channel();
    tokio::spawn(async move {
        loop {
            let signal = tokio::select! {
                _ = term.recv() => SIGTERM,
                _ = interrupt.recv() => SIGINT,
            };
            if send.send(signal).is_err() {
                break;
            }
        }
    });
    Ok(receive)
}
