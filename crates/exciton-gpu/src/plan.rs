//! How the GPU's work is cut, decided without a device: points grouped so that their
//! batch buffers fit together, and each group's walkers packed into dispatches with the
//! read-backs placed so that no `u32` counter can pass 2^32 - 1.
//!
//! A sweep does not pay a round trip per point: the points of a group share one batch
//! buffer and every dispatch packs segments of consecutive points until it holds
//! [`MAX_DISPATCH_GROUPS`] workgroups or the walker-frame budget (short enough for a
//! desktop watchdog). Each walker adds at most 1 to a counter, so a flush every
//! 2^32 - 1 walkers of a point keeps every counter exact.

use exciton_core::histogram::HistLayout;
use exciton_core::kernels::walk::{MAX_DISPATCH_GROUPS, MAX_DISPATCH_WALKERS, WORKGROUP_SIZE};
use std::ops::Range;

/// Walker-frames per dispatch on a hardware GPU: ~10 ms on a large one.
pub const DISPATCH_WALKER_FRAMES: u64 = 1 << 32;
/// The same on a software device (seconds there), so that progress and Ctrl-C stay
/// responsive.
pub const SOFTWARE_DISPATCH_WALKER_FRAMES: u64 = 1 << 27;
/// Most batch memory one group of points takes on the device.
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

/// How walkers are cut: per dispatch, and between read-backs of the `u32` batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batching {
    /// Most walkers of one dispatch (whatever the frames).
    pub dispatch_walkers: u32,
    /// Most walker-frames of one dispatch.
    pub dispatch_walker_frames: u64,
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
            flush_every: flush_every.clamp(1, u64::from(u32::MAX)),
        }
    }
}

