//! The ladder's plan: which scales to run next, re-planned after every scale from what
//! each activity has cost so far; the largest scale weighs most in the extrapolation, so
//! the budget goes there first (the top gets the repeats, the scales below what the fit needs).

/// Seconds per unit of fraction (of production size) for each activity, from the largest
/// scale run so far.
#[derive(Debug, Clone, Copy, Default)]
pub struct Costs {
    /// Appending rows to the base tables.
    pub seed: f64,
    /// Building the base tables' secondary indexes at a new scale (cloning only).
    pub index: f64,
    /// A fresh set of tables for one run: clone (with its warming) or copy.
    pub fresh: f64,
    /// The migration's statements in one run.
    pub migrate: f64,
}

/// Where the ladder stands when the rest of it is planned.
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub remaining_seconds: f64,
    /// The largest fraction measured so far, and the fraction the base tables hold.
    pub top: f64,
    pub seeded: f64,
    /// Production size (1.0), or less under --max-rows.
    pub max_fraction: f64,
    /// New scales still wanted (`--scales` less those run).
    pub scales_left: usize,
    pub ratio: f64,
    /// Runs at the top scale.
    pub repeats: usize,
}

/// Index builds and statements bend upward with the rows (a sort's merge passes, deeper
/// B-trees): plan with a margin over the straight line through the last scale. n·log n
/// from 1.8M to 4M rows is 1.06 more per row; 1.15 leaves room for the noise (1.3 left
/// a seventh of the demo's budget unspent).
const SUPERLINEAR_MARGIN: f64 = 1.15;
/// The share of the remaining budget the plan spends, for the noise of a shared machine.
const BUDGET_SHARE: f64 = 0.9;
/// Repeats are planned for when they add at most this share to the ladder's cost.
const CHEAP_REPEATS: f64 = 0.15;
/// A new scale must be this much above the last one to be worth its seeding and index
/// build; closer, a repeat of the top measures more for the time.
const MIN_STEP: f64 = 1.5;

/// The most of the budget the online route's passes take (pt-osc through the chosen
/// statements, on fresh tables of their own), so that the native ladder, which the
/// estimate and its error model rest on, keeps the rest.
pub const ONLINE_SHARE: f64 = 0.3;

/// Whether an online pass expected to take `expected_seconds` fits the online route's
/// share of the budget, given the seconds its passes have taken so far. The first pass,
/// at the calibration run, is priced at nothing: it is small and prices the rest.
pub fn online_pass_fits(budget_seconds: f64, online_spent: f64, expected_seconds: f64) -> bool {
    online_spent + expected_seconds * SUPERLINEAR_MARGIN <= ONLINE_SHARE * budget_seconds
}

/// The seconds an online pass at `fraction` should take, from the passes made so far as
/// (fraction, seconds), smallest first: the line through the last two, whose intercept is
/// the tool's fixed cost (seconds of triggers, swap and start-up that a straight
/// proportion would multiply with the rows), never less than the last pass; from one pass
/// alone, in proportion; nothing before the first.
pub fn online_pass_seconds(passes: &[(f64, f64)], fraction: f64) -> f64 {
    match passes {
        [] => 0.0,
        [.., (f1, s1), (f2, s2)] if f2 > f1 => {
            let per_fraction = ((s2 - s1) / (f2 - f1)).max(0.0);
            s2 + per_fraction * (fraction - f2).max(0.0)
        }
        [.., (at, seconds)] => seconds * (fraction / at.max(f64::MIN_POSITIVE)).max(1.0),
    }
}

/// Seconds the native ladder may still spend: the budget less the time gone, less what
/// the online route keeps of its share while it still runs.
pub fn native_remaining(
    budget_seconds: f64,
    elapsed: f64,
    online_spent: f64,
    online_running: bool,
) -> f64 {
    let kept = match online_running {
        true => (ONLINE_SHARE * budget_seconds - online_spent).max(0.0),
        false => 0.0,
    };
    budget_seconds - elapsed - kept
}

/// The rest of the ladder, smallest first, as (fraction, runs): geometric scales below the
/// largest top the remaining budget affords, the top with the repeats. Empty when not even
/// one more scale fits or production size is reached.
pub fn rest(costs: &Costs, at: &Position) -> Vec<(f64, usize)> {
    let mut scales = at.scales_left;
    while scales > 0 {
        let top = affordable_top(costs, at, scales).min(at.max_fraction);
        let lowest = top / at.ratio.powi(scales as i32 - 1);
        if lowest >= at.top * MIN_STEP {
            return (0..scales)
                .map(|i| {
                    let fraction = top / at.ratio.powi((scales - 1 - i) as i32);
                    let runs = if i + 1 == scales {
                        at.repeats.max(1)
                    } else {
                        1
                    };
                    (fraction, runs)
                })
                .collect();
        }
        if top >= at.max_fraction && scales == 1 {
            break;
        }
        scales -= 1;
    }
    Vec::new()
}

