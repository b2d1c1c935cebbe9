//! The GPU driver: carries out a [`Planner`]'s steps for one group of points (upload
//! the tables, dispatch, read back, add into `u64` host totals). GPU memory is one batch
//! per point of the group, whatever the walker count.

use crate::context::{GpuContext, GpuError};
use crate::plan::{Batching, PlanJob, Planner, Step};
use crate::walk::WalkPipeline;
use exciton_core::histogram::{add_counts, add_device_moments, HistLayout, Histograms};
use exciton_core::kernels::walk::PointParams;
use exciton_core::model::WalkTables;
use exciton_core::progress::{Phase, Progress};

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
pub fn run_group(
    ctx: &GpuContext,
    pipeline: &WalkPipeline,
    jobs: &[PointJob],
    batching: Batching,
    progress: &Progress,
) -> Result<Vec<Histograms>, GpuError> {
    let profile = jobs.first().is_some_and(|j| j.layout.profile);
    assert!(jobs.iter().all(|j| j.layout.profile == profile));
    let described: Vec<_> = jobs.iter().map(|j| (j.tables, j.layout, j.key)).collect();
    let phases = &progress.phases;
    let buffers = phases.time(Phase::Setup, || pipeline.buffers(ctx, &described, None))?;
    let mut totals: Vec<Histograms> = jobs.iter().map(|j| Histograms::zeros(j.layout)).collect();
    // Reads the batch back into the totals; zeroes it on the device unless it was the last.
    let flush = |totals: &mut Vec<Histograms>, last: bool| -> Result<(), GpuError> {
        let start = std::time::Instant::now();
        ctx.read_back_with(&buffers.hist, buffers.hist_bytes, |words| {
            phases.add(Phase::ReadBack, start.elapsed());
            phases.time(Phase::HostAdd, || {
                add_batches(totals, &buffers.params, words)
            });
        })?;
        if !last {
            pipeline.clear(ctx, &buffers, None);
        }
        Ok(())
    };
    let sizes = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| PlanJob::whole(j.layout.frames, j.walkers, i))
        .collect();
    for step in Planner::new(sizes, batching) {
        if progress.cancelled() {
            return Err(GpuError::Interrupted);
        }
        let segments = match step {
            Step::Flush => {
                flush(&mut totals, false)?;
                continue;
            }
            Step::Dispatch(segments) => segments,
        };
        let params: Vec<PointParams> = segments
            .iter()
            .map(|s| {
                buffers.params[s.job]
                    .in_range(jobs[s.job].tables, jobs[s.job].first)
                    .segment(jobs[s.job].first + s.first, s.count, s.group_base)
            })
            .collect();
        phases.time(Phase::Kernel, || {
            pipeline.dispatch(ctx, &buffers, &params, profile)?;
            ctx.wait()
        })?;
        progress.advance(segments.iter().map(|s| u64::from(s.count)).sum());
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
