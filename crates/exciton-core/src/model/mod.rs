//! The walk as integers: a scenario's probabilities quantised into the `u32` thresholds
//! that the CPU reference and the GPU kernel compare draws against.
//!
//! Two clocks ([`Clock`]). With per-frame probabilities (the paper's) one draw per frame
//! decides the frame's one outcome. With rates in ns^-1 the walk is the continuous-time
//! chain itself, sampled exactly by uniformization per state ([`clock`]): one draw per
//! frame against the row's first-event thresholds, and only in a frame with an event,
//! candidates at Lambda for the rest of it. Any number of events fit in a frame; no rate
//! is distorted by dt.
//!
//! The exact backend runs on [`WalkTables::effective_states`], the probabilities (or
//! rates) these thresholds really implement, so Monte Carlo and exact agree in
//! expectation exactly, not only up to the 2^-32 quantisation (in continuous time, up to
//! the first-event rows' own quantisation, which sets the same rates to 2^-32 of a
//! frame's probability).

pub mod clock;
pub mod landscape;

use crate::scenario::{Geometry, Scenario, StateTable, Units, DIRECTIONS};
use crate::tables::{cumulative_thresholds, threshold_probabilities, SpotTable, TWO_POW_32};
pub use clock::Clock;
use clock::{after_first_table, first_event_probability};
use landscape::LandscapeTables;

/// Outcomes of one frame, in the order of a state's cumulative table: decays, then the
/// hop split by its in-plane step ([`DIRECTIONS`]: four nearest, four diagonal, then
/// one that leaves (x, y) alone), then the state changes `to[0..states]`; the remainder
/// of the draws is "stay". One draw per frame decides everything, the hop's direction
/// included (MODEL.md section 2); in a landscape the draw's place within its
/// direction's share also decides whether the hop is accepted (kernels/walk/landscape.rs).
pub(crate) const OUTCOME_RAD: usize = 0;
pub(crate) const OUTCOME_NONRAD: usize = 1;
/// The first direction; direction k's threshold is at `OUTCOME_DIR + k`.
pub(crate) const OUTCOME_DIR: usize = 2;
/// The last direction's threshold: the end of the hops.
pub(crate) const OUTCOME_HOP_END: usize = OUTCOME_DIR + DIRECTIONS.len() - 1;
/// The first state change's threshold: the change to state s2 is at `OUTCOME_TO + s2`.
pub const OUTCOME_TO: usize = OUTCOME_HOP_END + 1;

/// Everything a walker's decisions are made from.
#[derive(Clone, Debug, PartialEq)]
pub struct WalkTables {
    /// Exciton states of the model.
    pub states: usize,
    /// The lattice's hop geometry (a 3D landscape steps along z).
    pub geometry: Geometry,
    /// Size classes (1 without a size spread): each has its own block of state rows.
    pub size_classes: usize,
    /// Per size class and state `OUTCOME_TO + states` cumulative thresholds, class-major
    /// then state-major (per frame, or uniformized at Lambda); with
    /// [`Clock::Uniformized`] then the same rows for a frame's first event (from
    /// `WalkTables::first_event_bank` on) and per row its after table ([`clock`], from
    /// `WalkTables::after_offset` on, `after_len` entries each). The kernels bind it as
    /// one table.
    pub outcome: Vec<u32>,
    /// Cumulative thresholds of the initial state, the last saturated to catch every draw.
    pub initial: Vec<u32>,
    /// The initial spot, from which each walker draws its start x (and y).
    pub spot: SpotTable,
    /// How time advances: one outcome per frame, or continuous time by uniformization.
    pub clock: Clock,
    /// Entries of each row's after table (0 with [`Clock::Frames`]): the shorter ones
    /// are padded with saturated entries.
    pub after_len: usize,
    /// The landscape's level and acceptance tables, appended to `outcome` after the
    /// after tables (from `WalkTables::landscape_offset` on).
    pub landscape: Option<LandscapeTables>,
    /// On a landscape, the trap whose class is its site's: (first class state, classes).
    pub site_traps: Option<(u32, u32)>,
}

