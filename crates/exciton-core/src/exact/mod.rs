//! The exact backend: the expected curves from moments, no randomness.
//!
//! m0_s(t) = P(alive in s at the start of frame t), m2_s(t) = E[dx^2; in s at frame t].
//! With one outcome per frame they follow a recursion frame to frame ([`curves`]); in
//! continuous time a linear system of ODEs, solved exactly over each frame by one matrix
//! exponential (`rows_continuous`). Both run on what the Monte Carlo thresholds
//! implement ([`crate::model::WalkTables::effective_states`]), so the two agree in
//! expectation exactly. On a finite landscape the master equation ([`master`]) takes
//! their place.

use crate::model::{Clock, WalkTables};
use crate::observables::{Curves, Estimate};
use crate::scenario::excitation::PulseTrain;
use crate::scenario::{Scenario, StateTable};
use nalgebra::DVector;

pub mod master;
mod profile;
pub(crate) use profile::expected_dx_profile;
pub use profile::{expected_profile, ExpectedProfile};

/// The expected curves and scalars of point `s`: the moment recursion on a
/// homogeneous lattice, the master equation on a finite landscape ([`master`], films
/// on `threads` cores); an unbounded landscape is refused with the size that would do.
pub fn estimate(
    s: &Scenario,
    threads: usize,
    progress: &crate::progress::Progress,
) -> Result<Estimate, crate::error::Error> {
    if s.landscape.is_some() {
        return master::estimate(s, threads, progress);
    }
    let tables = WalkTables::new(s);
    let c = curves_of(
        &tables,
        &s.states.names,
        s.frames,
        s.walkers,
        s.dt_ps,
        s.excitation.as_ref(),
    );
    progress.advance(s.walkers);
    Ok(Estimate::exact(c, s.dt_ps))
}

/// Expected curves of a point whose thresholds are `tables` (either clock); under a
/// pulse train (`train`) the sums of the delayed single-pulse rows.
pub fn curves_of(
    tables: &WalkTables,
    names: &[String],
    frames: u32,
    walkers: u64,
    dt_ps: f64,
    train: Option<&PulseTrain>,
) -> Curves {
    let states = tables.effective_states(names);
    let x_step = tables.x_step_probabilities();
    let (rows, weights, relative) = match tables.clock {
        Clock::Frames => (
            rows_frames(&states, &x_step, frames),
            states.radiative.clone(),
            false,
        ),
        Clock::Uniformized { .. } => {
            let (rows, photons) = rows_continuous(&states, &x_step, frames, dt_ps);
            (rows, photons, true)
        }
    };
    from_rows(rows, &weights, walkers, train, relative, dt_ps)
}

/// Per-frame expectations per walker, the additive quantities every exact curve is a
/// function of: `[s][t]` populations at the frame's start and photons per state, and
/// per frame the photons (binned), the start's photon rate x dt and the photons' summed
/// dx^2.
struct Rows {
    populations: Vec<Vec<f64>>,
    photons_by_state: Vec<Vec<f64>>,
    photons: Vec<f64>,
    start: Vec<f64>,
    dx2: Vec<f64>,
}

impl Rows {
    fn new(n: usize, frames: usize) -> Self {
        Rows {
            populations: vec![Vec::with_capacity(frames); n],
            photons_by_state: vec![Vec::with_capacity(frames); n],
            photons: Vec::with_capacity(frames),
            start: Vec::with_capacity(frames),
            dx2: Vec::with_capacity(frames),
        }
    }

    /// The rows a detector sees under a pulse train: each frame plus the frames one,
    /// two, ... periods later.
    fn train(self, t: &PulseTrain) -> Rows {
        let out = t.frames_out(self.photons.len() as u32) as usize;
        let each = |v: &[f64]| t.superpose(v, 1, out);
        Rows {
            populations: self.populations.iter().map(|p| each(p)).collect(),
            photons_by_state: self.photons_by_state.iter().map(|p| each(p)).collect(),
            photons: each(&self.photons),
            start: each(&self.start),
            dx2: each(&self.dx2),
        }
    }
}

