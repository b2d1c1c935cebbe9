//! exciton-mc: Monte Carlo of exciton diffusion on nanocrystal lattices.
//!
//! Data path: scenario JSON ([`scenario`]) -> integer thresholds ([`model`]) -> walkers
//! ([`kernels::walk`] via a [`backend`]) -> histograms ([`histogram`]) -> curves and
//! scalars ([`observables`]) -> files ([`output`]). [`run`] ties one run together.

pub mod backend;
pub mod bench;
pub mod error;
pub mod figures;
pub mod gpu;
pub mod histogram;
pub mod kernels;
pub mod model;
pub mod observables;
pub mod output;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod sweep;
pub mod temperature;
