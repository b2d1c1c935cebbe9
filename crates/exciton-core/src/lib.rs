//! exciton-core: the model of exciton diffusion on a nanocrystal lattice and everything
//! that runs it without a GPU: scenarios, thresholds, the PCG streams, the walk kernel's
//! WGSL with its CPU port, histograms, observables, the exact recursion and result files.
//!
//! Data path: scenario JSON ([`scenario`], [`sweep`]) -> integer thresholds ([`model`])
//! -> walkers ([`kernels::walk`], run by [`cpu`] here or by `exciton-gpu`) -> histograms
//! ([`histogram`]) -> curves and scalars ([`observables`], or [`exact`] directly) ->
//! files ([`results`]). No wgpu, clap or plotters here: this crate builds anywhere.

pub mod backend;
pub mod checkpoint;
pub mod cpu;
pub mod error;
pub mod exact;
pub mod histogram;
pub mod kernels;
pub mod landscape;
pub mod lsq;
pub mod microscope;
pub mod model;
pub mod observables;
pub mod progress;
pub mod results;
pub mod rng;
pub mod scenario;
pub mod shard;
pub mod sweep;
pub mod temperature;
