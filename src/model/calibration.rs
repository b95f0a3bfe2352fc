//! The measured error model: how far the point prediction lands from the truth, by kind of
//! work and by extrapolation distance, as the accuracy benchmark's tuning cases measured
//! it (`error_model.json`, written by `scripts/error-model`). Intervals are built from it.

use crate::ddl::Algorithm;
use crate::migration::Operation;
use crate::model::ModelKind;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::sync::OnceLock;

/// The kinds of work whose errors differ: a metadata change costs about the same at any
/// size (its error is in seconds); an index build sorts one column set; a rebuild copies
/// every row with every index (their errors are ratios).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationClass {
    Metadata,
    IndexBuild,
    Rebuild,
}

impl OperationClass {
    pub const ALL: [OperationClass; 3] = [
        OperationClass::Metadata,
        OperationClass::IndexBuild,
        OperationClass::Rebuild,
    ];

    /// `grows_with_rows`: the statement was known to read or rewrite every row (as the fit
    /// was told); otherwise the ladder decides: a statement whose fitted law grows with
    /// the rows is work on rows whatever the server called it (a NOCOPY character-set
    /// conversion rewrites every row; OPTIMIZE TABLE names no algorithm at all).
    pub fn of(
        algorithm: Option<Algorithm>,
        operation: Operation,
        grows_with_rows: bool,
        fitted: ModelKind,
    ) -> Self {
        if !grows_with_rows && fitted == ModelKind::Constant {
            return OperationClass::Metadata;
        }
        let builds_an_index = matches!(operation, Operation::AddIndex | Operation::AddForeignKey);
        match algorithm {
            Some(Algorithm::Inplace | Algorithm::Nocopy) if builds_an_index => {
                OperationClass::IndexBuild
            }
            _ => OperationClass::Rebuild,
        }
    }

    /// Errors are ratios (log space) for work on rows, seconds for metadata.
    pub fn rows_bound(self) -> bool {
        self != OperationClass::Metadata
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OperationClass::Metadata => "metadata",
            OperationClass::IndexBuild => "index_build",
            OperationClass::Rebuild => "rebuild",
        }
    }
}

/// The 5% and 95% quantiles of the error of a point prediction: of ln(actual / predicted)
/// for rows-bound work, of actual - predicted in seconds for metadata work. The 90%
/// interval is the prediction moved by each.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ErrorQuantiles {
    pub low: f64,
    pub high: f64,
}

impl ErrorQuantiles {
    /// The middle of the two: the bias of the point prediction the errors were measured
    /// from (a log ratio for rows-bound work).
    pub fn centre(&self) -> f64 {
        (self.low + self.high) / 2.0
    }
}

/// One measured cell: a class at a distance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub class: OperationClass,
    /// Mean extrapolation distance (production rows / largest measured) of the cell.
    pub distance: f64,
    pub statements: usize,
    pub mean: f64,
    pub sd: f64,
    pub quantiles: ErrorQuantiles,
}

/// Where the numbers come from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Provenance {
    pub benchmark_date: String,
    pub commit: String,
    pub machine: String,
    pub mode: String,
    pub cases: Vec<String>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorModel {
    pub schema_version: u32,
    pub provenance: Provenance,
    /// The share of a statement's log-error variance that the statements of one migration
    /// have in common (same hardware, memory regime, engine): 0 independent, 1 identical.
    pub shared: f64,
    pub entries: Vec<Entry>,
}

/// The level of every interval the error model describes (5% to 95%).
pub const LEVEL: f64 = 0.9;

/// Fewer statements than this in a cell and the cell takes the pooled rows-bound errors.
pub const MIN_STATEMENTS: usize = 6;

const SHIPPED: &str = include_str!("error_model.json");

/// The error model shipped in this build.
pub fn error_model() -> &'static ErrorModel {
    static MODEL: OnceLock<ErrorModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        // A test (`the_shipped_error_model_reads`) keeps this from failing in a release.
        serde_json::from_str(SHIPPED).expect("src/model/error_model.json is valid")
    })
}

