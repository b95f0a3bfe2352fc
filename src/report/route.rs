//! The online route in the report: pt-online-schema-change measured beside the native
//! ALTER, the route each statement takes (`--route`), what the gates, the checklist and
//! the timeouts read under that route, and the words every format prints for it.

use super::{
    approx_duration, human_seconds, short_rows, EstimateReport, ModelReport, Report,
    StatementReport,
};
use crate::experiment::Measurement;
use crate::online_route::{shell_line, GhOstBlocker, PtOscNeed, Route};
use serde::{Deserialize, Serialize};

/// pt-osc's side of a statement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnlineRouteReport {
    /// The tool measured: "pt-osc".
    pub tool: Route,
    /// The tool's wall time per run (fixed costs included), with what the probe saw.
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    /// Fitted and extrapolated like any statement; absent when the tool refused or ran
    /// fewer than two scales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelReport>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<EstimateReport>,
    /// Which error model the interval uses: `none` (the fit's own interval; the accuracy
    /// benchmark has not measured pt-osc's errors yet).
    pub error_model: RouteErrorModel,
    /// The smallest run's time: mostly the tool's fixed cost (new table, triggers, swap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_seconds: Option<f64>,
    /// Median probe write latency just before the tool started and while it copied
    /// (medians over the runs at the largest scale), and their ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_latency_ms_before: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_latency_ms_during: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_slowdown: Option<f64>,
    /// Seconds the probe's writes were blocked across the swap (the RENAME), the most of
    /// any run. Does not grow with rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap_blocked_seconds: Option<f64>,
    /// Seconds the probe's writes were blocked (slower than the block threshold) in all
    /// during a run, the most of any run: waits for the row locks of the chunk being
    /// copied, the trigger creation and the swap. Short stalls, spread over the copy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub writes_blocked_seconds: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_write_stall_ms: Option<f64>,
    /// What pt-osc needs or refuses on this table and statement.
    #[serde(default)]
    pub needs: Vec<PtOscNeed>,
    /// pt-osc stopped in the sandbox without altering: its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
    /// The command to run in production, as arguments.
    pub command: Vec<String>,
    /// gh-ost's command, not measured (it needs a replica's binlog).
    pub gh_ost_command: Vec<String>,
    #[serde(default)]
    pub gh_ost_blockers: Vec<GhOstBlocker>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteErrorModel {
    None,
}

/// The route's estimate when the statement goes through pt-osc and it was measured.
fn routed(s: &StatementReport) -> Option<(&OnlineRouteReport, &EstimateReport)> {
    if s.route != Route::PtOsc {
        return None;
    }
    let online = s.online_route.as_ref()?;
    Some((online, online.estimate.as_ref()?))
}

/// Does the statement run through pt-osc in the plan (`--route`), with a measured estimate?
pub fn is_routed(s: &StatementReport) -> bool {
    routed(s).is_some()
}

/// Under `--route pt-osc`, the longest writes are blocked at a stretch: the swap, or the
/// longest wait of a probe write behind a chunk's row locks, whichever is longer.
pub fn writes_blocked_high(s: &StatementReport) -> Option<f64> {
    routed(s).map(|(online, _)| {
        let stall = online.max_write_stall_ms.unwrap_or(0.0) / 1000.0;
        online.swap_blocked_seconds.unwrap_or(0.0).max(stall)
    })
}

/// The high end of the statement's duration on its route.
pub fn duration_high(s: &StatementReport) -> f64 {
    routed(s).map_or(s.estimate.seconds_high, |(_, e)| e.seconds_high)
}

/// The migration's high total on the chosen routes: each routed statement's native high
/// replaced by pt-osc's (a sum of highs there, so on the safe side).
pub fn total_high(report: &Report) -> f64 {
    report.total.seconds_high
        + report
            .statements
            .iter()
            .filter_map(|s| Some(routed(s)?.1.seconds_high - s.estimate.seconds_high))
            .sum::<f64>()
}