/// Cuts consecutive points, given as (layout, walkers), into groups that share
/// dispatches: same `profile`, batch buffers that fit together on the device, and a
/// bounded amount of work.
pub fn groups(device: DeviceLimits, points: &[(HistLayout, u64)]) -> Vec<Range<usize>> {
    let bytes_limit = device.max_storage_bytes.min(GROUP_BYTES);
    let work_limit = if device.software {
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
/// more after the last step. Jobs are (frames, walkers).
pub struct Planner {
    jobs: Vec<(u32, u64)>,
    batching: Batching,
    since_flush: Vec<u64>,
    done: Vec<u64>,
    next: usize,
}

impl Planner {
    pub fn new(jobs: Vec<(u32, u64)>, batching: Batching) -> Self {
        let n = jobs.len();
        let mut planner = Planner {
            jobs,
            batching,
            since_flush: vec![0; n],
            done: vec![0; n],
            next: 0,
        };
        planner.skip_finished();
        planner
    }

    fn skip_finished(&mut self) {
        while self.next < self.jobs.len() && self.done[self.next] == self.jobs[self.next].1 {
            self.next += 1;
        }
    }
}

impl Iterator for Planner {
    type Item = Step;

    fn next(&mut self) -> Option<Step> {
        let b = self.batching;
        let mut segments = Vec::new();
        let (mut groups, mut walker_frames, mut walkers) = (0u32, 0u64, 0u64);
        let mut i = self.next;
        while i < self.jobs.len() && groups < MAX_DISPATCH_GROUPS {
            let (frames, total) = self.jobs[i];
            let left = total - self.done[i];
            if left == 0 {
                i += 1;
                continue;
            }
            let frames = u64::from(frames);
            let room_frames = b.dispatch_walker_frames.saturating_sub(walker_frames) / frames;
            let room_groups = u64::from(MAX_DISPATCH_GROUPS - groups) * u64::from(WORKGROUP_SIZE);
            let room_walkers = u64::from(b.dispatch_walkers).saturating_sub(walkers);
            let room_flush = b.flush_every - self.since_flush[i];
            let mut count = left.min(room_frames).min(room_groups).min(room_walkers);
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
            self.since_flush[i] += count;
            self.done[i] += count;
            if self.done[i] == total {
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
mod tests {
    use super::*;

    const HARDWARE: DeviceLimits = DeviceLimits {
        max_storage_bytes: 2 << 30,
        software: false,
    };

    fn batching(dispatch_walkers: u32, walker_frames: u64, flush_every: u64) -> Batching {
        Batching {
            dispatch_walkers,
            dispatch_walker_frames: walker_frames,
            flush_every,
        }
    }

    /// Walkers each job gets over all dispatches, and the walkers of each job between
    /// flushes (the largest run), checking segments are contiguous and in order.
    fn replay(jobs: &[(u32, u64)], steps: &[Step], b: Batching) -> (Vec<u64>, u64) {
        let mut got = vec![0u64; jobs.len()];
        let mut since = vec![0u64; jobs.len()];
        let mut most = 0;
        for step in steps {
            match step {
                Step::Flush => since.fill(0),
                Step::Dispatch(segs) => {
                    let mut group = 0;
                    let (mut walkers, mut wf) = (0u64, 0u64);
                    for s in segs {
                        assert_eq!(s.first, got[s.job], "segments of a job follow each other");
                        assert_eq!(s.group_base, group, "workgroups are consecutive");
                        group += s.count.div_ceil(WORKGROUP_SIZE);
                        got[s.job] += u64::from(s.count);
                        since[s.job] += u64::from(s.count);
                        most = most.max(since[s.job]);
                        walkers += u64::from(s.count);
                        wf += u64::from(s.count) * u64::from(jobs[s.job].0);
                    }
                    assert!(group <= MAX_DISPATCH_GROUPS, "{group} workgroups");
                    assert!(
                        walkers <= u64::from(b.dispatch_walkers),
                        "{walkers} walkers"
                    );
                    // One walker may exceed the frame budget on its own, never two.
                    assert!(
                        wf <= b.dispatch_walker_frames || segs.len() == 1 && segs[0].count == 1
                    );
                }
            }
        }
        (got, most)
    }

    #[test]
    fn every_walker_once_and_no_counter_can_wrap() {
        let jobs = vec![(300, 1_000_000), (1200, 77), (300, 0), (50, 3_000_001)];
        let b = batching(70_000, 1 << 26, 500_000);
        let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
        let (got, most) = replay(&jobs, &steps, b);
        assert_eq!(got, vec![1_000_000, 77, 0, 3_000_001]);
        assert!(most <= 500_000, "{most} walkers of one job between flushes");
        assert!(steps.contains(&Step::Flush));
    }

    #[test]
    fn small_points_share_one_dispatch() {
        let jobs = vec![(100, 1000); 10];
        let b = Batching::for_device(HARDWARE, None, u64::from(u32::MAX));
        let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
        assert_eq!(steps.len(), 1, "{steps:?}");
        let Step::Dispatch(segs) = &steps[0] else {
            panic!("{steps:?}")
        };
        assert_eq!(segs.len(), 10);
        // 1000 walkers take 4 workgroups of 256.
        assert_eq!(segs[9].group_base, 36);
    }

    #[test]
    fn the_walker_frame_budget_cuts_dispatches() {
        let jobs = vec![(1000, 10_000)];
        let b = batching(MAX_DISPATCH_WALKERS, 1_000_000, u64::from(u32::MAX));
        let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
        assert_eq!(steps.len(), 10, "1000 walkers of 1000 frames per dispatch");
        assert_eq!(replay(&jobs, &steps, b).0, vec![10_000]);
    }

    #[test]
    fn a_walker_longer_than_the_budget_still_runs() {
        let jobs = vec![(5000, 3)];
        let b = batching(MAX_DISPATCH_WALKERS, 1000, u64::from(u32::MAX));
        let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
        assert_eq!(steps.len(), 3);
        assert_eq!(replay(&jobs, &steps, b).0, vec![3]);
    }

    #[test]
    fn the_u32_guard_flushes_before_2_pow_32_walkers() {
        let jobs = vec![(1, 3 * u64::from(u32::MAX))];
        let b = Batching::for_device(HARDWARE, None, u64::MAX);
        assert_eq!(b.flush_every, u64::from(u32::MAX));
        let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
        let (got, most) = replay(&jobs, &steps, b);
        assert_eq!(got[0], jobs[0].1);
        // A dispatch that would cross the limit waits for a read-back instead.
        assert!(
            most <= u64::from(u32::MAX),
            "{most} walkers between read-backs"
        );
        assert!(
            most > u64::from(u32::MAX - MAX_DISPATCH_WALKERS),
            "{most}: read back too early"
        );
        // Runs between read-backs are whole dispatches of 256 x 65535 walkers each.
        let flushes = steps.iter().filter(|s| **s == Step::Flush).count() as u64;
        assert_eq!(flushes, jobs[0].1.div_ceil(most) - 1);
    }

    #[test]
    fn groups_split_on_profile_bytes_and_work() {
        let small = HistLayout::new(100, 3, 50, 10, false, false);
        let profiled = HistLayout::new(100, 3, 50, 10, true, false);
        let device = DeviceLimits {
            max_storage_bytes: small.device_bytes() * 2,
            software: false,
        };
        let points = vec![
            (small, 10),
            (small, 10),
            (small, 10),
            (profiled, 10),
            (small, GROUP_WALKER_FRAMES / 100),
            (small, 1),
        ];
        let got = groups(device, &points);
        assert_eq!(got, vec![0..2, 2..3, 3..4, 4..5, 5..6], "{got:?}");
        let software = DeviceLimits {
            software: true,
            ..HARDWARE
        };
        assert_eq!(
            groups(software, &[(small, SOFTWARE_GROUP_WALKER_FRAMES / 100); 2]),
            vec![0..1, 1..2]
        );
    }
}
