//! The walk kernel: its per-point parameter struct (twin of `PointParams` in
//! `shaders/walk.wgsl`), the constants it shares with the shader, and its CPU port (its
//! pipeline is `exciton_gpu::walk`).
//!
//! One invocation advances one walker through every frame. A dispatch may hold walkers
//! of several sweep points; each workgroup reads its point's parameters from a storage
//! array. The port is written to look like the shader, not like idiomatic Rust, so the
//! two can be read side by side. It leaves out only how the shader sums its moment
//! differences (workgroup memory per chunk of frames, then global atomics): integer
//! sums do not depend on the order they are added in. Both stop walking a walker that
//! nothing can happen to any more (`quiet == 0`) and draw several frames before they
//! look at them (one compare when none is an event): four in the shader, one generator
//! state after the other; [`PASS`] in the port, the states side by side
//! ([`Pcg32::next_pass`]) for a CPU's vector unit. Draws, decisions and integers are
//! the same.

use super::landscape::{direction, hop_level, level_at, open_site, NO_HOP};
use crate::histogram::{Batch, HistLayout, DEVICE_MOMENT_COPIES, DEVICE_MOMENT_WORDS, MOMENTS};
use crate::landscape::{
    Edges, ACCEPT_HI_LEN, ACCEPT_LO_BITS, LEVEL_ROW, LEVEL_SUB_BITS, START_TRIES,
};
use crate::model::{
    WalkTables, OUTCOME_DIR, OUTCOME_HOP_END, OUTCOME_NONRAD, OUTCOME_RAD, OUTCOME_TO,
};
use crate::rng::{Pcg32, PASS};
use crate::scenario::DIRECTIONS;
use bytemuck::{Pod, Zeroable};

/// Walkers per workgroup of `walk.wgsl` (`WORKGROUP_SIZE`): dispatches are cut in these.
pub const WORKGROUP_SIZE: u32 = 256;
/// Workgroup memory of `walk.wgsl` for moment differences, in `u32` words.
pub const SHARED_WORDS: u32 = 6144;
/// Words per (frame, state) in that memory.
pub const SHARED_CELL_WORDS: u32 = 8;
/// Most workgroups in one dispatch (the 1D grid limit).
pub const MAX_DISPATCH_GROUPS: u32 = 65_535;
/// Most walkers in one dispatch.
pub const MAX_DISPATCH_WALKERS: u32 = MAX_DISPATCH_GROUPS * WORKGROUP_SIZE;

/// The constants `walk.wgsl` shares with Rust, as WGSL: the shader declares none of them.
pub fn prelude() -> String {
    super::wgsl_constants(&[
        ("OUTCOME_RAD", OUTCOME_RAD as u32),
        ("OUTCOME_NONRAD", OUTCOME_NONRAD as u32),
        ("OUTCOME_DIR", OUTCOME_DIR as u32),
        ("OUTCOME_HOP_END", OUTCOME_HOP_END as u32),
        ("OUTCOME_TO", OUTCOME_TO as u32),
        ("DIR_X_BITS", direction_bits(|d| d.0)),
        ("DIR_Y_BITS", direction_bits(|d| d.1)),
        ("EDGES_PERIODIC", Edges::Periodic as u32),
        ("LEVEL_SUB_BITS", LEVEL_SUB_BITS),
        ("LEVEL_ROW", LEVEL_ROW),
        ("ACCEPT_LO_BITS", ACCEPT_LO_BITS),
        ("ACCEPT_HI_LEN", ACCEPT_HI_LEN),
        ("START_TRIES", START_TRIES),
        ("WORKGROUP_SIZE", WORKGROUP_SIZE),
        ("SHARED_WORDS", SHARED_WORDS),
        ("SHARED_CELL_WORDS", SHARED_CELL_WORDS),
        ("GLOBAL_CELL_WORDS", DEVICE_MOMENT_WORDS as u32),
        ("GLOBAL_COPIES", DEVICE_MOMENT_COPIES as u32),
    ])
}

