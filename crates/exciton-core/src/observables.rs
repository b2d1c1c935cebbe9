//! Observables (MODEL.md section 6): per-frame curves from histograms or from the exact
//! recursion, and the paper's scalars tau_PL, D_avg, diffusion length and t_max.

use crate::histogram::{Histograms, OccupancyMoments};

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
    /// Variance of dx over the frame's emissions, sites^2 (paper's estimator); `None`
    /// with fewer than two emissions or any emission outside the histogram.
    pub msd: Vec<Option<f64>>,
    pub msd_stderr: Vec<Option<f64>>,
    /// Variance of dx weighted by sum_s rad_s O[t][s][dx]: same expectation as `msd`,
    /// far less noise; used for t_max.
    pub msd_occupancy: Vec<Option<f64>>,
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
fn emission_profile(h: &Histograms) -> Option<EmissionProfile> {
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
    pub fn frames(&self) -> usize {
        self.emissions.len()
    }

    /// Emissions per walker per frame.
    pub fn intensity(&self) -> Vec<f64> {
        self.emissions
            .iter()
            .map(|e| e / self.walkers as f64)
            .collect()
    }
}

/// Weighted variance of a displacement row (`2 half + 1` bins from -half, overflow last)
/// and, for counts, the standard error of the variance from the fourth central moment.
fn row_moments(row: &[f64], half: i64) -> Option<(f64, f64)> {
    let bins = &row[..row.len() - 1];
    let n: f64 = bins.iter().sum();
    if n < 2.0 {
        return None;
    }
    let x = |i: usize| (i as i64 - half) as f64;
    let mean = bins.iter().enumerate().map(|(i, c)| c * x(i)).sum::<f64>() / n;
    let (mut m2, mut m4) = (0.0, 0.0);
    for (i, c) in bins.iter().enumerate() {
        let d2 = (x(i) - mean).powi(2);
        m2 += c * d2;
        m4 += c * d2 * d2;
    }
    let var = m2 / (n - 1.0);
    let (m2, m4) = (m2 / n, m4 / n);
    let stderr = ((m4 - m2 * m2).max(0.0) / n).sqrt();
    Some((var, stderr))
}

/// Reduces Monte Carlo histograms to curves; `radiative[s]` weighs the occupancy estimator.
pub fn curves_from_histograms(h: &Histograms, walkers: u64, radiative: &[f64]) -> Curves {
    let frames = h.layout.frames as usize;
    let states = h.layout.states as usize;
    let half = i64::from(h.layout.max_dx);
    let width = h.layout.row_width();
    let mut c = Curves {
        walkers,
        emissions: Vec::with_capacity(frames),
        emissions_by_state: vec![Vec::with_capacity(frames); states],
        populations: vec![Vec::with_capacity(frames); states],
        msd: Vec::with_capacity(frames),
        msd_stderr: Vec::with_capacity(frames),
        msd_occupancy: Vec::with_capacity(frames),
        occupancy_walkers: Vec::with_capacity(frames),
        overflow: Vec::with_capacity(frames),
        emission_profile: emission_profile(h),
    };
    for t in 0..frames {
        let row: Vec<f64> = h.emission(t).iter().map(|&v| v as f64).collect();
        let overflow = h.emission(t)[width - 1];
        c.emissions.push(row.iter().sum());
        c.overflow.push(overflow);
        let m = if overflow == 0 {
            row_moments(&row, half)
        } else {
            None
        };
        c.msd.push(m.map(|m| m.0));
        c.msd_stderr.push(m.map(|m| m.1));

        let moments: Vec<_> = (0..states).map(|s| h.moments(t, s)).collect();
        for (s, m) in moments.iter().enumerate() {
            c.populations[s].push(m.n as f64 / walkers as f64);
            c.emissions_by_state[s].push(h.emission_state(t, s) as f64);
        }
        let counts: Vec<f64> = moments.iter().map(|m| m.n as f64).collect();
        c.occupancy_walkers
            .push(effective_walkers(radiative, &counts));
        c.msd_occupancy.push(weighted_variance(radiative, &moments));
    }
    c
}

/// Variance of dx over the walkers in frame t, each weighted by its state's radiative
/// probability: the variance of the expected emission profile Sum_s rad_s O[t][s][dx]
/// (MODEL.md section 5), from the occupancy moments, about its own mean.
fn weighted_variance(radiative: &[f64], moments: &[OccupancyMoments]) -> Option<f64> {
    let (mut w, mut m1, mut m2) = (0.0, 0.0, 0.0);
    for (r, m) in radiative.iter().zip(moments) {
        w += r * m.n as f64;
        m1 += r * m.sum_dx as f64;
        m2 += r * m.sum_dx2 as f64;
    }
    if w <= 0.0 {
        return None;
    }
    let mean = m1 / w;
    Some((m2 / w - mean * mean).max(0.0))
}

