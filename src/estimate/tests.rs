use super::*;

fn saved_report() -> Report {
    serde_json::from_str(include_str!("../../tests/fixtures/report_0019.json"))
        .expect("fixture report parses")
}

#[test]
fn a_faster_production_shortens_every_prediction_but_no_measurement() {
    let before = saved_report();
    let mut after = before.clone();
    apply_speed_factor(&mut after, 2.0);
    for (b, a) in before.statements.iter().zip(&after.statements) {
        assert_eq!(a.estimate.seconds_p50 * 2.0, b.estimate.seconds_p50);
        assert_eq!(a.estimate.seconds_high * 2.0, b.estimate.seconds_high);
        assert_eq!(a.measurements[0].seconds, b.measurements[0].seconds);
    }
    assert_eq!(after.total.seconds_low * 2.0, before.total.seconds_low);
}

#[test]
fn a_suggested_row_count_is_rounded_up_to_two_digits() {
    assert_eq!(round_up_to_two_digits(1_666_667.0), 1_700_000.0);
    assert_eq!(round_up_to_two_digits(100_000.0), 100_000.0);
    assert_eq!(round_up_to_two_digits(42.2), 43.0);
}

#[test]
fn the_error_model_follows_the_weakest_input_of_the_migrated_tables() {
    let migration = Migration {
        statements: migration::parse_sql(
            "m.sql",
            "CREATE INDEX i ON events (a);\nALTER TABLE owners ADD COLUMN b int;",
            0,
        )
        .expect("parses"),
    };
    let input = |events, owners| {
        vec![
            ("events".to_string(), events),
            ("owners".to_string(), owners),
            ("unrelated".to_string(), InputMode::SchemaRows),
        ]
    };
    use InputMode::*;
    assert_eq!(weakest_input(&input(Source, Profile), &migration), Profile);
    assert_eq!(
        weakest_input(&input(Source, SchemaBytes), &migration),
        SchemaBytes
    );
    assert_eq!(weakest_input(&input(Source, Source), &migration), Source);
    assert_eq!(
        model::error_model_for(Source).mode,
        model::error_model_for(Profile).mode
    );
}

/// A ladder whose 10k calibration run carries a large fixed cost, then clean n·log n.
fn ladder_with_a_slow_calibration_run() -> Vec<Point> {
    let law = |n: f64| 2e-6 * n * n.ln();
    let mut points = vec![Point {
        rows: 10_000.0,
        seconds: law(10_000.0) + 2.0,
    }];
    for rows in [100_000.0, 200_000.0, 400_000.0, 800_000.0, 800_000.0] {
        points.push(Point {
            rows,
            seconds: law(rows),
        });
    }
    points
}

#[test]
fn the_calibration_run_is_left_out_of_the_fit_diagnostics_and_the_warning() {
    let fit =
        model::statement_fit(&ladder_with_a_slow_calibration_run(), false, true).expect("fits");
    assert_eq!(fit.calibration_left_out(), Some(10_000.0));
    assert!(fit.loo_error < 0.05, "{}", fit.loo_error);
    let class = OperationClass::Rebuild;
    let errors = fit.errors(model::error_model(), 8_000_000.0, class);
    assert!(statement_warnings(&fit, 8_000_000, class, &errors).is_empty());
    let e = fit.extrapolation(8_000_000.0, class, &errors);
    assert_eq!(e.rule, model::ExtrapolationRule::NlognFromLargest);
    assert_eq!((e.from_rows, e.runs), (800_000, 2));
}

#[test]
fn the_terminal_shows_the_extrapolation_the_model_and_the_hardware_term() {
    let mut report = saved_report();
    let statement = &mut report.statements[1];
    statement.model.extrapolation = Some(model::Extrapolation {
        rule: model::ExtrapolationRule::NlognFromLargest,
        from_rows: 2_900_000,
        runs: 2,
        bias: 0.94,
    });
    statement.model.calibration_rows = Some(10_000);
    statement.estimate.source = Some(IntervalSource {
        model: InputMode::SchemaRows,
        status: model::ModelStatus::Derived,
        distance: 17.0,
        measured_to: Some(30.0),
        width: Some(7.3),
    });
    statement.estimate.without_hardware = Some(Range {
        seconds_low: 100.0,
        seconds_high: 200.0,
    });
    let rough = Warning::RoughInterval {
        width: Some(7.3),
        mode: InputMode::SchemaRows,
        distance: 17.0,
        nearest_width: None,
    };
    statement.warnings.push(words::warning(&rough));
    statement.warning_codes.push(rough);
    report.hardware = Some(HardwareTerm {
        source: HardwareSource::Prior,
        ratio: 1.7,
    });
    let text = crate::report::render(&report, crate::report::Format::Text);
    assert!(
        text.contains(
            "warning: rough: the 90% interval is 7.3x wide; give the table's bytes or a profile"
        ),
        "{text}"
    );
    for expected in [
        "extrapolation: n·log n from the 2.9M-row runs, x0.94 measured bias",
        "fit inside the ladder: ",
        "the 10k-row calibration run left out",
        "the hardware term included",
        "without the hardware term: 1 min 40 s .. 3 min 20 s",
        "interval from: the schema mode with a row count only error model (derived",
        "hardware: every interval on rows includes production's unknown speed",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // A statement of a report saved before keeps its law as the headline.
    assert!(text.contains("   model: "), "{text}");
}

#[test]
fn old_reports_without_a_speed_factor_read_as_one() {
    assert_eq!(saved_report().speed_factor, 1.0);
}

#[test]
fn a_report_with_an_interval_down_to_zero_reads_back() {
    // JSON has no infinity: a width that were infinite would be written as null and
    // the saved report refused by `report` and `compare`.
    let mut report = saved_report();
    let rough = Warning::RoughInterval {
        width: None,
        mode: InputMode::SchemaRows,
        distance: 3.0,
        nearest_width: None,
    };
    let statement = &mut report.statements[0];
    statement.estimate.seconds_low = 0.0;
    statement.estimate.source = Some(IntervalSource {
        model: InputMode::SchemaRows,
        status: model::ModelStatus::Measured,
        distance: 3.0,
        measured_to: None,
        width: None,
    });
    statement.warnings.push(words::warning(&rough));
    statement.warning_codes.push(rough);
    let json = serde_json::to_string(&report).expect("serializes");
    let back: Report = serde_json::from_str(&json).expect("reads back");
    assert_eq!(
        back.statements[0].estimate.source,
        report.statements[0].estimate.source
    );
    assert!(back.statements[0]
        .warnings
        .last()
        .is_some_and(|w| w.contains("down to zero")));
}
