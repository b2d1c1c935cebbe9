use super::*;
use crate::histogram::add_device_moments;
use crate::kernels::rng::Pcg32;

/// A layout with every section the sums read: emission_abs rows and an image.
fn layout() -> HistLayout {
    HistLayout::new(7, 3, 300, 2, true, true).with_image(2, 3, Some(2))
}

/// A batch as the walk kernel leaves it: counters of any size, and moment differences
/// small enough that no value wraps (as in a real walk).
fn batch(layout: &HistLayout, rng: &mut Pcg32) -> Vec<u32> {
    let mut words: Vec<u32> = (0..layout.len()).map(|_| rng.next_u32() % 50).collect();
    // A huge counter, alone in its row (a row counts fewer than 2^32 walkers between
    // read-backs, here two batches), at dx = -300: two make a sum of dx^4 above 2^64.
    words[..layout.row_width()].fill(0);
    words[0] = u32::MAX / 4;
    for _ in 0..DEVICE_MOMENT_COPIES * layout.cells() {
        for k in 0..MOMENTS {
            let v = i64::from(rng.next_u32() % 2001) - 1000;
            let v = if k == 2 || k == 4 { v.abs() } else { v } as u64;
            words.extend([v as u32, (v >> 32) as u32]);
        }
    }
    assert_eq!(words.len(), layout.device_words());
    words
}

fn histograms(layout: &HistLayout, batches: &[&[u32]]) -> Histograms {
    let mut h = Histograms::zeros(*layout);
    for b in batches {
        let (counts, pairs) = layout.split_device(b);
        crate::histogram::add_counts(&mut h.counts, counts);
        add_device_moments(&mut h.moments, layout, pairs);
    }
    h
}

#[test]
fn block_sums_equal_the_sums_of_the_histograms_over_dispatches_and_read_backs() {
    let layout = layout();
    let mut rng = Pcg32::new(7, 11);
    let words = layout.device_words() as u32;
    let bw = block_words(&layout);
    // Two blocks, the second 3 words after the first's batch: bases need no alignment.
    let tasks = [
        BlockTask::new(&layout, 0, 0, 0),
        BlockTask::new(
            &layout,
            BlockTask::invocations(&layout),
            words + 3,
            bw as u32,
        ),
        BlockTask::end(2 * BlockTask::invocations(&layout)),
    ];
    let mut sums = [empty_sums(&layout, 10), empty_sums(&layout, 20)];
    let mut batches: [Vec<Vec<u32>>; 2] = Default::default();
    // Read-backs of the sums after two dispatches, then after one.
    for dispatches in [2, 1] {
        let mut out = vec![0u32; 2 * bw];
        for _ in 0..dispatches {
            let pair = [batch(&layout, &mut rng), batch(&layout, &mut rng)];
            let mut hist = pair[0].clone();
            hist.extend([9, 9, 9]);
            hist.extend(&pair[1]);
            block_sums_cpu(&hist, &tasks, &mut out);
            for (b, p) in pair.into_iter().enumerate() {
                batches[b].push(p);
            }
        }
        for (b, s) in sums.iter_mut().enumerate() {
            add_block_sums(s, &layout, &out[b * bw..(b + 1) * bw]);
        }
    }
    for (b, s) in sums.iter().enumerate() {
        let parts: Vec<&[u32]> = batches[b].iter().map(Vec::as_slice).collect();
        let want = FrameSums::from_histograms(&histograms(&layout, &parts), [10, 20][b]);
        assert_eq!(*s, want, "block {b}");
    }
}

#[test]
fn sum_tasks_add_kept_sections_over_blocks() {
    let layout = layout();
    let mut rng = Pcg32::new(3, 5);
    let stride = layout.device_words() as u32;
    let blocks: Vec<Vec<u32>> = (0..3).map(|_| batch(&layout, &mut rng)).collect();
    let hist: Vec<u32> = blocks.concat();
    let sections = kept_sections(&layout);
    let mut tasks = Vec::new();
    let mut first = 0;
    for &(offset, len) in &sections {
        tasks.push(SumTask {
            first,
            src: offset as u32,
            stride,
            blocks: 3,
            out_base: first,
        });
        first += len as u32;
    }
    tasks.push(SumTask {
        first,
        ..Zeroable::zeroed()
    });
    // Added into what is there: here, the same blocks once more.
    let mut out = vec![0u32; kept_words(&layout)];
    sum_counters_cpu(&hist, &tasks, &mut out);
    sum_counters_cpu(&hist, &tasks, &mut out);
    let mut got = Histograms::zeros(layout);
    add_kept(&mut got, &out);
    let all = histograms(&layout, &[&blocks[0], &blocks[1], &blocks[2]]);
    let twice: Vec<u64> = all.counts.iter().map(|c| 2 * c).collect();
    for (offset, len) in sections {
        assert_eq!(
            got.counts[offset..offset + len],
            twice[offset..offset + len]
        );
    }
    assert!(got.emission_abs(3).unwrap().iter().any(|&c| c > 0));
    assert!(got.image().unwrap().0.iter().any(|&c| c > 0));
}

#[test]
fn one_block_of_sums_is_far_smaller_than_its_batch() {
    // The standard sweep's point: 300 frames, 3 states, rows of 602 bins.
    let l = HistLayout::new(300, 3, 300, 30, false, false);
    assert_eq!(block_words(&l), 300 * ROW_WORDS + 900 * CELL_WORDS);
    assert!(
        16 * block_words(&l) < l.device_words(),
        "{}",
        block_words(&l)
    );
}
