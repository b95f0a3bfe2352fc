//! The online route: a statement run through pt-online-schema-change (a copy of the table
//! kept in step by triggers, then a swap) instead of the native ALTER. What the tool needs
//! or refuses on this table and statement, the commands to run in production (pt-osc, and
//! gh-ost's for reference), as codes and argument lists; `run` runs it in the sandbox.

pub mod run;

use crate::migration::{Operation, Statement};
use crate::seed::TableShape;
use serde::{Deserialize, Serialize};

/// The tool's program name.
pub const PT_OSC: &str = "pt-online-schema-change";
/// pt-osc's options a careful operator gives explicitly: chunks sized to take half a
/// second, a pause when the server gets busy, an abort when it gets very busy, and the
/// same 5 s bound on metadata-lock waits the report recommends for any DDL (the swap's
/// RENAME waits behind long transactions like an ALTER does; pt-osc retries it).
pub const CAREFUL_OPTIONS: [&str; 8] = [
    "--chunk-time",
    "0.5",
    "--max-load",
    "Threads_running=25",
    "--critical-load",
    "Threads_running=50",
    "--set-vars",
    "lock_wait_timeout=5",
];

/// How a statement runs in production.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Route {
    /// The ALTER itself, as `migrate` runs it.
    #[default]
    #[serde(rename = "native")]
    Native,
    /// pt-online-schema-change, then `migrate --fake` for the migration.
    #[serde(rename = "pt-osc")]
    PtOsc,
}

impl Route {
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Native => "native",
            Route::PtOsc => "pt-osc",
        }
    }

    pub fn is_native(&self) -> bool {
        *self == Route::Native
    }
}

/// `--route pt-osc` (every statement) or `--route 2=pt-osc` (statement 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteChoice {
    /// 1-based statement number; None for all.
    pub statement: Option<usize>,
    pub route: Route,
}

fn parse_route_name(text: &str) -> Result<Route, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "native" => Ok(Route::Native),
        "pt-osc" | "pt-online-schema-change" => Ok(Route::PtOsc),
        other => Err(format!(
            "'{other}' is not a route (native or pt-osc; gh-ost is printed, not measured)"
        )),
    }
}

/// "pt-osc", "native", "2=pt-osc".
pub fn parse_route(text: &str) -> Result<RouteChoice, String> {
    match text.split_once('=') {
        None => Ok(RouteChoice {
            statement: None,
            route: parse_route_name(text)?,
        }),
        Some((number, route)) => {
            let statement = number
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    format!("'{number}' in '{text}' is not a statement number (1, 2, ...)")
                })?;
            Ok(RouteChoice {
                statement: Some(statement),
                route: parse_route_name(route)?,
            })
        }
    }
}

/// The route of statement `index` (0-based): the last choice naming it, else the last
/// choice for all, else native.
pub fn route_of(choices: &[RouteChoice], index: usize) -> Route {
    choices
        .iter()
        .rev()
        .find(|c| c.statement == Some(index + 1))
        .or_else(|| choices.iter().rev().find(|c| c.statement.is_none()))
        .map_or(Route::Native, |c| c.route)
}

/// Which statements the ladder also runs through pt-osc (`--measure-route`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MeasureRoute {
    /// Those that block writes while they run (a COPY, a LOCK=SHARED rebuild), and those
    /// routed through pt-osc.
    #[default]
    Auto,
    All,
    None,
    /// These 1-based statements, and those routed through pt-osc.
    Statements(Vec<usize>),
}

/// "auto", "all", "none", "pt-osc" (= all), "2", "2,3".
pub fn parse_measure_route(text: &str) -> Result<MeasureRoute, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(MeasureRoute::Auto),
        "all" | "pt-osc" => Ok(MeasureRoute::All),
        "none" => Ok(MeasureRoute::None),
        list => list
            .split(',')
            .map(|n| n.trim().parse::<usize>().ok().filter(|n| *n >= 1))
            .collect::<Option<Vec<usize>>>()
            .map(MeasureRoute::Statements)
            .ok_or_else(|| {
                format!("'{text}' is not auto, all, none or statement numbers (2 or 2,3)")
            }),
    }
}

