//! `watch -- COMMAND`: run the user's migration command on ddl-eta's own stdin, stdout and
//! stderr (its output never passes through ddl-eta, so it survives ddl-eta's death), pass
//! on the termination signals ddl-eta itself receives, and hand back its exit code.

use anyhow::{Context, Result};
use std::process::Stdio;
use tokio::process::{Child, Command};

/// A termination signal ddl-eta received (SIGINT, SIGTERM or SIGHUP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal {
    pub number: i32,
    pub name: &'static str,
}

pub const SIGINT: Signal = Signal {
    number: libc::SIGINT,
    name: "SIGINT",
};
pub const SIGTERM: Signal = Signal {
    number: libc::SIGTERM,
    name: "SIGTERM",
};
/// A closed terminal or ssh session.
pub const SIGHUP: Signal = Signal {
    number: libc::SIGHUP,
    name: "SIGHUP",
};

pub struct Wrapped {
    child: Child,
    pid: i32,
    /// The command shares ddl-eta's process group, which is the terminal's foreground
    /// group: the terminal's Ctrl-C already reaches it (and ddl-eta) directly.
    shares_terminal: bool,
    name: String,
}

/// What became of a signal ddl-eta received.
#[derive(Debug, PartialEq, Eq)]
pub enum PassedOn {
    /// Sent to the command (its process group when it has one of its own).
    Sent,
    /// A SIGINT while the command shares ddl-eta's terminal: the terminal sent it to the
    /// command as well, so passing it on would deliver it twice.
    ByTheTerminal,
    /// The command has exited already.
    Gone,
}

impl Wrapped {
    /// Start the command. On a terminal where ddl-eta runs in the foreground it stays in
    /// ddl-eta's process group, so it can read the terminal (a password prompt) and Ctrl-C
    /// and Ctrl-Z reach it as they would without ddl-eta. Anywhere else (CI, a pipe, the
    /// background) it gets a process group of its own: a signal for ddl-eta's group (a CI
    /// job cancelled) reaches it once, through ddl-eta, and never twice.
    pub fn spawn(command: &[String]) -> Result<Wrapped> {
        let (program, args) = command.split_first().context("no command after `--`")?;
        let shares_terminal = in_the_terminals_foreground();
        let mut builder = Command::new(program);
        builder
            .args(args)
            .stdin(Stdio::inherit())
            .stdout(Stdio::inherit())
            .stderr(Stdio::inherit());
        if !shares_terminal {
            builder.process_group(0);
        }
        let child = builder
            .spawn()
            .with_context(|| format!("cannot run the command `{program}`"))?;
        let pid = child
            .id()
            .and_then(|pid| i32::try_from(pid).ok())
            .context("the command started without a process id")?;
        Ok(Wrapped {
            child,
            pid,
            shares_terminal,
            name: program.clone(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The command's exit code once it has exited; a command killed by a signal exits
    /// 128 + the signal's number, as a shell reports it. Cancel-safe: it may race others.
    pub async fn exited(&mut self) -> Result<u8> {
        let status = self
            .child
            .wait()
            .await
            .with_context(|| format!("waiting for the command `{}`", self.name))?;
        use std::os::unix::process::ExitStatusExt;
        Ok(match (status.code(), status.signal()) {
            (Some(code), _) => code.clamp(0, 255) as u8,
            (None, Some(signal)) => (128 + signal).clamp(0, 255) as u8,
            (None, None) => 1,
        })
    }

    /// Pass a signal ddl-eta received on to the command, once.
    pub fn pass_on(&mut self, signal: Signal) -> PassedOn {
        if !matches!(self.child.try_wait(), Ok(None)) {
            return PassedOn::Gone;
        }
        let from_the_terminal = signal == SIGINT || signal == SIGHUP;
        if self.shares_terminal && from_the_terminal && in_the_terminals_foreground() {
            return PassedOn::ByTheTerminal;
        }
        // A group of its own reaches its children too (a shell's `sleep`, a client), as a
        // terminal's signal would; in ddl-eta's group only the command itself is sent it.
        let target = match self.shares_terminal {
            true => self.pid,
            false => -self.pid,
        };
        // SAFETY: signalling the child (or its group) this process started and has not
        // reaped: try_wait above found it running, so its pid is not yet reused.
        unsafe {
            libc::kill(target, signal.number);
        }
        PassedOn::Sent
    }
}

/// Is standard input a terminal whose foreground process group is ddl-eta's?
fn in_the_terminals_foreground() -> bool {
    // SAFETY: isatty, tcgetpgrp and getpgrp only read the state of fd 0 and this process.
    unsafe { libc::isatty(0) == 1 && libc::tcgetpgrp(0) == libc::getpgrp() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_exit_code_is_the_commands_and_a_signal_is_passed_on() {
        let command = |script: &str| vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        let mut wrapped = Wrapped::spawn(&command("exit 7")).expect("runs");
        assert_eq!(wrapped.exited().await.expect("exits"), 7);
        assert_eq!(wrapped.pass_on(SIGTERM), PassedOn::Gone);
        let mut wrapped = Wrapped::spawn(&command("exec sleep 30")).expect("runs");
        assert_eq!(wrapped.pass_on(SIGTERM), PassedOn::Sent);
        assert_eq!(wrapped.exited().await.expect("exits"), 128 + 15);
        assert!(Wrapped::spawn(&["/no/such/program".to_string()]).is_err());
    }
}
