//! What a walk records, laid out once for the CPU reference and the GPU kernel, and the
//! exact 64-bit totals of a point.
//!
//! Counter sections (MODEL.md section 5), each displacement row ending in an overflow
//! bin, so nothing is ever dropped silently:
//! - `emission[t][dx]`: radiative decays in frame t at displacement dx (the paper's estimator);
//! - `emission_abs[t][x]`: the same at the absolute position x = x0 + dx, x0 from the spot,
//!   only when the scenario sets `record_profiles` (the diffusion map; otherwise it would
//!   be half of every batch, for nothing);
//! - `emission_state[t][s]`: radiative decays in frame t from state s;
//! - `occupancy[t][s][dx]`: walkers in state s at the start of frame t, only when the
//!   scenario asks for `histogram.occupancy_profile` (it costs a count per walker-frame);
//! - `image[y][x]`: radiative decays of one frame at absolute (x, y) within a square of
//!   half-width h, then one counter for those outside it, only with a scenario `image`.
//!
//! Always recorded: the occupancy **moments** per frame and state, exact integers
//! n = #walkers, sum dx, sum dx^2, sum dy, sum dy^2 and the sum of the walkers' signed
//! energy levels (0 without a landscape) (no overflow bin needed). Walks record them
//! as differences at the frames where they change (a state change, an x-step, a decay),
//! so a walker that sits still costs nothing; `Histograms::add_batch` sums the
//! differences over frames.
//!
//! The count sections are along x only (the axis of the measured line profile); y
//! enters through the moments. The coordinate is always the walker's displacement from
//! its start; absolute positions (start + displacement) go to `emission_abs` and the
//! image.

/// Sizes and offsets of the sections, in counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistLayout {
    /// Frames of the walk: the time axis of every section.
    pub frames: u32,
    /// Exciton states of the model.
    pub states: u32,
    /// Half-width of the displacement rows, in sites; |dx| beyond goes to the overflow bin.
    pub max_dx: u32,
    /// Half-width of the initial spot, in sites: it widens the `emission_abs` rows.
    pub spot_radius: u32,
    /// The `occupancy[t][s][dx]` section is present.
    pub profile: bool,
    /// The `emission_abs[t][x]` section is present.
    pub absolute: bool,
    /// Half-width of the `image` section in sites, when the section is present.
    pub image_half: Option<u32>,
    /// First frame the image records.
    pub image_frame: u32,
    /// Frames the image records, from `image_frame` on.
    pub image_frames: u32,
}

/// Moments per (frame, state): n, sum dx, sum dx^2, sum dy, sum dy^2, sum level.
pub const MOMENTS: usize = 6;

/// `u32` words per (frame, state) of the GPU's moment differences: six 64-bit
/// two's-complement values as (low, high) pairs.
pub const DEVICE_MOMENT_WORDS: usize = 2 * MOMENTS;

/// Copies of the GPU's moment differences: workgroup w adds into copy w mod this, so
/// that thousands of workgroups do not queue on the same few global counters.
pub const DEVICE_MOMENT_COPIES: usize = 16;

impl HistLayout {
    /// A layout of `frames` frames and `states` states, displacement rows of half-width
    /// `max_dx` and the optional sections asked for; no `image` section.
    pub fn new(
        frames: u32,
        states: u32,
        max_dx: u32,
        spot_radius: u32,
        profile: bool,
        absolute: bool,
    ) -> Self {
        HistLayout {
            frames,
            states,
            max_dx,
            spot_radius,
            profile,
            absolute,
            image_half: None,
            image_frame: 0,
            image_frames: 0,
        }
    }

    /// The same layout with an `image` section of `frames` frames from `frame` on,
    /// half-width `half` (or none).
    pub(crate) fn with_image(self, frame: u32, frames: u32, half: Option<u32>) -> Self {
        HistLayout {
            image_half: half,
            image_frame: frame,
            image_frames: frames,
            ..self
        }
    }

