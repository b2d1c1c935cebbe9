//! The exact backend: the expected curves from moments, no randomness.
//!
//! m0_s(t) = P(alive in s at the start of frame t), m2_s(t) = E[dx^2; in s at frame t].
//! With one outcome per frame they follow a recursion frame to frame ([`curves`]); in
//! continuous time a linear system of ODEs, solved exactly over each frame by one matrix
//! exponential (`curves_continuous`). Both run on what the Monte Carlo thresholds
//! implement ([`crate::model::WalkTables::effective_states`]), so the two agree in
//! expectation exactly. On a finite landscape the master equation ([`master`]) takes
//! their place.

use crate::model::{Clock, WalkTables};
use crate::observables::{Curves, Estimate};
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
    let c = curves_of(&tables, &s.states.names, s.frames, s.walkers, s.dt_ps);
    progress.advance(s.walkers);
    Ok(Estimate::exact(c, s.dt_ps))
}

/// Expected curves of a point whose thresholds are `tables` (either clock).
pub fn curves_of(
    tables: &WalkTables,
    names: &[String],
    frames: u32,
    walkers: u64,
    dt_ps: f64,
) -> Curves {
    let states = tables.effective_states(names);
    let x_step = tables.x_step_probabilities();
    match tables.clock {
        Clock::Frames => curves(&states, &x_step, frames, walkers),
        Clock::Uniformized { .. } => curves_continuous(&states, &x_step, frames, walkers, dt_ps),
    }
}

/// Expected curves in continuous time: `rates` in ns^-1, `x_rate[s]` the rate in ns^-1
/// of hops that move x (each adds 1 to dx^2). The state vector is (m0, m2, C_I per
/// state, C_M), with C_I_s' = k_rad,s m0_s and C_M' = sum_s k_rad,s m2_s the photons
/// emitted so far and their summed dx^2; frame t's emissions are C_I's growth over the
/// frame and their mean dx^2 is C_M's growth over C_I's. Populations and the
/// occupancy-weighted MSD are taken at the frame's start, as the Monte Carlo records them.
pub(crate) fn curves_continuous(
    rates: &StateTable,
    x_rate: &[f64],
    frames: u32,
    walkers: u64,
    dt_ps: f64,
) -> Curves {
    let n = rates.len();
    let frames = frames as usize;
    let w = walkers as f64;
    let (ci, cm) = (2 * n, 3 * n);
    let a = crate::observables::moment_generator(rates, x_rate);
    let step = (a * (dt_ps * 1e-3)).exp();
    let mut v = DVector::<f64>::zeros(3 * n + 1);
    for s in 0..n {
        v[s] = rates.initial[s];
    }
    let binned = crate::observables::weights_of_step(&step);
    let mut c = Curves::empty(walkers, n, frames);
    c.exact = true;
    let mut first = None;
    for _ in 0..frames {
        let mut rate = 0.0;
        for s in 0..n {
            c.populations[s].push(v[s]);
            rate += rates.radiative[s] * v[s];
        }
        let counts: Vec<f64> = (0..n).map(|s| v[s] * w).collect();
        c.occupancy_walkers
            .push(crate::observables::effective_walkers(
                &binned.photons,
                &counts,
            ));
        c.intensity_start.push(rate * dt_ps * 1e-3);
        let next = &step * &v;
        let mut photons = 0.0;
        for s in 0..n {
            let e = (next[ci + s] - v[ci + s]).max(0.0);
            c.emissions_by_state[s].push(e * w);
            photons += e;
        }
        c.emissions.push(photons * w);
        c.intensity.push(photons);
        let msd = (photons > 0.0).then(|| (next[cm] - v[cm]) / photons);
        // MSD(t) = sigma^2(t) - sigma^2(0): walkers move before frame 0's photons.
        if first.is_none() {
            first = msd;
        }
        let msd = msd.map(|m| m - first.unwrap_or(0.0));
        c.msd.push(msd);
        c.msd_stderr.push(msd.map(|_| 0.0));
        c.msd_occupancy.push(msd);
        v = next;
    }
    c
}

/// Expected curves for `walkers` walkers over `frames` frames; `x_step[s]` is the
/// probability per frame in state s of a hop that moves x (each adds 1 to dx^2).
pub fn curves(states: &StateTable, x_step: &[f64], frames: u32, walkers: u64) -> Curves {
    let n = states.len();
    let frames = frames as usize;
    let w = walkers as f64;
    // Probability of staying in s with the walk going on: neither decay nor state change.
    let keep: Vec<f64> = (0..n)
        .map(|s| {
            1.0 - states.radiative[s] - states.nonradiative[s] - states.to[s].iter().sum::<f64>()
        })
        .collect();
    let mut m0 = states.initial.clone();
    let mut m2 = vec![0.0; n];
    let mut c = Curves::empty(walkers, n, frames);
    c.exact = true;
    let (mut n0, mut n2) = (vec![0.0; n], vec![0.0; n]);
    for _ in 0..frames {
        let (mut i, mut i2) = (0.0, 0.0);
        for s in 0..n {
            c.populations[s].push(m0[s]);
            c.emissions_by_state[s].push(states.radiative[s] * m0[s] * w);
            i += states.radiative[s] * m0[s];
            i2 += states.radiative[s] * m2[s];
        }
        c.emissions.push(i * w);
        c.intensity.push(i);
        c.intensity_start.push(i);
        let counts: Vec<f64> = m0.iter().map(|m| m * w).collect();
        c.occupancy_walkers
            .push(crate::observables::effective_walkers(
                &states.radiative,
                &counts,
            ));
        let msd = (i > 0.0).then(|| i2 / i);
        c.msd.push(msd);
        c.msd_stderr.push(msd.map(|_| 0.0));
        c.msd_occupancy.push(msd);

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
    c
}
