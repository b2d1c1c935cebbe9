//! The block-sums kernel's pipeline (`exciton_core::kernels::block_sums` holds its WGSL,
//! task structs and CPU port): after a walk dispatch, each block's slot is reduced into
//! the block's sums on the device, and the counters of a point's emission profile are
//! added there too.

use crate::context::{whole_buffer, GpuContext, GpuError};
use exciton_core::kernels::block_sums::{block_sums_source, BlockTask, SumTask, WORKGROUP_SIZE};
use exciton_core::kernels::walk::MAX_DISPATCH_GROUPS;

/// The kernel's two entry points compiled for one device.
pub struct BlockSumsPipeline {
    blocks: wgpu::ComputePipeline,
    counters: wgpu::ComputePipeline,
}

impl BlockSumsPipeline {
    pub fn new(ctx: &GpuContext) -> Result<Self, GpuError> {
        let source = block_sums_source();
        Ok(BlockSumsPipeline {
            blocks: ctx.pipeline("block_sums.wgsl", &source, "block_sums")?,
            counters: ctx.pipeline("block_sums.wgsl", &source, "sum_counters")?,
        })
    }

    /// A zeroed buffer of `words` words for the sums, read back and cleared by the driver.
    pub fn sums_buffer(&self, ctx: &GpuContext, words: u64) -> Result<wgpu::Buffer, GpuError> {
        let bytes = words.max(1) * 4;
        if bytes > ctx.max_storage_bytes() {
            return Err(GpuError::TooLarge {
                what: "the walker blocks' sums of a group of points".into(),
                bytes,
                limit: ctx.max_storage_bytes(),
                hint: "use fewer points or frames, or --backend cpu".into(),
            });
        }
        ctx.buffer(
            "block sums",
            bytes,
            wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
        )
    }

    /// Queues the reduction of one dispatch's slots in `hist` into `sums`: `blocks` and
    /// `counters` each end in their sentinel; a list with nothing but it is skipped.
    pub fn dispatch(
        &self,
        ctx: &GpuContext,
        hist: &wgpu::Buffer,
        sums: &wgpu::Buffer,
        blocks: &[BlockTask],
        counters: &[SumTask],
    ) -> Result<(), GpuError> {
        let runs = [
            (
                &self.blocks,
                bytemuck::cast_slice(blocks),
                blocks.last().map(|t| t.first),
            ),
            (
                &self.counters,
                bytemuck::cast_slice(counters),
                counters.last().map(|t| t.first),
            ),
        ];
        for (binding, (pipeline, bytes, total)) in [0, 3].into_iter().zip(runs) {
            let Some(total @ 1..) = total else { continue };
            let tasks = ctx.buffer(
                "block-sums tasks",
                bytes.len() as u64,
                wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST,
            )?;
            ctx.queue.write_buffer(&tasks, 0, bytes);
            // Invocations loop in strides of the grid (the shader's own words).
            let groups = total.div_ceil(WORKGROUP_SIZE).min(MAX_DISPATCH_GROUPS);
            ctx.dispatch(
                "block sums",
                pipeline,
                &[
                    whole_buffer(binding, &tasks),
                    whole_buffer(1, hist),
                    whole_buffer(2, sums),
                ],
                groups,
            );
        }
        Ok(())
    }
}

/// The kernel on given batches, for tests that hold it to its CPU port: `dispatches`
/// reductions of `hist` into sums of `words` words, read back.
pub fn block_sums_gpu(
    ctx: &GpuContext,
    hist: &[u32],
    blocks: &[BlockTask],
    counters: &[SumTask],
    words: u64,
    dispatches: usize,
) -> Result<Vec<u32>, GpuError> {
    let pipeline = BlockSumsPipeline::new(ctx)?;
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST;
    let batches = ctx.buffer("test batches", (hist.len().max(1) * 4) as u64, usage)?;
    ctx.queue
        .write_buffer(&batches, 0, bytemuck::cast_slice(hist));
    let sums = pipeline.sums_buffer(ctx, words)?;
    for _ in 0..dispatches {
        pipeline.dispatch(ctx, &batches, &sums, blocks, counters)?;
    }
    ctx.read_back(&sums, words * 4)
}
