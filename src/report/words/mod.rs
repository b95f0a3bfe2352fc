//! Sentences about one statement that more than one format prints: its blocking detail,
//! production's side and the validation run. Written from the report's numbers and
//! codes, so the text and HTML reports say the same thing; and each warning from its code.

use super::{Assumption, BlockingReport, ProductionReport, ProductionSource, ValidationReport};
use crate::ddl::LockLevel;
use crate::text::{group_digits, human_bytes, human_seconds, or_dash, short_rows};
use crate::warning::Warning;
pub use checklist::{checklist_question, question, write_checklist_item};

mod checklist;

/// "blocks: ... (reads .., writes ..; longest stall ...)", and the online alter log.
pub fn blocking(b: &BlockingReport) -> Vec<String> {
    let mut lines = vec![format!(
        "blocks: {}  (reads {} .. {}, writes {} .. {}; longest stall: read {}, write {})",
        b.summary,
        human_seconds(b.reads_blocked_seconds.seconds_low),
        human_seconds(b.reads_blocked_seconds.seconds_high),
        human_seconds(b.writes_blocked_seconds.seconds_low),
        human_seconds(b.writes_blocked_seconds.seconds_high),
        human_seconds(b.max_read_stall_ms / 1000.0),
        human_seconds(b.max_write_stall_ms / 1000.0)
    )];
    if let Some(bytes) = b.online_log_bytes_estimate {
        lines.push(format!(
            "online alter log at the end: ~{}",
            human_bytes(bytes)
        ));
    }
    lines
}

/// The `--validate` run beside its prediction.
pub fn validation(v: &ValidationReport) -> String {
    format!(
        "validation at {} rows: predicted {}, measured {} (error {:+.0}%{})",
        group_digits(v.rows),
        human_seconds(v.predicted),
        human_seconds(v.actual),
        v.error * 100.0,
        if v.inside_interval {
            ", inside the interval"
        } else {
            ", outside the interval: widened"
        }
    )
}

/// Production's side of a statement: where the answer comes from, and what differs.
pub fn production(p: &ProductionReport) -> Vec<String> {
    let source = match (p.source, &p.rule) {
        (ProductionSource::Measured, _) => "measured in the sandbox".to_string(),
        (ProductionSource::Rule, Some(rule)) => format!("rule {rule} for production's version"),
        (ProductionSource::Rule, None) => "rule for production's version".to_string(),
    };
    let mut lines = vec![format!(
        "production {}: algorithm {}, lock {}{}  [{source}]",
        p.server,
        or_dash(p.algorithm),
        or_dash(p.lock),
        if p.rebuilds_table {
            ", rebuilds the table"
        } else {
            ""
        }
    )];
    if p.differs {
        let time = if p.rebuild_measurements.is_empty() {
            "the time is the sandbox's"
        } else {
            "the time comes from a table rebuild measured in the sandbox"
        };
        lines.push(format!("differs from the sandbox: {time}"));
    }
    if !p.rebuild_measurements.is_empty() {
        let rebuilt: Vec<String> = p
            .rebuild_measurements
            .iter()
            .map(|m| format!("{} {}", short_rows(m.rows), human_seconds(m.seconds)))
            .collect();
        lines.push(format!("measured rebuild: {}", rebuilt.join(" | ")));
    }
    lines
}

/// Each warning in words, in order.
pub fn warnings(codes: &[Warning]) -> Vec<String> {
    codes.iter().map(warning).collect()
}

