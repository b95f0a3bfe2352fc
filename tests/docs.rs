//! The manual stays true to the repository: docs/lint-rules.md is generated from the rule
//! definitions (INSTA_UPDATE=always rewrites it, as it accepts the insta snapshots), every relative link in
//! README.md, CONTRIBUTING.md and docs/*.md names a file here, and the README stays a
//! front page (at most 10 KB).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use ddl_eta::lint::rules::{ALL, EXAMPLE_SCHEMA};
use ddl_eta::lint::DEFAULT_TARGET;

const README_LIMIT_BYTES: u64 = 10 * 1024;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The rules list, as docs/lint-rules.md holds it.
fn lint_rules_markdown() -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Lint rules\n\n\
         <!-- Generated from src/lint/rules/*.rs by tests/docs.rs: edit the rules, then run\n     \
         `INSTA_UPDATE=always cargo test --test docs`. -->\n\n\
         What `ddl-eta lint` checks (see [lint.md](lint.md) for flags, formats and ignores). \
         Errors are data loss and backward incompatibility (the previous release keeps running \
         against the migrated database during a deploy); the rest are warnings. A rule that \
         cannot tell without `--schema` says so as a warning.\n"
    );
    let _ = writeln!(
        out,
        "| code | name | level | fires on |\n| --- | --- | --- | --- |"
    );
    for rule in ALL {
        let _ = writeln!(
            out,
            "| [{code}](#{anchor}) | {name} | {level} | {fires} |",
            code = rule.code,
            anchor = rule.code.to_lowercase(),
            name = rule.name,
            level = rule.level.as_str(),
            fires = rule.fires_on.replace('|', "\\|"),
        );
    }
    let _ = writeln!(
        out,
        "\nThe examples below are read against these tables, on the default target \
         (`{DEFAULT_TARGET}`); a test checks that each bad example fires its rule and each \
         good one does not.\n\n```sql\n{EXAMPLE_SCHEMA}\n```"
    );
    for rule in ALL {
        let _ = writeln!(
            out,
            "\n## {code}\n\n**{name}** ({level}): {fires}.\n\n\
             Why: {why}\n\nInstead: {instead}\n\n\
             Fires on:\n\n```sql\n{bad}\n```\n\nQuiet on:\n\n```sql\n{good}\n```",
            code = rule.code,
            name = rule.name,
            level = rule.level.as_str(),
            fires = rule.fires_on,
            why = rule.explanation,
            instead = rule.alternative,
            bad = rule.bad,
            good = rule.good,
        );
    }
    out
}

#[test]
fn lint_rules_page_matches_the_rule_definitions() {
    let path = root().join("docs/lint-rules.md");
    let expected = lint_rules_markdown();
    if std::env::var_os("INSTA_UPDATE").is_some_and(|v| v == "always") {
        std::fs::write(&path, &expected).expect("writing docs/lint-rules.md");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/lint-rules.md is stale: run `INSTA_UPDATE=always cargo test --test docs` and commit it"
    );
}

/// README.md, CONTRIBUTING.md and every page under docs/, each with its text.
fn manual_pages() -> Vec<(PathBuf, String)> {
    let mut pages = vec![root().join("README.md"), root().join("CONTRIBUTING.md")];
    let docs = std::fs::read_dir(root().join("docs")).expect("docs/ exists");
    let mut under_docs: Vec<PathBuf> = docs
        .map(|entry| entry.expect("reading docs/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    under_docs.sort();
    pages.extend(under_docs);
    pages
        .into_iter()
        .map(|page| {
            let text = std::fs::read_to_string(&page)
                .unwrap_or_else(|e| panic!("reading {}: {e}", page.display()));
            (page, text)
        })
        .collect()
}

/// Each line of a page that is not a code fence's ``` line, with whether it is inside a
/// code block.
fn lines_in_code(markdown: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut in_fence = false;
    markdown.lines().filter_map(move |line| {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            return None;
        }
        Some((in_fence, line))
    })
}

/// The targets of `[text](target)` links, outside code blocks and code spans.
fn link_targets(markdown: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for (_, line) in lines_in_code(markdown).filter(|(code, _)| !code) {
        let prose: String = line.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            targets.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    targets
}

fn is_external(target: &str) -> bool {
    target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:")
}

#[test]
fn every_relative_link_names_a_file_in_the_repository() {
    let root = root().canonicalize().expect("repository root");
    let mut broken = Vec::new();
    for (page, text) in manual_pages() {
        let dir = page.parent().expect("a page has a directory");
        for target in link_targets(&text) {
            let file = target.split('#').next().unwrap_or_default();
            if is_external(&target) || file.is_empty() {
                continue;
            }
            let resolved = dir.join(file).canonicalize();
            let inside = resolved.as_ref().is_ok_and(|p| p.starts_with(&root));
            if !inside {
                broken.push(format!("{}: {target}", relative(&page)));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to no file in the repository:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_manual_cites_no_file_outside_the_repository() {
    for (page, text) in manual_pages() {
        assert!(
            !text.contains("DESIGN.md"),
            "{} names DESIGN.md, which is not in this repository",
            relative(&page)
        );
    }
}

#[test]
fn readme_stays_a_front_page() {
    let bytes = std::fs::metadata(root().join("README.md"))
        .expect("README.md")
        .len();
    assert!(
        bytes <= README_LIMIT_BYTES,
        "README.md is {bytes} bytes, over {README_LIMIT_BYTES}: move the detail into docs/"
    );
}

#[test]
fn link_targets_skip_code_and_find_every_link() {
    let text = "See [a](docs/a.md) and [b](b.md#x).\n`[c](no.md)`\n```\n[d](no.md)\n```\n";
    assert_eq!(link_targets(text), ["docs/a.md", "b.md#x"]);
}

fn relative(page: &Path) -> String {
    page.strip_prefix(root())
        .unwrap_or(page)
        .display()
        .to_string()
}

#[test]
fn every_link_to_a_section_names_a_heading_of_its_page() {
    let mut broken = Vec::new();
    for (page, text) in manual_pages() {
        let dir = page.parent().expect("a page has a directory");
        for target in link_targets(&text) {
            let Some((file, anchor)) = target.split_once('#') else {
                continue;
            };
            if is_external(&target) {
                continue;
            }
            let linked = if file.is_empty() {
                page.clone()
            } else {
                dir.join(file)
            };
            // A missing file is every_relative_link_names_a_file_in_the_repository's to report.
            let Ok(linked_text) = std::fs::read_to_string(&linked) else {
                continue;
            };
            if !heading_anchors(&linked_text).iter().any(|a| a == anchor) {
                broken.push(format!("{}: {target}", relative(&page)));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to no heading:\n{}",
        broken.join("\n")
    );
}

/// The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as
/// hyphens, and `-1`, `-2`... on a heading's repeats.
fn heading_anchors(markdown: &str) -> Vec<String> {
    let mut slugs: Vec<String> = Vec::new();
    let mut anchors = Vec::new();
    for (_, line) in lines_in_code(markdown).filter(|(code, _)| !code) {
        let Some(title) = line.strip_prefix('#') else {
            continue;
        };
        let slug: String = title
            .trim_start_matches('#')
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect();
        let repeats = slugs.iter().filter(|s| **s == slug).count();
        anchors.push(match repeats {
            0 => slug.clone(),
            n => format!("{slug}-{n}"),
        });
        slugs.push(slug);
    }
    anchors
}

#[test]
fn heading_anchors_follow_github() {
    let text = "# Exit codes\n## `watch --record` (v1)\n```\n# not a heading\n```\n## Exit codes\n";
    assert_eq!(
        heading_anchors(text),
        ["exit-codes", "watch---record-v1", "exit-codes-1"]
    );
}

/// The `ddl-eta ...` command lines of a page's code blocks (continuation lines joined,
/// comments, pipes and redirections cut off).
fn command_lines(markdown: &str) -> Vec<String> {
    let mut commands = Vec::new();
    let mut pending: Option<String> = None;
    for (_, line) in lines_in_code(markdown).filter(|(code, _)| *code) {
        let line = line.trim();
        let line = line.strip_prefix("$ ").unwrap_or(line);
        let text = match pending.take() {
            Some(start) => format!("{start} {line}"),
            None if line.starts_with("ddl-eta ") => line.to_string(),
            None => continue,
        };
        match text.strip_suffix('\\') {
            Some(start) => pending = Some(start.trim_end().to_string()),
            None => {
                let end = [" #", " |", " >"]
                    .iter()
                    .filter_map(|cut| text.find(cut))
                    .min()
                    .unwrap_or(text.len());
                commands.push(text[..end].trim().to_string());
            }
        }
    }
    commands
}

#[test]
fn the_readme_shows_every_command() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let commands = command_lines(&readme);
    let names: std::collections::BTreeSet<&str> = commands
        .iter()
        .filter_map(|c| c.split_whitespace().nth(1))
        .collect();
    for name in [
        "estimate",
        "profile",
        "lint",
        "report",
        "compare",
        "watch",
        "calibrate",
    ] {
        assert!(
            names.contains(name),
            "the README has no example of `ddl-eta {name}`"
        );
    }
}

#[test]
fn the_manuals_examples_are_commands_ddl_eta_accepts() {
    use clap::Parser as _;
    let mut rejected = Vec::new();
    for (page, text) in manual_pages() {
        for command in command_lines(&text).iter().filter(|c| is_whole_command(c)) {
            if let Err(e) = ddl_eta::cli::Cli::try_parse_from(shell_words(command)) {
                let reason = e.to_string();
                let first = reason.lines().next().unwrap_or_default().to_string();
                rejected.push(format!("{}: `{command}`: {first}", relative(&page)));
            }
        }
    }
    assert!(
        rejected.is_empty(),
        "examples ddl-eta rejects:\n{}",
        rejected.join("\n")
    );
}

/// Not a synopsis (`[--json]`, `(--schema FILE | ...)`), a line with arguments left out
/// (`...`), or output (`ddl-eta watch: prod.t ...`).
fn is_whole_command(line: &str) -> bool {
    let output = line
        .split_whitespace()
        .nth(1)
        .is_some_and(|w| w.ends_with(':'));
    !output && !line.contains("...") && !line.contains(['[', '('])
}

#[test]
fn command_lines_join_continuations_and_cut_shell() {
    let text = "```\n$ ddl-eta report r.json\nnot this\nddl-eta lint a.sql   # text\nddl-eta profile --source u \\\n    --table t > p.json\n```\nddl-eta outside\n";
    assert_eq!(
        command_lines(text),
        [
            "ddl-eta report r.json",
            "ddl-eta lint a.sql",
            "ddl-eta profile --source u --table t"
        ]
    );
}

/// Repository paths the manual names in code spans (`src/rules/targets.txt`), so a file
/// moved or renamed shows up here instead of misleading a reader.
fn named_paths(markdown: &str) -> Vec<String> {
    const TOP: [&str; 6] = [
        "src/",
        "tests/",
        "benches/",
        "scripts/",
        "examples/",
        "docs/",
    ];
    markdown
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| TOP.iter().any(|top| span.starts_with(top)))
        .filter(|span| !span.contains([' ', '*', '<']))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_repository_path_the_manual_names_exists() {
    let mut missing = Vec::new();
    for (page, text) in manual_pages() {
        for path in named_paths(&text) {
            if !root().join(&path).exists() {
                missing.push(format!("{}: {path}", relative(&page)));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "paths that do not exist:\n{}",
        missing.join("\n")
    );
}

/// A command line's words as a shell splits them: double and single quotes hold a word
/// together (`--manage "./manage.py lms"`).
fn shell_words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn quoted_words_stay_whole() {
    assert_eq!(
        shell_words(r#"ddl-eta django lint --manage "./manage.py lms" 'a b'"#),
        [
            "ddl-eta",
            "django",
            "lint",
            "--manage",
            "./manage.py lms",
            "a b"
        ]
    );
}
