//! The walk kernel, CPU port of `shaders/walk.wgsl` (and, in [`landscape`], of
//! `shaders/landscape.wgsl`); its parameter struct and shared constants are in
//! [`params`], its pipeline is `exciton_gpu::walk`.
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

pub mod landscape;
pub mod params;

pub(crate) use params::WalkBindings;
pub use params::{
    chunk_frames, prelude, walk_source, KernelVariant, PointParams, TableBases,
    MAX_DISPATCH_GROUPS, MAX_DISPATCH_WALKERS, SHARED_CELL_WORDS, SHARED_WORDS, WORKGROUP_SIZE,
};

use crate::histogram::{Batch, HistLayout, MOMENTS};
use crate::kernels::rng::{Pcg32, PASS};
use crate::model::{OUTCOME_DIR, OUTCOME_HOP_END, OUTCOME_NONRAD, OUTCOME_RAD, OUTCOME_TO};
use landscape::{
    direction, hop_level, level_of, site_of, size_class, start_layer, start_site, trap_class,
    z_step, Film, LOST, NO_HOP, START_TRIES,
};

/// What `landscape.wgsl` reads of point `p`: its film's fields and tables.
#[inline(always)]
fn film<'a>(p: &PointParams, outcome: &'a [u32]) -> Film<'a> {
    Film {
        key: p.land_key,
        void_threshold: p.void_threshold,
        size_x: p.size_x,
        size_y: p.size_y,
        layers: p.layers,
        z_side: p.z_side,
        edges: p.edges,
        level_base: p.level_base,
        accept_base: p.accept_base,
        outcome,
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
    crate::kernels::rng::walker_rng(p.key(), p.walker_base().wrapping_add(u64::from(index)))
}

/// Mirror of `spot_offset` in WGSL: the offset of the spot table's entry for `u` (the
/// shader's entry, found from the table's guide: [`crate::tables::spot_entry_guided`]).
#[inline(always)]
fn spot_offset(p: &PointParams, b: &WalkBindings, u: u32) -> i32 {
    let table = &b.spot[p.spot_base as usize..(p.spot_base + p.spot_len) as usize];
    crate::tables::spot_entry_guided(table, b.spot_guide, u) as i32 - p.spot_radius as i32
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
/// `level` is the site's signed energy level (0 without a landscape), `row` the first
/// row of its size class (0 without a size spread): the state's row is row + state.
/// `z` is the layer on a 3D landscape (not recorded: the microscope sees the plane).
struct Walker {
    rng: Pcg32,
    state: u32,
    row: u32,
    th: usize,
    quiet: u32,
    dx: i32,
    dy: i32,
    x0: i32,
    y0: i32,
    level: i32,
    z: i32,
    alive: bool,
}

/// Mirror of `size_row`: the first row of the size class of the site with hash `h` (0
/// without a size spread).
#[inline(always)]
fn size_row(p: &PointParams, h: u32) -> u32 {
    size_class(h, p.size_classes) * p.states
}

/// Mirror of `hop`: outcome u fell in the hops of the row at `th`; the direction's
/// share of the row decides where to, and in a landscape whether the hop is made (a
/// void, an edge, the Miller-Abrahams factor from where u lies within the share).
#[inline(always)]
fn hop(
    p: &PointParams,
    b: &WalkBindings,
    batch: &mut Batch,
    w: &mut Walker,
    (u, th): (u32, usize),
    t: u32,
) {
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
    if s == (0, 0) && p.cubic == 0 {
        return;
    }
    let mut level = w.level;
    let mut dz = 0;
    if p.landscape != 0 {
        let f = film(p, b.outcome);
        let start = b.outcome[th + OUTCOME_DIR + k - 1];
        let mut r = u - start;
        let mut width = b.outcome[th + OUTCOME_DIR + k] - start;
        if p.cubic != 0 {
            (dz, r, width) = z_step(&f, k as u32, r, width);
            if s == (0, 0) && dz == 0 {
                return;
            }
        }
        let to = (w.x0 + w.dx + s.0, w.y0 + w.dy + s.1, w.z + dz);
        level = hop_level(&f, to, w.level, r, width);
        if level == NO_HOP {
            return;
        }
        if level == LOST {
            if t + 1 < p.frames {
                arrive_or_leave(p, &mut batch.diffs, t + 1, w.state, w, -1);
            }
            w.alive = false;
            w.quiet = 0;
            return;
        }
    }
    if t + 1 < p.frames {
        step(p, &mut batch.diffs, t + 1, w.state, w, s, level - w.level);
    }
    w.dx += s.0;
    w.dy += s.1;
    w.z += dz;
    w.level = level;
    if p.size_classes != 0 {
        let h = site_of(&film(p, b.outcome), w.x0 + w.dx, w.y0 + w.dy, w.z);
        w.row = size_row(p, h);
        w.th = (p.outcome_base + (w.row + w.state) * p.stride) as usize;
        w.quiet =
            b.outcome[w.th + p.first_event_bank as usize + OUTCOME_TO + p.states as usize - 1];
    }
}

/// Mirror of `event`: frame t's outcome u against the walker's row `bank` words on
/// (its first-event row, or in continuous time after that its own), which shapes the
/// occupancy from frame t + 1 on.
#[inline(always)]
fn event(
    p: &PointParams,
    b: &WalkBindings,
    batch: &mut Batch,
    w: &mut Walker,
    (u, bank): (u32, u32),
    t: u32,
) {
    let events_end = p.first_event_bank as usize + OUTCOME_TO + p.states as usize - 1;
    let next = t + 1;
    let recorded = next < p.frames;
    let (th, state, dx) = (w.th + bank as usize, w.state, w.dx);
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
        hop(p, b, batch, w, (u, th), t);
        return;
    }
    let mut to = state;
    for s in 0..p.states {
        if u < b.outcome[th + OUTCOME_TO + s as usize] {
            to = s;
            break;
        }
    }
    if p.trap_classes != 0 && to == p.trap_first {
        let f = film(p, b.outcome);
        to += trap_class(&f, w.x0 + dx, w.y0 + w.dy, w.z, p.trap_classes);
    }
    if to != state {
        if recorded {
            arrive_or_leave(p, &mut batch.diffs, next, state, w, -1);
            arrive_or_leave(p, &mut batch.diffs, next, to, w, 1);
        }
        w.state = to;
        w.th = (p.outcome_base + (w.row + to) * p.stride) as usize;
        w.quiet = b.outcome[w.th + events_end];
    }
}