/// The summary table's "blocks" cell under `--route pt-osc`.
pub fn blocks_summary(s: &StatementReport) -> Option<String> {
    let (online, _) = routed(s)?;
    let mut parts = vec!["pt-osc".to_string()];
    if let Some(factor) = online.write_slowdown {
        parts.push(format!("writes slowed {factor:.1}x"));
    }
    if let Some(swap) = online.swap_blocked_seconds {
        parts.push(format!("blocked ~{} at the swap", approx_duration(swap)));
    }
    Some(parts.join(", "))
}

/// The checklist's blocking evidence for statements routed through pt-osc: "; statement
/// 2 goes through pt-osc (--route): ..."; empty when none is.
pub fn checklist_words(report: &Report) -> String {
    report
        .statements
        .iter()
        .filter_map(|s| {
            let (online, _) = routed(s)?;
            let slowed = online.write_slowdown.map_or(String::new(), |f| {
                format!("writes slowed {f:.1}x while it copies, ")
            });
            Some(format!(
                "; statement {} goes through pt-osc (--route): {slowed}blocked ~{} at its swap",
                s.index + 1,
                approx_duration(online.swap_blocked_seconds.unwrap_or(0.0))
            ))
        })
        .collect()
}

/// " through pt-osc" for a routed statement, for gate and checklist lines.
pub fn on_route(s: &StatementReport) -> &'static str {
    if routed(s).is_some() {
        " through pt-osc"
    } else {
        ""
    }
}

/// The two routes side by side, and what pt-osc needs, in words.
pub fn lines(s: &StatementReport) -> Vec<String> {
    let Some(online) = &s.online_route else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if s.route == Route::PtOsc {
        lines.push(
            "route: pt-osc (--route): the gates, checklist and timeouts assume it".to_string(),
        );
    }
    let native_blocked = super::checklist::native_writes_blocked_high(s);
    lines.push(format!(
        "native ALTER: {} ({} .. {}), writes blocked {}",
        human_seconds(s.estimate.seconds_p50),
        human_seconds(s.estimate.seconds_low),
        human_seconds(s.estimate.seconds_high),
        if native_blocked > 0.0 {
            format!("up to {}", human_seconds(native_blocked))
        } else {
            "only briefly".to_string()
        }
    ));
    match (&online.estimate, &online.refused) {
        (Some(e), _) => {
            let mut line = format!(
                "pt-osc: {} ({} .. {}, the fit's own interval: no error model measured for pt-osc yet)",
                human_seconds(e.seconds_p50),
                human_seconds(e.seconds_low),
                human_seconds(e.seconds_high)
            );
            if s.estimate.seconds_p50 > 0.0 {
                line += &format!(
                    ", {:.1}x the native time",
                    e.seconds_p50 / s.estimate.seconds_p50
                );
            }
            if let (Some(factor), Some(a), Some(b)) = (
                online.write_slowdown,
                online.write_latency_ms_before,
                online.write_latency_ms_during,
            ) {
                line +=
                    &format!(", writes slowed {factor:.1}x (median write {a:.1} ms -> {b:.1} ms)");
            }
            if let Some(swap) = online.swap_blocked_seconds {
                line += &format!(", writes blocked {} at the swap", human_seconds(swap));
            }
            if let (Some(all), Some(stall)) =
                (online.writes_blocked_seconds, online.max_write_stall_ms)
            {
                line += &format!(
                    " ({} in all behind its chunks' row locks and the swap, longest stall {})",
                    human_seconds(all),
                    human_seconds(stall / 1000.0)
                );
            }
            lines.push(line);
        }
        (None, Some(reason)) => lines.push(format!("pt-osc: refused in the sandbox: {reason}")),
        (None, None) => lines.push("pt-osc: too few runs to fit".to_string()),
    }
    if !online.measurements.is_empty() {
        let measured: Vec<String> = online
            .measurements
            .iter()
            .map(|m| format!("{} {}", short_rows(m.rows), human_seconds(m.seconds)))
            .collect();
        let model = online.model.as_ref().map_or(String::new(), |m| {
            format!(
                "; model {} (leave-one-out error {:.0}%)",
                m.kind.as_str(),
                m.loo_error * 100.0
            )
        });
        lines.push(format!("pt-osc measured: {}{model}", measured.join(" | ")));
        lines.push(format!(
            "pt-osc caveats: it copies in chunks paced to 0.5 s (--chunk-time) and pauses under load; \
             ~{} of its time is fixed cost (new table, triggers, swap); it fills the new table's \
             secondary indexes row by row, which slows once they outgrow the buffer pool, \
             perhaps beyond the largest scale measured",
            approx_duration(online.fixed_seconds.unwrap_or(0.0))
        ));
    }
    for need in &online.needs {
        lines.push(format!("pt-osc: {}", need_words(need)));
    }
    lines.push(format!("pt-osc command: {}", shell_line(&online.command)));
    let blockers: Vec<&str> = online
        .gh_ost_blockers
        .iter()
        .map(|b| match b {
            GhOstBlocker::ForeignKeys => "the table has foreign keys",
            GhOstBlocker::Triggers => "the table has triggers",
            GhOstBlocker::NoUniqueKey => "the table has no primary or unique NOT NULL key",
        })
        .collect();
    let refusal = if blockers.is_empty() {
        String::new()
    } else {
        format!("; refuses here: {}", blockers.join(", "))
    };
    lines.push(format!(
        "gh-ost (duration not measured: it needs binlog_format=ROW with binlog_row_image=FULL and a replica to read the binlog from; no foreign keys or triggers{refusal}): {}",
        shell_line(&online.gh_ost_command)
    ));
    lines
}