/// The paper's scalars for one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub tau_pl_ps: Option<f64>,
    /// D_avg in lattice units (sites^2 / ps) and cm^2/s.
    pub d_avg_sites2_ps: Option<f64>,
    pub d_avg_cm2_s: Option<f64>,
    pub diffusion_length_nm: Option<f64>,
    pub diffusion_length_sites: Option<f64>,
    /// Time of the global maximum of the occupancy MSD over the frames resting on at least
    /// [`T_MAX_MIN_WALKERS`] effective walkers; `None` when it is the last such frame.
    pub t_max_ps: Option<f64>,
    pub warnings: Vec<String>,
}

/// Frames whose occupancy estimator rests on fewer effective walkers are too noisy for
/// an argmax (2 sigma of a variance is ~9 % at 1000): a monotonic curve would show a
/// spurious late maximum.
pub const T_MAX_MIN_WALKERS: f64 = 1000.0;

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

/// 1/e time of the total PL, linearly interpolated between frames.
pub fn tau_pl(intensity: &[f64], dt_ps: f64) -> Option<f64> {
    let i0 = *intensity.first()?;
    if i0 <= 0.0 {
        return None;
    }
    let target = i0 / std::f64::consts::E;
    let t = intensity.iter().position(|&i| i <= target)?;
    let (a, b) = (intensity[t - 1], intensity[t]);
    Some((t as f64 - 1.0 + (a - target) / (a - b)) * dt_ps)
}

/// Computes tau_PL, D_avg (paper eq. 2), L = sqrt(tau D) and t_max.
pub fn summarise(c: &Curves, dt_ps: f64, pitch_nm: f64) -> Summary {
    let mut warnings = Vec::new();
    let intensity = c.intensity();
    let frames = c.frames();
    let tau = tau_pl(&intensity, dt_ps);
    if tau.is_none() {
        warnings.push(
            "tau_PL undefined: the total PL never falls to 1/e of its first frame in this run"
                .into(),
        );
    }
    let overflowed: u64 = c.overflow.iter().sum();
    if overflowed > 0 {
        warnings.push(format!(
            "{overflowed} emissions fell outside the displacement histogram (raise histogram.max_dx_sites); their frames have no MSD"
        ));
    }

    let d_sites = tau.and_then(|tau| {
        let wanted = (5.0 * tau / dt_ps).ceil() as usize;
        let terms = wanted.min(frames.saturating_sub(1));
        if terms < wanted {
            warnings.push(format!(
                "D_avg wants {wanted} frames (5 tau_PL) but the run has {frames}: capped at {terms}"
            ));
        }
        let (mut num, mut den, mut skipped) = (0.0, 0.0, 0usize);
        for (pair, &weight) in c.msd.windows(2).zip(&intensity).take(terms) {
            match (pair[0], pair[1]) {
                (Some(a), Some(b)) => {
                    num += (b - a) / (2.0 * dt_ps) * weight;
                    den += weight;
                }
                _ => skipped += 1,
            }
        }
        if skipped > 0 {
            warnings.push(format!(
                "D_avg skipped {skipped} frames without an MSD value"
            ));
        }
        (den > 0.0).then(|| num / den)
    });
    // sites^2/ps -> nm^2/ps (a^2) -> cm^2/s (1 nm^2/ps = 1e-14 cm^2 / 1e-12 s = 1e-2 cm^2/s).
    let d_cm2_s = d_sites.map(|d| d * pitch_nm * pitch_nm * 1e-2);
    let (l_nm, l_sites) = match (tau, d_sites) {
        (Some(tau), Some(d)) if d >= 0.0 => {
            let l_sites = (tau * d).sqrt();
            (Some(l_sites * pitch_nm), Some(l_sites))
        }
        (Some(_), Some(_)) => {
            warnings.push("D_avg is negative: no diffusion length".into());
            (None, None)
        }
        _ => (None, None),
    };

    // The reliable frames: a prefix, since walkers only ever leave.
    let reliable = c
        .occupancy_walkers
        .iter()
        .position(|&w| w < T_MAX_MIN_WALKERS)
        .unwrap_or(frames);
    let t_max = argmax(&c.msd_occupancy[..reliable])
        .filter(|&t| t + 1 < reliable)
        .map(|t| t as f64 * dt_ps);

    Summary {
        tau_pl_ps: tau,
        d_avg_sites2_ps: d_sites,
        d_avg_cm2_s: d_cm2_s,
        diffusion_length_nm: l_nm,
        diffusion_length_sites: l_sites,
        t_max_ps: t_max,
        warnings,
    }
}

/// Index of the first global maximum among the defined values.
fn argmax(v: &[Option<f64>]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, x) in v.iter().enumerate() {
        if let Some(x) = *x {
            if best.is_none_or(|(_, b)| x > b) {
                best = Some((i, x));
            }
        }
    }
    best.map(|(i, _)| i)
}
