// Probe of the WGSL PCG32: for each (state, stream) seed, the first `draws` outputs of
// rand_pcg's Pcg32 from (state, stream) and the SplitMix64 of the state. Tests compare them with
// rand_pcg::Pcg32 and exciton_core::kernels::rng. Its Rust twin is `exciton_core::kernels::rng_probe` (WORKGROUP_SIZE
// comes from there, in a prelude).

struct RngProbeParams {
    seeds: u32,
    draws: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: RngProbeParams;
// Per seed: state low, state high, stream low, stream high.
@group(0) @binding(1) var<storage, read> seeds: array<u32>;
// Per seed: `draws` outputs, then SplitMix64(state) low and high.
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn rng_probe(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.seeds) {
        return;
    }
    let state = vec2<u32>(seeds[4u * i], seeds[4u * i + 1u]);
    let stream = vec2<u32>(seeds[4u * i + 2u], seeds[4u * i + 3u]);
    var rng = pcg_new(state, stream);
    let base = i * (params.draws + 2u);
    for (var k = 0u; k < params.draws; k++) {
        out[base + k] = pcg_next(&rng);
    }
    let mixed = splitmix64(state);
    out[base + params.draws] = mixed.x;
    out[base + params.draws + 1u] = mixed.y;
}
