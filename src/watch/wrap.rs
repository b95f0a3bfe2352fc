//! `watch -- COMMAND...`: run the user's own migration command, pass its output through
//! line by line (so progress lines fall between its lines, never inside one), and hand
//! back its exit code. ddl-eta's own connections still only read.

use super::screen::Screen;
use anyhow::{Context, Result};
use std::process::Stdio;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

pub struct Wrapped {
    child: Child,
    pid: Option<u32>,
    forwarders: Vec<JoinHandle<()>>,
    exit: Option<u8>,
    name: String,
}

impl Wrapped {
    pub fn spawn(command: &[String], screen: Arc<Screen>) -> Result<Wrapped> {
        let (program, args) = command.split_first().context("no command after `--`")?;
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::inherit())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run the command `{program}`"))?;
        let mut forwarders = Vec::new();
        if let Some(out) = child.stdout.take() {
            forwarders.push(forward(out, screen.clone(), false));
        }
        if let Some(err) = child.stderr.take() {
            forwarders.push(forward(err, screen, true));
        }
        Ok(Wrapped {
            pid: child.id(),
            child,
            forwarders,
            exit: None,
            name: program.clone(),
        })
    }

    /// The command's exit code once it has exited and its output is passed on; a command
    /// killed by a signal exits 128 + the signal's number, as a shell reports it.
    pub async fn exited(&mut self) -> Result<u8> {
        if let Some(code) = self.exit {
            return Ok(code);
        }
        let status = self
            .child
            .wait()
            .await
            .with_context(|| format!("waiting for the command `{}`", self.name))?;
        // One at a time and removed only once done: this future may be dropped between
        // polls (it races a timer), and no output may be lost when it is.
        while let Some(forwarder) = self.forwarders.first_mut() {
            let _ = forwarder.await;
            self.forwarders.remove(0);
        }
        use std::os::unix::process::ExitStatusExt;
        let code = match (status.code(), status.signal()) {
            (Some(code), _) => code.clamp(0, 255) as u8,
            (None, Some(signal)) => (128 + signal).clamp(0, 255) as u8,
            (None, None) => 1,
        };
        self.exit = Some(code);
        self.pid = None;
        Ok(code)
    }

    pub fn has_exited(&self) -> bool {
        self.exit.is_some()
    }
}

impl Drop for Wrapped {
    /// ddl-eta stopped first (Ctrl-C, SIGTERM, an error): pass SIGTERM on, so the command
    /// is not left running unobserved.
    fn drop(&mut self) {
        if let (None, Some(pid)) = (self.exit, self.pid) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            // SAFETY: signalling the child this process started and has not reaped.
            unsafe {
                libc::kill(pid as i32, libc::SIGTERM);
            }
        }
    }
}

fn forward(
    stream: impl AsyncRead + Unpin + Send + 'static,
    screen: Arc<Screen>,
    to_stderr: bool,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut lines = BufReader::new(stream).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if to_stderr {
                screen.stderr_line(&line);
            } else {
                screen.stdout_line(&line);
            }
        }
    })
}
