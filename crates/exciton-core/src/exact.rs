//! The exact backend: the moment recursion of MODEL.md section 7, no randomness.
//!
//! m0_s(t) = P(alive in s at the start of frame t), m2_s(t) = E[dx^2; in s at frame t].
//! It runs on the probabilities the Monte Carlo thresholds implement
//! ([`crate::model::WalkTables::effective_states`]), so both agree in expectation exactly.

use crate::observables::Curves;
use crate::scenario::StateTable;

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
    let mut c = Curves {
        walkers,
        emissions: Vec::with_capacity(frames),
        emissions_by_state: vec![Vec::with_capacity(frames); n],
        populations: vec![Vec::with_capacity(frames); n],
        msd: Vec::with_capacity(frames),
        msd_stderr: Vec::with_capacity(frames),
        msd_occupancy: Vec::with_capacity(frames),
        occupancy_walkers: Vec::with_capacity(frames),
        overflow: vec![0; frames],
        emission_profile: None,
    };
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
