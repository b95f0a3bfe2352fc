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
        quantiles: ErrorQuantiles { low, high },
    }
}

#[test]
fn quantiles_interpolate_between_distances_and_never_narrow_beyond() {
    let model = ErrorModel {
        schema_version: 1,
        provenance: Provenance::default(),
        shared: 0.5,
        entries: vec![
            entry(OperationClass::Rebuild, 10.0, -0.1, 0.1),
            entry(OperationClass::Rebuild, 30.0, -0.2, 0.3),
        ],
    };
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
