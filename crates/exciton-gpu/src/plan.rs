//! How the GPU's work is cut, decided without a device: points grouped so that their
//! batch buffers fit together, and each group's walkers packed into dispatches with the
//! read-backs placed so that no `u32` counter can pass 2^32 - 1.
//!
//! A sweep does not pay a round trip per point: the points of a group share one batch
//! buffer and every dispatch packs segments of consecutive points until it holds
//! [`MAX_DISPATCH_GROUPS`] workgroups or the walker-frame budget (short enough for a
//! desktop watchdog). Each walker adds at most 1 to a counter, so a flush every
//! 2^32 - 1 walkers of a point keeps every counter exact.
//!
//! A point's walker blocks are jobs of their own, packed into the same dispatches as
//! whole points are. A block's segment writes a batch (a *slot*) that lives for one
//! dispatch: the block-sums kernel then adds it into the block's sums on the device, so
//! device memory, dispatches and read-backs do not grow with the blocks (the slots of a
//! dispatch are bounded by [`Batching::dispatch_slot_bytes`]), and a read-back is each
//! block's sums ([`block_read_back_bytes`]), not its batch.

use exciton_core::histogram::HistLayout;
use exciton_core::kernels::block_sums::{block_words, kept_words};
use exciton_core::kernels::walk::{MAX_DISPATCH_GROUPS, MAX_DISPATCH_WALKERS, WORKGROUP_SIZE};
use std::ops::Range;

/// Walker-frames per dispatch on a hardware GPU: ~10 ms on a large one.
pub const DISPATCH_WALKER_FRAMES: u64 = 1 << 32;
/// The same on a software device (seconds there), so that progress and Ctrl-C stay
/// responsive.
pub const SOFTWARE_DISPATCH_WALKER_FRAMES: u64 = 1 << 27;
/// Most batch memory one group of points (or the slots of one dispatch) takes on the
/// device.
pub const GROUP_BYTES: u64 = 1 << 30;
/// Most walker-frames in one group (~0.3 s on a large GPU): a sweep stores its finished
/// points group by group, so an interrupted sweep loses at most one group.
pub const GROUP_WALKER_FRAMES: u64 = 1 << 37;
/// The same on a software device.
pub const SOFTWARE_GROUP_WALKER_FRAMES: u64 = 1 << 30;

/// What the planner needs to know of a device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeviceLimits {
    /// Largest storage buffer a kernel may bind, in bytes.
    pub max_storage_bytes: u64,
    /// A software rasteriser (llvmpipe): smaller dispatches and groups.
    pub software: bool,
}

impl DeviceLimits {
    /// Most batch bytes of one group, or of one dispatch's slots.
    pub fn batch_bytes(&self) -> u64 {
        self.max_storage_bytes.min(GROUP_BYTES)
    }
}

/// How walkers are cut: per dispatch, and between read-backs of the `u32` batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batching {
    /// Most walkers of one dispatch (whatever the frames).
    pub dispatch_walkers: u32,
    /// Most walker-frames of one dispatch.
    pub dispatch_walker_frames: u64,
    /// Most bytes of the slots of one dispatch (a dispatch of one segment may pass it).
    pub dispatch_slot_bytes: u64,
    /// Walkers of one point between read-backs: at most 2^32 - 1, since a counter gains
    /// at most one count per walker.
    pub flush_every: u64,
}

impl Batching {
    /// The batching for a device; `dispatch` and `flush_every` are overrides (tests make
    /// them small to exercise batching and the 64-bit totals).
    pub fn for_device(device: DeviceLimits, dispatch: Option<u32>, flush_every: u64) -> Self {
        let budget = if device.software {
            SOFTWARE_DISPATCH_WALKER_FRAMES
        } else {
            DISPATCH_WALKER_FRAMES
        };
        Batching {
            dispatch_walkers: dispatch
                .unwrap_or(MAX_DISPATCH_WALKERS)
                .clamp(1, MAX_DISPATCH_WALKERS),
            dispatch_walker_frames: budget,
            dispatch_slot_bytes: device.batch_bytes(),
            flush_every: flush_every.clamp(1, u64::from(u32::MAX)),
        }
    }
}

