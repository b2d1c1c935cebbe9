//! One integration-test binary (keeps link time low); a module per area.

#[path = "it/cli.rs"]
mod cli;
#[path = "it/common.rs"]
mod common;
#[path = "it/continuous_time.rs"]
mod continuous_time;
#[path = "it/estimators.rs"]
mod estimators;
#[path = "it/everyday.rs"]
mod everyday;
#[path = "it/exact.rs"]
mod exact;
#[path = "it/fitting.rs"]
mod fitting;
#[cfg(feature = "gpu")]
#[path = "it/gpu.rs"]
mod gpu;
#[path = "it/honest.rs"]
mod honest;
#[path = "it/landscape.rs"]
mod landscape;
#[path = "it/mc_vs_exact.rs"]
mod mc_vs_exact;
#[path = "it/microscope.rs"]
mod microscope;
#[path = "it/outputs.rs"]
mod outputs;
#[path = "it/paper_claims.rs"]
mod paper_claims;
#[path = "it/reproducibility.rs"]
mod reproducibility;
#[path = "it/rng.rs"]
mod rng;
#[path = "it/robustness.rs"]
mod robustness;
#[path = "it/scenario_errors.rs"]
mod scenario_errors;
#[path = "it/shaders.rs"]
mod shaders;
#[path = "it/shards.rs"]
mod shards;
#[path = "it/slurm.rs"]
mod slurm;
#[path = "it/sweep.rs"]
mod sweep;
#[path = "it/temperature.rs"]
mod temperature;
