//! Running ddl-eta as a user would (`estimate ... --format json`), and reading from its
//! JSON what the benchmark compares: each statement's prediction and the ladder's points,
//! from which the two naive baselines are computed too.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// The pid of the ddl-eta process running now (0: none), so a signal can stop it first.
pub static CHILD: AtomicU32 = AtomicU32::new(0);

/// How ddl-eta learns the production table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// `--schema FILE --rows N`: the dumped CREATE TABLE and the true row count.
    Schema,
    /// The CREATE TABLE, the row count and the table's bytes (data and indexes), with
    /// production's buffer pool: given as a profile without column statistics
    /// (`--profile FILE --production-buffer-pool SIZE`), which ddl-eta reads as schema
    /// mode with bytes.
    SchemaBytes,
    /// `--source mysql://...`: ddl-eta reads the production server itself (read-only).
    Source,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::Source, Mode::SchemaBytes, Mode::Schema];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Schema => "schema",
            Mode::SchemaBytes => "schema-bytes",
            Mode::Source => "source",
        }
    }

    /// The error model ddl-eta picks for estimates made this way.
    pub fn input_mode(self) -> ddl_eta::model::InputMode {
        use ddl_eta::model::InputMode;
        match self {
            Mode::Schema => InputMode::SchemaRows,
            Mode::SchemaBytes => InputMode::SchemaBytes,
            Mode::Source => InputMode::Profile,
        }
    }
}

/// Whether this ddl-eta has `estimate --source`.
pub fn supports_source(binary: &Path) -> Result<bool> {
    let output = std::process::Command::new(binary)
        .args(["estimate", "--help"])
        .output()
        .with_context(|| format!("running {} estimate --help", binary.display()))?;
    Ok(String::from_utf8_lossy(&output.stdout).contains("--source"))
}

pub struct Request<'a> {
    pub binary: &'a Path,
    pub mode: Mode,
    pub work: &'a Path,
    pub schema: &'a str,
    pub migration: &'a str,
    pub source_url: &'a str,
    /// The source's password, passed as MYSQL_PWD (a command line is visible to all).
    pub source_password: &'a str,
    pub rows: u64,
    /// The table's name, bytes (data, indexes) and production's buffer pool, for
    /// schema mode with bytes.
    pub table: &'a str,
    pub bytes: (u64, u64),
    pub buffer_pool: u64,
    pub max_rows: u64,
    pub budget: &'a str,
    pub extra: &'a [String],
}

/// One statement as ddl-eta predicted it.
#[derive(Debug, Clone, Serialize)]
pub struct Predicted {
    pub rows: u64,
    pub p50: f64,
    pub low: f64,
    pub high: f64,
    pub algorithm: Option<String>,
    pub operation: Option<String>,
    pub model: Option<String>,
    /// The ladder's (rows, seconds) points for this statement.
    pub points: Vec<(f64, f64)>,
}

pub struct Estimate {
    pub args: Vec<String>,
    pub seconds: f64,
    pub report: Value,
}

