//! GPU kernels without the GPU: each has one WGSL file in `shaders/` and one module here
//! holding its `#[repr(C)]` parameter struct, the constants it shares with Rust, and its
//! CPU port. Their wgpu pipelines live in `exciton-gpu` under the same names.
//!
//! WGSL has no includes: a kernel's source is a prelude of constants written from the
//! Rust values (one source for both languages: [`rng::prelude`], the kernel's own), then
//! `shaders/rng.wgsl` (64-bit pairs, SplitMix64, PCG32; port [`rng`]), then the kernel's
//! own file. The walk kernel takes `shaders/rng64.wgsl` instead on devices with native
//! 64-bit integers: the same generator, several times cheaper (docs/PERFORMANCE.md).
//!
//! | WGSL | Rust (parameters, constants, CPU port) |
//! |---|---|
//! | `rng.wgsl`, `rng64.wgsl` | [`rng`] |
//! | `walk.wgsl` | [`walk`] (port), [`walk::params`] |
//! | `landscape.wgsl` (appended to `walk.wgsl`) | [`walk::landscape`] |
//! | `rng_probe.wgsl` | [`rng_probe`] |
//! | `block_sums.wgsl` | [`block_sums`] (no generator: a reduction of the walk's batches) |

pub mod block_sums;
pub mod rng;
pub mod rng_probe;
pub mod walk;

/// Shared WGSL prepended to every kernel.
pub(crate) const RNG_WGSL: &str = include_str!("../../shaders/rng.wgsl");

/// The generator on native 64-bit integers (needs wgpu's `SHADER_INT64`).
pub(crate) const RNG64_WGSL: &str = include_str!("../../shaders/rng64.wgsl");

/// A WGSL `const` declaration of an `i32` value (`i32::MIN` spelled as an expression: its
/// literal does not parse).
pub(crate) fn wgsl_const_i32(name: &str, value: i32) -> String {
    match value {
        i32::MIN => format!("const {name}: i32 = {}i - 1i;\n", i32::MIN + 1),
        v => format!("const {name}: i32 = {v}i;\n"),
    }
}

/// WGSL `const` declarations of `u32` values, one per line.
pub(crate) fn wgsl_constants(constants: &[(&str, u32)]) -> String {
    constants
        .iter()
        .map(|(name, value)| format!("const {name}: u32 = {value}u;\n"))
        .collect()
}
