//! The walk kernel's pipeline (`exciton_core::kernels::walk` holds its WGSL, its
//! `PointParams` twin and its CPU port): compiled per device, its buffers, one dispatch.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::context::{whole_buffer, GpuContext, GpuError};
use exciton_core::histogram::HistLayout;
use exciton_core::kernels::walk::{
    walk_source, KernelVariant, PointParams, TableBases, WORKGROUP_SIZE,
};
use exciton_core::model::WalkTables;

/// The walk kernel for one device, compiled once for each variant ([`KernelVariant`]:
/// the optional parts a dispatch's points need) at its first use.
pub struct WalkPipeline {
    source: String,
    compiled: Mutex<HashMap<KernelVariant, wgpu::ComputePipeline>>,
    /// The generator runs on native 64-bit integers (`rng64.wgsl`).
    pub int64: bool,
    /// A pass with an event walks all its frames ([`KernelVariant::whole_passes`]): on
    /// a hardware GPU, not on a software device.
    pub whole_passes: bool,
}

impl WalkPipeline {
    /// The kernel with the fastest generator the device runs.
    pub fn new(ctx: &GpuContext) -> Result<Self, GpuError> {
        Self::with_generator(ctx, ctx.has_int64())
    }

    /// The kernel with the native 64-bit generator (`int64`) or the pairs one; tests
    /// run both on one device. Compiles the variant most runs take (per-frame, no
    /// landscape), so a shader the device refuses is an error here rather than at the
    /// first dispatch; naga validates every part without a device (exciton-core's
    /// shaders test).
    pub fn with_generator(ctx: &GpuContext, int64: bool) -> Result<Self, GpuError> {
        if int64 && !ctx.has_int64() {
            return Err(GpuError::NoInt64 {
                adapter: ctx.adapter.to_string(),
            });
        }
        let walk = WalkPipeline {
            source: walk_source(int64),
            compiled: Mutex::new(HashMap::new()),
            int64,
            whole_passes: !ctx.adapter.is_software(),
        };
        walk.pipeline(ctx, KernelVariant::of(&[], false, walk.whole_passes))?;
        Ok(walk)
    }

    /// The kernel of `variant`, compiled at its first use.
    fn pipeline(
        &self,
        ctx: &GpuContext,
        variant: KernelVariant,
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = compiled.get(&variant) {
            return Ok(p.clone());
        }
        let p = ctx.pipeline_with("walk.wgsl", &self.source, "walk", &variant.constants())?;
        compiled.insert(variant, p.clone());
        Ok(p)
    }

    /// Uploads the tables of a group of points (all with the same `profile`) and
    /// allocates one zeroed batch buffer: every point's batch, one segment per point in a
    /// dispatch, or with `slots` the slots of one dispatch (each segment then sets its
    /// `hist_base`).
    pub fn buffers(
        &self,
        ctx: &GpuContext,
        points: &[(&WalkTables, HistLayout, u64)],
        slots: Option<Slots>,
    ) -> Result<WalkBuffers, GpuError> {
        let mut outcome = Vec::new();
        let mut initial = Vec::new();
        let mut spot = Vec::new();
        let mut params = Vec::with_capacity(points.len());
        let mut hist_words = 0u64;
        for (tables, layout, key) in points {
            let bases = TableBases {
                outcome: outcome.len() as u32,
                initial: initial.len() as u32,
                spot: spot.len() as u32,
            };
            outcome.extend_from_slice(&tables.outcome);
            initial.extend_from_slice(&tables.initial);
            spot.extend_from_slice(&tables.spot.cumulative);
            params.push(PointParams::new(
                tables,
                layout,
                *key,
                bases,
                hist_words as u32,
            ));
            hist_words += layout.device_words() as u64;
        }
        let hist_words = slots.map_or(hist_words, |s| s.words);
        let segments = slots.map_or(points.len(), |s| s.segments);
        let hist_bytes = hist_words * 4;
        if hist_bytes > ctx.max_storage_bytes() || hist_words > u64::from(u32::MAX) {
            let l = points[0].1;
            return Err(GpuError::TooLarge {
                what: format!(
                    "the histograms of {} point(s) ({} frames x {} states x {} displacement bins)",
                    points.len(),
                    l.frames,
                    l.states,
                    l.row_width()
                ),
                bytes: hist_bytes,
                limit: ctx.max_storage_bytes(),
                hint: "reduce frames or histogram.max_dx_sites, or use --backend cpu".into(),
            });
        }
        let table = |what: &str, data: &[u32]| {
            let b = ctx.buffer(
                what,
                (data.len().max(1) * 4) as u64,
                wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            )?;
            ctx.queue.write_buffer(&b, 0, bytemuck::cast_slice(data));
            Ok::<_, GpuError>(b)
        };
        let outcome = table("outcome thresholds", &outcome)?;
        let initial = table("initial thresholds", &initial)?;
        let spot = table("spot table", &spot)?;
        let segments = ctx.buffer(
            "walk segments",
            (segments.max(1) * std::mem::size_of::<PointParams>()) as u64,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
        )?;
        let hist = ctx.buffer(
            "histograms",
            hist_bytes,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        )?;
        Ok(WalkBuffers {
            params,
            outcome,
            initial,
            spot,
            segments,
            hist,
            hist_bytes,
        })
    }

    /// Queues one dispatch of `segments` (consecutive `group_base`s, at most
    /// [`MAX_DISPATCH_GROUPS`](exciton_core::kernels::walk::MAX_DISPATCH_GROUPS) workgroups in all) and submits it.
    pub fn dispatch(
        &self,
        ctx: &GpuContext,
        b: &WalkBuffers,
        segments: &[PointParams],
        profile: bool,
    ) -> Result<(), GpuError> {
        let last = segments.last().expect("a dispatch has a segment");
        let groups = last.group_base + last.walker_count.div_ceil(WORKGROUP_SIZE);
        let bytes = bytemuck::cast_slice(segments);
        // The shader finds its point with arrayLength: bind exactly these segments.
        let size = std::num::NonZeroU64::new(bytes.len() as u64);
        ctx.queue.write_buffer(&b.segments, 0, bytes);
        let pipeline =
            self.pipeline(ctx, KernelVariant::of(segments, profile, self.whole_passes))?;
        ctx.dispatch(
            "walk",
            &pipeline,
            &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: &b.segments,
                        offset: 0,
                        size,
                    }),
                },
                whole_buffer(1, &b.outcome),
                whole_buffer(2, &b.initial),
                whole_buffer(3, &b.spot),
                whole_buffer(4, &b.hist),
            ],
            groups,
        );
        Ok(())
    }

    /// Zeroes the first `words` words of the batch buffer (all of it with `None`) after
    /// they were read back or reduced.
    pub fn clear(&self, ctx: &GpuContext, b: &WalkBuffers, words: Option<u64>) {
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&b.hist, 0, words.map(|w| w * 4));
        ctx.queue.submit([encoder.finish()]);
    }
}

/// The batch buffer as slots that live for one dispatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slots {
    /// Words of the slots of the largest dispatch.
    pub words: u64,
    /// Most segments in one dispatch.
    pub segments: usize,
}

/// The buffers of a group of points: tables, segments and the batch buffer.
pub struct WalkBuffers {
    /// Each point's parameters, without walkers (see [`PointParams::segment`]).
    pub params: Vec<PointParams>,
    outcome: wgpu::Buffer,
    initial: wgpu::Buffer,
    spot: wgpu::Buffer,
    segments: wgpu::Buffer,
    pub hist: wgpu::Buffer,
    pub hist_bytes: u64,
}
