//! `ddl-eta lint`: the findings; exit 3 when one is at error level.

use super::GATE;
use crate::cli::LintArgs;
use crate::lint::{self, LintOptions};
use crate::output::write_output;
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &LintArgs) -> Result<ExitCode> {
    let report = lint::run_naming_stdin(
        &LintOptions {
            migrations: &args.migrations,
            schema: args.schema.as_deref(),
            target: args.target_server.clone(),
            allow: &args.allow,
        },
        args.stdin_filepath.as_deref(),
    )?;
    write_output(&lint::format::render(&report, args.format), None)?;
    Ok(if report.has_errors() {
        ExitCode::from(GATE)
    } else {
        ExitCode::SUCCESS
    })
}
