//! The walk kernel: its parameter struct (twin of `WalkParams` in `shaders/walk.wgsl`)
//! and its CPU port, which mirrors the WGSL entry point line by line.
//!
//! One invocation advances one walker through every frame and counts it into the batch
//! histogram (layout in [`crate::histogram`]). The port is written to look like the
//! shader, not like idiomatic Rust, so the two can be read side by side.

use crate::gpu::{GpuContext, GpuError};
use crate::histogram::HistLayout;
use crate::model::{WalkTables, OUTCOME_HOP, OUTCOME_NONRAD, OUTCOME_RAD, OUTCOME_TO};
use crate::rng::{splitmix64, Pcg32};
use bytemuck::{Pod, Zeroable};

/// Invocations per workgroup of `walk.wgsl` (`@workgroup_size`).
pub const WORKGROUP_SIZE: u32 = 64;

/// Uniform parameters of one dispatch: one batch of walkers of one point.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct WalkParams {
    /// Point key (see [`crate::rng::point_key`]) as low and high 32 bits.
    pub key_lo: u32,
    pub key_hi: u32,
    /// Global index of this batch's first walker.
    pub walker_base_lo: u32,
    pub walker_base_hi: u32,
    pub walker_count: u32,
    pub frames: u32,
    pub states: u32,
    /// Thresholds per state in the outcome table.
    pub stride: u32,
    pub max_dx: u32,
    pub abs_half_width: u32,
    pub spot_radius: u32,
    pub spot_len: u32,
    pub initial_fallback: u32,
    pub step_plus: u32,
    pub step_minus: u32,
    pub emission_offset: u32,
    pub emission_abs_offset: u32,
    pub occupancy_offset: u32,
    pub emission_state_offset: u32,
    pub _pad0: u32,
}

const _: () = assert!(std::mem::size_of::<WalkParams>() == 80);

impl WalkParams {
    pub fn new(
        tables: &WalkTables,
        layout: &HistLayout,
        key: u64,
        walker_base: u64,
        walker_count: u32,
    ) -> Self {
        WalkParams {
            key_lo: key as u32,
            key_hi: (key >> 32) as u32,
            walker_base_lo: walker_base as u32,
            walker_base_hi: (walker_base >> 32) as u32,
            walker_count,
            frames: layout.frames,
            states: layout.states,
            stride: tables.stride() as u32,
            max_dx: layout.max_dx,
            abs_half_width: layout.abs_half_width(),
            spot_radius: tables.spot.radius,
            spot_len: tables.spot.cumulative.len() as u32,
            initial_fallback: tables.initial_fallback() as u32,
            step_plus: tables.step_plus,
            step_minus: tables.step_minus,
            emission_offset: layout.emission_offset() as u32,
            emission_abs_offset: layout.emission_abs_offset() as u32,
            occupancy_offset: layout.occupancy_offset() as u32,
            emission_state_offset: layout.emission_state_offset() as u32,
            _pad0: 0,
        }
    }

    fn key(&self) -> u64 {
        u64::from(self.key_lo) | (u64::from(self.key_hi) << 32)
    }

    fn walker_base(&self) -> u64 {
        u64::from(self.walker_base_lo) | (u64::from(self.walker_base_hi) << 32)
    }
}

/// The table-driven inputs of the kernel, as bound on the GPU.
pub struct WalkBindings<'a> {
    pub outcome: &'a [u32],
    pub initial: &'a [u32],
    pub spot: &'a [u32],
}

impl<'a> WalkBindings<'a> {
    pub fn new(tables: &'a WalkTables) -> Self {
        WalkBindings {
            outcome: &tables.outcome,
            initial: &tables.initial,
            spot: &tables.spot.cumulative,
        }
    }
}

#[inline(always)]
fn bin(dx: i32, half: u32) -> u32 {
    HistLayout::bin(dx, half) as u32
}

/// Mirror of `walker_rng` in WGSL: SplitMix64 of `key + 2 walker` and `key + 2 walker + 1`.
#[inline(always)]
fn walker_rng(p: &WalkParams, index: u32) -> Pcg32 {
    let walker = p.walker_base().wrapping_add(u64::from(index));
    let base = p.key().wrapping_add(walker.wrapping_mul(2));
    Pcg32::new(splitmix64(base), splitmix64(base.wrapping_add(1)))
}

