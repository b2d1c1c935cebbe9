//! What a run will cost in time, said before it starts: the chosen engine is timed on
//! two small shares of the first point (after a warm-up), which give a cost per walker
//! and a fixed cost per point, scaled to the run.

use exciton::engine::Engine;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::Plan;
use std::time::{Duration, Instant};

/// The first timing grows its walkers until it takes this long.
const TRUSTED: Duration = Duration::from_millis(40);
/// Runs below this many walker-frames take seconds: `run` does not time them first.
pub(crate) const WORTH_TIMING: f64 = 2e10;
/// Walkers the calibration starts with, and the most it uses.
const FIRST_WALKERS: u64 = 4096;
const MOST_WALKERS: u64 = 1 << 20;
/// A run estimated beyond this asks for `--yes` at a terminal.
pub(crate) const ASK_ABOVE: Duration = Duration::from_secs(3600);

/// The estimated wall time of `walkers` walkers over the plan (the shard's), with what
/// it was calibrated on; `None` where a calibration would itself be long (the master
/// equation) or fails (the run will say why).
pub(crate) fn estimate(plan: &Plan, engine: &Engine, walkers: u64) -> Option<(Duration, String)> {
    let first = &plan.points[0].scenario;
    if matches!(engine, Engine::Exact) {
        if first.landscape.is_some() {
            return None;
        }
        // The moment recursion costs the same whatever the walkers: one point's time.
        let start = Instant::now();
        engine.estimate(first, 0, &Progress::default()).ok()?;
        let each = start.elapsed();
        let points = plan.points.len() as u32;
        return Some((
            each * points,
            format!("{:.1} ms per point", each.as_secs_f64() * 1e3),
        ));
    }
    // A sweep's points differ in cost (a warm point's excitons live and hop longer):
    // the first, middle and last are timed, and their mean stands for all.
    let n = plan.points.len();
    let mut picks = vec![0, n / 2, n - 1];
    picks.dedup();
    let timed: Vec<(f64, f64, u64)> = picks
        .iter()
        .map(|&i| point_cost(engine, &plan.points[i].scenario))
        .collect::<Option<_>>()?;
    let k = timed.len() as f64;
    let per_walker_frame = timed.iter().map(|t| t.0).sum::<f64>() / k;
    let fixed = timed.iter().map(|t| t.1).sum::<f64>() / k;
    let frames = plan
        .points
        .iter()
        .map(|p| f64::from(p.scenario.frames))
        .sum::<f64>()
        / n as f64;
    let seconds = n as f64 * fixed + walkers as f64 * frames * per_walker_frame;
    let sizes: Vec<String> = timed.iter().map(|t| t.2.to_string()).collect();
    let what = format!(
        "{:.2e} walker-frames/s and {:.0} ms per point, timed on up to {} walkers of {} point{}",
        1.0 / per_walker_frame.max(1e-18),
        fixed * 1e3,
        sizes.join("/"),
        picks.len(),
        if picks.len() == 1 { "" } else { "s" }
    );
    Some((Duration::from_secs_f64(seconds.min(1e12)), what))
}

/// One point's cost on `engine`: per walker-frame, fixed per point, and the walkers of
/// the larger timing. The walk at two sizes (its histograms only, the first grown until
/// it takes [`TRUSTED`], the second 4x) gives the walkers' marginal cost; a whole
/// point's estimate at the larger size minus its walk, the fixed cost (reduction,
/// estimators, which grow with a run's walker blocks).
fn point_cost(engine: &Engine, scenario: &Scenario) -> Option<(f64, f64, u64)> {
    let mut s = scenario.clone();
    let most = MOST_WALKERS.min(scenario.walkers);
    s.walkers = FIRST_WALKERS.min(scenario.walkers);
    let time = |s: &Scenario| -> Option<f64> {
        let start = Instant::now();
        engine.point_histograms(s, 0, &Progress::default()).ok()?;
        Some(start.elapsed().as_secs_f64())
    };
    time(&s)?;
    let (mut n0, mut t0) = (s.walkers, time(&s)?);
    while n0 < most && t0 < TRUSTED.as_secs_f64() {
        n0 = (n0 * 4).min(most);
        s.walkers = n0;
        t0 = time(&s)?;
    }
    let n1 = (n0 * 4).min(most);
    s.walkers = n1;
    let t1 = if n1 > n0 { time(&s)? } else { t0 };
    let per_walker = if n1 > n0 {
        ((t1 - t0) / (n1 - n0) as f64).max(0.0)
    } else {
        t0 / n0 as f64
    };
    let start = Instant::now();
    engine.estimate(&s, 0, &Progress::default()).ok()?;
    let fixed =
        (start.elapsed().as_secs_f64() - t1).max(0.0) + (t1 - n1 as f64 * per_walker).max(0.0);
    Some((per_walker / f64::from(scenario.frames), fixed, n1))
}

/// An estimate as a person reads it: "about 45 s", "about 3.2 h", "under a second".
pub(crate) fn about(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        "under a second".into()
    } else {
        format!("about {}", human(d))
    }
}

/// A duration as a person reads it: s, min, h or days.
pub(crate) fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    match s {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3600.0),
        s if s < 3.15e7 => format!("{:.1} days", s / 86_400.0),
        _ => "over a year".into(),
    }
}
