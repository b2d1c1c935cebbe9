//! The walk as integers: a scenario's probabilities quantised into the `u32` thresholds
//! that the CPU reference and the GPU kernel compare draws against.
//!
//! The exact backend runs on [`WalkTables::effective_states`], the probabilities these
//! thresholds really implement, so Monte Carlo and exact agree in expectation exactly,
//! not only up to the 2^-32 quantisation.

use crate::rng::{cumulative_thresholds, quantize_cumulative, threshold_probabilities, SpotTable};
use crate::scenario::{Scenario, StateTable};

/// Outcomes of one frame, in the order of a state's cumulative table: decays, then the
/// hop split by its x-projection (+1, -1, then the hops that leave x alone), then the
/// state changes `to[0..states]`; the remainder of the draws is "stay". One draw per
/// frame decides everything, the hop's direction included (MODEL.md section 2).
pub const OUTCOME_RAD: usize = 0;
pub const OUTCOME_NONRAD: usize = 1;
pub const OUTCOME_PLUS: usize = 2;
pub const OUTCOME_MINUS: usize = 3;
pub const OUTCOME_HOP: usize = 4;
pub const OUTCOME_TO: usize = 5;

/// Everything a walker's decisions are made from.
#[derive(Clone, Debug, PartialEq)]
pub struct WalkTables {
    pub states: usize,
    /// Per state `OUTCOME_TO + states` cumulative thresholds, state-major.
    pub outcome: Vec<u32>,
    /// Cumulative thresholds of the initial state, the last saturated to catch every draw.
    pub initial: Vec<u32>,
    pub spot: SpotTable,
}

impl WalkTables {
    pub fn new(scenario: &Scenario) -> Self {
        let st = &scenario.states;
        let n = st.len();
        let step = scenario.geometry.step_plus_probability();
        let mut outcome = Vec::with_capacity(n * (OUTCOME_TO + n));
        for s in 0..n {
            let mut probs = vec![st.radiative[s], st.nonradiative[s], 0.0, 0.0, st.hop[s]];
            probs.extend_from_slice(&st.to[s]);
            let mut row = cumulative_thresholds(&probs);
            // Equal counts of draws for +1 and -1, so <dx> = 0 exactly: both take the width
            // that hop * step rounds to, and the x-neutral hops take the rest.
            let decays = row[OUTCOME_NONRAD];
            let width = quantize_cumulative(st.hop[s] * step).min((row[OUTCOME_HOP] - decays) / 2);
            row[OUTCOME_PLUS] = decays + width;
            row[OUTCOME_MINUS] = decays + 2 * width;
            outcome.extend(row);
        }
        let mut initial = cumulative_thresholds(&st.initial);
        // Populations sum to 1 (validated): the last state with any weight takes the top
        // draws, so rounding never leaves a walker without a state.
        let last = st.initial.iter().rposition(|&p| p > 0.0).unwrap_or(n - 1);
        for t in initial.iter_mut().skip(last) {
            *t = u32::MAX;
        }
        WalkTables {
            states: n,
            outcome,
            initial,
            spot: SpotTable::gaussian(scenario.sigma_sites),
        }
    }

    /// The state of a draw that passes no initial threshold (only u = u32::MAX does):
    /// the first whose cumulative threshold saturated.
    pub fn initial_fallback(&self) -> usize {
        self.initial
            .iter()
            .position(|&c| c == u32::MAX)
            .expect("the initial table is saturated at its last weighted state")
    }

    /// Thresholds per state (stride of `outcome`).
    pub fn stride(&self) -> usize {
        OUTCOME_TO + self.states
    }

    /// The per-frame probabilities these thresholds implement (what the exact backend uses).
    pub fn effective_states(&self, names: &[String]) -> StateTable {
        let n = self.states;
        let mut t = StateTable {
            names: names.to_vec(),
            radiative: vec![0.0; n],
            nonradiative: vec![0.0; n],
            hop: vec![0.0; n],
            to: vec![vec![0.0; n]; n],
            initial: threshold_probabilities(&self.initial),
        };
        // The draw u = u32::MAX passes no threshold and takes the fallback state.
        t.initial[self.initial_fallback()] += 1.0 / crate::rng::TWO_POW_32;
        for s in 0..n {
            let p = threshold_probabilities(&self.outcome[s * self.stride()..][..self.stride()]);
            t.radiative[s] = p[OUTCOME_RAD];
            t.nonradiative[s] = p[OUTCOME_NONRAD];
            t.hop[s] = p[OUTCOME_PLUS] + p[OUTCOME_MINUS] + p[OUTCOME_HOP];
            t.to[s] = p[OUTCOME_TO..].to_vec();
        }
        t
    }

    /// Per state, the probability per frame of a hop that moves x (by +1 or -1): the
    /// growth of <dx^2> per frame spent in the state, as the thresholds implement it.
    pub fn x_step_probabilities(&self) -> Vec<f64> {
        (0..self.states)
            .map(|s| {
                let row = &self.outcome[s * self.stride()..];
                f64::from(row[OUTCOME_MINUS] - row[OUTCOME_NONRAD]) / crate::rng::TWO_POW_32
            })
            .collect()
    }
}
/// The histogram layout a scenario needs.
pub fn layout_for(scenario: &Scenario, tables: &WalkTables) -> crate::histogram::HistLayout {
    crate::histogram::HistLayout::new(
        scenario.frames,
        tables.states as u32,
        scenario.max_dx_sites,
        tables.spot.radius,
        scenario.occupancy_profile,
        scenario.record_profiles,
    )
}
