//! GPU kernels: each has one WGSL file in `shaders/` and one module here holding its
//! `#[repr(C)]` parameter struct, its CPU port and its pipeline.
//!
//! WGSL has no includes: every kernel's source is `shaders/rng.wgsl` (64-bit pairs,
//! SplitMix64, PCG32) followed by the kernel's own file.

pub mod rng_probe;
pub mod walk;

/// Shared WGSL prepended to every kernel.
pub const RNG_WGSL: &str = include_str!("../../shaders/rng.wgsl");

/// Full source of the walk kernel.
pub fn walk_source() -> String {
    format!("{RNG_WGSL}\n{}", include_str!("../../shaders/walk.wgsl"))
}

/// Full source of the PCG32 probe kernel.
pub fn rng_probe_source() -> String {
    format!(
        "{RNG_WGSL}\n{}",
        include_str!("../../shaders/rng_probe.wgsl")
    )
}
