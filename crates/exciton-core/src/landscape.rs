//! The energy landscape of a heterogeneous assembly (MODEL.md section 9): Gaussian site
//! energies, voids and a finite lattice with open, reflecting or periodic edges.
//!
//! A site's properties are never stored: they come from a counter-based integer hash of
//! (landscape seed, x, y) ([`site_hash`]), the same on every device, so a landscape costs
//! no memory and a walker finds its site's energy wherever it is. Energies are
//! quantised into [`LEVELS`] levels through a host-built `u32` table, and hops are
//! accepted with the Miller-Abrahams factor from a `u32` table indexed by the level
//! difference: integers only, so the GPU kernel and its CPU port decide alike. The
//! walker's use of them is in [`crate::kernels::walk`] (`shaders/landscape.wgsl`).

use crate::rng::{quantize_cumulative, TWO_POW_32};
use serde::{Deserialize, Serialize};

/// Energy levels of a disordered landscape (odd: level 0 is the mean). Their width is
/// `LEVEL_SPAN_SIGMA sigma / LEVELS`, 0.13 sigma: the quantisation adds Delta^2 / 12 =
/// 0.0013 sigma^2 to the variance, and the outermost levels take the tails beyond 4 sigma.
pub const LEVELS: u32 = 63;
/// The levels span +-4 sigma.
pub const LEVEL_SPAN_SIGMA: f64 = 8.0;
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
    /// Cumulative thresholds of the energy levels (a site's level: the first entry
    /// above its energy draw), the last saturated.
    pub levels: Vec<u32>,
    /// Miller-Abrahams acceptance per level difference d = to - from, at index
    /// d + levels - 1: `u32::MAX` for "always" (d <= 0), else exp(-d Delta / kB T) as a
    /// fraction of 2^32.
    pub acceptance: Vec<u32>,
    /// Width of a level, meV (0 without disorder).
    pub level_mev: f64,
}

impl LandscapeTables {
    pub fn new(l: &Landscape, temperature_k: Option<f64>) -> Self {
        if l.energy_sigma_mev == 0.0 {
            return LandscapeTables {
                spec: l.clone(),
                levels: vec![u32::MAX],
                acceptance: vec![u32::MAX],
                level_mev: 0.0,
            };
        }
        let sigma = l.energy_sigma_mev;
        let n = LEVELS as i32;
        let width = LEVEL_SPAN_SIGMA * sigma / f64::from(LEVELS);
        let mid = (n - 1) / 2;
        let mut levels: Vec<u32> = (0..n)
            .map(|i| {
                let upper = (f64::from(i - mid) + 0.5) * width / sigma;
                quantize_cumulative(0.5 * libm::erfc(-upper / std::f64::consts::SQRT_2))
            })
            .collect();
        *levels.last_mut().unwrap() = u32::MAX;
        let kt = KB_MEV_PER_K * temperature_k.expect("validated: disorder needs temperature_K");
        let acceptance = (-(n - 1)..n)
            .map(|d| {
                if d <= 0 {
                    u32::MAX
                } else {
                    let p = (-f64::from(d) * width / kt).exp();
                    ((p * TWO_POW_32) as u64).min(u64::from(u32::MAX - 1)) as u32
                }
            })
            .collect();
        LandscapeTables {
            spec: l.clone(),
            levels,
            acceptance,
            level_mev: width,
        }
    }

    /// Energy of a level's signed index (`level - (levels - 1) / 2`), meV.
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

/// Mirror of `mulhi`: the high 32 bits of a x b, as the shader computes them (in 16-bit
/// halves, without 64-bit integers).
#[inline(always)]
pub fn mulhi(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_levels_are_a_quantised_gaussian() {
        let l = Landscape {
            energy_sigma_mev: 20.0,
            ..Landscape::default()
        };
        let t = LandscapeTables::new(&l, Some(300.0));
        let p = crate::rng::threshold_probabilities(&t.levels);
        let mid = (LEVELS as i32 - 1) / 2;
        let var: f64 = p
            .iter()
            .enumerate()
            .map(|(i, p)| p * t.energy_mev(i as i32 - mid).powi(2))
            .sum();
        // sigma^2 + Delta^2 / 12, less the tails folded onto +-4 sigma.
        assert!((var.sqrt() - 20.0).abs() < 0.05, "sd {} meV", var.sqrt());
        assert_eq!(t.acceptance[(LEVELS - 1) as usize], u32::MAX);
        let one_up = f64::from(t.acceptance[LEVELS as usize]) / TWO_POW_32;
        let want = (-t.level_mev / (KB_MEV_PER_K * 300.0)).exp();
        assert!((one_up - want).abs() < 1e-9, "{one_up} vs {want}");
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
