//! The GPU driver for walker blocks: every block of every point of a group is a job of
//! the same [`Planner`], so a point's blocks share dispatches with each other and with
//! other points. A segment writes a slot of the batch buffer for one dispatch; the
//! block-sums kernel then adds the slots into each block's sums on the device, and the
//! host reads back those sums (and a point's profile counters) at the planner's flushes
//! and at the end: device memory and read-backs do not grow with the blocks.

use crate::block_sums::BlockSumsPipeline;
use crate::context::{GpuContext, GpuError};
use crate::plan::{Batching, PlanJob, Planner, Segment, Step};
use crate::walk::{Slots, WalkBuffers, WalkPipeline};
use exciton_core::histogram::{HistLayout, Histograms};
use exciton_core::kernels::block_sums::{
    add_block_sums, add_kept, block_words, empty_sums, kept_sections, kept_words, BlockTask,
    SumTask,
};
use exciton_core::kernels::walk::PointParams;
use exciton_core::model::WalkTables;
use exciton_core::observables::{emission_profile, EmissionProfile, FrameSums};
use exciton_core::progress::{Phase, Progress};

/// Walker blocks of one point: each (first walker, walkers).
pub struct BlockPointJob<'a> {
    pub tables: &'a WalkTables,
    pub layout: HistLayout,
    pub key: u64,
    pub blocks: Vec<(u64, u64)>,
    /// Each block's emission profile is wanted on its own (a checkpoint, a shard).
    pub each_block: bool,
}

/// What a point's blocks leave on the host.
pub struct PointBlocks {
    /// Each block's sums, in the job's order.
    pub sums: Vec<FrameSums>,
    /// Each block's emission profile, for jobs with `each_block` (else empty).
    pub block_profiles: Vec<Option<EmissionProfile>>,
    /// The emission profile of all the blocks together.
    pub profile: Option<EmissionProfile>,
}

/// Where a job's results lie in the sums buffer, in words.
struct Place {
    /// Each block's sums.
    blocks: Vec<u32>,
    /// The profile counters: one per block with `each_block`, else one for the point
    /// (none without profile counters).
    kept: Vec<u32>,
}

/// The sums buffer's layout for `jobs`, and its words.
fn places(jobs: &[BlockPointJob]) -> (Vec<Place>, u64) {
    let mut at = 0u64;
    let mut take = |words: usize| {
        let base = at as u32;
        at += words as u64;
        base
    };
    let out = jobs
        .iter()
        .map(|j| {
            let blocks = j
                .blocks
                .iter()
                .map(|_| take(block_words(&j.layout)))
                .collect();
            let kept = match kept_words(&j.layout) {
                0 => Vec::new(),
                w if j.each_block => j.blocks.iter().map(|_| take(w)).collect(),
                w => vec![take(w)],
            };
            Place { blocks, kept }
        })
        .collect();
    (out, at)
}

