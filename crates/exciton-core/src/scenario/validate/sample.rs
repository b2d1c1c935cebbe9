//! The sample a scenario names (a preset, a preset with overrides, or fully its own)
//! and the lattice pitch, which the sample may give.

use super::check::Check;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::json::schema_error;
use crate::scenario::schema::SampleFields;
use crate::temperature::{self, Sample};
use serde_json::Value;

/// A resolved sample.
pub(super) struct Resolved {
    pub(super) sample: Sample,
}

/// `"sample": "5nm_SL"` or `{"preset": ..., "name": ..., "pitch_nm": ..., "splitting_meV": ...}`.
pub(super) fn resolve(c: Check, spec: Option<&Value>) -> Result<Option<Resolved>, ScenarioError> {
    let fields = match spec {
        None => return Ok(None),
        Some(Value::String(name)) => {
            return Ok(Some(Resolved {
                sample: preset(c, "sample", name)?,
            }))
        }
        Some(v @ Value::Object(_)) => serde_path_to_error::deserialize::<_, SampleFields>(v)
            .map_err(|e| schema_error(c.file, "sample", e))?,
        Some(other) => {
            return Err(c.fail(
                Kind::WrongType,
                "sample",
                format!(
                    "expected a preset name ({}) or an object {{\"preset\", \"name\", \"pitch_nm\", \"splitting_meV\"}}, found {other}",
                    temperature::PRESET_NAMES.join(", ")
                ),
            ))
        }
    };
    let mut sample = match &fields.preset {
        Some(name) => preset(c, "sample.preset", name)?,
        None => Sample {
            name: String::new(),
            pitch_nm: f64::NAN,
            splitting_mev: f64::NAN,
            measured_tau_bright_ps: None,
            measured_tau_dark_ps: None,
            measured_bright_photon_fraction: None,
        },
    };
    if let Some(name) = &fields.name {
        sample.name = name.clone();
    }
    if let Some(p) = fields.pitch_nm {
        sample.pitch_nm = c.positive("sample.pitch_nm", p)?;
    }
    if let Some(e) = fields.splitting_mev {
        sample.splitting_mev = c.number("sample.splitting_meV", e)?;
    }
    for (field, v) in [
        ("pitch_nm", sample.pitch_nm),
        ("splitting_meV", sample.splitting_mev),
    ] {
        if v.is_nan() {
            return Err(c.fail(
                Kind::Missing,
                &format!("sample.{field}"),
                format!("missing: no preset gives it; name a `preset` or give `{field}`"),
            ));
        }
    }
    Ok(Some(Resolved { sample }))
}

fn preset(c: Check, path: &str, name: &str) -> Result<Sample, ScenarioError> {
    temperature::preset(name).ok_or_else(|| {
        c.fail(
            Kind::UnknownSample,
            path,
            format!(
                "unknown sample preset {name:?} (presets: {})",
                temperature::PRESET_NAMES.join(", ")
            ),
        )
    })
}

/// The NC centre-to-centre distance: `lattice.pitch_nm`, else the sample's.
pub(super) fn pitch(
    c: Check,
    lattice: Option<f64>,
    sample: Option<&Resolved>,
) -> Result<f64, ScenarioError> {
    let path = "lattice.pitch_nm";
    match (lattice, sample) {
        (Some(p), _) => c.positive(path, p),
        (None, Some(s)) => Ok(s.sample.pitch_nm),
        (None, None) => Err(c.fail(
            Kind::Missing,
            path,
            "missing: give the NC centre-to-centre distance in nm, or name a sample",
        )),
    }
}
