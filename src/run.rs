//! A run: every point of a scenario through one backend, into [`RunResults`].

use crate::backend::{Engine, Progress};
use crate::error::Error;
use crate::observables::summarise;
use crate::output::{PointResult, RunResults};
use crate::sweep::Plan;

/// Runs every point of `plan` and gathers the results.
pub fn run(plan: &Plan, engine: &Engine, progress: &Progress) -> Result<RunResults, Error> {
    let mut points = Vec::with_capacity(plan.points.len());
    for p in &plan.points {
        let curves = engine.curves(&p.scenario, p.index, progress)?;
        let summary = summarise(&curves, p.scenario.dt_ps, p.scenario.pitch_nm);
        points.push(PointResult::new(
            &p.scenario,
            p.parameters.clone(),
            &curves,
            summary,
        ));
    }
    Ok(RunResults {
        scenario: plan.name.clone(),
        scenario_file: plan.file.display().to_string(),
        backend: engine.kind().name().into(),
        device: engine.device(),
        exciton_mc_version: env!("CARGO_PKG_VERSION").into(),
        displacement: "x only (y not pooled), integer sites relative to each walker's start".into(),
        figures: plan.figures.clone(),
        sweep_mode: plan.mode,
        points,
    })
}
