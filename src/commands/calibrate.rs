//! `ddl-eta calibrate`: how watched outcomes compare with their estimates (JSON).

use crate::output::write_output;
use crate::watch::calibrate::{self, CalibrateArgs};
use anyhow::Result;
use std::process::ExitCode;

pub fn run(args: &CalibrateArgs) -> Result<ExitCode> {
    let calibration = calibrate::run(args)?;
    let text = serde_json::to_string_pretty(&calibration)? + "\n";
    write_output(&text, args.output.as_deref())?;
    Ok(ExitCode::SUCCESS)
}
