//! The scenario file as serde reads it: one struct per JSON object, unknown fields
//! refused, and optional values that refuse `null`. Counts, state parameters, the
//! sample and the populations stay JSON here: validation reads them, so that each of
//! their errors gets its own kind.

use super::{Geometry, Units};
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LatticeSpec {
    pub(super) geometry: Geometry,
    #[serde(default, deserialize_with = "present_f64")]
    pub(super) pitch_nm: Option<f64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InitialSpec {
    pub(super) sigma_sites: f64,
    /// Fractions per state, or `"thermal"` (Boltzmann bright/dark at T).
    pub(super) populations: Value,
}

/// The object form of `"sample"` (its string form is a preset's name).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SampleFields {
    #[serde(default)]
    pub(super) preset: Option<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default, deserialize_with = "present_f64")]
    pub(super) pitch_nm: Option<f64>,
    #[serde(default, deserialize_with = "present_f64", rename = "splitting_meV")]
    pub(super) splitting_mev: Option<f64>,
    #[serde(default, deserialize_with = "present_f64", rename = "binding_meV")]
    pub(super) binding_mev: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StateSpec {
    // Each a number or a temperature model (`temperature::Param`).
    #[serde(default, deserialize_with = "present_value")]
    pub(super) radiative: Option<Value>,
    #[serde(default, deserialize_with = "present_value")]
    pub(super) nonradiative: Option<Value>,
    #[serde(default, deserialize_with = "present_value")]
    pub(super) fret: Option<Value>,
    #[serde(default, deserialize_with = "present_value")]
    pub(super) hop: Option<Value>,
    #[serde(default)]
    pub(super) to: IndexMap<String, Value>,
    /// A trap state's release over a distribution of depths (MODEL.md section 15).
    #[serde(default)]
    pub(super) release: Option<ReleaseSpec>,
}

/// `states.T.release`: T is a trap, left for `to` at nu_0 exp(-E_t / kB T).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ReleaseSpec {
    /// The state a released exciton returns to.
    pub(super) to: String,
    /// nu_0: a number or a temperature model, in the scenario's units.
    pub(super) attempt: Value,
    pub(super) depth: crate::traps::Depths,
    #[serde(default)]
    pub(super) classes: Option<Number>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HistogramSpec {
    #[serde(default, deserialize_with = "present_number")]
    pub(super) max_dx_sites: Option<Number>,
    /// Record the full occupancy histograms `O[t][s][dx]`, not only their moments.
    #[serde(default)]
    pub(super) occupancy_profile: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScenarioFile {
    pub(super) name: String,
    #[serde(default)]
    #[allow(dead_code)] // free text for people; kept in the schema so it is accepted
    pub(super) comment: Option<Value>,
    /// A preset's name or a [`SampleFields`] object.
    #[serde(default)]
    pub(super) sample: Option<Value>,
    #[serde(default, rename = "temperature_K", deserialize_with = "present_f64")]
    pub(super) temperature_k: Option<f64>,
    pub(super) lattice: LatticeSpec,
    pub(super) dt_ps: f64,
    pub(super) frames: Number,
    pub(super) walkers: Number,
    pub(super) seed: Number,
    pub(super) units: Units,
    pub(super) initial: InitialSpec,
    pub(super) states: IndexMap<String, StateSpec>,
    #[serde(default)]
    pub(super) histogram: HistogramSpec,
    /// Keep the emission profile over absolute x per frame in results.json.
    #[serde(default)]
    pub(super) record_profiles: bool,
    /// The virtual microscope (MODEL.md section 10): the apparent MSD of every frame.
    #[serde(default)]
    pub(super) microscope: Option<super::microscope::Microscope>,
    /// Site energies, voids and a finite lattice (MODEL.md section 12).
    #[serde(default)]
    pub(super) landscape: Option<super::landscape::Landscape>,
    /// A 2D emission image of one frame.
    #[serde(default)]
    pub(super) image: Option<super::ImageSpec>,
    /// A train of laser pulses (MODEL.md section 15).
    #[serde(default)]
    pub(super) excitation: Option<super::excitation::ExcitationSpec>,
    /// Figures to draw from the results (see `figures.rs`).
    #[serde(default)]
    #[allow(dead_code)] // read by the sweep layer from the JSON, typed here for validation
    pub(super) figures: Vec<super::FigureKind>,
}

/// An optional number that, when present, must be a number: `null` is refused rather
/// than read as "absent" (a `"fret": null` left over from editing would silently stop hops).
fn present_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    f64::deserialize(d).map(Some)
}

/// An optional value whose `null` is kept, so that validation refuses it rather than
/// reading it as absent.
fn present_value<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

fn present_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Number>, D::Error> {
    Number::deserialize(d).map(Some)
}
