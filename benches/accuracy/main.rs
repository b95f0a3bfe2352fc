//! The accuracy benchmark: how far ddl-eta's predictions at production size are from the
//! truth, measured on a "production" server of its own with tables of its own, 10x beyond
//! the largest scale ddl-eta measures. Run it with `scripts/accuracy [--quick]`.

mod estimator;
mod production;
mod progress;
mod shapes;
mod summary;

use anyhow::{bail, Context, Result};
use clap::Parser;
use estimator::Mode;
use production::{Production, Stash};
use serde::Serialize;
use shapes::Shape;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use summary::{Judged, StatementResult};

#[derive(Debug, Parser)]
#[command(
    name = "accuracy",
    about = "ddl-eta's accuracy benchmark (see the README, 'The accuracy benchmark')"
)]
struct Args {
    /// The short run: one shape at 1M rows, seven statements, with production's buffer
    /// pool larger and much smaller than the table (about 10 minutes).
    #[arg(long)]
    quick: bool,
    /// Run only these cases (comma-separated names; see --list).
    #[arg(long, value_delimiter = ',')]
    cases: Vec<String>,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
    /// Full-size runs per statement; their median is the truth.
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Multiply every case's row count (for trying the harness out: 0.05).
    #[arg(long, default_value_t = 1.0)]
    rows_factor: f64,
    /// How ddl-eta learns the table: auto (--source when it has the flag), schema, source.
    #[arg(long, default_value = "auto")]
    mode: String,
    /// `--budget` given to ddl-eta (default: 6m quick, 10m full).
    #[arg(long)]
    budget: Option<String>,
    /// An extra argument for `ddl-eta estimate` (repeatable: --estimate-arg=--scales --estimate-arg=7).
    #[arg(long, allow_hyphen_values = true)]
    estimate_arg: Vec<String>,
    /// An extra option for the production server (repeatable: --server-arg=--innodb-sort-buffer-size=4M).
    #[arg(long, allow_hyphen_values = true)]
    server_arg: Vec<String>,
    /// The ddl-eta binary (default: the release build cargo made beside this benchmark).
    #[arg(long)]
    ddl_eta: Option<PathBuf>,
    /// Where results go (default: target/accuracy).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Passed by `cargo bench`; without it (`cargo test --benches`) nothing runs.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Where "production" and ddl-eta's sandbox differ in memory: the buffer pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Cache {
    /// The clustered index read once after the fresh copy (a table in use).
    Warm,
    /// Only the fresh import: pages in the OS page cache, not in the buffer pool.
    Cold,
}

#[derive(Debug, Clone, Serialize)]
struct Case {
    name: String,
    shape: &'static str,
    rows: u64,
    buffer_pool: u64,
    cache: Cache,
}

fn case(shape: &'static str, rows: u64, buffer_pool_mb: u64, cache: Cache, suffix: &str) -> Case {
    Case {
        name: format!("{shape}-{}-{suffix}", ddl_eta::report::short_rows(rows)),
        shape,
        rows,
        buffer_pool: buffer_pool_mb << 20,
        cache,
    }
}

/// The cases: each shape where production's data fits its buffer pool, and where the data
/// is many times the pool (index builds and copies then read and write through the disk).
fn all_cases(quick: bool) -> Vec<Case> {
    if quick {
        return vec![
            case("studentmodule", 1_000_000, 1024, Cache::Warm, "fits"),
            case("studentmodule", 1_000_000, 128, Cache::Warm, "pool-128M"),
        ];
    }
    vec![
        case("studentmodule", 2_000_000, 3072, Cache::Warm, "fits"),
        case("studentmodule", 2_000_000, 128, Cache::Warm, "pool-128M"),
        case("eventlog", 3_000_000, 2048, Cache::Warm, "fits"),
        case("eventlog", 3_000_000, 2048, Cache::Cold, "fits-cold"),
        case("eventlog", 3_000_000, 32, Cache::Warm, "pool-32M"),
        case("wide", 1_000_000, 4096, Cache::Warm, "fits"),
    ]
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !args.bench && !args.list {
        eprintln!("accuracy: not run under `cargo test`; use scripts/accuracy [--quick]");
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(async {
        tokio::select! {
            result = run(args) => match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::FAILURE
                }
            },
            signal = termination() => {
                eprintln!("accuracy: {signal} received, stopping");
                stop_child();
                ExitCode::from(if signal == "SIGTERM" { 143 } else { 130 })
            }
        }
    });
    // The run future is dropped by now: its servers and directories are gone with it;
    // this stops anything a panic or a signal caught half-way.
    ddl_eta::sandbox::cleanup::release_all_blocking();
    code
}