    /// Side of the image, in sites.
    pub(crate) fn image_side(&self) -> usize {
        self.image_half.map_or(0, |h| 2 * h as usize + 1)
    }

    /// Where the image starts: after the occupancy profile.
    pub(crate) fn image_offset(&self) -> usize {
        self.len() - self.image_half.map_or(0, |_| self.image_side().pow(2) + 1)
    }

    /// Bins of a displacement row: `-max_dx..=max_dx` then the overflow bin.
    pub fn row_width(&self) -> usize {
        2 * self.max_dx as usize + 2
    }

    /// Half-width of the absolute-position rows: the spot plus the largest counted dx.
    pub(crate) fn abs_half_width(&self) -> u32 {
        self.max_dx + self.spot_radius
    }

    /// Bins of an `emission_abs` row: `-(max_dx + spot_radius)..=max_dx + spot_radius`,
    /// then the overflow bin.
    pub fn abs_row_width(&self) -> usize {
        2 * self.abs_half_width() as usize + 2
    }

    pub(crate) fn emission_offset(&self) -> usize {
        0
    }

    pub(crate) fn emission_abs_offset(&self) -> usize {
        self.frames as usize * self.row_width()
    }

    pub(crate) fn emission_state_offset(&self) -> usize {
        let abs = if self.absolute {
            self.frames as usize * self.abs_row_width()
        } else {
            0
        };
        self.emission_abs_offset() + abs
    }

    pub(crate) fn occupancy_offset(&self) -> usize {
        self.emission_state_offset() + self.cells()
    }

    /// (frame, state) cells.
    pub fn cells(&self) -> usize {
        self.frames as usize * self.states as usize
    }

    /// Counters in the count sections (the profile included when present).
    pub fn len(&self) -> usize {
        let profile = if self.profile {
            self.cells() * self.row_width()
        } else {
            0
        };
        let image = self.image_half.map_or(0, |_| self.image_side().pow(2) + 1);
        self.occupancy_offset() + profile + image
    }

    /// Whether the count sections hold no counter at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Moment values of all cells (`MOMENTS` per cell).
    pub(crate) fn moments_len(&self) -> usize {
        self.cells() * MOMENTS
    }

    /// `u32` words of one GPU batch: the counters, then the copies of the moment
    /// differences.
    pub fn device_words(&self) -> usize {
        self.len() + DEVICE_MOMENT_COPIES * self.cells() * DEVICE_MOMENT_WORDS
    }

    /// Bytes of one GPU batch buffer.
    pub fn device_bytes(&self) -> u64 {
        self.device_words() as u64 * 4
    }

    /// A GPU batch's counters and its moment copies.
    pub fn split_device<'a>(&self, words: &'a [u32]) -> (&'a [u32], &'a [u32]) {
        assert_eq!(
            words.len(),
            self.device_words(),
            "GPU batch has the wrong layout"
        );
        words.split_at(self.len())
    }

    /// Bin of displacement `dx` in a row of half-width `half`; the overflow bin past it.
    #[inline(always)]
    pub fn bin(dx: i32, half: u32) -> usize {
        if dx.unsigned_abs() <= half {
            (dx + half as i32) as usize
        } else {
            2 * half as usize + 1
        }
    }
}

/// One batch's raw records, as a CPU thread keeps them: `u32` counters and `i64`
/// moment differences (`diffs[(t * states + s) * MOMENTS + k]`, applying from frame t on).
pub(crate) struct Batch {
    pub counts: Vec<u32>,
    pub diffs: Vec<i64>,
}

impl Batch {
    pub(crate) fn zeros(layout: &HistLayout) -> Self {
        Batch {
            counts: vec![0; layout.len()],
            diffs: vec![0; layout.moments_len()],
        }
    }

    pub(crate) fn clear(&mut self) {
        self.counts.fill(0);
        self.diffs.fill(0);
    }
}

