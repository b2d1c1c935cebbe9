//! The scenario's `"landscape"` block (MODEL.md section 9): Gaussian site energies, voids
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
    /// What happens at the edges of a finite lattice (`open` by default).
    #[serde(default)]
    pub edges: Edges,
}

impl Landscape {
    /// On a finite lattice with open or reflecting edges the start and the displacement
    /// are not independent, so the profile MSD sigma^2(t) - sigma^2(0) of where the
    /// walkers emit differs from the displacement MSD: both are reported.
    pub(crate) fn absolute_positions(&self) -> bool {
        self.size.is_some() && self.edges != Edges::Periodic
    }

    /// The first and last site along each axis of a finite lattice: `-(N / 2)..=N - 1 -
    /// N / 2`, centred on the spot.
    pub fn bounds(&self) -> Option<[(i32, i32); 2]> {
        self.size
            .map(|s| s.map(|n| (-((n / 2) as i32), (n - 1 - n / 2) as i32)))
    }
}
