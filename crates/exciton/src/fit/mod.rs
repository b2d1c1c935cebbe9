//! `exciton-mc fit`: rates from measured curves (MODEL.md section 11). Measured MSD,
//! apparent MSD or PL decay, at one or several conditions (each dataset with its own
//! `set` overrides, e.g. a temperature), share free parameters addressed by their
//! scenario path; weighted least squares on the exact backend (Levenberg-Marquardt with
//! bounds, [`exciton_core::lsq`]), then a Monte Carlo run at the best values as a check.

pub mod check;
pub(crate) mod csv;
mod data;
pub mod instrument;
mod model;
pub mod report;
mod solve;
mod spec;
pub mod verdict;

pub use check::CheckWalkers;
pub use data::{interpolate, read_measured, Measured, Observable};
pub use instrument::{Instrument, Knob};
pub(crate) use model::{expected_curves, model_values};
use model::{not_free, CurveCache};
pub use solve::Outcome;

use exciton_core::lsq::Bounds;
use exciton_core::observables::Curves;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::set_path;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What can stop a fit before it starts, naming the file and the field or line.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("{}: {path}: {reason}", file.display())]
    Spec {
        file: PathBuf,
        path: String,
        reason: String,
    },
    #[error("{}{}: {reason}", file.display(), if *line > 0 { format!(": line {line}") } else { String::new() })]
    Data {
        file: PathBuf,
        line: usize,
        reason: String,
    },
    #[error(transparent)]
    Run(#[from] crate::error::Error),
}

/// One measured curve, the conditions it was measured at and its instrument.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub file: PathBuf,
    pub label: String,
    pub observable: Observable,
    pub set: IndexMap<String, Value>,
    pub measured: Measured,
    pub instrument: Instrument,
}

impl Dataset {
    /// Point `j`'s standard error; 1 for every point of a file without an error column
    /// (the covariance is then scaled by chi2 / dof).
    pub fn sigma(&self, j: usize) -> f64 {
        self.measured.error.as_ref().map_or(1.0, |e| e[j])
    }

    /// The weighted residuals (model - data) / error of `model` at the measured times.
    pub fn residuals<'a>(&'a self, model: &'a [f64]) -> impl Iterator<Item = f64> + 'a {
        model
            .iter()
            .zip(&self.measured.value)
            .enumerate()
            .map(|(j, (m, y))| (m - y) / self.sigma(j))
    }
}

/// What a free parameter moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The scenario's number at `path`.
    Scenario,
    /// A dataset's instrument.
    Instrument(usize, Knob),
}

/// A free parameter: its scenario path (or `datasets[i].knob`), starting value, bounds
/// and unit.
#[derive(Clone, Debug)]
pub struct Free {
    pub path: String,
    pub initial: f64,
    pub bounds: Bounds,
    pub unit: String,
    pub target: Target,
}

/// A fit, loaded and checked.
#[derive(Clone, Debug)]
pub struct Fit {
    pub file: PathBuf,
    pub scenario_file: PathBuf,
    /// The scenario as read (no sweep).
    pub base: Value,
    pub datasets: Vec<Dataset>,
    /// The scenario's free numbers (in `free`'s order), then the datasets' free
    /// instrument parameters.
    pub free: Vec<Free>,
    pub starts: u32,
    pub check_walkers: CheckWalkers,
    cache: CurveCache,
}

fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, part| cur.get(part))
}

impl Fit {
    /// Reads FIT.json, its scenario and its datasets (paths relative to FIT.json).
    pub fn load(file: &Path) -> Result<Fit, FitError> {
        let text = std::fs::read_to_string(file).map_err(|e| FitError::Spec {
            file: file.to_path_buf(),
            path: String::new(),
            reason: format!("cannot read it ({e})"),
        })?;
        Fit::parse(&text, file, file.parent().unwrap_or(Path::new(".")))
    }

    /// A fit file's `text`, named `file` in errors, its paths relative to `dir`.
    pub fn parse(text: &str, file: &Path, dir: &Path) -> Result<Fit, FitError> {
        let spec = spec::read(text, file)?;
        let spec_err = |path: &str, reason: String| spec::error(file, path, reason);
        let scenario_file = dir.join(&spec.scenario);
        let base = exciton_core::scenario::read_json(&scenario_file)
            .map_err(|e| spec_err("scenario", e.to_string()))?;
        if base.get("sweep").is_some() {
            return Err(spec_err(
                "scenario",
                format!(
                    "{} has a sweep: a fit sets each dataset's conditions with `set`",
                    scenario_file.display()
                ),
            ));
        }
        let check_walkers = CheckWalkers::parse(&spec.check_walkers)
            .map_err(|reason| spec_err("check_walkers", reason))?;
        let mut free = spec::scenario_free(&spec, &base, file)?;
        let mut datasets = Vec::new();
        for (i, d) in spec.datasets.into_iter().enumerate() {
            let data_file = dir.join(&d.file);
            let measured = read_measured(&data_file, d.observable)?;
            let instrument = instrument::parse(
                file,
                dir,
                i,
                d.observable,
                &d.instrument_entries(),
                &mut free,
            )?;
            datasets.push(Dataset {
                file: data_file,
                label: d.label(),
                observable: d.observable,
                set: d.set,
                measured,
                instrument,
            });
        }
        let mut fit = Fit {
            file: file.to_path_buf(),
            scenario_file,
            base,
            cache: CurveCache::new(datasets.len()),
            datasets,
            free,
            starts: spec.starts,
            check_walkers,
        };
        fit.check_paths()?;
        fit.check_dependence()?;
        fit.start_scales();
        Ok(fit)
    }

