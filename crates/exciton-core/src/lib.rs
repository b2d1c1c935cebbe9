//! exciton-core: the model of exciton diffusion on a nanocrystal lattice and everything
//! that runs it without a GPU: scenarios, thresholds, the PCG streams, the kernels' WGSL
//! with their CPU ports, histograms, observables, the exact recursion and the virtual
//! microscope.
//!
//! Data path: scenario JSON ([`scenario`], [`sweep`]) -> integer thresholds ([`tables`],
//! [`model`]) -> walkers ([`kernels::walk`], run by [`cpu`] here or by `exciton-gpu`) ->
//! histograms ([`histogram`]) -> curves and scalars ([`observables`], or [`exact`]
//! directly) -> what the instrument sees ([`microscope`]). Files are `exciton-io`'s. No
//! wgpu, clap, plotters or Parquet here: this crate builds anywhere, fast.

#![warn(unreachable_pub, missing_docs)]

pub mod backend;
pub mod cpu;
pub mod error;
pub mod exact;
pub mod histogram;
pub mod kernels;
pub mod lsq;
pub mod microscope;
pub mod model;
pub mod observables;
pub mod progress;
pub mod scenario;
pub mod sweep;
pub mod tables;
pub mod temperature;
pub mod traps;