/// Mirror of `after_count`: the candidates left in frame after its first event, for
/// draw u: the first entry of the row's after table above u (the last if none is),
/// counted here as the entries at or below u (the table rises), without a branch per
/// entry: the shader's scan stops at a random place, which a core mispredicts.
#[inline(always)]
fn after_count(p: &PointParams, b: &WalkBindings, row: u32, u: u32) -> u32 {
    let start = (p.after_base + row * p.after_len) as usize;
    let table = &b.outcome[start..start + p.after_len as usize - 1];
    table.iter().map(|&c| u32::from(u >= c)).sum()
}

/// Mirror of `rate_event`: in continuous time, frame t's first event, draw u (below the
/// quiet threshold) against the row's first-event thresholds; then, while the walker
/// can still move, the candidates left in the frame, each a draw against its own row
/// (uniformized at Lambda: an event, else nothing).
#[inline(always)]
fn rate_event(
    p: &PointParams,
    b: &WalkBindings,
    batch: &mut Batch,
    w: &mut Walker,
    u: u32,
    t: u32,
) {
    let row = w.row + w.state;
    event(p, b, batch, w, (u, p.first_event_bank), t);
    if w.quiet == 0 {
        return;
    }
    let n = after_count(p, b, row, w.rng.next_u32());
    let events_end = OUTCOME_TO + p.states as usize - 1;
    let mut k = 0;
    while k < n && w.quiet != 0 {
        let u = w.rng.next_u32();
        if u < b.outcome[w.th + events_end] {
            event(p, b, batch, w, (u, 0), t);
        }
        k += 1;
    }
}