/// Curves from rows; `weights` are each state's photons per frame (effective walkers).
/// MSD(t) = sigma^2(t) - sigma^2(0), "0" the first frame with photons: walkers move
/// before frame 0's photons in continuous time (`relative`), and under a pulse train
/// earlier pulses' excitons are spread at frame 0; with one outcome per frame and one
/// pulse sigma^2(0) is 0 and the MSD is sigma^2(t) as it is.
fn from_rows(
    rows: Rows,
    weights: &[f64],
    walkers: u64,
    train: Option<&PulseTrain>,
    relative: bool,
    dt_ps: f64,
) -> Curves {
    let n = rows.populations.len();
    let mut notes = Vec::new();
    let rows = match train {
        Some(t) => {
            let alive: Vec<f64> = (0..rows.photons.len())
                .map(|f| (0..n).map(|s| rows.populations[s][f]).sum())
                .collect();
            notes.extend(t.notes(&alive, dt_ps));
            rows.train(t)
        }
        None => rows,
    };
    let relative = relative || train.is_some();
    let w = walkers as f64;
    let frames = rows.photons.len();
    let mut c = Curves::empty(walkers, n, frames);
    c.exact = true;
    c.warnings = notes;
    let mut first = None;
    for t in 0..frames {
        for s in 0..n {
            c.populations[s].push(rows.populations[s][t]);
            c.emissions_by_state[s].push(rows.photons_by_state[s][t] * w);
        }
        let counts: Vec<f64> = (0..n).map(|s| rows.populations[s][t] * w).collect();
        c.occupancy_walkers
            .push(crate::observables::effective_walkers(weights, &counts));
        let photons = rows.photons[t];
        c.emissions.push(photons * w);
        c.intensity.push(photons);
        c.intensity_start.push(rows.start[t]);
        let msd = (photons > 0.0).then(|| rows.dx2[t] / photons);
        if first.is_none() {
            first = msd;
        }
        let msd = match relative {
            true => msd.map(|m| m - first.unwrap_or(0.0)),
            false => msd,
        };
        c.msd.push(msd);
        c.msd_stderr.push(msd.map(|_| 0.0));
        c.msd_occupancy.push(msd);
    }
    c
}

/// Expected rows in continuous time: `rates` in ns^-1, `x_rate[s]` the rate in ns^-1
/// of hops that move x (each adds 1 to dx^2). The state vector is (m0, m2, C_I per
/// state, C_M), with C_I_s' = k_rad,s m0_s and C_M' = sum_s k_rad,s m2_s the photons
/// emitted so far and their summed dx^2; frame t's photons are C_I's growth over the
/// frame and their summed dx^2 C_M's. Populations are taken at the frame's start, as
/// the Monte Carlo records them. Also each state's photons per frame.
fn rows_continuous(
    rates: &StateTable,
    x_rate: &[f64],
    frames: u32,
    dt_ps: f64,
) -> (Rows, Vec<f64>) {
    let n = rates.len();
    let (ci, cm) = (2 * n, 3 * n);
    let a = crate::observables::moment_generator(rates, x_rate);
    let step = (a * (dt_ps * 1e-3)).exp();
    let mut v = DVector::<f64>::zeros(3 * n + 1);
    for s in 0..n {
        v[s] = rates.initial[s];
    }
    let binned = crate::observables::weights_of_step(&step);
    let mut r = Rows::new(n, frames as usize);
    for _ in 0..frames {
        let mut rate = 0.0;
        for s in 0..n {
            r.populations[s].push(v[s]);
            rate += rates.radiative[s] * v[s];
        }
        r.start.push(rate * dt_ps * 1e-3);
        let next = &step * &v;
        let mut photons = 0.0;
        for s in 0..n {
            let e = (next[ci + s] - v[ci + s]).max(0.0);
            r.photons_by_state[s].push(e);
            photons += e;
        }
        r.photons.push(photons);
        r.dx2.push(next[cm] - v[cm]);
        v = next;
    }
    (r, binned.photons)
}

/// Expected curves for `walkers` walkers over `frames` frames; `x_step[s]` is the
/// probability per frame in state s of a hop that moves x (each adds 1 to dx^2).
pub fn curves(states: &StateTable, x_step: &[f64], frames: u32, walkers: u64) -> Curves {
    let rows = rows_frames(states, x_step, frames);
    from_rows(rows, &states.radiative, walkers, None, false, 0.0)
}

/// Expected rows with one outcome per frame: the moments m0_s, m2_s frame to frame.
fn rows_frames(states: &StateTable, x_step: &[f64], frames: u32) -> Rows {
    let n = states.len();
    // Probability of staying in s with the walk going on: neither decay nor state change.
    let keep: Vec<f64> = (0..n)
        .map(|s| {
            1.0 - states.radiative[s] - states.nonradiative[s] - states.to[s].iter().sum::<f64>()
        })
        .collect();
    let mut m0 = states.initial.clone();
    let mut m2 = vec![0.0; n];
    let mut r = Rows::new(n, frames as usize);
    let (mut n0, mut n2) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..frames {
        let (mut i, mut i2) = (0.0, 0.0);
        for s in 0..n {
            r.populations[s].push(m0[s]);
            r.photons_by_state[s].push(states.radiative[s] * m0[s]);
            i += states.radiative[s] * m0[s];
            i2 += states.radiative[s] * m2[s];
        }
        r.photons.push(i);
        r.start.push(i);
        r.dx2.push(i2);

        // keep[s] includes the hop (a hop keeps the state); it adds <dx^2> to the walker.
        for s in 0..n {
            n0[s] = m0[s] * keep[s];
            n2[s] = m2[s] * keep[s] + x_step[s] * m0[s];
        }
        for from in 0..n {
            for to in 0..n {
                let p = states.to[from][to];
                if p > 0.0 {
                    n0[to] += m0[from] * p;
                    n2[to] += m2[from] * p;
                }
            }
        }
        std::mem::swap(&mut m0, &mut n0);
        std::mem::swap(&mut m2, &mut n2);
    }
    r
}
