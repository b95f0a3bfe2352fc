//! Results kept per case under target/accuracy/cache, so a full run can span sessions:
//! the full-size truth of a case (mode-independent) and each ddl-eta estimate (per mode
//! and distance) are written as soon as they exist and reused by the next run.

use anyhow::{Context, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The full-size runs of a case's whole battery: runs[statement][repeat].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Truth {
    pub date: String,
    pub labels: Vec<String>,
    pub runs: Vec<Vec<f64>>,
    pub load_average: String,
    pub data_bytes: u64,
    pub index_bytes: u64,
    /// The buffer pool production really got (the server rounds to its chunk size).
    pub buffer_pool: u64,
    pub server: String,
}

/// One `ddl-eta estimate` as run: its arguments, wall time and whole JSON report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedEstimate {
    pub date: String,
    /// The ddl-eta commit whose ladder produced the points (its interval is re-fitted), or
    /// the binary given with --ddl-eta.
    pub commit: String,
    pub max_rows: u64,
    pub args: Vec<String>,
    pub seconds: f64,
    /// Labels of the statements given to ddl-eta, in order.
    pub labels: Vec<String>,
    pub report: serde_json::Value,
}

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: PathBuf) -> Cache {
        Cache { root }
    }

    fn truth_file(&self, case: &str) -> PathBuf {
        self.root.join(case).join("truth.json")
    }

    fn estimate_file(&self, case: &str, mode: &str, distance: u32) -> PathBuf {
        self.root
            .join(case)
            .join(format!("estimate-{mode}-1in{distance}.json"))
    }

    pub fn truth(&self, case: &str) -> Result<Option<Truth>> {
        read(&self.truth_file(case))
    }

    pub fn save_truth(&self, case: &str, truth: &Truth) -> Result<()> {
        write(&self.truth_file(case), truth)
    }

    pub fn estimate(
        &self,
        case: &str,
        mode: &str,
        distance: u32,
    ) -> Result<Option<CachedEstimate>> {
        read(&self.estimate_file(case, mode, distance))
    }

    pub fn save_estimate(
        &self,
        case: &str,
        mode: &str,
        distance: u32,
        estimate: &CachedEstimate,
    ) -> Result<()> {
        write(&self.estimate_file(case, mode, distance), estimate)
    }
}

fn read<T: DeserializeOwned>(file: &Path) -> Result<Option<T>> {
    match std::fs::read_to_string(file) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .with_context(|| format!("reading the cached result {}", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    }
}

/// Written to a temporary name and renamed: a run killed mid-write leaves no half file.
fn write<T: Serialize>(file: &Path, value: &T) -> Result<()> {
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let partial = file.with_extension("json.partial");
    std::fs::write(&partial, serde_json::to_string_pretty(value)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, file).with_context(|| format!("writing {}", file.display()))
}
