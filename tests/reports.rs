//! Reports: the markdown and JSON structure of a real run (numbers masked), exact renders
//! of a saved report, the HTML chart in a real headless browser, CI gates, compare.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .to_string()
}

/// Compares with tests/snapshots/reports__NAME.snap (insta: `cargo insta review`, or
/// INSTA_UPDATE=always to accept).
fn assert_snapshot(name: &str, actual: &str) {
    insta::assert_snapshot!(name, actual);
}

/// Measured numbers vary from run to run: insta filters turn durations ("0.012 s",
/// "4 min 12 s", "2 h 05 min", "~40 min") into <d> and every other number into #.
fn assert_measured_snapshot(name: &str, actual: &str) {
    insta::with_settings!({filters => vec![
        (r"\d+(?:\.\d+)? (?:h \d+ min|min \d+ s|s|min|h)\b", "<d>"),
        (r"\d+", "#"),
    ]}, {
        insta::assert_snapshot!(name, actual);
    });
}

/// A summary-table row with its last cell ("blocks") replaced by <blocks>.
fn mask_last_cell(line: &str) -> String {
    let cells: Vec<&str> = line.split(" | ").collect();
    if !line.starts_with("| ")
        || cells.len() < 7
        || line.contains("| --- |")
        || line.ends_with("| blocks |")
    {
        return line.to_string();
    }
    let mut kept = cells[..cells.len() - 1].to_vec();
    kept.push("<blocks> |");
    kept.join(" | ")
}

/// The checklist's "Will it block queries?" row with its evidence replaced by <measured>.
fn mask_blocking_evidence(line: &str) -> String {
    match line.strip_prefix("| Will it block queries? | ") {
        Some(rest) => {
            let answer = rest.split(" | ").next().unwrap_or_default();
            format!("| Will it block queries? | {answer} | <measured> |\n")
        }
        None => line.to_string(),
    }
}

/// The shape of a JSON value: every key path with its type, arrays by their first item.
fn json_shape(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                json_shape(item, &format!("{path}.{key}"), out);
            }
        }
        Value::Array(items) => {
            out.push(format!("{path}: array"));
            // Arrays of objects by their first item; whether a list of numbers is empty
            // this run (e.g. statements advised an online tool) is a measured fact.
            // Which warnings a run raises is measured too: coded ones by their code alone.
            if path.ends_with("warning_codes") {
                if !items.is_empty() {
                    out.push(format!("{path}[].code: string"));
                }
            } else if let Some(first) = items.first().filter(|f| f.is_object()) {
                json_shape(first, &format!("{path}[]"), out);
            }
        }
        Value::String(_) => out.push(format!("{path}: string")),
        // Whether a measured figure exists this run (a rate needs a long enough run) is
        // not structure: numbers and nulls read alike.
        Value::Number(_) | Value::Null => out.push(format!("{path}: number or null")),
        Value::Bool(_) => out.push(format!("{path}: bool")),
    }
}

