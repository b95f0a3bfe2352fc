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
    write_output(
        &report::render(&report, args.format),
        args.output.as_deref(),
    )?;
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
