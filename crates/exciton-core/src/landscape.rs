//! The energy landscape of a heterogeneous assembly (MODEL.md section 9): Gaussian site
//! energies, voids and a finite lattice with open, reflecting or periodic edges.
//!
//! A site's properties are never stored: they come from a counter-based integer hash of
//! (landscape seed, x, y) ([`site_hash`]), the same on every device, so a landscape costs
//! no memory and a walker finds its site's energy wherever it is. Energies are
//! fixed-point numbers, levels of kB T / [`LEVELS_PER_KT`], read from a host-built
//! inverse-CDF table ([`LandscapeTables::levels`]), and hops are accepted with the
//! Miller-Abrahams factor exp(-d / LEVELS_PER_KT) of the level difference d, the product
//! of two `u32` tables: integers only, so the GPU kernel and its CPU port decide alike.
//! The walker's use of them is in [`crate::kernels::walk`] (`shaders/landscape.wgsl`).

use crate::rng::{quantize_cumulative, TWO_POW_32};
use serde::{Deserialize, Serialize};

/// Energy levels per kB T: a site's energy is within 1.5 levels (rounding and the
/// interpolation's floor) of sigma Phi^-1 of its draw, so an acceptance exp(-dE / kB T)
/// is off by at most 0.08 % whatever sigma / kB T is.
pub const LEVELS_PER_KT: u32 = 4096;
/// The inverse-CDF table: a site's energy draw u is folded to v = min(u, !u) < 2^31,
/// whose octave j (its leading bit, 0..31) picks a row of [`LEVEL_ROW`] entries, the
/// next [`LEVEL_SUB_BITS`] bits the entry, and the rest interpolate linearly to the next
/// one. Entries are |z| sigma in levels at those v: the Gaussian quantile to 6.2 sigma
/// (v = 1; v = 0, i.e. u = 0 or u32::MAX, takes v = 1's energy), within 1e-6 sigma
/// between entries.
pub const LEVEL_SUB_BITS: u32 = 8;
pub const LEVEL_ROW: u32 = (1 << LEVEL_SUB_BITS) + 1;
pub const LEVEL_OCTAVES: u32 = 31;
/// The acceptance of an uphill difference of d levels: the high part of d (d >>
/// [`ACCEPT_LO_BITS`], e^-1 steps, at most [`ACCEPT_HI_LEN`] - 1, whose entry is 0) and
/// the low part each index a table of exp(-x) as fractions of 2^32, multiplied.
pub const ACCEPT_LO_BITS: u32 = 12;
pub const ACCEPT_HI_LEN: u32 = 24;
const _: () = assert!(1 << ACCEPT_LO_BITS == LEVELS_PER_KT);
/// Most tries to find a walker a start site (on the lattice, not a void) in the spot;
/// a walker that finds none after this many is never excited (2^-64 with half the
/// sites void).
pub const START_TRIES: u32 = 64;
/// Largest side of a finite lattice: positions stay below 46341, so their squares fit
/// the kernels' `i32`.
pub const MAX_SIZE: u32 = 20_000;
/// Boltzmann's constant in meV/K.
pub const KB_MEV_PER_K: f64 = 8.617_333_262e-2;

/// What happens at the edge of a finite lattice.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Edges {
    /// The film ends: there is no site beyond the edge, so a hop off it is not made
    /// (as a hop onto a void). MSD is taken on absolute positions.
    #[default]
    Open,
    /// A wall: a hop across it is not made either (zero flux; the positions relax to
    /// the uniform distribution). The same dynamics as `open`, named for those who
    /// think of a closed box.
    Reflecting,
    /// The lattice wraps around: site properties repeat with period N, displacements
    /// are unwrapped (a walker that goes round once is N sites away).
    Periodic,
}

/// The `"landscape"` block of a scenario; every key optional.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Landscape {
    /// Seed of the site hash: the same seed, the same film.
    #[serde(default)]
    pub seed: u64,
    /// Standard deviation of the Gaussian site energies, meV.
    #[serde(default, rename = "energy_sigma_meV")]
    pub energy_sigma_mev: f64,
    /// 1: every walker block walks the same film (errors conditional on it). Absent:
    /// each block walks its own realization, so errors include the film-to-film spread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realizations: Option<u32>,
    /// Probability that a site is empty.
    #[serde(default)]
    pub void_fraction: f64,
    /// `[N, M]` sites along x and y; absent: unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<[u32; 2]>,
    #[serde(default)]
    pub edges: Edges,
}

impl Landscape {
    /// On a finite lattice with open or reflecting edges the start and the displacement
    /// are not independent, so the profile MSD sigma^2(t) - sigma^2(0) of where the
    /// walkers emit differs from the displacement MSD: both are reported.
    pub fn absolute_positions(&self) -> bool {
        self.size.is_some() && self.edges != Edges::Periodic
    }

