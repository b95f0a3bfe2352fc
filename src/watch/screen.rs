//! What `watch` shows on stderr: a bar per statement on a terminal; elsewhere (CI, GoCD,
//! a pipe) one plain line per statement per interval, so a job log is never silent.
//! Beside a wrapped command, which writes to the same terminal or log itself, only lines:
//! each in one write, so the command's output never cuts one in half.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

pub struct Screen {
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<u64, ProgressBar>>,
}

impl Screen {
    pub fn new() -> Screen {
        let multi = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Screen {
            multi,
            bars: Mutex::new(HashMap::new()),
        }
    }

    /// Plain lines only, even on a terminal: a wrapped command writes there too, and a
    /// bar redrawn over its lines would garble them.
    pub fn lines() -> Screen {
        Screen {
            multi: None,
            bars: Mutex::new(HashMap::new()),
        }
    }

    pub fn is_terminal(&self) -> bool {
        self.multi.is_some()
    }

    /// A line of ours on stderr, above the bars.
    pub fn note(&self, text: &str) {
        self.stderr_line(&format!("ddl-eta watch: {text}"));
    }

    /// One warning line: something went wrong with the watching, not with what is watched.
    pub fn warn(&self, text: &str) {
        self.note(&format!("warning: {text}"));
    }

    pub fn stderr_line(&self, text: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(text);
            }
            // One write of the whole line (a pipe takes up to 4 KiB at once): a line of
            // the command's can come before or after it, never inside it.
            None => {
                let _ = std::io::stderr().write_all(format!("{text}\n").as_bytes());
            }
        }
    }

    pub fn stdout_line(&self, text: &str) {
        let print = || {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(format!("{text}\n").as_bytes());
            let _ = out.flush();
        };
        match &self.multi {
            Some(multi) => multi.suspend(print),
            None => print(),
        }
    }

    /// A statement's state: its bar on a terminal, else a plain line (when `due`).
    pub fn show(&self, key: u64, name: &str, fraction: Option<f64>, text: &str, due: bool) {
        let Some(multi) = &self.multi else {
            if due {
                self.note(&format!("{name}: {text}"));
            }
            return;
        };
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        let bar = bars.entry(key).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new(1000));
            let style = ProgressStyle::with_template("{prefix} [{bar:30}] {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_prefix(name.to_string());
            bar
        });
        bar.set_position((fraction.unwrap_or(0.0).clamp(0.0, 1.0) * 1000.0) as u64);
        bar.set_message(text.to_string());
    }

    pub fn remove(&self, key: u64) {
        let mut bars = self.bars.lock().unwrap_or_else(|e| e.into_inner());
        if let (Some(bar), Some(multi)) = (bars.remove(&key), &self.multi) {
            bar.finish_and_clear();
            multi.remove(&bar);
        }
    }
}

impl Default for Screen {
    fn default() -> Self {
        Screen::new()
    }
}
