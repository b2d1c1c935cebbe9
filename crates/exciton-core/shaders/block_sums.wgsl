// Reduces walker blocks' batches, as walk.wgsl left them after a dispatch, to the sums
// the host keeps of each block, and adds them into the block's sums so far
// (block_sums): per row (a frame's emission row, or its emission_abs row) the count, the
// sums of x, x^2, x^3, x^4 with x = bin - half, and the overflow bin; per (frame, state)
// the emissions from the state and the moment differences summed over the GLOBAL_COPIES
// copies. And adds counter sections of several batches into the sums so far
// (sum_counters). Counts stay below 2^32 between read-backs (the planner's guard).
// Its Rust twin and CPU port is `exciton_core::kernels::block_sums`; the constants come
// from there, in a prelude.
//
// WGSL has no 64-bit integers everywhere: sums are 128-bit two's complement values held
// as four u32 words, low word first (vec4 x, y, z, w). A count is below 2^32 and |x| below
// 2^31, so no sum of a row comes near 2^127 and the words are the exact integer.

struct BlockTask {
    first: u32,
    hist_base: u32,
    out_base: u32,
    frames: u32,
    states: u32,
    max_dx: u32,
    abs_half_width: u32,
    absolute: u32,
    emission_abs_offset: u32,
    emission_state_offset: u32,
    moments_offset: u32,
}

struct SumTask {
    first: u32,
    src: u32,
    stride: u32,
    blocks: u32,
    out_base: u32,
}

// Each list ends in a sentinel task whose `first` is the number of invocations.
@group(0) @binding(0) var<storage, read> blocks: array<BlockTask>;
@group(0) @binding(1) var<storage, read> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
@group(0) @binding(3) var<storage, read> sums: array<SumTask>;

// mul_wide, the full 64-bit product of two u32s, is rng.wgsl's (the host prepends it).

// a + b mod 2^128.
fn add128(a: vec4<u32>, b: vec4<u32>) -> vec4<u32> {
    let x = a.x + b.x;
    var carry = select(0u, 1u, x < a.x);
    let y0 = a.y + b.y;
    let y = y0 + carry;
    carry = select(0u, 1u, y0 < a.y) + select(0u, 1u, y < y0);
    let z0 = a.z + b.z;
    let z = z0 + carry;
    carry = select(0u, 1u, z0 < a.z) + select(0u, 1u, z < z0);
    return vec4<u32>(x, y, z, a.w + b.w + carry);
}

// v * m mod 2^128.
fn mul128(v: vec4<u32>, m: u32) -> vec4<u32> {
    let p0 = mul_wide(v.x, m);
    let p1 = mul_wide(v.y, m);
    let p2 = mul_wide(v.z, m);
    let shifted = vec4<u32>(0u, p0.y, p1.y, p2.y);
    return add128(vec4<u32>(p0.x, p1.x, p2.x, v.w * m), shifted);
}

fn neg128(v: vec4<u32>) -> vec4<u32> {
    return add128(~v, vec4<u32>(1u, 0u, 0u, 0u));
}

// A row of 2 half + 1 bins from `base`, then its overflow bin, added into the ROW_WORDS
// at `dst`.
fn reduce_row(base: u32, half: u32, dst: u32) {
    let bins = 2u * half + 1u;
    var n = 0u;
    var s1 = vec4<u32>();
    var s2 = vec4<u32>();
    var s3 = vec4<u32>();
    var s4 = vec4<u32>();
    for (var i = 0u; i < bins; i++) {
        let c = hist[base + i];
        if (c == 0u) {
            continue;
        }
        let x = i32(i) - i32(half);
        let ax = u32(abs(x));
        let p1 = vec4<u32>(mul_wide(c, ax), 0u, 0u);
        let p2 = mul128(p1, ax);
        let p3 = mul128(p2, ax);
        n += c;
        s2 = add128(s2, p2);
        s4 = add128(s4, mul128(p3, ax));
        if (x < 0) {
            s1 = add128(s1, neg128(p1));
            s3 = add128(s3, neg128(p3));
        } else {
            s1 = add128(s1, p1);
            s3 = add128(s3, p3);
        }
    }
    out[dst] += n;
    var s = array<vec4<u32>, 4>(s1, s2, s3, s4);
    for (var k = 0u; k < 4u; k++) {
        let at = dst + 1u + 4u * k;
        let sum = add128(vec4<u32>(out[at], out[at + 1u], out[at + 2u], out[at + 3u]), s[k]);
        out[at] = sum.x;
        out[at + 1u] = sum.y;
        out[at + 2u] = sum.z;
        out[at + 3u] = sum.w;
    }
    out[dst + ROW_WORDS - 1u] += hist[base + bins];
}

