//! What `watch` shows on stderr: a bar per statement on a terminal; elsewhere (CI, GoCD,
//! a pipe) one plain line per statement per interval, so a job log is never silent.
//! Lines of a wrapped command go through here too, so they never cut a bar in half.

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

    pub fn is_terminal(&self) -> bool {
        self.multi.is_some()
    }

    /// A line of ours on stderr, above the bars.
    pub fn note(&self, text: &str) {
        self.stderr_line(&format!("ddl-eta watch: {text}"));
    }

    pub fn stderr_line(&self, text: &str) {
        match &self.multi {
            Some(multi) => {
                let _ = multi.println(text);
            }
            None => crate::output::say(text),
        }
    }

    pub fn stdout_line(&self, text: &str) {
        let print = || {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
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
