//! `ddl-eta compare OLD NEW`: what changed between two saved reports.

use crate::cli::CompareArgs;
use crate::compare;
use crate::output::write_output;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    let old = compare::load(&args.old)?;
    let new = compare::load(&args.new)?;
    let comparison = compare::compare(&old, &new);
    let text = if args.json {
        serde_json::to_string_pretty(&comparison)? + "\n"
    } else {
        compare::render_text(&comparison, &old, &new)
    };
    write_output(&text, None)?;
    Ok(ExitCode::SUCCESS)
}
