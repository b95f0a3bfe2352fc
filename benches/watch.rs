//! How well `ddl-eta watch` tracks a real run: for a COPY ALTER and an in-place ADD INDEX
//! on a server of its own, the ETA printed at half the statement's real duration against
//! the real duration. Runs the release binary exactly as a migration job would
//! (`watch -- mariadb -e ALTER...`) and reads its stderr.
//!
//! `cargo bench --bench watch [-- --rows 2M --repeats 3]`; results in target/watch-bench/.

use anyhow::{bail, Context, Result};
use clap::Parser;
use ddl_eta::sandbox::local::{LocalOptions, LocalServer};
use serde::Serialize;
use sqlx::mysql::MySqlConnection;
use sqlx::Connection;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "watch-bench",
    about = "How well ddl-eta watch's ETA tracks real runs"
)]
struct Args {
    /// Rows of the table (suffixes k, M).
    #[arg(long, default_value = "2M")]
    rows: String,
    /// Runs per case; medians are reported.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// The server's buffer pool in MiB.
    #[arg(long, default_value_t = 512)]
    buffer_pool_mib: u64,
    /// Passed by `cargo bench`; without it (`cargo test --benches`) nothing runs.
    #[arg(long, hide = true)]
    bench: bool,
}

struct Case {
    name: &'static str,
    /// Statements run in turn; the ones marked true are measured.
    steps: &'static [(&'static str, bool)],
}

const CASES: &[Case] = &[
    Case {
        name: "copy",
        steps: &[
            (
                "ALTER TABLE big ADD COLUMN extra int NULL, ALGORITHM=COPY",
                true,
            ),
            ("ALTER TABLE big DROP COLUMN extra, ALGORITHM=COPY", true),
        ],
    },
    Case {
        name: "add_index_inplace",
        steps: &[
            (
                "ALTER TABLE big ADD INDEX ab (a, body(40)), ALGORITHM=INPLACE",
                true,
            ),
            ("ALTER TABLE big DROP INDEX ab", false),
        ],
    },
    Case {
        name: "rebuild_inplace",
        steps: &[("ALTER TABLE big FORCE, ALGORITHM=INPLACE", true)],
    },
];

/// One progress line as read: seconds since the statement started, percent, ETA.
#[derive(Debug, Clone, Serialize)]
struct Sight {
    elapsed: f64,
    percent: Option<f64>,
    remaining: Option<f64>,
    source: String,
}

#[derive(Debug, Serialize)]
struct Run {
    case: &'static str,
    sql: &'static str,
    actual_seconds: f64,
    /// (elapsed + ETA) / actual - 1 at the line nearest half the real duration; None when
    /// that line had no ETA.
    halfway_error: Option<f64>,
    halfway_percent: Option<f64>,
    halfway_source: String,
    quarter_error: Option<f64>,
    three_quarter_error: Option<f64>,
    sights: Vec<Sight>,
    log: Vec<String>,
}

