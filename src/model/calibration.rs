//! The measured error model: how far the point prediction lands from the truth, by kind of
//! work and by extrapolation distance, as the accuracy benchmark's tuning cases measured
//! it (`error_model.json`, written by `scripts/error-model`), one model per input mode (what
//! ddl-eta knew of production's tables). Intervals are built from it.

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

/// What an estimate knew of a table, weakest last: read live from production (`source`),
/// from a saved profile (`profile`), from a schema file with its bytes or average row
/// length (`schema_bytes`) or with a row count only (`schema_rows`). In JSON the code;
/// the renderers write the words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputMode {
    Source,
    Profile,
    SchemaBytes,
    SchemaRows,
}

impl InputMode {
    pub fn as_str(self) -> &'static str {
        match self {
            InputMode::Source => "source",
            InputMode::Profile => "profile",
            InputMode::SchemaBytes => "schema_bytes",
            InputMode::SchemaRows => "schema_rows",
        }
    }
}

/// The modes that have an error model of their own: `source` estimates are judged by the
/// `profile` model (a profile is what a source read writes).
pub const MODELLED_MODES: [InputMode; 3] = [
    InputMode::Profile,
    InputMode::SchemaBytes,
    InputMode::SchemaRows,
];

/// The mode whose error model judges an estimate made from `mode`.
pub fn modelled(mode: InputMode) -> InputMode {
    match mode {
        InputMode::Source => InputMode::Profile,
        other => other,
    }
}

fn profile_mode() -> InputMode {
    InputMode::Profile
}

/// How a mode's model was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Fitted from the accuracy benchmark's own runs in this mode.
    #[default]
    Measured,
    /// Derived from published figures of this mode's benchmark runs (per-case biases),
    /// widened for how few cases they are.
    Derived,
    /// No runs in this mode yet: another mode's model stands in, and says so.
    Unmeasured,
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
    /// The spread of all the cell's errors, statements of every case together.
    pub sd: f64,
    /// The part of `sd` that is a bias shared by a case's statements: the spread between
    /// cases, a term of its own in the quantiles (0 in a model written before it was kept).
    #[serde(default)]
    pub between_sd: f64,
    /// How many cases (migrations of one table and memory regime) the cell's statements
    /// come from (0: not recorded).
    #[serde(default)]
    pub cases: usize,
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
    /// The input mode whose estimates this model's errors were measured on.
    #[serde(default = "profile_mode")]
    pub mode: InputMode,
    #[serde(default)]
    pub status: ModelStatus,
    pub provenance: Provenance,
    /// The share of a statement's log-error variance that the statements of one migration
    /// have in common (same hardware, memory regime, engine): 0 independent, 1 identical.
    pub shared: f64,
    pub entries: Vec<Entry>,
}

/// Fewer statements than this in a cell and the cell takes the pooled rows-bound errors.
pub const MIN_STATEMENTS: usize = 6;

/// Beyond the farthest measured distance the quantiles' distance from their centre grows
/// in proportion to ln(distance) (docs/accuracy.md, "Any distance"): an extrapolation
/// whose growth law is off by a fixed exponent misses by a log ratio that grows as
/// ln(distance), and the benchmark's errors at its farthest distance are taken as wholly
/// of that kind (the widest reading of them).
pub fn beyond_farthest(half: f64, farthest: f64, distance: f64) -> f64 {
    if distance <= farthest || farthest <= 1.0 {
        return half;
    }
    half * distance.ln() / farthest.ln()
}

/// The sandbox-to-production hardware ratio nobody measured: its 90% range is this factor
/// either way. On a real 50M-row table (2026-12-02) the sandbox's cost per row at ~3M rows
/// was 1.7x apart on two machines of one kind while the full-size truth moved 3%; until `--calibration` or
/// `--speed-spread` replaces it, every interval on rows carries it (docs/accuracy.md).
pub const HARDWARE_PRIOR_RATIO: f64 = 1.7;

/// Every mode's model, as `src/model/error_model.json` ships them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorModels {
    pub schema_version: u32,
    pub models: Vec<ErrorModel>,
}

/// The shipped file: one model per mode (schema_version 2), or a single source-mode model
/// as written before modes had models of their own.
#[derive(Deserialize)]
#[serde(untagged)]
enum Shipped {
    Modes(ErrorModels),
    One(ErrorModel),
}

