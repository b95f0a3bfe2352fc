//! Where the ladder's time went and how every run got its fresh tables: numbers and
//! codes for the report, which writes the words.

use crate::sandbox::clone::Refusal;
use serde::{Deserialize, Serialize};

/// How a run's fresh tables were made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FreshMethod {
    /// A transportable-tablespace clone of a pristine table for every table.
    Clone,
    /// `INSERT … SELECT` from the base tables for every table.
    #[default]
    Copy,
    /// Some tables cloned, the others copied (see `copied_tables`).
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopiedTable {
    pub table: String,
    pub reason: Refusal,
}

/// The ladder's wall time by activity, in seconds, and its speeds. The parts do not add
/// up to the whole: connecting, resizing the pool and the probe's own set-up are left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LadderTime {
    /// Starting the sandbox server (before the ladder; set by whoever starts it).
    pub server_start_seconds: f64,
    /// Appending synthetic rows to the base tables.
    pub seed_seconds: f64,
    /// Building (and dropping) the base tables' secondary indexes, once per scale, so that
    /// every clone has them.
    pub index_seconds: f64,
    /// Making fresh tables for every run, by `fresh_tables`.
    pub fresh_table_seconds: f64,
    /// Reading cloned tables into the buffer pool (`--cache warm`).
    pub warm_seconds: f64,
    /// The migration's statements (and rebuilds timed beside them).
    pub statement_seconds: f64,
    /// Finding each statement's algorithm and lock level on a small copy.
    pub probe_seconds: f64,
    /// The online route's share: fresh tables for it and the statements it ran (pt-osc
    /// and the native statements between), included in the totals above.
    #[serde(skip_serializing_if = "is_zero")]
    pub online_route_seconds: f64,
    pub fresh_tables: FreshMethod,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clone_bytes_per_second: Option<f64>,
    /// A clone failed and every run after it copied.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub clone_fell_back: bool,
    /// Tables copied where the others were cloned, and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub copied_tables: Vec<CopiedTable>,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}