/// One warning in the current wording.
pub fn warning(w: &Warning) -> String {
    match w {
        Warning::OutOfRegime { runs, min_pool_mib } => format!(
            "{runs} of the ladder's runs were too small to keep production's buffer pool ratio \
             (the pool cannot go below {min_pool_mib} MiB): their tables fit in memory where production's do not"
        ),
        Warning::BudgetRanOut => "the --budget barely covers the calibration run: the ladder stays small, so the estimate is rough".to_string(),
        Warning::NothingToValidate => "--validate: the ladder already reached production size; nothing to validate beyond it".to_string(),
        Warning::CloneFellBack { error } => format!(
            "cloning the tables failed ({error}); they are copied with INSERT … SELECT instead from here on"
        ),
        Warning::NoProbe { statement, summary, error } => {
            format!("no probe beside statement {statement} ({summary}): {error}")
        }
        Warning::ProbeFailed { error } => format!("the probe failed: {error}"),
        Warning::FailedUnderWrites { statement, message } => format!(
            "statement {statement} failed while the probe wrote rows as the running application would ({message}); \
             without those writes it succeeded and was timed. In production, concurrent writes \
             can make it fail the same way, after doing all its work."
        ),
        Warning::ProbeErrors { statement, summary, error } => {
            format!("probe queries failed beside statement {statement} ({summary}): {error}")
        }
        Warning::BeyondReach { distance, reach, max_rows, budget_minutes } => format!(
            "production is {distance:.0}x the largest measured scale, beyond the {reach:.0}x at which ddl-eta's errors were measured: the interval is a guess there. --max-rows {max_rows:.0} with --budget {budget_minutes:.0}m (this ladder's cost at that size) would bring it within reach"
        ),
        Warning::MetadataLockWait { lock_wait_seconds: n } => format!(
            "each ALTER takes an exclusive metadata lock on its table at start and end: if a transaction that touched the table is still open on production, the ALTER waits for it and every query on the table queues behind the ALTER, for as long as that transaction lasts. Bound the wait: run `SET SESSION lock_wait_timeout = {n};` before the migration (MariaDB also takes `ALTER TABLE ... WAIT {n}`), so a blocked ALTER fails after {n} s with error 1205 and can be retried, instead of stalling user queries"
        ),
        Warning::MetadataLockHeld { thread_id, lock_type, table, status } => format!(
            "thread {thread_id} holds a {lock_type} metadata lock on {table} ({status}): the migration would wait for it"
        ),
        Warning::PoorFit { model, loo_error } => format!(
            "poor fit: the {model} model's leave-one-out error is {:.0}%; timings were noisy or changed regime",
            loo_error * 100.0
        ),
        Warning::RoughInterval {
            width,
            mode,
            distance,
            nearest_width,
        } => rough_interval(*width, *mode, *distance, *nearest_width),
        Warning::NoRule { server } => format!(
            "no rule covers this statement on {server}: production is assumed to do what the sandbox did"
        ),
        Warning::RuleDisagrees { rule, rule_algorithm, rule_lock, server, algorithm, lock } => format!(
            "rules row {rule} says {} / lock {} on {server}, the sandbox measured {} / lock {}: the measurement stands",
            rule_algorithm.as_str(),
            rule_lock.as_str(),
            algorithm.as_str(),
            lock.map_or("-", LockLevel::as_str)
        ),
        Warning::NoRebuildInProduction { server, rule } => format!(
            "{server} does this without rebuilding the table (rule {rule}); the time is the sandbox's rebuild, an upper bound"
        ),
        Warning::OnlineLogOverflow { high_bytes, p50_bytes, limit_bytes } => format!(
            "the online alter log may reach {} ({} at the median), over innodb_online_alter_log_max_size = {} (the sandbox's; check production's): the ALTER would fail at the end, after doing all its work. Raise it for this session's server, or run the change at a quieter time",
            human_bytes(*high_bytes),
            human_bytes(*p50_bytes),
            human_bytes(*limit_bytes)
        ),
        Warning::PlaintextSource { url } => format!(
            "the source {url} was read in plain text (the server offered no TLS, or \
             ssl-mode=DISABLED): add ssl-mode=VERIFY_IDENTITY to the URL to require TLS"
        ),
        Warning::OldProfile { profiled_at, age_days, limit_days, url } => format!(
            "the profile of {url} was taken {} ({age_days:.0} days ago, over the {limit_days:.0}-day limit \
             --max-profile-age): tables may have grown since; profile again",
            crate::text::utc_date(*profiled_at)
        ),
        Warning::ParentRowsAssumed { table, rows } => format!(
            "no --rows for {table}, which a migrated table's foreign key points at: seeded with {} rows \
             (a tenth of its largest child); give --rows {table}=N",
            crate::text::group_digits(*rows)
        ),
        Warning::NoOnlineTool { tool, statements } => format!(
            "statements {statements:?} block writes, but {tool} is not on PATH: the online route was not measured (install percona-toolkit)"
        ),
        Warning::NotRoutable { statement, summary } => format!(
            "--route pt-osc: statement {statement} ({summary}) is not an ALTER TABLE, CREATE INDEX or DROP INDEX on an existing table, which is all pt-online-schema-change runs: it is planned as native"
        ),
        Warning::OnlineRouteStopped { statement, message } => format!(
            "the pt-online-schema-change pass stopped at statement {statement}, which failed on the table the tool left ({message}); pt-osc's figures come from the scales before"
        ),
        Warning::Text { text } => text.clone(),
    }
}

