//! The walk up the ladder: a calibration run, then the scales `plan` picks from what each
//! activity has cost so far, the repeats at the top the budget allows, and the
//! `--validate` run above it, kept out of the fit.

use super::run::RunCost;
use super::{plan, Lab};
use crate::warning::Warning;
use anyhow::Result;
use std::time::Instant;

/// Rows of the largest table at the calibration run that measures the costs per row.
const CALIBRATION_ROWS: u64 = 10_000;

impl Lab<'_> {
    /// Run the ladder under the budget that started at `started`.
    pub(super) async fn run_ladder(&mut self, started: Instant) -> Result<()> {
        let options = self.options;
        self.results.start_ladder();
        // Calibrate below the cap's whole ladder, so that every scale is a new, larger one.
        let below = options.ratio.max(1.1).powi(options.scales.max(1) as i32);
        let calibration_rows = options.max_rows.map_or(CALIBRATION_ROWS, |cap| {
            CALIBRATION_ROWS.min((cap as f64 / below) as u64).max(1)
        });
        let calibration = self.bases.fraction_for(calibration_rows);
        self.grow(calibration).await?;
        let mut last = self.timed_run(calibration, "calibration").await?;
        let max_fraction = options
            .max_rows
            .map_or(1.0, |cap| self.bases.fraction_for(cap))
            .max(calibration);
        let wanted = options.scales.max(1);
        for done in 0..wanted {
            let at = plan::Position {
                remaining_seconds: self.native_seconds_left(started),
                top: last.fraction,
                seeded: self.bases.seeded_fraction(),
                max_fraction,
                scales_left: wanted - done,
                ratio: options.ratio.max(1.1),
                repeats: options.repeats.max(1),
            };
            let mut rest = plan::rest(&self.costs(&last), &at);
            if rest.is_empty() {
                if self.results.distinct_scales() >= 3 || last.fraction >= max_fraction {
                    break;
                }
                // The fit needs three scales: take the next step whatever the budget says.
                if !self.results.warnings.contains(&Warning::BudgetRanOut) {
                    self.results.warnings.push(Warning::BudgetRanOut);
                }
                rest = vec![((last.fraction * at.ratio).min(max_fraction), 1)];
            }
            let (fraction, runs) = rest[0];
            // Before the ladder starts, room for its planned top; then for each new scale.
            let room_for = match done {
                0 => rest.last().map_or(fraction, |r| r.0),
                _ => fraction,
            };
            self.fresh
                .check_disk_space(&mut self.loader, &self.bases, room_for)
                .await?;
            self.grow(fraction).await?;
            for run in 0..runs {
                let expected = plan::run_seconds(&self.costs(&last), fraction);
                if run > 0 && expected > self.native_seconds_left(started) {
                    break;
                }
                let label = match runs {
                    1 => format!("scale {}", done + 1),
                    _ => format!("scale {} run {}/{runs}", done + 1, run + 1),
                };
                last = self.timed_run(fraction, &label).await?;
            }
        }
        self.repeat_top(started, &mut last).await?;
        if options.validate {
            self.run_validation(last.fraction).await?;
        }
        Ok(())
    }

    /// Spend what the budget has left on repeats of the largest scale: where the next
    /// scale was out of reach, the top was run once only.
    async fn repeat_top(&mut self, started: Instant, last: &mut RunCost) -> Result<()> {
        let options = self.options;
        let scales = self.results.scales();
        let top = scales.last().copied().unwrap_or(0);
        let mut runs = scales.iter().filter(|r| **r == top).count();
        while runs < options.repeats.max(1) {
            let expected = plan::run_seconds(&self.costs(last), last.fraction);
            if expected > self.native_seconds_left(started) {
                break;
            }
            runs += 1;
            *last = self
                .timed_run(last.fraction, &format!("top scale run {runs}"))
                .await?;
        }
        Ok(())
    }

    /// Seconds of the budget the native ladder may still spend (`plan::native_remaining`).
    fn native_seconds_left(&self, started: Instant) -> f64 {
        plan::native_remaining(
            self.options.budget.as_secs_f64(),
            started.elapsed().as_secs_f64(),
            self.results.online_route_seconds,
            self.online_wanted(),
        )
    }

    /// What each activity costs per unit of fraction, from the last run and the last
    /// seeding and index build.
    fn costs(&self, last: &RunCost) -> plan::Costs {
        let per_fraction = |seconds: f64| seconds / last.fraction.max(f64::MIN_POSITIVE);
        plan::Costs {
            seed: self.bases.seconds_per_fraction,
            index: self.fresh.index_cost(),
            fresh: per_fraction(last.copy),
            migrate: per_fraction(last.migrate),
        }
    }

    /// One run at three times the ladder's top (production size at most), set aside from
    /// the measurements the model is fitted to, so the report can compare its prediction
    /// there with what really happened.
    async fn run_validation(&mut self, top: f64) -> Result<()> {
        let fraction = (top * 3.0).min(1.0);
        if fraction <= top * 1.01 {
            self.results.warnings.push(Warning::NothingToValidate);
            return Ok(());
        }
        self.grow(fraction).await?;
        self.online_paused = true;
        let runs_before = self.results.runs_so_far();
        self.timed_run(fraction, "validation").await?;
        self.results.set_aside_last_run(runs_before);
        self.memory.forget_last_run();
        Ok(())
    }
}
