//! What the instrument adds to the model, per dataset: an intensity `scale` and
//! `background` (raw counts are fitted as they are), a time offset `t0_ps` (the data's
//! clock against the excitation), the instrument response (`irf`: a Gaussian FWHM or a
//! measured IRF file) convolved with the PL, and an MSD `offset_nm2` (sigma^2(0) is
//! never known exactly). Each is a number (fixed) or free, as `free`'s entries are.
//!
//! The PL model of a dataset at time t is
//! `scale * sum_j w_j I(t - t0 - tau_j) / max_k I_k + background`, where I is the exact
//! backend's PL (linear between frame starts, 0 before the excitation) and (tau_j, w_j)
//! the IRF (one point at 0 without one): `scale` is the signal at the model's peak in
//! the data's units. The MSD model is `MSD(t - t0) + offset_nm2`.

use super::data::{read_irf, Irf};
use super::{Bounds, FitError, Free, Observable, Target};
use serde_json::Value;
use std::path::Path;

/// An instrument parameter of a dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Knob {
    Scale,
    Background,
    T0,
    IrfFwhm,
    Offset,
}

impl Knob {
    /// Its key in the dataset's entry.
    pub fn key(self) -> &'static str {
        match self {
            Knob::Scale => "scale",
            Knob::Background => "background",
            Knob::T0 => "t0_ps",
            Knob::IrfFwhm => "irf.fwhm_ps",
            Knob::Offset => "offset_nm2",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            Knob::Scale | Knob::Background => "data units",
            Knob::T0 | Knob::IrfFwhm => "ps",
            Knob::Offset => "nm²",
        }
    }
}

/// A knob's value: fixed, or the index of a free parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Setting {
    Fixed(f64),
    Free(usize),
}

impl Setting {
    fn at(self, theta: &[f64]) -> f64 {
        match self {
            Setting::Fixed(v) => v,
            Setting::Free(i) => theta[i],
        }
    }
}

/// The instrument response.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// A Gaussian of this FWHM (ps), centred on t0.
    Gaussian(Setting),
    /// A measured IRF, on the data's clock.
    Measured(Irf),
}

/// A dataset's instrument: what applies to its observable (`None`: does not apply).
#[derive(Clone, Debug, PartialEq)]
pub struct Instrument {
    pub scale: Option<Setting>,
    pub background: Option<Setting>,
    pub t0: Setting,
    pub irf: Option<Response>,
    pub offset: Option<Setting>,
}

/// An instrument at given parameters: what the model curve goes through.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub scale: f64,
    pub background: f64,
    pub t0_ps: f64,
    /// (delay ps, weight) with weights summing to 1.
    pub kernel: Vec<(f64, f64)>,
    pub offset: f64,
}

impl Instrument {
    /// Nothing added: the model as the exact backend gives it (the PL at its peak 1).
    pub fn none() -> Instrument {
        Instrument {
            scale: None,
            background: None,
            t0: Setting::Fixed(0.0),
            irf: None,
            offset: None,
        }
    }

    pub fn at(&self, theta: &[f64]) -> Applied {
        let kernel = match &self.irf {
            None => vec![(0.0, 1.0)],
            Some(Response::Gaussian(fwhm)) => gaussian_kernel(fwhm.at(theta)),
            Some(Response::Measured(irf)) => irf
                .time_ps
                .iter()
                .copied()
                .zip(irf.weight.iter().copied())
                .collect(),
        };
        Applied {
            scale: self.scale.map_or(1.0, |s| s.at(theta)),
            background: self.background.map_or(0.0, |s| s.at(theta)),
            t0_ps: self.t0.at(theta),
            kernel,
            offset: self.offset.map_or(0.0, |s| s.at(theta)),
        }
    }
}

/// A Gaussian of `fwhm` ps sampled at a fifth of its sigma over +-4 sigma (the
/// trapezoid rule on a Gaussian is exact to ~1e-10 there); a delta below 1e-9 ps.
fn gaussian_kernel(fwhm: f64) -> Vec<(f64, f64)> {
    let sigma = fwhm / (8.0 * std::f64::consts::LN_2).sqrt();
    if !(sigma > 1e-9) {
        return vec![(0.0, 1.0)];
    }
    let h = sigma / 5.0;
    let w: Vec<(f64, f64)> = (-20..=20)
        .map(|j| {
            let tau = f64::from(j) * h;
            (tau, (-0.5 * (tau / sigma).powi(2)).exp())
        })
        .collect();
    let sum: f64 = w.iter().map(|p| p.1).sum();
    w.into_iter().map(|(t, v)| (t, v / sum)).collect()
}