impl ErrorModel {
    /// The quantiles of the error for this class of work at this extrapolation distance:
    /// the one entry point an observed spread (a recorded calibration) can stand in for.
    ///
    /// Between measured distances the quantiles are interpolated in ln(distance); below the
    /// nearest they are its; beyond the farthest they widen as they did between the last
    /// two (never narrowing), which is a guess the report warns about.
    pub fn quantiles(&self, class: OperationClass, distance: f64) -> ErrorQuantiles {
        let mut cells: Vec<&Entry> = self.entries.iter().filter(|e| e.class == class).collect();
        cells.sort_by(|a, b| a.distance.total_cmp(&b.distance));
        let Some(first) = cells.first() else {
            return ErrorQuantiles {
                low: 0.0,
                high: 0.0,
            };
        };
        let at = distance.max(1.0).ln();
        if cells.len() == 1 || at <= first.distance.ln() {
            return first.quantiles;
        }
        let pair = cells
            .windows(2)
            .find(|w| at <= w[1].distance.ln())
            .unwrap_or(&cells[cells.len() - 2..]);
        let (a, b) = (pair[0], pair[1]);
        let span = (b.distance.ln() - a.distance.ln()).max(1e-9);
        let t = (at - a.distance.ln()) / span;
        let mix = |x: f64, y: f64| x + (y - x) * t;
        let low = mix(a.quantiles.low, b.quantiles.low);
        let high = mix(a.quantiles.high, b.quantiles.high);
        if t <= 1.0 {
            return ErrorQuantiles { low, high };
        }
        // Beyond the data: widen as measured, never narrower than the farthest cell.
        ErrorQuantiles {
            low: low.min(b.quantiles.low),
            high: high.max(b.quantiles.high),
        }
    }

    /// The farthest distance the model was measured at, for a class.
    pub fn largest_distance(&self, class: OperationClass) -> Option<f64> {
        self.entries
            .iter()
            .filter(|e| e.class == class)
            .map(|e| e.distance)
            .reduce(f64::max)
    }
}

/// The farthest distance at which the model measured work on rows: beyond it an
/// estimate's interval is extrapolated.
pub fn reach(model: &ErrorModel) -> Option<f64> {
    OperationClass::ALL
        .iter()
        .filter(|c| c.rows_bound())
        .filter_map(|c| model.largest_distance(*c))
        .reduce(f64::max)
}

/// A cell's summary from its errors: the 90% prediction interval of one more error drawn
/// from the same normal, mean ± t(0.95, n-1)·sd·sqrt(1 + 1/n), so a cell of few
/// statements is wider than its spread alone. None with fewer than 3 errors.
pub fn summarize_errors(errors: &[f64]) -> Option<(f64, f64, ErrorQuantiles)> {
    let n = errors.len();
    if n < 3 {
        return None;
    }
    let mean = errors.iter().sum::<f64>() / n as f64;
    let sd = (errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()?
        .inverse_cdf(0.95);
    let half = t * sd * (1.0 + 1.0 / n as f64).sqrt();
    Some((
        mean,
        sd,
        ErrorQuantiles {
            low: mean - half,
            high: mean + half,
        },
    ))
}

/// The share of variance the members of a group have in common (one-way intraclass
/// correlation of the errors grouped by migration), clamped to [0, 1]; None without two
/// groups of two.
pub fn shared_share(groups: &[Vec<f64>]) -> Option<f64> {
    let groups: Vec<&Vec<f64>> = groups.iter().filter(|g| g.len() >= 2).collect();
    if groups.len() < 2 {
        return None;
    }
    let total: usize = groups.iter().map(|g| g.len()).sum();
    let grand = groups.iter().flat_map(|g| g.iter()).sum::<f64>() / total as f64;
    let mean = |g: &Vec<f64>| g.iter().sum::<f64>() / g.len() as f64;
    let between: f64 = groups
        .iter()
        .map(|g| g.len() as f64 * (mean(g) - grand).powi(2))
        .sum::<f64>()
        / (groups.len() - 1) as f64;
    let within: f64 = groups
        .iter()
        .map(|g| {
            let m = mean(g);
            g.iter().map(|e| (e - m).powi(2)).sum::<f64>()
        })
        .sum::<f64>()
        / (total - groups.len()) as f64;
    // The average group size, corrected for unequal sizes.
    let k = (total as f64
        - groups.iter().map(|g| (g.len() as f64).powi(2)).sum::<f64>() / total as f64)
        / (groups.len() - 1) as f64;
    let icc = (between - within) / (between + (k - 1.0) * within);
    icc.is_finite().then(|| icc.clamp(0.0, 1.0))
}
