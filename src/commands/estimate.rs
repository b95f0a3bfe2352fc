//! `ddl-eta estimate`: the report in the asked format, then the CI gates (exit 3 when
//! one fires; the report is printed either way).

use super::GATE;
use crate::cli::{EstimateArgs, SandboxKind};
use crate::output::{self, write_output};
use crate::report::provenance::Provenance;
use crate::report::{self, gate};
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

/// `config`: the .ddl-eta.toml that applied, recorded in the report's provenance.
pub async fn run(args: &EstimateArgs, config: Option<&Path>) -> Result<ExitCode> {
    let mut report = crate::estimate::run(args).await?;
    // The disk is the one under a local sandbox's data; another machine's is not known.
    let local = args.sandbox.sandbox == SandboxKind::Local && args.sandbox.sandbox_url.is_none();
    let data_dir = args
        .sandbox
        .work_dir
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    report.provenance = Some(Provenance::here(
        local.then_some(data_dir.as_path()),
        config,
    ));
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