async fn termination() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    }
}

/// Ask a running ddl-eta to stop (it cleans up its own sandbox) and wait for it a while.
fn stop_child() {
    let pid = estimator::CHILD.load(std::sync::atomic::Ordering::SeqCst);
    if pid == 0 {
        return;
    }
    // SAFETY: kill has no memory preconditions; the pid is our own child's.
    unsafe { libc::kill(pid as i32, libc::SIGTERM) };
    for _ in 0..150 {
        if !Path::new(&format!("/proc/{pid}")).exists() {
            return;
        }
        let mut status = 0;
        // SAFETY: reaping our own child; WNOHANG never blocks.
        if unsafe { libc::waitpid(pid as i32, &mut status, libc::WNOHANG) } == pid as i32 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A directory of ours under the temp dir, removed on drop (the stashed tables).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug, Serialize)]
struct CaseReport {
    case: Case,
    table: String,
    data_bytes: u64,
    index_bytes: u64,
    rows: u64,
    /// The buffer pool production really got (the server rounds to its chunk size).
    buffer_pool: u64,
    /// (data + index) / buffer pool of production.
    data_to_pool: f64,
    max_rows: u64,
    /// Statements of the battery left out because ddl-eta ran without the data (schema mode).
    left_out: Vec<String>,
    estimate_seconds: f64,
    estimate_args: Vec<String>,
    estimate_warnings: Vec<String>,
    truth_seconds: f64,
}

#[derive(Debug, Serialize)]
struct Results {
    schema_version: u32,
    date: String,
    machine: Machine,
    ddl_eta_commit: String,
    mode: Mode,
    quick: bool,
    repeats: usize,
    production_settings: Vec<String>,
    wall_seconds: f64,
    cases: Vec<CaseReport>,
    statements: Vec<StatementResult>,
    summary: summary::Summary,
}

#[derive(Debug, Serialize)]
struct Machine {
    cpu: String,
    cores: usize,
    memory_gb: f64,
    kernel: String,
    server: String,
    load_average_start: String,
    load_average_end: String,
}