impl Applied {
    /// The observed value at `t_ps` of a model `curve` (one value per frame of
    /// `dt_ps`; `peak`: the PL's maximum, for an intensity).
    pub fn value(
        &self,
        curve: &[Option<f64>],
        dt_ps: f64,
        t_ps: f64,
        peak: Option<f64>,
    ) -> Option<f64> {
        let mut v = 0.0;
        for &(tau, w) in &self.kernel {
            let t = t_ps - self.t0_ps - tau;
            // Before the excitation there is no light and no displacement.
            let at = if t < 0.0 {
                0.0
            } else {
                super::interpolate(curve, dt_ps, t)?
            };
            v += w * at;
        }
        Some(match peak {
            Some(p) => self.scale * v / p + self.background,
            None => v + self.offset,
        })
    }

    /// The latest model time the data need: the last measured time less t0 and the
    /// IRF's earliest delay.
    pub fn latest(&self, t_ps: f64) -> f64 {
        let earliest = self
            .kernel
            .iter()
            .map(|k| k.0)
            .fold(f64::INFINITY, f64::min);
        t_ps - self.t0_ps - earliest.min(0.0)
    }
}

/// One knob of a dataset's entry: a number (fixed) or `"free"` or
/// `{"initial", "min", "max"}` (free; `default_free` when absent).
struct Spec<'a> {
    fit_file: &'a Path,
    at: String,
    dataset: usize,
}

impl Spec<'_> {
    fn err(&self, key: &str, reason: String) -> FitError {
        FitError::Spec {
            file: self.fit_file.to_path_buf(),
            path: format!("{}.{key}", self.at),
            reason,
        }
    }

    /// `default`: the setting when absent (`Err(bounds)`: free from an automatic start).
    fn knob(
        &self,
        knob: Knob,
        value: Option<&Value>,
        default: Result<f64, Bounds>,
        free: &mut Vec<Free>,
    ) -> Result<Setting, FitError> {
        let key = knob.key();
        let mut push = |initial: f64, bounds: Bounds| -> Result<Setting, FitError> {
            if !(bounds.min < bounds.max)
                || !(bounds.min..=bounds.max).contains(&initial) && !initial.is_nan()
            {
                return Err(self.err(
                    key,
                    format!(
                        "initial {initial} is not inside [{}, {}]",
                        bounds.min, bounds.max
                    ),
                ));
            }
            free.push(Free {
                path: format!("{}.{key}", self.at),
                initial,
                bounds,
                unit: knob.unit().into(),
                target: Target::Instrument(self.dataset, knob),
            });
            Ok(Setting::Free(free.len() - 1))
        };
        let auto = if knob == Knob::Scale { f64::NAN } else { 0.0 };
        match value {
            None => match default {
                Ok(v) => Ok(Setting::Fixed(v)),
                Err(b) => push(f64::NAN, b),
            },
            Some(Value::Number(n)) => Ok(Setting::Fixed(n.as_f64().unwrap_or(f64::NAN))),
            Some(Value::String(s)) if s == "free" => push(auto, default.err().unwrap_or(Bounds::FREE)),
            Some(Value::Object(o)) => {
                let num = |k: &str| -> Result<Option<f64>, FitError> {
                    match o.get(k) {
                        None => Ok(None),
                        Some(Value::Number(n)) => Ok(n.as_f64()),
                        Some(v) => Err(self.err(&format!("{key}.{k}"), format!("`{v}` is not a number"))),
                    }
                };
                if let Some(k) = o.keys().find(|k| !["initial", "min", "max"].contains(&k.as_str())) {
                    return Err(self.err(&format!("{key}.{k}"), "unknown field (expected initial, min, max)".into()));
                }
                let initial = match num("initial")? {
                    Some(v) => v,
                    None if knob == Knob::Scale => f64::NAN,
                    None => return Err(self.err(key, "a free instrument parameter needs an `initial` value".into())),
                };
                let lo = default.err().map_or(f64::NEG_INFINITY, |b| b.min);
                let bounds = Bounds {
                    min: num("min")?.unwrap_or(lo),
                    max: num("max")?.unwrap_or(f64::INFINITY),
                };
                push(initial, bounds)
            }
            Some(v) => Err(self.err(key, format!("`{v}`: a number (fixed), \"free\", or {{\"initial\": .., \"min\": .., \"max\": ..}}"))),
        }
    }
}

