//! exciton-gpu: the walk on a GPU through wgpu.
//!
//! [`context`] opens a device and owns every wgpu call that is not a kernel's own;
//! [`walk`] and [`rng_probe`] are the kernels' pipelines (their WGSL, parameter structs
//! and CPU ports live in `exciton_core::kernels`); [`plan`] decides, without a device,
//! how points are grouped and packed into dispatches; [`driver`] carries a plan out and
//! adds the read-backs into 64-bit totals; [`GpuEngine`] is what a run holds.

pub mod context;
pub mod driver;
pub mod engine;
pub mod plan;
pub mod rng_probe;
pub mod walk;

pub use context::{AdapterSummary, GpuContext, GpuError, GpuOptions, ShaderChecks};
pub use engine::GpuEngine;
