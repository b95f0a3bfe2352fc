//! `ddl-eta estimate`: the report in the asked format, then the CI gates (exit 3 when
//! one fires; the report is printed either way).

use super::GATE;
use crate::cli::EstimateArgs;
use crate::output::{self, write_output};
use crate::report::{self, gate};
use anyhow::Result;
use std::process::ExitCode;

pub async fn run(args: &EstimateArgs) -> Result<ExitCode> {
    let report = crate::estimate::run(args).await?;
    let text = match args.format {
        // The test cases show which gates fire, so they are rendered with them.
        report::Format::Junit => report::junit::render(&report, &args.gate.gates()),
        format => report::render(&report, format),
    };
    write_output(&text, args.output.as_deref())?;
    let fired = gate::check(&report, &args.gate.gates());
    for line in &fired {
        output::say(&format!("gate: {line}"));
    }
    Ok(if fired.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(GATE)
    })
}