    /// The key of the film the walker block starting at walker `first` walks: one
    /// film for every block with `realizations: 1`, else one per block (a measurement
    /// averages over many spots of a film, i.e. over many draws of the landscape).
    pub fn realization_key(&self, first: u64) -> u32 {
        match self.realizations {
            Some(1) => landscape_key(self.seed),
            _ => landscape_key(crate::rng::splitmix64(
                self.seed ^ crate::rng::splitmix64(first.wrapping_add(0x5eed)),
            )),
        }
    }

    /// `u32` draws below which a site is a void.
    pub fn void_threshold(&self) -> u32 {
        quantize_cumulative(self.void_fraction)
    }

    /// The first and last site along each axis of a finite lattice: `-(N / 2)..=N - 1 -
    /// N / 2`, centred on the spot.
    pub fn bounds(&self) -> Option<[(i32, i32); 2]> {
        self.size
            .map(|s| s.map(|n| (-((n / 2) as i32), (n - 1 - n / 2) as i32)))
    }
}

/// A landscape's tables at temperature T: appended to the walk's outcome table.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeTables {
    /// The landscape these tables are of.
    pub spec: Landscape,
    /// The inverse-CDF table ([`LEVEL_OCTAVES`] rows of [`LEVEL_ROW`]): |z| sigma in
    /// levels, non-increasing (all 0 without disorder).
    pub levels: Vec<u32>,
    /// exp(-h) for h < [`ACCEPT_HI_LEN`] - 1 (then 0), then exp(-l / [`LEVELS_PER_KT`])
    /// for l < 2^[`ACCEPT_LO_BITS`], as fractions of 2^32 (1 as `u32::MAX`).
    pub acceptance: Vec<u32>,
    /// Width of a level, meV (kB T / [`LEVELS_PER_KT`]; 0 without disorder).
    pub level_mev: f64,
}

/// exp(-x) as a fraction of 2^32, rounded, 1 as `u32::MAX`.
fn fraction(x: f64) -> u32 {
    ((-x).exp() * TWO_POW_32).round().min(f64::from(u32::MAX)) as u32
}

impl LandscapeTables {
    pub fn new(l: &Landscape, temperature_k: Option<f64>) -> Self {
        let hi = (0..ACCEPT_HI_LEN).map(|h| {
            if h + 1 == ACCEPT_HI_LEN {
                0
            } else {
                fraction(f64::from(h))
            }
        });
        let lo =
            (0..1u32 << ACCEPT_LO_BITS).map(|l| fraction(f64::from(l) / f64::from(LEVELS_PER_KT)));
        let acceptance = hi.chain(lo).collect();
        let rows = (LEVEL_OCTAVES * LEVEL_ROW) as usize;
        if l.energy_sigma_mev == 0.0 {
            return LandscapeTables {
                spec: l.clone(),
                levels: vec![0; rows],
                acceptance,
                level_mev: 0.0,
            };
        }
        let kt = KB_MEV_PER_K * temperature_k.expect("validated: disorder needs temperature_K");
        let width = kt / f64::from(LEVELS_PER_KT);
        let scale = l.energy_sigma_mev / width;
        let levels = (0..LEVEL_OCTAVES)
            .flat_map(|j| {
                (0..LEVEL_ROW).map(move |k| {
                    let v = 2f64.powi(j as i32)
                        * (1.0 + f64::from(k) / f64::from(1u32 << LEVEL_SUB_BITS));
                    let z = -crate::rng::normal_quantile((v + 0.5) / TWO_POW_32);
                    (z * scale).round() as u32
                })
            })
            .collect();
        LandscapeTables {
            spec: l.clone(),
            levels,
            acceptance,
            level_mev: width,
        }
    }

    /// Energy of a signed level, meV.
    pub fn energy_mev(&self, signed_level: i32) -> f64 {
        f64::from(signed_level) * self.level_mev
    }
}

/// Mirror of `lowbias32` in `landscape.wgsl`: a 32-bit integer hash with good avalanche
/// (C. Wellons' lowbias32).
#[inline(always)]
pub fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// The per-run key of a landscape seed (computed on the host, a parameter of the kernel).
pub fn landscape_key(seed: u64) -> u32 {
    lowbias32((seed as u32) ^ lowbias32(((seed >> 32) as u32) ^ 0x85eb_ca6b))
}

/// Mirror of `site_hash`: the site's hash, from which its void and energy draws come.
#[inline(always)]
pub fn site_hash(key: u32, x: i32, y: i32) -> u32 {
    lowbias32(key ^ lowbias32((x as u32) ^ lowbias32((y as u32).wrapping_add(0x9e37_79b9))))
}

/// Mirror of `void_draw` and `energy_draw`: two independent draws from a site's hash.
#[inline(always)]
pub fn void_draw(h: u32) -> u32 {
    lowbias32(h ^ 0x68bc_21eb)
}

#[inline(always)]
pub fn energy_draw(h: u32) -> u32 {
    lowbias32(h.wrapping_add(0x02e5_be93))
}

