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
    pub kernel: Kernel,
    pub offset: f64,
}

/// The instrument response the model is convolved with. The convolutions are exact
/// integrals over the model's linear pieces, so the model stays continuous in t0 and
/// the width even across the excitation's step at t = 0.
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    /// None.
    Delta,
    /// A Gaussian of this sigma (ps), centred on t0.
    Gaussian(f64),
    /// A measured IRF as bins (from ps, to ps, weight), weights summing to 1.
    Bins(Vec<(f64, f64, f64)>),
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
            None => Kernel::Delta,
            Some(Response::Gaussian(fwhm)) => {
                let sigma = fwhm.at(theta) / (8.0 * std::f64::consts::LN_2).sqrt();
                if sigma > 0.0 {
                    Kernel::Gaussian(sigma)
                } else {
                    Kernel::Delta
                }
            }
            Some(Response::Measured(irf)) => Kernel::Bins(bins(irf)),
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

/// A measured IRF's samples as bins reaching halfway to their neighbours.
fn bins(irf: &Irf) -> Vec<(f64, f64, f64)> {
    let t = &irf.time_ps;
    let n = t.len() - 1;
    (0..=n)
        .map(|j| {
            let lo = if j > 0 {
                (t[j - 1] + t[j]) / 2.0
            } else {
                t[0] - (t[1] - t[0]) / 2.0
            };
            let hi = if j < n {
                (t[j] + t[j + 1]) / 2.0
            } else {
                t[n] + (t[n] - t[n - 1]) / 2.0
            };
            (lo, hi, irf.weight[j])
        })
        .collect()
}

/// A model curve ready to be read through an instrument: its values per frame, 0
/// before the excitation and linear between frame starts.
pub struct Prepared<'a> {
    curve: &'a [Option<f64>],
    dt: f64,
    /// The integral from 0 to each frame start (for a measured IRF's bins).
    cumulative: Vec<f64>,
}

impl<'a> Prepared<'a> {
    pub fn new(curve: &'a [Option<f64>], dt: f64, kernel: &Kernel) -> Prepared<'a> {
        let mut cumulative = Vec::new();
        if matches!(kernel, Kernel::Bins(_)) {
            let mut sum = 0.0;
            cumulative.push(0.0);
            for w in curve.windows(2) {
                let (Some(a), Some(b)) = (w[0], w[1]) else {
                    break;
                };
                sum += dt * (a + b) / 2.0;
                cumulative.push(sum);
            }
        }
        Prepared {
            curve,
            dt,
            cumulative,
        }
    }

    /// The curve at `t` (0 before the excitation).
    fn at(&self, t: f64) -> Option<f64> {
        if t < 0.0 {
            Some(0.0)
        } else {
            super::interpolate(self.curve, self.dt, t)
        }
    }

    /// The integral of the curve from 0 to `t`.
    fn integral(&self, t: f64) -> Option<f64> {
        if t <= 0.0 {
            return Some(0.0);
        }
        let k = (t / self.dt).floor() as usize;
        let c = *self.cumulative.get(k)?;
        let r = t - k as f64 * self.dt;
        let a = (*self.curve.get(k)?)?;
        if r == 0.0 {
            return Some(c);
        }
        let b = (*self.curve.get(k + 1)?)?;
        Some(c + a * r + (b - a) * r * r / (2.0 * self.dt))
    }

    /// The curve convolved with a Gaussian of `sigma`, at `t`: each linear piece
    /// c + m s over [s0, s1] contributes (c + m t)(Phi(z1) - Phi(z0)) + m sigma
    /// (phi(z0) - phi(z1)), z = (s - t) / sigma.
    fn gaussian(&self, t: f64, sigma: f64) -> Option<f64> {
        let (lo, hi) = (t - 8.0 * sigma, t + 8.0 * sigma);
        if hi <= 0.0 {
            return Some(0.0);
        }
        let first = (lo.max(0.0) / self.dt).floor() as usize;
        let last = (hi / self.dt).ceil() as usize;
        let cdf = |z: f64| 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
        let pdf = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let mut v = 0.0;
        for k in first..last {
            let (s0, s1) = (k as f64 * self.dt, (k + 1) as f64 * self.dt);
            let (fa, fb) = ((*self.curve.get(k)?)?, (*self.curve.get(k + 1)?)?);
            let slope = (fb - fa) / self.dt;
            let intercept = fa - slope * s0;
            let (z0, z1) = ((s0 - t) / sigma, (s1 - t) / sigma);
            v +=
                (intercept + slope * t) * (cdf(z1) - cdf(z0)) + slope * sigma * (pdf(z0) - pdf(z1));
        }
        Some(v)
    }
}

impl Applied {
    /// The observed value at `t_ps` of a prepared model curve (`peak`: the PL's
    /// maximum, for an intensity).
    pub fn value(&self, p: &Prepared, t_ps: f64, peak: Option<f64>) -> Option<f64> {
        let t = t_ps - self.t0_ps;
        let v = match &self.kernel {
            Kernel::Delta => p.at(t)?,
            Kernel::Gaussian(sigma) => p.gaussian(t, *sigma)?,
            Kernel::Bins(bins) => {
                let mut v = 0.0;
                for &(lo, hi, w) in bins {
                    v += w * (p.integral(t - lo)? - p.integral(t - hi)?) / (hi - lo);
                }
                v
            }
        };
        Some(match peak {
            Some(p) => self.scale * v / p + self.background,
            None => v + self.offset,
        })
    }

