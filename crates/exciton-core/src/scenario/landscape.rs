//! The scenario's `"landscape"` block (MODEL.md section 12): Gaussian site energies, voids
//! and a finite lattice with open, reflecting, periodic or absorbing edges, as written. What the
//! walk makes of it is in `kernels::walk::landscape` (the site hash, the port of
//! `shaders/landscape.wgsl`) and `model::landscape` (its host tables).

use serde::{Deserialize, Serialize};

/// Largest side of a finite lattice: positions stay below 46341, so their squares fit
/// the kernels' `i32`.
pub(crate) const MAX_SIZE: u32 = 20_000;

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
    /// The film ends and what leaves it is lost: a hop off the lattice is made, and the
    /// exciton is gone (a loss without light, as a nonradiative decay).
    Absorbing,
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
    /// On a cubic lattice, the film's thickness in NC layers along z (the edges hold
    /// there too); absent: unbounded along z.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<u32>,
    /// What happens at the edges of a finite lattice (`open` by default).
    #[serde(default)]
    pub edges: Edges,
    /// Relative standard deviation of the NC size (MODEL.md section 15): a site's size
    /// sets its energy (confinement, ~1/s^2) and its bright-dark splitting (~1/s)
    /// together. 0: every NC alike (energies Gaussian).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub size_spread: f64,
    /// Size classes of the splitting (default [`DEFAULT_SIZE_CLASSES`]): a site's class
    /// is the share of its energy draw, and its `detailed_balance` changes are those at
    /// the class's median size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_classes: Option<u32>,
}

/// Size classes of the splitting when `size_classes` is not given.
pub const DEFAULT_SIZE_CLASSES: u32 = 8;

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Landscape {
    /// On a finite lattice with open or reflecting edges the start and the displacement
    /// are not independent, so the profile MSD sigma^2(t) - sigma^2(0) of where the
    /// walkers emit differs from the displacement MSD: both are reported.
    pub(crate) fn absolute_positions(&self) -> bool {
        self.size.is_some() && self.edges != Edges::Periodic
    }

    /// The confinement energy E_c of the mean size, meV, with a size spread: a site of
    /// relative size r = s / s_mean sits at E_c (1 / r^2 - 1), and E_c = sigma_E / (2
    /// size_spread) makes the energies' spread sigma_E to first order.
    pub fn confinement_mev(&self) -> Option<f64> {
        (self.size_spread > 0.0).then(|| self.energy_sigma_mev / (2.0 * self.size_spread))
    }

    /// The relative size r = s / s_mean of a site whose energy draw is the standard
    /// normal z (1 without a size spread): larger z, a smaller NC, a higher energy.
    pub fn relative_size(&self, z: f64) -> f64 {
        1.0 - self.size_spread * z
    }

    /// The energy of a site whose energy draw is the standard normal z, meV: sigma_E z,
    /// or with a size spread the confinement E_c (1 / r^2 - 1) of its size r.
    pub fn energy_of_normal(&self, z: f64) -> f64 {
        match self.confinement_mev() {
            Some(ec) => ec * (self.relative_size(z).powi(-2) - 1.0),
            None => self.energy_sigma_mev * z,
        }
    }

    /// Size classes of the splitting: 1 without a size spread.
    pub fn size_classes(&self) -> u32 {
        if self.size_spread > 0.0 {
            self.size_classes.unwrap_or(DEFAULT_SIZE_CLASSES)
        } else {
            1
        }
    }

    /// Per size class, the factor s_mean / s of its median size, by which the
    /// bright-dark splitting of its sites is scaled (class k holds the draws from k / K
    /// to (k + 1) / K: the smallest NCs last).
    pub fn class_splitting_scale(&self) -> Vec<f64> {
        let k = self.size_classes();
        (0..k)
            .map(|c| {
                let z = crate::tables::normal_quantile((f64::from(c) + 0.5) / f64::from(k));
                1.0 / self.relative_size(if k == 1 { 0.0 } else { z })
            })
            .collect()
    }

    /// The first and last site along each axis of a finite lattice: `-(N / 2)..=N - 1 -
    /// N / 2`, centred on the spot.
    pub fn bounds(&self) -> Option<[(i32, i32); 2]> {
        self.size
            .map(|s| s.map(|n| (-((n / 2) as i32), (n - 1 - n / 2) as i32)))
    }
}
