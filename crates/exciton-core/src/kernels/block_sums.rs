//! The block-sums kernel (`shaders/block_sums.wgsl`, pipeline in
//! `exciton_gpu::block_sums`): reduces walker blocks' batches, as the walk kernel left
//! them on the device after a dispatch, to what the host keeps of each block and adds
//! that into the block's sums on the device, so that a point read back costs less than
//! one batch whatever its number of blocks, and a block needs a batch only for the
//! length of one dispatch.
//!
//! The jackknife needs a block's [`FrameSums`], not its histograms: per frame the
//! emissions, their sums of dx, dx^2, dx^3, dx^4 and the overflow (from the emission
//! rows, and the same from the `emission_abs` rows when present), and per (frame, state)
//! the emissions by state and the occupancy moments. The rows shrink to
//! [`ROW_WORDS`] words each and the [`DEVICE_MOMENT_COPIES`] moment copies to one. The
//! counters a point's emission profile needs (`emission_abs`, `image`) are read back as
//! they are, added over the point's blocks on the device ([`SumTask`]) unless each block
//! is reported on its own.
//!
//! Every sum is an exact integer (128-bit two's complement words on the device), so the
//! sums equal [`FrameSums::from_histograms`] of the same counters bit for bit.

use crate::histogram::{
    add_moment_diffs, HistLayout, Histograms, DEVICE_MOMENT_COPIES, DEVICE_MOMENT_WORDS, MOMENTS,
};
use crate::observables::FrameSums;
use bytemuck::{Pod, Zeroable};

/// Invocations per workgroup of `block_sums.wgsl`.
pub const WORKGROUP_SIZE: u32 = 64;
/// Words per reduced row: the count, the sums of x, x^2, x^3, x^4 as four-word 128-bit
/// two's complement values (low word first), then the overflow bin.
pub const ROW_WORDS: usize = 18;
/// Words per reduced (frame, state) cell: emissions from the state, then the six moment
/// differences summed over the copies as (low, high) pairs.
pub const CELL_WORDS: usize = 1 + 2 * MOMENTS;

/// The constants `block_sums.wgsl` shares with Rust, as WGSL.
pub fn prelude() -> String {
    super::wgsl_constants(&[
        ("WORKGROUP_SIZE", WORKGROUP_SIZE),
        ("ROW_WORDS", ROW_WORDS as u32),
        ("CELL_WORDS", CELL_WORDS as u32),
        ("MOMENTS", MOMENTS as u32),
        ("GLOBAL_CELL_WORDS", DEVICE_MOMENT_WORDS as u32),
        ("GLOBAL_COPIES", DEVICE_MOMENT_COPIES as u32),
    ])
}

/// Full source of the kernel: its prelude, `rng.wgsl` (for its 64-bit arithmetic on
/// u32 pairs, `mul_wide`, which every device runs) and the kernel.
pub fn block_sums_source() -> String {
    format!(
        "{}{}\n{}\n{}",
        super::rng::prelude(false),
        prelude(),
        super::RNG_WGSL,
        include_str!("../../shaders/block_sums.wgsl")
    )
}

/// One block's batch to reduce into its sums (twin of `BlockTask` in
/// `block_sums.wgsl`): invocations `first..` of the dispatch each reduce one of its rows
/// or cells. The last task of a list is a sentinel whose `first` is the number of
/// invocations of all the others.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockTask {
    /// First invocation of this block (the sentinel's: all invocations).
    pub first: u32,
    /// First word of the block's batch in the walk kernel's batch buffer.
    pub hist_base: u32,
    /// First word of the block's sums in the output.
    pub out_base: u32,
    /// Frames of the batch's layout.
    pub frames: u32,
    /// States of the batch's layout.
    pub states: u32,
    /// Half-width of the emission rows.
    pub max_dx: u32,
    /// Half-width of the `emission_abs` rows.
    pub abs_half_width: u32,
    /// 1 when the batch has `emission_abs` rows.
    pub absolute: u32,
    /// Offset of the `emission_abs` rows from `hist_base`.
    pub emission_abs_offset: u32,
    /// Offset of the `emission_state` cells from `hist_base`.
    pub emission_state_offset: u32,
    /// Offset of the moment copies from `hist_base`.
    pub moments_offset: u32,
}

const _: () = assert!(std::mem::size_of::<BlockTask>() == 44);

/// Counters to add over blocks (twin of `SumTask`): output word `out_base + l` gains the
/// words at `src + l` of `blocks` batches `stride` words apart, for invocations
/// `first..` of the dispatch. The last task is a sentinel as for [`BlockTask`].
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct SumTask {
    /// First invocation of this task (the sentinel's: all invocations).
    pub first: u32,
    /// The section's first word in the first block's batch.
    pub src: u32,
    /// Words from one block's batch to the next's.
    pub stride: u32,
    /// Blocks added.
    pub blocks: u32,
    /// Where the sums go in the output.
    pub out_base: u32,
}

