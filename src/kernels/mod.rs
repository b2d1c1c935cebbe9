//! GPU kernels: each has one WGSL file in `shaders/` and one module here holding its
//! `#[repr(C)]` parameter struct, its CPU port and (with the GPU backend) its pipeline.

pub mod walk;
