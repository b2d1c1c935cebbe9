// The walk kernel: one invocation advances one walker through every frame. One dispatch
// may hold walkers of many sweep points: each workgroup belongs to one point and reads
// that point's parameters, thresholds and histogram offsets from `points`. Its CPU port
// is `crates/exciton-core/src/kernels/walk/mod.rs`, written to be read side by side with this file; both make
// the same decisions and record the same integers.
//
// No physical constant lives here: probabilities arrive as u32 thresholds in `outcome`,
// `initial` and `spot`, sizes and offsets in `points`. The host prepends `rng64.wgsl`
// (native 64-bit integers) or `rng.wgsl` (64-bit pairs); both give the same PCG32.
//
// Occupancy is recorded as moment differences (histogram.rs): a walker writes only when
// its state, its x or its life changes. Those writes go to workgroup memory, which
// covers a chunk of frames and is added into the global batch once per chunk, so the
// global atomics per walker-frame are few and spread out.

struct PointParams {
    key_lo: u32,
    key_hi: u32,
    walker_base_lo: u32,
    walker_base_hi: u32,
    walker_count: u32,
    group_base: u32,
    frames: u32,
    states: u32,
    stride: u32,
    max_dx: u32,
    abs_half_width: u32,
    spot_radius: u32,
    spot_len: u32,
    initial_fallback: u32,
    outcome_base: u32,
    initial_base: u32,
    spot_base: u32,
    hist_base: u32,
    emission_abs_offset: u32,
    emission_state_offset: u32,
    occupancy_offset: u32,
    moments_offset: u32,
    chunk_frames: u32,
    absolute: u32,
    after_base: u32,
    after_len: u32,
    first_event_bank: u32,
    landscape: u32,
    land_key: u32,
    void_threshold: u32,
    size_x: u32,
    size_y: u32,
    edges: u32,
    levels: u32,
    level_base: u32,
    accept_base: u32,
    image: u32,
    image_frame: u32,
    image_frames: u32,
    image_half: u32,
    image_offset: u32,
    trap_first: u32,
    trap_classes: u32,
    size_classes: u32,
    cubic: u32,
    layers: u32,
    z_side: u32,
}

// Constants shared with Rust arrive in a prelude the host writes from the Rust values
// (`exciton_core::kernels::walk::params::prelude`), so they have one source:
// - OUTCOME_RAD, OUTCOME_NONRAD, OUTCOME_DIR, OUTCOME_HOP_END, OUTCOME_TO: the outcome
//   order inside a state's row of cumulative thresholds (model/mod.rs); DIR_X_BITS,
//   DIR_Y_BITS: the hop directions' steps; EDGES_PERIODIC: scenario/landscape.rs;
//   START_TRIES, NO_HOP: kernels/walk/landscape.rs; LEVEL_SUB_BITS, LEVEL_ROW,
//   ACCEPT_LO_BITS, ACCEPT_HI_LEN: the layout of the landscape's tables
//   (model/landscape.rs); PCG_MULTIPLIER and the SPLITMIX_ constants: kernels/rng.rs;
// - WORKGROUP_SIZE: walkers per workgroup;
// - SHARED_WORDS: workgroup memory for the moment differences of a chunk, (chunk_frames
//   + 1) frames x states x SHARED_CELL_WORDS words. 24 KiB keeps eight workgroups of 256
//   on a streaming multiprocessor and fits every device's 32 KiB;
// - SHARED_CELL_WORDS: per (frame, state) n, sum dx, sum dx^2 as a signed high part
//   (v >> 16) and an unsigned low part (v & 0xffff), the same three words for y, and the
//   sum of levels. A walker adds to a cell at most once per event, and a frame holds one
//   event (per-frame probabilities) or at most MAX_POISSON_LEN = 128 (continuous
//   time); |dx|, |dy| < 46341 (validated: frames x events per frame, or the lattice), so
//   with 256 walkers none can wrap (256 x 128 x 65535 < 2^32 for the low part, 256 x 128
//   x 46341 < 2^31 for sum dx) and every add is a plain atomic whose result nobody waits
//   for. The sum of levels is one word that may wrap along the way (it is modular): what
//   a walker leaves in a cell over a frame telescopes to at most 2 |level| < 2 x 6.2 x
//   4096 x 160 (sigma / kB T <= 160, validated), so 256 walkers' sum fits i32;
// - GLOBAL_CELL_WORDS: per (frame, state) in the global batch, n, sum dx, sum dx^2,
//   sum dy, sum dy^2, sum level as (low, high) pairs;
// - GLOBAL_COPIES: copies of the global cells; workgroup w adds into copy
//   w % GLOBAL_COPIES, so that thousands of workgroups do not queue on the same counters.

