//! A run: every point of a scenario through one backend, into [`RunResults`].

use crate::backend::{run_curves, BackendKind, Progress};
use crate::error::Error;
use crate::observables::summarise;
use crate::output::{PointResult, RunResults};
use crate::scenario::Scenario;

/// How to run, as resolved from the command line.
#[derive(Clone, Debug)]
pub struct RunPlan {
    pub backend: BackendKind,
    pub threads: usize,
}

impl RunPlan {
    /// Words naming the device, for results and the summary.
    pub fn device(&self) -> String {
        match self.backend {
            BackendKind::Exact => "exact moment recursion".into(),
            BackendKind::Cpu => format!("cpu, {} threads", self.threads),
            BackendKind::Gpu | BackendKind::Auto => "gpu".into(),
        }
    }
}

/// Runs every point of `scenario` (one, until sweeps) and gathers the results.
pub fn run(scenario: &Scenario, plan: &RunPlan, progress: &Progress) -> Result<RunResults, Error> {
    let curves = run_curves(plan.backend, scenario, 0, plan.threads, progress)?;
    let summary = summarise(&curves, scenario.dt_ps, scenario.pitch_nm);
    let point = PointResult::new(scenario, Default::default(), &curves, summary);
    Ok(RunResults {
        scenario: scenario.name.clone(),
        scenario_file: scenario.file.display().to_string(),
        backend: plan.backend.name().into(),
        device: plan.device(),
        exciton_mc_version: env!("CARGO_PKG_VERSION"),
        displacement: "x only (y not pooled), integer sites relative to each walker's start",
        points: vec![point],
    })
}
