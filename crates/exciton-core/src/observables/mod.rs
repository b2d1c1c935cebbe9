//! Observables: per-frame curves from histograms (through their additive per-frame
//! sums, [`FrameSums`]) or from the exact backend, the paper's scalars tau_PL, D_avg,
//! diffusion length and t_max ([`summary`]), and their standard errors from walker
//! blocks ([`uncertainty`]).

mod blocks;
mod summary;
mod sums;
mod uncertainty;

pub use blocks::BlockResult;
pub use summary::{
    sites2_ps_to_cm2_s, summarise, tau_pl, tau_pl_peak, Summary, MIN_RELIABLE, T_MAX_MIN_WALKERS,
};
pub use sums::FrameSums;
pub use uncertainty::{block_ranges, estimate, Estimate};

use crate::histogram::Histograms;

/// Per-frame curves of one point; Monte Carlo and exact backends fill the same fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Curves {
    pub walkers: u64,
    /// Radiative decays per frame (expected counts for the exact backend).
    pub emissions: Vec<f64>,
    /// `[state][frame]` radiative decays.
    pub emissions_by_state: Vec<Vec<f64>>,
    /// `[state][frame]` fraction of all walkers in the state at the start of the frame.
    pub populations: Vec<Vec<f64>>,
    /// PL intensity at the frame's start from the occupancy, sum_s w_s n_s / walkers with
    /// w_s the radiative probability per frame (or k_rad dt): the expected emissions of
    /// the frame per walker with one outcome per frame, the instantaneous photon rate
    /// (per frame's time) in continuous time. Far less noise than counting.
    pub intensity: Vec<f64>,
    /// Its standard error (Monte Carlo with walker blocks; `None` otherwise).
    pub intensity_stderr: Vec<Option<f64>>,
    /// MSD(t) = sigma^2(t) - sigma^2(0) of the frame's emission profile, sites^2 (the
    /// paper's estimator); `None` with fewer than two emissions or any emission outside
    /// the histogram.
    pub msd: Vec<Option<f64>>,
    pub msd_stderr: Vec<Option<f64>>,
    /// Variance of dx at the frame's start weighted by sum_s w_s O[t][s][dx]: the same
    /// expectation as `msd` with one outcome per frame, far less noise; the instantaneous
    /// emission profile's MSD in continuous time. t_max and D_avg use it.
    pub msd_occupancy: Vec<Option<f64>>,
    /// Its standard error (Monte Carlo with walker blocks; `None` otherwise).
    pub msd_occupancy_stderr: Vec<Option<f64>>,
    /// Effective number of walkers behind the occupancy estimator in each frame,
    /// (sum_s rad_s n_s)^2 / sum_s rad_s^2 n_s with n_s walkers in state s: its noise
    /// scales as 1 / sqrt of this.
    pub occupancy_walkers: Vec<f64>,
    /// Emissions per frame outside `-max_dx..=max_dx` (always 0 for the exact backend).
    pub overflow: Vec<u64>,
    /// Emissions over the absolute position x0 + dx per frame (Monte Carlo only).
    pub emission_profile: Option<EmissionProfile>,
}

/// Emission counts per frame over absolute position, trimmed to the x range that holds
/// any count (the diffusion map the microscope shows).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmissionProfile {
    /// Position of the first column, in sites.
    pub x_min_sites: i64,
    /// `counts[t][i]`: emissions in frame t at x = x_min_sites + i.
    pub counts: Vec<Vec<u64>>,
    /// Emissions per frame beyond the histogram (not in `counts`).
    pub overflow: Vec<u64>,
}

/// The profile of a point that recorded `emission_abs` (`record_profiles`).
pub fn emission_profile(h: &Histograms) -> Option<EmissionProfile> {
    let frames = h.layout.frames as usize;
    let w = h.layout.abs_row_width();
    let half = i64::from(h.layout.abs_half_width());
    let rows: Vec<&[u64]> = (0..frames)
        .map(|t| h.emission_abs(t))
        .collect::<Option<_>>()?;
    let (mut lo, mut hi) = (w - 1, 0usize);
    for row in &rows {
        let row = &row[..w - 1];
        if let Some(first) = row.iter().position(|&c| c > 0) {
            lo = lo.min(first);
            hi = hi.max(row.iter().rposition(|&c| c > 0).unwrap());
        }
    }
    if lo > hi {
        (lo, hi) = (half as usize, half as usize);
    }
    Some(EmissionProfile {
        x_min_sites: lo as i64 - half,
        counts: rows.iter().map(|row| row[lo..=hi].to_vec()).collect(),
        overflow: rows.iter().map(|row| row[w - 1]).collect(),
    })
}

