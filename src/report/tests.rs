use super::*;

#[test]
fn a_report_with_codes_renders_in_the_current_wording_an_older_one_as_saved() {
    let mut saved: Report =
        serde_json::from_str(include_str!("../../tests/fixtures/report_0019_v0.json"))
            .expect("fixture report parses");
    assert_eq!(saved.text_version, 0, "the fixture predates the codes");
    saved.checklist[0].evidence = "words of an older ddl-eta".to_string();
    let old = render(&saved, Format::Markdown);
    assert!(old.contains("words of an older ddl-eta"), "{old}");

    saved.text_version = TEXT_VERSION;
    let current = render(&saved, Format::Markdown);
    assert!(!current.contains("words of an older ddl-eta"), "{current}");
    let rebuilt = checklist::build(&saved);
    assert!(current.contains(&rebuilt[0].evidence), "{current}");
    assert_eq!(rebuilt[0].code, Some(Question::DataLoss));
}

#[test]
fn coded_warnings_and_assumptions_render_from_saved_json_in_the_current_wording() {
    let mut report: Report =
        serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
            .expect("fixture report parses");
    report.warnings = vec!["old words for the budget".to_string()];
    report.statements[0].warnings = vec!["old words for the fit".to_string()];
    report.assumptions = vec!["old words for the cache".to_string()];
    // Saved before warnings had codes: the words stay as saved.
    report.text_version = CODED_WARNINGS - 1;
    let before = render(&report, Format::Markdown);
    assert!(before.contains("old words for the budget"), "{before}");
    assert!(before.contains("old words for the fit"), "{before}");
    let resaved: Report =
        serde_json::from_str(&render(&report, Format::Json)).expect("resaved report parses");
    let again = render(&resaved, Format::Markdown);
    assert!(again.contains("old words for the budget"), "{again}");

    report.text_version = TEXT_VERSION;
    report.warning_codes = vec![Warning::BudgetRanOut];
    report.statements[0].warning_codes = vec![Warning::PoorFit {
        model: "linear".to_string(),
        loo_error: 0.42,
    }];
    report.assumption_codes = vec![Assumption::ColdCache];
    let saved = json::render(&report);
    assert!(saved.contains(r#""code": "budget_ran_out""#), "{saved}");
    let loaded: Report = serde_json::from_str(&saved).expect("saved report parses");
    let current = render(&loaded, Format::Markdown);
    assert!(!current.contains("old words"), "{current}");
    assert!(
        current.contains(&words::warning(&Warning::BudgetRanOut)),
        "{current}"
    );
    assert!(
        current.contains("poor fit: the linear model's leave-one-out error is 42%"),
        "{current}"
    );
    assert!(
        current.contains("Caches are cold (--cache cold)"),
        "{current}"
    );
}

#[test]
fn durations_read_naturally() {
    assert_eq!(human_seconds(0.0123), "0.012 s");
    assert_eq!(human_seconds(14.24), "14.2 s");
    assert_eq!(human_seconds(252.0), "4 min 12 s");
    assert_eq!(human_seconds(7500.0), "2 h 05 min");
}

fn seconds(p50: f64) -> Interval {
    Interval {
        seconds_p50: p50,
        seconds_low: p50,
        seconds_high: p50,
    }
}

#[test]
fn blocking_reads_at_a_glance() {
    let copy = blocks_in_words(
        Some(Algorithm::Copy),
        &seconds(0.0),
        &seconds(2400.0),
        &[Phase::Throughout],
    );
    assert_eq!(copy, "writes blocked ~40 min");
    let index = blocks_in_words(Some(Algorithm::Nocopy), &seconds(0.0), &seconds(0.0), &[]);
    assert_eq!(index, "brief lock at start and end");
    let instant = blocks_in_words(Some(Algorithm::Instant), &seconds(0.0), &seconds(0.0), &[]);
    assert_eq!(instant, "none");
    let both = blocks_in_words(
        None,
        &seconds(7200.0),
        &seconds(9000.0),
        &[Phase::Throughout],
    );
    assert_eq!(both, "reads and writes blocked ~2.5 h");
    assert_eq!(approx_duration(0.31), "0.3 s");
    assert_eq!(approx_duration(12.4), "12 s");
    assert_eq!(human_bytes(128 << 20), "128 MiB");
    assert_eq!(human_bytes(1536), "1.5 KiB");
}

#[test]
fn row_counts_are_compact() {
    assert_eq!(short_rows(50_000_000), "50M");
    assert_eq!(short_rows(3_125), "3.1k");
    assert_eq!(short_rows(999), "999");
    assert_eq!(short_rows(250_000), "250k");
}
