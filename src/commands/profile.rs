//! `ddl-eta profile`: read the named tables from the source, print their profile (JSON).

use crate::cli::ProfileArgs;
use crate::output::{self, write_output};
use crate::profile::SourceMeta;
use crate::report::words;
use crate::source::Source;
use anyhow::Result;
use std::process::ExitCode;

pub async fn run(args: &ProfileArgs) -> Result<ExitCode> {
    let options = args.read.source_options(&args.source)?;
    let profile = Source::connect(&options)
        .await?
        .profile(&args.tables)
        .await?;
    if let Some(warning) = profile
        .source
        .as_ref()
        .and_then(SourceMeta::plaintext_warning)
    {
        output::say(&format!("warning: {}", words::warning(&warning)));
    }
    write_output(&(serde_json::to_string_pretty(&profile)? + "\n"), None)?;
    Ok(ExitCode::SUCCESS)
}