// Record the full occupancy histograms (histogram.occupancy_profile).
override PROFILE: bool = false;
// The kernel's optional parts, set per dispatch from its points (`KernelVariant` in
// kernels/walk/params.rs): continuous time, and a landscape (with its voids, edges,
// layers, size classes and trap depths). A part left out is compiled out. That matters
// on devices that run both sides of every branch under a mask (llvmpipe, the software
// device CI uses): there every inlined event costs its whole code, taken or not. Each
// test of a part's parameter stays, so a pipeline with a part in also walks points
// without it.
override RATES: bool = true;
override LANDSCAPE: bool = true;
// A pass with an event walks all four of its frames (per-frame probabilities only):
// on a GPU, whose lanes skip the code none of them takes. Off (on llvmpipe), a pass
// walks only its first event's frame. Either way the same draws meet the same frames.
override WHOLE_PASSES: bool = true;

@group(0) @binding(0) var<storage, read> points: array<PointParams>;
@group(0) @binding(1) var<storage, read> outcome: array<u32>;
@group(0) @binding(2) var<storage, read> initial: array<u32>;
@group(0) @binding(3) var<storage, read> spot: array<u32>;
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>;

var<workgroup> cells: array<atomic<u32>, SHARED_WORDS>;
var<workgroup> group_point: u32;
var<workgroup> group_alive: atomic<u32>;
var<workgroup> group_any: u32;

// The point of workgroup `group`: the last whose group_base is <= group.
fn point_of_group(group: u32) -> u32 {
    var lo = 0u;
    var hi = arrayLength(&points) - 1u;
    while (lo < hi) {
        let mid = (lo + hi + 1u) / 2u;
        if (points[mid].group_base <= group) {
            lo = mid;
        } else {
            hi = mid - 1u;
        }
    }
    return lo;
}

fn bin(dx: i32, half: u32) -> u32 {
    if (u32(abs(dx)) <= half) {
        return u32(dx + i32(half));
    }
    return 2u * half + 1u;
}

// The image's counter of absolute (x, y), the last one outside.
fn image_bin(p: PointParams, x: i32, y: i32) -> u32 {
    let h = i32(p.image_half);
    let side = 2u * p.image_half + 1u;
    if (abs(x) <= h && abs(y) <= h) {
        return u32(y + h) * side + u32(x + h);
    }
    return side * side;
}

fn spot_offset(p: PointParams, u: u32) -> i32 {
    var lo = 0u;
    var hi = p.spot_len - 1u;
    while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (u < spot[p.spot_base + mid]) {
            hi = mid;
        } else {
            lo = mid + 1u;
        }
    }
    return i32(lo) - i32(p.spot_radius);
}

// ---- moment differences in workgroup memory ---------------------------------------

// Adds v to the square's words (high at c, low at c + 1).
fn add_square(c: u32, v: i32) {
    let high = v >> 16u;
    if (high != 0) {
        atomicAdd(&cells[c], bitcast<u32>(high));
    }
    atomicAdd(&cells[c + 1u], bitcast<u32>(v) & 0xffffu);
}

// Adds v to the word at c unless it is 0.
fn add_word(c: u32, v: i32) {
    if (v != 0) {
        atomicAdd(&cells[c], bitcast<u32>(v));
    }
}

// From frame `local` of the chunk on, the moments of `state` change by sign x
// (1, dx, dx^2, dy, dy^2, level): a walker arrives (sign 1) or leaves (sign -1).
fn arrive_or_leave(p: PointParams, local: u32, state: u32, w: Walker, sign: i32) {
    let c = (local * p.states + state) * SHARED_CELL_WORDS;
    atomicAdd(&cells[c], bitcast<u32>(sign));
    if (w.dx != 0) {
        atomicAdd(&cells[c + 1u], bitcast<u32>(sign * w.dx));
        add_square(c + 2u, sign * w.dx * w.dx);
    }
    if (w.dy != 0) {
        atomicAdd(&cells[c + 4u], bitcast<u32>(sign * w.dy));
        add_square(c + 5u, sign * w.dy * w.dy);
    }
    add_word(c + 7u, sign * w.level);
}

