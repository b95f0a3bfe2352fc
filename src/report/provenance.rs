//! Where a report comes from, for benchmark reports compared across runs: ddl-eta's
//! version, the machine, and the command line that made it (passwords in URLs masked).

use crate::host::Host;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// ddl-eta's version (Cargo.toml's).
    pub ddl_eta_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation: Option<Invocation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invocation {
    /// The command line, a password in any URL replaced by ***.
    pub argv: Vec<String>,
    /// The `.ddl-eta.toml` whose settings applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

impl Provenance {
    /// This build, this machine (its disk read under `data_dir`), and this command line.
    pub fn here(
        data_dir: Option<&std::path::Path>,
        config: Option<&std::path::Path>,
    ) -> Provenance {
        Provenance {
            ddl_eta_version: env!("CARGO_PKG_VERSION").to_string(),
            host: Some(Host::read(data_dir)),
            invocation: Some(Invocation {
                argv: masked_argv(std::env::args()),
                config: config.map(|p| p.display().to_string()),
            }),
        }
    }
}

/// Each argument with the password of a URL in it masked, whether the URL is the whole
/// argument or follows `--flag=`.
pub fn masked_argv(args: impl IntoIterator<Item = String>) -> Vec<String> {
    args.into_iter()
        .map(|arg| {
            let Some(at) = arg.find("://") else {
                return arg;
            };
            let start = arg[..at].rfind('=').map_or(0, |eq| eq + 1);
            format!(
                "{}{}",
                &arg[..start],
                crate::sandbox::url::redact_url(&arg[start..])
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked_in_every_form() {
        let argv = masked_argv(
            [
                "ddl-eta",
                "--source",
                "mysql://ro:s3cret@db:3306/edxapp",
                "--sandbox-url=mysql://root:hunter2@127.0.0.1/",
                "m.sql",
            ]
            .map(String::from),
        );
        let line = argv.join(" ");
        assert!(
            !line.contains("s3cret") && !line.contains("hunter2"),
            "{line}"
        );
        assert!(line.contains("mysql://ro:***@db:3306/edxapp"), "{line}");
        assert!(
            line.contains("--sandbox-url=mysql://root:***@127.0.0.1/"),
            "{line}"
        );
        assert_eq!(argv[4], "m.sql");
    }
}