/// What one need means for the operator.
pub fn need_words(need: &PtOscNeed) -> String {
    match need {
        PtOscNeed::NoUniqueKey => "refuses: the table has no primary key or unique NOT NULL key, which its DELETE trigger needs to find a row in the new table".to_string(),
        PtOscNeed::Triggers { count } => format!(
            "the table has {count} trigger(s): --preserve-triggers (in the command) re-creates them on the new table"
        ),
        PtOscNeed::ReferencedByForeignKeys { tables } => format!(
            "foreign keys of {} reference the table: --alter-foreign-keys-method (auto in the command; see pt-osc's manual for rebuild_constraints and drop_swap) points them at the new table",
            tables.join(", ")
        ),
        PtOscNeed::OwnForeignKeys => "the table's own foreign keys are re-created on the new table, their names prefixed with an underscore".to_string(),
        PtOscNeed::NewUniqueIndex { index } => format!(
            "refuses as printed: the new UNIQUE index {index} would make its INSERT IGNORE copy drop duplicate rows silently (--check-unique-key-change); check there are none, then add --no-check-unique-key-change"
        ),
        PtOscNeed::RenamesColumn { column } => format!(
            "refuses as printed: renaming column {column} can lose its data in the copy (--check-alter); check with --dry-run, then add --no-check-alter"
        ),
        PtOscNeed::UnusableName { name } => format!(
            "refuses: pt-osc cannot take the name {name} (a table name outside ASCII or with a comma or =, a column name with a backtick); rename it first, or run the statement natively"
        ),
        PtOscNeed::DropsPrimaryKey => "refuses as printed: DROP PRIMARY KEY (--check-alter); the triggers need another unique key, then --no-check-alter".to_string(),
    }
}