async fn run(args: Args) -> Result<()> {
    tokio::spawn(progress::heartbeat());
    let mut cases = all_cases(args.quick);
    if args.list {
        for c in &cases {
            println!("{}", c.name);
        }
        return Ok(());
    }
    if !args.cases.is_empty() {
        cases.retain(|c| args.cases.contains(&c.name));
        if cases.is_empty() {
            bail!("no case matches --cases {}", args.cases.join(","));
        }
    }
    if args.rows_factor != 1.0 {
        for c in &mut cases {
            c.rows = ((c.rows as f64 * args.rows_factor).round() as u64).max(1000);
            c.name = format!("{}-x{}", c.name, args.rows_factor);
        }
    }
    let binary = args
        .ddl_eta
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ddl-eta")));
    let mode = match args.mode.as_str() {
        "schema" => Mode::Schema,
        "source" => Mode::Source,
        "auto" if estimator::supports_source(&binary)? => Mode::Source,
        "auto" => Mode::Schema,
        other => bail!("--mode takes auto, schema or source, not '{other}'"),
    };
    let budget = args
        .budget
        .clone()
        .unwrap_or_else(|| if args.quick { "6m" } else { "10m" }.to_string());
    let date = command_output("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]);
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/accuracy"));
    let run_dir = out_dir.join(date.replace(':', ""));
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    progress::step(format!(
        "accuracy benchmark: {} case(s), ddl-eta {} in {mode:?} mode, {} repeats; results in {}",
        cases.len(),
        binary.display(),
        args.repeats,
        run_dir.display()
    ));
    let load_start = load_average();

    // Named like ddl-eta's sandbox directories (prefix, then our pid): if the benchmark
    // is SIGKILLed, the next ddl-eta or benchmark run removes the stashed tables.
    let stash_root = TempDir(std::env::temp_dir().join(format!(
        "{}{}-accuracy",
        ddl_eta::sandbox::cleanup::DIR_PREFIX,
        std::process::id()
    )));
    let stashes = build_stashes(&cases, &stash_root.0, &args.server_arg).await?;

    let mut reports = Vec::new();
    let mut statements = Vec::new();
    let mut server_version = String::new();
    for (number, c) in cases.iter().enumerate() {
        progress::step(format!("case {}/{}: {}", number + 1, cases.len(), c.name));
        let stash = &stashes[&(c.shape, c.rows)];
        let context = CaseContext {
            binary: &binary,
            mode,
            budget: &budget,
            args: &args,
            dir: run_dir.join(&c.name),
        };
        let (report, results, version) = run_case(c, stash, &context).await?;
        server_version = version;
        eprint!("{}", summary::table(&results));
        reports.push(report);
        statements.extend(results);
    }

    let summary = summary::summarize(&statements);
    let results = Results {
        schema_version: 1,
        date,
        machine: Machine {
            cpu: cpu_model(),
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_gb: memory_gb(),
            kernel: command_output("uname", &["-sr"]),
            server: server_version,
            load_average_start: load_start,
            load_average_end: load_average(),
        },
        ddl_eta_commit: command_output(
            "git",
            &[
                "-C",
                env!("CARGO_MANIFEST_DIR"),
                "rev-parse",
                "--short",
                "HEAD",
            ],
        ),
        mode,
        quick: args.quick,
        repeats: args.repeats,
        production_settings: production::production_settings(),
        wall_seconds: progress::elapsed().as_secs_f64(),
        cases: reports,
        statements,
        summary,
    };
    println!();
    println!("{}", summary::table(&results.statements));
    println!(
        "Summary ({}, {} cores, {:.0} GB, {}; {}; wall time {:.0} min; load average {} at start, {} at end):",
        results.machine.cpu,
        results.machine.cores,
        results.machine.memory_gb,
        results.machine.server,
        results.date,
        results.wall_seconds / 60.0,
        results.machine.load_average_start,
        results.machine.load_average_end,
    );
    print!("{}", summary::render(&results.summary));
    let json = serde_json::to_string_pretty(&results)?;
    let file = run_dir.join("results.json");
    std::fs::write(&file, &json)?;
    std::fs::write(out_dir.join("latest.json"), &json)?;
    println!(
        "Results: {} (also {})",
        file.display(),
        out_dir.join("latest.json").display()
    );
    Ok(())
}

/// Generate each (shape, rows) once on a fast builder server and keep its files.
async fn build_stashes(
    cases: &[Case],
    root: &Path,
    server_args: &[String],
) -> Result<HashMap<(&'static str, u64), Stash>> {
    let mut stashes = HashMap::new();
    for c in cases {
        if stashes.contains_key(&(c.shape, c.rows)) {
            continue;
        }
        let shape = shape_of(c)?;
        progress::step(format!("building {} with {} rows", shape.table, c.rows));
        let builder = Production::start(4 << 30, false, server_args).await?;
        builder.build(shape, c.rows).await?;
        let stash = builder
            .export(shape, c.rows, &root.join(format!("{}-{}", c.shape, c.rows)))
            .await?;
        progress::note(format!(
            "{}: {:.0} MB data, {:.0} MB indexes",
            shape.table,
            stash.data_bytes as f64 / 1e6,
            stash.index_bytes as f64 / 1e6
        ));
        stashes.insert((c.shape, c.rows), stash);
    }
    Ok(stashes)
}

fn shape_of(c: &Case) -> Result<&'static Shape> {
    shapes::find(c.shape).with_context(|| format!("no shape named {}", c.shape))
}

struct CaseContext<'a> {
    binary: &'a Path,
    mode: Mode,
    budget: &'a str,
    args: &'a Args,
    dir: PathBuf,
}

