//! End to end: the blocking prediction in the JSON and the table, from the real binary
//! and a sandbox it starts itself; and --no-probe leaves it out.

mod common;
use common::*;
use serde_json::Value;

const MIGRATION: &str = "ALTER TABLE `courseware_studentmodule` ADD COLUMN `extra` integer NULL;\n\
     CREATE INDEX `csm_course_grade` ON `courseware_studentmodule` (`course_id`, `grade`);\n\
     ALTER TABLE `courseware_studentmodule` MODIFY `max_grade` float NULL;\n";

fn estimate(scratch: &Scratch, extra: &[&str]) -> Value {
    require_server_binary();
    let schema = example("courseware_studentmodule.sql");
    let migration = scratch.file("m.sql", MIGRATION);
    let migration = migration.to_string_lossy();
    let mut args = vec!["estimate", "--schema", &schema, "--rows", "2M", &migration];
    args.extend(QUICK);
    args.extend(extra);
    let output = scratch.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(&stdout(&output)).expect("stdout is JSON")
}

#[test]
fn every_statement_carries_what_it_blocks() {
    let scratch = Scratch::new("blocking");
    let report = estimate(&scratch, &["--write-rate", "100/s"]);
    let statements = report["statements"].as_array().expect("statements");
    for statement in statements {
        for m in statement["measurements"].as_array().expect("measurements") {
            for field in [
                "reads_blocked_seconds",
                "writes_blocked_seconds",
                "max_read_stall_ms",
                "max_write_stall_ms",
            ] {
                assert!(m[field].as_f64().is_some_and(|v| v >= 0.0), "{field}: {m}");
            }
            assert!(m["probe_queries"].as_u64().is_some_and(|n| n >= 1), "{m}");
        }
        let blocking = &statement["blocking"];
        for field in ["reads_blocked_seconds", "writes_blocked_seconds"] {
            let low = blocking[field]["seconds_low"].as_f64().expect("low");
            let p50 = blocking[field]["seconds_p50"].as_f64().expect("p50");
            let high = blocking[field]["seconds_high"].as_f64().expect("high");
            assert!(0.0 <= low && low <= p50 && p50 <= high, "{blocking}");
        }
        assert!(blocking["phases"].is_array(), "{blocking}");
        assert!(
            blocking["max_write_stall_ms"].as_f64().is_some(),
            "{blocking}"
        );
    }
    let (instant, index, copy) = (&statements[0], &statements[1], &statements[2]);
    // The COPY blocks writes for about its whole run at 2M rows.
    let copy_run = copy["estimate"]["seconds_p50"].as_f64().expect("p50");
    let copy_writes = copy["blocking"]["writes_blocked_seconds"]["seconds_p50"]
        .as_f64()
        .expect("writes blocked");
    assert!(copy_writes >= 0.5 * copy_run, "{}", copy["blocking"]);
    assert!(copy["blocking"]["summary"]
        .as_str()
        .is_some_and(|s| s.starts_with("writes blocked ~")));
    assert_eq!(copy["blocking"]["phases"][0], "throughout");
    assert_eq!(index["blocking"]["summary"], "brief lock at start and end");
    // The online index build has a log estimate; the others do not.
    assert!(index["blocking"]["online_log_bytes_estimate"]
        .as_u64()
        .is_some());
    assert!(copy["blocking"]["online_log_bytes_estimate"].is_null());
    assert!(instant["blocking"]["online_log_bytes_estimate"].is_null());
    assert_eq!(report["probe"]["connections"], 3);
    assert_eq!(report["probe"]["queries_per_second_per_connection"], 50.0);
    let warnings = report["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .is_some_and(|w| w.contains("lock_wait_timeout = 5"))),
        "{warnings:?}"
    );
    scratch.assert_nothing_left();
}

/// `--speed-factor 0.25` (production four times slower): the COPY runs four times as
/// long there, and blocks writes as long as it runs, not for the sandbox's time.
#[test]
fn a_speed_factor_reaches_what_a_copy_blocks() {
    let scratch = Scratch::new("blocking_speed");
    let report = estimate(
        &scratch,
        &["--speed-factor", "0.25", "--measure-route", "none"],
    );
    let copy = &report["statements"][2];
    let copy_run = copy["estimate"]["seconds_p50"].as_f64().expect("p50");
    let copy_writes = copy["blocking"]["writes_blocked_seconds"]["seconds_p50"]
        .as_f64()
        .expect("writes blocked");
    // Unscaled, the block would be about a quarter of the run.
    assert!(copy_writes >= 0.5 * copy_run, "{copy}");
    assert!(copy_writes <= 1.01 * copy_run, "{copy}");
    scratch.assert_nothing_left();
}

#[test]
fn no_probe_runs_statements_alone() {
    let scratch = Scratch::new("no_probe");
    let report = estimate(&scratch, &["--no-probe"]);
    for statement in report["statements"].as_array().expect("statements") {
        assert!(statement["blocking"].is_null(), "{statement}");
        for m in statement["measurements"].as_array().expect("measurements") {
            assert!(m["writes_blocked_seconds"].is_null(), "{m}");
        }
    }
    assert!(report["probe"].is_null());
    scratch.assert_nothing_left();
}
