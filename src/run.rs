//! A run: every point of a plan through one engine, into [`RunResults`].
//!
//! With an output directory, each point is written to `points/point-NNN.json` as soon as
//! it finishes (atomically, with the hash of its scenario), so an interrupted sweep keeps
//! its finished points and `--resume` continues it; `results.json` is written last.

use crate::engine::Engine;
use crate::error::Error;
use exciton_core::backend::BackendKind;
use exciton_core::error::Error as CoreError;
use exciton_core::observables::Estimate;
use exciton_core::progress::Progress;
use exciton_core::results::{point_file, write_atomic, PointResult, RunResults};
use exciton_core::scenario::Scenario;
use exciton_core::sweep::{Plan, SweepPoint};
use std::path::Path;

/// One finished point as stored under `points/`.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredPoint {
    hash: String,
    result: PointResult,
}

fn point_result(p: &SweepPoint, estimate: &Estimate) -> PointResult {
    PointResult::new(&p.scenario, p.parameters.clone(), estimate)
}

/// Runs `points` (on the GPU in groups that share dispatches) and hands each finished
/// point to `done`, in order.
fn run_points(
    points: &[&SweepPoint],
    engine: &Engine,
    progress: &Progress,
    mut done: impl FnMut(&SweepPoint, PointResult) -> Result<(), Error>,
) -> Result<(), Error> {
    let asked: Vec<(&Scenario, u64)> = points.iter().map(|p| (&p.scenario, p.index)).collect();
    engine.estimates_each(&asked, progress, |i, estimate| {
        done(points[i], point_result(points[i], &estimate))
    })
}

fn results(plan: &Plan, engine: &Engine, points: Vec<PointResult>) -> RunResults {
    RunResults {
        scenario: plan.name.clone(),
        scenario_file: plan.file.display().to_string(),
        backend: engine.kind().name().into(),
        device: engine.device(),
        exciton_mc_version: env!("CARGO_PKG_VERSION").into(),
        displacement: "x only (y not pooled), integer sites relative to each walker's start".into(),
        sweep_mode: plan.mode,
        figures: plan.figures.clone(),
        units: plan.points.first().map(|p| p.scenario.units),
        scenario_json: Some(plan.source.clone()),
        points,
    }
}

/// Runs every point of `plan` in memory.
pub fn run(plan: &Plan, engine: &Engine, progress: &Progress) -> Result<RunResults, Error> {
    let all: Vec<&SweepPoint> = plan.points.iter().collect();
    let mut points = Vec::with_capacity(all.len());
    run_points(&all, engine, progress, |_, r| {
        points.push(r);
        Ok(())
    })?;
    Ok(results(plan, engine, points))
}

/// Runs every point of `plan`, storing each under `dir/points/` as it finishes. With
/// `resume`, points already stored with the same hash are taken as they are, and a
/// stored point whose scenario changed is an error.
pub fn run_into(
    plan: &Plan,
    engine: &Engine,
    progress: &Progress,
    dir: &Path,
    resume: bool,
) -> Result<RunResults, Error> {
    let points_dir = dir.join("points");
    std::fs::create_dir_all(&points_dir)
        .map_err(|e| CoreError::io(format!("cannot create {}", points_dir.display()), e))?;
    let exact = matches!(engine, Engine::Exact);
    let total = plan.points.len();
    let path_of = |p: &SweepPoint| points_dir.join(point_file(p.index as usize, total, "json"));
    let mut stored: Vec<Option<PointResult>> = Vec::with_capacity(plan.points.len());
    for p in &plan.points {
        let path = path_of(p);
        if !(resume && path.exists()) {
            stored.push(None);
            continue;
        }
        let hash = p.hash(exact);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| CoreError::io(format!("cannot read {}", path.display()), e))?;
        let point: StoredPoint = serde_json::from_str(&text).map_err(|e| CoreError::Resume {
            file: path.clone(),
            reason: format!("not a stored point ({e})"),
        })?;
        if point.hash != hash {
            return Err(CoreError::Resume {
                file: path,
                reason: format!(
                    "was computed from another scenario, walker count, seed or backend (hash {} here, {hash} now); use a new --out, or --force to start over",
                    point.hash
                ),
            }
            .into());
        }
        progress.advance(p.scenario.walkers);
        stored.push(Some(point.result));
    }
    let pending: Vec<&SweepPoint> = plan
        .points
        .iter()
        .zip(&stored)
        .filter(|(_, s)| s.is_none())
        .map(|(p, _)| p)
        .collect();
    let mut finished = stored.iter().filter(|s| s.is_some()).count();
    let mut fresh = Vec::with_capacity(pending.len());
    run_points(&pending, engine, progress, |p, result| {
        let point = StoredPoint {
            hash: p.hash(exact),
            result,
        };
        let json = serde_json::to_vec(&point).expect("a point serialises to JSON");
        write_atomic(&path_of(p), &json)?;
        finished += 1;
        fresh.push(point.result);
        Ok(())
    })
    .map_err(|e| match e {
        Error::Core(CoreError::Interrupted) => CoreError::InterruptedSweep {
            finished,
            total: plan.points.len(),
            dir: dir.to_path_buf(),
        }
        .into(),
        e => e,
    })?;
    let mut fresh = fresh.into_iter();
    let done = stored
        .into_iter()
        .map(|s| s.unwrap_or_else(|| fresh.next().expect("every pending point ran")))
        .collect();
    Ok(results(plan, engine, done))
}

/// Refuses a plan whose largest point would not fit in the host memory available now.
pub fn check_memory(plan: &Plan, engine: &Engine) -> Result<(), Error> {
    let Some(available) = exciton_core::histogram::available_host_memory() else {
        return Ok(());
    };
    for p in &plan.points {
        let tables = exciton_core::model::WalkTables::new(&p.scenario);
        let layout = exciton_core::model::layout_for(&p.scenario, &tables);
        let blocks = exciton_core::observables::block_ranges(p.scenario.walkers).len() as u64;
        let m = layout.memory(engine.threads(), blocks);
        let (needed, what, hint) = match engine.kind() {
            BackendKind::Cpu => (
                m.host_cpu_backend,
                "a u32 copy per thread and u64 totals",
                "reduce frames or histogram.max_dx_sites, or use fewer --threads",
            ),
            BackendKind::Exact => continue,
            _ => (
                m.host_gpu_backend,
                "the read-back batch and u64 totals",
                "reduce frames or histogram.max_dx_sites",
            ),
        };
        if needed > available {
            return Err(CoreError::Memory {
                point: p.index,
                needed,
                available,
                frames: layout.frames,
                states: layout.states,
                bins: layout.row_width() as u32,
                what,
                hint,
            }
            .into());
        }
    }
    Ok(())
}
