//! The PCG32 probe kernel (`shaders/rng_probe.wgsl`): the first draws of given
//! (state, stream) seeds and their SplitMix64, so tests can pin the WGSL generator to
//! `rand_pcg::Pcg32` and to [`crate::rng`].

use crate::gpu::{whole_buffer, GpuContext, GpuError};
use crate::rng::{splitmix64, Pcg32};
use bytemuck::{Pod, Zeroable};

/// Invocations per workgroup of `rng_probe.wgsl`.
pub const WORKGROUP_SIZE: u32 = 64;

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct RngProbeParams {
    pub seeds: u32,
    pub draws: u32,
    pub _pad0: u32,
    pub _pad1: u32,
}

const _: () = assert!(std::mem::size_of::<RngProbeParams>() == 16);

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

/// The same on the GPU.
pub fn rng_probe_gpu(
    ctx: &GpuContext,
    seeds: &[(u64, u64)],
    draws: u32,
) -> Result<Vec<u32>, GpuError> {
    let pipeline = ctx.pipeline("rng_probe.wgsl", &super::rng_probe_source(), "rng_probe")?;
    let params = RngProbeParams {
        seeds: seeds.len() as u32,
        draws,
        _pad0: 0,
        _pad1: 0,
    };
    let words: Vec<u32> = seeds
        .iter()
        .flat_map(|&(s, t)| [s as u32, (s >> 32) as u32, t as u32, (t >> 32) as u32])
        .collect();
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
    let pbuf = ctx.buffer(
        "probe params",
        16,
        wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
    )?;
    let sbuf = ctx.buffer("probe seeds", (words.len() * 4) as u64, usage)?;
    let out_bytes = (seeds.len() * (draws as usize + 2) * 4) as u64;
    let obuf = ctx.buffer("probe out", out_bytes, usage | wgpu::BufferUsages::COPY_SRC)?;
    ctx.queue
        .write_buffer(&pbuf, 0, bytemuck::bytes_of(&params));
    ctx.queue
        .write_buffer(&sbuf, 0, bytemuck::cast_slice(&words));
    ctx.dispatch(
        "rng probe",
        &pipeline,
        &[
            whole_buffer(0, &pbuf),
            whole_buffer(1, &sbuf),
            whole_buffer(2, &obuf),
        ],
        (seeds.len() as u32).div_ceil(WORKGROUP_SIZE),
    );
    ctx.read_back(&obuf, out_bytes)
}
