//! Results of a run: [`PointResult`] and [`RunResults`] in memory, and their files.
//!
//! An output directory holds `results.json` (the scenario, every point's scalars with
//! their errors, and where the curves are), `curves.parquet` (every point's curves in
//! tidy long form, [`parquet`]), `sweep.csv` (scalars) and, with `--point-csv`, one CSV
//! per point (`csv`). Each file is written atomically (`files`).

mod csv;
pub mod derived;
mod files;
mod json;
pub mod parquet;

pub use csv::{point_csv, sweep_csv};
pub use files::{
    complete_results, point_file, prepare_dir, read_results, write_atomic, write_atomic_with,
    write_results, DirMode, ResultsWriter, WriteOptions, KEEP_CURVES_POINTS,
};
pub use json::{parse_results, POINTS_COMMON, POINTS_WARNINGS, WARNING_IDS};

use crate::shard::Shard;
use exciton_core::observables::{sites2_ps_to_cm2_s, Estimate, MIN_RELIABLE};
use exciton_core::scenario::Scenario;
use exciton_core::scenario::Units;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// One sweep point as written to `results.json`. Lattice and physical units side by
/// side; every Monte Carlo curve and scalar with its standard error (`null` for the
/// exact backend, which has no noise).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PointResult {
    /// Index of the point in the sweep (0 without one).
    #[serde(default)]
    pub point: u64,
    /// Swept parameter values of this point (JSON path -> value); empty without a sweep.
    pub parameters: IndexMap<String, serde_json::Value>,
    pub walkers: u64,
    pub seed: u64,
    /// Named as in the scenario file (`temperature_K`); older files said `temperature_k`.
    #[serde(rename = "temperature_K", alias = "temperature_k")]
    pub temperature_k: Option<f64>,
    pub sample: Option<exciton_core::temperature::Sample>,
    /// Frames the run walked (under a pulse train the curves hold one period of them,
    /// `time_ps` says which).
    pub frames: u32,
    /// The pulse train whose delayed single-pulse responses the curves sum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excitation: Option<exciton_core::scenario::excitation::PulseTrain>,
    pub dt_ps: f64,
    pub pitch_nm: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_ps: Vec<f64>,
    /// PL intensity at each frame's start per walker, from the occupancy: the expected
    /// emissions of the frame (one outcome per frame), or the photon rate times dt
    /// (continuous time).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intensity: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intensity_stderr: Vec<Option<f64>>,
    /// Emissions counted per frame (expected counts for the exact backend).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emissions: Vec<f64>,
    /// Emissions counted per walker per frame, per state.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub intensity_by_state: IndexMap<String, Vec<f64>>,
    /// Fraction of walkers in each state at the start of each frame.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub populations: IndexMap<String, Vec<f64>>,
    /// MSD(t) = sigma^2(t) - sigma^2(0) of each frame's emissions (null: fewer than 2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_stderr_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_nm2: Vec<Option<f64>>,
    /// The frame's emission MSD rests on at least 100 emissions (`emissions` beside it);
    /// unreliable values are kept here but never used for t_max, D_avg or figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_reliable: Vec<bool>,
    /// Occupancy-weighted MSD (sum_s rad_s `O[t][s][dx]`): less noise; t_max and D_avg use it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_occupancy_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_occupancy_stderr_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_occupancy_nm2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_occupancy_stderr_nm2: Vec<Option<f64>>,
    /// The occupancy-weighted MSD along y and the 2D mean <r^2>/2 (compare with
    /// `msd_occupancy_*`, along x): isotropy made visible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_y_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_y_stderr_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_r2_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_r2_stderr_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_r2_nm2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_r2_stderr_nm2: Vec<Option<f64>>,
    /// The local exponent d ln MSD / d ln t and D(t) = (1/2) d MSD / dt of `msd_r2`,
    /// smoothed over frames within a factor 1.25 of t: how sub-diffusion is read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpha: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alpha_stderr: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffusivity_sites2_ps: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffusivity_stderr_sites2_ps: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffusivity_cm2_s: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diffusivity_stderr_cm2_s: Vec<Option<f64>>,
    /// Mean site energy of the living walkers, meV (with a landscape only).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "mean_energy_meV"
    )]
    pub mean_energy_mev: Vec<Option<f64>>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        rename = "mean_energy_stderr_meV"
    )]
    pub mean_energy_stderr_mev: Vec<Option<f64>>,
    /// The profile MSD sigma^2(t) - sigma^2(0) of where each frame's photons were emitted
    /// (absolute positions, counted photons): what a camera sees. On a finite lattice
    /// it differs from the displacement MSD (`msd_occupancy_*`, relative to each
    /// walker's start), which stays the headline. Empty unless positions are recorded
    /// (a finite lattice, a microscope, profiles or an image); null below 100 photons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_profile_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_profile_stderr_sites2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub msd_profile_nm2: Vec<Option<f64>>,
    /// Effective walkers behind the occupancy estimator per frame (its noise ~ 1/sqrt);
    /// below 100 a frame is unreliable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occupancy_walkers: Vec<f64>,
    /// Emissions per frame outside the displacement histogram (their frame has no MSD).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emission_overflow: Vec<u64>,
    pub tau_pl_ps: Option<f64>,
    #[serde(default)]
    pub tau_pl_stderr_ps: Option<f64>,
    /// 1/e of the PL's maximum (TCSPC practice when the PL rises first).
    #[serde(default)]
    pub tau_pl_peak_ps: Option<f64>,
    #[serde(default)]
    pub tau_pl_peak_stderr_ps: Option<f64>,
    pub d_avg_sites2_ps: Option<f64>,
    #[serde(default)]
    pub d_avg_stderr_sites2_ps: Option<f64>,
    pub d_avg_cm2_s: Option<f64>,
    #[serde(default)]
    pub d_avg_stderr_cm2_s: Option<f64>,
    pub diffusion_length_sites: Option<f64>,
    #[serde(default)]
    pub diffusion_length_stderr_sites: Option<f64>,
    pub diffusion_length_nm: Option<f64>,
    #[serde(default)]
    pub diffusion_length_stderr_nm: Option<f64>,
    /// Time of the MSD's maximum, only when it is real (null otherwise, with the reason
    /// in `t_max_note`).
    pub t_max_ps: Option<f64>,
    #[serde(default)]
    pub t_max_stderr_ps: Option<f64>,
    #[serde(default)]
    pub t_max_note: Option<String>,
    pub t_max_estimator: String,
    pub warnings: Vec<String>,
    /// The microscope's apparent MSD per frame, sigma_app^2(t) - sigma_app^2(0) of the
    /// fitted camera image (MODEL.md section 10), and its fit error; empty without a
    /// microscope, null where a fit failed or rests on too few photons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apparent_msd_nm2: Vec<Option<f64>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub apparent_msd_stderr_nm2: Vec<Option<f64>>,
    /// Emission counts over absolute x per frame, when the scenario sets `record_profiles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission_profile: Option<exciton_core::observables::EmissionProfile>,
}