/// Runs every block of a group of points (all with the same `layout.profile`) and
/// returns what each point's blocks leave, in order.
pub fn run_blocks(
    ctx: &GpuContext,
    walk: &WalkPipeline,
    reduce: &BlockSumsPipeline,
    jobs: &[BlockPointJob],
    batching: Batching,
    progress: &Progress,
) -> Result<Vec<PointBlocks>, GpuError> {
    let profile = jobs.first().is_some_and(|j| j.layout.profile);
    assert!(jobs.iter().all(|j| j.layout.profile == profile));
    let BlockPlan {
        owner,
        steps,
        slot_words,
    } = BlockPlan::new(jobs, batching);
    let most_slots = slot_words.iter().copied().max().unwrap_or(0);
    let (places, sums_words) = places(jobs);
    let phases = &progress.phases;
    let described: Vec<_> = jobs.iter().map(|j| (j.tables, j.layout, j.key)).collect();
    let (buffers, sums_buffer) = phases.time(Phase::Setup, || {
        let slots = Slots {
            words: most_slots.max(1),
            segments: owner.len(),
        };
        let b = walk.buffers(ctx, &described, Some(slots))?;
        Ok::<_, GpuError>((b, reduce.sums_buffer(ctx, sums_words)?))
    })?;
    let mut totals = Totals::new(jobs);
    let read_back = |totals: &mut Totals| -> Result<(), GpuError> {
        let start = std::time::Instant::now();
        ctx.read_back_with(&sums_buffer, sums_words * 4, |words| {
            phases.add(Phase::ReadBack, start.elapsed());
            phases.time(Phase::HostAdd, || totals.add(jobs, &places, words));
        })?;
        let mut encoder = ctx.device.create_command_encoder(&Default::default());
        encoder.clear_buffer(&sums_buffer, 0, None);
        ctx.queue.submit([encoder.finish()]);
        Ok(())
    };
    for (step, slot_words) in steps.into_iter().zip(slot_words) {
        if progress.cancelled() {
            return Err(GpuError::Interrupted);
        }
        let segments = match step {
            Step::Flush => {
                read_back(&mut totals)?;
                continue;
            }
            Step::Dispatch(segments) => segments,
        };
        let work = Dispatch::new(jobs, &owner, &places, &buffers, &segments);
        phases.time(Phase::Kernel, || {
            walk.dispatch(ctx, &buffers, &work.params, profile)?;
            reduce.dispatch(
                ctx,
                &buffers.hist,
                &sums_buffer,
                &work.blocks,
                &work.counters,
            )?;
            walk.clear(ctx, &buffers, Some(slot_words));
            ctx.wait()
        })?;
        progress.advance(segments.iter().map(|s| u64::from(s.count)).sum());
    }
    read_back(&mut totals)?;
    Ok(totals.finish(jobs))
}

/// A group's blocks as planner jobs, and the steps.
struct BlockPlan {
    /// (job, block) of each planner job.
    owner: Vec<(usize, usize)>,
    steps: Vec<Step>,
    /// Words of each step's slots (0 for a flush).
    slot_words: Vec<u64>,
}

impl BlockPlan {
    fn new(jobs: &[BlockPointJob], batching: Batching) -> Self {
        let owner: Vec<(usize, usize)> = jobs
            .iter()
            .enumerate()
            .flat_map(|(j, job)| (0..job.blocks.len()).map(move |b| (j, b)))
            .collect();
        let plan_jobs = owner
            .iter()
            .map(|&(j, b)| PlanJob {
                frames: jobs[j].layout.frames,
                walkers: jobs[j].blocks[b].1,
                guard: j,
                slot_bytes: jobs[j].layout.device_bytes(),
            })
            .collect();
        let steps: Vec<Step> = Planner::new(plan_jobs, batching).collect();
        let words = |s: &Segment| jobs[owner[s.job].0].layout.device_words() as u64;
        let slot_words = steps
            .iter()
            .map(|step| match step {
                Step::Dispatch(segments) => segments.iter().map(words).sum(),
                Step::Flush => 0,
            })
            .collect();
        BlockPlan {
            owner,
            steps,
            slot_words,
        }
    }
}

/// One dispatch's segments as the two kernels take them: the walk's parameters (each
/// segment writing its own slot) and the reduction's tasks.
struct Dispatch {
    params: Vec<PointParams>,
    blocks: Vec<BlockTask>,
    counters: Vec<SumTask>,
    /// Invocations of `counters` so far.
    counted: u32,
}

