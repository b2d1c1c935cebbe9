//! The GPU Monte Carlo backend: groups of points, their walkers packed into dispatches.
//!
//! A sweep does not pay a round trip per point: the points of a group share one batch
//! buffer (each sized to what its layout needs) and every dispatch packs segments of
//! consecutive points until it holds [`MAX_DISPATCH_GROUPS`] workgroups or the
//! walker-frame budget (short enough for a desktop watchdog). The `u32` batch is read
//! back and added into `u64` host totals before any counter could pass 2^32 - 1 (each
//! walker adds at most 1 to a counter). GPU memory is one batch per point of the group,
//! whatever the walker count.

use crate::backend::{Phase, Progress};
use crate::error::Error;
use crate::gpu::GpuContext;
use crate::histogram::{add_counts, add_device_moments, HistLayout, Histograms};
use crate::kernels::walk::{
    PointParams, WalkPipeline, MAX_DISPATCH_GROUPS, MAX_DISPATCH_WALKERS, WORKGROUP_SIZE,
};
use crate::model::WalkTables;

/// Walker-frames per dispatch on a hardware GPU: ~10 ms on a large one.
pub const DISPATCH_WALKER_FRAMES: u64 = 1 << 32;
/// The same on a software device (seconds there).
pub const SOFTWARE_DISPATCH_WALKER_FRAMES: u64 = 1 << 27;

/// How walkers are cut: per dispatch, and between read-backs of the `u32` batch.
#[derive(Clone, Copy, Debug)]
pub struct Batching {
    /// Most walkers of one dispatch (whatever the frames).
    pub dispatch_walkers: u32,
    /// Most walker-frames of one dispatch.
    pub dispatch_walker_frames: u64,
    /// At most 2^32 - 1: a counter gains at most one count per walker.
    pub flush_every: u64,
}

/// One point's share of a group: walkers `first..first + walkers` of the point with `key`.
pub struct PointJob<'a> {
    pub tables: &'a WalkTables,
    pub layout: HistLayout,
    pub key: u64,
    pub first: u64,
    pub walkers: u64,
}

/// Runs every job of a group (all with the same `layout.profile`) and returns their
/// totals in order.
pub fn run_points(
    ctx: &GpuContext,
    pipeline: &WalkPipeline,
    jobs: &[PointJob],
    batching: Batching,
    progress: &Progress,
) -> Result<Vec<Histograms>, Error> {
    let profile = jobs.first().is_some_and(|j| j.layout.profile);
    assert!(jobs.iter().all(|j| j.layout.profile == profile));
    let described: Vec<_> = jobs.iter().map(|j| (j.tables, j.layout, j.key)).collect();
    let phases = &progress.phases;
    let buffers = phases.time(Phase::Setup, || pipeline.buffers(ctx, &described))?;
    let mut totals: Vec<Histograms> = jobs.iter().map(|j| Histograms::zeros(j.layout)).collect();
    let flush_every = batching.flush_every.clamp(1, u64::from(u32::MAX));
    let mut since_flush = vec![0u64; jobs.len()];
    let mut done = vec![0u64; jobs.len()];
    let mut next = 0usize;
    // Reads the batch back into the totals; zeroes it on the device unless it was the last.
    let flush = |totals: &mut Vec<Histograms>, last: bool| -> Result<(), Error> {
        let start = std::time::Instant::now();
        ctx.read_back_with(&buffers.hist, buffers.hist_bytes, |words| {
            phases.add(Phase::ReadBack, start.elapsed());
            phases.time(Phase::HostAdd, || {
                add_batches(totals, &buffers.params, words)
            });
        })?;
        if !last {
            pipeline.clear(ctx, &buffers);
        }
        Ok(())
    };
    while next < jobs.len() {
        if progress.cancelled() {
            return Err(Error::Interrupted);
        }
        let mut segments: Vec<PointParams> = Vec::new();
        let mut groups = 0u32;
        let mut walker_frames = 0u64;
        let mut walkers = 0u64;
        let mut i = next;
        while i < jobs.len() && groups < MAX_DISPATCH_GROUPS {
            let job = &jobs[i];
            let left = job.walkers - done[i];
            if left == 0 {
                i += 1;
                continue;
            }
            let frames = u64::from(job.layout.frames);
            let room_frames = batching
                .dispatch_walker_frames
                .saturating_sub(walker_frames)
                / frames;
            let room_groups = u64::from(MAX_DISPATCH_GROUPS - groups) * u64::from(WORKGROUP_SIZE);
            let room_walkers = u64::from(batching.dispatch_walkers).saturating_sub(walkers);
            let room_flush = flush_every - since_flush[i];
            let mut count = left.min(room_frames).min(room_groups).min(room_walkers);
            if count > room_flush {
                if !segments.is_empty() {
                    break;
                }
                flush(&mut totals, false)?;
                since_flush.fill(0);
            }
            count = count.min(flush_every);
            if count == 0 {
                if segments.is_empty() {
                    // A single walker of a very long point still makes a dispatch.
                    count = 1;
                } else {
                    break;
                }
            }
            segments.push(buffers.params[i].segment(job.first + done[i], count as u32, groups));
            groups += (count as u32).div_ceil(WORKGROUP_SIZE);
            walker_frames += count * frames;
            walkers += count;
            since_flush[i] += count;
            done[i] += count;
            if done[i] == job.walkers {
                i += 1;
            } else {
                break;
            }
        }
        if segments.is_empty() {
            break;
        }
        phases.time(Phase::Kernel, || {
            pipeline.dispatch(ctx, &buffers, &segments, profile);
            ctx.wait()
        })?;
        progress.advance(walkers);
        while next < jobs.len() && done[next] == jobs[next].walkers {
            next += 1;
        }
    }
    flush(&mut totals, true)?;
    Ok(totals)
}

