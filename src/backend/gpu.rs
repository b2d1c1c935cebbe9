//! The GPU Monte Carlo backend: batches of walkers dispatched to the walk kernel.
//!
//! Any walker count works: dispatches hold at most [`MAX_DISPATCH_WALKERS`] walkers and
//! about [`DISPATCH_WALKER_FRAMES`] walker-frames (short enough for a desktop watchdog);
//! the `u32` GPU histogram is read back and added into `u64` host totals before any bin
//! could pass 2^32 - 1 (each walker adds at most 1 to a bin). GPU memory is one
//! histogram, whatever the walker count.

use crate::backend::Progress;
use crate::error::Error;
use crate::gpu::GpuContext;
use crate::histogram::{HistLayout, Histograms};
use crate::kernels::walk::{WalkParams, WalkPipeline, MAX_DISPATCH_WALKERS, WORKGROUP_SIZE};
use crate::model::WalkTables;

/// Walker-frames per dispatch: ~10 ms on a large GPU, a few seconds on a software device.
pub const DISPATCH_WALKER_FRAMES: u64 = 1 << 30;

/// Walkers per dispatch for `frames` frames.
pub fn dispatch_walkers(frames: u32) -> u32 {
    let by_time =
        (DISPATCH_WALKER_FRAMES / u64::from(frames.max(1))).max(u64::from(WORKGROUP_SIZE));
    by_time.min(u64::from(MAX_DISPATCH_WALKERS)) as u32
}

/// How walkers are cut: per dispatch, and between read-backs of the `u32` histogram.
#[derive(Clone, Copy, Debug)]
pub struct Batching {
    pub dispatch: u32,
    /// At most 2^32 - 1: a bin gains at most one count per walker.
    pub flush_every: u64,
}

/// Runs walkers `first..first + walkers` of the point with `key`.
#[allow(clippy::too_many_arguments)]
pub fn run_point(
    ctx: &GpuContext,
    pipeline: &WalkPipeline,
    tables: &WalkTables,
    layout: HistLayout,
    key: u64,
    first: u64,
    walkers: u64,
    batching: Batching,
    progress: &Progress,
) -> Result<Histograms, Error> {
    let buffers = pipeline.buffers(ctx, tables, &layout)?;
    let mut total = Histograms::zeros(layout);
    let mut since_flush = 0u64;
    let mut done = 0u64;
    while done < walkers {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let count = (walkers - done).min(u64::from(batching.dispatch)) as u32;
        let flush_every = batching.flush_every.min(u64::from(u32::MAX));
        if since_flush > 0 && since_flush + u64::from(count) > flush_every {
            total.add_u32(&ctx.read_back(&buffers.hist, buffers.hist_bytes)?);
            pipeline.clear(ctx, &buffers);
            since_flush = 0;
        }
        pipeline.dispatch(
            ctx,
            &buffers,
            &WalkParams::new(tables, &layout, key, first + done, count),
        );
        ctx.wait()?;
        progress.advance(u64::from(count));
        since_flush += u64::from(count);
        done += u64::from(count);
    }
    total.add_u32(&ctx.read_back(&buffers.hist, buffers.hist_bytes)?);
    Ok(total)
}
