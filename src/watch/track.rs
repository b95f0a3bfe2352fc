//! One watched statement over time: its progress readings, ETA, stall, the estimate it
//! was matched to, and at its end the outcome.

use super::discover::Ddl;
use super::locks::Waiting;
use super::outcome::{self, Outcome, OutcomeEstimate};
use super::sources::{self, Memory, Reading, ServerProgress};
use crate::server::ServerInfo;
use crate::source::Source;
use crate::text::human_seconds;
use std::time::{Duration, Instant, SystemTime};

/// Below this fraction done, an ETA extrapolates from too little.
const MIN_FRACTION_FOR_ETA: f64 = 0.01;
/// The ETA is compared with the estimate's interval only past this fraction.
const MIN_FRACTION_FOR_WARNING: f64 = 0.05;

pub struct Tracked {
    pub ddl: Ddl,
    started: Instant,
    started_wall: SystemTime,
    last_seen: Instant,
    rows: Option<u64>,
    estimate: Option<OutcomeEstimate>,
    memory: Memory,
    reading: Reading,
    last_change: Instant,
    waiting: Option<Waiting>,
    rowlog: Option<(u64, u64)>,
    warned: bool,
    /// The statement's running time when it was last seen waiting for its metadata lock:
    /// the pace of its work is measured from there.
    waited: f64,
}

impl Tracked {
    pub fn new(ddl: Ddl, rows: Option<u64>, estimate: Option<OutcomeEstimate>) -> Tracked {
        let now = Instant::now();
        let running = Duration::from_secs_f64(ddl.thread.seconds.max(0.0));
        Tracked {
            started: now.checked_sub(running).unwrap_or(now),
            started_wall: SystemTime::now() - running,
            last_seen: now,
            rows,
            estimate,
            memory: Memory::default(),
            reading: Reading {
                fraction: None,
                source: sources::NO_SOURCE.to_string(),
            },
            last_change: now,
            waiting: None,
            rowlog: None,
            warned: false,
            waited: 0.0,
            ddl,
        }
    }

    pub fn name(&self) -> String {
        format!("{} (thread {})", self.ddl.name(), self.ddl.thread.id)
    }

    pub fn fraction(&self) -> Option<f64> {
        self.reading.fraction
    }

    /// A new PROCESSLIST sight of the statement and the server's progress counters.
    pub fn observe(
        &mut self,
        ddl: Ddl,
        server: &ServerProgress,
        in_place: usize,
        same_database: usize,
    ) {
        let now = Instant::now();
        let mut reading = sources::reading(&ddl, server, &mut self.memory, in_place, same_database);
        // A source that falls silent near the end (the final rename, the log apply) leaves
        // its last value standing rather than "unknown".
        if reading.fraction.is_none() && !ddl.is_waiting_for_metadata_lock() {
            reading = self.reading.clone();
        }
        let moved = match (reading.fraction, self.reading.fraction) {
            (Some(new), Some(old)) => (new - old).abs() > 1e-9,
            (Some(_), None) => true,
            _ => false,
        };
        if moved || ddl.is_waiting_for_metadata_lock() {
            self.last_change = now;
        }
        if ddl.is_waiting_for_metadata_lock() {
            self.waited = ddl.thread.seconds;
        }
        if !ddl.is_waiting_for_metadata_lock() {
            self.waiting = None;
        }
        self.rowlog = match (in_place, ddl.thread.max_stage, server.rowlog_rows) {
            (1, 0, Some(rows)) if rows > 0 => Some((rows, server.rowlog_pct_used.unwrap_or(0))),
            _ => None,
        };
        self.reading = reading;
        self.ddl = ddl;
        self.last_seen = now;
    }

    fn elapsed(&self) -> f64 {
        self.ddl.thread.seconds
    }

