//! Parts of the report made from the measurements beside the estimates: the fitted curve
//! for charts, assumptions, warnings, the speed factor and the validation run.

use super::*;

/// Points of the fitted curve and its band, log-spaced from the smallest measured size to
/// production size, for charts.
pub(super) fn curve(
    fit: &Fit,
    error_model: &ErrorModel,
    class: OperationClass,
    measured: &[experiment::Measurement],
    target: u64,
) -> Vec<CurvePoint> {
    const POINTS: usize = 24;
    let smallest = measured.iter().map(|m| m.rows).min().unwrap_or(1).max(1) as f64;
    let target = (target as f64).max(smallest);
    (0..POINTS)
        .map(|i| {
            let t = i as f64 / (POINTS - 1) as f64;
            let rows = (smallest.ln() + t * (target.ln() - smallest.ln())).exp();
            let interval = fit.estimate_with(error_model, rows, class);
            CurvePoint {
                rows: rows.round() as u64,
                seconds_p50: interval.seconds_p50,
                seconds_low: interval.seconds_low,
                seconds_high: interval.seconds_high,
            }
        })
        .collect()
}

/// What the estimate takes for granted, said aloud.
/// `production_server` stands where production's server is known to differ from the
/// sandbox's (or is named at all); otherwise production is assumed to run the sandbox's.
pub(super) fn assumptions(
    report: &Report,
    options: &ReportOptions,
    production_server: Option<Assumption>,
) -> Vec<Assumption> {
    vec![
        production_server.unwrap_or_else(|| Assumption::SameServer {
            flavor: report.sandbox.flavor.to_string(),
            version: report.sandbox.version.clone(),
        }),
        Assumption::SpeedFactor {
            factor: report.speed_factor,
        },
        memory_regime(
            report,
            options.buffer_pool_bytes,
            options.production_buffer_pool_bytes,
        ),
        if report.cache == crate::experiment::CacheState::Cold {
            Assumption::ColdCache
        } else {
            Assumption::WarmCache
        },
        Assumption::PageCache,
        Assumption::SyntheticRows {
            profiled: report.settings.is_some(),
        },
    ]
}

/// Which memory regime the ladder ran in: production's ratio of buffer pool to tables at
/// every scale, or a fixed pool whatever the tables' size.
pub(super) fn memory_regime(
    report: &Report,
    buffer_pool_bytes: u64,
    production: Option<u64>,
) -> Assumption {
    let pools = &report.ladder.buffer_pool_bytes;
    match (pools.first(), pools.last(), production) {
        (Some(first), Some(last), Some(production)) => Assumption::ProductionBufferPool {
            production_mib: production >> 20,
            smallest_mib: first >> 20,
            largest_mib: last >> 20,
        },
        (Some(first), Some(last), None) => Assumption::BufferPoolRatio {
            smallest_mib: first >> 20,
            largest_mib: last >> 20,
        },
        _ => Assumption::FixedBufferPool {
            mib: buffer_pool_bytes >> 20,
        },
    }
}

/// A poor fit is said only where it matters for the prediction: where the point comes
/// from the fitted law (metadata work, production within the ladder), or where the law's
/// error is wider than the measured errors and so sets the interval. Work on rows beyond
/// the ladder grows the largest scale as n·log n: the law inside the ladder does not
/// make that point.
pub(super) fn statement_warnings(
    fit: &Fit,
    target_rows: u64,
    class: OperationClass,
    errors: &model::ErrorQuantiles,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    // Millisecond timings scatter by large fractions without meaning anything.
    let rows = target_rows as f64;
    let negligible = fit.predict(rows) < NEGLIGIBLE_SECONDS;
    let from_the_law =
        fit.extrapolation(rows, class, errors).rule != model::ExtrapolationRule::NlognFromLargest;
    let own = fit.loo_error.ln_1p();
    let sets_the_width = own > (errors.centre() - errors.low).min(errors.high - errors.centre());
    if fit.loo_error > POOR_FIT && !negligible && (from_the_law || sets_the_width) {
        warnings.push(Warning::PoorFit {
            model: fit.kind.as_str().to_string(),
            loo_error: fit.loo_error,
        });
    }
    warnings
}

/// Measurements in row order, for reading; the calibration run comes first in time.
pub(super) fn sorted_by_rows(
    measurements: &[experiment::Measurement],
) -> Vec<experiment::Measurement> {
    let mut sorted = measurements.to_vec();
    sorted.sort_by_key(|m| m.rows);
    sorted
}

/// Warnings about the ladder as a whole: the budget, and production beyond the reach of
/// the error model.
pub(super) fn ladder_warnings(
    profile: &Profile,
    measured: &Measurements,
    error_model: &ErrorModel,
) -> Vec<Warning> {
    let mut warnings = measured.warnings.clone();
    warnings.extend(reach_warning(profile, &measured.ladder, error_model));
    warnings
}