/// The largest top fraction whose ladder of `scales` new scales fits the remaining budget.
/// Every cost is proportional to the fraction, so the total is linear in the top. The
/// repeats are planned for only where they cost little beside the new scales (a clone
/// and the statements, against seeding and index builds): otherwise a larger top is
/// worth more, and they run only if the budget has room left.
fn affordable_top(costs: &Costs, at: &Position, scales: usize) -> f64 {
    let weights: f64 = (0..scales).map(|i| at.ratio.powi(-(i as i32))).sum();
    let repeat = costs.fresh + costs.migrate * SUPERLINEAR_MARGIN;
    let scale = costs.seed + costs.index * SUPERLINEAR_MARGIN * weights + repeat * weights;
    let repeats = if repeat * (at.repeats.max(1) - 1) as f64 <= CHEAP_REPEATS * scale {
        at.repeats.max(1) - 1
    } else {
        0
    };
    let runs = weights + repeats as f64;
    let per_top = costs.seed
        + costs.index * SUPERLINEAR_MARGIN * weights
        + (costs.fresh + costs.migrate * SUPERLINEAR_MARGIN) * runs;
    let budget = at.remaining_seconds * BUDGET_SHARE + costs.seed * at.seeded;
    (budget / per_top.max(1e-12)).max(0.0)
}

/// The seconds one more run at `fraction` should take (repeats at the top are run only
/// while the budget has room for them).
pub fn run_seconds(costs: &Costs, fraction: f64) -> f64 {
    (costs.fresh + costs.migrate * SUPERLINEAR_MARGIN) * fraction
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(remaining_seconds: f64) -> Position {
        Position {
            remaining_seconds,
            top: 0.0002,
            seeded: 0.0002,
            max_fraction: 1.0,
            scales_left: 4,
            ratio: 2.0,
            repeats: 2,
        }
    }

    // 50M rows: seeding 8 s, indexes 5 s, a clone 2 s and the statements 3 s per 1M rows.
    const COSTS: Costs = Costs {
        seed: 400.0,
        index: 250.0,
        fresh: 100.0,
        migrate: 150.0,
    };

    /// What a plan costs at these costs, with `top_runs` runs at its top.
    fn cost_of(costs: &Costs, plan: &[(f64, usize)], top_runs: usize) -> f64 {
        let top = plan.last().map_or(0.0, |p| p.0);
        costs.seed * (top - 0.0002)
            + plan
                .iter()
                .enumerate()
                .map(|(i, (f, _))| {
                    let runs = if i + 1 == plan.len() { top_runs } else { 1 };
                    costs.index * SUPERLINEAR_MARGIN * f + run_seconds(costs, *f) * runs as f64
                })
                .sum::<f64>()
    }

    #[test]
    fn the_plan_spends_the_budget_on_the_top_and_repeats_it_where_that_is_cheap() {
        let plan = rest(&COSTS, &position(100.0));
        assert_eq!(plan.len(), 4);
        assert_eq!(plan.last().map(|p| p.1), Some(2));
        assert!(plan[..3].iter().all(|p| p.1 == 1));
        assert!(plan
            .windows(2)
            .all(|w| (w[1].0 / w[0].0 - 2.0).abs() < 1e-9));
        // Here a repeat costs a fifth of the ladder: planned without it, run if time is left.
        let total = cost_of(&COSTS, &plan, 1);
        assert!((total - 90.0).abs() < 1.0, "{total}");
        let cheap = Costs {
            fresh: 5.0,
            migrate: 5.0,
            ..COSTS
        };
        let plan = rest(&cheap, &position(100.0));
        let total = cost_of(&cheap, &plan, 2);
        assert!((total - 90.0).abs() < 1.0, "{total}");
    }

    #[test]
    fn a_short_budget_plans_fewer_scales_and_none_at_all_below_the_next_step() {
        let mut at = position(100.0);
        at.top = 0.02;
        at.seeded = 0.02;
        let plan = rest(&COSTS, &at);
        assert!(!plan.is_empty() && plan.len() < 4, "{plan:?}");
        assert!(plan[0].0 >= at.top * MIN_STEP);
        assert!(rest(&COSTS, &position(0.01)).is_empty());
    }

    #[test]
    fn the_plan_stops_at_production_size() {
        let plan = rest(&COSTS, &position(1e6));
        assert_eq!(plan.last().map(|p| p.0), Some(1.0));
        let mut at = position(1e6);
        at.top = 1.0;
        assert!(rest(&COSTS, &at).is_empty());
    }

    #[test]
    fn the_online_route_keeps_to_its_share_and_gives_back_what_it_leaves() {
        // A 2-minute budget: the online route may take 36 s.
        assert!(online_pass_fits(120.0, 0.0, 0.0));
        assert!(online_pass_fits(120.0, 10.0, 20.0));
        assert!(!online_pass_fits(120.0, 10.0, 25.0));
        // While it runs, the native ladder leaves room for the rest of that share...
        assert_eq!(native_remaining(120.0, 50.0, 10.0, true), 44.0);
        // ...and once it has stopped (or spent its share), has all the rest.
        assert_eq!(native_remaining(120.0, 50.0, 10.0, false), 70.0);
        assert_eq!(native_remaining(120.0, 50.0, 40.0, true), 70.0);
    }

    #[test]
    fn an_online_pass_is_priced_by_the_line_through_the_last_two() {
        assert_eq!(online_pass_seconds(&[], 0.1), 0.0);
        assert_eq!(online_pass_seconds(&[(0.01, 2.0)], 0.04), 8.0);
        // 2 s of fixed cost and 100 s per unit of fraction: not 4x the last pass.
        let passes = [(0.01, 3.0), (0.02, 4.0)];
        assert!((online_pass_seconds(&passes, 0.08) - 10.0).abs() < 1e-9);
        // A pass faster than the one before it is not priced below the last.
        assert_eq!(online_pass_seconds(&[(0.01, 5.0), (0.02, 4.0)], 0.08), 4.0);
    }
}
