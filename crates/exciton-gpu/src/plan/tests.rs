use super::*;

const HARDWARE: DeviceLimits = DeviceLimits {
    max_storage_bytes: 2 << 30,
    software: false,
};

fn batching(dispatch_walkers: u32, walker_frames: u64, flush_every: u64) -> Batching {
    Batching {
        dispatch_walkers,
        dispatch_walker_frames: walker_frames,
        dispatch_slot_bytes: GROUP_BYTES,
        flush_every,
    }
}

/// Jobs of their own guard and no slots, from (frames, walkers).
fn whole(jobs: &[(u32, u64)]) -> Vec<PlanJob> {
    jobs.iter()
        .enumerate()
        .map(|(i, &(frames, walkers))| PlanJob::whole(frames, walkers, i))
        .collect()
}

fn plan(jobs: &[(u32, u64)], b: Batching) -> Vec<Step> {
    Planner::new(whole(jobs), b).collect()
}

/// Walkers each job gets over all dispatches, and the most walkers of one guard between
/// flushes, checking segments are contiguous and in order and every dispatch within
/// its budgets.
fn replay(jobs: &[PlanJob], steps: &[Step], b: Batching) -> (Vec<u64>, u64) {
    let mut got = vec![0u64; jobs.len()];
    let mut since = vec![0u64; jobs.iter().map(|j| j.guard + 1).max().unwrap_or(0)];
    let mut most = 0;
    for step in steps {
        match step {
            Step::Flush => since.fill(0),
            Step::Dispatch(segs) => {
                let mut group = 0;
                let (mut walkers, mut wf, mut slots) = (0u64, 0u64, 0u64);
                for s in segs {
                    let job = jobs[s.job];
                    assert_eq!(s.first, got[s.job], "segments of a job follow each other");
                    assert_eq!(s.group_base, group, "workgroups are consecutive");
                    group += s.count.div_ceil(WORKGROUP_SIZE);
                    got[s.job] += u64::from(s.count);
                    since[job.guard] += u64::from(s.count);
                    most = most.max(since[job.guard]);
                    walkers += u64::from(s.count);
                    wf += u64::from(s.count) * u64::from(job.frames);
                    slots += job.slot_bytes;
                }
                assert!(group <= MAX_DISPATCH_GROUPS, "{group} workgroups");
                assert!(
                    walkers <= u64::from(b.dispatch_walkers),
                    "{walkers} walkers"
                );
                // One walker may exceed the frame budget on its own, never two.
                assert!(wf <= b.dispatch_walker_frames || segs.len() == 1 && segs[0].count == 1);
                assert!(slots <= b.dispatch_slot_bytes || segs.len() == 1, "{slots}");
            }
        }
    }
    (got, most)
}

#[test]
fn every_walker_once_and_no_counter_can_wrap() {
    let jobs = vec![(300, 1_000_000), (1200, 77), (300, 0), (50, 3_000_001)];
    let b = batching(70_000, 1 << 26, 500_000);
    let steps = plan(&jobs, b);
    let (got, most) = replay(&whole(&jobs), &steps, b);
    assert_eq!(got, vec![1_000_000, 77, 0, 3_000_001]);
    assert!(most <= 500_000, "{most} walkers of one job between flushes");
    assert!(steps.contains(&Step::Flush));
}

#[test]
fn small_points_share_one_dispatch() {
    let jobs = vec![(100, 1000); 10];
    let b = Batching::for_device(HARDWARE, None, u64::from(u32::MAX));
    let steps = plan(&jobs, b);
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
    let steps = plan(&jobs, b);
    assert_eq!(steps.len(), 10, "1000 walkers of 1000 frames per dispatch");
    assert_eq!(replay(&whole(&jobs), &steps, b).0, vec![10_000]);
}

#[test]
fn a_walker_longer_than_the_budget_still_runs() {
    let jobs = vec![(5000, 3)];
    let b = batching(MAX_DISPATCH_WALKERS, 1000, u64::from(u32::MAX));
    let steps = plan(&jobs, b);
    assert_eq!(steps.len(), 3);
    assert_eq!(replay(&whole(&jobs), &steps, b).0, vec![3]);
}

#[test]
fn the_u32_guard_flushes_before_2_pow_32_walkers() {
    let jobs = vec![(1, 3 * u64::from(u32::MAX))];
    let b = Batching::for_device(HARDWARE, None, u64::MAX);
    assert_eq!(b.flush_every, u64::from(u32::MAX));
    let steps = plan(&jobs, b);
    let (got, most) = replay(&whole(&jobs), &steps, b);
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
    let bytes = small.device_bytes();
    let points = vec![
        (small, 10, bytes),
        (small, 10, bytes),
        (small, 10, bytes),
        (profiled, 10, profiled.device_bytes()),
        (small, GROUP_WALKER_FRAMES / 100, bytes),
        (small, 1, bytes),
    ];
    let got = groups(device, &points);
    assert_eq!(got, vec![0..2, 2..3, 3..4, 4..5, 5..6], "{got:?}");
    let software = DeviceLimits {
        software: true,
        ..HARDWARE
    };
    assert_eq!(
        groups(
            software,
            &[(small, SOFTWARE_GROUP_WALKER_FRAMES / 100, bytes); 2]
        ),
        vec![0..1, 1..2]
    );
}