impl Dispatch {
    fn new(
        jobs: &[BlockPointJob],
        owner: &[(usize, usize)],
        places: &[Place],
        buffers: &WalkBuffers,
        segments: &[Segment],
    ) -> Self {
        let mut d = Dispatch {
            params: Vec::with_capacity(segments.len()),
            blocks: Vec::with_capacity(segments.len() + 1),
            counters: Vec::new(),
            counted: 0,
        };
        let (mut slot, mut first) = (0u32, 0u32);
        // The run of consecutive slots of one point whose profile counters add together.
        let (mut run_start, mut run_len) = (0u32, 0u32);
        for (i, s) in segments.iter().enumerate() {
            let (j, b) = owner[s.job];
            let (job, place) = (&jobs[j], &places[j]);
            let block_first = job.blocks[b].0;
            let p = buffers.params[j].in_range(job.tables, block_first).segment(
                block_first + s.first,
                s.count,
                s.group_base,
            );
            d.params.push(PointParams {
                hist_base: slot,
                ..p
            });
            d.blocks
                .push(BlockTask::new(&job.layout, first, slot, place.blocks[b]));
            first += BlockTask::invocations(&job.layout);
            if !place.kept.is_empty() {
                if run_len == 0 {
                    run_start = slot;
                }
                run_len += 1;
                // One task per run: the shader's adds are not atomic, so no two tasks
                // may add into the same words.
                let goes_on =
                    !job.each_block && segments.get(i + 1).is_some_and(|n| owner[n.job].0 == j);
                if !goes_on {
                    let out = place.kept[if job.each_block { b } else { 0 }];
                    d.add_counters(&job.layout, run_start, run_len, out);
                    run_len = 0;
                }
            }
            slot += job.layout.device_words() as u32;
        }
        d.blocks.push(BlockTask::end(first));
        if !d.counters.is_empty() {
            d.counters.push(SumTask {
                first: d.counted,
                ..bytemuck::Zeroable::zeroed()
            });
        }
        d
    }

    /// Tasks adding the profile counters of `slots` consecutive slots from word `src`
    /// into the counters at `out`.
    fn add_counters(&mut self, layout: &HistLayout, src: u32, slots: u32, out: u32) {
        let mut at = 0;
        for (offset, len) in kept_sections(layout) {
            self.counters.push(SumTask {
                first: self.counted,
                src: src + offset as u32,
                stride: layout.device_words() as u32,
                blocks: slots,
                out_base: out + at,
            });
            self.counted += len as u32;
            at += len as u32;
        }
    }
}

/// The host's sums of every block, and the profile counters, added at each read-back.
struct Totals {
    sums: Vec<Vec<FrameSums>>,
    kept: Vec<Vec<Histograms>>,
}

impl Totals {
    fn new(jobs: &[BlockPointJob]) -> Self {
        let sums = jobs
            .iter()
            .map(|j| {
                j.blocks
                    .iter()
                    .map(|b| empty_sums(&j.layout, b.1))
                    .collect()
            })
            .collect();
        let kept = jobs
            .iter()
            .map(|j| match kept_words(&j.layout) {
                0 => Vec::new(),
                _ if j.each_block => vec![Histograms::zeros(j.layout); j.blocks.len()],
                _ => vec![Histograms::zeros(j.layout)],
            })
            .collect();
        Totals { sums, kept }
    }

    fn add(&mut self, jobs: &[BlockPointJob], places: &[Place], words: &[u32]) {
        for ((job, place), (sums, kept)) in jobs
            .iter()
            .zip(places)
            .zip(self.sums.iter_mut().zip(&mut self.kept))
        {
            let (bw, kw) = (block_words(&job.layout), kept_words(&job.layout));
            for (s, &base) in sums.iter_mut().zip(&place.blocks) {
                add_block_sums(s, &job.layout, &words[base as usize..][..bw]);
            }
            for (h, &base) in kept.iter_mut().zip(&place.kept) {
                add_kept(h, &words[base as usize..][..kw]);
            }
        }
    }

    fn finish(self, jobs: &[BlockPointJob]) -> Vec<PointBlocks> {
        jobs.iter()
            .zip(self.sums.into_iter().zip(self.kept))
            .map(|(job, (sums, kept))| {
                let profiles: Vec<Option<EmissionProfile>> =
                    kept.iter().map(emission_profile).collect();
                if job.each_block {
                    PointBlocks {
                        sums,
                        profile: EmissionProfile::sum(profiles.iter().flatten()),
                        block_profiles: profiles,
                    }
                } else {
                    PointBlocks {
                        sums,
                        block_profiles: Vec::new(),
                        profile: profiles.into_iter().next().flatten(),
                    }
                }
            })
            .collect()
    }
}