/// Mirror of `frame`: frame t with draw u is an event if u is below the quiet threshold.
#[inline(always)]
fn frame(p: &PointParams, b: &WalkBindings, batch: &mut Batch, w: &mut Walker, u: u32, t: u32) {
    if u < w.quiet {
        if p.after_len != 0 {
            rate_event(p, b, batch, w, u, t);
        } else {
            event(p, b, batch, w, (u, 0), t);
        }
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
    let mut x0 = spot_offset(p, b, rng.next_u32());
    // y's start is drawn only where something depends on it (a landscape, an image):
    // a homogeneous lattice's moments only see displacements.
    let mut y0 = 0;
    if p.landscape != 0 || p.image != 0 {
        y0 = spot_offset(p, b, rng.next_u32());
    }
    let mut alive = true;
    let mut level = 0;
    let mut row = 0;
    let f = film(p, b.outcome);
    // A film of layers: the start's layer is uniform over them (one draw).
    let mut z = 0;
    if p.layers != 0 {
        z = start_layer(&f, rng.next_u32());
    }
    if p.landscape != 0 {
        let mut tries = 1;
        let (mut h, mut open) = start_site(&f, x0, y0, z);
        while tries < START_TRIES && !open {
            x0 = spot_offset(p, b, rng.next_u32());
            y0 = spot_offset(p, b, rng.next_u32());
            if p.layers != 0 {
                z = start_layer(&f, rng.next_u32());
            }
            (h, open) = start_site(&f, x0, y0, z);
            tries += 1;
        }
        alive = open;
        level = level_of(&f, h);
        row = size_row(p, h);
    }
    let th = (p.outcome_base + (row + state) * p.stride) as usize;
    let events_end = p.first_event_bank as usize + OUTCOME_TO + p.states as usize - 1;
    let w = Walker {
        rng,
        state,
        row,
        th,
        quiet: if alive { b.outcome[th + events_end] } else { 0 },
        dx: 0,
        dy: 0,
        x0,
        y0,
        level,
        z,
        alive,
    };
    if alive {
        arrive_or_leave(p, &mut batch.diffs, 0, state, &w, 1);
    }
    w
}

/// The frames of a walk in continuous time (the shader's passes and single frames with
/// `after_len != 0`), from frame 0: the frame it stopped at. A pass ends at its first
/// event, so a walker that likely has one within a few frames (a bright exciton) draws
/// one frame at a time instead: the same draws in the same order, without computing
/// sixteen to use one.
#[inline(never)]
fn rate_passes(p: &PointParams, b: &WalkBindings, batch: &mut Batch, w: &mut Walker) -> u32 {
    /// Above this quiet threshold (an event in 1/16 of frames) frames go one at a time.
    const BUSY: u32 = 1 << 28;
    let ahead = &w.rng.ahead();
    let mut t = 0;
    while t < p.frames && w.quiet != 0 {
        if w.quiet >= BUSY || t + PASS as u32 > p.frames {
            let u = w.rng.next_u32();
            if u < w.quiet {
                rate_event(p, b, batch, w, u, t);
            }
            t += 1;
            continue;
        }
        let start = w.rng.state;
        let u = w.rng.next_pass(ahead);
        if u.iter().min().copied().unwrap_or(u32::MAX) >= w.quiet {
            t += PASS as u32;
        } else {
            let k = u.iter().position(|&u| u < w.quiet).unwrap_or(0);
            w.rng.set_after(start, k + 1, ahead);
            rate_event(p, b, batch, w, u[k], t + k as u32);
            t += k as u32 + 1;
        }
    }
    t
}

/// Mirror of the `walk` entry point for invocation `index` of a segment; `profile` is
/// the shader's `PROFILE` override.
#[inline(always)]
pub(crate) fn walk_invocation(
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
    if !profile {
        // Frames in passes, as in the shader (four there, PASS here), with the pass's
        // generator states computed side by side (Pcg32::next_pass), which is what
        // makes a core fast. A frame's draw does not depend on what came before, except
        // in continuous time after an event, whose further draws come right after its
        // frame's: there the pass ends at its first event.
        if p.after_len == 0 {
            let ahead = w.rng.ahead();
            while t + PASS as u32 <= p.frames && w.quiet != 0 {
                let u = w.rng.next_pass(&ahead);
                if u.iter().min().copied().unwrap_or(u32::MAX) < w.quiet {
                    for (k, &u) in u.iter().enumerate() {
                        if u < w.quiet {
                            event(p, b, batch, &mut w, (u, 0), t + k as u32);
                        }
                    }
                }
                t += PASS as u32;
            }
        } else {
            t = rate_passes(p, b, batch, &mut w);
        }
    }
    while t < p.frames && (w.quiet != 0 || (profile && w.alive)) {
        if profile {
            let row = p.max_dx * 2 + 2;
            let occ = p.occupancy_offset + (t * p.states + w.state) * row + bin(w.dx, p.max_dx);
            batch.counts[occ as usize] += 1;
        }
        let u = w.rng.next_u32();
        frame(p, b, batch, &mut w, u, t);
        t += 1;
    }
}
