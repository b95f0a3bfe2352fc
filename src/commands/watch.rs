//! `ddl-eta watch`: follow a running migration on the source (or a command's own), with
//! the wrapped command's exit code where there is one.

use crate::watch::{self, WatchArgs};
use anyhow::Result;
use std::process::ExitCode;

pub async fn run(args: &WatchArgs) -> Result<ExitCode> {
    watch::run(args).await.map(ExitCode::from)
}
