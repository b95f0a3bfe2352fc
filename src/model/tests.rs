//! Fits of exact and degenerate ladders: kind choice, interval coverage at 10x,
//! and that bad inputs give errors or honest numbers, never NaN or panics.

use super::*;

/// 5 scales, each 2x the previous, repeats at the two smallest.
const LADDER: [f64; 7] = [10e3, 10e3, 20e3, 20e3, 40e3, 80e3, 160e3];
const TEN_X: f64 = 1.6e6;

fn ladder_points(law: impl Fn(f64) -> f64) -> Vec<Point> {
    LADDER
        .iter()
        .map(|&rows| Point {
            rows,
            seconds: law(rows),
        })
        .collect()
}

fn fit_default(points: &[Point]) -> Fit {
    fit(points, &FitOptions::default()).expect("ladder fits")
}

fn assert_contains(fit: &Fit, rows: f64, truth: f64) {
    let iv = fit.interval(rows, 0.9);
    assert!(
        iv.seconds_low <= truth && truth <= iv.seconds_high,
        "{:?} at {rows}: {iv:?} misses {truth}",
        fit.kind
    );
}

fn relative_gap(a: f64, b: f64) -> f64 {
    (a - b).abs() / b
}

#[test]
fn noisy_constant_is_constant() {
    let noise = [0.012, 0.018, 0.015, 0.011, 0.02, 0.014, 0.016];
    let points: Vec<Point> = LADDER
        .iter()
        .zip(noise)
        .map(|(&rows, seconds)| Point { rows, seconds })
        .collect();
    let fit = fit_default(&points);
    assert_eq!(fit.kind, ModelKind::Constant);
    assert!(fit.interval(TEN_X, 0.9).seconds_high < 0.05);
}

#[test]
fn exact_linear_is_linear_with_zero_loo() {
    let law = |n: f64| 2e-5 * n;
    let fit = fit_default(&ladder_points(law));
    assert_eq!(fit.kind, ModelKind::Linear);
    assert!(fit.loo_error < 1e-9, "{}", fit.loo_error);
    assert!(relative_gap(fit.predict(TEN_X), law(TEN_X)) < 1e-9);
    assert_contains(&fit, TEN_X, law(TEN_X));
}

#[test]
fn exact_nlogn_predicts_within_a_few_percent() {
    let law = |n: f64| 1e-6 * n * n.ln();
    let fit = fit_default(&ladder_points(law));
    let nlogn_loo = fit
        .candidates
        .iter()
        .find(|c| c.0 == ModelKind::Nlogn)
        .map(|c| c.1);
    assert!(nlogn_loo.is_some_and(|e| e < 1e-9), "{:?}", fit.candidates);
    // Over 10k..160k n·ln n is nearly linear, so linear may win the tie.
    assert!(
        relative_gap(fit.predict(TEN_X), law(TEN_X)) < 0.05,
        "{fit:?}"
    );
    assert_contains(&fit, TEN_X, law(TEN_X));
}

#[test]
fn exact_power_is_power() {
    let law = |n: f64| 3e-8 * n.powf(1.3);
    let fit = fit_default(&ladder_points(law));
    assert_eq!(fit.kind, ModelKind::Power);
    assert!(fit.loo_error < 1e-9);
    assert!((fit.params[1] - 1.3).abs() < 1e-9 && relative_gap(fit.params[0], 3e-8) < 1e-6);
    assert!(relative_gap(fit.predict(TEN_X), law(TEN_X)) < 1e-9);
    assert_contains(&fit, TEN_X, law(TEN_X));
}

#[test]
fn noise_floor_keeps_exact_fits_from_zero_width() {
    let fit = fit_default(&ladder_points(|n| 2e-5 * n));
    let iv = fit.interval(TEN_X, 0.9);
    // Half-width is at least t(5, 95%) * 5% of the prediction.
    assert!(iv.seconds_high - iv.seconds_p50 >= 2.0 * 0.05 * iv.seconds_p50);
}

#[test]
fn power_interval_is_multiplicative() {
    let fit = fit_default(&ladder_points(|n| 3e-8 * n.powf(1.3)));
    let iv = fit.interval(TEN_X, 0.9);
    let up = iv.seconds_high / iv.seconds_p50;
    let down = iv.seconds_p50 / iv.seconds_low;
    assert!((up - down).abs() < 1e-9 && up > 1.0);
}

#[test]
fn forced_constant_skips_the_choice() {
    let options = FitOptions {
        force: Some(ModelKind::Constant),
        ..FitOptions::default()
    };
    let fit = fit(&ladder_points(|n| 2e-5 * n), &options).expect("forced fit");
    assert_eq!(fit.kind, ModelKind::Constant);
    assert_eq!(fit.candidates.len(), 1);
}

#[test]
fn decreasing_times_reject_sloped_models() {
    let fit = fit_default(&ladder_points(|n| 10.0 - 2e-5 * n));
    assert_eq!(fit.kind, ModelKind::Constant);
    assert!(fit.candidates.iter().all(|c| c.0 == ModelKind::Constant));
}

