//! `exciton-mc bench`: standard workloads timed per backend, in walker-frames per second.
//!
//! Nominal walker-frames = walkers x frames; alive walker-frames = frames a walker was
//! alive, which is exactly the total of the occupancy histograms (one count per alive
//! walker per frame). Wall time runs from the first dispatch to the histograms on the
//! host (the reduction to observables is timed apart).

use crate::engine::Engine;
use crate::error::Error;
use exciton_core::backend::BackendKind;
use exciton_core::model::WalkTables;
use exciton_core::observables::curves_from_histograms;
use exciton_core::progress::{PhaseSeconds, Progress};
use exciton_core::scenario::Scenario;
use std::time::Instant;

/// One timed workload on one backend.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchRow {
    pub workload: String,
    pub backend: String,
    pub device: String,
    /// The GPU kernel's generator ("u64" or "u32 pairs"); empty off the GPU.
    pub generator: String,
    /// Sweep points in the workload, and walkers in all of them.
    pub points: usize,
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
    /// Where the best repeat's time went on the GPU (absent for other backends).
    pub phases: Option<PhaseSeconds>,
}

/// Least wall time of the warm-up before a workload is timed.
const WARM_UP_S: f64 = 0.25;

/// Runs `work` `repeats` times (at least once): the wall time of each, and the last result.
fn timed<T>(
    repeats: u32,
    mut work: impl FnMut() -> Result<T, Error>,
) -> Result<(Vec<f64>, T), Error> {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let out = work()?;
        times.push(start.elapsed().as_secs_f64());
        // The previous repeat's result is freed outside the timed region.
        last = Some(out);
    }
    Ok((times, last.expect("at least one repeat")))
}

/// Times a sweep's points (point i has index i) on `engine`, all in one call as a run
/// would make it (on the GPU the points share dispatches): warm-up runs of the first
/// point at 2^16 walkers, then `repeats` timed runs of all of them.
pub fn time_points(
    workload: &str,
    scenarios: &[Scenario],
    engine: &Engine,
    repeats: u32,
) -> Result<BenchRow, Error> {
    let progress = Progress::default();
    if let Engine::Exact = engine {
        return time_exact(workload, scenarios, engine, repeats);
    }
    // Warm-up for a quarter of a second at least, so that a GPU left idle while other
    // rows ran is busy again before a 10 ms workload is timed. It did not fully explain
    // the trap-model row of the standard set (docs/PERFORMANCE.md).
    let mut warm = scenarios[0].clone();
    warm.walkers = warm.walkers.min(1 << 16);
    let start = Instant::now();
    while start.elapsed().as_secs_f64() < WARM_UP_S {
        engine.point_histograms(&warm, 0, &progress)?;
    }
    let asked: Vec<(&Scenario, u64)> = scenarios.iter().zip(0..).collect();
    let mut phases = Vec::new();
    let (times, hists) = timed(repeats, || {
        let progress = Progress::default();
        let h = engine.points_histograms(&asked, &progress)?;
        phases.push(progress.phases.seconds());
        Ok(h)
    })?;
    let best = (0..times.len())
        .min_by(|&a, &b| times[a].total_cmp(&times[b]))
        .expect("at least one repeat");
    let phases = (engine.kind() == BackendKind::Gpu).then_some(phases[best]);
    let start = Instant::now();
    for (h, s) in hists.iter().zip(scenarios) {
        let _ = curves_from_histograms(
            h,
            s.walkers,
            &exciton_core::observables::readout(&WalkTables::new(s), s.dt_ps),
        );
    }
    let reduction_s = start.elapsed().as_secs_f64();
    let alive = hists.iter().map(|h| h.alive_walker_frames() as f64).sum();
    let bytes = hists.iter().map(|h| h.layout.device_bytes()).sum();
    Ok(BenchRow {
        phases,
        ..row(
            workload,
            scenarios,
            engine,
            repeats,
            times,
            alive,
            bytes,
            reduction_s,
        )
    })
}

/// The exact backend has no histograms: it is timed on its curves and summaries, and
/// its "alive walker-frames" are the expected ones (populations times walkers).
fn time_exact(
    workload: &str,
    scenarios: &[Scenario],
    engine: &Engine,
    repeats: u32,
) -> Result<BenchRow, Error> {
    let progress = Progress::default();
    let (times, curves) = timed(repeats, || {
        scenarios
            .iter()
            .zip(0..)
            .map(|(s, i)| Ok(engine.estimate(s, i, &progress)?.curves))
            .collect::<Result<Vec<_>, Error>>()
    })?;
    let alive = curves
        .iter()
        .zip(scenarios)
        .map(|(c, s)| c.populations.iter().flatten().sum::<f64>() * s.walkers as f64)
        .sum();
    Ok(row(
        workload, scenarios, engine, repeats, times, alive, 0, 0.0,
    ))
}

#[allow(clippy::too_many_arguments)]
fn row(
    workload: &str,
    scenarios: &[Scenario],
    engine: &Engine,
    repeats: u32,
    mut times: Vec<f64>,
    alive: f64,
    histogram_bytes: u64,
    reduction_s: f64,
) -> BenchRow {
    times.sort_by(f64::total_cmp);
    let best = times[0];
    let walkers: u64 = scenarios.iter().map(|s| s.walkers).sum();
    let nominal: f64 = scenarios
        .iter()
        .map(|s| s.walkers as f64 * f64::from(s.frames))
        .sum();
    BenchRow {
        workload: workload.into(),
        backend: engine.kind().name().into(),
        device: engine.device(),
        generator: engine.generator().into(),
        points: scenarios.len(),
        walkers,
        frames: scenarios.iter().map(|s| s.frames).max().unwrap_or(0),
        repeats: repeats.max(1),
        best_s: best,
        median_s: times[times.len() / 2],
        walker_frames_per_s: nominal / best,
        alive_walker_frames_per_s: alive / best,
        histogram_bytes,
        reduction_s,
        phases: None,
    }
}

/// The table printed by `exciton-mc bench`.
pub fn table(rows: &[BenchRow]) -> String {
    let w = rows.iter().map(|r| r.workload.len()).fold(22, usize::max);
    let mut s = format!(
        "{:<w$} {:<6} {:>6} {:>10} {:>6} {:>9} {:>12} {:>12} {:>10} {:>9} {:>9} {:>9}\n",
        "workload",
        "backend",
        "points",
        "walkers",
        "frames",
        "best s",
        "wf/s",
        "alive wf/s",
        "hist MiB",
        "reduce s",
        "kernel s",
        "rd+add s"
    );
    for r in rows {
        let (kernel, read) = match r.phases {
            Some(p) => (
                format!("{:.3}", p.kernel_s),
                format!("{:.3}", p.read_back_s + p.host_add_s),
            ),
            None => ("-".into(), "-".into()),
        };
        s += &format!(
            "{:<w$} {:<6} {:>6} {:>10} {:>6} {:>9.3} {:>12.3e} {:>12.3e} {:>10.2} {:>9.4} {:>9} {:>9}\n",
            r.workload,
            r.backend,
            r.points,
            r.walkers,
            r.frames,
            r.best_s,
            r.walker_frames_per_s,
            r.alive_walker_frames_per_s,
            r.histogram_bytes as f64 / (1 << 20) as f64,
            r.reduction_s,
            kernel,
            read
        );
    }
    s
}
