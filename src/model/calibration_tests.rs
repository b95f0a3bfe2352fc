//! Calibration itself: that intervals built from measured errors cover what they promise
//! on simulated ladders, that the low end stays physically possible, that the error model
//! interpolates sensibly, and that the total treats shared errors as shared.

use super::calibration::*;
use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use statrs::distribution::Normal;

/// A ladder as `estimate` runs one: 5 scales, each twice the last, repeats at the two
/// smallest, the largest at 1/distance of production.
fn ladder_rows(production: f64, distance: f64) -> Vec<f64> {
    let top = production / distance;
    let scales: Vec<f64> = (0..5).map(|i| top / 2f64.powi(4 - i)).collect();
    let mut rows = vec![scales[0], scales[0], scales[1], scales[1]];
    rows.extend(&scales[2..]);
    rows
}

/// One simulated statement: a law of its own (n·log n or a power between 1 and 1.15, a
/// fixed cost), 6% noise on every timing, and at production a regime the ladder did not
/// see, which only ever slows the work per row (deeper B-trees, sorts that spill: up to
/// tens of percent), plus the truth's own run-to-run noise (4%). Returns the ladder and
/// the truth.
fn simulate(rng: &mut StdRng, production: f64, distance: f64) -> (Vec<Point>, f64) {
    let fixed = 0.05 + 0.2 * rng.gen::<f64>();
    let per_row = 2e-6 * (1.0 + rng.gen::<f64>());
    let exponent = 1.0 + 0.15 * rng.gen::<f64>();
    let nlogn = rng.gen_bool(0.5);
    let normal = Normal::standard();
    let mut noise = |sd: f64| (sd * rng.sample(normal)).exp();
    let law = move |n: f64| {
        if nlogn {
            fixed + per_row * n * n.ln() / 12.0
        } else {
            fixed + per_row * n.powf(exponent) / 1e3f64.powf(exponent - 1.0)
        }
    };
    let points = ladder_rows(production, distance)
        .into_iter()
        .map(|rows| Point {
            rows,
            seconds: law(rows) * noise(0.06),
        })
        .collect();
    let regime = (0.1 * rng.sample(normal)).abs().exp();
    let truth = law(production) * regime * (0.04 * rng.sample(normal)).exp();
    (points, truth)
}

fn point_error(points: &[Point], production: f64, truth: f64) -> Option<f64> {
    let fit = statement_fit(points, false, true).ok()?;
    Some((truth / fit.predict(production)).ln())
}

#[test]
fn ninety_percent_intervals_from_measured_errors_cover_nine_in_ten() {
    let mut rng = StdRng::seed_from_u64(12);
    let production = 3e6;
    let mut inside = 0usize;
    let mut judged = 0usize;
    for distance in [10.0, 30.0] {
        // Tuning: the errors an error model is made of.
        let errors: Vec<f64> = (0..150)
            .filter_map(|_| {
                let (points, truth) = simulate(&mut rng, production, distance);
                point_error(&points, production, truth)
            })
            .collect();
        let (_, _, quantiles) = summarize_errors(&errors).expect("enough errors");

        // Held out: fresh statements judged by intervals from those quantiles.
        for _ in 0..300 {
            let (points, truth) = simulate(&mut rng, production, distance);
            let fit = statement_fit(&points, false, true).expect("fits");
            let interval = fit.calibrated_interval(production, OperationClass::Rebuild, &quantiles);
            judged += 1;

            if interval.seconds_low <= truth && truth <= interval.seconds_high {
                inside += 1;
            }
        }
    }
    let coverage = inside as f64 / judged as f64;
    assert!(
        (0.85..=0.95).contains(&coverage),
        "coverage {coverage:.3} of {judged}"
    );
}

#[test]
fn the_point_moves_to_the_centre_of_the_measured_errors() {
    // A ladder that fits a straight line exactly, and errors measured 20% to 80% above it:
    // the point is the law's times e^0.5, the ends e^0.2 and e^0.8 of the law.
    let points: Vec<Point> = [10e3, 20e3, 40e3, 80e3, 160e3, 160e3]
        .iter()
        .map(|&rows| Point {
            rows,
            seconds: 0.01 + rows * 1e-5,
        })
        .collect();
    let fit = statement_fit(&points, false, true).expect("fits");
    let production = 1.6e6;
    let law = fit.predict(production);
    let errors = ErrorQuantiles {
        low: 0.2,
        high: 0.8,
    };
    let interval = fit.calibrated_interval(production, OperationClass::IndexBuild, &errors);
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6 * b;
    assert!(
        close(interval.seconds_p50, law * 0.5f64.exp()),
        "{interval:?}"
    );
    assert!(
        close(interval.seconds_low, law * 0.2f64.exp()),
        "{interval:?}"
    );
    assert!(
        close(interval.seconds_high, law * 0.8f64.exp()),
        "{interval:?}"
    );
}