    /// Every free path exists in every dataset's scenario as a number, every scenario
    /// is valid at the initial values, and every observable can come from it.
    fn check_paths(&self) -> Result<(), FitError> {
        let initial = self.initial();
        let spec_err = |path: String, reason: String| spec::error(&self.file, &path, reason);
        for (i, d) in self.datasets.iter().enumerate() {
            let mut v = self.base.clone();
            for (path, value) in &d.set {
                set_path(&mut v, path, value.clone())
                    .map_err(|reason| spec_err(format!("datasets[{i}].set.{path}"), reason))?;
            }
            for f in self.free.iter().filter(|f| f.target == Target::Scenario) {
                let at = format!("free.{}", f.path);
                if let Some(why) = not_free(&f.path) {
                    return Err(spec_err(at, format!("cannot be a free parameter: {why}")));
                }
                match get_path(&v, &f.path) {
                    None => {
                        return Err(spec_err(
                            at,
                            format!(
                                "no such field in {} (write it there with a starting value)",
                                self.scenario_file.display()
                            ),
                        ))
                    }
                    Some(Value::Number(_)) => {}
                    Some(other) => return Err(spec_err(at, model::not_a_number(&f.path, other))),
                }
            }
            let s = self
                .scenario(d, &initial)
                .map_err(|e| spec_err(format!("datasets[{i}]"), e))?;
            if s.landscape.as_ref().is_some_and(|l| l.size.is_none()) {
                // The master equation needs a finite film: its refusal says which.
                expected_curves(&s)
                    .map_err(|e| spec_err(format!("datasets[{i}]"), e.to_string()))?;
            }
            if d.observable == Observable::ApparentMsd && s.microscope.is_none() {
                return Err(spec_err(
                    format!("datasets[{i}].observable"),
                    format!("apparent_msd is what the virtual microscope reports, and {} has no `microscope` block: add one (README \"The virtual microscope and fitting rates\"), or fit the data as `msd` if they are the emissions' MSD", self.scenario_file.display()),
                ));
            }
            // Under a pulse train the model's curves hold one period (or less).
            let frames = s.excitation.map_or(s.frames, |t| t.frames_out(s.frames));
            if s.excitation.is_some()
                && (d.instrument.irf.is_some()
                    || d.instrument.t0 != instrument::Setting::Fixed(0.0))
            {
                return Err(spec_err(
                    format!("datasets[{i}]"),
                    format!("{} has a pulse train (`excitation`), whose signal before t = 0 is the earlier pulses' tail: an instrument response or a t0 shift would need the model wrapped round the period, which fits do not do yet; fix t0 at 0 and leave out the IRF", self.scenario_file.display()),
                ));
            }
            let last = f64::from(frames.saturating_sub(1)) * s.dt_ps;
            if let Some(&t) = d.measured.time_ps.last() {
                let need = d.instrument.at(&initial).latest(t);
                if need > last {
                    let reason = match s.excitation {
                        Some(_) => format!("measured up to {t} ps, but under the scenario's pulse train the model covers one period after a pulse, to {last} ps: fit one period (or raise frames to pulses x period)"),
                        None => format!("measured up to {t} ps, which needs the model at {need} ps, beyond the scenario's last frame at {last} ps: raise frames"),
                    };
                    return Err(FitError::Data {
                        file: d.file.clone(),
                        line: 0,
                        reason,
                    });
                }
            }
        }
        Ok(())
    }

