//! Frame-binned weights for continuous time (MODEL.md section 6).
//!
//! The instrument counts the photons emitted during each frame, not the photon rate at
//! the frame's start. A walker in state s at the start of a frame at displacement dx
//! emits in expectation c_s photons over the frame, and their summed squared
//! displacement is c_s dx^2 + b_s: hops are symmetric, so the motion within the frame
//! adds b_s whatever dx is, and nothing to the photons' mean displacement. Conditioning
//! the binned photons on the frame-start state this way keeps the occupancy estimators'
//! low noise and gives them the binned emission estimator's expectation.

use super::Readout;
use crate::model::{Clock, WalkTables};
use crate::scenario::StateTable;
use nalgebra::DMatrix;

/// Per state: the expected photons over one frame (`photons`, c_s) and the expected
/// sum of the squared displacement those photons gain within the frame (`spread`, b_s,
/// sites^2 along one axis), for a walker in the state at the frame's start.
#[derive(Clone, Debug, PartialEq)]
pub struct BinnedWeights {
    /// c_s per state: expected photons over one frame.
    pub photons: Vec<f64>,
    /// b_s per state: expected sum of the squared displacement the photons gain within the
    /// frame, sites^2 along one axis.
    pub spread: Vec<f64>,
}

/// The binned weights of `rates` (ns^-1) over a frame of `dt_ps`; `x_rate[s]` is the
/// rate of hops that move x (each adds 1 to dx^2). One matrix exponential of the
/// moment system (m0_s, m2_s, photons C_I, photons' dx^2 C_M) from each start state.
pub(crate) fn frame_integrals(rates: &StateTable, x_rate: &[f64], dt_ps: f64) -> BinnedWeights {
    weights_of_step(&(moment_generator(rates, x_rate) * (dt_ps * 1e-3)).exp())
}

/// The binned weights read off one frame's propagator expm(A dt) of the moment system
/// ([`moment_generator`]): column s is where a walker in state s at dx = 0 (m0 = e_s,
/// m2 = 0) ends, so its photon rows sum to c_s and C_M holds b_s alone.
pub(crate) fn weights_of_step(step: &DMatrix<f64>) -> BinnedWeights {
    let n = (step.nrows() - 1) / 3;
    BinnedWeights {
        photons: (0..n)
            .map(|s| (0..n).map(|r| step[(2 * n + r, s)]).sum())
            .collect(),
        spread: (0..n).map(|s| step[(3 * n, s)]).collect(),
    }
}

/// The generator A of the moment system in continuous time, v' = A v with v = (m0_s,
/// m2_s, C_I,s, C_M): m0_s the probability of being alive in s, m2_s E[dx^2; in s], C_I,s
/// the photons state s has emitted and C_M their summed dx^2. `rates` in ns^-1;
/// `x_rate[s]` the rate of hops that move x (each adds 1 to dx^2).
pub(crate) fn moment_generator(rates: &StateTable, x_rate: &[f64]) -> DMatrix<f64> {
    let n = rates.radiative.len();
    let (m2, ci, cm) = (n, 2 * n, 3 * n);
    let mut a = DMatrix::<f64>::zeros(3 * n + 1, 3 * n + 1);
    for s in 0..n {
        let out = rates.radiative[s] + rates.nonradiative[s] + rates.to[s].iter().sum::<f64>();
        a[(s, s)] -= out;
        a[(m2 + s, m2 + s)] -= out;
        a[(m2 + s, s)] += x_rate[s];
        for (to, &k) in rates.to[s].iter().enumerate() {
            a[(to, s)] += k;
            a[(m2 + to, m2 + s)] += k;
        }
        a[(ci + s, s)] = rates.radiative[s];
        a[(cm, m2 + s)] = rates.radiative[s];
    }
    a
}

/// What the Monte Carlo's sums of a point with `tables` are read with.
pub fn readout(tables: &WalkTables, dt_ps: f64) -> Readout {
    let binned = match tables.clock {
        Clock::Frames => None,
        Clock::Uniformized { .. } => {
            let rates = tables.effective_states(&vec![String::new(); tables.states]);
            let x_rate = tables.x_step_probabilities();
            let mut w = frame_integrals(&rates, &x_rate, dt_ps);
            if tables.landscape.is_some() {
                w.spread.iter_mut().for_each(|b| *b = 0.0);
            }
            Some(w)
        }
    };
    let mut notes = Vec::new();
    if let Some(l) = &tables.landscape {
        if binned.is_some() {
            notes.push("continuous time on a landscape: the MSD curves weigh each frame's start positions by the frame's binned photons, without the motion within the frame (it depends on the sites around each walker); the counted emission MSD (msd_sites2) has it".into());
        }
        if l.spec.realizations == Some(1) {
            notes.push("landscape.realizations = 1: every walker block walks one film, so the errors are conditional on it and leave out the film-to-film spread".into());
        }
    }
    Readout {
        radiative: tables.radiative_per_frame(dt_ps),
        level_mev: tables.landscape.as_ref().map(|l| l.level_mev),
        dt_ps,
        binned,
        notes,
        train: None,
    }
}

/// What point `s`'s sums are read with: [`readout`] of its tables, and its pulse train.
pub fn readout_of(s: &crate::scenario::Scenario) -> Readout {
    Readout {
        train: s.excitation,
        ..readout(&WalkTables::new(s), s.dt_ps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_decaying_hopping_state_has_closed_form_weights() {
        // k_rad = 2, k_nr = 1 ns^-1, x hops at 5 ns^-1, dt = 100 ps: survival e^{-3t};
        // c = 2 (1 - e^{-3 dt}) / 3, b = 2 * 5 * int_0^dt t e^{-3t} dt.
        let mut r = StateTable::zeros(&["a".to_string()]);
        r.radiative[0] = 2.0;
        r.nonradiative[0] = 1.0;
        let w = frame_integrals(&r, &[5.0], 100.0);
        let t: f64 = 0.1;
        let c = 2.0 * (1.0 - (-3.0 * t).exp()) / 3.0;
        let b = 10.0 * (1.0 - (-3.0 * t).exp() * (1.0 + 3.0 * t)) / 9.0;
        assert!((w.photons[0] - c).abs() < 1e-12, "{} vs {c}", w.photons[0]);
        assert!((w.spread[0] - b).abs() < 1e-12, "{} vs {b}", w.spread[0]);
    }
}