/// What the online route needs, what the ladder measures, and for which statements.
#[derive(Debug, Clone, Default)]
pub struct RouteOptions {
    pub measure: MeasureRoute,
    pub routes: Vec<RouteChoice>,
}

impl RouteOptions {
    /// Whether statement `index` (0-based) goes through pt-osc in the ladder: asked for,
    /// routed, or (auto) blocking writes while it runs.
    pub fn measures(&self, index: usize, blocks_writes: bool) -> bool {
        if route_of(&self.routes, index) == Route::PtOsc {
            return true;
        }
        match &self.measure {
            MeasureRoute::Auto => blocks_writes,
            MeasureRoute::All => true,
            MeasureRoute::None => false,
            MeasureRoute::Statements(list) => list.contains(&(index + 1)),
        }
    }

    /// Whether the user asked for the online route by name (then a missing tool is an
    /// error, not a warning).
    pub fn asked_for(&self) -> bool {
        self.routes.iter().any(|c| c.route == Route::PtOsc)
            || matches!(
                self.measure,
                MeasureRoute::All | MeasureRoute::Statements(_)
            )
    }
}

/// Why pt-osc would refuse the statement as printed, or which flag it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum PtOscNeed {
    /// No primary key or unique NOT NULL key: its DELETE trigger cannot find the row in
    /// the new table. Refuses.
    NoUniqueKey,
    /// The table has triggers: `--preserve-triggers` (in the command) copies them.
    Triggers { count: u32 },
    /// Other tables' foreign keys reference the table: `--alter-foreign-keys-method`
    /// (in the command: auto) re-points them at the new table.
    ReferencedByForeignKeys { tables: Vec<String> },
    /// The table's own foreign keys are re-created on the new table, their names
    /// prefixed with an underscore.
    OwnForeignKeys,
    /// A new UNIQUE index: the copy's INSERT IGNORE would drop duplicate rows silently, so
    /// `--check-unique-key-change` (on by default) refuses; after checking there are no
    /// duplicates, `--no-check-unique-key-change`.
    NewUniqueIndex { index: String },
    /// A column rename: `--check-alter` refuses (the copy could lose the column's data);
    /// `--no-check-alter` once checked.
    RenamesColumn { column: String },
    /// DROP PRIMARY KEY: `--check-alter` refuses, and the triggers need another unique key.
    DropsPrimaryKey,
    /// A name pt-osc cannot take (tried with percona-toolkit 3.2.1): a table name outside
    /// ASCII fails its existence check (it compares the server's decoded name with the
    /// command line's bytes), a comma or `=` splits its DSN, and a backtick in a column
    /// name cuts the name short in its triggers. Refuses.
    UnusableName { name: String },
}

impl PtOscNeed {
    /// Whether pt-osc refuses the printed command (the others are flags already in it).
    pub fn refuses(&self) -> bool {
        matches!(
            self,
            PtOscNeed::NoUniqueKey
                | PtOscNeed::UnusableName { .. }
                | PtOscNeed::NewUniqueIndex { .. }
                | PtOscNeed::RenamesColumn { .. }
                | PtOscNeed::DropsPrimaryKey
        )
    }

    /// The flag that lets the sandbox run go ahead where the printed command would stop
    /// for the operator to check (the sandbox's synthetic rows are checked by the native
    /// run), or that the command carries.
    fn flags(&self) -> &'static [&'static str] {
        match self {
            PtOscNeed::Triggers { .. } => &["--preserve-triggers"],
            PtOscNeed::ReferencedByForeignKeys { .. } => &["--alter-foreign-keys-method", "auto"],
            PtOscNeed::NewUniqueIndex { .. } => &["--no-check-unique-key-change"],
            PtOscNeed::RenamesColumn { .. } | PtOscNeed::DropsPrimaryKey => &["--no-check-alter"],
            PtOscNeed::NoUniqueKey | PtOscNeed::OwnForeignKeys | PtOscNeed::UnusableName { .. } => {
                &[]
            }
        }
    }
}