const _: () = assert!(std::mem::size_of::<SumTask>() == 20);

/// Words of one block's sums.
pub fn block_words(layout: &HistLayout) -> usize {
    layout.frames as usize * rows_per_frame(layout) * ROW_WORDS + layout.cells() * CELL_WORDS
}

fn rows_per_frame(layout: &HistLayout) -> usize {
    1 + usize::from(layout.absolute)
}

/// The counter sections an emission profile is made of, as (offset in the batch,
/// words): the `emission_abs` rows and the image, where present.
pub fn kept_sections(layout: &HistLayout) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if layout.absolute {
        let words = layout.frames as usize * layout.abs_row_width();
        out.push((layout.emission_abs_offset(), words));
    }
    if layout.image_half.is_some() {
        out.push((layout.image_offset(), layout.image_side().pow(2) + 1));
    }
    out
}

/// Words of [`kept_sections`] together.
pub fn kept_words(layout: &HistLayout) -> usize {
    kept_sections(layout).iter().map(|s| s.1).sum()
}

impl BlockTask {
    /// The block whose batch starts at `hist_base`, its sums at `out_base`, from
    /// invocation `first` on.
    pub fn new(layout: &HistLayout, first: u32, hist_base: u32, out_base: u32) -> Self {
        BlockTask {
            first,
            hist_base,
            out_base,
            frames: layout.frames,
            states: layout.states,
            max_dx: layout.max_dx,
            abs_half_width: layout.abs_half_width(),
            absolute: u32::from(layout.absolute),
            emission_abs_offset: layout.emission_abs_offset() as u32,
            emission_state_offset: layout.emission_state_offset() as u32,
            moments_offset: layout.len() as u32,
        }
    }

    /// The sentinel closing a list whose invocations number `total`.
    pub fn end(total: u32) -> Self {
        BlockTask {
            first: total,
            ..Zeroable::zeroed()
        }
    }

    /// Invocations of this block: one per row, then one per cell.
    pub fn invocations(layout: &HistLayout) -> u32 {
        (layout.frames as usize * rows_per_frame(layout) + layout.cells()) as u32
    }
}

/// CPU port of `block_sums`: every task's sums added into `out` (u128 arithmetic where
/// the shader carries four words).
pub fn block_sums_cpu(hist: &[u32], tasks: &[BlockTask], out: &mut [u32]) {
    let Some((end, tasks)) = tasks.split_last() else {
        return;
    };
    for i in 0..end.first {
        let t = tasks[tasks.partition_point(|t| t.first <= i) - 1];
        let l = i - t.first;
        let rows = t.frames * (1 + t.absolute);
        let dst = (t.out_base + l * ROW_WORDS as u32) as usize;
        if l < t.frames {
            let base = t.hist_base + l * (2 * t.max_dx + 2);
            reduce_row(hist, base as usize, t.max_dx, &mut out[dst..]);
        } else if l < rows {
            let r = l - t.frames;
            let base = t.hist_base + t.emission_abs_offset + r * (2 * t.abs_half_width + 2);
            reduce_row(hist, base as usize, t.abs_half_width, &mut out[dst..]);
        } else {
            let c = l - rows;
            let dst = t.out_base as usize + (rows as usize) * ROW_WORDS + c as usize * CELL_WORDS;
            reduce_cell(hist, &t, c, &mut out[dst..]);
        }
    }
}

/// One row's count, sums of x^1..4 and overflow bin (x = bin - half), added into `out`.
fn reduce_row(hist: &[u32], base: usize, half: u32, out: &mut [u32]) {
    let bins = 2 * half as usize + 1;
    let mut n = 0u32;
    let mut s = [0u128; 4];
    for (i, &c) in hist[base..base + bins].iter().enumerate() {
        if c == 0 {
            continue;
        }
        let x = i as i128 - i128::from(half);
        let mut p = i128::from(c);
        n = n.wrapping_add(c);
        for sk in &mut s {
            p = p.wrapping_mul(x);
            *sk = sk.wrapping_add(p as u128);
        }
    }
    out[0] = out[0].wrapping_add(n);
    for (k, v) in s.iter().enumerate() {
        let words = &mut out[1 + 4 * k..5 + 4 * k];
        let sum = v.wrapping_add(wide(words));
        for (w, word) in words.iter_mut().enumerate() {
            *word = (sum >> (32 * w)) as u32;
        }
    }
    out[ROW_WORDS - 1] = out[ROW_WORDS - 1].wrapping_add(hist[base + bins]);
}