/// Cuts consecutive points, given as (layout, walkers, device bytes that live as long
/// as the group), into groups that share dispatches: same `profile`, bytes that fit
/// together on the device, and a bounded amount of work.
pub fn groups(device: DeviceLimits, points: &[(HistLayout, u64, u64)]) -> Vec<Range<usize>> {
    let bytes_limit = device.batch_bytes();
    let work_limit = if device.software {
        SOFTWARE_GROUP_WALKER_FRAMES
    } else {
        GROUP_WALKER_FRAMES
    };
    let mut out = Vec::new();
    let mut start = 0;
    let (mut bytes, mut work) = (0u64, 0u64);
    for (i, &(layout, walkers, b)) in points.iter().enumerate() {
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

/// Bytes read back of a point run as `blocks` walker blocks: each block's sums, and the
/// counters of its emission profile (with `record_profiles` or an image), added over the
/// blocks or, when each block is reported on its own, per block.
pub fn block_read_back_bytes(layout: &HistLayout, blocks: u64, each_block: bool) -> u64 {
    let profiles = if each_block { blocks } else { 1 };
    4 * (blocks * block_words(layout) as u64 + profiles * kept_words(layout) as u64)
}

/// One job of a group: walkers of a point, or of one walker block of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanJob {
    pub frames: u32,
    pub walkers: u64,
    /// Jobs with the same guard count their walkers together between read-backs (the
    /// blocks of a point, whose profile counters are added on the device).
    pub guard: usize,
    /// Bytes of the batch a segment of this job writes for one dispatch (a slot); 0 for
    /// a job whose batch lives as long as its group.
    pub slot_bytes: u64,
}

impl PlanJob {
    /// A job with a guard of its own and a batch for the whole group.
    pub fn whole(frames: u32, walkers: u64, guard: usize) -> Self {
        PlanJob {
            frames,
            walkers,
            guard,
            slot_bytes: 0,
        }
    }
}

/// One job's walkers in one dispatch: walkers `first..first + count` of job `job`
/// (counted from the job's own first walker), from workgroup `group_base` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub job: usize,
    pub first: u64,
    pub count: u32,
    pub group_base: u32,
}

/// What the driver does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Run these segments in one dispatch (consecutive workgroups).
    Dispatch(Vec<Segment>),
    /// Read the batch back into the totals and zero it, before a counter could wrap.
    Flush,
}

/// The dispatches and read-backs of one group, in order; the driver reads back once
/// more after the last step.
pub struct Planner {
    jobs: Vec<PlanJob>,
    batching: Batching,
    since_flush: Vec<u64>,
    done: Vec<u64>,
    next: usize,
}

impl Planner {
    pub fn new(jobs: Vec<PlanJob>, batching: Batching) -> Self {
        let n = jobs.len();
        let guards = jobs.iter().map(|j| j.guard + 1).max().unwrap_or(0);
        let mut planner = Planner {
            jobs,
            batching,
            since_flush: vec![0; guards],
            done: vec![0; n],
            next: 0,
        };
        planner.skip_finished();
        planner
    }

    fn skip_finished(&mut self) {
        while self.next < self.jobs.len() && self.done[self.next] == self.jobs[self.next].walkers {
            self.next += 1;
        }
    }
}

impl Iterator for Planner {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        let b = self.batching;
        let mut segments = Vec::new();
        let (mut groups, mut walker_frames, mut walkers, mut slots) = (0u32, 0u64, 0u64, 0u64);
        let mut i = self.next;
        while i < self.jobs.len() && groups < MAX_DISPATCH_GROUPS {
            let job = self.jobs[i];
            let left = job.walkers - self.done[i];
            if left == 0 {
                i += 1;
                continue;
            }
            if !segments.is_empty() && slots + job.slot_bytes > b.dispatch_slot_bytes {
                break;
            }
            let frames = u64::from(job.frames);
            let room_frames = b.dispatch_walker_frames.saturating_sub(walker_frames) / frames;
            let room_groups = u64::from(MAX_DISPATCH_GROUPS - groups) * u64::from(WORKGROUP_SIZE);
            let room_walkers = u64::from(b.dispatch_walkers).saturating_sub(walkers);
            let room_flush = b.flush_every - self.since_flush[job.guard];
            // At most a read-back's worth, so that a dispatch after a flush always fits.
            let mut count = left
                .min(room_frames)
                .min(room_groups)
                .min(room_walkers)
                .min(b.flush_every);
            if count > room_flush {
                if !segments.is_empty() {
                    break;
                }
                // Nothing planned yet: read back first, then plan this dispatch afresh.
                self.since_flush.fill(0);
                return Some(Step::Flush);
            }
            if count == 0 {
                if !segments.is_empty() {
                    break;
                }
                // A single walker of a very long point still makes a dispatch.
                count = 1;
            }
            segments.push(Segment {
                job: i,
                first: self.done[i],
                count: count as u32,
                group_base: groups,
            });
            groups += (count as u32).div_ceil(WORKGROUP_SIZE);
            walker_frames += count * frames;
            walkers += count;
            slots += job.slot_bytes;
            self.since_flush[job.guard] += count;
            self.done[i] += count;
            if self.done[i] == job.walkers {
                i += 1;
            } else {
                break;
            }
        }
        self.skip_finished();
        (!segments.is_empty()).then_some(Step::Dispatch(segments))
    }
}

#[cfg(test)]
mod tests;
