//! exciton-mc's integration tests of the library and the command: one test binary (keeps
//! link time low), a module per area. Tests of the model alone (shaders, generator,
//! exact backend, scenario errors) are exciton-core's, in crates/exciton-core/tests.

mod analyze;
mod cli;
mod common;
mod continuous_time;
mod estimators;
mod everyday;
mod first_hour;
mod fit_disorder;
mod fit_instrument;
mod fit_verdict;
mod fitting;
#[cfg(feature = "gpu")]
mod gpu;
#[cfg(feature = "gpu")]
mod gpu_blocks;
mod honest;
mod landscape;
mod master_equation;
mod mc_vs_exact;
mod mechanisms;
mod microscope;
mod outputs;
mod paper_claims;
mod readers;
mod reproducibility;
mod robustness;
mod shards;
mod slurm;
mod sweep;
mod temperature;
