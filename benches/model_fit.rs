//! Micro-benchmarks of the timing model: fitting a ladder (every kind plus
//! leave-one-out) and the Monte Carlo interval of a multi-statement total.

use ddl_eta::model::{fit, total_interval, Fit, FitOptions, OperationClass, Point, Spread};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

/// A 7-point geometric ladder with repeats at the two smallest scales and a
/// few percent of scatter, so the fit is not an exact one.
fn ladder(slope: f64) -> Vec<Point> {
    let rows = [10e3, 10e3, 20e3, 20e3, 40e3, 80e3, 160e3];
    let scatter = [1.03, 0.97, 1.05, 0.96, 1.02, 0.99, 1.01];
    rows.iter()
        .zip(scatter)
        .map(|(&rows, s)| Point {
            rows,
            seconds: 0.02 + slope * rows.powf(1.05) * s,
        })
        .collect()
}

#[divan::bench]
fn fit_seven_point_ladder(bencher: Bencher) {
    let points = ladder(2e-5);
    let options = FitOptions::default();
    bencher.bench(|| fit(black_box(&points), black_box(&options)));
}

#[divan::bench]
fn total_interval_of_five_fits(bencher: Bencher) {
    let fits: Vec<Fit> = (1..=5)
        .filter_map(|i| fit(&ladder(1e-5 * i as f64), &FitOptions::default()).ok())
        .collect();
    let parts: Vec<Spread> = fits
        .iter()
        .map(|f| {
            f.spread(
                2e6,
                OperationClass::Rebuild,
                f.estimate(2e6, OperationClass::Rebuild),
            )
        })
        .collect();
    bencher.bench(|| total_interval(black_box(&parts), black_box(0.9), black_box(0.5)));
}