/// [`DIRECTIONS`]' x (or y) steps packed two bits each (step + 1), direction k at bit
/// 2k: what `direction` in both ports unpacks.
fn direction_bits(axis: impl Fn(&(i32, i32)) -> i32) -> u32 {
    DIRECTIONS
        .iter()
        .enumerate()
        .map(|(k, d)| ((axis(d) + 1) as u32) << (2 * k))
        .sum()
}

/// Full source of the walk kernel: the prelude, the 64-bit-integer generator or the
/// pairs one, the kernel and the landscape's functions.
pub fn walk_source(int64: bool) -> String {
    let rng = if int64 {
        super::RNG64_WGSL
    } else {
        super::RNG_WGSL
    };
    format!(
        "{}\n{rng}\n{}\n{}",
        prelude(),
        include_str!("../../shaders/walk.wgsl"),
        include_str!("../../shaders/landscape.wgsl")
    )
}

/// Frames per chunk of workgroup memory: the cells of `chunk + 1` frames must fit.
pub fn chunk_frames(states: u32) -> u32 {
    SHARED_WORDS / (SHARED_CELL_WORDS * states) - 1
}

/// Where one point's tables start in the concatenated table buffers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableBases {
    pub outcome: u32,
    pub initial: u32,
    pub spot: u32,
}

/// Parameters of one point's walkers in one dispatch.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct PointParams {
    /// Point key (see [`crate::rng::point_key`]) as low and high 32 bits.
    pub key_lo: u32,
    pub key_hi: u32,
    /// Global index of this segment's first walker within its point.
    pub walker_base_lo: u32,
    pub walker_base_hi: u32,
    pub walker_count: u32,
    /// First workgroup of this segment in the dispatch.
    pub group_base: u32,
    pub frames: u32,
    pub states: u32,
    /// Thresholds per state in the outcome table.
    pub stride: u32,
    pub max_dx: u32,
    pub abs_half_width: u32,
    pub spot_radius: u32,
    pub spot_len: u32,
    pub initial_fallback: u32,
    pub outcome_base: u32,
    pub initial_base: u32,
    pub spot_base: u32,
    /// First word of this point's batch in the histogram buffer.
    pub hist_base: u32,
    pub emission_abs_offset: u32,
    pub emission_state_offset: u32,
    pub occupancy_offset: u32,
    pub moments_offset: u32,
    pub chunk_frames: u32,
    /// 1 when the batch has the `emission_abs` section (`record_profiles`).
    pub absolute: u32,
    /// Continuous time (uniformization): where the Poisson table of candidates per frame
    /// starts in `outcome`, and its length; 0 for one outcome per frame.
    pub poisson_base: u32,
    pub poisson_len: u32,
    /// 1 with a landscape; its key ([`Self::in_range`]), void threshold, size (0: unbounded)
    /// and edges ([`Edges`] as u32), and where its level table (of `levels` entries)
    /// and acceptance table start in `outcome`.
    pub landscape: u32,
    pub land_key: u32,
    pub void_threshold: u32,
    pub size_x: u32,
    pub size_y: u32,
    pub edges: u32,
    pub levels: u32,
    pub level_base: u32,
    pub accept_base: u32,
    /// 1 when the batch has the `image` section: the frames it images (`image_frames`
    /// from `image_frame` on), its half-width and where it starts.
    pub image: u32,
    pub image_frame: u32,
    pub image_frames: u32,
    pub image_half: u32,
    pub image_offset: u32,
}

const _: () = assert!(std::mem::size_of::<PointParams>() == 160);

