//! GPU kernels: each has one WGSL file in `shaders/` and one module here holding its
//! `#[repr(C)]` parameter struct, its CPU port and its pipeline.
//!
//! WGSL has no includes: every kernel's source is `shaders/rng.wgsl` (64-bit pairs,
//! SplitMix64, PCG32) followed by the kernel's own file. The walk kernel takes
//! `shaders/rng64.wgsl` instead on devices with native 64-bit integers: the same
//! generator, several times cheaper (docs/PERFORMANCE.md).

pub mod rng_probe;
pub mod walk;

/// Shared WGSL prepended to every kernel.
pub const RNG_WGSL: &str = include_str!("../../shaders/rng.wgsl");

/// The generator on native 64-bit integers (needs wgpu's `SHADER_INT64`).
pub const RNG64_WGSL: &str = include_str!("../../shaders/rng64.wgsl");

/// Full source of the walk kernel, with the 64-bit-integer generator or the pairs one.
pub fn walk_source(int64: bool) -> String {
    let rng = if int64 { RNG64_WGSL } else { RNG_WGSL };
    format!("{rng}\n{}", include_str!("../../shaders/walk.wgsl"))
}

/// Full source of the PCG32 probe kernel.
pub fn rng_probe_source() -> String {
    format!(
        "{RNG_WGSL}\n{}",
        include_str!("../../shaders/rng_probe.wgsl")
    )
}