// From frame `local` on, a walker in `state` at (dx, dy) moves by s and its level
// changes by dlevel.
fn step(p: PointParams, local: u32, state: u32, w: Walker, s: vec2<i32>, dlevel: i32) {
    let c = (local * p.states + state) * SHARED_CELL_WORDS;
    if (s.x != 0) {
        atomicAdd(&cells[c + 1u], bitcast<u32>(s.x));
        add_square(c + 2u, 2 * w.dx * s.x + 1);
    }
    if (s.y != 0) {
        atomicAdd(&cells[c + 4u], bitcast<u32>(s.y));
        add_square(c + 5u, 2 * w.dy * s.y + 1);
    }
    add_word(c + 7u, dlevel);
}

// Adds the 64-bit (lo, hi) to the global pair at g.
fn global_add64(g: u32, lo: u32, hi: u32) {
    let old = atomicAdd(&hist[g], lo);
    let h = hi + select(0u, 1u, old + lo < old);
    if (h != 0u) {
        atomicAdd(&hist[g + 1u], h);
    }
}

// Adds the chunk's cells (frames c0..=c0 + chunk_frames) into the global batch and
// zeroes them. Frames at or past the end hold nothing: walks never write there.
fn flush_cells(p: PointParams, c0: u32, lid: u32, group: u32) {
    let frames = min(p.chunk_frames + 1u, p.frames - c0);
    let copy = (group % GLOBAL_COPIES) * p.frames * p.states;
    for (var i = lid; i < frames * p.states; i += WORKGROUP_SIZE) {
        let c = i * SHARED_CELL_WORDS;
        let g = p.hist_base + p.moments_offset + (copy + c0 * p.states + i) * GLOBAL_CELL_WORDS;
        flush_word(c, g);
        flush_word(c + 1u, g + 2u);
        flush_square(c + 2u, g + 4u);
        flush_word(c + 4u, g + 6u);
        flush_square(c + 5u, g + 8u);
        flush_word(c + 7u, g + 10u);
    }
}

// Moves the signed word at c into the global 64-bit pair at g.
fn flush_word(c: u32, g: u32) {
    let v = bitcast<i32>(atomicExchange(&cells[c], 0u));
    if (v != 0) {
        global_add64(g, bitcast<u32>(v), select(0u, 0xffffffffu, v < 0));
    }
}

// Moves the square's (high, low) words at c into the global 64-bit pair at g.
fn flush_square(c: u32, g: u32) {
    let high = atomicExchange(&cells[c], 0u);
    let low = atomicExchange(&cells[c + 1u], 0u);
    if ((high | low) != 0u) {
        // high * 2^16 + low as a 64-bit (lo, hi) pair.
        let lo = high << 16u;
        let hi = bitcast<u32>(bitcast<i32>(high) >> 16u);
        let sum = lo + low;
        global_add64(g, sum, hi + select(0u, 1u, sum < lo));
    }
}

// ---- the walk ---------------------------------------------------------------------

// One walker's registers. `quiet` is the state's threshold past which nothing happens;
// it is 0 once nothing can happen any more (the walker died, or sits in a state with
// no way out), which the moment differences need no more frames for.
// (dx, dy) is what the histograms record, the displacement from the start (x0, y0): the
// site is (x0 + dx, y0 + dy), and absolute positions go to `emission_abs` and the image.
// `level` is the site's signed energy level (0 without a landscape), `row` the first
// row of its size class (0 without a size spread): the state's row is row + state. `z`
// is the layer on a 3D landscape (not recorded: the microscope sees the plane).
struct Walker {
    rng: Pcg32,
    state: u32,
    row: u32,
    z: i32,
    th: u32,
    quiet: u32,
    dx: i32,
    dy: i32,
    x0: i32,
    y0: i32,
    level: i32,
    alive: bool,
}

