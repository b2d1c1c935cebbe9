//! GPU kernels without the GPU: each has one WGSL file in `shaders/` and one module here
//! holding its `#[repr(C)]` parameter struct, the constants it shares with Rust, and its
//! CPU port. Their wgpu pipelines live in `exciton-gpu` under the same names.
//!
//! WGSL has no includes: a kernel's source is a prelude of constants written from the
//! Rust values (one source for both languages), then `shaders/rng.wgsl` (64-bit pairs,
//! SplitMix64, PCG32), then the kernel's own file. The walk kernel takes
//! `shaders/rng64.wgsl` instead on devices with native 64-bit integers: the same
//! generator, several times cheaper (docs/PERFORMANCE.md).

pub mod landscape;
pub mod rng_probe;
pub mod walk;

/// Shared WGSL prepended to every kernel.
pub const RNG_WGSL: &str = include_str!("../../shaders/rng.wgsl");

/// The generator on native 64-bit integers (needs wgpu's `SHADER_INT64`).
pub const RNG64_WGSL: &str = include_str!("../../shaders/rng64.wgsl");

/// WGSL `const` declarations of `u32` values, one per line.
pub fn wgsl_constants(constants: &[(&str, u32)]) -> String {
    constants
        .iter()
        .map(|(name, value)| format!("const {name}: u32 = {value}u;\n"))
        .collect()
}