/// The point of the 64-point sweep: 300 frames, 3 states, rows of 602 bins.
fn sweep_layout() -> HistLayout {
    HistLayout::new(300, 3, 300, 10, false, false)
}

const LLVMPIPE: DeviceLimits = DeviceLimits {
    max_storage_bytes: 128 << 20,
    software: true,
};

/// Dispatches and read-backs of `points` equal points of `walkers` walkers: before the
/// walker blocks (`blocks` = None: one batch per point for its group), or as `blocks`
/// blocks each (a slot per segment, the sums for the group).
fn cost(device: DeviceLimits, points: usize, walkers: u64, blocks: Option<u64>) -> (usize, usize) {
    let layout = sweep_layout();
    let b = Batching::for_device(device, None, u64::from(u32::MAX));
    let bytes = blocks.map_or(layout.device_bytes(), |n| {
        block_read_back_bytes(&layout, n, false)
    });
    let (mut dispatches, mut read_backs) = (0, 0);
    for group in groups(device, &vec![(layout, walkers, bytes); points]) {
        let mut jobs = Vec::new();
        for point in group {
            let Some(n) = blocks else {
                jobs.push(PlanJob::whole(layout.frames, walkers, point));
                continue;
            };
            for k in 0..n {
                jobs.push(PlanJob {
                    frames: layout.frames,
                    walkers: walkers * (k + 1) / n - walkers * k / n,
                    guard: point,
                    slot_bytes: layout.device_bytes(),
                });
            }
        }
        let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
        let (got, _) = replay(&jobs, &steps, b);
        assert_eq!(got, jobs.iter().map(|j| j.walkers).collect::<Vec<_>>());
        dispatches += steps.iter().filter(|s| **s != Step::Flush).count();
        read_backs += 1 + steps.iter().filter(|s| **s == Step::Flush).count();
    }
    (dispatches, read_backs)
}

#[test]
fn a_points_blocks_take_the_dispatches_and_read_backs_of_the_point() {
    // The sweep on llvmpipe: 64 points of 2e5 walkers, 16 blocks of 12,500.
    let before = cost(LLVMPIPE, 64, 200_000, None);
    assert_eq!(before, (30, 4), "groups of 17, 17, 17 and 13 points");
    assert_eq!(cost(LLVMPIPE, 64, 200_000, Some(1)), before);
    assert_eq!(cost(LLVMPIPE, 64, 200_000, Some(16)), before);
    // On a large GPU with points of 2^20 walkers.
    let before = cost(HARDWARE, 64, 1 << 20, None);
    assert_eq!(cost(HARDWARE, 64, 1 << 20, Some(1)), before);
    assert_eq!(cost(HARDWARE, 64, 1 << 20, Some(16)), before);
}

#[test]
fn small_blocks_on_a_large_gpu_are_cut_by_their_slots_only() {
    // 1024 slots of 12,500 walkers would take 1.4 GiB for one dispatch: the slot budget
    // (the batch memory a group had before the blocks) cuts it in two.
    assert_eq!(cost(HARDWARE, 64, 200_000, None), (1, 1));
    assert_eq!(cost(HARDWARE, 64, 200_000, Some(1)), (1, 1));
    assert_eq!(cost(HARDWARE, 64, 200_000, Some(16)), (2, 1));
}

#[test]
fn read_back_bytes_grow_by_each_blocks_sums_only() {
    let layout = sweep_layout();
    let one = block_read_back_bytes(&layout, 1, false);
    let sixteen = block_read_back_bytes(&layout, 16, false);
    assert_eq!(sixteen - one, 15 * 4 * block_words(&layout) as u64);
    // Less than the one batch per point read back before the blocks (1.42 MB).
    assert!(sixteen < layout.device_bytes(), "{sixteen}");
    assert_eq!((one, sixteen), (68_400, 1_094_400));
    // A point with profiles reads its profile's counters once, or once per block when
    // each block is reported (a checkpoint, a shard).
    let profiled = HistLayout::new(300, 3, 300, 10, false, true);
    let rows = 4 * 300 * profiled.abs_row_width() as u64;
    let sums = 4 * block_words(&profiled) as u64;
    assert_eq!(
        block_read_back_bytes(&profiled, 16, false),
        16 * sums + rows
    );
    assert_eq!(
        block_read_back_bytes(&profiled, 16, true),
        16 * (sums + rows)
    );
}

#[test]
fn the_blocks_of_a_point_share_its_u32_guard() {
    // Four blocks of 2^31 walkers: their profile counters are added on the device, so the
    // point, not each block, reads back before 2^32 walkers.
    let jobs: Vec<PlanJob> = (0..4)
        .map(|_| PlanJob {
            frames: 1,
            walkers: 1 << 31,
            guard: 0,
            slot_bytes: 1,
        })
        .collect();
    let b = Batching::for_device(HARDWARE, None, u64::MAX);
    let steps: Vec<Step> = Planner::new(jobs.clone(), b).collect();
    let (got, most) = replay(&jobs, &steps, b);
    assert_eq!(got, vec![1 << 31; 4]);
    assert!(most <= u64::from(u32::MAX), "{most}");
    assert_eq!(steps.iter().filter(|s| **s == Step::Flush).count(), 2);
}
