//! `ddl-eta report FILE`: a saved JSON report rendered again, in any format.

use crate::cli::ReportArgs;
use crate::output::write_output;
use crate::report;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &ReportArgs) -> Result<ExitCode> {
    let saved = crate::compare::load(&args.report)?;
    write_output(&report::render(&saved, args.format), args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