fn quick_estimate(scratch: &Scratch, format: &str) -> String {
    require_server_binary();
    let schema = example("courseware_studentmodule.sql");
    let migration = example("0019_studentmodule_all_kinds.sql");
    let output = scratch.run(&[
        "estimate",
        "--schema",
        &schema,
        "--rows",
        "50M",
        &migration,
        "--max-rows",
        "4000",
        "--budget",
        "60s",
        "--quiet",
        "--format",
        format,
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).replace(
        &examples().to_string_lossy().to_string(),
        "examples/openedx",
    )
}

#[test]
fn markdown_and_json_of_a_real_run_keep_their_structure() {
    let scratch = Scratch::new("structure");
    let markdown = quick_estimate(&scratch, "markdown");
    // Warnings depend on how noisy this run was; everything above them must not.
    let stable: String = markdown
        .split("### Warnings")
        .next()
        .unwrap_or_default()
        .lines()
        // Advice that appears only past a measured threshold.
        .filter(|line| !line.starts_with("- Statements ["))
        // pt-osc's runs: how many the budget allowed, and what the probe saw beside them.
        .filter(|line| !line.starts_with("- pt-osc measured:"))
        .map(|line| match line.strip_prefix("- pt-osc: ") {
            Some(_) => "- pt-osc: (measured)",
            None => line,
        })
        // What the probe saw block is measured (an instant change's milliseconds may
        // or may not cross its threshold; on a loaded machine reads slow down beside a
        // COPY too): the "blocks" cell is masked, the rest of the row is structure.
        .map(|line| mask_last_cell(line) + "\n")
        // The same measured stalls decide which statements the checklist names as
        // blocking writes: the answer is structure, the list of statements is not.
        .map(|line| mask_blocking_evidence(&line))
        .collect();
    assert_measured_snapshot("estimate_0019.md", &stable);

    let json: serde_json::Value =
        serde_json::from_str(&quick_estimate(&scratch, "json")).expect("json");
    let mut shape = Vec::new();
    json_shape(&json, "", &mut shape);
    // The host is this machine's: which of its figures the system tells varies.
    shape.retain(|line| !line.starts_with(".provenance.host."));
    shape.sort();
    shape.dedup();
    // Model kinds vary with noise, their JSON types do not.
    assert_snapshot("estimate_json_shape.txt", &(shape.join("\n") + "\n"));
    // What a benchmark report records beside its numbers.
    let provenance = &json["provenance"];
    assert_eq!(provenance["ddl_eta_version"], env!("CARGO_PKG_VERSION"));
    assert!(provenance["host"]["cores"].as_u64().is_some_and(|c| c >= 1));
    assert!(provenance["host"]["memory_bytes"]
        .as_u64()
        .is_some_and(|m| m > 0));
    let argv = provenance["invocation"]["argv"].as_array().expect("argv");
    assert!(argv.iter().any(|a| a == "--max-rows"), "{argv:?}");
    let scales = json["ladder"]["scales"].as_array().expect("scales").len();
    let bytes = json["ladder"]["table_bytes"]
        .as_array()
        .expect("table_bytes");
    assert_eq!(bytes.len(), scales);
    assert!(
        bytes.iter().all(|b| b.as_u64().is_some_and(|b| b > 0)),
        "{bytes:?}"
    );
    scratch.assert_nothing_left();
}

#[test]
fn a_saved_report_renders_the_same_every_time() {
    let scratch = Scratch::new("rerender");
    // report_0019_v0.json was saved before the report carried codes: it renders with its
    // words as saved. report_0019.json (scripts/fixtures) renders in the current wording,
    // with production, blocking and validation.
    for fixture_name in ["report_0019_v0", "report_0019"] {
        for (format, extension) in [("markdown", "md"), ("text", "txt"), ("html", "html")] {
            let saved = fixture(&format!("{fixture_name}.json"));
            let output = scratch.run(&["report", &saved, "--format", format]);
            assert!(output.status.success(), "{}", stderr(&output));
            let rendered = stdout(&output);
            if format == "html" {
                // The charts are checked in a browser below; the words are snapshot.
                let words: Vec<&str> = rendered
                    .split("<svg")
                    .map(|part| part.split_once("</svg>").map_or(part, |(_, after)| after))
                    .collect();
                assert_snapshot(
                    &format!("{fixture_name}.{extension}"),
                    &words.join("<svg/>"),
                );
            } else {
                assert_snapshot(&format!("{fixture_name}.{extension}"), &rendered);
            }
        }
    }
}

fn chromium() -> PathBuf {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .map(|dir| dir.join(name))
            .find(|p| p.exists())
    });
    found.expect("no chromium on PATH: run scripts/test (it installs Debian's chromium)")
}

fn headless(scratch: &Scratch) -> Command {
    let mut command = Command::new(chromium());
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    command.arg(format!(
        "--user-data-dir={}",
        scratch.dir.join("chromium").display()
    ));
    command
}

/// Pixels of exactly this colour in a PNG.
fn count_colour(png_path: &Path, rgb: [u8; 3]) -> usize {
    let decoder = png::Decoder::new(std::fs::File::open(png_path).expect("open png"));
    let mut reader = decoder.read_info().expect("png header");
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).expect("png frame");
    let channels = info.color_type.samples();
    buffer[..info.buffer_size()]
        .chunks(channels)
        .filter(|px| px.len() >= 3 && px[..3] == rgb)
        .count()
}

