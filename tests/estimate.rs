//! End to end: the real binary, a real sandbox server it starts itself, real timings.

mod common;
use common::*;
use serde_json::Value;

fn estimate_json(scratch: &Scratch, migration: &str, rows: &str) -> Value {
    require_server_binary();
    let schema = example("courseware_studentmodule.sql");
    let mut args = vec!["estimate", "--schema", &schema, "--rows", rows, migration];
    args.extend(QUICK);
    json_report(&scratch.run(&args))
}

#[test]
fn estimate_finds_the_algorithm_each_statement_really_gets_and_extrapolates() {
    let scratch = Scratch::new("e2e");
    let migration = scratch.file(
        "m.sql",
        "-- three kinds\n\
         ALTER TABLE `courseware_studentmodule` ADD COLUMN `extra` integer NULL;\n\
         CREATE INDEX `csm_course_grade` ON `courseware_studentmodule` (`course_id`, `grade`);\n\
         ALTER TABLE `courseware_studentmodule` MODIFY `max_grade` float NULL;\n\
         ALTER TABLE `courseware_studentmodule` ADD COLUMN `forced` int NULL, ALGORITHM=COPY;\n",
    );
    let report = estimate_json(&scratch, &migration.to_string_lossy(), "2M");

    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["sandbox"]["flavor"], "mariadb");
    assert_eq!(report["tables"][0]["name"], "courseware_studentmodule");
    assert_eq!(report["tables"][0]["target_rows"], 2_000_000);
    let statements = report["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 4);

    let add_column = &statements[0];
    assert_eq!(add_column["operation"], "add_column");
    assert_eq!(add_column["algorithm"], "instant");
    assert_eq!(add_column["line"], 2);
    let add_index = &statements[1];
    assert_eq!(add_index["operation"], "add_index");
    let algorithm = add_index["algorithm"].as_str().expect("algorithm");
    assert!(
        algorithm == "nocopy" || algorithm == "inplace",
        "{algorithm}"
    );
    assert_eq!(add_index["lock"], "none");
    let modify = &statements[2];
    assert_eq!(modify["operation"], "modify_column");
    assert_eq!(modify["algorithm"], "copy");
    assert_eq!(modify["lock"], "shared");
    // The user's ALGORITHM=COPY is what runs, not the instant add the server would pick.
    let forced = &statements[3];
    assert_eq!(forced["operation"], "add_column");
    assert_eq!(forced["algorithm"], "copy");
    assert_eq!(forced["lock"], "shared");

    for statement in statements {
        let measurements = statement["measurements"].as_array().expect("measurements");
        assert!(
            measurements.len() >= 5,
            "ladder too short: {measurements:?}"
        );
        let estimate = &statement["estimate"];
        assert_eq!(estimate["rows"], 2_000_000);
        assert_eq!(estimate["interval"], 0.9);
        let p50 = estimate["seconds_p50"].as_f64().expect("p50");
        let low = estimate["seconds_low"].as_f64().expect("low");
        let high = estimate["seconds_high"].as_f64().expect("high");
        assert!(low <= p50 && p50 <= high, "{estimate}");
        assert!(statement["model"]["kind"].is_string());
        assert!(statement["model"]["loo_error"].as_f64().is_some());
    }
    // An instant change is modelled as a constant: its cost is the lock, not the rows.
    assert_eq!(add_column["model"]["kind"], "constant");
    // A table rebuild at 2M rows takes longer than at the few thousand measured.
    let copy_measured = modify["measurements"]
        .as_array()
        .and_then(|m| {
            m.iter()
                .filter_map(|x| x["seconds"].as_f64())
                .reduce(f64::max)
        })
        .expect("copy timings");
    assert!(modify["estimate"]["seconds_p50"].as_f64().expect("p50") > copy_measured);

    let total = &report["total"];
    let sum_p50: f64 = statements
        .iter()
        .filter_map(|s| s["estimate"]["seconds_p50"].as_f64())
        .sum();
    let total_p50 = total["seconds_p50"].as_f64().expect("total p50");
    let sum_high: f64 = statements
        .iter()
        .filter_map(|s| s["estimate"]["seconds_high"].as_f64())
        .sum();
    // Schema mode with a row count only, hundreds of times beyond this small ladder, has
    // wide right-skewed intervals: the median of their sum lies above the sum of their
    // medians, and below the sum of their high ends.
    assert!(
        total_p50 >= 0.75 * sum_p50 - 0.01 && total_p50 <= sum_high,
        "{total} vs {sum_p50} .. {sum_high}"
    );
    let low = total["seconds_low"].as_f64().expect("total low");
    let high = total["seconds_high"].as_f64().expect("total high");
    assert!(low <= sum_p50 && sum_p50 <= high, "{total} vs {sum_p50}");
    // The report says which error model its intervals came from.
    assert!(statements
        .iter()
        .all(|s| s["estimate"]["source"]["model"] == "schema_rows"));
    scratch.assert_nothing_left();
}

#[test]
fn text_output_has_a_row_per_statement_and_a_total() {
    require_server_binary();
    let scratch = Scratch::new("text");
    let schema = example("courseware_studentmodule.sql");
    let migration = example("0015_add_courseware_stats_index.sql");
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &schema,
        "--rows",
        "50M",
        &migration,
        "--max-rows",
        "3000",
        "--budget",
        "40s",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("1. ALTER TABLE `courseware_studentmodule` ADD COLUMN"),
        "{text}"
    );
    assert!(text.contains("2. CREATE INDEX"), "{text}");
    assert!(text.contains("at 50,000,000 rows"), "{text}");
    assert!(text.contains("blocks"), "{text}");
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("total")),
        "{text}"
    );
    // Progress goes to stderr, never stdout.
    assert!(!text.contains("seeding"), "{text}");
    assert!(stderr(&output).contains("seeding"), "{}", stderr(&output));
    scratch.assert_nothing_left();
}