/// A state's row of cumulative thresholds from its probabilities (per frame, or rates
/// times the draw's unit) in the outcome order.
fn state_row(st: &StateTable, s: usize, per_draw: f64, weights: &[f64]) -> Vec<u32> {
    let mut probs = vec![0.0; OUTCOME_TO];
    probs[OUTCOME_RAD] = st.radiative[s];
    probs[OUTCOME_NONRAD] = st.nonradiative[s];
    probs[OUTCOME_HOP_END] = st.hop[s];
    probs.extend_from_slice(&st.to[s]);
    probs.iter_mut().for_each(|p| *p *= per_draw);
    let mut row = cumulative_thresholds(&probs);
    // Directions of equal weight get equal counts of draws (floors of the same
    // product), so <dx> = <dy> = 0 and x and y are alike exactly; the last
    // direction takes what the floors leave.
    let hops = f64::from(row[OUTCOME_HOP_END] - row[OUTCOME_NONRAD]);
    let mut at = row[OUTCOME_NONRAD];
    for (k, w) in weights[..DIRECTIONS.len() - 1].iter().enumerate() {
        at = (at + (hops * w).floor() as u32).min(row[OUTCOME_HOP_END]);
        row[OUTCOME_DIR + k] = at;
    }
    row
}

impl WalkTables {
    /// The tables of a validated scenario: its state rows, initial populations, spot and
    /// landscape, with the clock its units call for.
    pub fn new(scenario: &Scenario) -> Self {
        let st = &scenario.states;
        let n = st.len();
        let weights = scenario.geometry.direction_weights();
        let classes: Vec<StateTable> = (0..st.size_classes())
            .map(|k| st.of_size_class(k))
            .collect();
        let rows = || classes.iter().flat_map(|st| (0..n).map(move |s| (st, s)));
        let (clock, per_draw) = match scenario.units {
            Units::RatePerNs => {
                let lambda = rows().map(|(st, s)| st.total_out(s)).fold(0.0, f64::max);
                let clock = Clock::Uniformized {
                    lambda_per_ns: lambda,
                    mean_per_frame: lambda * scenario.dt_ps * 1e-3,
                };
                // A state with no way out anywhere: no candidates, and rows of zeros.
                (clock, if lambda > 0.0 { 1.0 / lambda } else { 0.0 })
            }
            _ => (Clock::Frames, 1.0),
        };
        let mut outcome = Vec::with_capacity(3 * classes.len() * n * (OUTCOME_TO + n));
        for (st, s) in rows() {
            outcome.extend(state_row(st, s, per_draw, &weights));
        }
        let mut after_len = 0;
        if let Clock::Uniformized { mean_per_frame, .. } = clock {
            // The first-event rows: event i with probability (1 - e^(-r dt)) k_i / r.
            let dt = scenario.dt_ps;
            for (st, s) in rows() {
                let r = st.total_out(s);
                let scale = if r > 0.0 {
                    first_event_probability(r, dt) / r
                } else {
                    0.0
                };
                outcome.extend(state_row(st, s, scale, &weights));
            }
            let after: Vec<Vec<u32>> = rows()
                .map(|(st, s)| after_first_table(mean_per_frame, st.total_out(s) * dt * 1e-3))
                .collect();
            after_len = after.iter().map(Vec::len).max().unwrap_or(1);
            for t in after {
                let pad = after_len - t.len();
                outcome.extend(t);
                outcome.extend(std::iter::repeat_n(u32::MAX, pad));
            }
        }
        let mut initial = cumulative_thresholds(&st.initial);
        // Populations sum to 1 (validated): the last state with any weight takes the top
        // draws, so rounding never leaves a walker without a state.
        let last = st.initial.iter().rposition(|&p| p > 0.0).unwrap_or(n - 1);
        for t in initial.iter_mut().skip(last) {
            *t = u32::MAX;
        }
        let landscape = scenario
            .landscape
            .as_ref()
            .map(|l| LandscapeTables::new(l, scenario.temperature_k));
        if let Some(l) = &landscape {
            outcome.extend(&l.levels);
            outcome.extend(&l.acceptance);
        }
        WalkTables {
            states: n,
            geometry: scenario.geometry,
            size_classes: classes.len(),
            outcome,
            initial,
            spot: SpotTable::gaussian(scenario.sigma_sites),
            clock,
            after_len,
            site_traps: scenario
                .states
                .traps
                .as_ref()
                .filter(|t| t.per_site && landscape.is_some())
                .map(|t| (t.first as u32, t.classes as u32)),
            landscape,
        }
    }

    /// What one unit of a state row's probability means: 1 per frame, or Lambda ns^-1.
    fn per_row_unit(&self) -> f64 {
        match self.clock {
            Clock::Frames => 1.0,
            Clock::Uniformized { lambda_per_ns, .. } => lambda_per_ns,
        }
    }

    /// The state of a draw that passes no initial threshold (only u = u32::MAX does):
    /// the first whose cumulative threshold saturated.
    pub(crate) fn initial_fallback(&self) -> usize {
        self.initial
            .iter()
            .position(|&c| c == u32::MAX)
            .expect("the initial table is saturated at its last weighted state")
    }