const SHIPPED: &str = include_str!("error_model.json");

/// Every mode's error model shipped in this build.
pub fn error_models() -> &'static ErrorModels {
    static MODELS: OnceLock<ErrorModels> = OnceLock::new();
    MODELS.get_or_init(|| {
        // A test (`the_shipped_error_model_reads`) keeps this from failing in a release.
        match serde_json::from_str(SHIPPED).expect("src/model/error_model.json is valid") {
            Shipped::Modes(models) => models,
            Shipped::One(model) => ErrorModels {
                schema_version: 2,
                models: vec![model],
            },
        }
    })
}

/// The model of an input mode; a mode the file lacks gets the profile model (the file's
/// first), which a test keeps from happening in a release.
pub fn error_model_for(mode: InputMode) -> &'static ErrorModel {
    let mode = modelled(mode);
    let models = &error_models().models;
    models
        .iter()
        .find(|m| m.mode == mode)
        .or_else(|| models.iter().find(|m| m.mode == InputMode::Profile))
        .or(models.first())
        .expect("src/model/error_model.json has a model")
}

/// The profile-mode (source) error model shipped in this build.
pub fn error_model() -> &'static ErrorModel {
    error_model_for(InputMode::Profile)
}

impl ErrorModel {
    /// The quantiles of the error for this class of work at this extrapolation distance:
    /// the one entry point an observed spread (a recorded calibration) can stand in for.
    ///
    /// Their centre (the measured bias) is interpolated in ln(distance) between measured
    /// distances, the nearest's below the nearest and the farthest's beyond the farthest.
    /// Each side's distance from the centre is an envelope: never less than at any
    /// measured distance at or below this one, nor than the interpolation towards the
    /// next, so an interval never narrows farther out. Beyond the farthest measured
    /// distance work on rows widens by [`beyond_farthest`]; metadata work (seconds that do
    /// not grow with rows) keeps the farthest width.
    pub fn quantiles(&self, class: OperationClass, distance: f64) -> ErrorQuantiles {
        let mut cells: Vec<&Entry> = self.entries.iter().filter(|e| e.class == class).collect();
        cells.sort_by(|a, b| a.distance.total_cmp(&b.distance));
        let (Some(first), Some(last)) = (cells.first(), cells.last()) else {
            return ErrorQuantiles {
                low: 0.0,
                high: 0.0,
            };
        };
        let distance = if distance.is_finite() {
            distance.max(1.0)
        } else {
            last.distance.max(1.0)
        };
        // Production's size inside the ladder, with production's rows as profiled: nothing
        // was extrapolated, so the errors the benchmark measured of extrapolations (what
        // n·log n from the largest scale misses) do not apply. Schema modes keep theirs:
        // part of their error is the seeded rows, whatever the distance.
        if self.mode == InputMode::Profile && class.rows_bound() && distance <= 1.0 + 1e-9 {
            return ErrorQuantiles {
                low: 0.0,
                high: 0.0,
            };
        }
        let sides = |e: &Entry| {
            let centre = e.quantiles.centre();
            (centre - e.quantiles.low, e.quantiles.high - centre)
        };
        let at = distance.ln();
        // Interpolation in ln(distance) within the measured range, clamped outside it.
        let interpolated = |value: &dyn Fn(&Entry) -> f64| -> f64 {
            if cells.len() == 1 || at <= first.distance.ln() {
                return value(first);
            }
            if at >= last.distance.ln() {
                return value(last);
            }
            let pair = cells
                .windows(2)
                .find(|w| at <= w[1].distance.ln())
                .unwrap_or(&cells[cells.len() - 2..]);
            let (a, b) = (pair[0], pair[1]);
            let span = (b.distance.ln() - a.distance.ln()).max(1e-9);
            let t = (at - a.distance.ln()) / span;
            value(a) + (value(b) - value(a)) * t
        };
        let centre = interpolated(&|e| e.quantiles.centre());
        let mut low_side = interpolated(&|e| sides(e).0);
        let mut high_side = interpolated(&|e| sides(e).1);
        for cell in cells
            .iter()
            .filter(|e| e.distance <= distance * (1.0 + 1e-3))
        {
            let (low, high) = sides(cell);
            low_side = low_side.max(low);
            high_side = high_side.max(high);
        }
        if class.rows_bound() {
            low_side = beyond_farthest(low_side, last.distance, distance);
            high_side = beyond_farthest(high_side, last.distance, distance);
        }
        ErrorQuantiles {
            low: centre - low_side,
            high: centre + high_side,
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

    /// The nearest distance the model was measured at, for a class.
    pub fn nearest_distance(&self, class: OperationClass) -> Option<f64> {
        self.entries
            .iter()
            .filter(|e| e.class == class)
            .map(|e| e.distance)
            .reduce(f64::min)
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

/// A cell's 90% prediction interval for one more statement of a new case, the spread
/// between cases a term of its own: the new case brings a bias of its own (between-case
/// sd, estimated from `cases` cases) and the statement an error of its own (the rest of
/// `sd`, from `statements` statements):
/// mean ± t(0.95, df)·sqrt(between²·(1 + 1/cases) + within²·(1 + 1/statements)), df by
/// Welch-Satterthwaite, so a model of three cases is as wide as three cases allow. With
/// fewer than two cases recorded, the between-case term is left out (the statements'
/// own t interval).
pub fn cell_quantiles(
    mean: f64,
    sd: f64,
    between_sd: f64,
    statements: usize,
    cases: usize,
) -> ErrorQuantiles {
    let n = statements.max(2) as f64;
    let between = between_sd.clamp(0.0, sd.max(0.0));
    let within_var = (sd * sd - between * between).max(0.0);
    let (b, w) = if cases >= 2 {
        let k = cases as f64;
        (
            between * between * (1.0 + 1.0 / k),
            within_var * (1.0 + 1.0 / n),
        )
    } else {
        (0.0, sd * sd * (1.0 + 1.0 / n))
    };
    let df_between = (cases.max(2) - 1) as f64;
    let df_within = (n - cases.max(1) as f64).max(1.0);
    let df = if b + w <= 0.0 {
        df_within
    } else {
        ((b + w).powi(2) / (b * b / df_between + w * w / df_within)).max(1.0)
    };
    let t = StudentsT::new(0.0, 1.0, df).map_or(6.314, |t| t.inverse_cdf(0.95));
    let half = t * (b + w).sqrt();
    ErrorQuantiles {
        low: mean - half,
        high: mean + half,
    }
}

/// The spread between groups' means that their own sizes do not explain (method of
/// moments: the variance of the group means less the within-group variance over the
/// group size), as an sd; 0 when the groups differ no more than their members do.
pub fn between_sd(groups: &[Vec<f64>]) -> f64 {
    let groups: Vec<&Vec<f64>> = groups.iter().filter(|g| !g.is_empty()).collect();
    if groups.len() < 2 {
        return 0.0;
    }
    let mean = |g: &Vec<f64>| g.iter().sum::<f64>() / g.len() as f64;
    let means: Vec<f64> = groups.iter().map(|g| mean(g)).collect();
    let grand = means.iter().sum::<f64>() / means.len() as f64;
    let var_means =
        means.iter().map(|m| (m - grand).powi(2)).sum::<f64>() / (means.len() - 1) as f64;
    let (mut within, mut df) = (0.0, 0usize);
    for g in &groups {
        let m = mean(g);
        within += g.iter().map(|e| (e - m).powi(2)).sum::<f64>();
        df += g.len() - 1;
    }
    let within_var = if df > 0 { within / df as f64 } else { 0.0 };
    let size = groups.iter().map(|g| g.len()).sum::<usize>() as f64 / groups.len() as f64;
    (var_means - within_var / size).max(0.0).sqrt()
}

/// Kish's design effect for `n` statements in `cases` cases whose statements share
/// `shared` of their error's variance: 1 + (n / cases - 1) x shared. `n` statements count
/// as n / design effect independent ones when a coverage is judged.
pub fn design_effect(n: usize, cases: usize, shared: f64) -> f64 {
    if n == 0 || cases == 0 {
        return 1.0;
    }
    let per_case = n as f64 / cases as f64;
    (1.0 + (per_case - 1.0) * shared.clamp(0.0, 1.0)).max(1.0)
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