impl PointParams {
    /// One point's parameters; [`Self::segment`] sets the walkers of a dispatch.
    pub fn new(
        tables: &WalkTables,
        layout: &HistLayout,
        key: u64,
        bases: TableBases,
        hist_base: u32,
    ) -> Self {
        let p = PointParams {
            key_lo: key as u32,
            key_hi: (key >> 32) as u32,
            walker_base_lo: 0,
            walker_base_hi: 0,
            walker_count: 0,
            group_base: 0,
            frames: layout.frames,
            states: layout.states,
            stride: tables.stride() as u32,
            max_dx: layout.max_dx,
            abs_half_width: layout.abs_half_width(),
            spot_radius: tables.spot.radius,
            spot_len: tables.spot.cumulative.len() as u32,
            initial_fallback: tables.initial_fallback() as u32,
            outcome_base: bases.outcome,
            initial_base: bases.initial,
            spot_base: bases.spot,
            hist_base,
            emission_abs_offset: layout.emission_abs_offset() as u32,
            emission_state_offset: layout.emission_state_offset() as u32,
            occupancy_offset: layout.occupancy_offset() as u32,
            moments_offset: layout.len() as u32,
            chunk_frames: chunk_frames(layout.states),
            absolute: u32::from(layout.absolute),
            poisson_base: bases.outcome + tables.poisson_offset() as u32,
            poisson_len: tables.poisson().len() as u32,
            landscape: 0,
            land_key: 0,
            void_threshold: 0,
            size_x: 0,
            size_y: 0,
            edges: 0,
            levels: 0,
            level_base: 0,
            accept_base: 0,
            image: u32::from(layout.image_half.is_some()),
            image_frame: layout.image_frame,
            image_frames: layout.image_frames,
            image_half: layout.image_half.unwrap_or(0),
            image_offset: layout.image_offset() as u32,
        };
        match &tables.landscape {
            Some(l) => p.with_landscape(tables, l, bases),
            None => p,
        }
    }

    /// The same parameters walking the landscape of `l`.
    fn with_landscape(
        self,
        tables: &WalkTables,
        l: &crate::landscape::LandscapeTables,
        bases: TableBases,
    ) -> Self {
        let landscape = &l.spec;
        let levels = l.levels.len() as u32;
        let level_base = bases.outcome + tables.landscape_offset() as u32;
        let [size_x, size_y] = landscape.size.unwrap_or([0, 0]);
        PointParams {
            landscape: 1,
            land_key: landscape.realization_key(0),
            void_threshold: landscape.void_threshold(),
            size_x,
            size_y,
            edges: landscape.edges as u32,
            levels,
            level_base,
            accept_base: level_base + levels,
            ..self
        }
    }

    /// The same point for the walker block (or range) starting at walker `first`: on a
    /// landscape, the film that block walks ([`crate::landscape::Landscape::realization_key`]).
    pub fn in_range(&self, tables: &WalkTables, first: u64) -> Self {
        match &tables.landscape {
            Some(l) => PointParams {
                land_key: l.spec.realization_key(first),
                ..*self
            },
            None => *self,
        }
    }

    /// The same point, walkers `walker_base..walker_base + walker_count`, from workgroup
    /// `group_base` of a dispatch.
    pub fn segment(&self, walker_base: u64, walker_count: u32, group_base: u32) -> Self {
        PointParams {
            walker_base_lo: walker_base as u32,
            walker_base_hi: (walker_base >> 32) as u32,
            walker_count,
            group_base,
            ..*self
        }
    }

    fn key(&self) -> u64 {
        u64::from(self.key_lo) | (u64::from(self.key_hi) << 32)
    }

    fn walker_base(&self) -> u64 {
        u64::from(self.walker_base_lo) | (u64::from(self.walker_base_hi) << 32)
    }
}

/// The table-driven inputs of the kernel, as bound on the GPU.
pub struct WalkBindings<'a> {
    pub outcome: &'a [u32],
    pub initial: &'a [u32],
    pub spot: &'a [u32],
}

impl<'a> WalkBindings<'a> {
    pub fn new(tables: &'a WalkTables) -> Self {
        WalkBindings {
            outcome: &tables.outcome,
            initial: &tables.initial,
            spot: &tables.spot.cumulative,
        }
    }
}

#[inline(always)]
fn bin(dx: i32, half: u32) -> u32 {
    HistLayout::bin(dx, half) as u32
}

/// Mirror of `image_bin`: the image's counter of absolute (x, y), the last one outside.
#[inline(always)]
fn image_bin(p: &PointParams, x: i32, y: i32) -> u32 {
    let h = p.image_half as i32;
    let side = 2 * p.image_half + 1;
    if x.abs() <= h && y.abs() <= h {
        return (y + h) as u32 * side + (x + h) as u32;
    }
    side * side
}