#[test]
fn too_few_points_is_an_error() {
    assert!(fit(&[], &FitOptions::default()).is_err());
    assert!(fit(
        &[Point {
            rows: 1e4,
            seconds: 1.0
        }],
        &FitOptions::default()
    )
    .is_err());
    let one_good_one_nan = [
        Point {
            rows: 1e4,
            seconds: 1.0,
        },
        Point {
            rows: 2e4,
            seconds: f64::NAN,
        },
    ];
    assert!(fit(&one_good_one_nan, &FitOptions::default()).is_err());
}

#[test]
fn two_points_have_no_loo_and_a_wide_honest_interval() {
    let points = [
        Point {
            rows: 1e4,
            seconds: 0.2,
        },
        Point {
            rows: 2e4,
            seconds: 0.4,
        },
    ];
    let options = FitOptions {
        force: Some(ModelKind::Linear),
        ..FitOptions::default()
    };
    let fit = fit(&points, &options).expect("two distinct points fit a line");
    assert_eq!(fit.loo_error, 0.0);
    let iv = fit.interval(2e5, 0.9);
    // Cauchy 95% quantile is 6.31: width from the 5% floor alone.
    assert!(iv.seconds_high > 1.3 * iv.seconds_p50, "{iv:?}");
}

#[test]
fn same_rows_only_fits_a_constant() {
    let points = [
        Point {
            rows: 1e4,
            seconds: 0.2,
        },
        Point {
            rows: 1e4,
            seconds: 0.3,
        },
    ];
    assert_eq!(fit_default(&points).kind, ModelKind::Constant);
    let options = FitOptions {
        force: Some(ModelKind::Linear),
        ..FitOptions::default()
    };
    assert!(fit(&points, &options).is_err());
}

#[test]
fn bad_points_are_dropped_and_zero_seconds_skip_power() {
    let mut points = ladder_points(|_| 0.01);
    points[0].seconds = 0.0;
    points.push(Point {
        rows: 5e3,
        seconds: f64::NAN,
    });
    points.push(Point {
        rows: 5e3,
        seconds: -1.0,
    });
    points.push(Point {
        rows: f64::INFINITY,
        seconds: 1.0,
    });
    let fit = fit_default(&points);
    assert_eq!((fit.points_used, fit.points_dropped), (7, 3));
    assert!(fit
        .candidates
        .iter()
        .all(|c| c.0 != ModelKind::Power && c.1.is_finite()));
    let forced = FitOptions {
        force: Some(ModelKind::Power),
        ..FitOptions::default()
    };
    assert!(super::fit(&points, &forced).is_err());
    let iv = fit.interval(TEN_X, 0.9);
    for v in [
        fit.predict(TEN_X),
        iv.seconds_low,
        iv.seconds_p50,
        iv.seconds_high,
    ] {
        assert!(v.is_finite() && v >= 0.0);
    }
}

#[test]
fn nonsense_queries_do_not_produce_nan() {
    let fit = fit_default(&ladder_points(|n| 2e-5 * n));
    for rows in [f64::NAN, -5.0, 0.0, f64::INFINITY] {
        let iv = fit.interval(rows, f64::NAN);
        let calibrated = fit.estimate(rows, OperationClass::Rebuild);
        for v in [
            fit.predict(rows),
            calibrated.seconds_low,
            calibrated.seconds_p50,
            iv.seconds_low,
            iv.seconds_high,
        ] {
            assert!(!v.is_nan() && v >= 0.0);
        }
    }
    let options = FitOptions {
        min_relative_noise: f64::NAN,
        ..FitOptions::default()
    };
    let nan_floor = super::fit(&ladder_points(|n| 2e-5 * n), &options).expect("fits");
    assert!(!nan_floor.interval(TEN_X, 0.9).seconds_high.is_nan());
}

#[test]
fn repeat_noise_is_median_spread_at_repeated_scales() {
    assert_eq!(repeat_noise(&ladder_points(|n| n)), 0.0);
    assert_eq!(
        repeat_noise(&[Point {
            rows: 1.0,
            seconds: 1.0
        }]),
        0.0
    );
    let points = [
        Point {
            rows: 1e4,
            seconds: 0.9,
        },
        Point {
            rows: 1e4,
            seconds: 1.1,
        },
        Point {
            rows: 2e4,
            seconds: 1.8,
        },
        Point {
            rows: 2e4,
            seconds: 2.2,
        },
        Point {
            rows: 2e4,
            seconds: f64::NAN,
        },
        Point {
            rows: 4e4,
            seconds: 4.0,
        },
    ];
    assert!((repeat_noise(&points) - 0.2).abs() < 1e-12);
}

