//! The scenario file as serde reads it: one struct per JSON object, unknown fields
//! refused, counts that accept `1e6`, and optional numbers that refuse `null`.

use super::{Geometry, Units};
use crate::temperature::Param;
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

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
    pub(super) populations: Populations,
}

/// Initial split: fractions per state, or `"thermal"` (Boltzmann bright/dark at T).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum Populations {
    Fractions(IndexMap<String, f64>),
    Keyword(String),
}

/// `"sample": "5nm_SL"` or `{"preset": "5nm_SL", "splitting_meV": 14}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum SampleSpec {
    Preset(String),
    Custom(SampleFields),
}

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
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StateSpec {
    #[serde(default)]
    pub(super) radiative: Param,
    #[serde(default)]
    pub(super) nonradiative: Param,
    #[serde(default, deserialize_with = "present_param")]
    pub(super) fret: Option<Param>,
    #[serde(default, deserialize_with = "present_param")]
    pub(super) hop: Option<Param>,
    #[serde(default)]
    pub(super) to: IndexMap<String, Param>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HistogramSpec {
    #[serde(default, deserialize_with = "present_count_u32")]
    pub(super) max_dx_sites: Option<u32>,
    /// Record the full occupancy histograms O[t][s][dx], not only their moments.
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
    #[serde(default)]
    pub(super) sample: Option<SampleSpec>,
    #[serde(default, rename = "temperature_K", deserialize_with = "present_f64")]
    pub(super) temperature_k: Option<f64>,
    pub(super) lattice: LatticeSpec,
    pub(super) dt_ps: f64,
    #[serde(deserialize_with = "count_u32")]
    pub(super) frames: u32,
    #[serde(deserialize_with = "count_u64")]
    pub(super) walkers: u64,
    #[serde(deserialize_with = "count_u64")]
    pub(super) seed: u64,
    pub(super) units: Units,
    pub(super) initial: InitialSpec,
    pub(super) states: IndexMap<String, StateSpec>,
    #[serde(default)]
    pub(super) histogram: HistogramSpec,
    /// Keep the emission profile over absolute x per frame in results.json.
    #[serde(default)]
    pub(super) record_profiles: bool,
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

fn present_param<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Param>, D::Error> {
    Param::deserialize(d).map(Some)
}

fn present_count_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    count_u32(d).map(Some)
}

/// Accepts `1000000` and also `1e6` (an integral float), as physicists write counts;
/// every digit of a large seed is kept ([`super::counts`]).
fn count_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let n = serde_json::Number::deserialize(d)?;
    super::counts::count_from_json(&n, super::counts::CountRule::ANY)
        .map_err(serde::de::Error::custom)
}

fn count_u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = count_u64(d)?;
    u32::try_from(v)
        .map_err(|_| serde::de::Error::custom(format!("{v} is too large (at most {})", u32::MAX)))
}