// Draws walker `index` of the point's segment: its generator, first state (one draw)
// and spot position (two draws, one without a landscape or an image; in a landscape
// again while the site is off the lattice or a void, up to START_TRIES times: a walker
// that finds none is never excited), and records its arrival in frame 0.
fn start_walker(p: PointParams, index: u32, events_end: u32) -> Walker {
    let walker = vec2<u32>(p.walker_base_lo + index, p.walker_base_hi + select(0u, 1u, p.walker_base_lo + index < index));
    var w: Walker;
    var rng = walker_rng(vec2<u32>(p.key_lo, p.key_hi), walker);
    let u0 = pcg_next(&rng);
    w.state = p.initial_fallback;
    for (var s = 0u; s < p.states; s++) {
        if (u0 < initial[p.initial_base + s]) {
            w.state = s;
            break;
        }
    }
    var x0 = spot_offset(p, pcg_next(&rng));
    // y's start is drawn only where something depends on it (a landscape, an image).
    var y0 = 0;
    if ((LANDSCAPE && p.landscape != 0u) || p.image != 0u) {
        y0 = spot_offset(p, pcg_next(&rng));
    }
    w.alive = index < p.walker_count;
    w.level = 0;
    w.row = 0u;
    // A film of layers: the start's layer is uniform over them (one draw).
    var z0 = 0;
    if (LANDSCAPE && p.layers != 0u) {
        z0 = start_layer(p, pcg_next(&rng));
    }
    if (LANDSCAPE && p.landscape != 0u) {
        var site = start_site(p, x0, y0, z0);
        for (var tries = 1u; tries < START_TRIES && !site.open; tries++) {
            x0 = spot_offset(p, pcg_next(&rng));
            y0 = spot_offset(p, pcg_next(&rng));
            if (p.layers != 0u) {
                z0 = start_layer(p, pcg_next(&rng));
            }
            site = start_site(p, x0, y0, z0);
        }
        w.alive = w.alive && site.open;
        w.level = level_of(p, site.hash);
        w.row = size_row(p, site.hash);
    }
    w.z = z0;
    w.dx = 0;
    w.dy = 0;
    w.x0 = x0;
    w.y0 = y0;
    w.rng = rng;
    w.th = p.outcome_base + (w.row + w.state) * p.stride;
    w.quiet = select(0u, outcome[w.th + p.first_event_bank + events_end], w.alive);
    if (w.alive) {
        arrive_or_leave(p, 0u, w.state, w, 1);
    }
    return w;
}

// Outcome u of frame t fell in the hops of the row at `th`: the direction's share of
// the row decides where to, and in a landscape whether the hop is made (a void, an
// edge, the Miller-Abrahams factor from where u lies within the share).
fn hop(p: PointParams, before: Walker, u: u32, th: u32, t: u32, c0: u32, events_end: u32) -> Walker {
    var w = before;
    var k = 0u;
    while (u >= outcome[th + OUTCOME_DIR + k]) {
        k++;
    }
    var s = vec3<i32>(direction(k), 0);
    if (s.x == 0 && s.y == 0 && !(LANDSCAPE && p.cubic != 0u)) {
        return w;
    }
    var level = w.level;
    if (LANDSCAPE && p.landscape != 0u) {
        let start = outcome[th + OUTCOME_DIR + k - 1u];
        var r = u - start;
        var width = outcome[th + OUTCOME_DIR + k] - start;
        if (p.cubic != 0u) {
            let part = z_step(p, k, r, width);
            s.z = i32(part.x) - 1;
            r = part.y;
            width = part.z;
            if (s.x == 0 && s.y == 0 && s.z == 0) {
                return w;
            }
        }
        level = hop_level(p, w, s, r, width);
        if (level == NO_HOP) {
            return w;
        }
        // Off a film with absorbing edges: the exciton is lost.
        if (level == LOST) {
            if (t + 1u < p.frames) {
                arrive_or_leave(p, t + 1u - c0, w.state, w, -1);
            }
            w.alive = false;
            w.quiet = 0u;
            return w;
        }
    }
    if (t + 1u < p.frames) {
        step(p, t + 1u - c0, w.state, w, s.xy, level - w.level);
    }
    w.dx += s.x;
    w.dy += s.y;
    w.z += s.z;
    w.level = level;
    // A site of another size class: the walker reads that class's rows from here on.
    if (LANDSCAPE && p.size_classes != 0u) {
        w.row = size_row(p, site_of(p, w.x0 + w.dx, w.y0 + w.dy, w.z));
        w.th = p.outcome_base + (w.row + w.state) * p.stride;
        w.quiet = outcome[w.th + p.first_event_bank + events_end];
    }
    return w;
}