    /// Seconds still to go, extrapolating the average pace since the lock wait ended.
    fn remaining(&self) -> Option<f64> {
        let done = self
            .reading
            .fraction
            .filter(|f| *f >= MIN_FRACTION_FOR_ETA)?;
        let working = (self.elapsed() - self.waited).max(0.0);
        Some(working * (1.0 - done.min(1.0)) / done)
    }

    /// The statement's line: progress, source, elapsed, ETA, estimate, stall, lock wait.
    pub fn status(&mut self, waiting: Option<&Waiting>, stall: Duration) -> String {
        if let Some(waiting) = waiting {
            self.waiting = Some(waiting.clone());
        }
        let elapsed = human_seconds(self.elapsed());
        if let Some(waiting) = &self.waiting {
            return format!("{}; {elapsed} elapsed", waiting.describe());
        }
        let mut text = match (self.reading.fraction, self.remaining()) {
            (Some(fraction), Some(remaining)) => format!(
                "{:.1}% [{}], {elapsed} elapsed, ETA {} more (ends ~{}){}",
                fraction * 100.0,
                self.reading.source,
                human_seconds(remaining),
                clock(SystemTime::now() + Duration::from_secs_f64(remaining)),
                self.estimate_text(" ; estimated ")
            ),
            (Some(fraction), None) => format!(
                "{:.1}% [{}], {elapsed} elapsed, no ETA yet{}",
                fraction * 100.0,
                self.reading.source,
                self.estimate_text("; estimated ")
            ),
            (None, _) => format!(
                "progress unknown [{}], {elapsed} elapsed{}",
                self.reading.source,
                self.estimate_text(" of an estimated ")
            ),
        };
        text = text.replace(" ; ", "; ");
        if let Some((rows, pct)) = self.rowlog {
            text.push_str(&format!("; online alter log {rows} rows ({pct}% full)"));
        }
        let still = self.last_change.elapsed();
        if self.reading.fraction.is_some() && still >= stall {
            text.push_str(&format!(
                "; STALLED: no progress for {}",
                human_seconds(still.as_secs_f64())
            ));
        }
        text
    }

    fn estimate_text(&self, lead: &str) -> String {
        match &self.estimate {
            Some(e) => format!(
                "{lead}{} ({} .. {})",
                human_seconds(e.seconds_p50),
                human_seconds(e.seconds_low),
                human_seconds(e.seconds_high)
            ),
            None => String::new(),
        }
    }

    /// Once per statement: the projected total left the estimate's interval.
    pub fn interval_warning(&mut self) -> Option<String> {
        let estimate = self.estimate.as_ref()?;
        let fraction = self.reading.fraction?;
        if self.warned || fraction < MIN_FRACTION_FOR_WARNING || self.waiting.is_some() {
            return None;
        }
        let total = self.elapsed() + self.remaining()?;
        if total >= estimate.seconds_low && total <= estimate.seconds_high {
            return None;
        }
        self.warned = true;
        Some(format!(
            "the projected duration {} is outside the estimate's interval {} .. {}",
            human_seconds(total),
            human_seconds(estimate.seconds_low),
            human_seconds(estimate.seconds_high)
        ))
    }

    /// The statement ended between its last sight and `missed_at`: its middle is the end.
    pub fn outcome(&self, missed_at: Instant, server: &ServerInfo) -> Outcome {
        let gap = missed_at
            .saturating_duration_since(self.last_seen)
            .as_secs_f64();
        let end = self
            .last_seen
            .saturating_duration_since(self.started)
            .as_secs_f64()
            + gap / 2.0;
        Outcome {
            schema_version: outcome::SCHEMA_VERSION,
            server: server.clone(),
            database: self.ddl.database.clone(),
            table: self.ddl.table.clone(),
            rows_at_start: self.rows,
            operation: self.ddl.operation,
            sql: self.ddl.sql.clone(),
            started_at: outcome::timestamp(self.started_wall),
            seconds: round3(end),
            seconds_uncertainty: round3(gap / 2.0),
            lock_wait_seconds: round3(self.waited),
            progress_source: self.reading.source.clone(),
            estimate: self.estimate.clone(),
        }
    }