/// What gh-ost would refuse on this table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GhOstBlocker {
    ForeignKeys,
    Triggers,
    NoUniqueKey,
}

/// What is known of the statement's table that the tools care about.
#[derive(Debug, Clone, Default)]
pub struct TableFacts {
    pub triggers: u32,
    /// Tables whose foreign keys reference this one.
    pub referenced_by: Vec<String>,
    pub has_foreign_keys: bool,
    /// A primary key, or a unique key on NOT NULL columns.
    pub has_unique_key: bool,
    /// The table's or a column's name, where pt-osc cannot take it.
    pub unusable_name: Option<String>,
}

impl TableFacts {
    /// From the shapes of the sandbox's tables, and the triggers counted there.
    pub fn of(shapes: &[TableShape], table: &str, triggers: u32) -> TableFacts {
        let Some(shape) = shapes.iter().find(|s| s.name.eq_ignore_ascii_case(table)) else {
            return TableFacts::default();
        };
        let not_null = |column: &String| {
            shape
                .columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(column) && !c.nullable)
        };
        let has_unique_key = !shape.primary_key.is_empty()
            || shape
                .unique_keys
                .iter()
                .any(|k| !k.is_empty() && k.iter().all(not_null));
        let mut referenced_by: Vec<String> = shapes
            .iter()
            .filter(|s| {
                !s.name.eq_ignore_ascii_case(table)
                    && s.foreign_keys
                        .iter()
                        .any(|f| f.parent_table.eq_ignore_ascii_case(table))
            })
            .map(|s| s.name.clone())
            .collect();
        referenced_by.sort();
        let unusable_name = std::iter::once(&shape.name)
            .filter(|name| !pt_osc_takes_table_name(name))
            .chain(
                shape
                    .columns
                    .iter()
                    .map(|c| &c.name)
                    .filter(|n| n.contains('`')),
            )
            .next()
            .cloned();
        TableFacts {
            triggers,
            referenced_by,
            has_foreign_keys: !shape.foreign_keys.is_empty(),
            has_unique_key,
            unusable_name,
        }
    }
}

/// Whether pt-osc finds a table of this name (see `PtOscNeed::UnusableName`).
fn pt_osc_takes_table_name(name: &str) -> bool {
    name.is_ascii() && !name.contains([',', '='])
}

/// Everything pt-osc needs or refuses for `statement` on a table with `facts`, in a stable
/// order.
pub fn needs(statement: &Statement, facts: &TableFacts) -> Vec<PtOscNeed> {
    let clauses = &statement.clauses;
    let drops_pk = clauses
        .iter()
        .any(|c| c.operation == Operation::DropPrimaryKey);
    let adds_pk = clauses
        .iter()
        .any(|c| c.operation == Operation::AddPrimaryKey);
    let mut out = Vec::new();
    if !facts.has_unique_key && !adds_pk {
        out.push(PtOscNeed::NoUniqueKey);
    }
    let new_column = clauses
        .iter()
        .filter_map(|c| c.column.as_ref())
        .find(|name| name.contains('`'));
    if let Some(name) = facts.unusable_name.as_ref().or(new_column) {
        out.push(PtOscNeed::UnusableName { name: name.clone() });
    }
    if facts.triggers > 0 {
        out.push(PtOscNeed::Triggers {
            count: facts.triggers,
        });
    }
    if !facts.referenced_by.is_empty() {
        out.push(PtOscNeed::ReferencedByForeignKeys {
            tables: facts.referenced_by.clone(),
        });
    }
    if facts.has_foreign_keys {
        out.push(PtOscNeed::OwnForeignKeys);
    }
    for clause in clauses {
        match clause.operation {
            Operation::AddIndex if clause.unique => out.push(PtOscNeed::NewUniqueIndex {
                index: clause.index_name.clone().unwrap_or_default(),
            }),
            Operation::AddPrimaryKey => out.push(PtOscNeed::NewUniqueIndex {
                index: "PRIMARY".to_string(),
            }),
            Operation::RenameColumn => out.push(PtOscNeed::RenamesColumn {
                column: clause.column.clone().unwrap_or_default(),
            }),
            _ => {}
        }
    }
    if drops_pk {
        out.push(PtOscNeed::DropsPrimaryKey);
    }
    out
}

