//! One file per subcommand, each a `run(args) -> Result<ExitCode>`: it runs its stage,
//! writes the result on stdout (or `--output`) and picks the exit code. `main.rs` only
//! parses the command line and dispatches here.

mod calibrate;
mod compare;
mod django;
mod estimate;
mod lint;
mod profile;
mod report;
mod watch;

use crate::cli::{Cli, Command};
use anyhow::Result;
use std::process::ExitCode;

/// Exit codes, the same for every command (README, "Exit codes"); 0 is success and 2 a
/// usage error, which clap reports itself.
pub const FAILURE: u8 = 1;
pub const GATE: u8 = 3;

/// Runs the command the user asked for.
pub async fn run(cli: &Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Estimate(args) => estimate::run(args, cli.config_read.as_deref()).await,
        Command::Compare(args) => compare::run(args),
        Command::Report(args) => report::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Profile(args) => profile::run(args).await,
        Command::Watch(args) => watch::run(args).await,
        Command::Calibrate(args) => calibrate::run(args),
        Command::Django(args) => django::run(args, cli.config_read.as_deref()).await,
    }
}

/// Writes the report in its format, then checks the gates on its numbers: one `gate:` line
/// each on stderr, and exit 3 when one fired (the report is written either way). JUnit
/// shows the gates as failing cases, so it is rendered with them.
fn write_and_gate(
    report: &crate::report::Report,
    format: crate::report::Format,
    output: Option<&std::path::Path>,
    gates: &crate::report::gate::Gates,
) -> Result<ExitCode> {
    use crate::report::{self, gate, Format};
    let text = match format {
        Format::Junit => report::junit::render(report, gates),
        format => report::render(report, format),
    };
    crate::output::write_output(&text, output)?;
    let fired = gate::check(report, gates);
    for line in &fired {
        crate::output::say(&format!("gate: {line}"));
    }
    Ok(if fired.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(GATE)
    })
}

/// Passwords that must never be printed: those in the URLs, the password file's and
/// MYSQL_PWD.
pub fn secrets_of(cli: &Cli) -> Vec<String> {
    let (urls, password_file) = match &cli.command {
        Command::Estimate(args) => (
            vec![args.sandbox.sandbox_url.clone(), args.source.clone()],
            args.read.password_file.as_ref(),
        ),
        Command::Profile(args) => (
            vec![Some(args.source.clone())],
            args.read.password_file.as_ref(),
        ),
        Command::Watch(args) => (vec![Some(args.source.clone())], args.password_file.as_ref()),
        Command::Django(crate::cli::DjangoArgs {
            command: crate::cli::DjangoCommand::Estimate(args),
        }) => (
            vec![
                args.estimate.sandbox.sandbox_url.clone(),
                args.estimate.source.clone(),
            ],
            args.estimate.read.password_file.as_ref(),
        ),
        Command::Django(_) => return Vec::new(),
        Command::Compare(_) | Command::Report(_) | Command::Lint(_) | Command::Calibrate(_) => {
            return Vec::new()
        }
    };
    let mut secrets: Vec<String> = urls
        .iter()
        .flatten()
        .flat_map(|url| crate::sandbox::url::password_forms(url))
        .collect();
    if let Ok(Some(password)) = crate::source::password_from(password_file) {
        secrets.push(password.text().to_string());
    }
    secrets
}