/// How a table was known, as the reader says it: after its row count in the target line.
pub fn input(mode: crate::profile::InputMode) -> &'static str {
    use crate::profile::InputMode;
    match mode {
        InputMode::Source => "read from production",
        InputMode::Profile => "from a saved profile",
        InputMode::SchemaBytes => "schema with its bytes",
        InputMode::SchemaRows => "schema with a row count only",
    }
}

/// Where and when the tables were profiled, for a report made from a source or profile.
pub fn profile_line(source: &crate::profile::SourceMeta) -> String {
    format!(
        "database {} on {}, read {}",
        source.database,
        source.url,
        crate::text::utc_date(source.profiled_at)
    )
}

/// A table's row count and, where the report says, how it was known.
pub fn table_size(rows: String, input: Option<crate::profile::InputMode>) -> String {
    match input {
        Some(mode) => format!("{rows} rows, {}", self::input(mode)),
        None => format!("{rows} rows"),
    }
}

/// One assumption in the current wording.
pub fn assumption(a: &Assumption) -> String {
    match a {
        Assumption::ProductionServer {
            server,
            origin,
            overrides,
            series_changes,
        } => production_server(server, *origin, overrides.as_deref(), series_changes),
        Assumption::SameServer { flavor, version } => format!(
            "Production runs the same server as the sandbox ({flavor} {version}); where production differs (MySQL 8.0 or Aurora MySQL against a MariaDB sandbox), the algorithm can differ too."
        ),
        Assumption::SpeedFactor { factor } if *factor == 1.0 => {
            "Production hardware is as fast as the sandbox's (speed factor 1, --speed-factor to change).".to_string()
        }
        Assumption::SpeedFactor { factor } => format!(
            "Production hardware is {factor}x as fast as the sandbox's (--speed-factor): predictions are divided by it."
        ),
        Assumption::BufferPoolRatio { smallest_mib, largest_mib } => format!(
            "The sandbox's buffer pool kept production's ratio to the tables' size: from {smallest_mib} MiB at the smallest scale to {largest_mib} MiB at the largest, so index builds spill to disk where production's would."
        ),
        Assumption::ProductionBufferPool { production_mib, smallest_mib, largest_mib } => format!(
            "The sandbox's buffer pool followed production's {production_mib} MiB (--production-buffer-pool) in proportion to the rows: from {smallest_mib} MiB at the smallest scale to {largest_mib} MiB at the largest, so reads and sorts leave the pool where production's would."
        ),
        Assumption::FixedBufferPool { mib } => format!(
            "The sandbox's buffer pool stayed at {mib} MiB at every scale; production's memory regime (buffer pool relative to the table) decides whether index builds sort in memory (--buffer-pool-ratio, or a --source/--profile, to keep it)."
        ),
        Assumption::ColdCache => "Caches are cold (--cache cold): each statement starts with its table out of the buffer pool, though still in the OS page cache.".to_string(),
        Assumption::WarmCache => "Caches are warm: each statement runs right after its table was copied, as on a busy production table (--cache cold for the other case).".to_string(),
        Assumption::PageCache => "The sandbox's temp sort files go through the OS page cache, which can hide disk speed.".to_string(),
        Assumption::SyntheticRows { profiled: true } => "Synthetic rows reproduce the profiled null fractions, lengths, distinct counts and skew, not production's values.".to_string(),
        Assumption::SyntheticRows { profiled: false } => "Synthetic rows: realistic lengths and NULLs, but not production's value distribution (give --source or --profile for that).".to_string(),
        Assumption::TooFewOutcomes { operation, outcomes, needed } => format!(
            "{}: {outcomes} recorded outcome(s) in the calibration, fewer than {needed}: left as estimated",
            operation.as_str()
        ),
        Assumption::Calibrated { operation, outcomes, ratio_p50, ratio_low, ratio_high } => format!(
            "{}: calibrated from {outcomes} recorded outcomes: point estimate x{ratio_p50:.2} (their median actual/estimated), \
             interval x{ratio_low:.2} to x{ratio_high:.2} of the uncalibrated point (their observed spread, in place of the model's)",
            operation.as_str()
        ),
    }
}