/// gh-ost's refusals on this table.
pub fn gh_ost_blockers(facts: &TableFacts) -> Vec<GhOstBlocker> {
    let mut out = Vec::new();
    if facts.has_foreign_keys || !facts.referenced_by.is_empty() {
        out.push(GhOstBlocker::ForeignKeys);
    }
    if facts.triggers > 0 {
        out.push(GhOstBlocker::Triggers);
    }
    if !facts.has_unique_key {
        out.push(GhOstBlocker::NoUniqueKey);
    }
    out
}

/// Placeholders the operator fills in: production's host and the migration's account.
pub const HOST_PLACEHOLDER: &str = "PRODUCTION_HOST";
pub const USER_PLACEHOLDER: &str = "MIGRATION_USER";
pub const DATABASE_PLACEHOLDER: &str = "DATABASE";

/// The pt-osc command for production, as arguments: the careful options, the flags the
/// table needs, the password asked for (never on the command line), and the DSN naming
/// database and table. Flags that override a safety check are left for the operator.
pub fn production_command(
    alter: &str,
    database: Option<&str>,
    table: &str,
    needs: &[PtOscNeed],
) -> Vec<String> {
    let mut argv: Vec<String> = vec![PT_OSC.into(), "--noversion-check".into()];
    argv.extend(["--alter".to_string(), alter.to_string()]);
    argv.extend(CAREFUL_OPTIONS.iter().map(|s| s.to_string()));
    for need in needs.iter().filter(|n| !n.refuses()) {
        argv.extend(need.flags().iter().map(|s| s.to_string()));
    }
    argv.extend(["--ask-pass".to_string(), "--execute".to_string()]);
    argv.push(format!(
        "h={HOST_PLACEHOLDER},u={USER_PLACEHOLDER},D={},t={table}",
        database.unwrap_or(DATABASE_PLACEHOLDER)
    ));
    argv
}

/// The flags the sandbox's run adds to the careful options: every need's, the checks an
/// operator would make first included (the native run already showed the statement
/// succeeds on these rows).
pub fn sandbox_flags(needs: &[PtOscNeed]) -> Vec<String> {
    needs
        .iter()
        .flat_map(|n| n.flags().iter().map(|s| s.to_string()))
        .collect()
}

/// gh-ost's command, for reference: it reads the binlog of a replica (`--host`), so it
/// cannot run in the sandbox, which has none.
pub fn gh_ost_command(alter: &str, database: Option<&str>, table: &str) -> Vec<String> {
    vec![
        "gh-ost".into(),
        format!("--alter={alter}"),
        format!("--database={}", database.unwrap_or(DATABASE_PLACEHOLDER)),
        format!("--table={table}"),
        "--host=REPLICA_HOST".into(),
        format!("--user={USER_PLACEHOLDER}"),
        "--ask-pass".into(),
        "--max-load=Threads_running=25".into(),
        "--critical-load=Threads_running=50".into(),
        "--chunk-size=1000".into(),
        "--execute".into(),
    ]
}