impl PointResult {
    pub fn new(
        scenario: &Scenario,
        parameters: IndexMap<String, serde_json::Value>,
        estimate: &Estimate,
    ) -> Self {
        let (curves, summary) = (&estimate.curves, &estimate.summary);
        let pitch = scenario.pitch_nm;
        let a2 = pitch * pitch;
        let nm2 = |v: &[Option<f64>]| v.iter().map(|m| m.map(|m| m * a2)).collect();
        let cm2_s = |d: Option<f64>| d.map(|d| sites2_ps_to_cm2_s(d, pitch));
        let cm2_s_all = |v: &[Option<f64>]| v.iter().map(|&d| cm2_s(d)).collect();
        let names = &scenario.states.names;
        let or_nulls = |v: Vec<Option<f64>>| {
            if v.is_empty() {
                vec![None; curves.frames()]
            } else {
                v
            }
        };
        let per_walker = |e: &Vec<f64>| e.iter().map(|v| v / curves.walkers as f64).collect();
        PointResult {
            point: 0,
            parameters,
            walkers: curves.walkers,
            seed: scenario.seed,
            temperature_k: scenario.temperature_k,
            sample: scenario.sample.clone(),
            frames: scenario.frames,
            excitation: scenario.excitation,
            dt_ps: scenario.dt_ps,
            pitch_nm: pitch,
            time_ps: (0..curves.frames())
                .map(|t| t as f64 * scenario.dt_ps)
                .collect(),
            intensity: curves.intensity.clone(),
            intensity_stderr: curves.intensity_stderr.clone(),
            emissions: curves.emissions.clone(),
            intensity_by_state: names
                .iter()
                .cloned()
                .zip(curves.emissions_by_state.iter().map(per_walker))
                .collect(),
            populations: names
                .iter()
                .cloned()
                .zip(curves.populations.clone())
                .collect(),
            msd_sites2: curves.msd.clone(),
            msd_stderr_sites2: curves.msd_stderr.clone(),
            msd_nm2: nm2(&curves.msd),
            msd_reliable: curves
                .msd
                .iter()
                .zip(&curves.emissions)
                .map(|(m, &e)| m.is_some() && e >= MIN_RELIABLE)
                .collect(),
            msd_occupancy_sites2: curves.msd_occupancy.clone(),
            msd_occupancy_stderr_sites2: curves.msd_occupancy_stderr.clone(),
            msd_occupancy_nm2: nm2(&curves.msd_occupancy),
            msd_occupancy_stderr_nm2: nm2(&curves.msd_occupancy_stderr),
            msd_y_sites2: curves.msd_y.clone(),
            msd_y_stderr_sites2: curves.msd_y_stderr.clone(),
            msd_r2_sites2: curves.msd_r2.clone(),
            msd_r2_stderr_sites2: curves.msd_r2_stderr.clone(),
            msd_r2_nm2: nm2(&curves.msd_r2),
            msd_r2_stderr_nm2: nm2(&curves.msd_r2_stderr),
            // Null curves where no position was recorded, as the mean energy without a
            // landscape: every point of a run has the same columns.
            msd_profile_sites2: or_nulls(curves.msd_profile.clone()),
            msd_profile_stderr_sites2: or_nulls(curves.msd_profile_stderr.clone()),
            msd_profile_nm2: or_nulls(nm2(&curves.msd_profile)),
            alpha: curves.alpha.clone(),
            alpha_stderr: curves.alpha_stderr.clone(),
            diffusivity_sites2_ps: curves.diffusivity.clone(),
            diffusivity_stderr_sites2_ps: curves.diffusivity_stderr.clone(),
            diffusivity_cm2_s: cm2_s_all(&curves.diffusivity),
            diffusivity_stderr_cm2_s: cm2_s_all(&curves.diffusivity_stderr),
            mean_energy_mev: curves.mean_energy_mev.clone(),
            mean_energy_stderr_mev: curves.mean_energy_stderr_mev.clone(),
            occupancy_walkers: curves.occupancy_walkers.clone(),
            emission_overflow: curves.overflow.clone(),
            tau_pl_ps: summary.tau_pl_ps,
            tau_pl_stderr_ps: summary.tau_pl_stderr_ps,
            tau_pl_peak_ps: summary.tau_pl_peak_ps,
            tau_pl_peak_stderr_ps: summary.tau_pl_peak_stderr_ps,
            d_avg_sites2_ps: summary.d_avg_sites2_ps,
            d_avg_stderr_sites2_ps: summary.d_avg_stderr_sites2_ps,
            d_avg_cm2_s: cm2_s(summary.d_avg_sites2_ps),
            d_avg_stderr_cm2_s: cm2_s(summary.d_avg_stderr_sites2_ps),
            diffusion_length_sites: summary.diffusion_length_sites,
            diffusion_length_stderr_sites: summary.diffusion_length_stderr_sites,
            diffusion_length_nm: summary.diffusion_length_sites.map(|l| l * pitch),
            diffusion_length_stderr_nm: summary.diffusion_length_stderr_sites.map(|l| l * pitch),
            t_max_ps: summary.t_max_ps,
            t_max_stderr_ps: summary.t_max_stderr_ps,
            t_max_note: summary.t_max_note.clone(),
            t_max_estimator: "occupancy-weighted MSD".into(),
            warnings: summary.warnings.clone(),
            apparent_msd_nm2: Vec::new(),
            apparent_msd_stderr_nm2: Vec::new(),
            emission_profile: if scenario.keeps_profiles() {
                curves.emission_profile.clone()
            } else {
                None
            },
        }
    }
}

