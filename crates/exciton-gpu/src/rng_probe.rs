//! The PCG32 probe kernel's pipeline: runs `rng_probe.wgsl` on a device, for tests that pin
//! the WGSL generator to `rand_pcg::Pcg32` (CPU port: `exciton_core::kernels::rng_probe`).

use crate::context::{whole_buffer, GpuContext, GpuError};
use exciton_core::kernels::rng_probe::{rng_probe_source, RngProbeParams, WORKGROUP_SIZE};

/// The same on the GPU.
pub fn rng_probe_gpu(
    ctx: &GpuContext,
    seeds: &[(u64, u64)],
    draws: u32,
) -> Result<Vec<u32>, GpuError> {
    let pipeline = ctx.pipeline("rng_probe.wgsl", &rng_probe_source(), "rng_probe")?;
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
