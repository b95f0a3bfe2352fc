//! `ddl-eta estimate`: the report in the asked format, then the CI gates (exit 3 when
//! one fires; the report is printed either way).

use crate::cli::{EstimateArgs, SandboxKind};
use crate::report::provenance::Provenance;
use crate::report::Report;
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

/// `config`: the .ddl-eta.toml that applied, recorded in the report's provenance.
pub async fn run(args: &EstimateArgs, config: Option<&Path>) -> Result<ExitCode> {
    let mut report = crate::estimate::run(args).await?;
    record_provenance(&mut report, args, config);
    super::write_and_gate(
        &report,
        args.format,
        args.output.as_deref(),
        &args.gate.gates(),
    )
}

/// ddl-eta's version, the machine and the command line, in the report.
pub fn record_provenance(report: &mut Report, args: &EstimateArgs, config: Option<&Path>) {
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
}