#[test]
fn the_html_report_shows_a_chart_per_statement_in_a_real_browser() {
    let scratch = Scratch::new("html");
    let html = scratch.dir.join("report.html");
    let output = scratch.run(&[
        "report",
        &fixture("report_0019.json"),
        "--format",
        "html",
        "--output",
        &html.to_string_lossy(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));

    let dom = headless(&scratch)
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom.matches("<svg class=\"chart\"").count(),
        6,
        "one chart per statement"
    );
    assert_eq!(dom.matches("class=\"prediction\"").count(), 6);
    assert!(dom.contains("Review checklist"));

    let png = scratch.dir.join("report.png");
    let shot = headless(&scratch)
        .arg("--window-size=1000,1200")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    // The predicted points are drawn in this colour and nothing else is.
    let red = count_colour(&png, [0xd6, 0x27, 0x28]);
    assert!(
        red > 100,
        "the chart's predicted points are not on screen ({red} pixels)"
    );
}

#[test]
fn gates_exit_3_after_printing_the_report() {
    let scratch = Scratch::new("gates");
    require_server_binary();
    let schema = example("courseware_studentmodule.sql");
    let copy = example("0017_alter_studentmodule_grade.sql");
    let instant = example("0018_alter_studentmodule_done.sql");
    let run = |migration: &str, gate: &[&str]| {
        let mut args = vec!["estimate", "--schema", &schema, "--rows", "50M", migration];
        args.extend(["--max-rows", "3000", "--budget", "60s", "--quiet"]);
        args.extend(gate);
        scratch.run(&args)
    };
    let passes = run(
        &copy,
        &["--max-duration", "1000h", "--max-distance", "100000"],
    );
    assert_eq!(passes.status.code(), Some(0), "{}", stderr(&passes));
    let fires = run(&copy, &["--max-duration", "1ms"]);
    assert_eq!(fires.status.code(), Some(3), "{}", stderr(&fires));
    assert!(
        stdout(&fires).contains("total"),
        "the report is printed before the gate fires"
    );
    assert!(
        stderr(&fires).contains("--max-duration"),
        "{}",
        stderr(&fires)
    );
    // A COPY at 50M rows blocks writes for many minutes; an instant change only for its
    // metadata lock, which on a loaded machine can still take a fraction of a second: a
    // threshold between the two (not 1 ms) keeps the test about behaviour, not timing.
    let blocks = run(&copy, &["--max-write-block", "30s"]);
    assert_eq!(blocks.status.code(), Some(3), "a COPY change blocks writes");
    let online = run(&instant, &["--max-write-block", "30s"]);
    assert_eq!(
        online.status.code(),
        Some(0),
        "an instant change does not: {}",
        stderr(&online)
    );
    // 50M rows from a ladder of 3000: far beyond where the errors were measured.
    let far = run(&instant, &["--max-distance", "30"]);
    assert_eq!(far.status.code(), Some(3), "{}", stderr(&far));
    assert!(
        stderr(&far).contains("--max-distance 30"),
        "{}",
        stderr(&far)
    );
    assert!(
        stdout(&far).contains("within reach") && stdout(&far).contains("--max-rows"),
        "the report names what would bring production within reach: {}",
        stdout(&far)
    );
    scratch.assert_nothing_left();
}