#[test]
fn the_low_end_never_implies_faster_rows_than_the_ladder_measured() {
    // Noisy top scales and a very wide measured error: the floor decides the low end.
    let rows = [10e3, 10e3, 20e3, 20e3, 40e3, 80e3, 160e3];
    let seconds = [0.06, 0.05, 0.09, 0.11, 0.2, 0.35, 0.9];
    let points: Vec<Point> = rows
        .iter()
        .zip(seconds)
        .map(|(&rows, seconds)| Point { rows, seconds })
        .collect();
    let fit = statement_fit(&points, false, true).expect("fits");
    let wide = ErrorQuantiles {
        low: -3.0,
        high: 3.0,
    };
    let production = 4.8e6;
    let interval = fit.calibrated_interval(production, OperationClass::Rebuild, &wide);
    // The fastest per row on the top two scales, counted from the smallest scale
    // (median 0.055 s at 10k rows), is 0.295 s per 70k rows.
    let fastest = (0.35 - 0.055) / 70e3 * production;
    assert!(
        interval.seconds_low >= fastest * (1.0 - 1e-9),
        "{interval:?} below {fastest}"
    );
    assert!(interval.seconds_low <= interval.seconds_p50);
    // Where production measured faster than the sandbox (errors centred at -0.5), the
    // floor moves down by that ratio, and no further.
    let faster = ErrorQuantiles {
        low: -3.0,
        high: 2.0,
    };
    let interval = fit.calibrated_interval(production, OperationClass::Rebuild, &faster);
    let moved = fastest * (-0.5f64).exp();
    assert!(
        (interval.seconds_low - moved).abs() < 1e-6 * moved,
        "{interval:?} vs {moved}"
    );
    // Metadata work has no per-row floor: its interval is in seconds around the median.
    let flat: Vec<Point> = rows
        .iter()
        .map(|&rows| Point {
            rows,
            seconds: 0.02,
        })
        .collect();
    let instant = statement_fit(&flat, true, false).expect("fits");
    let seconds = ErrorQuantiles {
        low: -0.01,
        high: 0.05,
    };
    let interval = instant.calibrated_interval(production, OperationClass::Metadata, &seconds);
    assert!((interval.seconds_high - (interval.seconds_p50 + 0.05)).abs() < 0.01);
    assert!(interval.seconds_low < interval.seconds_p50 && interval.seconds_low >= 0.0);
}

fn entry(class: OperationClass, distance: f64, low: f64, high: f64) -> Entry {
    Entry {
        class,
        distance,
        statements: 10,
        mean: 0.0,
        sd: 0.0,
        between_sd: 0.0,
        cases: 0,
        quantiles: ErrorQuantiles { low, high },
    }
}

fn model_of(entries: Vec<Entry>) -> ErrorModel {
    ErrorModel {
        schema_version: 2,
        mode: InputMode::Profile,
        status: ModelStatus::Measured,
        provenance: Provenance::default(),
        shared: 0.5,
        entries,
    }
}

#[test]
fn quantiles_interpolate_between_distances_and_never_narrow_beyond() {
    let model = model_of(vec![
        entry(OperationClass::Rebuild, 10.0, -0.1, 0.1),
        entry(OperationClass::Rebuild, 30.0, -0.2, 0.3),
    ]);
    let near = model.quantiles(OperationClass::Rebuild, 3.0);
    assert_eq!((near.low, near.high), (-0.1, 0.1));
    let between = model.quantiles(OperationClass::Rebuild, (300f64).sqrt());
    assert!((between.low + 0.15).abs() < 1e-9 && (between.high - 0.2).abs() < 1e-9);
    let far = model.quantiles(OperationClass::Rebuild, 300.0);
    assert!(far.low < -0.2 && far.high > 0.3, "{far:?}");
    assert_eq!(model.largest_distance(OperationClass::Rebuild), Some(30.0));
    assert_eq!(model.largest_distance(OperationClass::IndexBuild), None);
}

#[test]
fn production_s_size_inside_the_ladder_gets_no_extrapolation_error_in_profile_mode() {
    let entries = vec![entry(OperationClass::Rebuild, 10.0, -0.5, 0.1)];
    let profile = model_of(entries.clone());
    let inside = profile.quantiles(OperationClass::Rebuild, 1.0);
    assert_eq!((inside.low, inside.high), (0.0, 0.0));
    assert_eq!(
        profile.nearest_distance(OperationClass::Rebuild),
        Some(10.0)
    );
    let beyond = profile.quantiles(OperationClass::Rebuild, 1.5);
    assert!((beyond.low + 0.5).abs() < 1e-9 && (beyond.high - 0.1).abs() < 1e-9);
    // A schema mode keeps its errors: part of them is the seeded rows.
    let schema = ErrorModel {
        mode: InputMode::SchemaRows,
        ..model_of(entries)
    };
    let inside = schema.quantiles(OperationClass::Rebuild, 1.0);
    assert!((inside.low + 0.5).abs() < 1e-9 && (inside.high - 0.1).abs() < 1e-9);
}