pub async fn run(request: &Request<'_>) -> Result<Estimate> {
    let schema_file = request.work.join("schema.sql");
    let migration_file = request.work.join("migration.sql");
    let report_file = request.work.join("ddl-eta.json");
    let log_file = request.work.join("ddl-eta.log");
    std::fs::write(&schema_file, request.schema)?;
    std::fs::write(&migration_file, request.migration)?;
    let mut args: Vec<String> = vec!["estimate".into(), migration_file.display().to_string()];
    match request.mode {
        Mode::Schema => args.extend([
            "--schema".into(),
            schema_file.display().to_string(),
            "--rows".into(),
            request.rows.to_string(),
        ]),
        // What anyone can read from SHOW TABLE STATUS, given as flags, as a user would.
        Mode::SchemaBytes => args.extend([
            "--schema".into(),
            schema_file.display().to_string(),
            "--rows".into(),
            request.rows.to_string(),
            "--data-bytes".into(),
            format!("{}={}", request.table, request.bytes.0),
            "--index-bytes".into(),
            format!("{}={}", request.table, request.bytes.1),
            "--production-buffer-pool".into(),
            request.buffer_pool.to_string(),
        ]),
        Mode::Source => args.extend(["--source".into(), request.source_url.to_string()]),
    }
    args.extend([
        "--max-rows".into(),
        request.max_rows.to_string(),
        "--budget".into(),
        request.budget.to_string(),
        "--format".into(),
        "json".into(),
    ]);
    args.extend(request.extra.iter().cloned());

    let log = std::fs::File::create(&log_file)?;
    let started = Instant::now();
    let child = tokio::process::Command::new(request.binary)
        .args(&args)
        .env("MYSQL_PWD", request.source_password)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .with_context(|| format!("starting {}", request.binary.display()))?;
    CHILD.store(child.id().unwrap_or(0), Ordering::SeqCst);
    let output = child.wait_with_output().await;
    CHILD.store(0, Ordering::SeqCst);
    let output = output.context("waiting for ddl-eta")?;
    let seconds = started.elapsed().as_secs_f64();
    if !output.status.success() {
        let text = std::fs::read_to_string(&log_file).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(5).collect();
        bail!(
            "ddl-eta estimate failed ({}): {}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        );
    }
    std::fs::write(&report_file, &output.stdout)?;
    let report: Value =
        serde_json::from_slice(&output.stdout).context("reading ddl-eta's JSON report")?;
    Ok(Estimate {
        args,
        seconds,
        report,
    })
}

/// The report's warnings, for the case's record.
pub fn warnings(report: &Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn statements(report: &Value) -> Result<Vec<Predicted>> {
    let list = report["statements"]
        .as_array()
        .context("ddl-eta's report has no statements")?;
    list.iter()
        .map(|s| {
            let estimate = &s["estimate"];
            let number = |v: &Value, what: &str| {
                v.as_f64()
                    .with_context(|| format!("ddl-eta's report lacks {what}"))
            };
            Ok(Predicted {
                rows: estimate["rows"].as_u64().unwrap_or(0),
                p50: number(&estimate["seconds_p50"], "seconds_p50")?,
                low: number(&estimate["seconds_low"], "seconds_low")?,
                high: number(&estimate["seconds_high"], "seconds_high")?,
                algorithm: s["algorithm"].as_str().map(str::to_string),
                operation: s["operation"].as_str().map(str::to_string),
                model: s["model"]["kind"].as_str().map(str::to_string),
                points: s["measurements"]
                    .as_array()
                    .map(|m| {
                        m.iter()
                            .filter_map(|p| Some((p["rows"].as_f64()?, p["seconds"].as_f64()?)))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// A baseline's prediction at production size.
#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub p50: f64,
    /// The 90% prediction interval where the method has one.
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// A straight line (least squares) through every ladder point, repeats included, with its
/// textbook 90% prediction interval.
pub fn straight_line(points: &[(f64, f64)], rows: f64) -> Option<Baseline> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = sxy / sxx;
    let intercept = mean_y - slope * mean_x;
    let p50 = intercept + slope * rows;
    if points.len() < 3 {
        return Some(Baseline {
            p50,
            low: None,
            high: None,
        });
    }
    let residual: f64 = points
        .iter()
        .map(|p| (p.1 - intercept - slope * p.0).powi(2))
        .sum();
    let s = (residual / (n - 2.0)).sqrt();
    let half = t_quantile_95(n - 2.0) * s * (1.0 + 1.0 / n + (rows - mean_x).powi(2) / sxx).sqrt();
    Some(Baseline {
        p50,
        low: Some(p50 - half),
        high: Some(p50 + half),
    })
}

fn t_quantile_95(degrees: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, degrees)
        .map(|t| t.inverse_cdf(0.95))
        .unwrap_or(f64::NAN)
}

/// The time at the largest ladder scale (median of its runs) times the row ratio.
pub fn largest_times_ratio(points: &[(f64, f64)], rows: f64) -> Option<Baseline> {
    let top = points.iter().map(|p| p.0).fold(0.0, f64::max);
    if top <= 0.0 {
        return None;
    }
    let mut at_top: Vec<f64> = points.iter().filter(|p| p.0 == top).map(|p| p.1).collect();
    Some(Baseline {
        p50: crate::summary::median(&mut at_top) * rows / top,
        low: None,
        high: None,
    })
}