#[test]
fn an_operation_known_to_grow_with_rows_is_never_flat_while_a_growing_law_fits() {
    // Noise-dominated small timings a constant would win on.
    let points: Vec<Point> = [
        (250.0, 0.012),
        (500.0, 0.0115),
        (1000.0, 0.0122),
        (2000.0, 0.0118),
        (4000.0, 0.0124),
    ]
    .iter()
    .map(|&(rows, seconds)| Point { rows, seconds })
    .collect();
    let free = fit(&points, &FitOptions::default()).expect("fit");
    assert_eq!(free.kind, ModelKind::Constant);
    let growing = FitOptions {
        grows_with_rows: true,
        ..FitOptions::default()
    };
    let fitted = fit(&points, &growing).expect("fit");
    assert_ne!(fitted.kind, ModelKind::Constant);
    assert!(fitted.predict(4_000_000.0) > fitted.predict(4000.0));
    // Time falling with rows fits no growing law: the constant is the honest answer.
    let falling: Vec<Point> = [(250.0, 0.02), (1000.0, 0.015), (4000.0, 0.01)]
        .iter()
        .map(|&(rows, seconds)| Point { rows, seconds })
        .collect();
    let noisy = fit(&falling, &growing).expect("fit");
    assert_eq!(noisy.kind, ModelKind::Constant);
    // Still work on rows: it extrapolates anchored, and the estimate classes it so.
    assert!(noisy.works_on_rows());
    assert!(!free.works_on_rows());
}

#[test]
fn work_on_every_row_never_extrapolates_below_linear() {
    // Fixed start-up cost plus linear work looks sublinear on a log-log plot; a power law
    // fitted there would shrink the extrapolation.
    let law = |n: f64| 0.015 + 1.5e-6 * n;
    let points = ladder_points(law);
    let growing = FitOptions {
        grows_with_rows: true,
        ..FitOptions::default()
    };
    let fit = fit(&points, &growing).expect("fit");
    assert_ne!(fit.kind, ModelKind::Power, "{:?}", fit.candidates);
    assert!(fit
        .candidates
        .iter()
        .all(|(kind, _)| *kind != ModelKind::Constant));
    assert_contains(&fit, TEN_X, law(TEN_X));
}

#[test]
fn work_on_every_row_grows_at_least_in_proportion_beyond_the_ladder() {
    // A large fixed cost flattens the line; per row, production's work is no cheaper.
    let law = |n: f64| 0.2 + 1e-6 * n;
    let points = ladder_points(law);
    let growing = FitOptions {
        grows_with_rows: true,
        ..FitOptions::default()
    };
    let fit = fit(&points, &growing).expect("fit");
    let top = LADDER[LADDER.len() - 1];
    let proportional = law(top) * TEN_X / top;
    assert!(fit.predict(TEN_X) >= proportional * 0.999);
    let interval = fit.interval(TEN_X, 0.9);
    assert!(
        interval.seconds_low <= interval.seconds_p50
            && interval.seconds_p50 <= interval.seconds_high
    );
    // Other work keeps its own law.
    let free = fit_default(&points);
    assert!(free.predict(TEN_X) < proportional);
}

#[test]
fn work_on_every_row_extrapolates_the_largest_scale_as_n_log_n() {
    // Two repeats at the top (1.0 s and 1.2 s): their median, 1.1 s, grown as n·log n.
    let mut points = ladder_points(|n| 0.05 + 1e-5 * n);
    let top = LADDER[LADDER.len() - 1];
    points.retain(|p| p.rows < top);
    points.extend([1.0, 1.2].map(|seconds| Point { rows: top, seconds }));
    let fit = statement_fit(&points, false, true).expect("fit");
    let expected = 1.1 * (TEN_X * TEN_X.ln()) / (top * top.ln());
    assert!(
        (fit.predict(TEN_X) - expected).abs() < 1e-9 * expected,
        "{} vs {expected}",
        fit.predict(TEN_X)
    );
}

#[test]
fn a_ladder_that_grows_is_work_on_rows_whatever_the_server_said() {
    // Not known to rewrite rows (a NOCOPY character-set conversion), yet it grows.
    let points = ladder_points(|n| 0.01 + 2e-6 * n);
    let fit = statement_fit(&points, false, false).expect("fit");
    let top = LADDER[LADDER.len() - 1];
    let proportional = (0.01 + 2e-6 * top) * TEN_X / top;
    assert!(fit.predict(TEN_X) >= proportional, "{fit:?}");
}

#[test]
fn a_poor_fit_gets_an_interval_at_least_as_wide_as_its_leave_one_out_error() {
    // A knee at the top of the ladder: no law fits all the points.
    let seconds = [0.15, 0.15, 0.28, 0.28, 0.67, 1.3, 6.7];
    let points: Vec<Point> = LADDER
        .iter()
        .zip(seconds)
        .map(|(&rows, seconds)| Point { rows, seconds })
        .collect();
    let growing = FitOptions {
        grows_with_rows: true,
        ..FitOptions::default()
    };
    let fit = fit(&points, &growing).expect("fit");
    assert!(fit.loo_error > 0.2, "{:?}", fit.candidates);
    let interval = fit.interval(TEN_X, 0.9);
    let upper = (interval.seconds_high - interval.seconds_p50) / interval.seconds_p50;
    assert!(
        upper >= fit.loo_error,
        "{interval:?} with loo {}",
        fit.loo_error
    );
}