/// Mirror of the table read in `level_of`: the signed level of energy draw u from the
/// inverse-CDF table `levels` ([`LandscapeTables::levels`]). u is folded to v = min(u,
/// !u) (the sign says which tail); v's leading bit picks a row, its next
/// [`LEVEL_SUB_BITS`] bits an entry, and the bits below interpolate to the next entry.
#[inline(always)]
pub fn level_of_draw(levels: &[u32], u: u32) -> i32 {
    let upper = u >= 0x8000_0000;
    let v = (if upper { !u } else { u }).max(1);
    let j = 31 - v.leading_zeros();
    let off = v - (1 << j);
    let (k, frac) = if j > LEVEL_SUB_BITS {
        (
            off >> (j - LEVEL_SUB_BITS),
            off << (32 - (j - LEVEL_SUB_BITS)),
        )
    } else {
        (off << (LEVEL_SUB_BITS - j), 0)
    };
    let i = (j * LEVEL_ROW + k) as usize;
    let (t0, t1) = (levels[i], levels[i + 1]);
    let m = (t0 - mulhi(t0 - t1, frac)) as i32;
    if upper {
        m
    } else {
        -m
    }
}

/// Mirror of the acceptance read in `hop_level`: exp(-d / [`LEVELS_PER_KT`]) of an
/// uphill difference of d > 0 levels as a fraction of 2^32, the product of the high
/// part's and the low part's entries in `acceptance` ([`LandscapeTables::acceptance`]).
#[inline(always)]
pub fn acceptance_of(acceptance: &[u32], d: u32) -> u32 {
    let hi = (d >> ACCEPT_LO_BITS).min(ACCEPT_HI_LEN - 1);
    let lo = d & ((1 << ACCEPT_LO_BITS) - 1);
    mulhi(
        acceptance[hi as usize],
        acceptance[(ACCEPT_HI_LEN + lo) as usize],
    )
}

/// Mirror of `mulhi`: the high 32 bits of a x b, as the shader computes them (in 16-bit
/// halves, without 64-bit integers).
#[inline(always)]
pub fn mulhi(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(t: &LandscapeTables, u: u32) -> i32 {
        level_of_draw(&t.levels, u)
    }

    #[test]
    fn site_energies_are_gaussian_to_six_sigma() {
        // sigma / kT = 20 (30 meV at 17.4 K): a site's energy against sigma Phi^-1 of its
        // draw, over draws from the centre to the outermost ones.
        let kt = 30.0 / 20.0;
        let l = Landscape {
            energy_sigma_mev: 30.0,
            ..Landscape::default()
        };
        let t = LandscapeTables::new(&l, Some(kt / KB_MEV_PER_K));
        let mut worst = 0.0f64;
        let draws = (0..200_000u32).map(lowbias32).chain([
            0,
            1,
            2,
            1000,
            u32::MAX,
            u32::MAX - 7,
            1 << 31,
            (1 << 31) - 1,
        ]);
        for u in draws {
            if u == 0 || u == u32::MAX {
                continue; // folded onto their neighbours (v >= 1)
            }
            let want = 30.0
                * crate::rng::normal_quantile((f64::from(u.min(!u)) + 0.5) / TWO_POW_32)
                * if u >= 1 << 31 { -1.0 } else { 1.0 };
            let got = t.energy_mev(level(&t, u));
            worst = worst.max((got - want).abs() / kt);
        }
        let top = t.energy_mev(level(&t, u32::MAX)) / 30.0;
        println!("largest |E - sigma Phi^-1(u)| {worst:.2e} kT; outermost site {top:.3} sigma");
        assert!(worst < 1.6 / f64::from(LEVELS_PER_KT), "{worst} kT");
        assert!(top > 6.0, "the outermost site is at {top} sigma");
    }

    #[test]
    fn uphill_acceptances_are_exp_of_the_difference_to_a_thousandth() {
        // What both kernels compute for a difference of d levels: the two tables'
        // product, against exp(-d / LEVELS_PER_KT), wherever it is above 1e-6.
        let t = LandscapeTables::new(&Landscape::default(), None);
        let mut worst = 0.0f64;
        for d in 1..(30 * LEVELS_PER_KT) {
            let a = acceptance_of(&t.acceptance, d);
            let want = (-f64::from(d) / f64::from(LEVELS_PER_KT)).exp();
            if want > 1e-6 {
                worst = worst.max((f64::from(a) / TWO_POW_32 / want - 1.0).abs());
            } else {
                assert!(f64::from(a) / TWO_POW_32 < 2e-6, "d {d}");
            }
        }
        println!("largest relative error of an uphill acceptance above 1e-6: {worst:.2e}");
        assert!(worst < 1e-3, "{worst}");
    }

    #[test]
    fn void_draws_hit_the_fraction() {
        let key = landscape_key(7);
        let th = quantize_cumulative(0.3);
        let n = 200 * 200;
        let voids = (-100..100)
            .flat_map(|x| (-100..100).map(move |y| (x, y)))
            .filter(|&(x, y)| void_draw(site_hash(key, x, y)) < th)
            .count();
        let f = voids as f64 / n as f64;
        let se = (0.3f64 * 0.7 / n as f64).sqrt();
        assert!((f - 0.3).abs() < 5.0 * se, "void fraction {f} (se {se})");
    }
}