fn width(q: ErrorQuantiles) -> f64 {
    q.high - q.low
}

#[test]
fn a_cell_that_narrows_farther_out_is_enveloped_by_the_nearer_one() {
    // The shipped rebuild cells narrow from 10x to 30x; the interval must not.
    let model = model_of(vec![
        entry(OperationClass::Rebuild, 10.0, -0.6, 0.36),
        entry(OperationClass::Rebuild, 30.0, -0.33, 0.2),
    ]);
    let distances = [
        1.0, 5.0, 10.0, 12.0, 20.0, 29.0, 30.0, 31.0, 100.0, 125.0, 5000.0,
    ];
    let widths: Vec<f64> = distances
        .iter()
        .map(|d| width(model.quantiles(OperationClass::Rebuild, *d)))
        .collect();
    for (pair, d) in widths.windows(2).zip(distances.windows(2)) {
        assert!(pair[1] >= pair[0] - 1e-12, "narrower at {d:?}: {widths:?}");
    }
    // At 30x each side is at least the 10x cell's, around the 30x cell's own centre.
    let at30 = model.quantiles(OperationClass::Rebuild, 30.0);
    assert!((at30.centre() - (-0.065)).abs() < 1e-9, "{at30:?}");
    assert!((width(at30) - 0.96).abs() < 1e-9, "{at30:?}");
    // Beyond 30x the sides grow as ln(distance) / ln(30).
    let at900 = model.quantiles(OperationClass::Rebuild, 900.0);
    assert!((width(at900) - 0.96 * 2.0).abs() < 1e-9, "{at900:?}");
    // 30x, 125x and 5000x no longer get the same width.
    assert!(
        widths[9] > widths[6] && widths[10] > widths[9] * 1.5,
        "{widths:?}"
    );
}

#[test]
fn metadata_errors_in_seconds_do_not_grow_beyond_the_farthest_distance() {
    let model = model_of(vec![entry(OperationClass::Metadata, 30.0, -0.01, 0.01)]);
    let far = model.quantiles(OperationClass::Metadata, 5000.0);
    assert_eq!((far.low, far.high), (-0.01, 0.01));
}

#[test]
fn the_spread_between_cases_widens_a_cell_of_few_cases() {
    // Fourteen statements with sd 0.26: as independent statements, and as three cases
    // that share 40% of the variance.
    let alone = cell_quantiles(0.0, 0.26, 0.0, 14, 0);
    // t(0.95, 13) = 1.7709: the statements' own prediction interval.
    let textbook = 2.0 * 1.7709 * 0.26 * (1.0f64 + 1.0 / 14.0).sqrt();
    assert!(
        (width(alone) - textbook).abs() < 1e-3,
        "{alone:?} {textbook}"
    );
    let three = cell_quantiles(0.0, 0.26, 0.26 * 0.4f64.sqrt(), 14, 3);
    assert!(width(three) > width(alone) * 1.05, "{three:?} {alone:?}");
    let seven = cell_quantiles(0.0, 0.26, 0.26 * 0.4f64.sqrt(), 14, 7);
    assert!(width(seven) < width(three), "{seven:?} {three:?}");
    // Cases that differ no more than their statements do have no spread between them.
    assert_eq!(between_sd(&[vec![0.1, -0.1], vec![0.1, -0.1]]), 0.0);
    assert!(between_sd(&[vec![0.5, 0.5], vec![-0.5, -0.5]]) > 0.6);
}

#[test]
fn every_input_mode_has_a_model_of_its_own_in_the_shipped_file() {
    for mode in MODELLED_MODES {
        let model = error_model_for(mode);
        assert_eq!(
            model.mode, mode,
            "{mode:?} falls back to another mode's model"
        );
        for class in OperationClass::ALL {
            let q = model.quantiles(class, 10.0);
            assert!(q.low < q.high, "{mode:?} {class:?}: {q:?}");
        }
    }
    assert_eq!(error_model().mode, InputMode::Profile);
    assert_eq!(error_model().status, ModelStatus::Measured);
    // Every mode has tuning runs of its own: each model is measured, on six cases.
    for mode in MODELLED_MODES {
        let model = error_model_for(mode);
        assert_eq!(model.status, ModelStatus::Measured, "{mode:?}");
        let cases = &model.provenance.cases;
        assert_eq!(cases.len(), 6, "{mode:?}: {cases:?}");
    }
}