    /// The latest model time the data need: the last measured time less t0, plus the
    /// IRF's reach.
    pub fn latest(&self, t_ps: f64) -> f64 {
        let reach = match &self.kernel {
            Kernel::Delta => 0.0,
            Kernel::Gaussian(sigma) => 8.0 * sigma,
            Kernel::Bins(b) => -b.iter().map(|b| b.0).fold(f64::INFINITY, f64::min).min(0.0),
        };
        t_ps - self.t0_ps + reach
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
            // NaN: a scale to be started from the data.
            let inside = initial.is_nan() || (bounds.min..=bounds.max).contains(&initial);
            if bounds.min >= bounds.max || bounds.min.is_nan() || bounds.max.is_nan() || !inside {
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
            // A Gaussian's width starts nowhere useful at 0: the model is flat in it there.
            Some(Value::String(s)) if s == "free" && knob == Knob::IrfFwhm => Err(self.err(
                key,
                "a free IRF width needs a starting value: {\"initial\": 60, \"min\": 1}".into(),
            )),
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
        // A step of 1 from t = 0 through a 100 ps FWHM: at t0 the value is 1/2, one
        // sigma later Phi(1), exactly (the pieces are integrated, not sampled).
        let curve: Vec<Option<f64>> = vec![Some(1.0); 400];
        let inst = Instrument {
            irf: Some(Response::Gaussian(Setting::Fixed(100.0))),
            t0: Setting::Fixed(50.0),
            ..Instrument::none()
        };
        let a = inst.at(&[]);
        let p = Prepared::new(&curve, 25.0, &a.kernel);
        let sigma = 100.0 / (8.0 * std::f64::consts::LN_2).sqrt();
        let at = |t: f64| a.value(&p, t, None).unwrap();
        assert!((at(50.0) - 0.5).abs() < 1e-12, "{}", at(50.0));
        let phi1 = 0.841_344_746_068_542_9;
        assert!(
            (at(50.0 + sigma) - phi1).abs() < 1e-12,
            "{} vs {phi1}",
            at(50.0 + sigma)
        );
        assert!(at(50.0 - 9.0 * sigma).abs() < 1e-15);
    }

    #[test]
    fn a_measured_irf_of_one_bin_averages_the_curve_over_it() {
        // A ramp f(t) = t through a bin [-10, 10] ps: the average over the bin is t.
        let curve: Vec<Option<f64>> = (0..100).map(|k| Some(f64::from(k) * 25.0)).collect();
        let a = Applied {
            scale: 1.0,
            background: 0.0,
            t0_ps: 0.0,
            kernel: Kernel::Bins(vec![(-10.0, 10.0, 1.0)]),
            offset: 0.0,
        };
        let p = Prepared::new(&curve, 25.0, &a.kernel);
        for t in [30.0, 137.5, 1000.0] {
            let v = a.value(&p, t, None).unwrap();
            assert!((v - t).abs() < 1e-9, "{v} at {t}");
        }
        // Straddling the excitation: (1/20) * integral of s from 0 to 5 = 0.625.
        let v = a.value(&p, -5.0, None).unwrap();
        assert!((v - 0.625).abs() < 1e-12, "{v}");
    }
}