fn main() {
    let args = Args::parse();
    if !args.bench {
        eprintln!("watch-bench: not run under `cargo test`; use cargo bench --bench watch");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    if let Err(e) = runtime.block_on(run(args)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<()> {
    let rows = ddl_eta::profile::parse_count(&args.rows).context("--rows: a row count")?;
    let server = LocalServer::start(&LocalOptions {
        buffer_pool_bytes: args.buffer_pool_mib << 20,
        extra_args: Vec::new(),
        tcp: true,
    })
    .await?;
    let mut root =
        MySqlConnection::connect_with(&ddl_eta::server::plain_options(server.connect_options()))
            .await?;
    for sql in [
        "CREATE DATABASE prod".to_string(),
        "CREATE TABLE prod.big (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, a int NOT NULL, \
         b int NOT NULL, body varchar(200) NOT NULL, note text) DEFAULT CHARSET=utf8mb4"
            .to_string(),
        format!(
            "INSERT INTO prod.big (a, b, body, note) SELECT MOD(CRC32(seq), 100000), seq, \
             REPEAT(CHAR(65 + MOD(seq, 26)), 20 + MOD(seq, 150)), REPEAT('n', MOD(seq, 300)) \
             FROM prod.seq_1_to_{rows}"
        ),
        "CREATE USER reader@'%' IDENTIFIED BY 'bench'".to_string(),
        "GRANT SELECT ON prod.* TO reader@'%'".to_string(),
        "GRANT PROCESS ON *.* TO reader@'%'".to_string(),
        "CREATE USER admin@'%' IDENTIFIED BY 'bench'".to_string(),
        "GRANT ALL ON *.* TO admin@'%'".to_string(),
    ] {
        sqlx::raw_sql(&sql).execute(&mut root).await?;
    }
    let port = server.port().context("the server has no TCP port")?;
    let out_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/watch-bench");
    std::fs::create_dir_all(&out_dir)?;
    let mut runs = Vec::new();
    for repeat in 0..args.repeats {
        for case in CASES {
            for (sql, measured) in case.steps {
                if !measured {
                    sqlx::raw_sql(&format!("USE prod; {sql}"))
                        .execute(&mut root)
                        .await?;
                    continue;
                }
                let run = watched(case.name, sql, port, &out_dir)?;
                eprintln!(
                    "watch-bench: {} #{}: {sql}: {:.1} s, half-way error {}",
                    case.name,
                    repeat + 1,
                    run.actual_seconds,
                    percent(run.halfway_error)
                );
                runs.push(run);
            }
        }
    }
    summarize(&runs, rows, &args);
    std::fs::write(
        out_dir.join("results.json"),
        serde_json::to_string_pretty(&runs)?,
    )?;
    Ok(())
}

/// Run one ALTER through `ddl-eta watch -- mariadb -e SQL` and read what watch printed.
fn watched(
    case: &'static str,
    sql: &'static str,
    port: u16,
    out_dir: &std::path::Path,
) -> Result<Run> {
    let record = out_dir.join("outcomes.jsonl");
    let _ = std::fs::remove_file(&record);
    let source = format!("mysql://reader:bench@127.0.0.1:{port}/prod");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddl-eta"))
        .args(["watch", "--source", &source, "--interval", "1s", "--record"])
        .arg(&record)
        .args(["--", "mariadb", "--protocol=tcp", "-h127.0.0.1", "-P"])
        .arg(port.to_string())
        .args(["-uadmin", "-pbench", "prod", "-e", sql])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("running ddl-eta watch")?;
    let started = Instant::now();
    let mut log = Vec::new();
    let mut sights = Vec::new();
    let stderr = child.stderr.take().context("stderr")?;
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line?;
        if let Some(sight) = parse_line(&line) {
            sights.push(sight);
        }
        log.push(format!("[{:5.1}s] {line}", started.elapsed().as_secs_f64()));
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("watch failed on {sql}: {}", log.join("\n"));
    }
    let text = std::fs::read_to_string(&record).context("no outcome recorded")?;
    let outcome: serde_json::Value = serde_json::from_str(text.lines().next().unwrap_or(""))?;
    let actual = outcome["seconds"].as_f64().context("seconds")?;
    let at = |share: f64| -> Option<&Sight> {
        sights.iter().min_by(|a, b| {
            let target = actual * share;
            (a.elapsed - target)
                .abs()
                .total_cmp(&(b.elapsed - target).abs())
        })
    };
    let error = |share: f64| -> Option<f64> {
        let sight = at(share)?;
        Some((sight.elapsed + sight.remaining?) / actual - 1.0)
    };
    let half = at(0.5);
    Ok(Run {
        case,
        sql,
        actual_seconds: actual,
        halfway_error: error(0.5),
        halfway_percent: half.and_then(|s| s.percent),
        halfway_source: half.map(|s| s.source.clone()).unwrap_or_default(),
        quarter_error: error(0.25),
        three_quarter_error: error(0.75),
        sights,
        log,
    })
}

/// "prod.big (thread 9): 42.2% [stage 1 of 2], 2.0 s elapsed, ETA 2.7 s more (...)" or
/// "progress unknown [...], 3.0 s elapsed".
fn parse_line(line: &str) -> Option<Sight> {
    let elapsed_end = line.find(" elapsed")?;
    let before = &line[..elapsed_end];
    let elapsed_start = before.rfind(", ")? + 2;
    let elapsed = parse_human(&before[elapsed_start..])?;
    let source = line
        .split_once(" [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(s, _)| s.to_string())
        .unwrap_or_default();
    let percent = line
        .split_once("% [")
        .and_then(|(head, _)| head.rsplit(' ').next()?.parse().ok());
    let remaining = line
        .split_once("ETA ")
        .and_then(|(_, rest)| rest.split_once(" more"))
        .and_then(|(eta, _)| parse_human(eta));
    Some(Sight {
        elapsed,
        percent,
        remaining,
        source,
    })
}

/// The report's human durations back to seconds: "0.998 s", "14.2 s", "4 min 12 s", "2 h 05 min".
fn parse_human(text: &str) -> Option<f64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut seconds = 0.0;
    for pair in words.chunks(2) {
        let value: f64 = pair.first()?.parse().ok()?;
        seconds += value
            * match *pair.get(1)? {
                "s" => 1.0,
                "min" => 60.0,
                "h" => 3600.0,
                _ => return None,
            };
    }
    Some(seconds)
}

fn percent(error: Option<f64>) -> String {
    error.map_or("no ETA".to_string(), |e| format!("{:+.0}%", e * 100.0))
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

fn summarize(runs: &[Run], rows: u64, args: &Args) {
    println!(
        "watch-bench: {rows} rows, buffer pool {} MiB, {} repeat(s), {}",
        args.buffer_pool_mib,
        args.repeats,
        ddl_eta::watch::outcome::timestamp(std::time::SystemTime::now())
    );
    println!("case                 runs  median s  half-way error (each run)        median |err|  at 1/4  at 3/4  source at half-way");
    for case in CASES {
        let mine: Vec<&Run> = runs.iter().filter(|r| r.case == case.name).collect();
        if mine.is_empty() {
            continue;
        }
        let mut seconds: Vec<f64> = mine.iter().map(|r| r.actual_seconds).collect();
        let each: Vec<String> = mine.iter().map(|r| percent(r.halfway_error)).collect();
        let mut absolute: Vec<f64> = mine
            .iter()
            .filter_map(|r| r.halfway_error.map(f64::abs))
            .collect();
        let mut quarter: Vec<f64> = mine
            .iter()
            .filter_map(|r| r.quarter_error.map(f64::abs))
            .collect();
        let mut late: Vec<f64> = mine
            .iter()
            .filter_map(|r| r.three_quarter_error.map(f64::abs))
            .collect();
        let show = |v: Option<f64>| v.map_or("-".to_string(), |e| format!("{:.0}%", e * 100.0));
        println!(
            "{:<20} {:>4}  {:>8.1}  {:<32} {:>12}  {:>6}  {:>6}  {}",
            case.name,
            mine.len(),
            median(&mut seconds).unwrap_or(f64::NAN),
            each.join(" "),
            show(median(&mut absolute)),
            show(median(&mut quarter)),
            show(median(&mut late)),
            mine.first()
                .map(|r| r.halfway_source.as_str())
                .unwrap_or("")
        );
    }
    for case in CASES {
        if let Some(run) = runs.iter().find(|r| r.case == case.name) {
            println!("\n{} (first run), watch's stderr:", run.sql);
            for line in &run.log {
                println!("  {line}");
            }
        }
    }
}