// Frame t's outcome u against the walker's row `bank` words on (its first-event row,
// or in continuous time after that its own) for a walker of the chunk starting at c0:
// it shapes the occupancy from frame t + 1 on. Returns the walker after it: walkers
// pass by value, as the generator does (rng.wgsl, pcg_advanced).
fn event(p: PointParams, before: Walker, u: u32, bank: u32, t: u32, c0: u32, events_end: u32) -> Walker {
    var w = before;
    let next = t + 1u;
    let local = next - c0;
    let recorded = next < p.frames;
    let th = w.th + bank;
    let state = w.state;
    let dx = w.dx;
    if (u < outcome[th + OUTCOME_NONRAD]) {
        if (u < outcome[th + OUTCOME_RAD]) {
            let em = p.hist_base;
            atomicAdd(&hist[em + t * (p.max_dx * 2u + 2u) + bin(dx, p.max_dx)], 1u);
            if (p.absolute != 0u) {
                let abs_row = p.abs_half_width * 2u + 2u;
                atomicAdd(&hist[em + p.emission_abs_offset + t * abs_row + bin(w.x0 + dx, p.abs_half_width)], 1u);
            }
            atomicAdd(&hist[em + p.emission_state_offset + t * p.states + state], 1u);
            if (p.image != 0u && t - p.image_frame < p.image_frames) {
                atomicAdd(&hist[em + p.image_offset + image_bin(p, w.x0 + dx, w.y0 + w.dy)], 1u);
            }
        }
        if (recorded) {
            arrive_or_leave(p, local, state, w, -1);
        }
        w.alive = false;
        w.quiet = 0u;
        return w;
    }
    if (u < outcome[th + OUTCOME_HOP_END]) {
        return hop(p, w, u, th, t, c0, events_end);
    }
    var to = state;
    for (var s = 0u; s < p.states; s++) {
        if (u < outcome[th + OUTCOME_TO + s]) {
            to = s;
            break;
        }
    }
    // On a landscape with trap depths, a trap is the class of the walker's site.
    if (LANDSCAPE && p.trap_classes != 0u && to == p.trap_first) {
        to += trap_class(p, w.x0 + w.dx, w.y0 + w.dy, w.z);
    }
    if (to != state) {
        if (recorded) {
            arrive_or_leave(p, local, state, w, -1);
            arrive_or_leave(p, local, to, w, 1);
        }
        w.state = to;
        w.th = p.outcome_base + (w.row + to) * p.stride;
        w.quiet = outcome[w.th + p.first_event_bank + events_end];
    }
    return w;
}

// Continuous time: the candidates left in frame after its first event for draw u, the
// first entry of the row's after table above u (a linear scan: the table is short and
// the count small).
fn after_count(p: PointParams, row: u32, u: u32) -> u32 {
    let table = p.after_base + row * p.after_len;
    var n = 0u;
    while (n + 1u < p.after_len && u >= outcome[table + n]) {
        n++;
    }
    return n;
}

// Continuous time (uniformization per state, model/clock.rs): frame t's first event,
// draw u (below the quiet threshold) against the row's first-event thresholds; then,
// while the walker can still move, the candidates left in the frame, each a draw
// against its own row (uniformized at Lambda: an event, else nothing). Any number of
// events fit in a frame.
fn rate_event(p: PointParams, before: Walker, u: u32, t: u32, c0: u32, events_end: u32) -> Walker {
    let row = before.row + before.state;
    var w = event(p, before, u, p.first_event_bank, t, c0, events_end);
    if (w.quiet == 0u) {
        return w;
    }
    let n = after_count(p, row, pcg_output(w.rng));
    w.rng = pcg_advanced(w.rng);
    for (var k = 0u; k < n && w.quiet != 0u; k++) {
        let v = pcg_output(w.rng);
        w.rng = pcg_advanced(w.rng);
        if (v < outcome[w.th + OUTCOME_TO + p.states - 1u]) {
            w = event(p, w, v, 0u, t, c0, events_end);
        }
    }
    return w;
}

