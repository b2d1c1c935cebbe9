// The walk's generator with native 64-bit integers (wgpu's SHADER_INT64), for devices
// that offer them: the same SplitMix64 and PCG32 as rng.wgsl and src/kernels/rng.rs, bit
// for bit, with the 64-bit multiply done in hardware instead of from 16-bit halves. The
// host prepends this file or rng.wgsl; both define `Pcg32`, `pcg_next` and `walker_rng`.
// Its constants arrive as u64 in the prelude (kernels/rng.rs).

fn splitmix64(x: u64) -> u64 {
    var z = x + SPLITMIX_GAMMA;
    z = (z ^ (z >> 30u)) * SPLITMIX_MUL_A;
    z = (z ^ (z >> 27u)) * SPLITMIX_MUL_B;
    return z ^ (z >> 31u);
}

struct Pcg32 {
    state: u64,
    increment: u64,
}

// Same construction as rand_pcg's Pcg32 from (state, stream).
fn pcg_new(state: u64, stream: u64) -> Pcg32 {
    let increment = (stream << 1u) | 1lu;
    return Pcg32((state + increment) * PCG_MULTIPLIER + increment, increment);
}

// The generator one step on, and the PCG-XSH-RR output of its current state (the draw
// before the step). By value, so that a walker's generator can sit in its struct:
// naga's SPIR-V output cannot pass a pointer to a struct member.
fn pcg_advanced(r: Pcg32) -> Pcg32 {
    return Pcg32(r.state * PCG_MULTIPLIER + r.increment, r.increment);
}

fn pcg_output(r: Pcg32) -> u32 {
    let old = r.state;
    let rot = u32(old >> 59u);
    let xsh = u32(((old >> 18u) ^ old) >> 27u);
    // A rotate: the low word of (xsh, xsh) shifted right by rot, one funnel shift.
    return u32(((u64(xsh) << 32u) | u64(xsh)) >> rot);
}

fn pcg_next(r: ptr<function, Pcg32>) -> u32 {
    let out = pcg_output(*r);
    *r = pcg_advanced(*r);
    return out;
}

fn walker_rng(key: vec2<u32>, walker: vec2<u32>) -> Pcg32 {
    let k = (u64(key.y) << 32u) | u64(key.x);
    let w = (u64(walker.y) << 32u) | u64(walker.x);
    let base = k + 2lu * w;
    return pcg_new(splitmix64(base), splitmix64(base + 1lu));
}