/// Mirror of `spot_offset` in WGSL: binary search of the cumulative spot table.
#[inline(always)]
fn spot_offset(p: &WalkParams, spot: &[u32], u: u32) -> i32 {
    let mut lo = 0u32;
    let mut hi = p.spot_len - 1;
    while lo < hi {
        let mid = (lo + hi) / 2;
        if u < spot[mid as usize] {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo as i32 - p.spot_radius as i32
}

/// Mirror of the `walk` entry point for invocation `index` of the batch.
#[inline(always)]
pub fn walk_invocation(p: &WalkParams, b: &WalkBindings, hist: &mut [u32], index: u32) {
    if index >= p.walker_count {
        return;
    }
    let mut rng = walker_rng(p, index);

    let u0 = rng.next_u32();
    let mut state = p.initial_fallback;
    for s in 0..p.states {
        if u0 < b.initial[s as usize] {
            state = s;
            break;
        }
    }
    let x0 = spot_offset(p, b.spot, rng.next_u32());

    let row = p.max_dx * 2 + 2;
    let abs_row = p.abs_half_width * 2 + 2;
    let mut dx: i32 = 0;
    for t in 0..p.frames {
        let occ = p.occupancy_offset + (t * p.states + state) * row + bin(dx, p.max_dx);
        hist[occ as usize] += 1;

        let u = rng.next_u32();
        let th = (state * p.stride) as usize;
        if u < b.outcome[th + OUTCOME_RAD] {
            hist[(p.emission_offset + t * row + bin(dx, p.max_dx)) as usize] += 1;
            let abs = p.emission_abs_offset + t * abs_row + bin(x0 + dx, p.abs_half_width);
            hist[abs as usize] += 1;
            hist[(p.emission_state_offset + t * p.states + state) as usize] += 1;
            return;
        }
        if u < b.outcome[th + OUTCOME_NONRAD] {
            return;
        }
        if u < b.outcome[th + OUTCOME_HOP] {
            let v = rng.next_u32();
            if v < p.step_plus {
                dx += 1;
            } else if v < p.step_minus {
                dx -= 1;
            }
            continue;
        }
        for s in 0..p.states {
            if u < b.outcome[th + OUTCOME_TO + s as usize] {
                state = s;
                break;
            }
        }
    }
}

/// The walk kernel compiled for one device.
pub struct WalkPipeline {
    pipeline: wgpu::ComputePipeline,
}

/// The buffers of one point: tables, parameters and the batch histogram.
pub struct WalkBuffers {
    params: wgpu::Buffer,
    pub hist: wgpu::Buffer,
    pub hist_bytes: u64,
    bind_group: wgpu::BindGroup,
}

impl WalkPipeline {
    pub fn new(ctx: &GpuContext) -> Result<Self, GpuError> {
        Ok(WalkPipeline {
            pipeline: ctx.pipeline("walk.wgsl", &super::walk_source(), "walk")?,
        })
    }

    /// Uploads the tables and allocates a zeroed `u32` histogram of `layout`.
    pub fn buffers(
        &self,
        ctx: &GpuContext,
        tables: &WalkTables,
        layout: &HistLayout,
    ) -> Result<WalkBuffers, GpuError> {
        let hist_bytes = layout.bytes_u32();
        if hist_bytes > ctx.max_storage_bytes() {
            return Err(GpuError::TooLarge {
                what: format!(
                    "the histograms ({} frames x {} states x {} displacement bins)",
                    layout.frames,
                    layout.states,
                    layout.row_width()
                ),
                bytes: hist_bytes,
                limit: ctx.max_storage_bytes(),
                hint: "reduce frames or histogram.max_dx_sites, or use --backend cpu".into(),
            });
        }
        let table = |what: &str, data: &[u32]| {
            let b = ctx.buffer(
                what,
                (data.len() * 4) as u64,
                wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            )?;
            ctx.queue.write_buffer(&b, 0, bytemuck::cast_slice(data));
            Ok::<_, GpuError>(b)
        };
        let outcome = table("outcome thresholds", &tables.outcome)?;
        let initial = table("initial thresholds", &tables.initial)?;
        let spot = table("spot table", &tables.spot.cumulative)?;
        let params = ctx.buffer(
            "walk params",
            std::mem::size_of::<WalkParams>() as u64,
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        )?;
        let hist = ctx.buffer(
            "histograms",
            hist_bytes,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        )?;
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("walk"),
            layout: &self.pipeline.get_bind_group_layout(0),
            entries: &[
                entry(0, &params),
                entry(1, &outcome),
                entry(2, &initial),
                entry(3, &spot),
                entry(4, &hist),
            ],
        });
        Ok(WalkBuffers {
            params,
            hist,
            hist_bytes,
            bind_group,
        })
    }

    /// Queues one batch (`p.walker_count` <= [`MAX_DISPATCH_WALKERS`]) and submits it.
    pub fn dispatch(&self, ctx: &GpuContext, b: &WalkBuffers, p: &WalkParams) {
        ctx.queue.write_buffer(&b.params, 0, bytemuck::bytes_of(p));
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &b.bind_group, &[]);
            pass.dispatch_workgroups(p.walker_count.div_ceil(WORKGROUP_SIZE), 1, 1);
        }
        ctx.queue.submit([encoder.finish()]);
    }

    /// Zeroes the histogram after it was read back.
    pub fn clear(&self, ctx: &GpuContext, b: &WalkBuffers) {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&b.hist, 0, None);
        ctx.queue.submit([encoder.finish()]);
    }
}

/// Most walkers in one dispatch: the 1D grid limit of 65535 workgroups.
pub const MAX_DISPATCH_WALKERS: u32 = 65_535 * WORKGROUP_SIZE;

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}
