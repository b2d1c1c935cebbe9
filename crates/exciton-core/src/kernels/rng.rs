//! The walkers' generator, CPU port of `shaders/rng.wgsl` and `shaders/rng64.wgsl`: PCG32
//! streams per walker and their seeding by SplitMix64. The constants both languages use
//! reach the shaders through [`prelude`], so they are written once.
//!
//! Every random decision in a walk compares a raw `u32` from the walker's own PCG32
//! (PCG-XSH-RR 64/32, the algorithm of `rand_pcg::Pcg32`) with a `u32` threshold built
//! once on the host ([`crate::tables`]). No floating point is used inside a step, so the
//! CPU reference and the WGSL kernel (`shaders/rng.wgsl` carries the 64-bit state as two
//! `u32`) make the same decisions bit for bit.

/// LCG multiplier of PCG32 (same as `rand_pcg::Lcg64Xsh32`).
pub const PCG_MULTIPLIER: u64 = 6364136223846793005;

/// The generator's 64-bit constants as WGSL, for the prelude of a kernel whose generator
/// is `rng.wgsl` (`int64` false: `vec2<u32>` (low, high) pairs) or `rng64.wgsl` (`u64`).
pub fn prelude(int64: bool) -> String {
    [
        ("PCG_MULTIPLIER", PCG_MULTIPLIER),
        ("SPLITMIX_GAMMA", SPLITMIX_GAMMA),
        ("SPLITMIX_MUL_A", SPLITMIX_MUL_A),
        ("SPLITMIX_MUL_B", SPLITMIX_MUL_B),
    ]
    .iter()
    .map(|&(name, v)| match int64 {
        true => format!("const {name}: u64 = {v:#x}lu;\n"),
        false => format!(
            "const {name}: vec2<u32> = vec2<u32>({:#x}u, {:#x}u);\n",
            v as u32,
            (v >> 32) as u32
        ),
    })
    .collect()
}

/// PCG-XSH-RR with 64-bit state and 32-bit output; identical output to `rand_pcg::Pcg32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pcg32 {
    /// The 64-bit LCG state; the next output is taken from it.
    pub state: u64,
    /// The LCG increment, `(stream << 1) | 1`: odd, and what sets the stream apart.
    pub increment: u64,
}

impl Pcg32 {
    /// Same construction as `rand_pcg::Pcg32::new(state, stream)`.
    #[inline]
    pub fn new(state: u64, stream: u64) -> Self {
        let increment = (stream << 1) | 1;
        let mut pcg = Pcg32 { state, increment };
        pcg.state = pcg.state.wrapping_add(pcg.increment);
        pcg.step();
        pcg
    }

    #[inline(always)]
    fn step(&mut self) {
        self.state = self
            .state
            .wrapping_mul(PCG_MULTIPLIER)
            .wrapping_add(self.increment);
    }

    /// The next 32-bit output, advancing the state by one step.
    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.step();
        output(old)
    }

    /// The next [`PASS`] draws, as that many calls of [`Self::next_u32`] give them.
    ///
    /// Each state s+k is computed from s, not from s+k-1 (s_k = M^k s + c S_k, c the
    /// increment, S_k = 1 + M + ... + M^(k-1)), so the multiplies do not wait on each
    /// other: one walker's multiply chain is what bounds a core otherwise, and
    /// independent lanes are what a vector unit runs at once. `ahead` is [`Self::ahead`], computed once per generator.
    #[inline(always)]
    pub fn next_pass(&mut self, ahead: &Ahead) -> [u32; PASS] {
        let s = self.state;
        // A plain loop, not `std::array::from_fn`: the walk grew past what the inliner
        // takes of from_fn's closure, and a call per pass measured the paper case 2.3x
        // slower (no vector multiplies across the pass).
        let mut draws = [output(s); PASS];
        for k in 1..PASS {
            draws[k] = output(
                s.wrapping_mul(AHEAD_MULTIPLIERS[k - 1])
                    .wrapping_add(ahead.0[k - 1]),
            );
        }
        self.state = s
            .wrapping_mul(AHEAD_MULTIPLIERS[PASS - 1])
            .wrapping_add(ahead.0[PASS - 1]);
        draws
    }

    /// Puts the generator `draws` draws (1..=[`PASS`]) past `start`, the state a
    /// [`Self::next_pass`] began from: where one draw at a time would be after the
    /// pass's first `draws` draws (a walk in continuous time stops a pass at its first
    /// event, whose further draws come next).
    #[inline(always)]
    pub fn set_after(&mut self, start: u64, draws: usize, ahead: &Ahead) {
        self.state = start
            .wrapping_mul(AHEAD_MULTIPLIERS[draws - 1])
            .wrapping_add(ahead.0[draws - 1]);
    }

    /// The additive constants of [`Self::next_pass`] for this generator's stream.
    #[inline(always)]
    pub fn ahead(&self) -> Ahead {
        Ahead(AHEAD_SUMS.map(|k| self.increment.wrapping_mul(k)))
    }
}

