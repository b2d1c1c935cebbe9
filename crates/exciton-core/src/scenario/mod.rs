//! Scenario files: the JSON schema, loading, and validation into per-frame probabilities.
//!
//! A scenario is parsed as a `serde_json::Value` first (a key given twice is refused
//! there) and typed second, so that every error can name the file, the JSON path, its
//! kind and the reason. Validation turns the user's
//! numbers (per-frame probabilities or rates in ns^-1) into one [`StateTable`] of
//! per-frame probabilities, the single input of every backend.

pub mod counts;
pub mod excitation;
mod figures;
mod json;
pub mod landscape;
pub mod microscope;
mod schema;
mod validate;

use crate::error::{ScenarioError, ScenarioErrorKind};
use crate::temperature::Sample;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub use figures::FigureKind;
pub use json::{parse_json, read_json};

/// Most states a scenario may declare; the GPU kernel sizes its tables from this.
pub const MAX_STATES: usize = 16;
/// Most frames a run may have (1.16 us at 25 ps): |dx| < frames, so the kernels' dx^2
/// fits in an `i32`.
pub(crate) const MAX_FRAMES: u32 = 46_341;
/// Widest initial spot, in sites (the spot table has 12 sigma + 1 entries).
pub(crate) const MAX_SIGMA_SITES: f64 = 10_000.0;
/// Most histogram counters of one point (1 GiB as u32): keeps every index inside u32
/// and the per-thread copies inside a workstation's memory.
pub(crate) const MAX_HISTOGRAM_COUNTERS: u64 = 1 << 28;
/// How far probabilities may sum above 1 before it is an error (float noise in the file).
pub(crate) const SUM_TOLERANCE: f64 = 1e-12;

/// Hop geometry ("neighbour shells"); MODEL.md section 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Geometry {
    /// 2D square lattice, 4 nearest + 4 diagonal neighbours, r^-6 weights: hop = 4.5 fret.
    Paper,
    /// 2D square lattice, 4 nearest neighbours: hop = 4 fret.
    Nn,
    /// 3D simple cubic, 6 nearest + 12 face-diagonal neighbours, r^-6 weights: hop = 7.5 fret.
    Cubic,
    /// 3D simple cubic, 6 nearest neighbours: hop = 6 fret (3D site percolation's
    /// lattice, threshold 0.3116).
    CubicNn,
}

impl Geometry {
    /// Total hop probability (or rate) per unit per-pair FRET probability (or rate).
    pub(crate) fn fret_factor(self) -> f64 {
        match self {
            Geometry::Paper => 4.0 * (1.0 + 1.0 / 8.0),
            Geometry::Nn => 4.0,
            Geometry::Cubic => 6.0 + 12.0 / 8.0,
            Geometry::CubicNn => 6.0,
        }
    }

    /// Whether hops leave the plane (a landscape then tracks z).
    pub fn is_3d(self) -> bool {
        matches!(self, Geometry::Cubic | Geometry::CubicNn)
    }

    /// On a 3D landscape, the share of an in-plane nearest neighbour's direction (+-1, 0)
    /// that also steps along z, each way (cubic: (+-1, 0, +-1) is 1/8 of its 1 + 2/8);
    /// the hops that leave (x, y) alone step along z, half each way.
    pub(crate) fn z_side_share(self) -> f64 {
        match self {
            Geometry::Cubic => (1.0 / 8.0) / (1.0 + 2.0 / 8.0),
            _ => 0.0,
        }
    }

    /// Weight of each of [`DIRECTIONS`] within a hop (they sum to 1): the in-plane
    /// projection of the geometry's neighbour shells, r^-6 weighted. cubic: (+-1, 0)
    /// gathers (+-1, 0, 0) and (+-1, 0, +-1), 1 + 2/8 of 7.5; the hops along z leave
    /// (x, y) alone.
    pub(crate) fn direction_weights(self) -> [f64; 9] {
        let (near, diagonal, still, total) = match self {
            Geometry::Paper => (1.0, 1.0 / 8.0, 0.0, 4.5),
            Geometry::Nn => (1.0, 0.0, 0.0, 4.0),
            Geometry::Cubic => (1.25, 1.0 / 8.0, 2.0, 7.5),
            Geometry::CubicNn => (1.0, 0.0, 2.0, 6.0),
        };
        let mut w = [near / total; 9];
        w[4..8].fill(diagonal / total);
        w[8] = still / total;
        w
    }
}

/// The in-plane steps (dx, dy) a hop may make, in the order of a state's outcome row:
/// the four nearest neighbours, the four diagonals, then a hop that leaves (x, y) alone
/// (cubic's hops along z).
pub const DIRECTIONS: [(i32, i32); 9] = [
    (1, 0),
    (-1, 0),
    (0, 1),
    (0, -1),
    (1, 1),
    (-1, -1),
    (1, -1),
    (-1, 1),
    (0, 0),
];