/// One case: production with the case's buffer pool, ddl-eta's estimate against it, then
/// the whole migration on fresh full-size copies, `repeats` times.
async fn run_case(
    c: &Case,
    stash: &Stash,
    context: &CaseContext<'_>,
) -> Result<(CaseReport, Vec<StatementResult>, String)> {
    let shape = shape_of(c)?;
    let battery = shape.statements(context.args.quick, context.mode == Mode::Source);
    if context.mode == Mode::Schema {
        progress::note(format!(
            "left out in schema mode (ddl-eta's seeder cannot know the data): {}",
            shape.needs_profile.join(", ")
        ));
    }
    std::fs::create_dir_all(&context.dir)?;
    progress::note(format!(
        "starting production with a {} MB buffer pool",
        c.buffer_pool >> 20
    ));
    let production = Production::start(c.buffer_pool, true, &context.args.server_arg).await?;
    let version = production.version().await?;
    production.restore(shape, stash).await?;
    production.analyze(shape.table).await?;
    let schema = production.show_create(shape.table).await? + ";\n";
    let migration: String = battery.iter().map(|(_, sql)| format!("{sql};\n")).collect();
    let max_rows = c.rows / 10;

    progress::step(format!(
        "{}: ddl-eta estimate up to {max_rows} rows (production: {} rows)",
        c.name, c.rows
    ));
    let estimate = estimator::run(&estimator::Request {
        binary: context.binary,
        mode: context.mode,
        work: &context.dir,
        schema: &schema,
        migration: &migration,
        source_url: &production.url(),
        source_password: production.password(),
        rows: c.rows,
        max_rows,
        budget: context.budget,
        extra: &context.args.estimate_arg,
    })
    .await?;
    progress::note(format!("ddl-eta took {:.0} s", estimate.seconds));
    if estimate.statements.len() != battery.len() {
        bail!(
            "ddl-eta reported {} statements for a migration of {}",
            estimate.statements.len(),
            battery.len()
        );
    }

    let truth_started = std::time::Instant::now();
    let runs = measure_truth(c, shape, stash, &production, &battery, context.args.repeats).await?;
    let truth_seconds = truth_started.elapsed().as_secs_f64();
    let buffer_pool = production.buffer_pool;
    drop(production);

    let results = battery
        .iter()
        .zip(estimate.statements.iter())
        .zip(runs)
        .enumerate()
        .map(|(i, (((label, sql), predicted), runs))| judge(c, i + 1, label, sql, predicted, runs))
        .collect();
    let size = (stash.data_bytes + stash.index_bytes) as f64;
    let report = CaseReport {
        case: c.clone(),
        table: shape.table.to_string(),
        data_bytes: stash.data_bytes,
        index_bytes: stash.index_bytes,
        rows: stash.rows,
        buffer_pool,
        data_to_pool: size / buffer_pool as f64,
        max_rows,
        left_out: if context.mode == Mode::Schema {
            shape.needs_profile.iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        },
        estimate_seconds: estimate.seconds,
        estimate_args: estimate.args,
        estimate_warnings: estimate.warnings,
        truth_seconds,
    };
    let _ = estimate.report_file;
    Ok((report, results, version))
}

/// The whole migration on a fresh full-size copy, `repeats` times: runs[statement][repeat].
async fn measure_truth(
    c: &Case,
    shape: &Shape,
    stash: &Stash,
    production: &Production,
    battery: &[(&str, &str)],
    repeats: usize,
) -> Result<Vec<Vec<f64>>> {
    let mut runs = vec![Vec::new(); battery.len()];
    for repeat in 1..=repeats {
        progress::step(format!(
            "{}: full-size run {repeat}/{repeats}: fresh copy of {} rows",
            c.name, c.rows
        ));
        let seconds = production.restore(shape, stash).await?;
        progress::note(format!("copy imported in {seconds:.1} s"));
        if c.cache == Cache::Warm {
            production.warm(shape.table).await?;
        }
        let mut conn = production.connect().await?;
        for (i, (label, sql)) in battery.iter().enumerate() {
            progress::step(format!(
                "{}: full-size run {repeat}/{repeats}: statement {}/{}: {label}",
                c.name,
                i + 1,
                battery.len()
            ));
            let seconds = production::time_statement(&mut conn, sql).await?;
            progress::note(format!("{seconds:.2} s"));
            runs[i].push(seconds);
        }
    }
    Ok(runs)
}

fn judge(
    c: &Case,
    index: usize,
    label: &str,
    sql: &str,
    predicted: &estimator::Predicted,
    runs: Vec<f64>,
) -> StatementResult {
    let mut sorted = runs.clone();
    let actual = summary::median(&mut sorted);
    let spread = (sorted.last().copied().unwrap_or(0.0) - sorted.first().copied().unwrap_or(0.0))
        / actual.max(1e-9);
    let rows = c.rows as f64;
    StatementResult {
        case: c.name.clone(),
        index,
        label: label.to_string(),
        sql: sql.to_string(),
        ddl_eta: Judged::new(
            predicted.p50,
            Some(predicted.low),
            Some(predicted.high),
            actual,
        ),
        straight_line: Judged::of_baseline(
            estimator::straight_line(&predicted.points, rows),
            actual,
        ),
        largest_times_ratio: Judged::of_baseline(
            estimator::largest_times_ratio(&predicted.points, rows),
            actual,
        ),
        predicted: predicted.clone(),
        runs,
        actual,
        spread,
    }
}

fn command_output(program: &str, args: &[&str]) -> String {
    std::process::Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown cpu".to_string())
}

fn memory_gb() -> f64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb / 1024.0 / 1024.0)
        })
        .unwrap_or(0.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
