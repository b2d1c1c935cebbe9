//! exciton-gpu: the walk on a GPU through wgpu.
//!
//! [`context`] opens a device and owns every wgpu call that is not a kernel's own;
//! [`walk`], [`block_sums`] and [`rng_probe`] are the kernels' pipelines (their WGSL,
//! parameter structs and CPU ports live in `exciton_core::kernels`); [`plan`] decides,
//! without a device, how points are grouped and packed into dispatches; [`driver`]
//! carries a plan out for whole histograms and adds the read-backs into 64-bit totals,
//! [`blocks`] for walker blocks, reading back each block's sums; [`GpuEngine`] is what a
//! run holds.

pub mod block_sums;
pub mod blocks;
pub mod context;
pub mod driver;
pub mod engine;
pub mod plan;
pub mod rng_probe;
pub mod walk;

pub use blocks::PointBlocks;
pub use context::{AdapterSummary, GpuContext, GpuError, GpuOptions, ShaderChecks};
pub use engine::{BlockJob, GpuEngine};
