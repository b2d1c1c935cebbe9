//! A landscape's host tables at temperature T (MODEL.md section 12): the inverse-CDF
//! table of site energy levels and the two Miller-Abrahams acceptance tables, appended
//! to the walk's outcome table, and the constants of their layout. The kernels read them
//! through [`crate::kernels::walk::landscape`] (`level_of_draw`, `acceptance_of`).

use crate::scenario::landscape::Landscape;
use crate::tables::{normal_quantile, quantize_cumulative, TWO_POW_32};
use crate::temperature::KB_MEV_PER_K;
/// Energy levels per kB T: a site's energy is within 1.5 levels (rounding and the
/// interpolation's floor) of sigma Phi^-1 of its draw, so an acceptance exp(-dE / kB T)
/// is off by at most 0.08 % whatever sigma / kB T is.
pub const LEVELS_PER_KT: u32 = 4096;
/// The inverse-CDF table: a site's energy draw u is folded to v = min(u, !u) < 2^31,
/// whose octave j (its leading bit, 0..31) picks a row of [`LEVEL_ROW`] entries, the
/// next [`LEVEL_SUB_BITS`] bits the entry, and the rest interpolate linearly to the next
/// one. Entries are the energy's magnitude in levels at those v, the upper tail (u >=
/// 2^31) first and the lower one [`LEVEL_TAIL`] entries on: the Gaussian quantile to
/// 6.2 sigma (v = 1; v = 0, i.e. u = 0 or u32::MAX, takes v = 1's energy), within 1e-6
/// sigma between entries, or with a size spread the confinement energy of that
/// quantile's size, which is not symmetric.
pub(crate) const LEVEL_SUB_BITS: u32 = 8;
pub(crate) const LEVEL_ROW: u32 = (1 << LEVEL_SUB_BITS) + 1;
pub(crate) const LEVEL_OCTAVES: u32 = 31;
/// Where the lower tail's rows start in the level table.
pub(crate) const LEVEL_TAIL: u32 = LEVEL_OCTAVES * LEVEL_ROW;
/// The acceptance of an uphill difference of d levels: the high part of d (d >>
/// [`ACCEPT_LO_BITS`], e^-1 steps, at most [`ACCEPT_HI_LEN`] - 1, whose entry is 0) and
/// the low part each index a table of exp(-x) as fractions of 2^32, multiplied.
pub(crate) const ACCEPT_LO_BITS: u32 = 12;
pub(crate) const ACCEPT_HI_LEN: u32 = 24;
const _: () = assert!(1 << ACCEPT_LO_BITS == LEVELS_PER_KT);

/// A landscape's tables at temperature T: appended to the walk's outcome table.
#[derive(Clone, Debug, PartialEq)]
pub struct LandscapeTables {
    /// The landscape these tables are of.
    pub spec: Landscape,
    /// The inverse-CDF table (2 x `LEVEL_OCTAVES` rows of `LEVEL_ROW`, the upper tail's
    /// then the lower's): the energy's magnitude in levels, non-increasing along each
    /// tail (all 0 without disorder).
    pub levels: Vec<u32>,
    /// exp(-h) for h < `ACCEPT_HI_LEN` - 1 (then 0), then exp(-l / [`LEVELS_PER_KT`])
    /// for l < 2^`ACCEPT_LO_BITS`, as fractions of 2^32 (1 as `u32::MAX`).
    pub acceptance: Vec<u32>,
    /// Width of a level, meV (kB T / [`LEVELS_PER_KT`]; 0 without disorder).
    pub level_mev: f64,
}

/// exp(-x) as a fraction of 2^32, rounded, 1 as `u32::MAX`.
fn fraction(x: f64) -> u32 {
    ((-x).exp() * TWO_POW_32).round().min(f64::from(u32::MAX)) as u32
}

impl LandscapeTables {
    /// The tables of landscape `l` at `temperature_k` (only disorder needs a temperature).
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
        let rows = 2 * LEVEL_TAIL as usize;
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
        let levels = [1.0, -1.0]
            .into_iter()
            .flat_map(|sign| {
                (0..LEVEL_OCTAVES).flat_map(move |j| {
                    (0..LEVEL_ROW).map(move |k| {
                        let v = 2f64.powi(j as i32)
                            * (1.0 + f64::from(k) / f64::from(1u32 << LEVEL_SUB_BITS));
                        let z = -normal_quantile((v + 0.5) / TWO_POW_32);
                        (sign * l.energy_of_normal(sign * z) / width).round() as u32
                    })
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

    /// `u32` draws below which a site is a void.
    pub(crate) fn void_threshold(&self) -> u32 {
        quantize_cumulative(self.spec.void_fraction)
    }

    /// Energy of a signed level, meV.
    pub fn energy_mev(&self, signed_level: i32) -> f64 {
        f64::from(signed_level) * self.level_mev
    }
}