// Frame t with draw u: an event if u is below the quiet threshold (never once the
// walker stopped, as its threshold is then 0).
fn frame(p: PointParams, w: Walker, u: u32, t: u32, c0: u32, events_end: u32) -> Walker {
    if (u < w.quiet) {
        if (RATES && p.after_len != 0u) {
            return rate_event(p, w, u, t, c0, events_end);
        }
        return event(p, w, u, 0u, t, c0, events_end);
    }
    return w;
}

// Frame t of the occupancy profile (PROFILE only).
fn count_profile(p: PointParams, w: Walker, t: u32) {
    if (w.alive) {
        let row = p.max_dx * 2u + 2u;
        let occ = p.hist_base + p.occupancy_offset + (t * p.states + w.state) * row + bin(w.dx, p.max_dx);
        atomicAdd(&hist[occ], 1u);
    }
}

// Whether the walker still has frames to walk: in the profile every alive frame counts.
fn walking(w: Walker) -> bool {
    return w.quiet != 0u || (PROFILE && w.alive);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn walk(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    if (lid == 0u) {
        group_point = point_of_group(wid.x);
    }
    let p = points[workgroupUniformLoad(&group_point)];
    let index = (wid.x - p.group_base) * WORKGROUP_SIZE + lid;
    let events_end = OUTCOME_TO + p.states - 1u;
    var w = start_walker(p, index, events_end);
    for (var c0 = 0u; c0 < p.frames; c0 += p.chunk_frames) {
        let c1 = min(c0 + p.chunk_frames, p.frames);
        var t = c0;
        // Four frames per pass: a frame's draw does not depend on what happened before,
        // so the four are drawn first, and a pass with no event costs one compare (most
        // passes, in a long-lived state). Written out, not as a loop over a vector:
        // measured faster on an H100. Without whole passes, and always in continuous
        // time, a pass ends at its first event, whose frame is walked here, and the next
        // pass starts at the frame after it, drawing the same values the rest of this
        // one would have: the kernel then holds one event's code here, not four, and in
        // continuous time the event's further draws come right after its frame's. The
        // profile, and the frames left at the end of a chunk, go one frame at a time
        // below.
        while (!PROFILE && t + 4u <= c1 && walking(w)) {
            let u0 = pcg_output(w.rng);
            let r1 = pcg_advanced(w.rng);
            let u1 = pcg_output(r1);
            let r2 = pcg_advanced(r1);
            let u2 = pcg_output(r2);
            let r3 = pcg_advanced(r2);
            let u3 = pcg_output(r3);
            let r4 = pcg_advanced(r3);
            if (min(min(u0, u1), min(u2, u3)) >= w.quiet) {
                w.rng = r4;
                t += 4u;
            } else if (WHOLE_PASSES && !(RATES && p.after_len != 0u)) {
                w.rng = r4;
                w = frame(p, w, u0, t, c0, events_end);
                w = frame(p, w, u1, t + 1u, c0, events_end);
                w = frame(p, w, u2, t + 2u, c0, events_end);
                w = frame(p, w, u3, t + 3u, c0, events_end);
                t += 4u;
            } else {
                // The first of the four below the threshold, and the generator after it.
                var k = 3u;
                var u = u3;
                var after = r4;
                if (u2 < w.quiet) {
                    k = 2u;
                    u = u2;
                    after = r3;
                }
                if (u1 < w.quiet) {
                    k = 1u;
                    u = u1;
                    after = r2;
                }
                if (u0 < w.quiet) {
                    k = 0u;
                    u = u0;
                    after = r1;
                }
                w.rng = after;
                w = frame(p, w, u, t + k, c0, events_end);
                t += k + 1u;
            }
        }
        for (; t < c1 && walking(w); t++) {
            if (PROFILE) {
                count_profile(p, w, t);
            }
            let u = pcg_output(w.rng);
            w.rng = pcg_advanced(w.rng);
            w = frame(p, w, u, t, c0, events_end);
        }
        if (walking(w)) {
            atomicOr(&group_alive, 1u);
        }
        workgroupBarrier();
        flush_cells(p, c0, lid, wid.x);
        if (lid == 0u) {
            group_any = atomicExchange(&group_alive, 0u);
        }
        // Also the barrier before the next chunk writes the cells again.
        if (workgroupUniformLoad(&group_any) == 0u) {
            break;
        }
    }
}