/// The instrument entries of dataset `i` (`entry`: its JSON object), refusing the knobs
/// its observable has not; free knobs are appended to `free`.
pub(super) fn parse(
    fit_file: &Path,
    dir: &Path,
    i: usize,
    observable: Observable,
    entry: &serde_json::Map<String, Value>,
    free: &mut Vec<Free>,
) -> Result<Instrument, FitError> {
    let spec = Spec {
        fit_file,
        at: format!("datasets[{i}]"),
        dataset: i,
    };
    let intensity = observable == Observable::Intensity;
    let only = |key: &str, ok: bool, why: &str| -> Result<(), FitError> {
        if !ok && entry.contains_key(key) {
            return Err(spec.err(
                key,
                format!(
                    "not for a `{}` dataset: {why}",
                    serde_json::to_value(observable)
                        .unwrap_or_default()
                        .as_str()
                        .unwrap_or("")
                ),
            ));
        }
        Ok(())
    };
    only(
        "scale",
        intensity,
        "an MSD has no amplitude (offset_nm2 is its baseline)",
    )?;
    only(
        "background",
        intensity,
        "an MSD has no background (offset_nm2 is its baseline)",
    )?;
    only(
        "irf",
        intensity,
        "the instrument response blurs a PL decay; an MSD's time resolution is its frames",
    )?;
    only(
        "offset_nm2",
        !intensity,
        "a PL has a `background`, not an MSD offset",
    )?;
    let positive = Bounds {
        min: 0.0,
        max: f64::INFINITY,
    };
    let mut inst = Instrument::none();
    inst.t0 = spec.knob(Knob::T0, entry.get("t0_ps"), Ok(0.0), free)?;
    if intensity {
        inst.scale = Some(spec.knob(Knob::Scale, entry.get("scale"), Err(positive), free)?);
        inst.background =
            Some(spec.knob(Knob::Background, entry.get("background"), Ok(0.0), free)?);
        inst.irf = match entry.get("irf") {
            None => None,
            Some(Value::Object(o)) => match (o.get("fwhm_ps"), o.get("file"), o.len()) {
                (Some(f), None, 1) => Some(Response::Gaussian(spec.knob(Knob::IrfFwhm, Some(f), Err(positive), free)?)),
                (None, Some(Value::String(file)), 1) => Some(Response::Measured(read_irf(&dir.join(file))?)),
                _ => return Err(spec.err("irf", "one of {\"fwhm_ps\": 60} (a Gaussian) or {\"file\": \"irf.csv\"} (measured: time_ps,counts)".into())),
            },
            Some(v) => return Err(spec.err("irf", format!("`{v}`: {{\"fwhm_ps\": 60}} or {{\"file\": \"irf.csv\"}}"))),
        };
    } else {
        inst.offset = Some(spec.knob(Knob::Offset, entry.get("offset_nm2"), Ok(0.0), free)?);
    }
    Ok(inst)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gaussian_response_blurs_a_step_into_its_error_function() {
        // A step of 1 from t = 0 on a fine frame grid, through a 100 ps FWHM: at t0 the
        // value is 1/2, one sigma later Phi(1).
        let curve: Vec<Option<f64>> = vec![Some(1.0); 400];
        let inst = Instrument {
            irf: Some(Response::Gaussian(Setting::Fixed(100.0))),
            t0: Setting::Fixed(50.0),
            ..Instrument::none()
        };
        let a = inst.at(&[]);
        let sigma = 100.0 / (8.0 * std::f64::consts::LN_2).sqrt();
        let at = |t: f64| a.value(&curve, 1.0, t, None).unwrap();
        assert!((at(50.0) - 0.5).abs() < 0.05, "{}", at(50.0));
        let phi1 = 0.841_344_746;
        assert!(
            (at(50.0 + sigma) - phi1).abs() < 0.05,
            "{} vs {phi1}",
            at(50.0 + sigma)
        );
        assert!(at(50.0 - 5.0 * sigma).abs() < 1e-12);
    }
}
