//! `exciton-mc bench`: standard workloads timed per backend, in walker-frames per second.
//!
//! Nominal walker-frames = walkers x frames; alive walker-frames = frames a walker was
//! alive, which is exactly the total of the occupancy histograms (one count per alive
//! walker per frame). Wall time runs from the first dispatch to the histograms on the
//! host (the reduction to observables is timed apart).

use crate::backend::{Engine, Progress};
use crate::error::Error;
use crate::observables::curves_from_histograms;
use crate::scenario::Scenario;
use std::time::Instant;

/// One timed workload on one backend.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchRow {
    pub workload: String,
    pub backend: String,
    pub device: String,
    pub walkers: u64,
    pub frames: u32,
    pub repeats: u32,
    /// Best wall time over the repeats, seconds (dispatch to histograms on the host).
    pub best_s: f64,
    pub median_s: f64,
    pub walker_frames_per_s: f64,
    pub alive_walker_frames_per_s: f64,
    pub histogram_bytes: u64,
    pub reduction_s: f64,
}

/// Runs `work` `repeats` times (at least once): the wall time of each, and the last result.
fn timed<T>(
    repeats: u32,
    mut work: impl FnMut() -> Result<T, Error>,
) -> Result<(Vec<f64>, T), Error> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        last = Some(work()?);
        times.push(start.elapsed().as_secs_f64());
    }
    Ok((times, last.expect("at least one repeat")))
}

/// Times `scenario` on `engine`: one warm-up run, then `repeats` timed runs.
pub fn time_workload(
    workload: &str,
    scenario: &Scenario,
    engine: &Engine,
    repeats: u32,
) -> Result<BenchRow, Error> {
    let progress = Progress::default();
    if let Engine::Exact = engine {
        return time_exact(workload, scenario, engine, repeats);
    }
    let mut warm = scenario.clone();
    warm.walkers = scenario.walkers.min(1 << 16);
    engine.histograms(&warm, 0, &progress)?;
    let (times, h) = timed(repeats, || engine.histograms(scenario, 0, &progress))?;
    let start = Instant::now();
    let _ = curves_from_histograms(&h, scenario.walkers, &scenario.states.radiative);
    let reduction_s = start.elapsed().as_secs_f64();
    let alive = h.alive_walker_frames() as f64;
    let bytes = h.layout.device_bytes();
    Ok(row(
        workload,
        scenario,
        engine,
        repeats,
        times,
        alive,
        bytes,
        reduction_s,
    ))
}

/// The exact backend has no histograms: it is timed on its curves, and its "alive
/// walker-frames" are the expected ones (populations times walkers).
fn time_exact(
    workload: &str,
    scenario: &Scenario,
    engine: &Engine,
    repeats: u32,
) -> Result<BenchRow, Error> {
    let progress = Progress::default();
    let (times, c) = timed(repeats, || engine.curves(scenario, 0, &progress))?;
    let alive: f64 = c.populations.iter().flatten().sum::<f64>() * scenario.walkers as f64;
    Ok(row(
        workload, scenario, engine, repeats, times, alive, 0, 0.0,
    ))
}

#[allow(clippy::too_many_arguments)]
fn row(
    workload: &str,
    scenario: &Scenario,
    engine: &Engine,
    repeats: u32,
    mut times: Vec<f64>,
    alive: f64,
    histogram_bytes: u64,
    reduction_s: f64,
) -> BenchRow {
    times.sort_by(f64::total_cmp);
    let best = times[0];
    let nominal = scenario.walkers as f64 * f64::from(scenario.frames);
    BenchRow {
        workload: workload.into(),
        backend: engine.kind().name().into(),
        device: engine.device(),
        walkers: scenario.walkers,
        frames: scenario.frames,
        repeats: repeats.max(1),
        best_s: best,
        median_s: times[times.len() / 2],
        walker_frames_per_s: nominal / best,
        alive_walker_frames_per_s: alive / best,
        histogram_bytes,
        reduction_s,
    }
}

/// The table printed by `exciton-mc bench`.
pub fn table(rows: &[BenchRow]) -> String {
    let mut s = format!(
        "{:<22} {:<6} {:>10} {:>6} {:>9} {:>12} {:>12} {:>10} {:>9}\n",
        "workload",
        "backend",
        "walkers",
        "frames",
        "best s",
        "wf/s",
        "alive wf/s",
        "hist MiB",
        "reduce s"
    );
    for r in rows {
        s += &format!(
            "{:<22} {:<6} {:>10} {:>6} {:>9.3} {:>12.3e} {:>12.3e} {:>10.2} {:>9.4}\n",
            r.workload,
            r.backend,
            r.walkers,
            r.frames,
            r.best_s,
            r.walker_frames_per_s,
            r.alive_walker_frames_per_s,
            r.histogram_bytes as f64 / (1 << 20) as f64,
            r.reduction_s
        );
    }
    s
}
