//! What a run will cost in time, said before it starts: the chosen engine is timed on a
//! share of a few of its points large enough to keep it busy (after a warm-up), which
//! gives a cost per walker-frame and a fixed cost per point, scaled to the run.

use exciton::engine::Engine;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::Plan;
use std::time::{Duration, Instant};

/// Runs below this many walker-frames take seconds: `run` does not time them first.
pub(crate) const WORTH_TIMING: f64 = 2e10;
/// Walkers that keep a GPU busy enough to time.
const GPU_WALKERS: u64 = 1 << 18;
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

/// One point's cost on `engine`: per walker-frame, fixed per point, and the walkers it
/// was timed on. The walk (its histograms only) is timed on enough walkers to keep the
/// whole engine busy (two CPU blocks of 16,384 per thread; 2^18 on a GPU), after a
/// warm-up; a whole point's estimate on as many, minus its walk, is the fixed cost
/// (reduction, estimators). Smaller runs than that are not worth estimating.
fn point_cost(engine: &Engine, scenario: &Scenario) -> Option<(f64, f64, u64)> {
    let busy = match engine.kind() {
        exciton_core::backend::BackendKind::Cpu => {
            2 * exciton_core::cpu::BLOCK * engine.threads() as u64
        }
        _ => GPU_WALKERS,
    };
    let mut s = scenario.clone();
    s.walkers = busy.min(scenario.walkers);
    let time = |s: &Scenario| -> Option<f64> {
        let start = Instant::now();
        engine.point_histograms(s, 0, &Progress::default()).ok()?;
        Some(start.elapsed().as_secs_f64())
    };
    let mut warm = s.clone();
    warm.walkers = (s.walkers / 4).max(1);
    time(&warm)?;
    let walk = time(&s)?;
    let start = Instant::now();
    engine.estimate(&s, 0, &Progress::default()).ok()?;
    let fixed = (start.elapsed().as_secs_f64() - walk).max(0.0);
    let per_walker_frame = walk / (s.walkers as f64 * f64::from(scenario.frames));
    Some((per_walker_frame, fixed, s.walkers))
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
