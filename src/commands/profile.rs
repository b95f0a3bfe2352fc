//! `ddl-eta profile`: read tables from the source and print or save their profile (JSON).
//! Named tables as before; without `--table` (or with `--output`) the whole database
//! over a size threshold, under a total time limit, resumable from its `--output` file.

use crate::cli::{ProfileArgs, DATABASE_PROFILE_TIMEOUT};
use crate::output::{self, write_atomically, write_output};
use crate::profile::{Profile, SourceMeta};
use crate::report::words;
use crate::source::{DatabasePlan, Source};
use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::ExitCode;

pub async fn run(args: &ProfileArgs) -> Result<ExitCode> {
    let mut options = args.read.source_options(&args.source)?;
    let whole = args.tables.is_empty() || args.output.is_some();
    if whole && args.read.profile_timeout.is_none() {
        options.profile_timeout = DATABASE_PROFILE_TIMEOUT;
    }
    let time_limit = options.profile_timeout;
    if whole {
        // The limit is checked between tables; the session's own hard limit lets the
        // table under way take one statement's time more.
        options.profile_timeout = time_limit + options.statement_timeout;
    }
    let mut source = Source::connect(&options).await?;
    let profile = if whole {
        let previous = match &args.output {
            Some(path) if path.exists() => Some(previous(path, &source.database)?),
            _ => None,
        };
        let plan = DatabasePlan {
            tables: args.tables.clone(),
            min_rows: args.min_rows,
            min_bytes: args.min_bytes,
            time_limit,
            previous,
            refresh_after: args.refresh_after,
        };
        let path = args.output.clone();
        let mut save = |profile: &Profile| -> Result<()> {
            match &path {
                Some(path) => write_atomically(path, &to_json(profile)?)
                    .with_context(|| format!("cannot write the profile to {}", path.display())),
                None => Ok(()),
            }
        };
        let outcome = source
            .profile_database(plan, &mut save, &output::say)
            .await?;
        let read = outcome.profile.tables.len();
        if outcome.stopped_at_limit > 0 {
            output::say(&format!(
                "stopped at the time limit (--profile-timeout {}): {read} tables profiled, {} left; \
                 run the same command again to continue{}",
                humantime::format_duration(time_limit),
                outcome.stopped_at_limit,
                match &args.output {
                    Some(path) => format!(" ({} keeps what was read)", path.display()),
                    None => " (give --output FILE to keep what was read)".to_string(),
                }
            ));
        } else {
            output::say(&format!("profiled {read} tables"));
        }
        outcome.profile
    } else {
        source.profile(&args.tables).await?
    };
    if let Some(warning) = profile
        .source
        .as_ref()
        .and_then(SourceMeta::plaintext_warning)
    {
        output::say(&format!("warning: {}", words::warning(&warning)));
    }
    if args.output.is_none() {
        write_output(&to_json(&profile)?, None)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn to_json(profile: &Profile) -> Result<String> {
    Ok(serde_json::to_string_pretty(profile)? + "\n")
}

/// The `--output` file being resumed: a profile of the same database, else an error
/// rather than mixing two databases' tables in one file.
fn previous(path: &Path, database: &str) -> Result<Profile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {} to resume it", path.display()))?;
    let profile: Profile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} exists and is not a ddl-eta profile: give --output a new file",
            path.display()
        )
    })?;
    if let Some(source) = &profile.source {
        if !source.database.eq_ignore_ascii_case(database) {
            bail!(
                "{} is a profile of database {}, not {database}: give --output another file",
                path.display(),
                source.database
            );
        }
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::previous;

    #[test]
    fn a_file_of_another_database_is_not_resumed() {
        let dir = std::env::temp_dir().join(format!("ddl_eta_resume_{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("p.json");
        std::fs::write(
            &path,
            r#"{"schema_version":1,"tables":[],"source":{"url":"mysql://ro@h/other","database":"other","profiled_at":0,"seconds":1.0}}"#,
        )
        .expect("write");
        let err = previous(&path, "prod").expect_err("another database");
        assert!(
            err.to_string().contains("database other, not prod"),
            "{err}"
        );
        assert!(previous(&path, "other").is_ok());
        std::fs::write(&path, "not json").expect("write");
        let err = previous(&path, "prod").expect_err("not a profile");
        assert!(
            format!("{err:#}").contains("is not a ddl-eta profile"),
            "{err:#}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