#[test]
fn compare_shows_the_change_per_statement() {
    let scratch = Scratch::new("compare");
    let output = scratch.run(&[
        "compare",
        &fixture("report_0019.json"),
        &fixture("report_0019_bp256.json"),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let comparison: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    let old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report_0019.json")).expect("read"))
            .expect("json");
    let new: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("report_0019_bp256.json")).expect("read"),
    )
    .expect("json");
    let statements = comparison["statements"].as_array().expect("statements");
    assert_eq!(statements.len(), 6);
    let third = &statements[2]["seconds_p50"];
    let before = old["statements"][2]["estimate"]["seconds_p50"]
        .as_f64()
        .expect("old");
    let after = new["statements"][2]["estimate"]["seconds_p50"]
        .as_f64()
        .expect("new");
    assert_eq!(third["old"].as_f64(), Some(before));
    assert_eq!(third["new"].as_f64(), Some(after));
    let ratio = third["ratio"].as_f64().expect("ratio");
    assert!((ratio - (after - before) / before).abs() < 1e-9);
    assert_eq!(statements[2]["same_sql"], true);

    let text = scratch.run(&[
        "compare",
        &fixture("report_0019.json"),
        &fixture("report_0019_bp256.json"),
    ]);
    assert!(stdout(&text).contains("total"), "{}", stdout(&text));
    let missing = scratch.run(&["compare", "/nonexistent.json", &fixture("report_0019.json")]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("/nonexistent.json"));
}

const FIXTURES: [&str; 3] = [
    "report_0019.json",
    "report_0019_bp256.json",
    "report_0019_v0.json",
];

#[test]
fn every_saved_report_of_an_older_schema_still_loads_renders_and_compares() {
    let scratch = Scratch::new("old_schemas");
    for name in FIXTURES {
        for format in ["text", "json", "markdown", "html", "junit"] {
            let output = scratch.run(&["report", &fixture(name), "--format", format]);
            assert!(
                output.status.success(),
                "{name} {format}: {}",
                stderr(&output)
            );
            assert!(!output.stdout.is_empty(), "{name} {format}");
        }
        for other in FIXTURES {
            for format in ["text", "json", "markdown"] {
                let output = scratch.run(&[
                    "compare",
                    &fixture(name),
                    &fixture(other),
                    "--format",
                    format,
                ]);
                assert!(
                    output.status.success(),
                    "{name} {other}: {}",
                    stderr(&output)
                );
            }
        }
    }
    // A report from a newer ddl-eta is refused with one line.
    let mut newer: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(FIXTURES[0])).unwrap()).unwrap();
    newer["schema_version"] = 99.into();
    let path = scratch.file("newer.json", &newer.to_string());
    let output = scratch.run(&["report", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("schema_version 99, made by a newer ddl-eta"));
}

