//! `ddl-eta report FILE`: a saved JSON report rendered again, in any format, and the
//! estimate's gates checked again on its numbers (exit 3 when one fires), so a later CI
//! stage can gate on what an earlier one measured.

use crate::cli::ReportArgs;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    let mut saved = crate::compare::load(&args.report)?;
    if let Some(allowance) = args.gate.untimed_allowance {
        saved.untimed_allowance_seconds = Some(allowance.as_secs_f64());
    }
    super::write_and_gate(
        &saved,
        args.format,
        args.output.as_deref(),
        &args.gate.gates(),
    )
}