/// Exact 64-bit totals of all batches of one point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histograms {
    /// Where each section lies in `counts`.
    pub layout: HistLayout,
    /// Totals of the count sections, laid out by `layout`.
    pub counts: Vec<u64>,
    /// The six moments (n, sum dx, sum dx^2, sum dy, sum dy^2, sum level) per
    /// (frame, state), as values (not differences).
    pub moments: Vec<i64>,
}

impl Histograms {
    /// All-zero totals for `layout`.
    pub fn zeros(layout: HistLayout) -> Self {
        Histograms {
            layout,
            counts: vec![0; layout.len()],
            moments: vec![0; layout.moments_len()],
        }
    }

    /// Adds one batch: counters bin by bin, moment differences summed over frames.
    pub(crate) fn add_batch(&mut self, batch: &Batch) {
        assert_eq!(
            batch.counts.len(),
            self.counts.len(),
            "batch has the wrong layout"
        );
        add_counts(&mut self.counts, &batch.counts);
        add_moment_diffs(&mut self.moments, &self.layout, &batch.diffs);
    }

    /// Adds the totals of `other` (another block of the same layout), counter by counter.
    pub fn add(&mut self, other: &Histograms) {
        assert_eq!(self.layout, other.layout);
        for (total, &c) in self.counts.iter_mut().zip(&other.counts) {
            *total += c;
        }
        for (total, &m) in self.moments.iter_mut().zip(&other.moments) {
            *total = total.wrapping_add(m);
        }
    }

    /// `emission[t][..]`: `2 max_dx + 1` bins from -max_dx, then the overflow bin.
    pub fn emission(&self, t: usize) -> &[u64] {
        let w = self.layout.row_width();
        &self.counts[self.layout.emission_offset() + t * w..][..w]
    }

    /// `emission_abs[t][..]`, when the scenario recorded profiles.
    pub fn emission_abs(&self, t: usize) -> Option<&[u64]> {
        if !self.layout.absolute {
            return None;
        }
        let w = self.layout.abs_row_width();
        Some(&self.counts[self.layout.emission_abs_offset() + t * w..][..w])
    }

    /// `emission_state[t][s]`: radiative decays in frame t from state s.
    pub fn emission_state(&self, t: usize, s: usize) -> u64 {
        self.counts[self.layout.emission_state_offset() + t * self.layout.states as usize + s]
    }

    /// `occupancy[t][s][..]`, when the scenario recorded the profile.
    pub fn occupancy(&self, t: usize, s: usize) -> Option<&[u64]> {
        if !self.layout.profile {
            return None;
        }
        let w = self.layout.row_width();
        let row = t * self.layout.states as usize + s;
        Some(&self.counts[self.layout.occupancy_offset() + row * w..][..w])
    }

    /// The image's counts (`side x side`, row y then x) and the count outside it.
    pub fn image(&self) -> Option<(&[u64], u64)> {
        self.layout.image_half?;
        let n = self.layout.image_side().pow(2);
        let at = self.layout.image_offset();
        Some((&self.counts[at..at + n], self.counts[at + n]))
    }

    /// Walkers in state s at the start of frame t, and their sums.
    pub fn moments(&self, t: usize, s: usize) -> OccupancyMoments {
        let m = &self.moments[(t * self.layout.states as usize + s) * MOMENTS..][..MOMENTS];
        OccupancyMoments {
            n: m[0] as u64,
            sum_dx: m[1],
            sum_dx2: m[2] as u64,
            sum_dy: m[3],
            sum_dy2: m[4] as u64,
            sum_level: m[5],
        }
    }

    /// Walker-frames spent alive: the total of the occupancy counts.
    pub fn alive_walker_frames(&self) -> u64 {
        self.moments
            .chunks_exact(MOMENTS)
            .map(|m| m[0] as u64)
            .sum()
    }
}

/// Adds `u32` batch counters into `u64` totals, counter by counter.
pub fn add_counts(totals: &mut [u64], counts: &[u32]) {
    for (t, &c) in totals.iter_mut().zip(counts) {
        *t += u64::from(c);
    }
}

