//! The sample a scenario names (a preset, a preset with overrides, or fully its own)
//! and the lattice pitch, which the sample may give.

use super::check::Check;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::json::schema_error;
use crate::scenario::schema::SampleFields;
use crate::temperature::{self, Sample};
use serde_json::Value;

/// A resolved sample and where its pitch came from, for a conflict's message.
pub(super) struct Resolved {
    pub(super) sample: Sample,
    /// The preset that gave the pitch, `None` when `sample.pitch_nm` did.
    pitch_preset: Option<String>,
}

/// `"sample": "5nm_SL"` or `{"preset": ..., "name": ..., "pitch_nm": ..., "splitting_meV": ..., "binding_meV": ...}`.
pub(super) fn resolve(c: Check, spec: Option<&Value>) -> Result<Option<Resolved>, ScenarioError> {
    let fields = match spec {
        None => return Ok(None),
        Some(Value::String(name)) => {
            return Ok(Some(Resolved {
                sample: preset(c, "sample", name)?,
                pitch_preset: Some(name.clone()),
            }))
        }
        Some(v @ Value::Object(_)) => serde_path_to_error::deserialize::<_, SampleFields>(v)
            .map_err(|e| schema_error(c.file, "sample", e))?,
        Some(other) => {
            return Err(c.fail(
                Kind::WrongType,
                "sample",
                format!(
                    "expected a preset name ({}) or an object {{\"preset\", \"name\", \"pitch_nm\", \"splitting_meV\", \"binding_meV\"}}, found {other}",
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
            binding_mev: None,
        },
    };
    if let Some(name) = &fields.name {
        sample.name = name.clone();
    }
    let mut pitch_preset = fields.preset.clone();
    if let Some(p) = fields.pitch_nm {
        sample.pitch_nm = c.positive("sample.pitch_nm", p)?;
        pitch_preset = None;
    }
    if let Some(e) = fields.splitting_mev {
        sample.splitting_mev = c.number("sample.splitting_meV", e)?;
    }
    if let Some(e) = fields.binding_mev {
        sample.binding_mev = Some(c.number("sample.binding_meV", e)?);
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
    Ok(Some(Resolved {
        sample,
        pitch_preset,
    }))
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

/// The NC centre-to-centre distance: `lattice.pitch_nm` or the sample's, which must
/// agree when both are given (one would otherwise be silently ignored).
pub(super) fn pitch(
    c: Check,
    lattice: Option<f64>,
    sample: Option<&Resolved>,
) -> Result<f64, ScenarioError> {
    let path = "lattice.pitch_nm";
    let p = match (lattice, sample) {
        (Some(p), _) => c.positive(path, p)?,
        (None, Some(s)) => return Ok(s.sample.pitch_nm),
        (None, None) => {
            return Err(c.fail(
                Kind::Missing,
                path,
                "missing: give the NC centre-to-centre distance in nm, or name a sample",
            ))
        }
    };
    let Some(s) = sample else { return Ok(p) };
    let theirs = s.sample.pitch_nm;
    if p == theirs {
        return Ok(p);
    }
    let reason = match &s.pitch_preset {
        Some(name) => format!(
            "{p} nm conflicts with the {theirs} nm pitch of sample preset {name:?}: leave lattice.pitch_nm out to use the preset's, or give the sample its own pitch with \"sample\": {{\"preset\": {name:?}, \"pitch_nm\": {p}}}"
        ),
        None => format!(
            "{p} nm conflicts with sample.pitch_nm = {theirs} nm: give the pitch once, in one of them"
        ),
    };
    Err(c.fail(Kind::Conflict, path, reason))
}