/// Which server production runs and who said so; for a series ("mysql:8.0"), the rules
/// that an older release of it would use instead.
fn production_server(
    server: &str,
    origin: super::ServerOrigin,
    overrides: Option<&str>,
    changes: &[super::StatementSeriesChange],
) -> String {
    use super::ServerOrigin;
    let from = match (origin, overrides) {
        (ServerOrigin::TargetServer, Some(recorded)) => {
            format!("--target-server, over the {recorded} the profile recorded")
        }
        (ServerOrigin::TargetServer, None) => "--target-server".to_string(),
        (ServerOrigin::Profile, _) => "recorded in the --profile".to_string(),
        (ServerOrigin::Source, _) => "read from the --source".to_string(),
    };
    let mut text = format!(
        "Production runs {server} ({from}): where its rules give another algorithm, lock or table rebuild than the sandbox's server, the estimate follows production's rules."
    );
    if !changes.is_empty() {
        let listed: Vec<String> = changes
            .iter()
            .map(|c| {
                format!(
                    "statement {}: {} from {} (before it, {})",
                    c.statement + 1,
                    c.change.rule,
                    c.change.from,
                    c.change.before
                )
            })
            .collect();
        text.push_str(&format!(
            " A version without patch level is the newest release of its series, and within it the rules change: {}. Give the exact version (e.g. --target-server {}) if production runs an older release.",
            listed.join("; "),
            older_example(server, changes)
        ));
    }
    text
}

/// "mysql:8.0.28": the release just before the first change, as an example to give.
fn older_example(server: &str, changes: &[super::StatementSeriesChange]) -> String {
    let flavor = server.split(':').next().unwrap_or(server);
    let first = changes
        .iter()
        .map(|c| c.change.from.as_str())
        .next()
        .unwrap_or("");
    let (head, last) = first.rsplit_once('.').unwrap_or(("", first));
    match last.parse::<u32>() {
        // Keep the written width: Aurora's "3.05" comes after "3.04".
        Ok(n) if n > 0 && !head.is_empty() => {
            format!("{flavor}:{head}.{:0width$}", n - 1, width = last.len())
        }
        _ => format!("{flavor}:{first}"),
    }
}

/// The rough-interval warning: what would narrow it depends on what ddl-eta was given.
fn rough_interval(
    width: Option<f64>,
    mode: crate::model::InputMode,
    distance: f64,
    nearest_width: Option<f64>,
) -> String {
    use crate::model::InputMode;
    let advice = match (mode, nearest_width) {
        (InputMode::SchemaRows | InputMode::SchemaBytes, _) => {
            "give the table's bytes or a profile (--source or --profile)".to_string()
        }
        (InputMode::Profile | InputMode::Source, Some(nearest)) if nearest > 4.0 => format!(
            "the accuracy benchmark measured this kind of work's errors {nearest:.1}x wide even at the nearest distance, so a larger --max-rows or --budget will not narrow it much"
        ),
        (InputMode::Profile | InputMode::Source, _) => format!(
            "production is {distance:.0}x beyond the ladder: a larger --max-rows or --budget narrows it"
        ),
    };
    match width {
        Some(width) => format!("rough: the 90% interval is {width:.1}x wide; {advice}"),
        None => format!("rough: the 90% interval reaches down to zero; {advice}"),
    }
}