/// When production lies farther beyond the ladder than the error model was measured, the
/// interval is an extrapolation of the errors too: say so, and what would bring it within
/// reach, from what this ladder cost.
pub(super) fn reach_warning(
    profile: &Profile,
    ladder: &experiment::LadderSummary,
    error_model: &ErrorModel,
) -> Option<Warning> {
    let production = profile.largest_rows();
    let distance = ladder.distance(production)?;
    let reach = model::calibration::reach(error_model)?;
    if distance <= reach * REACH_TOLERANCE {
        return None;
    }
    let largest = ladder.scales.iter().copied().max()? as f64;
    let rows = round_up_to_two_digits(production as f64 / reach);
    // The ladder's time grows with its largest scale (the top run and its seeding dominate).
    let minutes = (ladder.seconds * rows / largest / 60.0).ceil().max(1.0);
    Some(Warning::BeyondReach {
        distance,
        reach,
        max_rows: rows,
        budget_minutes: minutes,
    })
}

/// 1,666,667 -> 1,700,000: a flag value a person would type.
pub(super) fn round_up_to_two_digits(x: f64) -> f64 {
    if x < 100.0 {
        return x.ceil();
    }
    let step = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / step).ceil() * step
}

/// Production is `factor` times as fast as the sandbox: predicted durations shrink by it.
/// Measurements and the fitted curve stay the sandbox's own.
pub(super) fn apply_speed_factor(report: &mut Report, factor: f64) {
    if factor == 1.0 {
        return;
    }
    for statement in &mut report.statements {
        let estimate = &mut statement.estimate;
        estimate.seconds_p50 /= factor;
        estimate.seconds_low /= factor;
        estimate.seconds_high /= factor;
        if let Some(online) = statement
            .online_route
            .as_mut()
            .and_then(|o| o.estimate.as_mut())
        {
            online.seconds_p50 /= factor;
            online.seconds_low /= factor;
            online.seconds_high /= factor;
        }
        if let Some(range) = &mut estimate.without_hardware {
            range.seconds_low /= factor;
            range.seconds_high /= factor;
        }
    }
    for total in std::iter::once(&mut report.total).chain(report.total_without_hardware.as_mut()) {
        total.seconds_p50 /= factor;
        total.seconds_low /= factor;
        total.seconds_high /= factor;
    }
}

/// The memory regime to keep: the user's ratio, else production's buffer pool over the
/// bytes of the tables (when a source or profile tells both), else none (a fixed pool).
pub(super) fn buffer_pool_ratio(args: &EstimateArgs, profile: &Profile) -> Option<f64> {
    if let Some(ratio) = args.sandbox.buffer_pool_ratio {
        return (ratio > 0.0).then_some(ratio);
    }
    let pool = profile.settings.as_ref()?.innodb_buffer_pool_size? as f64;
    let bytes: u64 = profile
        .tables
        .iter()
        .map(|t| Some(t.data_bytes? + t.index_bytes.unwrap_or(0)))
        .sum::<Option<u64>>()?;
    (bytes > 0).then(|| pool / bytes as f64)
}

/// Compare the prediction at the `--validate` run's size with what it measured; where it
/// missed its own interval, widen the estimate's interval on that side by the same
/// proportion, so the report carries a measured error and not only a claimed one.
pub(super) fn validate(
    fit: &Fit,
    error_model: &ErrorModel,
    class: OperationClass,
    result: &experiment::StatementMeasurements,
    with_rebuild: bool,
    interval: &mut Interval,
) -> Option<ValidationReport> {
    let run = result.validation.as_ref()?;
    let actual = run.seconds
        + if with_rebuild {
            result
                .validation_rebuild
                .as_ref()
                .map_or(0.0, |r| r.seconds)
        } else {
            0.0
        };
    let there = fit.estimate_with(error_model, run.rows as f64, class);
    let predicted = there.seconds_p50;
    let inside = there.seconds_low <= actual && actual <= there.seconds_high;
    if actual > there.seconds_high && there.seconds_high > predicted {
        let stretch = (actual - predicted) / (there.seconds_high - predicted);
        interval.seconds_high =
            interval.seconds_p50 + (interval.seconds_high - interval.seconds_p50) * stretch;
    }
    if actual < there.seconds_low && predicted > there.seconds_low {
        let stretch = (predicted - actual) / (predicted - there.seconds_low);
        interval.seconds_low = (interval.seconds_p50
            - (interval.seconds_p50 - interval.seconds_low) * stretch)
            .max(0.0);
    }
    Some(ValidationReport {
        rows: run.rows,
        predicted,
        actual,
        error: if actual > 0.0 {
            (predicted - actual) / actual
        } else {
            0.0
        },
        inside_interval: inside,
    })
}
