//! Progress on stderr. On a terminal: an indicatif bar or spinner per step. Elsewhere (CI,
//! GoCD, a pipe): a plain line when a step starts and a "still working" line at least every
//! 20 seconds, because a CI job that sees no output for its timeout is cancelled.

use crate::output::say;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HEARTBEAT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    bar: Option<ProgressBar>,
    quiet: bool,
    started: Instant,
    step: Mutex<Step>,
}

struct Step {
    message: String,
    since: Instant,
}

impl Progress {
    /// `quiet` silences everything (tests, `--quiet`).
    pub fn new(quiet: bool) -> Progress {
        let terminal = std::io::stderr().is_terminal() && !quiet;
        let bar = terminal.then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        let progress = Progress {
            inner: Arc::new(Inner {
                bar,
                quiet,
                started: Instant::now(),
                step: Mutex::new(Step {
                    message: String::new(),
                    since: Instant::now(),
                }),
            }),
        };
        if !terminal && !quiet {
            progress.spawn_heartbeat();
        }
        progress
    }

    fn spawn_heartbeat(&self) {
        let weak = Arc::downgrade(&self.inner);
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let Some(inner) = weak.upgrade() else { break };
                let step = inner.lock_step();
                if !step.message.is_empty() {
                    say(&format!(
                        "ddl-eta: still working ({}s): {} ({}s so far)",
                        inner.started.elapsed().as_secs(),
                        step.message,
                        step.since.elapsed().as_secs()
                    ));
                }
            }
        });
    }

    /// A new step with no known size: a spinner with elapsed time.
    pub fn step(&self, message: impl Into<String>) {
        let message = message.into();
        self.set_step(&message);
        match &self.inner.bar {
            Some(bar) => {
                bar.set_style(spinner_style());
                bar.set_length(0);
                bar.set_position(0);
                bar.set_message(message);
                bar.reset_elapsed();
            }
            None => self.plain(&message),
        }
    }

    /// A new step of `total` units (rows): a bar.
    pub fn counted_step(&self, message: impl Into<String>, total: u64) {
        let message = message.into();
        self.set_step(&message);
        match &self.inner.bar {
            Some(bar) => {
                bar.set_style(bar_style());
                bar.set_length(total);
                bar.set_position(0);
                bar.set_message(message);
                bar.reset_elapsed();
            }
            None => self.plain(&message),
        }
    }

    pub fn set_position(&self, done: u64) {
        if let Some(bar) = &self.inner.bar {
            bar.set_position(done);
        }
    }

    /// A line that stays (a warning, a notice), printed above the bar.
    pub fn note(&self, message: &str) {
        if self.inner.quiet {
            return;
        }
        match &self.inner.bar {
            Some(bar) => bar.println(format!("ddl-eta: {message}")),
            None => say(&format!("ddl-eta: {message}")),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.inner.bar {
            bar.finish_and_clear();
        }
        self.set_step("");
    }

    fn set_step(&self, message: &str) {
        let mut step = self.inner.lock_step();
        step.message = message.to_string();
        step.since = Instant::now();
    }

    fn plain(&self, message: &str) {
        if !self.inner.quiet {
            say(&format!(
                "ddl-eta: [{:>4}s] {message}",
                self.inner.started.elapsed().as_secs()
            ));
        }
    }
}

impl Inner {
    fn lock_step(&self) -> std::sync::MutexGuard<'_, Step> {
        self.step.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
}

fn bar_style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {msg} {wide_bar} {human_pos}/{human_len} ({per_sec}, eta {eta})",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}