/// Words, low first, as one unsigned integer.
fn wide(words: &[u32]) -> u128 {
    words
        .iter()
        .rev()
        .fold(0u128, |v, &x| (v << 32) | u128::from(x))
}

/// One cell's emissions by state and its moment differences summed over the copies,
/// added into `out`.
fn reduce_cell(hist: &[u32], t: &BlockTask, c: u32, out: &mut [u32]) {
    let base = t.hist_base as usize;
    out[0] = out[0].wrapping_add(hist[base + (t.emission_state_offset + c) as usize]);
    let cells = (t.frames * t.states) as usize;
    for k in 0..MOMENTS {
        let mut v = wide(&out[1 + 2 * k..3 + 2 * k]) as u64;
        for copy in 0..DEVICE_MOMENT_COPIES {
            let g = base
                + t.moments_offset as usize
                + (copy * cells + c as usize) * DEVICE_MOMENT_WORDS
                + 2 * k;
            v = v.wrapping_add(u64::from(hist[g]) | (u64::from(hist[g + 1]) << 32));
        }
        out[1 + 2 * k] = v as u32;
        out[2 + 2 * k] = (v >> 32) as u32;
    }
}

/// CPU port of `sum_counters`.
pub fn sum_counters_cpu(hist: &[u32], tasks: &[SumTask], out: &mut [u32]) {
    let Some((end, tasks)) = tasks.split_last() else {
        return;
    };
    for i in 0..end.first {
        let t = tasks[tasks.partition_point(|t| t.first <= i) - 1];
        let l = i - t.first;
        let o = &mut out[(t.out_base + l) as usize];
        *o = (0..t.blocks)
            .map(|b| hist[(t.src + b * t.stride + l) as usize])
            .fold(*o, u32::wrapping_add);
    }
}

/// A block's sums before anything was added: zeros over `walkers` walkers.
pub fn empty_sums(layout: &HistLayout, walkers: u64) -> FrameSums {
    FrameSums::zeros(walkers, layout.frames as usize, layout.states as usize)
}

/// Adds one read-back of a block's sums (`block_words(layout)` words) into `sums`.
pub fn add_block_sums(sums: &mut FrameSums, layout: &HistLayout, words: &[u32]) {
    assert_eq!(
        words.len(),
        block_words(layout),
        "block sums of another layout"
    );
    let frames = layout.frames as usize;
    let (rows, cells) = words.split_at(frames * rows_per_frame(layout) * ROW_WORDS);
    for (t, row) in rows.chunks_exact(ROW_WORDS).enumerate() {
        let n = i128::from(row[0]);
        let power = |k: usize| wide(&row[1 + 4 * k..5 + 4 * k]) as i128;
        let overflow = i128::from(row[ROW_WORDS - 1]);
        if t < frames {
            sums.emissions[t] += n;
            for k in 0..4 {
                sums.emission_dx[k][t] += power(k);
            }
            sums.overflow[t] += overflow;
        } else {
            let t = t - frames;
            sums.profile[0][t] += n;
            sums.profile[1][t] += power(0);
            sums.profile[2][t] += power(1);
            sums.profile[3][t] += overflow;
        }
    }
    let mut diffs = Vec::with_capacity(layout.moments_len());
    for (i, cell) in cells.chunks_exact(CELL_WORDS).enumerate() {
        sums.emission_state[i] += i128::from(cell[0]);
        diffs.extend(
            cell[1..]
                .chunks_exact(2)
                .map(|p| (u64::from(p[0]) | (u64::from(p[1]) << 32)) as i64),
        );
    }
    let mut moments = vec![0i64; layout.moments_len()];
    add_moment_diffs(&mut moments, layout, &diffs);
    for (i, m) in moments.chunks_exact(MOMENTS).enumerate() {
        for (k, &v) in m.iter().enumerate() {
            // Sums of squares are u64s stored in i64s, as in `Histograms::moments`.
            sums.occupancy[k][i] += if k == 2 || k == 4 {
                i128::from(v as u64)
            } else {
                i128::from(v)
            };
        }
    }
}

/// Adds one read-back of the counters of [`kept_sections`] (`kept_words` words) into
/// the same sections of `h`.
pub fn add_kept(h: &mut Histograms, words: &[u32]) {
    let mut rest = words;
    for (offset, len) in kept_sections(&h.layout) {
        let (section, tail) = rest.split_at(len);
        crate::histogram::add_counts(&mut h.counts[offset..offset + len], section);
        rest = tail;
    }
    assert!(rest.is_empty(), "kept counters of another layout");
}

#[cfg(test)]
mod tests;