    /// Rows of thresholds per bank: size classes x states.
    fn rows(&self) -> usize {
        self.size_classes * self.states
    }

    /// How far a row's first-event thresholds are from its own in `outcome` (0 with
    /// [`Clock::Frames`], whose rows are a frame's one outcome).
    pub(crate) fn first_event_bank(&self) -> usize {
        match self.clock {
            Clock::Frames => 0,
            Clock::Uniformized { .. } => self.rows() * self.stride(),
        }
    }

    /// Where the after tables start in `outcome`: right after the first-event rows.
    pub(crate) fn after_offset(&self) -> usize {
        self.rows() * self.stride() + self.first_event_bank()
    }

    /// The thresholds of state `s` in size class `class`.
    pub(crate) fn row(&self, class: usize, s: usize) -> &[u32] {
        &self.outcome[(class * self.states + s) * self.stride()..][..self.stride()]
    }

    /// Where the landscape's level table starts in `outcome` (its acceptance table
    /// follows): right after the after tables.
    pub(crate) fn landscape_offset(&self) -> usize {
        self.after_offset() + self.rows() * self.after_len
    }

    /// Thresholds per state (stride of `outcome`).
    pub(crate) fn stride(&self) -> usize {
        OUTCOME_TO + self.states
    }

    /// What these thresholds implement (what the exact backend uses): per-frame
    /// probabilities with [`Clock::Frames`], rates in ns^-1 with [`Clock::Uniformized`].
    /// With size classes the changes of state are their mean over the classes (the
    /// sites' average; decays and hops are every class's).
    pub fn effective_states(&self, names: &[String]) -> StateTable {
        let n = self.states;
        let mut t = StateTable {
            initial: threshold_probabilities(&self.initial),
            ..StateTable::zeros(names)
        };
        // The draw u = u32::MAX passes no threshold and takes the fallback state.
        t.initial[self.initial_fallback()] += 1.0 / TWO_POW_32;
        for s in 0..n {
            let p = threshold_probabilities(self.row(0, s));
            t.radiative[s] = p[OUTCOME_RAD];
            t.nonradiative[s] = p[OUTCOME_NONRAD];
            t.hop[s] = p[OUTCOME_DIR..=OUTCOME_HOP_END].iter().sum();
            let k = self.size_classes as f64;
            t.to[s] = (0..self.size_classes)
                .map(|c| threshold_probabilities(self.row(c, s)))
                .fold(vec![0.0; n], |acc, p| {
                    acc.iter()
                        .zip(&p[OUTCOME_TO..])
                        .map(|(a, q)| a + q / k)
                        .collect()
                });
        }
        let unit = self.per_row_unit();
        for s in 0..n {
            t.radiative[s] *= unit;
            t.nonradiative[s] *= unit;
            t.hop[s] *= unit;
            t.to[s].iter_mut().for_each(|p| *p *= unit);
        }
        t
    }

    /// Per state, the probability per frame (or the rate in ns^-1) of a hop that moves x
    /// (or, alike, y) by +1 or -1: the growth of <dx^2> per frame (or ns) spent in the state, as the
    /// thresholds implement it.
    pub fn x_step_probabilities(&self) -> Vec<f64> {
        (0..self.states)
            .map(|s| {
                let row = &self.outcome[s * self.stride()..];
                let moves_x: u32 = DIRECTIONS
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.0 != 0)
                    .map(|(k, _)| row[OUTCOME_DIR + k] - row[OUTCOME_DIR + k - 1])
                    .sum();
                f64::from(moves_x) / TWO_POW_32 * self.per_row_unit()
            })
            .collect()
    }

    /// Per state, the radiative probability per frame these thresholds implement (in
    /// continuous time the rate times dt): the weights of the occupancy estimators.
    pub(crate) fn radiative_per_frame(&self, dt_ps: f64) -> Vec<f64> {
        let frame = match self.clock {
            Clock::Frames => 1.0,
            Clock::Uniformized { lambda_per_ns, .. } => lambda_per_ns * dt_ps * 1e-3,
        };
        (0..self.states)
            .map(|s| f64::from(self.outcome[s * self.stride() + OUTCOME_RAD]) / TWO_POW_32 * frame)
            .collect()
    }

    /// Most events in one frame in continuous time, the first and the longest after
    /// table's candidates (0 with [`Clock::Frames`], where a frame holds one outcome).
    pub fn max_events_per_frame(&self) -> usize {
        self.after_len
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
        scenario.records_positions(),
    )
    .with_image(
        scenario.image.map_or(0, |i| i.frame),
        scenario.image.map_or(0, |i| i.frames),
        scenario.image.map(|i| i.half_width_sites),
    )
}