/// The input mode whose error model made an interval, in words.
pub fn input_mode(mode: crate::model::InputMode) -> &'static str {
    use crate::model::InputMode;
    match mode {
        InputMode::Profile | InputMode::Source => "profile (source) mode",
        InputMode::SchemaBytes => "schema mode with the table's bytes",
        InputMode::SchemaRows => "schema mode with a row count only",
    }
}

/// Where an interval came from, in one line.
pub fn interval_source(source: &super::IntervalSource) -> String {
    use crate::model::ModelStatus;
    let status = match source.status {
        ModelStatus::Measured => "measured",
        ModelStatus::Derived => "derived from the benchmark's published schema-mode figures, widened",
        ModelStatus::Unmeasured => {
            "unmeasured: rough (the row-count-only model stands in until the benchmark measures this mode)"
        }
    };
    let reach = match source.measured_to {
        // A ladder capped at 1/100 may stop a little short of it: 5% is rounding, more is
        // a widening worth saying.
        Some(to) if source.distance > to * 1.05 => {
            format!("; beyond the farthest measured distance ({to:.0}x) it widens as ln(distance)")
        }
        Some(to) => format!(" (measured to {to:.0}x)"),
        None => String::new(),
    };
    format!(
        "interval from: the {} error model ({status}) at {:.0}x{reach}",
        input_mode(source.model),
        source.distance
    )
}

/// How the point at production's rows was made: "n·log n from the 2.9M-row runs, x0.94
/// measured bias".
pub fn extrapolation(e: &crate::model::Extrapolation, law: &str) -> String {
    use crate::model::ExtrapolationRule;
    let runs = if e.runs > 1 { "runs" } else { "run" };
    let bias = if (e.bias - 1.0).abs() >= 0.005 {
        format!(", x{:.2} measured bias", e.bias)
    } else {
        String::new()
    };
    match e.rule {
        ExtrapolationRule::NlognFromLargest => format!(
            "n·log n from the {}-row {runs}{bias}",
            crate::text::short_rows(e.from_rows)
        ),
        ExtrapolationRule::WithinLadder => format!("within the ladder: the {law} law{bias}"),
        ExtrapolationRule::Law => format!(
            "the {law} law from the {}-row {runs} (metadata work)",
            crate::text::short_rows(e.from_rows)
        ),
    }
}

/// The hardware term in one line.
pub fn hardware(term: &super::HardwareTerm) -> String {
    match term.source {
        super::HardwareSource::Prior => format!(
            "hardware: every interval on rows includes production's unknown speed against the sandbox's, x/÷{:.1} (a prior: docs/accuracy.md); --speed-spread or --calibration replaces it",
            term.ratio
        ),
        super::HardwareSource::Stated => format!(
            "hardware: every interval on rows includes --speed-spread's x/÷{:.2}",
            term.ratio
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputMode;

    #[test]
    fn rough_advice_asks_for_a_larger_ladder_only_where_one_would_help() {
        let near = rough_interval(Some(5.0), InputMode::Source, 12.0, Some(2.4));
        assert!(
            near.contains("a larger --max-rows or --budget narrows it"),
            "{near}"
        );
        let wide = rough_interval(Some(5.2), InputMode::Profile, 12.0, Some(5.2));
        assert!(
            wide.contains("5.2x wide even at the nearest distance"),
            "{wide}"
        );
        assert!(wide.contains("will not narrow it much"), "{wide}");
        let old = rough_interval(Some(5.0), InputMode::Source, 12.0, None);
        assert!(old.contains("narrows it"), "{old}");
    }
}