impl Curves {
    /// Curves of `walkers` walkers with no frame yet, room for `frames` frames of
    /// `states` states (errors and overflow already `None` / 0 for every frame).
    pub fn empty(walkers: u64, states: usize, frames: usize) -> Self {
        Curves {
            walkers,
            emissions: Vec::with_capacity(frames),
            emissions_by_state: vec![Vec::with_capacity(frames); states],
            populations: vec![Vec::with_capacity(frames); states],
            intensity: Vec::with_capacity(frames),
            intensity_stderr: vec![None; frames],
            msd: Vec::with_capacity(frames),
            msd_stderr: Vec::with_capacity(frames),
            msd_occupancy: Vec::with_capacity(frames),
            msd_occupancy_stderr: vec![None; frames],
            occupancy_walkers: Vec::with_capacity(frames),
            overflow: vec![0; frames],
            emission_profile: None,
        }
    }

    pub fn frames(&self) -> usize {
        self.emissions.len()
    }

    /// Emissions counted per walker per frame.
    pub fn emissions_per_walker(&self) -> Vec<f64> {
        self.emissions
            .iter()
            .map(|e| e / self.walkers as f64)
            .collect()
    }
}

/// Reduces Monte Carlo histograms to curves; `weights[s]` is state s's radiative
/// probability per frame (or rate x dt), which weighs the occupancy estimators.
pub fn curves_from_histograms(h: &Histograms, walkers: u64, weights: &[f64]) -> Curves {
    let mut c = curves_from_sums(&FrameSums::from_histograms(h, walkers), weights);
    c.emission_profile = emission_profile(h);
    c
}

/// Curves from a point's per-frame sums (no emission profile: that needs the rows).
pub fn curves_from_sums(sums: &FrameSums, weights: &[f64]) -> Curves {
    let (frames, states) = (sums.frames, sums.states);
    let walkers = sums.walkers as f64;
    let mut c = Curves::empty(sums.walkers, states, frames);
    c.overflow = sums.overflow.iter().map(|&o| o as u64).collect();
    // MSD(t) = sigma^2(t) - sigma^2(0): frame 0's spread is 0 with one outcome per frame,
    // not in continuous time, where walkers move before the first frame ends.
    let first = sums.emission_variance(0);
    for t in 0..frames {
        c.emissions
            .push((sums.emissions[t] + sums.overflow[t]) as f64);
        let m = sums.emission_variance(t);
        c.msd.push(m.map(|(v, _)| v - first.map_or(0.0, |f| f.0)));
        c.msd_stderr
            .push(m.map(|(_, se)| se.hypot(first.map_or(0.0, |f| f.1))));
        let cell = |k: usize, s: usize| sums.occupancy[k][t * states + s] as f64;
        let (mut w, mut m1, mut m2) = (0.0, 0.0, 0.0);
        for (s, r) in weights.iter().enumerate() {
            c.populations[s].push(cell(0, s) / walkers);
            c.emissions_by_state[s].push(sums.emission_state[t * states + s] as f64);
            w += r * cell(0, s);
            m1 += r * cell(1, s);
            m2 += r * cell(2, s);
        }
        c.intensity.push(w / walkers);
        let mean = m1 / w;
        c.msd_occupancy
            .push((w > 0.0).then(|| (m2 / w - mean * mean).max(0.0)));
        let counts: Vec<f64> = (0..states).map(|s| cell(0, s)).collect();
        c.occupancy_walkers
            .push(effective_walkers(weights, &counts));
    }
    c
}

/// (sum_s rad_s n_s)^2 / sum_s rad_s^2 n_s: the Kish effective sample size of walkers
/// weighted by their radiative probability.
pub fn effective_walkers(radiative: &[f64], counts: &[f64]) -> f64 {
    let (w, w2) = radiative
        .iter()
        .zip(counts)
        .fold((0.0, 0.0), |(w, w2), (r, n)| (w + r * n, w2 + r * r * n));
    if w2 > 0.0 {
        w * w / w2
    } else {
        0.0
    }
}