    /// The final line on stdout.
    pub fn summary(&self, outcome: &Outcome) -> String {
        let mut line = format!(
            "{}: {} ended after {} (±{}), started {}",
            self.name(),
            outcome.operation.as_str(),
            human_seconds(outcome.seconds),
            human_seconds(outcome.seconds_uncertainty),
            outcome.started_at
        );
        if outcome.lock_wait_seconds > 0.0 {
            line.push_str(&format!(
                ", of which about {} waiting for its metadata lock",
                human_seconds(outcome.lock_wait_seconds)
            ));
        }
        if let Some(e) = &outcome.estimate {
            line.push_str(&format!(
                "; estimated {} ({} .. {}): {:.2}x the estimate",
                human_seconds(e.seconds_p50),
                human_seconds(e.seconds_low),
                human_seconds(e.seconds_high),
                outcome.working_seconds() / e.seconds_p50.max(1e-9)
            ));
        }
        if let Some(fraction) = self.reading.fraction {
            line.push_str(&format!(
                "; last progress seen {:.1}% [{}]",
                fraction * 100.0,
                self.reading.source
            ));
        }
        line
    }
}

/// Rows of the statement's table when it was first seen (the server's estimate).
pub async fn rows_of(source: &mut Source, ddl: &Ddl) -> Option<u64> {
    let database = crate::table::Database::Named(&ddl.database);
    let tables = crate::table::stats(source, database, Some(&ddl.table))
        .await
        .ok()?;
    tables.first()?.rows
}

/// "11:42:05 UTC"
fn clock(at: SystemTime) -> String {
    let stamp = outcome::timestamp(at);
    let time = stamp
        .split_once('T')
        .map_or(stamp.as_str(), |(_, t)| t)
        .trim_end_matches('Z');
    format!("{time} UTC")
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::Operation;
    use crate::watch::discover::Thread;

    fn copy_at(seconds: f64, progress: f64) -> Ddl {
        Ddl {
            thread: Thread {
                id: 9,
                db: "prod".into(),
                command: "Query".into(),
                seconds,
                state: "copy to tmp table".into(),
                info: None,
                stage: 1,
                max_stage: 2,
                progress,
            },
            database: "prod".into(),
            table: "t".into(),
            operation: Operation::AddColumn,
            sql: "ALTER TABLE t ADD COLUMN c int, ALGORITHM=COPY".into(),
        }
    }

    #[test]
    fn the_eta_extrapolates_the_pace_and_a_still_statement_is_a_stall() {
        let server = ServerProgress::default();
        let estimate = OutcomeEstimate {
            seconds_p50: 10.0,
            seconds_low: 8.0,
            seconds_high: 12.0,
            interval: 0.9,
        };
        let mut tracked = Tracked::new(copy_at(5.0, 20.0), None, Some(estimate));
        tracked.observe(copy_at(5.0, 20.0), &server, 0, 1);
        // 10% done in 5 s: 45 s to go, 50 s in all, far outside 8-12 s.
        assert_eq!(tracked.remaining(), Some(45.0));
        let line = tracked.status(None, Duration::from_secs(3600));
        assert!(
            line.starts_with("10.0% [stage 1 of 2], 5.0 s elapsed, ETA 45.0 s more"),
            "{line}"
        );
        assert!(!line.contains("STALLED"), "{line}");
        let warning = tracked.interval_warning().expect("a warning");
        assert!(warning.contains("50.0 s is outside"), "{warning}");
        assert_eq!(tracked.interval_warning(), None, "warned twice");
        // No movement since the last sight, with a zero --stall: a stall.
        tracked.observe(copy_at(6.0, 20.0), &server, 0, 1);
        let line = tracked.status(None, Duration::ZERO);
        assert!(line.contains("STALLED: no progress for"), "{line}");
    }
}