/// Mirror of `walker_rng` in WGSL: SplitMix64 of `key + 2 walker` and `key + 2 walker + 1`.
#[inline(always)]
fn walker_rng(p: &PointParams, index: u32) -> Pcg32 {
    crate::rng::walker_rng(p.key(), p.walker_base().wrapping_add(u64::from(index)))
}

/// Mirror of `spot_offset` in WGSL: the offset of the spot table's entry for `u`
/// ([`crate::rng::spot_entry`]: the shader's entry, found without branches).
#[inline(always)]
fn spot_offset(p: &PointParams, spot: &[u32], u: u32) -> i32 {
    let table = &spot[p.spot_base as usize..(p.spot_base + p.spot_len) as usize];
    crate::rng::spot_entry(table, u) as i32 - p.spot_radius as i32
}

/// Mirror of `arrive_or_leave`: from frame `t` on, the moments of `state` change by
/// sign x (1, dx, dx^2, dy, dy^2, level): the walker arrives (1) or leaves (-1).
#[inline(always)]
fn arrive_or_leave(p: &PointParams, diffs: &mut [i64], t: u32, state: u32, w: &Walker, sign: i64) {
    let c = ((t * p.states + state) as usize) * MOMENTS;
    let cell = &mut diffs[c..c + MOMENTS];
    let (dx, dy) = (i64::from(w.dx), i64::from(w.dy));
    cell[0] += sign;
    cell[1] += sign * dx;
    cell[2] += sign * dx * dx;
    cell[3] += sign * dy;
    cell[4] += sign * dy * dy;
    cell[5] += sign * i64::from(w.level);
}

/// Mirror of `step`: from frame `t` on, a walker in `state` at (dx, dy) moves by
/// (sx, sy) and its level changes by `dlevel`. Without the shader's branches (it skips
/// atomics that would add 0; here adding 0 is cheaper than guessing which axis moved).
#[inline(always)]
fn step(
    p: &PointParams,
    diffs: &mut [i64],
    t: u32,
    state: u32,
    w: &Walker,
    s: (i32, i32),
    dlevel: i32,
) {
    let c = ((t * p.states + state) as usize) * MOMENTS;
    let cell = &mut diffs[c..c + MOMENTS];
    cell[1] += i64::from(s.0);
    cell[2] += i64::from(2 * w.dx * s.0 + s.0 * s.0);
    cell[3] += i64::from(s.1);
    cell[4] += i64::from(2 * w.dy * s.1 + s.1 * s.1);
    if p.landscape != 0 {
        cell[5] += i64::from(dlevel);
    }
}

/// Mirror of the shader's `Walker`: one walker's registers. `quiet` is the state's
/// threshold past which nothing happens, 0 once nothing can happen any more. (dx, dy)
/// is what the histograms record, the displacement from the start (x0, y0): the site is
/// (x0 + dx, y0 + dy), and absolute positions go to `emission_abs` and the image.
/// `level` is the site's signed energy level (0 without a landscape).
pub(super) struct Walker {
    rng: Pcg32,
    state: u32,
    th: usize,
    quiet: u32,
    pub(super) dx: i32,
    pub(super) dy: i32,
    pub(super) x0: i32,
    pub(super) y0: i32,
    pub(super) level: i32,
    alive: bool,
}

