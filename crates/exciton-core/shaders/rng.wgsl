// Shared by every kernel (the host prepends it): 64-bit integers as vec2<u32> = (low,
// high), SplitMix64 and PCG32 (PCG-XSH-RR 64/32). CPU port: src/kernels/rng.rs, bit for
// bit; PCG_MULTIPLIER and the SPLITMIX_ constants come from there, in the prelude.

// ---- 64-bit arithmetic on (low, high) pairs -------------------------------------

fn add64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let lo = a.x + b.x;
    return vec2<u32>(lo, a.y + b.y + select(0u, 1u, lo < a.x));
}

// Full 64-bit product of two u32, from 16-bit halves (WGSL has no mul-high).
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    return vec2<u32>((p00 & 0xffffu) | (mid << 16u), p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}

// Low 64 bits of a 64 x 64 product.
fn mul64(a: vec2<u32>, b: vec2<u32>) -> vec2<u32> {
    let p = mul_wide(a.x, b.x);
    return vec2<u32>(p.x, p.y + a.x * b.y + a.y * b.x);
}

// a >> n for 0 < n < 32.
fn shr64(a: vec2<u32>, n: u32) -> vec2<u32> {
    return vec2<u32>((a.x >> n) | (a.y << (32u - n)), a.y >> n);
}

// ---- SplitMix64 and PCG32 (kernels/rng.rs) ----------------------------------------------

fn splitmix64(x: vec2<u32>) -> vec2<u32> {
    var z = add64(x, SPLITMIX_GAMMA);
    z = mul64(z ^ shr64(z, 30u), SPLITMIX_MUL_A);
    z = mul64(z ^ shr64(z, 27u), SPLITMIX_MUL_B);
    return z ^ shr64(z, 31u);
}

struct Pcg32 {
    state: vec2<u32>,
    increment: vec2<u32>,
}

// The generator one step on. By value, so that a walker's generator can sit in
// its struct: naga's SPIR-V output cannot pass a pointer to a struct member.
fn pcg_advanced(r: Pcg32) -> Pcg32 {
    return Pcg32(add64(mul64(r.state, PCG_MULTIPLIER), r.increment), r.increment);
}

fn pcg_step(r: ptr<function, Pcg32>) {
    *r = pcg_advanced(*r);
}

// Same construction as rand_pcg's Pcg32 from (state, stream).
fn pcg_new(state: vec2<u32>, stream: vec2<u32>) -> Pcg32 {
    let increment = vec2<u32>((stream.x << 1u) | 1u, (stream.y << 1u) | (stream.x >> 31u));
    var r = Pcg32(add64(state, increment), increment);
    pcg_step(&r);
    return r;
}

// PCG-XSH-RR output of the current state (the draw before the step).
fn pcg_output(r: Pcg32) -> u32 {
    let old = r.state;
    let rot = old.y >> 27u;
    let x = shr64(old, 18u) ^ old;
    let xsh = (x.x >> 27u) | (x.y << 5u);
    return (xsh >> rot) | (xsh << ((32u - rot) & 31u));
}

fn pcg_next(r: ptr<function, Pcg32>) -> u32 {
    let out = pcg_output(*r);
    pcg_step(r);
    return out;
}

// The stream of walker `walker` of the point with key `key`: SplitMix64 of key + 2 walker
// and of key + 2 walker + 1 (kernels/rng.rs walker_rng). Same signature in rng64.wgsl.
fn walker_rng(key: vec2<u32>, walker: vec2<u32>) -> Pcg32 {
    let twice = vec2<u32>(walker.x << 1u, (walker.y << 1u) | (walker.x >> 31u));
    let base = add64(key, twice);
    return pcg_new(splitmix64(base), splitmix64(add64(base, vec2<u32>(1u, 0u))));
}