/// One command line for a shell: arguments quoted where a shell would split or expand them.
pub fn shell_line(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=.,/:@+".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::parse_sql;

    fn statement(sql: &str) -> Statement {
        parse_sql("m.sql", sql, 0).expect("parses").remove(0)
    }

    fn keyed() -> TableFacts {
        TableFacts {
            has_unique_key: true,
            ..TableFacts::default()
        }
    }

    #[test]
    fn routes_parse_for_all_or_one_statement() {
        let choices = vec![
            parse_route("pt-osc").expect("route"),
            parse_route("2=native").expect("route"),
        ];
        assert_eq!(route_of(&choices, 0), Route::PtOsc);
        assert_eq!(route_of(&choices, 1), Route::Native);
        assert!(parse_route("gh-ost").is_err());
        assert!(parse_route("0=pt-osc").is_err());
        assert_eq!(
            parse_measure_route("2,3"),
            Ok(MeasureRoute::Statements(vec![2, 3]))
        );
        assert_eq!(route_of(&[], 4), Route::Native);
    }

    #[test]
    fn a_table_without_a_key_is_refused_and_triggers_and_references_take_flags() {
        let add = statement("ALTER TABLE t ADD COLUMN x int NULL");
        let refused = needs(&add, &TableFacts::default());
        assert_eq!(refused, vec![PtOscNeed::NoUniqueKey]);
        assert!(refused[0].refuses());
        let facts = TableFacts {
            triggers: 2,
            referenced_by: vec!["child".into()],
            ..keyed()
        };
        let found = needs(&add, &facts);
        assert!(found.iter().all(|n| !n.refuses()), "{found:?}");
        let argv = production_command("ADD COLUMN x int NULL", Some("app"), "t", &found);
        let line = shell_line(&argv);
        assert!(line.contains("--preserve-triggers"), "{line}");
        assert!(line.contains("--alter-foreign-keys-method auto"), "{line}");
        assert!(line.contains("--alter 'ADD COLUMN x int NULL'"), "{line}");
        assert!(
            line.ends_with("--ask-pass --execute h=PRODUCTION_HOST,u=MIGRATION_USER,D=app,t=t"),
            "{line}"
        );
        assert!(!line.contains("password"), "{line}");
    }

    #[test]
    fn checks_pt_osc_makes_are_named_and_left_to_the_operator() {
        let unique = statement("CREATE UNIQUE INDEX u ON t (a)");
        let found = needs(&unique, &keyed());
        assert_eq!(found, vec![PtOscNeed::NewUniqueIndex { index: "u".into() }]);
        let argv = production_command("ADD UNIQUE INDEX u (a)", None, "t", &found);
        assert!(!argv.iter().any(|a| a == "--no-check-unique-key-change"));
        assert_eq!(sandbox_flags(&found), vec!["--no-check-unique-key-change"]);
        let rename = statement("ALTER TABLE t CHANGE a b int NOT NULL");
        let found = needs(&rename, &keyed());
        assert!(
            found.contains(&PtOscNeed::RenamesColumn { column: "a".into() }),
            "{found:?}"
        );
        let drop = statement("ALTER TABLE t DROP PRIMARY KEY");
        assert!(needs(&drop, &keyed()).contains(&PtOscNeed::DropsPrimaryKey));
        let facts = TableFacts {
            has_foreign_keys: true,
            triggers: 1,
            ..keyed()
        };
        assert_eq!(
            gh_ost_blockers(&facts),
            vec![GhOstBlocker::ForeignKeys, GhOstBlocker::Triggers]
        );
    }

    #[test]
    fn names_pt_osc_cannot_take_are_refused_with_the_name() {
        let add = statement("ALTER TABLE t ADD COLUMN `a``b` int NULL");
        assert_eq!(
            needs(&add, &keyed()),
            vec![PtOscNeed::UnusableName { name: "a`b".into() }]
        );
        let facts = TableFacts {
            unusable_name: Some("tablé".into()),
            ..keyed()
        };
        let found = needs(&statement("ALTER TABLE `tablé` FORCE"), &facts);
        assert!(found.iter().all(PtOscNeed::refuses), "{found:?}");
        assert!(pt_osc_takes_table_name("tick`s x"));
        assert!(!pt_osc_takes_table_name("a,b"));
        assert!(!pt_osc_takes_table_name("ä"));
    }

    #[test]
    fn shell_lines_quote_what_a_shell_would_split() {
        let argv: Vec<String> = ["gh-ost", "--alter=ADD INDEX i (a)", "it's"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            shell_line(&argv),
            r"gh-ost '--alter=ADD INDEX i (a)' 'it'\''s'"
        );
    }
}