/// Everything `results.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunResults {
    pub scenario: String,
    pub scenario_file: String,
    pub backend: String,
    /// The device that ran it, in words ("cpu, 2 threads", an adapter name, "exact").
    pub device: String,
    pub exciton_mc_version: String,
    /// Which displacement the histograms hold.
    pub displacement: String,
    pub sweep_mode: Option<exciton_core::sweep::SweepMode>,
    /// Figures the scenario asks for (`exciton-mc plot` draws them).
    #[serde(default)]
    pub figures: Vec<String>,
    /// What the state parameters are: probabilities per frame or rates in ns^-1.
    #[serde(default)]
    pub units: Option<Units>,
    /// The scenario as it was read (with its sweep), so results.json is complete without
    /// the file; `--walkers` and `--seed` overrides are in each point's `walkers`, `seed`.
    #[serde(default)]
    pub scenario_json: Option<serde_json::Value>,
    /// Fingerprint of every point's scenario, walkers, seed and index, and of the
    /// backend's kind: shards of one run share it, and a finished run is resumed only
    /// under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_hash: Option<String>,
    /// Which part of a run this is, when it is a shard (`run --shard`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
    /// The sample every point shares, when they do: results.json then leaves it out of
    /// each point ([`read_results`] puts it back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<exciton_core::temperature::Sample>,
    /// Where the points' curves are, when they are not inside `points`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curves: Option<parquet::CurvesFile>,
    pub points: Vec<PointResult>,
}