#[test]
fn validate_runs_one_scale_beyond_the_ladder_and_reports_the_error() {
    require_server_binary();
    let scratch = Scratch::new("validate");
    let schema = example("courseware_studentmodule.sql");
    let migration = example("0017_alter_studentmodule_grade.sql");
    let mut args = vec![
        "estimate",
        "--schema",
        &schema,
        "--rows",
        "1M",
        &migration,
        "--validate",
    ];
    args.extend(QUICK);
    let output = scratch.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("json");
    let statement = &report["statements"][0];
    let largest = statement["measurements"]
        .as_array()
        .and_then(|m| m.iter().filter_map(|x| x["rows"].as_u64()).max())
        .expect("measurements");
    let validation = &statement["validation"];
    // Three times the ladder's top, and not among the fitted measurements.
    let rows = validation["rows"].as_u64().expect("rows");
    assert!(rows.abs_diff(largest * 3) <= 1, "{rows} vs 3 x {largest}");
    let predicted = validation["predicted"].as_f64().expect("predicted");
    let actual = validation["actual"].as_f64().expect("actual");
    let error = validation["error"].as_f64().expect("error");
    assert!(actual > 0.0 && predicted > 0.0);
    assert!((error - (predicted - actual) / actual).abs() < 1e-9);
    assert!(validation["inside_interval"].is_boolean());
    scratch.assert_nothing_left();
}

/// The example's estimate at 1M rows with `regime` (the memory regime's flags): the report,
/// and each measured scale with its buffer pool.
fn pools_by_scale(scratch: &Scratch, regime: &[&str]) -> (Value, Vec<(u64, u64)>) {
    let schema = example("courseware_studentmodule.sql");
    let migration = example("0015_add_courseware_stats_index.sql");
    let mut args = vec!["estimate", "--schema", &schema, "--rows", "1M", &migration];
    args.extend(regime);
    args.extend(QUICK);
    let output = scratch.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("json");
    let numbers = |key: &str| -> Vec<u64> {
        let values = report["ladder"][key].as_array().expect(key);
        values.iter().map(|v| v.as_u64().expect(key)).collect()
    };
    let (scales, pools) = (numbers("scales"), numbers("buffer_pool_bytes"));
    assert_eq!(
        pools.len(),
        scales.len(),
        "one pool size per measured scale"
    );
    let pairs = scales.into_iter().zip(pools).collect();
    (report, pairs)
}

#[test]
fn the_buffer_pool_follows_production_ratio_at_every_scale() {
    require_server_binary();
    let scratch = Scratch::new("regime");
    let (report, pools) = pools_by_scale(&scratch, &["--buffer-pool-ratio", "0.1"]);
    assert!(pools.iter().all(|(_, pool)| *pool >= 8 << 20));
    // A few thousand rows make a table of a few MiB: a tenth of it is below the floor.
    let warnings = report["warnings"].to_string();
    assert!(warnings.contains("buffer pool ratio"), "{warnings}");
    let assumptions = report["assumptions"].to_string();
    assert!(
        assumptions.contains("kept production's ratio"),
        "{assumptions}"
    );

    let migration = example("0015_add_courseware_stats_index.sql");
    let fixed = estimate_json(&scratch, &migration, "1M");
    assert!(fixed["ladder"].get("buffer_pool_bytes").is_none());
    scratch.assert_nothing_left();
}

#[test]
fn the_buffer_pool_follows_production_pool_by_rows() {
    require_server_binary();
    let scratch = Scratch::new("production-pool");
    // 8 GiB for 1M rows: a scale of r rows gets 8 GiB x r / 1M (at least 8 MiB), in
    // 2 MiB chunks.
    let (report, pools) = pools_by_scale(&scratch, &["--production-buffer-pool", "8G"]);
    for (rows, pool) in pools {
        let wanted = ((8u64 << 30) as f64 * rows as f64 / 1e6).max((8u64 << 20) as f64);
        assert!(
            pool as f64 >= wanted && (pool as f64) < wanted + (2u64 << 20) as f64,
            "{rows} rows got a {pool}-byte pool, wanted {wanted}"
        );
    }
    let assumptions = report["assumption_codes"].to_string();
    assert!(
        assumptions.contains("production_buffer_pool"),
        "{assumptions}"
    );
    let words = report["assumptions"].to_string();
    assert!(words.contains("followed production's 8192 MiB"), "{words}");

    // Not with a ratio: one way of saying the regime at a time.
    let schema = example("courseware_studentmodule.sql");
    let migration = example("0015_add_courseware_stats_index.sql");
    let both = scratch.run(&[
        "estimate",
        "--schema",
        &schema,
        "--rows",
        "1M",
        &migration,
        "--production-buffer-pool",
        "8G",
        "--buffer-pool-ratio",
        "0.1",
    ]);
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
    scratch.assert_nothing_left();
}

#[test]
fn a_cold_cache_run_says_so() {
    require_server_binary();
    let scratch = Scratch::new("cold");
    let schema = example("courseware_studentmodule.sql");
    let migration = example("0015_add_courseware_stats_index.sql");
    let mut args = vec!["estimate", "--schema", &schema, "--rows", "1M", &migration];
    args.extend(["--cache", "cold"]);
    args.extend(QUICK);
    let output = scratch.run(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(report["cache"], "cold");
    assert!(report["assumptions"]
        .to_string()
        .contains("Caches are cold"));
    assert_eq!(estimate_json(&scratch, &migration, "1M")["cache"], "warm");
    scratch.assert_nothing_left();
}
