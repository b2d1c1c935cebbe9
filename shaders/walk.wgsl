// The walk kernel: one invocation advances one walker through every frame and counts
// it into the batch histograms with atomics. Its CPU port is `src/kernels/walk.rs`,
// written to be read side by side with this file; both must make the same decisions.
//
// No physical constant lives here: probabilities arrive as u32 thresholds in `outcome`,
// `initial` and `spot`, sizes and offsets in `params`. The host prepends `rng.wgsl`
// (64-bit pairs, SplitMix64, PCG32) to this file before compiling it.

struct WalkParams {
    key_lo: u32,
    key_hi: u32,
    walker_base_lo: u32,
    walker_base_hi: u32,
    walker_count: u32,
    frames: u32,
    states: u32,
    stride: u32,
    max_dx: u32,
    abs_half_width: u32,
    spot_radius: u32,
    spot_len: u32,
    initial_fallback: u32,
    step_plus: u32,
    step_minus: u32,
    emission_offset: u32,
    emission_abs_offset: u32,
    occupancy_offset: u32,
    emission_state_offset: u32,
    _pad0: u32,
}

// Outcome order inside a state's row of cumulative thresholds (model.rs).
const OUTCOME_RAD: u32 = 0u;
const OUTCOME_NONRAD: u32 = 1u;
const OUTCOME_HOP: u32 = 2u;
const OUTCOME_TO: u32 = 3u;

@group(0) @binding(0) var<uniform> params: WalkParams;
@group(0) @binding(1) var<storage, read> outcome: array<u32>;
@group(0) @binding(2) var<storage, read> initial: array<u32>;
@group(0) @binding(3) var<storage, read> spot: array<u32>;
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>;

// SplitMix64 of key + 2 walker and key + 2 walker + 1 (rng.rs walker_rng).
fn walker_rng(index: u32) -> Pcg32 {
    let walker = add64(vec2<u32>(params.walker_base_lo, params.walker_base_hi), vec2<u32>(index, 0u));
    let twice = vec2<u32>(walker.x << 1u, (walker.y << 1u) | (walker.x >> 31u));
    let base = add64(vec2<u32>(params.key_lo, params.key_hi), twice);
    return pcg_new(splitmix64(base), splitmix64(add64(base, vec2<u32>(1u, 0u))));
}

// ---- the walk ---------------------------------------------------------------------

fn bin(dx: i32, half: u32) -> u32 {
    if (u32(abs(dx)) <= half) {
        return u32(dx + i32(half));
    }
    return 2u * half + 1u;
}

fn spot_offset(u: u32) -> i32 {
    var lo = 0u;
    var hi = params.spot_len - 1u;
    while (lo < hi) {
        let mid = (lo + hi) / 2u;
        if (u < spot[mid]) {
            hi = mid;
        } else {
            lo = mid + 1u;
        }
    }
    return i32(lo) - i32(params.spot_radius);
}

@compute @workgroup_size(64)
fn walk(@builtin(global_invocation_id) gid: vec3<u32>) {
    let index = gid.x;
    if (index >= params.walker_count) {
        return;
    }
    var rng = walker_rng(index);

    let u0 = pcg_next(&rng);
    var state = params.initial_fallback;
    for (var s = 0u; s < params.states; s++) {
        if (u0 < initial[s]) {
            state = s;
            break;
        }
    }
    let x0 = spot_offset(pcg_next(&rng));

    let row = params.max_dx * 2u + 2u;
    let abs_row = params.abs_half_width * 2u + 2u;
    var dx: i32 = 0;
    for (var t = 0u; t < params.frames; t++) {
        let occ = params.occupancy_offset + (t * params.states + state) * row + bin(dx, params.max_dx);
        atomicAdd(&hist[occ], 1u);

        let u = pcg_next(&rng);
        let th = state * params.stride;
        if (u < outcome[th + OUTCOME_RAD]) {
            atomicAdd(&hist[params.emission_offset + t * row + bin(dx, params.max_dx)], 1u);
            let abs_bin = params.emission_abs_offset + t * abs_row + bin(x0 + dx, params.abs_half_width);
            atomicAdd(&hist[abs_bin], 1u);
            atomicAdd(&hist[params.emission_state_offset + t * params.states + state], 1u);
            return;
        }
        if (u < outcome[th + OUTCOME_NONRAD]) {
            return;
        }
        if (u < outcome[th + OUTCOME_HOP]) {
            let v = pcg_next(&rng);
            if (v < params.step_plus) {
                dx += 1;
            } else if (v < params.step_minus) {
                dx -= 1;
            }
            continue;
        }
        for (var s = 0u; s < params.states; s++) {
            if (u < outcome[th + OUTCOME_TO + s]) {
                state = s;
                break;
            }
        }
    }
}