#[test]
fn statements_of_one_case_count_as_fewer_than_their_number() {
    // The published run: 56 held-out statements from 4 cases, shared share 0.40.
    let deff = design_effect(56, 4, 0.40);
    assert!((deff - 6.2).abs() < 1e-9, "{deff}");
    assert!((56.0 / deff - 9.03).abs() < 0.01);
    assert_eq!(design_effect(56, 56, 0.4), 1.0);
    assert_eq!(design_effect(10, 2, 0.0), 1.0);
    assert_eq!(design_effect(0, 0, 0.4), 1.0);
}

#[test]
fn the_hardware_term_widens_each_side_in_quadrature() {
    let interval = Interval {
        seconds_p50: 100.0,
        seconds_low: 100.0 / 1.5,
        seconds_high: 150.0,
    };
    let with = interval.with_hardware(1.7);
    let side = (1.5f64.ln().powi(2) + 1.7f64.ln().powi(2)).sqrt().exp();
    assert!((with.seconds_high - 100.0 * side).abs() < 1e-9, "{with:?}");
    assert!((with.seconds_low - 100.0 / side).abs() < 1e-9, "{with:?}");
    assert_eq!(with.seconds_p50, 100.0);
    let none = interval.with_hardware(1.0);
    assert_eq!(none.seconds_high, interval.seconds_high);
}

#[test]
fn the_shipped_error_model_reads_and_covers_every_class() {
    let model = error_model();
    for class in OperationClass::ALL {
        let q = model.quantiles(class, 10.0);
        assert!(
            q.low.is_finite() && q.high.is_finite() && q.low < q.high,
            "{class:?}: {q:?}"
        );
    }
    assert!((0.0..=1.0).contains(&model.shared));
}

#[test]
fn a_few_errors_give_a_wider_interval_than_many_with_the_same_spread() {
    let few = [-0.1, 0.0, 0.1];
    let many: Vec<f64> = (0..30).map(|i| [-0.1, 0.0, 0.1][i % 3]).collect();
    let (_, _, a) = summarize_errors(&few).expect("three");
    let (_, _, b) = summarize_errors(&many).expect("thirty");
    assert!(a.high - a.low > 2.0 * (b.high - b.low), "{a:?} {b:?}");
    assert!(summarize_errors(&[0.1, 0.2]).is_none());
}

#[test]
fn errors_that_move_together_by_migration_are_measured_as_shared() {
    let together = vec![
        vec![0.3, 0.31, 0.29],
        vec![-0.2, -0.21, -0.19],
        vec![0.0, 0.01, -0.01],
    ];
    assert!(shared_share(&together).is_some_and(|s| s > 0.9));
    let apart = vec![
        vec![0.3, -0.3, 0.0],
        vec![-0.3, 0.3, 0.0],
        vec![0.0, 0.3, -0.3],
    ];
    assert!(shared_share(&apart).is_some_and(|s| s < 0.1));
    assert!(shared_share(&[vec![0.1, 0.2]]).is_none());
}

fn spread(p50: f64, low: f64, high: f64) -> Spread {
    Spread {
        interval: Interval {
            seconds_p50: p50,
            seconds_low: low,
            seconds_high: high,
        },
        multiplicative: true,
        floor: 0.0,
    }
}

#[test]
fn a_total_of_shared_errors_is_as_wide_as_the_sum_of_its_parts() {
    let parts = [spread(100.0, 80.0, 130.0), spread(50.0, 40.0, 65.0)];
    let shared = total_interval(&parts, 0.9, 1.0);
    assert!((shared.seconds_low - 120.0).abs() < 2.0, "{shared:?}");
    assert!((shared.seconds_high - 195.0).abs() < 3.0, "{shared:?}");
    let independent = total_interval(&parts, 0.9, 0.0);
    assert!(
        independent.seconds_high - independent.seconds_low
            < shared.seconds_high - shared.seconds_low
    );
    assert!(
        (independent.seconds_p50 - 150.0).abs() < 3.0,
        "{independent:?}"
    );
    // One statement alone is itself, whatever the share; nothing is zero.
    let alone = total_interval(&parts[..1], 0.9, 0.5);
    assert!((alone.seconds_low - 80.0).abs() < 1.5 && (alone.seconds_high - 130.0).abs() < 2.0);
    let nothing = total_interval(&[], 0.9, 0.5);
    assert_eq!(nothing.seconds_high, 0.0);
    assert_eq!(
        total_interval(&parts, 0.9, 0.3).seconds_high,
        total_interval(&parts, 0.9, 0.3).seconds_high
    );
}
