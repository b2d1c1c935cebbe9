//! The PCG32 probe kernel (`shaders/rng_probe.wgsl`, pipeline in
//! `exciton_gpu::rng_probe`): the first draws of given (state, stream) seeds and their
//! SplitMix64, so tests can pin the WGSL generator to `rand_pcg::Pcg32` and to
//! [`super::rng`].

use super::rng::{splitmix64, Pcg32};
use bytemuck::{Pod, Zeroable};

/// Invocations per workgroup of `rng_probe.wgsl`.
pub const WORKGROUP_SIZE: u32 = 64;

/// Uniform parameters of the probe kernel (twin of `RngProbeParams` in `rng_probe.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct RngProbeParams {
    /// (state, stream) seeds to probe, one invocation each.
    pub seeds: u32,
    /// Outputs drawn per seed before its SplitMix64.
    pub draws: u32,
    /// Padding to 16 bytes.
    pub _pad0: u32,
    /// Padding to 16 bytes.
    pub _pad1: u32,
}

const _: () = assert!(std::mem::size_of::<RngProbeParams>() == 16);

/// Full source of the probe kernel: its prelude, the pairs generator, the kernel.
pub fn rng_probe_source() -> String {
    format!(
        "{}{}\n{}\n{}",
        super::rng::prelude(false),
        super::wgsl_constants(&[("WORKGROUP_SIZE", WORKGROUP_SIZE)]),
        super::RNG_WGSL,
        include_str!("../../shaders/rng_probe.wgsl")
    )
}

/// CPU port: per seed, `draws` outputs then SplitMix64(state) as low, high.
pub fn rng_probe_cpu(seeds: &[(u64, u64)], draws: u32) -> Vec<u32> {
    let mut out = Vec::with_capacity(seeds.len() * (draws as usize + 2));
    for &(state, stream) in seeds {
        let mut rng = Pcg32::new(state, stream);
        out.extend((0..draws).map(|_| rng.next_u32()));
        let mixed = splitmix64(state);
        out.extend([mixed as u32, (mixed >> 32) as u32]);
    }
    out
}