/// The `"image"` block: the emissions of `frames` frames from `frame` on (a camera's
/// exposure; one frame by default) over absolute (x, y), within a square of
/// `2 half_width_sites + 1` sites around the spot's centre.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSpec {
    /// First frame imaged.
    pub frame: u32,
    /// Frames imaged from `frame` on (the exposure; 1 by default).
    #[serde(default = "one_frame")]
    pub frames: u32,
    /// Half-width of the square, in sites each side of the centre (40 by default).
    #[serde(default = "default_image_half")]
    pub half_width_sites: u32,
}

fn one_frame() -> u32 {
    1
}

fn default_image_half() -> u32 {
    40
}

/// Widest image, in sites each side of the centre.
pub(crate) const MAX_IMAGE_HALF: u32 = 1000;

/// How state parameters are given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Units {
    /// Per-frame probabilities, the paper's convention: one outcome per frame.
    ProbabilityPerFrame,
    /// Rates in ns^-1: the continuous-time chain, sampled exactly (any number of events
    /// per frame; see [`crate::model`]).
    RatePerNs,
    /// Rates in ns^-1 turned into one outcome per frame by competing risks,
    /// p_i = (k_i / K)(1 - exp(-K dt)): not the chain (a hop uses up its frame, and D is
    /// capped at <dx^2>_hop a^2 / 2 dt). Kept, by this explicit name only, to reproduce
    /// runs made that way.
    RatePerNsCompetingRisks,
}

impl Units {
    /// The state table holds rates in ns^-1 (else probabilities per frame).
    pub(crate) fn is_rate(self) -> bool {
        self == Units::RatePerNs
    }
}

/// Per-frame probabilities of every state: the validated model every backend runs.
#[derive(Clone, Debug, PartialEq)]
pub struct StateTable {
    /// State names in the file's order: name s goes with entry s of every other field.
    pub names: Vec<String>,
    /// Radiative decay probability per frame of each state (a rate in ns^-1 with
    /// [`Units::RatePerNs`]).
    pub radiative: Vec<f64>,
    /// Nonradiative decay probability per frame of each state (a rate in ns^-1 with
    /// [`Units::RatePerNs`]).
    pub nonradiative: Vec<f64>,
    /// Total hop probability per frame (all neighbours together).
    pub hop: Vec<f64>,
    /// `to[s][s2]`: probability per frame of changing from s to s2 (0 on the diagonal).
    pub to: Vec<Vec<f64>>,
    /// Initial fraction of walkers in each state.
    pub initial: Vec<f64>,
    /// The depth classes of a trap with a distribution of depths, if the file has one.
    pub traps: Option<TrapClasses>,
    /// With a size spread and a `detailed_balance` change: its size classes, each with
    /// its own changes of state (the other fields are the mean size's, and every class's).
    pub sizes: Option<SizeClasses>,
}

/// The size classes of a landscape with a size spread (MODEL.md section 15): the
/// bright-dark splitting of every `detailed_balance` change scales as 1 / s, so each
/// class has its own changes of state; decays and hops are every class's.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeClasses {
    /// Per class, s_mean / s at its median size: the splitting's factor.
    pub scale: Vec<f64>,
    /// Per class, `to` (as [`StateTable::to`]) at its splitting.
    pub to: Vec<Vec<Vec<f64>>>,
}

/// A trap state given with `release` became `classes` states in a row from `first`
/// (MODEL.md section 15), class k released at its own rate. Without a landscape a
/// trapping event picks the class at random (1/K each: per visit); on a landscape every
/// change into the trap goes to class 0 of the table, and the walk moves it to the
/// class of the site (per site, from the site's hash).
#[derive(Clone, Debug, PartialEq)]
pub struct TrapClasses {
    /// Index of the first class state.
    pub first: usize,
    /// Number of classes K.
    pub classes: usize,
    /// Whether the class is the site's (a landscape) rather than drawn per visit.
    pub per_site: bool,
    /// The median depth of each class, meV.
    pub depths_mev: Vec<f64>,
}

impl TrapClasses {
    /// Which class (from 0) state `s` is, if it is one.
    pub fn class_of(&self, s: usize) -> Option<usize> {
        (self.first..self.first + self.classes)
            .contains(&s)
            .then(|| s - self.first)
    }
}

impl StateTable {
    /// A table of `names` with every probability (or rate) and population 0.
    pub fn zeros(names: &[String]) -> Self {
        let n = names.len();
        StateTable {
            names: names.to_vec(),
            radiative: vec![0.0; n],
            nonradiative: vec![0.0; n],
            hop: vec![0.0; n],
            to: vec![vec![0.0; n]; n],
            initial: vec![0.0; n],
            traps: None,
            sizes: None,
        }
    }