// Cell c's emissions by state and its moment differences summed over the copies,
// added into the CELL_WORDS at `dst`.
fn reduce_cell(t: BlockTask, c: u32, dst: u32) {
    out[dst] += hist[t.hist_base + t.emission_state_offset + c];
    let cells = t.frames * t.states;
    for (var k = 0u; k < MOMENTS; k++) {
        var lo = out[dst + 1u + 2u * k];
        var hi = out[dst + 2u + 2u * k];
        for (var copy = 0u; copy < GLOBAL_COPIES; copy++) {
            let g = t.hist_base + t.moments_offset + (copy * cells + c) * GLOBAL_CELL_WORDS + 2u * k;
            let sum = lo + hist[g];
            hi += hist[g + 1u] + select(0u, 1u, sum < lo);
            lo = sum;
        }
        out[dst + 1u + 2u * k] = lo;
        out[dst + 2u + 2u * k] = hi;
    }
}

// The block task of invocation i: the last before the sentinel whose `first` <= i.
fn block_of(i: u32) -> BlockTask {
    var lo = 0u;
    var hi = arrayLength(&blocks) - 2u;
    while (lo < hi) {
        let mid = (lo + hi + 1u) / 2u;
        if (blocks[mid].first <= i) {
            lo = mid;
        } else {
            hi = mid - 1u;
        }
    }
    return blocks[lo];
}

fn sum_of(i: u32) -> SumTask {
    var lo = 0u;
    var hi = arrayLength(&sums) - 2u;
    while (lo < hi) {
        let mid = (lo + hi + 1u) / 2u;
        if (sums[mid].first <= i) {
            lo = mid;
        } else {
            hi = mid - 1u;
        }
    }
    return sums[lo];
}

// Invocations loop over the work in strides of the whole grid: the grid stays within
// the 65535 workgroups of one dimension whatever the number of blocks.
@compute @workgroup_size(WORKGROUP_SIZE)
fn block_sums(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let total = blocks[arrayLength(&blocks) - 1u].first;
    for (var i = gid.x; i < total; i += groups.x * WORKGROUP_SIZE) {
        let t = block_of(i);
        let l = i - t.first;
        let rows = t.frames * (1u + t.absolute);
        if (l < t.frames) {
            reduce_row(t.hist_base + l * (2u * t.max_dx + 2u), t.max_dx, t.out_base + l * ROW_WORDS);
        } else if (l < rows) {
            let base = t.hist_base + t.emission_abs_offset + (l - t.frames) * (2u * t.abs_half_width + 2u);
            reduce_row(base, t.abs_half_width, t.out_base + l * ROW_WORDS);
        } else {
            reduce_cell(t, l - rows, t.out_base + rows * ROW_WORDS + (l - rows) * CELL_WORDS);
        }
    }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn sum_counters(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    let total = sums[arrayLength(&sums) - 1u].first;
    for (var i = gid.x; i < total; i += groups.x * WORKGROUP_SIZE) {
        let t = sum_of(i);
        let l = i - t.first;
        var v = out[t.out_base + l];
        for (var b = 0u; b < t.blocks; b++) {
            v += hist[t.src + b * t.stride + l];
        }
        out[t.out_base + l] = v;
    }
}