#[test]
fn compare_pairs_statements_by_their_sql_and_lists_the_unpaired() {
    let scratch = Scratch::new("compare_pairs");
    let old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report_0019.json")).unwrap())
            .unwrap();
    // The new report runs the statements in reverse, without the old first one, and with
    // one the old never ran.
    let mut new: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("report_0019_bp256.json")).unwrap())
            .unwrap();
    let statements = new["statements"].as_array_mut().unwrap();
    statements.reverse();
    let mut added = statements.pop().unwrap(); // the old first statement
    added["sql"] = "ALTER TABLE `courseware_studentmodule` ADD COLUMN `x` int NULL".into();
    statements.push(added);
    for (i, s) in statements.iter_mut().enumerate() {
        s["index"] = i.into();
    }
    new["provenance"] = serde_json::json!({
        "ddl_eta_version": "9.9.9",
        "host": {"cores": 2, "memory_bytes": 25_769_803_776u64, "disk": {"path": "/tmp", "filesystem": "ext4", "kind": "ssd"}},
        "invocation": {"argv": ["ddl-eta", "estimate"]}
    });
    let path = scratch.file("new.json", &new.to_string());
    let output = scratch.run(&[
        "compare",
        &fixture("report_0019.json"),
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let comparison: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let paired = comparison["statements"].as_array().unwrap();
    assert_eq!(paired.len(), 5);
    for change in paired {
        let o = &old["statements"][change["old_index"].as_u64().unwrap() as usize];
        let n = &new["statements"][change["index"].as_u64().unwrap() as usize];
        assert_eq!(o["sql"], n["sql"], "paired by SQL");
        assert_eq!(change["seconds_p50"]["old"], o["estimate"]["seconds_p50"]);
        assert_eq!(change["seconds_p50"]["new"], n["estimate"]["seconds_p50"]);
        let p50 = n["estimate"]["seconds_p50"].as_f64().unwrap();
        let (low, high) = (
            o["estimate"]["seconds_low"].as_f64().unwrap(),
            o["estimate"]["seconds_high"].as_f64().unwrap(),
        );
        assert_eq!(
            change["p50_within_old_interval"].as_bool(),
            Some(low <= p50 && p50 <= high)
        );
    }
    // The old report's 6th statement runs first in the new one.
    assert_eq!(paired[0]["old_index"], 5);
    assert_eq!(comparison["only_in_old"][0]["index"], 0);
    assert_eq!(comparison["only_in_new"][0]["index"], 5);
    let text = scratch.run(&[
        "compare",
        &fixture("report_0019.json"),
        path.to_str().unwrap(),
    ]);
    assert!(
        stdout(&text).contains(
            "only in the new report: 6 ALTER TABLE `courseware_studentmodule` ADD COLUMN `x`"
        ),
        "{}",
        stdout(&text)
    );
    assert!(
        stdout(&text).contains("new: ddl-eta 9.9.9 on 2 cores, 24 GiB, ssd ext4"),
        "{}",
        stdout(&text)
    );
    assert!(
        stdout(&text).contains("old: not recorded"),
        "{}",
        stdout(&text)
    );
    // --json stays, hidden, for scripts written before --format.
    let json = scratch.run(&[
        "compare",
        &fixture("report_0019.json"),
        path.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(json.stdout, output.stdout);
}

#[test]
fn compare_renders_the_saved_reports() {
    for format in ["text", "markdown"] {
        let output = Command::new(BIN)
            .args([
                "compare",
                &fixture("report_0019.json"),
                &fixture("report_0019_bp256.json"),
                "--format",
                format,
            ])
            .output()
            .expect("run compare");
        assert!(output.status.success(), "{}", stderr(&output));
        let name = format!(
            "compare_0019.{}",
            if format == "text" { "txt" } else { "md" }
        );
        assert_snapshot(&name, &stdout(&output));
    }
}

#[test]
fn report_junit_fails_the_cases_its_gates_fire_on() {
    let scratch = Scratch::new("report_junit");
    let saved = fixture("report_0019.json");
    let output = scratch.run(&[
        "report",
        &saved,
        "--format",
        "junit",
        "--max-duration",
        "1ms",
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    let xml = stdout(&output);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("fixture")).expect("JSON");
    let statements = report["statements"].as_array().map_or(0, Vec::len);
    assert!(statements > 1);
    // Every statement of the saved report is over 1 ms; the whole-migration case passes.
    assert_eq!(xml.matches("<testcase").count(), statements + 1, "{xml}");
    assert_eq!(xml.matches("<failure").count(), statements, "{xml}");
    let open = scratch.run(&["report", &saved, "--format", "junit"]);
    assert!(open.status.success(), "{}", stderr(&open));
    assert_eq!(stdout(&open).matches("<failure").count(), 0);
}

#[test]
fn compare_pairs_the_online_route_where_both_reports_measured_it() {
    let scratch = Scratch::new("compare_online");
    let with_online = |p50: f64| {
        let mut report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture("report_0019.json")).unwrap())
                .unwrap();
        report["statements"][0]["online_route"] = serde_json::json!({
            "tool": "pt-osc",
            "estimate": {"rows": 1000, "seconds_p50": p50, "seconds_low": p50 / 2.0,
                         "seconds_high": p50 * 2.0, "interval": 0.9},
            "error_model": "none",
            "command": ["pt-online-schema-change"],
            "gh_ost_command": ["gh-ost"]
        });
        report
    };
    let old = scratch.file("old.json", &with_online(100.0).to_string());
    let new = scratch.file("new.json", &with_online(150.0).to_string());
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let json = scratch.run(&["compare", old, new, "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let comparison: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let online = &comparison["statements"][0]["online_seconds_p50"];
    assert_eq!(online["old"], 100.0);
    assert_eq!(online["new"], 150.0);
    assert!(comparison["statements"][1]["online_seconds_p50"].is_null());
    let text = stdout(&scratch.run(&["compare", old, new]));
    assert!(text.contains("through pt-osc"), "{text}");
}
