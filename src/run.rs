//! A run: every point of a scenario through one backend, into [`RunResults`].

use crate::backend::{Engine, Progress};
use crate::error::Error;
use crate::observables::summarise;
use crate::output::{PointResult, RunResults};
use crate::scenario::Scenario;

/// Runs every point of `scenario` (one, until sweeps) and gathers the results.
pub fn run(scenario: &Scenario, engine: &Engine, progress: &Progress) -> Result<RunResults, Error> {
    let curves = engine.curves(scenario, 0, progress)?;
    let summary = summarise(&curves, scenario.dt_ps, scenario.pitch_nm);
    let point = PointResult::new(scenario, Default::default(), &curves, summary);
    Ok(RunResults {
        scenario: scenario.name.clone(),
        scenario_file: scenario.file.display().to_string(),
        backend: engine.kind().name().into(),
        device: engine.device(),
        exciton_mc_version: env!("CARGO_PKG_VERSION"),
        displacement: "x only (y not pooled), integer sites relative to each walker's start",
        points: vec![point],
    })
}