/// Adds each point's batch (at its `hist_base` in `words`) into its totals on all the
/// host's cores: a sweep's batches are hundreds of MiB, and one long point's tens.
fn add_batches(totals: &mut [Histograms], params: &[PointParams], words: &[u32]) {
    // Counters in pieces of this many, so that one point also spreads over the cores.
    const PIECE: usize = 1 << 18;
    let mut moments = Vec::with_capacity(totals.len());
    let mut pieces = Vec::new();
    for (total, p) in totals.iter_mut().zip(params) {
        let start = p.hist_base as usize;
        let (counts, pairs) = total
            .layout
            .split_device(&words[start..start + total.layout.device_words()]);
        moments.push((&mut total.moments, total.layout, pairs));
        pieces.extend(total.counts.chunks_mut(PIECE).zip(counts.chunks(PIECE)));
    }
    on_all_cores(&mut moments, |(values, layout, pairs)| {
        add_device_moments(values, layout, pairs)
    });
    on_all_cores(&mut pieces, |(totals, counts)| add_counts(totals, counts));
}

/// Runs `work` on every item, the items cut into one run of consecutive items per core.
fn on_all_cores<T: Send>(items: &mut [T], work: impl Fn(&mut T) + Sync) {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = items.len().div_ceil(threads).max(1);
    let work = &work;
    std::thread::scope(|scope| {
        for run in items.chunks_mut(per) {
            scope.spawn(move || run.iter_mut().for_each(work));
        }
    });
}

/// The batching for a device: software devices get small dispatches, so that progress
/// and Ctrl-C stay responsive there.
pub fn batching_for(ctx: &GpuContext, dispatch: Option<u32>, flush_every: u64) -> Batching {
    let budget = if ctx.adapter.is_software() {
        SOFTWARE_DISPATCH_WALKER_FRAMES
    } else {
        DISPATCH_WALKER_FRAMES
    };
    Batching {
        dispatch_walkers: dispatch
            .unwrap_or(MAX_DISPATCH_WALKERS)
            .clamp(1, MAX_DISPATCH_WALKERS),
        dispatch_walker_frames: budget,
        flush_every,
    }
}

/// Most batch memory one group of points takes on the device.
pub const GROUP_BYTES: u64 = 1 << 30;
/// Most walker-frames in one group (~0.3 s on a large GPU): a sweep stores its finished
/// points group by group, so an interrupted sweep loses at most one group.
pub const GROUP_WALKER_FRAMES: u64 = 1 << 37;
/// The same on a software device.
pub const SOFTWARE_GROUP_WALKER_FRAMES: u64 = 1 << 30;

/// Cuts consecutive points, given as (layout, walkers), into groups that share
/// dispatches: same `profile`, batch buffers that fit together on the device, and a
/// bounded amount of work.
pub fn groups(ctx: &GpuContext, points: &[(HistLayout, u64)]) -> Vec<std::ops::Range<usize>> {
    let bytes_limit = ctx.max_storage_bytes().min(GROUP_BYTES);
    let work_limit = if ctx.adapter.is_software() {
        SOFTWARE_GROUP_WALKER_FRAMES
    } else {
        GROUP_WALKER_FRAMES
    };
    let mut out = Vec::new();
    let mut start = 0;
    let (mut bytes, mut work) = (0u64, 0u64);
    for (i, (layout, walkers)) in points.iter().enumerate() {
        let b = layout.device_bytes();
        let w = walkers.saturating_mul(u64::from(layout.frames));
        let fits = layout.profile == points[start].0.profile
            && bytes + b <= bytes_limit
            && work.saturating_add(w) <= work_limit;
        if i > start && !fits {
            out.push(start..i);
            start = i;
            bytes = 0;
            work = 0;
        }
        bytes += b;
        work = work.saturating_add(w);
    }
    if start < points.len() {
        out.push(start..points.len());
    }
    out
}