/// Mirror of `hop`: outcome u fell in the hops; the direction's share of the row
/// decides where to, and in a landscape whether the hop is made (a void, an edge, the
/// Miller-Abrahams factor from where u lies within the share).
#[inline(always)]
fn hop(p: &PointParams, b: &WalkBindings, batch: &mut Batch, w: &mut Walker, u: u32, t: u32) {
    let th = w.th;
    // The shader scans for the first threshold above u; here the same k (how many of
    // the eight below the last lie at or below u: thresholds rise) from independent
    // compares, split at the nearest neighbours' end (most hops end there), which a
    // core does without a chain of dependent loads or a guess per direction.
    let c = &b.outcome[th + OUTCOME_DIR..th + OUTCOME_HOP_END];
    let at_or_below = |j: usize| usize::from(u >= c[j]);
    let k = if u < c[3] {
        at_or_below(0) + at_or_below(1) + at_or_below(2)
    } else {
        4 + at_or_below(4) + at_or_below(5) + at_or_below(6) + at_or_below(7)
    };
    let s = direction(k as u32);
    if s == (0, 0) {
        return;
    }
    let mut level = w.level;
    if p.landscape != 0 {
        let start = b.outcome[th + OUTCOME_DIR + k - 1];
        level = hop_level(
            p,
            b.outcome,
            w,
            s,
            u - start,
            b.outcome[th + OUTCOME_DIR + k] - start,
        );
        if level == NO_HOP {
            return;
        }
    }
    if t + 1 < p.frames {
        step(p, &mut batch.diffs, t + 1, w.state, w, s, level - w.level);
    }
    w.dx += s.0;
    w.dy += s.1;
    w.level = level;
}

/// Mirror of `event`: frame t's outcome u (below the walker's quiet threshold), which
/// shapes the occupancy from frame t + 1 on.
#[inline(always)]
fn event(p: &PointParams, b: &WalkBindings, batch: &mut Batch, w: &mut Walker, u: u32, t: u32) {
    let events_end = OUTCOME_TO + p.states as usize - 1;
    let next = t + 1;
    let recorded = next < p.frames;
    let (th, state, dx) = (w.th, w.state, w.dx);
    if u < b.outcome[th + OUTCOME_NONRAD] {
        if u < b.outcome[th + OUTCOME_RAD] {
            let hist = &mut batch.counts;
            hist[(t * (p.max_dx * 2 + 2) + bin(dx, p.max_dx)) as usize] += 1;
            if p.absolute != 0 {
                let abs_row = p.abs_half_width * 2 + 2;
                let abs = p.emission_abs_offset + t * abs_row + bin(w.x0 + dx, p.abs_half_width);
                hist[abs as usize] += 1;
            }
            hist[(p.emission_state_offset + t * p.states + state) as usize] += 1;
            if p.image != 0 && t.wrapping_sub(p.image_frame) < p.image_frames {
                let i = p.image_offset + image_bin(p, w.x0 + dx, w.y0 + w.dy);
                hist[i as usize] += 1;
            }
        }
        if recorded {
            arrive_or_leave(p, &mut batch.diffs, next, state, w, -1);
        }
        w.alive = false;
        w.quiet = 0;
        return;
    }
    if u < b.outcome[th + OUTCOME_HOP_END] {
        hop(p, b, batch, w, u, t);
        return;
    }
    let mut to = state;
    for s in 0..p.states {
        if u < b.outcome[th + OUTCOME_TO + s as usize] {
            to = s;
            break;
        }
    }
    if to != state {
        if recorded {
            arrive_or_leave(p, &mut batch.diffs, next, state, w, -1);
            arrive_or_leave(p, &mut batch.diffs, next, to, w, 1);
        }
        w.state = to;
        w.th = (p.outcome_base + to * p.stride) as usize;
        w.quiet = b.outcome[w.th + events_end];
    }
}

/// Mirror of `frame`: frame t with draw u is an event if u is below the quiet threshold.
#[inline(always)]
fn frame(p: &PointParams, b: &WalkBindings, batch: &mut Batch, w: &mut Walker, u: u32, t: u32) {
    if u < w.quiet {
        event(p, b, batch, w, u, t);
    }
}

/// Mirror of `poisson_count`: the candidates of a frame for draw u, the first entry of
/// the Poisson table above u (a linear scan: the table is short and the count small).
#[inline(always)]
fn poisson_count(p: &PointParams, b: &WalkBindings, u: u32) -> u32 {
    let mut n = 0;
    while n + 1 < p.poisson_len && u >= b.outcome[(p.poisson_base + n) as usize] {
        n += 1;
    }
    n
}

