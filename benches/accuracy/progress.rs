//! Progress lines on stderr, stamped with the elapsed time, and a heartbeat that repeats
//! the current step when nothing was printed for 25 s: a CI job that watches for output
//! never sees the benchmark silent for 30 s.

use std::sync::Mutex;
use std::time::{Duration, Instant};

struct State {
    started: Instant,
    step: String,
    step_started: Instant,
    last_print: Instant,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> T {
    let mut guard = STATE.lock().unwrap_or_else(|p| p.into_inner());
    let state = guard.get_or_insert_with(|| State {
        started: Instant::now(),
        step: String::new(),
        step_started: Instant::now(),
        last_print: Instant::now(),
    });
    f(state)
}

fn stamp(elapsed: Duration) -> String {
    let s = elapsed.as_secs();
    format!("[{:02}:{:02}:{:02}]", s / 3600, s / 60 % 60, s % 60)
}

/// A new step: printed now, and repeated by the heartbeat while it lasts.
pub fn step(message: impl Into<String>) {
    let message = message.into();
    with_state(|s| {
        eprintln!("{} {message}", stamp(s.started.elapsed()));
        s.step = message;
        s.step_started = Instant::now();
        s.last_print = Instant::now();
    });
}

/// A line within the current step.
pub fn note(message: impl Into<String>) {
    let message = message.into();
    with_state(|s| {
        eprintln!("{}   {message}", stamp(s.started.elapsed()));
        s.last_print = Instant::now();
    });
}

pub fn elapsed() -> Duration {
    with_state(|s| s.started.elapsed())
}

/// Print "still: <step>" whenever 25 s pass without a line; runs until the program ends.
pub async fn heartbeat() {
    loop {
        tokio::time::sleep(Duration::from_secs(5)).await;
        with_state(|s| {
            if s.last_print.elapsed() >= Duration::from_secs(25) {
                eprintln!(
                    "{}   still: {} ({}s)",
                    stamp(s.started.elapsed()),
                    s.step,
                    s.step_started.elapsed().as_secs()
                );
                s.last_print = Instant::now();
            }
        });
    }
}
