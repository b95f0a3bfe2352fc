//! `ddl-eta compare OLD NEW`: what changed between two saved reports.

use crate::cli::{CompareArgs, CompareFormat};
use crate::compare;
use crate::output::write_output;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &CompareArgs) -> Result<ExitCode> {
    let old = compare::load(&args.old)?;
    let new = compare::load(&args.new)?;
    let comparison = compare::compare(&old, &new);
    let format = if args.json {
        CompareFormat::Json
    } else {
        args.format
    };
    let text = match format {
        CompareFormat::Text => compare::render_text(&comparison),
        CompareFormat::Json => compare::render_json(&comparison),
        CompareFormat::Markdown => compare::render_markdown(&comparison),
    };
    write_output(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
