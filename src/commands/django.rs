//! `ddl-eta django estimate|lint`: the release's migrations rendered by the project's
//! Django (`crate::django`), then estimated or linted as one migration; the report names
//! each migration, and the gates and exit codes are `estimate`'s and `lint`'s.

use super::GATE;
use crate::cli::{DjangoArgs, DjangoCommand, DjangoEstimateArgs, DjangoLintArgs};
use crate::django::{self, Request};
use crate::lint;
use crate::output::{self, write_output};
use crate::progress::Progress;
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// `config`: the .ddl-eta.toml that applied, recorded in the report's provenance.
pub async fn run(args: &DjangoArgs, config: Option<&Path>) -> Result<ExitCode> {
    match &args.command {
        DjangoCommand::Estimate(args) => estimate(args, config).await,
        DjangoCommand::Lint(args) => lint(args).await,
    }
}

async fn estimate(args: &DjangoEstimateArgs, config: Option<&Path>) -> Result<ExitCode> {
    let started = Instant::now();
    let progress = Progress::new(args.estimate.quiet);
    let request = Request {
        manage: &args.select.manage,
        database: &args.select.database,
        selection: django::Selection::from_args(
            &args.estimate.migrations,
            args.select.since.as_deref(),
        )?,
    };
    let rendered = django::render(&request, &progress).await?;
    progress.finish();
    if rendered.release.migrations.is_empty() {
        output::say("ddl-eta: no migration to estimate (nothing unapplied, added or listed)");
        return Ok(ExitCode::SUCCESS);
    }
    // Only changes to Django's state (or only migrations not rendered): nothing to time,
    // yet the release still gets its report, its timeouts and its gates.
    let mut report = match rendered.migration.statements.is_empty() {
        true => crate::estimate::nothing_to_time(&args.estimate, &[]),
        false => {
            crate::estimate::run_migration(&args.estimate, rendered.migration, started).await?
        }
    };
    report.release = Some(rendered.release);
    super::estimate::record_provenance(&mut report, &args.estimate, config);
    super::write_and_gate(
        &report,
        args.estimate.format,
        args.estimate.output.as_deref(),
        &args.estimate.gate.gates(),
    )
}

async fn lint(args: &DjangoLintArgs) -> Result<ExitCode> {
    let progress = Progress::new(false);
    let request = Request {
        manage: &args.select.manage,
        database: &args.select.database,
        selection: django::Selection::from_args(
            &args.lint.migrations,
            args.select.since.as_deref(),
        )?,
    };
    let rendered = django::render(&request, &progress).await?;
    progress.finish();
    let schema = args
        .lint
        .schema
        .as_deref()
        .map(lint::read_schema)
        .transpose()?;
    let mut found = lint::lint(
        &rendered.migration.statements,
        schema.as_deref(),
        args.lint.target_server.clone(),
        |f| {
            args.lint
                .allow
                .iter()
                .any(|code| code.eq_ignore_ascii_case(f.code))
        },
    );
    found.schema = args.lint.schema.as_ref().map(|p| p.display().to_string());
    found.files = rendered
        .release
        .migrations
        .iter()
        .map(|m| m.file.clone())
        .collect();
    for m in &rendered.release.migrations {
        if let Some(error) = &m.not_rendered {
            output::say(&format!(
                "warning: {} ({}) not rendered, not linted: {error}",
                m.label(),
                m.file
            ));
        }
    }
    write_output(&lint::format::render(&found, args.lint.format), None)?;
    Ok(if found.has_errors() {
        ExitCode::from(GATE)
    } else {
        ExitCode::SUCCESS
    })
}