/// Mirror of `rate_frame`: frame t in continuous time, a Poisson number of candidate
/// events, each with its own draw, until the walker stops.
#[inline(always)]
fn rate_frame(p: &PointParams, b: &WalkBindings, batch: &mut Batch, w: &mut Walker, t: u32) {
    let n = poisson_count(p, b, w.rng.next_u32());
    let mut k = 0;
    while k < n && w.quiet != 0 {
        let u = w.rng.next_u32();
        frame(p, b, batch, w, u, t);
        k += 1;
    }
}

/// Mirror of `start_walker`: walker `index`'s generator, first state (one draw) and
/// spot position (two draws, one without a landscape or an image; in a landscape again
/// while the site is off the lattice or a void, up to [`START_TRIES`] times: a walker
/// that finds none is never excited); records its arrival in frame 0.
#[inline(always)]
fn start_walker(p: &PointParams, b: &WalkBindings, batch: &mut Batch, index: u32) -> Walker {
    let mut rng = walker_rng(p, index);
    let u0 = rng.next_u32();
    let mut state = p.initial_fallback;
    for s in 0..p.states {
        if u0 < b.initial[(p.initial_base + s) as usize] {
            state = s;
            break;
        }
    }
    let mut x0 = spot_offset(p, b.spot, rng.next_u32());
    // y's start is drawn only where something depends on it (a landscape, an image):
    // a homogeneous lattice's moments only see displacements.
    let mut y0 = 0;
    if p.landscape != 0 || p.image != 0 {
        y0 = spot_offset(p, b.spot, rng.next_u32());
    }
    let mut alive = true;
    let mut level = 0;
    if p.landscape != 0 {
        let mut tries = 1;
        while tries < START_TRIES && !open_site(p, x0, y0) {
            x0 = spot_offset(p, b.spot, rng.next_u32());
            y0 = spot_offset(p, b.spot, rng.next_u32());
            tries += 1;
        }
        alive = open_site(p, x0, y0);
        level = level_at(p, b.outcome, x0, y0);
    }
    let th = (p.outcome_base + state * p.stride) as usize;
    let events_end = OUTCOME_TO + p.states as usize - 1;
    let w = Walker {
        rng,
        state,
        th,
        quiet: if alive { b.outcome[th + events_end] } else { 0 },
        dx: 0,
        dy: 0,
        x0,
        y0,
        level,
        alive,
    };
    if alive {
        arrive_or_leave(p, &mut batch.diffs, 0, state, &w, 1);
    }
    w
}

/// Mirror of the `walk` entry point for invocation `index` of a segment; `profile` is
/// the shader's `PROFILE` override.
#[inline(always)]
pub fn walk_invocation(
    p: &PointParams,
    b: &WalkBindings,
    batch: &mut Batch,
    index: u32,
    profile: bool,
) {
    if index >= p.walker_count {
        return;
    }
    let mut w = start_walker(p, b, batch, index);
    let mut t = 0;
    if !profile && p.poisson_len == 0 {
        // Frames in passes, as in the shader (four there, PASS here), with the pass's
        // generator states computed side by side (Pcg32::next_pass), which is what
        // makes a core fast.
        let ahead = w.rng.ahead();
        while t + PASS as u32 <= p.frames && w.quiet != 0 {
            let u = w.rng.next_pass(&ahead);
            if u.iter().min().copied().unwrap_or(u32::MAX) < w.quiet {
                for (k, &u) in u.iter().enumerate() {
                    frame(p, b, batch, &mut w, u, t + k as u32);
                }
            }
            t += PASS as u32;
        }
    }
    while t < p.frames && (w.quiet != 0 || (profile && w.alive)) {
        if profile {
            let row = p.max_dx * 2 + 2;
            let occ = p.occupancy_offset + (t * p.states + w.state) * row + bin(w.dx, p.max_dx);
            batch.counts[occ as usize] += 1;
        }
        if p.poisson_len != 0 {
            rate_frame(p, b, batch, &mut w, t);
        } else {
            let u = w.rng.next_u32();
            frame(p, b, batch, &mut w, u, t);
        }
        t += 1;
    }
}