/// Release notes on the routes: what pt-osc would cost where it was measured, and how a
/// routed statement is released.
pub fn notes(report: &Report) -> Vec<String> {
    let mut notes = Vec::new();
    for s in &report.statements {
        let Some(online) = &s.online_route else {
            continue;
        };
        let n = s.index + 1;
        match (&online.estimate, s.route) {
            (Some(e), Route::Native) => notes.push(format!(
                "Statement {n} through pt-online-schema-change would take ~{} instead of ~{}, blocking writes only ~{} at its swap (--route {n}=pt-osc to plan for it; its command is printed with the statement).",
                approx_duration(e.seconds_p50),
                approx_duration(s.estimate.seconds_p50),
                approx_duration(online.swap_blocked_seconds.unwrap_or(0.0))
            )),
            (Some(e), Route::PtOsc) => notes.push(format!(
                "Statement {n} goes through pt-online-schema-change (--route): ~{}, up to {}; it prints its progress every 30 s, so it never sizes the inactivity timeout; the release's wall clock counts its high estimate.",
                approx_duration(e.seconds_p50),
                human_seconds(e.seconds_high)
            )),
            (None, _) if online.needs.iter().any(PtOscNeed::refuses) || online.refused.is_some() => {
                notes.push(format!(
                    "Statement {n}: pt-online-schema-change would refuse it as it stands (see the statement's pt-osc lines)."
                ))
            }
            (None, _) => {}
        }
    }
    notes
}

