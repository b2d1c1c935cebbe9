//! Observables: per-frame curves from histograms (through their additive per-frame
//! sums, [`FrameSums`]) or from the exact backend, the paper's scalars tau_PL, D_avg,
//! diffusion length and t_max (`summary`), and their standard errors from walker
//! blocks (`uncertainty`).

mod binned;
mod blocks;
mod jackknife;
mod local;
mod summary;
mod sums;
mod uncertainty;

pub use binned::BinnedWeights;
pub(crate) use binned::{moment_generator, weights_of_step};
pub use binned::{readout, readout_of};
pub use blocks::BlockResult;
pub(crate) use local::local_slopes;
pub use summary::Summary;
pub use summary::{
    no_max_reason, sites2_ps_to_cm2_s, summarise, tau_pl, MIN_RELIABLE, T_MAX_MIN_WALKERS,
};
pub use sums::FrameSums;
pub use uncertainty::{block_ranges, estimate, estimate_films, Estimate};

/// What turns a point's sums into curves besides the sums themselves.
#[derive(Clone, Debug, PartialEq)]
pub struct Readout {
    /// Each state's radiative probability per frame (or rate x dt): the weights of the
    /// occupancy estimators.
    pub radiative: Vec<f64>,
    /// Width of a landscape's energy level in meV (`None` without a landscape).
    pub level_mev: Option<f64>,
    /// Frame length, ps: the time step of D(t) and of the summary's times.
    pub dt_ps: f64,
    /// Continuous time: what a walker in each state at a frame's start emits over the
    /// frame (`binned`), so the curves are frame-binned as the instrument's are.
    /// `None` with one outcome per frame, where `radiative` already is that.
    pub binned: Option<BinnedWeights>,
    /// What the curves' reader must know about how they were made (copied into
    /// [`Curves::warnings`] and every summary).
    pub notes: Vec<String>,
    /// A pulse train: the sums are one pulse's, the curves the train's.
    pub train: Option<crate::scenario::excitation::PulseTrain>,
}

use crate::histogram::Histograms;