    /// Size classes: 1 without a size spread.
    pub fn size_classes(&self) -> usize {
        self.sizes.as_ref().map_or(1, |s| s.to.len())
    }

    /// The table of size class `k` (its own changes of state; the table itself
    /// without size classes).
    pub fn of_size_class(&self, k: usize) -> StateTable {
        let mut t = self.clone();
        if let Some(sizes) = t.sizes.take() {
            t.to = sizes.to[k].clone();
        }
        t
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the table has no state.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Index of the state called `name`, if there is one.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Everything that leaves state `s` (decays, hops, changes): a probability per frame
    /// or a rate, in the table's units.
    pub fn total_out(&self, s: usize) -> f64 {
        self.radiative[s] + self.nonradiative[s] + self.hop[s] + self.to[s].iter().sum::<f64>()
    }
}

/// A loaded, validated scenario: everything a backend needs for one point.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario's `name`.
    pub name: String,
    /// The file it was read from, named in errors.
    pub file: PathBuf,
    /// Hop geometry (neighbour shells).
    pub geometry: Geometry,
    /// Lattice pitch, nm: the NC centre-to-centre distance (`lattice.pitch_nm` or the
    /// sample's).
    pub pitch_nm: f64,
    /// Frame length, ps.
    pub dt_ps: f64,
    /// Frames each walker walks.
    pub frames: u32,
    /// Walkers to run.
    pub walkers: u64,
    /// Seed of the walkers' random streams (with the point's index, the point's key).
    pub seed: u64,
    /// How the file gave the state parameters.
    pub units: Units,
    /// Standard deviation of the Gaussian initial spot, sites.
    pub sigma_sites: f64,
    /// The validated states: per-frame probabilities, or rates in ns^-1 with
    /// [`Units::RatePerNs`], at `temperature_k`.
    pub states: StateTable,
    /// The nanocrystal sample (a preset or the file's own), when one is named.
    pub sample: Option<Sample>,
    /// Temperature, K (`temperature_K`), when given: temperature models are evaluated at it.
    pub temperature_k: Option<f64>,
    /// Keep the emission profile over absolute x per frame in results.
    pub record_profiles: bool,
    /// The virtual microscope, when the scenario has one: results gain the apparent MSD.
    pub microscope: Option<microscope::Microscope>,
    /// The energy landscape, voids and edges, when the scenario has one (the exact
    /// backend refuses it).
    pub landscape: Option<landscape::Landscape>,
    /// A 2D emission image of one frame, when asked for.
    pub image: Option<ImageSpec>,
    /// A train of pulses: the curves are the sums of delayed single-pulse responses.
    pub excitation: Option<excitation::PulseTrain>,
    /// Half-width of the displacement histograms; |dx| beyond goes to the overflow bin.
    pub max_dx_sites: u32,
    /// Also record the full occupancy histograms `O[t][s][dx]` (slower: a count per
    /// walker-frame); without it only their per-state moments are recorded.
    pub occupancy_profile: bool,
}

impl Scenario {
    /// The walk records emissions at absolute positions: for the profile in results
    /// (`record_profiles`) or for the microscope.
    pub(crate) fn records_positions(&self) -> bool {
        self.record_profiles
            || self.microscope.is_some()
            || self.image.is_some()
            || self.absolute_positions()
    }

    /// The emission profile (and image) is kept in results.
    pub fn keeps_profiles(&self) -> bool {
        self.record_profiles || self.image.is_some()
    }

    /// A finite lattice where start and displacement are not independent: the profile
    /// MSD sigma^2(t) - sigma^2(0) is reported beside the displacement MSD
    /// ([`landscape::Landscape::absolute_positions`]).
    pub(crate) fn absolute_positions(&self) -> bool {
        self.landscape
            .as_ref()
            .is_some_and(|l| l.absolute_positions())
    }

    /// Reads, parses and validates a scenario file without a sweep
    /// ([`crate::sweep::Plan::load`] takes both).
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        Self::from_value(&read_json(path)?, path)
    }

    /// Types and validates a scenario given as JSON; `file` is named in errors.
    pub fn from_value(value: &Value, file: &Path) -> Result<Self, ScenarioError> {
        if !value.is_object() {
            let found = match value {
                Value::Array(_) => "an array",
                Value::String(_) => "a string",
                Value::Number(_) => "a number",
                Value::Bool(_) => "a boolean",
                _ => "null",
            };
            return Err(ScenarioError::of(
                ScenarioErrorKind::WrongType,
                file,
                "",
                format!(
                    "a scenario is a JSON object {{\"name\": ..., \"states\": ...}}, found {found}"
                ),
            ));
        }
        let spec: schema::ScenarioFile =
            serde_path_to_error::deserialize(value).map_err(|e| json::schema_error(file, "", e))?;
        validate::validate(spec, file)
    }
}