    /// Refuses a scenario parameter that no dataset's model depends on at the initial
    /// values (the exact backend does not use it here: the displacement MSD does not
    /// see the initial spot, the PL does not see a hop, ...): the fit could not tell
    /// it from any other value.
    fn check_dependence(&self) -> Result<(), FitError> {
        let initial = self.initial();
        let base: Vec<Option<Vec<f64>>> = self
            .datasets
            .iter()
            .map(|d| self.model(d, &initial))
            .collect();
        for (k, f) in self.free.iter().enumerate() {
            if f.target != Target::Scenario {
                continue;
            }
            let x = f.initial;
            let step = 1e-3 * x.abs().max(1e-3);
            let moved = if x + step <= f.bounds.max {
                x + step
            } else {
                x - step
            };
            let mut theta = initial.clone();
            theta[k] = moved;
            let changes = self
                .datasets
                .iter()
                .zip(&base)
                .any(|(d, b)| self.model(d, &theta).as_ref() != b.as_ref());
            if !changes {
                return Err(FitError::Spec {
                    file: self.file.clone(),
                    path: format!("free.{}", f.path),
                    reason: format!(
                        "no dataset's model changes when it moves from {x} to {moved}: the exact backend does not use it for these observables{}, so the data cannot determine it; fix it in the scenario",
                        model::unused_hint(&f.path)
                    ),
                });
            }
        }
        Ok(())
    }

    /// Free intensity scales without a starting value start from the least-squares
    /// scale of the model at the other initial values.
    fn start_scales(&mut self) {
        let initial = self.initial();
        for k in 0..self.free.len() {
            if !self.free[k].initial.is_nan() {
                continue;
            }
            let Target::Instrument(i, Knob::Scale) = self.free[k].target else {
                continue;
            };
            let d = &self.datasets[i];
            let mut one = initial.clone();
            one[k] = 1.0;
            let mut zero = initial.clone();
            zero[k] = 0.0;
            let start = match (self.model(d, &one), self.model(d, &zero)) {
                (Some(u), Some(b)) => {
                    let (mut num, mut den) = (0.0, 0.0);
                    for (j, y) in d.measured.value.iter().enumerate() {
                        let w = d.sigma(j).powi(-2);
                        let shape = u[j] - b[j];
                        num += w * shape * (y - b[j]);
                        den += w * shape * shape;
                    }
                    num / den
                }
                _ => f64::NAN,
            };
            let peak = d
                .measured
                .value
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            self.free[k].initial = if start.is_finite() && start > 0.0 {
                start
            } else if peak > 0.0 {
                peak
            } else {
                1.0
            };
        }
    }

    /// The initial values, in the order of `free`.
    pub fn initial(&self) -> Vec<f64> {
        self.free.iter().map(|f| f.initial).collect()
    }

    /// Dataset `d`'s scenario at parameters `theta`.
    pub fn scenario(&self, d: &Dataset, theta: &[f64]) -> Result<Scenario, String> {
        let mut v = self.base.clone();
        for (path, value) in &d.set {
            set_path(&mut v, path, value.clone())?;
        }
        for (f, &x) in self.free.iter().zip(theta) {
            if f.target == Target::Scenario {
                set_path(&mut v, &f.path, Value::from(x))?;
            }
        }
        Scenario::from_value(&v, &self.scenario_file).map_err(|e| e.to_string())
    }

    /// Dataset `d`'s scenario and its exact curves at `theta` (the last ones of each
    /// dataset are kept: an instrument parameter's step does not recompute them).
    pub fn curves(&self, d: &Dataset, theta: &[f64]) -> Option<std::sync::Arc<(Scenario, Curves)>> {
        let i = self.datasets.iter().position(|x| std::ptr::eq(x, d));
        let key: Vec<f64> = self
            .free
            .iter()
            .zip(theta)
            .filter(|(f, _)| f.target == Target::Scenario)
            .map(|(_, &x)| x)
            .collect();
        if let Some(hit) = i.and_then(|i| self.cache.get(i, &key)) {
            return Some(hit);
        }
        let s = self.scenario(d, theta).ok()?;
        let c = expected_curves(&s).ok()?;
        let both = std::sync::Arc::new((s, c));
        if let Some(i) = i {
            self.cache.put(i, key, both.clone());
        }
        Some(both)
    }

    /// The exact backend's value of dataset `d`'s observable at its measured times,
    /// through its instrument.
    pub fn model(&self, d: &Dataset, theta: &[f64]) -> Option<Vec<f64>> {
        let both = self.curves(d, theta)?;
        let (s, c) = &*both;
        model_values(d, s, c, 0, &d.instrument.at(theta))
    }

    /// Weighted residuals of every dataset, (model - data) / error.
    pub fn residuals(&self, theta: &[f64]) -> Option<Vec<f64>> {
        let mut r = Vec::new();
        for d in &self.datasets {
            let m = self.model(d, theta)?;
            r.extend(d.residuals(&m));
        }
        Some(r)
    }

    /// Data points in all.
    pub fn points(&self) -> usize {
        self.datasets.iter().map(|d| d.measured.time_ps.len()).sum()
    }

    /// Every dataset has its errors (else the covariance is scaled by chi2 / dof).
    pub fn weighted(&self) -> bool {
        self.datasets.iter().all(|d| d.measured.error.is_some())
    }
}