/// Per-frame curves of one point; Monte Carlo and exact backends fill the same fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Curves {
    /// Walkers behind the curves (per-walker values divide by it).
    pub walkers: u64,
    /// Noise-free curves (the exact backend): no walker count limits what is reliable.
    pub exact: bool,
    /// Radiative decays per frame (expected counts for the exact backend).
    pub emissions: Vec<f64>,
    /// `[state][frame]` radiative decays.
    pub emissions_by_state: Vec<Vec<f64>>,
    /// `[state][frame]` fraction of all walkers in the state at the start of the frame.
    pub populations: Vec<Vec<f64>>,
    /// PL intensity per walker, frame-binned: the expected photons of the frame given
    /// the walkers' states at its start, sum_s w_s n_s / walkers with w_s the radiative
    /// probability per frame (one outcome per frame) or the binned photons c_s
    /// ([`BinnedWeights`], continuous time). Far less noise than counting. D_avg's
    /// weights and what a fit compares with TCSPC data.
    pub intensity: Vec<f64>,
    /// The photon rate at the frame's start (times dt): tau_PL's curve. The same as
    /// `intensity` with one outcome per frame.
    pub intensity_start: Vec<f64>,
    /// Its standard error (Monte Carlo with walker blocks; `None` otherwise).
    pub intensity_stderr: Vec<Option<f64>>,
    /// MSD(t) = sigma^2(t) - sigma^2(0) of the frame's emission profile, sites^2 (the
    /// paper's estimator); `None` with fewer than two emissions or any emission outside
    /// the histogram.
    pub msd: Vec<Option<f64>>,
    /// Standard error of `msd`, from the emissions' spread (`None` where `msd` is).
    pub msd_stderr: Vec<Option<f64>>,
    /// Variance of dx at the frame's start weighted by sum_s w_s `O[t][s][dx]` (plus the
    /// motion within the frame, b_s n_s, in continuous time): the same expectation as
    /// the binned `msd`, far less noise. t_max and D_avg use it.
    pub msd_occupancy: Vec<Option<f64>>,
    /// Its standard error (Monte Carlo with walker blocks; `None` otherwise).
    pub msd_occupancy_stderr: Vec<Option<f64>>,
    /// The same estimator as `msd_occupancy` along y, sites^2: isotropy made visible.
    pub msd_y: Vec<Option<f64>>,
    /// Standard error of `msd_y` (Monte Carlo with walker blocks; `None` otherwise).
    pub msd_y_stderr: Vec<Option<f64>>,
    /// The 2D mean <r^2>/2 = (x + y) / 2 of the occupancy estimators, sites^2.
    pub msd_r2: Vec<Option<f64>>,
    /// Standard error of `msd_r2` (Monte Carlo with walker blocks; `None` otherwise).
    pub msd_r2_stderr: Vec<Option<f64>>,
    /// The local exponent d ln MSD / d ln t of `msd_r2`, smoothed over a window
    /// (`local`).
    pub alpha: Vec<Option<f64>>,
    /// Standard error of `alpha` (Monte Carlo with walker blocks; `None` otherwise).
    pub alpha_stderr: Vec<Option<f64>>,
    /// D(t) = (1/2) d MSD / dt of `msd_r2`, sites^2/ps, smoothed over the same window.
    pub diffusivity: Vec<Option<f64>>,
    /// Standard error of `diffusivity`, sites^2/ps (Monte Carlo with walker blocks).
    pub diffusivity_stderr: Vec<Option<f64>>,
    /// Mean site energy of the living walkers at the frame's start, meV (with a
    /// landscape only).
    pub mean_energy_mev: Vec<Option<f64>>,
    /// Standard error of `mean_energy_mev`, meV (Monte Carlo with walker blocks).
    pub mean_energy_stderr_mev: Vec<Option<f64>>,
    /// The profile MSD sigma^2(t) - sigma^2(0) of where frame t's photons were emitted
    /// (absolute positions, counted emissions, sites^2): what a camera sees, and on a
    /// finite lattice not the displacement MSD. Empty unless the walk recorded absolute
    /// positions; `None` below [`MIN_RELIABLE`] emissions.
    pub msd_profile: Vec<Option<f64>>,
    /// Standard error of `msd_profile`, sites^2 (Monte Carlo with walker blocks).
    pub msd_profile_stderr: Vec<Option<f64>>,
    /// Effective number of walkers behind the occupancy estimator in each frame,
    /// (sum_s rad_s n_s)^2 / sum_s rad_s^2 n_s with n_s walkers in state s: its noise
    /// scales as 1 / sqrt of this.
    pub occupancy_walkers: Vec<f64>,
    /// Emissions per frame outside `-max_dx..=max_dx` (always 0 for the exact backend).
    pub overflow: Vec<u64>,
    /// Emissions over the absolute position x0 + dx per frame (Monte Carlo only).
    pub emission_profile: Option<EmissionProfile>,
    /// Expected emissions per walker over the absolute position per frame (the master
    /// equation on a finite film): what the microscope images without noise.
    pub expected_profile: Option<crate::exact::ExpectedProfile>,
    /// What the curves' reader must know (summaries repeat them).
    pub warnings: Vec<String>,
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
    /// The 2D image of one frame, when the scenario asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<EmissionImage>,
}

/// The emissions of some frames over absolute (x, y): a square of `side` sites centred on
/// the spot, row y then x, from (-half, -half).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmissionImage {
    /// The first frame imaged.
    pub frame: u32,
    /// Frames imaged from `frame` on (the exposure).
    #[serde(default = "one")]
    pub frames: u32,
    /// Half-width of the square, in sites each side of the spot's centre.
    pub half_width_sites: u32,
    /// `side x side` emission counts, row y then x.
    pub counts: Vec<u64>,
    /// Emissions of the frame outside the square.
    pub outside: u64,
}