/// Draws per [`Pcg32::next_pass`]. 16 measured best on one core with AVX-512 (8: -10 %,
/// 32: no better; docs/PERFORMANCE.md).
pub const PASS: usize = 16;

/// XSH-RR: the 32-bit output of a 64-bit state.
#[inline(always)]
fn output(state: u64) -> u32 {
    let rot = (state >> 59) as u32;
    let xsh = (((state >> 18) ^ state) >> 27) as u32;
    xsh.rotate_right(rot)
}

/// M^k for k = 1..=PASS (M = [`PCG_MULTIPLIER`], wrapping).
const AHEAD_MULTIPLIERS: [u64; PASS] = {
    let mut m = [PCG_MULTIPLIER; PASS];
    let mut k = 1;
    while k < PASS {
        m[k] = m[k - 1].wrapping_mul(PCG_MULTIPLIER);
        k += 1;
    }
    m
};

/// 1 + M + ... + M^(k-1) for k = 1..=PASS: k steps add the increment times this.
const AHEAD_SUMS: [u64; PASS] = {
    let mut c = [1u64; PASS];
    let mut k = 1;
    while k < PASS {
        c[k] = c[k - 1].wrapping_add(AHEAD_MULTIPLIERS[k - 1]);
        k += 1;
    }
    c
};

/// Per-stream additive constants of 1..=[`PASS`] steps ahead ([`Pcg32::ahead`]).
#[derive(Clone, Copy, Debug)]
pub struct Ahead([u64; PASS]);

/// SplitMix64's increment (the golden ratio as a 64-bit fraction).
pub const SPLITMIX_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
/// SplitMix64's first mixing multiplier.
pub const SPLITMIX_MUL_A: u64 = 0xBF58_476D_1CE4_E5B9;
/// SplitMix64's second mixing multiplier.
pub const SPLITMIX_MUL_B: u64 = 0x94D0_49BB_1331_11EB;

/// SplitMix64 finaliser: a bijection on u64 with good avalanche, used to derive streams.
#[inline]
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(SPLITMIX_GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(SPLITMIX_MUL_A);
    z = (z ^ (z >> 27)).wrapping_mul(SPLITMIX_MUL_B);
    z ^ (z >> 31)
}

/// Key of one sweep point of one run; computed on the host only and handed to kernels.
pub fn point_key(seed: u64, point: u64) -> u64 {
    splitmix64(seed ^ splitmix64(point.wrapping_mul(2).wrapping_add(1)))
}

/// The generator of walker `walker` (global index across batches) of the point with `key`.
///
/// State and stream come from SplitMix64 of `key + 2 walker` and `key + 2 walker + 1`:
/// distinct walkers get distinct inputs, and the mix is a bijection, so no two walkers of
/// a point share their (state, stream) pair. The GPU kernel computes the same with
/// 32-bit limb arithmetic.
#[inline]
pub fn walker_rng(key: u64, walker: u64) -> Pcg32 {
    let base = key.wrapping_add(walker.wrapping_mul(2));
    Pcg32::new(splitmix64(base), splitmix64(base.wrapping_add(1)))
}