/// A shard's place in its run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub count: u32,
    /// Points in the whole run.
    pub points_total: u64,
    /// Seed and walkers of the run's first point (command-line overrides included).
    pub seed: u64,
    pub walkers: u64,
    /// Points cut across shards, whose walker blocks this shard ran: their sums are in
    /// `blocks.jsonl` beside results.json, for `merge`.
    pub partial_points: Vec<u64>,
}

impl ShardInfo {
    pub fn shard(&self) -> Shard {
        Shard {
            index: self.index,
            count: self.count,
        }
    }
}

impl RunResults {
    /// Everything but the points.
    pub fn clone_head(&self) -> RunResults {
        RunResults {
            scenario: self.scenario.clone(),
            scenario_file: self.scenario_file.clone(),
            backend: self.backend.clone(),
            device: self.device.clone(),
            exciton_mc_version: self.exciton_mc_version.clone(),
            displacement: self.displacement.clone(),
            sweep_mode: self.sweep_mode,
            figures: self.figures.clone(),
            units: self.units,
            scenario_json: self.scenario_json.clone(),
            run_hash: self.run_hash.clone(),
            shard: self.shard.clone(),
            sample: self.sample.clone(),
            curves: self.curves.clone(),
            points: Vec::new(),
        }
    }
}

impl PointResult {
    /// The point without its per-frame curves (they live in curves.parquet): what
    /// results.json holds for it.
    pub fn without_curves(&self) -> PointResult {
        let mut p = self.clone();
        p.strip_curves();
        p
    }

    /// Drops the per-frame curves.
    pub fn strip_curves(&mut self) {
        self.time_ps = Vec::new();
        self.intensity = Vec::new();
        self.intensity_stderr = Vec::new();
        self.emissions = Vec::new();
        self.intensity_by_state = IndexMap::new();
        self.populations = IndexMap::new();
        self.msd_sites2 = Vec::new();
        self.msd_stderr_sites2 = Vec::new();
        self.msd_nm2 = Vec::new();
        self.msd_reliable = Vec::new();
        self.msd_occupancy_sites2 = Vec::new();
        self.msd_occupancy_stderr_sites2 = Vec::new();
        self.msd_occupancy_nm2 = Vec::new();
        self.msd_occupancy_stderr_nm2 = Vec::new();
        for v in self.curves_2d_mut() {
            *v = Vec::new();
        }
        self.occupancy_walkers = Vec::new();
        self.emission_overflow = Vec::new();
        self.apparent_msd_nm2 = Vec::new();
        self.apparent_msd_stderr_nm2 = Vec::new();
    }

    /// The point holds its curves (not stripped for a large run).
    pub fn has_curves(&self) -> bool {
        !self.time_ps.is_empty()
    }
}

/// The curves of the 2D walker, listed once: their names in results.json,
/// curves.parquet and the CSVs ([`CURVES_2D`]) and the point's fields in that order.
macro_rules! curves_2d {
    ($($field:ident => $name:literal),* $(,)?) => {
        /// The names of [`PointResult::curves_2d`] in results.json, curves.parquet and
        /// the CSVs.
        pub const CURVES_2D: [&str; 17] = [$($name),*];

        impl PointResult {
            /// The curves of the 2D walker (y, <r^2>/2, alpha, D(t), mean energy; null
            /// without a landscape), in the order of [`CURVES_2D`].
            pub fn curves_2d(&self) -> [&Vec<Option<f64>>; 17] {
                [$(&self.$field),*]
            }

            /// The same, to fill.
            pub fn curves_2d_mut(&mut self) -> [&mut Vec<Option<f64>>; 17] {
                [$(&mut self.$field),*]
            }
        }
    };
}

curves_2d! {
    msd_y_sites2 => "msd_y_sites2",
    msd_y_stderr_sites2 => "msd_y_stderr_sites2",
    msd_r2_sites2 => "msd_r2_sites2",
    msd_r2_stderr_sites2 => "msd_r2_stderr_sites2",
    msd_r2_nm2 => "msd_r2_nm2",
    msd_r2_stderr_nm2 => "msd_r2_stderr_nm2",
    alpha => "alpha",
    alpha_stderr => "alpha_stderr",
    diffusivity_sites2_ps => "diffusivity_sites2_ps",
    diffusivity_stderr_sites2_ps => "diffusivity_stderr_sites2_ps",
    diffusivity_cm2_s => "diffusivity_cm2_s",
    diffusivity_stderr_cm2_s => "diffusivity_stderr_cm2_s",
    mean_energy_mev => "mean_energy_meV",
    mean_energy_stderr_mev => "mean_energy_stderr_meV",
    msd_profile_sites2 => "msd_profile_sites2",
    msd_profile_stderr_sites2 => "msd_profile_stderr_sites2",
    msd_profile_nm2 => "msd_profile_nm2",
}