fn one() -> u32 {
    1
}

impl EmissionImage {
    /// Side of the square, in sites: `2 half_width_sites + 1`.
    pub fn side(&self) -> usize {
        2 * self.half_width_sites as usize + 1
    }
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
        image: h.image().map(|(counts, outside)| EmissionImage {
            frame: h.layout.image_frame,
            frames: h.layout.image_frames,
            half_width_sites: h.layout.image_half.unwrap_or(0),
            counts: counts.to_vec(),
            outside,
        }),
    })
}

impl Curves {
    /// Curves of `walkers` walkers with no frame yet, room for `frames` frames of
    /// `states` states (errors and overflow already `None` / 0 for every frame).
    pub fn empty(walkers: u64, states: usize, frames: usize) -> Self {
        Curves {
            walkers,
            exact: false,
            intensity_start: Vec::with_capacity(frames),
            warnings: Vec::new(),
            emissions: Vec::with_capacity(frames),
            emissions_by_state: vec![Vec::with_capacity(frames); states],
            populations: vec![Vec::with_capacity(frames); states],
            intensity: Vec::with_capacity(frames),
            intensity_stderr: vec![None; frames],
            msd: Vec::with_capacity(frames),
            msd_stderr: Vec::with_capacity(frames),
            msd_occupancy: Vec::with_capacity(frames),
            msd_occupancy_stderr: vec![None; frames],
            msd_y: Vec::with_capacity(frames),
            msd_y_stderr: vec![None; frames],
            msd_r2: Vec::with_capacity(frames),
            msd_r2_stderr: vec![None; frames],
            alpha: Vec::new(),
            alpha_stderr: vec![None; frames],
            diffusivity: Vec::new(),
            diffusivity_stderr: vec![None; frames],
            mean_energy_mev: vec![None; frames],
            mean_energy_stderr_mev: vec![None; frames],
            msd_profile: Vec::new(),
            msd_profile_stderr: Vec::new(),
            occupancy_walkers: Vec::with_capacity(frames),
            overflow: vec![0; frames],
            emission_profile: None,
            expected_profile: None,
        }
    }

    /// Frames the curves hold.
    pub fn frames(&self) -> usize {
        self.emissions.len()
    }

    /// alpha(t) and D(t) from `msd_r2`.
    pub(crate) fn derive_local(&mut self, dt_ps: f64) {
        (self.alpha, self.diffusivity) = local_slopes(&self.msd_r2, dt_ps);
    }

    /// Emissions counted per walker per frame.
    pub fn emissions_per_walker(&self) -> Vec<f64> {
        self.emissions
            .iter()
            .map(|e| e / self.walkers as f64)
            .collect()
    }
}

/// Reduces Monte Carlo histograms to curves.
pub fn curves_from_histograms(h: &Histograms, walkers: u64, readout: &Readout) -> Curves {
    let mut c = curves_from_sums(&FrameSums::from_histograms(h, walkers), readout);
    c.emission_profile = emission_profile(h);
    c
}