/// Adds the moment copies of a GPU batch (the second part of
/// [`HistLayout::split_device`]) into a point's moment values.
pub fn add_device_moments(moments: &mut [i64], layout: &HistLayout, pairs: &[u32]) {
    assert_eq!(pairs.len(), layout.moments_len() * 2 * DEVICE_MOMENT_COPIES);
    let mut diffs = vec![0i64; layout.moments_len()];
    for copy in pairs.chunks_exact(layout.moments_len() * 2) {
        for (d, pair) in diffs.iter_mut().zip(copy.chunks_exact(2)) {
            *d = d.wrapping_add((u64::from(pair[0]) | (u64::from(pair[1]) << 32)) as i64);
        }
    }
    add_moment_diffs(moments, layout, &diffs);
}

/// Sums per-frame differences over frames into the moment values. Wrapping `i64`
/// arithmetic: a batch's pieces may wrap, their sums do not.
pub(crate) fn add_moment_diffs(moments: &mut [i64], layout: &HistLayout, diffs: &[i64]) {
    let per_frame = layout.states as usize * MOMENTS;
    let mut running = vec![0i64; per_frame];
    for (total, diff) in moments
        .chunks_exact_mut(per_frame)
        .zip(diffs.chunks_exact(per_frame))
    {
        for ((t, r), &d) in total.iter_mut().zip(&mut running).zip(diff) {
            *r = r.wrapping_add(d);
            *t = t.wrapping_add(*r);
        }
    }
}

/// The occupancy of one (frame, state) reduced to its moments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OccupancyMoments {
    /// Walkers in the state at the start of the frame.
    pub n: u64,
    /// Sum of their displacements dx from the start, in sites.
    pub sum_dx: i64,
    /// Sum of their dx^2, in sites^2.
    pub sum_dx2: u64,
    /// Sum of their displacements dy from the start, in sites.
    pub sum_dy: i64,
    /// Sum of their dy^2, in sites^2.
    pub sum_dy2: u64,
    /// Sum of the walkers' signed energy levels (landscape.rs).
    pub sum_level: i64,
}

/// Memory a run of one point needs, in bytes, before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MemoryEstimate {
    /// Host memory of the CPU backend: a block's 64-bit totals and the point's (for its
    /// profile rows), plus one batch per thread.
    pub host_cpu_backend: u64,
    /// Host memory of the GPU backend: every walker block's sums (they finish together)
    /// and their read-back copy, and the 64-bit totals of the point's profile counters.
    pub host_gpu_backend: u64,
    /// Device memory of the GPU backend, at most: a batch per walker block (a block's
    /// batch lives for one dispatch, and a dispatch holds a few) and the blocks' sums.
    pub device: u64,
}

impl HistLayout {
    /// The memory of a point run as `blocks` walker blocks on `threads` CPU threads.
    pub fn memory(&self, threads: usize, blocks: u64) -> MemoryEstimate {
        let totals = (self.len() + self.moments_len()) as u64 * 8;
        let batch = self.len() as u64 * 4 + self.moments_len() as u64 * 8;
        let blocks = blocks.max(1);
        let sums_words = crate::kernels::block_sums::block_words(self) as u64;
        // FrameSums: i128 values, ten per frame and seven per (frame, state).
        let frame_sums = (10 * self.frames as u64 + 7 * self.cells() as u64) * 16;
        let profile = if crate::kernels::block_sums::kept_words(self) > 0 {
            totals
        } else {
            0
        };
        MemoryEstimate {
            host_cpu_backend: 2 * totals + batch * threads.max(1) as u64,
            host_gpu_backend: blocks * (frame_sums + 4 * sums_words) + profile,
            device: blocks * (self.device_bytes() + 4 * sums_words),
        }
    }
}

/// Host memory the OS says is available (Linux `MemAvailable`), if it can be read.
pub fn available_host_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