/// The release plan under `--route`: each statement in order, pt-osc's command for the
/// routed ones, then Django's `migrate --fake` for each migration file so that Django
/// records what the tool did. Empty when every statement is native.
pub fn plan(report: &Report) -> Vec<String> {
    if report.statements.iter().all(|s| s.route.is_native()) {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let mut files: Vec<&str> = Vec::new();
    for s in &report.statements {
        let n = s.index + 1;
        match (&s.online_route, s.route) {
            (Some(online), Route::PtOsc) => {
                steps.push(format!("statement {n}: {}", shell_line(&online.command)))
            }
            _ => steps.push(format!(
                "statement {n}: run it as written (`{}`), e.g. in `python manage.py dbshell`",
                crate::text::one_line(&s.sql, 100)
            )),
        }
        if !files.contains(&s.file.as_str()) {
            files.push(&s.file);
        }
    }
    for file in files {
        steps.push(match django_migration(file) {
            Some((app, name)) => format!(
                "then record the migration as applied without running it: python manage.py migrate {app} {name} --fake"
            ),
            None => format!(
                "then record the migration of {file} as applied without running it: python manage.py migrate APP MIGRATION --fake"
            ),
        });
    }
    steps
}

/// App and migration name from a file's path: `<app>/migrations/<name>.sql`, or a
/// `sqlmigrate` output saved as `<app>_<NNNN>_<name>.sql` or `<app>.<NNNN>_<name>.sql`.
pub fn django_migration(file: &str) -> Option<(String, String)> {
    let path = std::path::Path::new(file);
    let stem = path.file_stem()?.to_str()?;
    let parent = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|p| p.to_str());
    let numbered = |s: &str| s.len() > 4 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    if parent == Some("migrations") && numbered(stem) {
        let app = path.parent()?.parent()?.file_name()?.to_str()?;
        return Some((app.to_string(), stem.to_string()));
    }
    for (i, c) in stem.char_indices() {
        if (c == '_' || c == '.') && i > 0 && numbered(&stem[i + 1..]) {
            return Some((stem[..i].to_string(), stem[i + 1..].to_string()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::gate::{check, Gates};
    use std::time::Duration;

    /// The saved report with its COPY statement (4 h high natively) measured through
    /// pt-osc: up to 8 h 20 min, 0.2 s blocked at the swap, longest write stall 0.3 s.
    fn with_online_route(route: Route) -> (Report, usize) {
        let mut report: Report =
            serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
                .expect("fixture report parses");
        let i = report
            .statements
            .iter()
            .position(|s| s.algorithm == Some(crate::ddl::Algorithm::Copy))
            .expect("a COPY in the fixture");
        let s = &mut report.statements[i];
        s.route = route;
        s.online_route = Some(OnlineRouteReport {
            tool: Route::PtOsc,
            measurements: Vec::new(),
            model: None,
            estimate: Some(EstimateReport {
                rows: s.estimate.rows,
                seconds_p50: 20000.0,
                seconds_low: 15000.0,
                seconds_high: 30000.0,
                interval: 0.9,
                source: None,
                without_hardware: None,
            }),
            error_model: RouteErrorModel::None,
            fixed_seconds: Some(1.2),
            write_latency_ms_before: Some(2.0),
            write_latency_ms_during: Some(3.0),
            write_slowdown: Some(1.5),
            swap_blocked_seconds: Some(0.2),
            writes_blocked_seconds: Some(2.0),
            max_write_stall_ms: Some(300.0),
            needs: Vec::new(),
            refused: None,
            command: vec!["pt-online-schema-change".into(), "--execute".into()],
            gh_ost_command: vec!["gh-ost".into()],
            gh_ost_blockers: Vec::new(),
        });
        (report, i)
    }

    #[test]
    fn the_route_decides_what_gates_checklist_timeouts_and_plan_assume() {
        let gates = Gates {
            max_duration: Some(Duration::from_secs(20000)),
            max_write_block: Some(Duration::from_secs(5)),
            max_distance: None,
            ..Gates::default()
        };
        let (native, i) = with_online_route(Route::Native);
        let n = i + 1;
        let fired = check(&native, &gates);
        assert!(
            fired
                .iter()
                .any(|f| f.starts_with(&format!("statement {n} may block writes"))),
            "{fired:?}"
        );
        assert!(
            !fired
                .iter()
                .any(|f| f.starts_with(&format!("statement {n} ")) && f.contains("may run")),
            "{fired:?}"
        );
        assert!(plan(&native).is_empty());
        let native_guidance = crate::report::checklist::guidance(&native);

        let (routed, _) = with_online_route(Route::PtOsc);
        let fired = check(&routed, &gates);
        assert!(
            !fired.iter().any(|f| f.contains("may block writes")),
            "{fired:?}"
        );
        assert!(
            fired
                .iter()
                .any(|f| f.starts_with(&format!("statement {n} through pt-osc may run 8 h"))),
            "{fired:?}"
        );
        assert_eq!(
            crate::report::checklist::writes_blocked_high(&routed.statements[i]),
            0.3
        );
        let guidance = crate::report::checklist::guidance(&routed);
        // pt-osc runs longer, so the wall clock grows; it prints its progress, so the
        // inactivity timeout no longer has to cover it.
        assert!(guidance.wall_clock_minutes > native_guidance.wall_clock_minutes);
        assert!(guidance.inactivity_timeout_minutes < native_guidance.inactivity_timeout_minutes);
        let blocking = crate::report::checklist::build(&routed)
            .into_iter()
            .find(|c| c.code == Some(crate::report::Question::Blocking))
            .expect("blocking question");
        assert!(
            blocking
                .evidence
                .contains(&format!("statement {n} goes through pt-osc")),
            "{}",
            blocking.evidence
        );
        let steps = plan(&routed);
        assert!(
            steps
                .iter()
                .any(|s| s.contains("pt-online-schema-change --execute")),
            "{steps:?}"
        );
        assert!(
            steps.last().is_some_and(|s| s.contains("--fake")),
            "{steps:?}"
        );
    }

    #[test]
    fn django_names_come_from_the_path_or_a_sqlmigrate_file_name() {
        assert_eq!(
            django_migration("src/courseware/migrations/0017_alter_grade.sql"),
            Some(("courseware".into(), "0017_alter_grade".into()))
        );
        assert_eq!(
            django_migration("out/student_courseware.0017_alter_grade.sql"),
            Some(("student_courseware".into(), "0017_alter_grade".into()))
        );
        assert_eq!(
            django_migration("courseware_0017_alter_grade.sql"),
            Some(("courseware".into(), "0017_alter_grade".into()))
        );
        assert_eq!(django_migration("examples/0017_alter_grade.sql"), None);
    }
}