/// Curves from a point's per-frame sums (no emission profile: that needs the rows).
pub(crate) fn curves_from_sums(sums: &FrameSums, readout: &Readout) -> Curves {
    let (frames, states) = (sums.frames, sums.states);
    let weights = &readout.radiative;
    let walkers = sums.walkers as f64;
    let binned = readout.binned.as_ref();
    let mut c = Curves::empty(sums.walkers, states, frames);
    c.warnings = readout.notes.clone();
    c.overflow = sums.overflow.iter().map(|&o| o as u64).collect();
    // MSD(t) = sigma^2(t) - sigma^2(0): frame 0's spread is 0 with one outcome per frame,
    // not in continuous time, where walkers move before the first frame ends. "0" is the
    // first frame with emissions (an initial state may not emit), as in the exact backend.
    let first = (0..frames).find_map(|t| sums.emission_variance(t));
    let mut origin = None;
    for t in 0..frames {
        c.emissions
            .push((sums.emissions[t] + sums.overflow[t]) as f64);
        let m = sums.emission_variance(t);
        c.msd.push(m.map(|(v, _)| v - first.map_or(0.0, |f| f.0)));
        c.msd_stderr
            .push(m.map(|(_, se)| se.hypot(first.map_or(0.0, |f| f.1))));
        let cell = |k: usize, s: usize| sums.occupancy[k][t * states + s] as f64;
        let mut m = [0.0; 5];
        let (mut alive, mut levels, mut start) = (0.0, 0.0, 0.0);
        for (s, r) in weights.iter().enumerate() {
            c.populations[s].push(cell(0, s) / walkers);
            c.emissions_by_state[s].push(sums.emission_state[t * states + s] as f64);
            let (w, spread) = binned.map_or((*r, 0.0), |b| (b.photons[s], b.spread[s]));
            for (k, m) in m.iter_mut().enumerate() {
                *m += w * cell(k, s);
            }
            // The motion within the frame, along x and along y alike.
            m[2] += spread * cell(0, s);
            m[4] += spread * cell(0, s);
            start += r * cell(0, s);
            alive += cell(0, s);
            levels += cell(5, s);
        }
        let w = m[0];
        c.intensity.push(w / walkers);
        c.intensity_start.push(start / walkers);
        // The variance along x (k = 1) or y (k = 3), less frame 0's: 0 there unless
        // positions are absolute.
        let var = |k: usize| {
            let mean = m[k] / w;
            (w > 0.0).then(|| (m[k + 1] / w - mean * mean).max(0.0))
        };
        let (x, y) = (var(1), var(3));
        // The first frame with emitters is the origin (frame 0 unless the initial
        // state does not emit).
        if origin.is_none() {
            origin = x.map(|x| (x, y.unwrap_or(0.0)));
        }
        let o = origin.unwrap_or((0.0, 0.0));
        c.msd_occupancy.push(x.map(|x| x - o.0));
        c.msd_y.push(y.map(|y| y - o.1));
        c.msd_r2
            .push(x.zip(y).map(|(x, y)| (x - o.0 + y - o.1) / 2.0));
        c.mean_energy_mev[t] = readout
            .level_mev
            .filter(|_| alive > 0.0)
            .map(|l| l * levels / alive);
        let counts: Vec<f64> = (0..states).map(|s| cell(0, s)).collect();
        c.occupancy_walkers.push(effective_walkers(
            binned.map_or(weights, |b| &b.photons),
            &counts,
        ));
    }
    if sums.profile[0].iter().any(|&n| n > 0) {
        c.msd_profile = profile_msd(sums, profile_origin(sums));
        c.msd_profile_stderr = vec![None; frames];
    }
    c.derive_local(readout.dt_ps);
    c
}

/// The frame the profile MSD is measured from: the first whose profile rests on
/// [`MIN_RELIABLE`] emissions. A point's walker blocks left out in turn must all use
/// the point's, or their curves would shift against each other.
pub(crate) fn profile_origin(sums: &FrameSums) -> Option<usize> {
    (0..sums.frames).find(|&t| sums.profile_variance(t, MIN_RELIABLE).is_some())
}

/// sigma^2(t) - sigma^2(origin) of the emission positions, null below
/// [`MIN_RELIABLE`] emissions.
pub(crate) fn profile_msd(sums: &FrameSums, origin: Option<usize>) -> Vec<Option<f64>> {
    let first = origin.and_then(|o| sums.profile_variance(o, 2.0));
    (0..sums.frames)
        .map(|t| Some(sums.profile_variance(t, MIN_RELIABLE)? - first?))
        .collect()
}

/// (sum_s rad_s n_s)^2 / sum_s rad_s^2 n_s: the Kish effective sample size of walkers
/// weighted by their radiative probability.
pub(crate) fn effective_walkers(radiative: &[f64], counts: &[f64]) -> f64 {
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
