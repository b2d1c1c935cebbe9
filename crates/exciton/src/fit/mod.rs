//! `exciton-mc fit`: rates from measured curves (MODEL.md section 11). Measured MSD,
//! apparent MSD or PL decay, at one or several conditions (each dataset with its own
//! `set` overrides, e.g. a temperature), share free parameters addressed by their
//! scenario path; weighted least squares on the exact backend (Levenberg-Marquardt with
//! bounds, [`exciton_core::lsq`]), then a Monte Carlo run at the best values as a check.

mod csv;
mod data;
mod model;
pub mod report;

pub use data::{interpolate, read_measured, Measured, Observable};
use model::not_free;
pub(crate) use model::{expected_curves, model_values};

use exciton_core::lsq::{minimize, Bounds};
use exciton_core::scenario::Scenario;
use exciton_core::sweep::set_path;
use indexmap::IndexMap;
use serde::Deserialize;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitFile {
    scenario: PathBuf,
    datasets: Vec<DatasetFile>,
    free: IndexMap<String, FreeFile>,
    #[serde(default)]
    backend: Option<String>,
    /// Starting points: the given initial values, then spread over the bounds.
    #[serde(default = "one")]
    starts: u32,
    /// Walkers of the Monte Carlo check at the best values (0: no check).
    #[serde(default = "check_walkers")]
    check_walkers: u64,
}

fn one() -> u32 {
    1
}

fn check_walkers() -> u64 {
    200_000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetFile {
    file: PathBuf,
    observable: Observable,
    #[serde(default)]
    set: IndexMap<String, Value>,
    #[serde(default)]
    label: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreeFile {
    initial: f64,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
}

/// One measured curve and the conditions it was measured at.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub file: PathBuf,
    pub label: String,
    pub observable: Observable,
    pub set: IndexMap<String, Value>,
    pub measured: Measured,
}

/// A free parameter: its scenario path, starting value and bounds.
#[derive(Clone, Debug)]
pub struct Free {
    pub path: String,
    pub initial: f64,
    pub bounds: Bounds,
}

/// A fit, loaded and checked.
#[derive(Clone, Debug)]
pub struct Fit {
    pub file: PathBuf,
    pub scenario_file: PathBuf,
    /// The scenario as read (no sweep).
    pub base: Value,
    pub datasets: Vec<Dataset>,
    pub free: Vec<Free>,
    pub starts: u32,
    pub check_walkers: u64,
}

fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, part| cur.get(part))
}

impl Fit {
    /// Reads FIT.json, its scenario and its datasets (paths relative to FIT.json).
    pub fn load(file: &Path) -> Result<Fit, FitError> {
        let spec_err = |path: &str, reason: String| FitError::Spec {
            file: file.to_path_buf(),
            path: path.into(),
            reason,
        };
        let text = std::fs::read_to_string(file)
            .map_err(|e| spec_err("", format!("cannot read it ({e})")))?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        let spec: FitFile = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            spec_err(
                if path == "." { "" } else { &path },
                e.into_inner().to_string(),
            )
        })?;
        // Then the scenario's strict reader, for a key given twice inside a map (`free`,
        // a dataset's `set`), which serde would silently read as the last one.
        exciton_core::scenario::parse_json(&text, file).map_err(|e| spec_err(&e.path, e.reason))?;
        if let Some(b) = spec.backend.as_deref() {
            if b != "exact" {
                return Err(spec_err("backend", format!("`{b}`: fits run on the exact backend (its curves have no noise); the Monte Carlo checks the best values")));
            }
        }
        let dir = file.parent().unwrap_or(Path::new("."));
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
        if spec.datasets.is_empty() {
            return Err(spec_err("datasets", "no datasets to fit".into()));
        }
        if spec.free.is_empty() {
            return Err(spec_err("free", "no free parameters".into()));
        }
        if spec.starts == 0 {
            return Err(spec_err("starts", "at least 1".into()));
        }
        let mut free = Vec::new();
        for (path, f) in &spec.free {
            let at = format!("free.{path}");
            let bounds = Bounds {
                min: f.min.unwrap_or(f64::NEG_INFINITY),
                max: f.max.unwrap_or(f64::INFINITY),
            };
            // Negated so that a NaN bound is refused too.
            #[allow(clippy::neg_cmp_op_on_partial_ord)]
            if !(bounds.min < bounds.max) {
                return Err(spec_err(
                    &at,
                    format!("min {} is not below max {}", bounds.min, bounds.max),
                ));
            }
            if !(bounds.min..=bounds.max).contains(&f.initial) {
                return Err(spec_err(
                    &at,
                    format!(
                        "initial {} is outside [{}, {}]",
                        f.initial, bounds.min, bounds.max
                    ),
                ));
            }
            free.push(Free {
                path: path.clone(),
                initial: f.initial,
                bounds,
            });
        }
        let mut datasets = Vec::new();
        for d in spec.datasets {
            let data_file = dir.join(&d.file);
            let measured = read_measured(&data_file, d.observable)?;
            let label = d.label.unwrap_or_else(|| {
                let set: Vec<String> = d.set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                let name = d
                    .file
                    .file_stem()
                    .map_or(String::new(), |s| s.to_string_lossy().into_owned());
                if set.is_empty() {
                    name
                } else {
                    format!("{name} ({})", set.join(", "))
                }
            });
            datasets.push(Dataset {
                file: data_file,
                label,
                observable: d.observable,
                set: d.set,
                measured,
            });
        }
        let fit = Fit {
            file: file.to_path_buf(),
            scenario_file,
            base,
            datasets,
            free,
            starts: spec.starts,
            check_walkers: spec.check_walkers,
        };
        fit.check_paths()?;
        Ok(fit)
    }

    /// Every free path exists in every dataset's scenario, every scenario is valid at
    /// the initial values, and apparent MSD has a microscope to come from.
    fn check_paths(&self) -> Result<(), FitError> {
        let initial: Vec<f64> = self.free.iter().map(|f| f.initial).collect();
        for (i, d) in self.datasets.iter().enumerate() {
            let mut v = self.base.clone();
            for (path, value) in &d.set {
                set_path(&mut v, path, value.clone()).map_err(|reason| FitError::Spec {
                    file: self.file.clone(),
                    path: format!("datasets[{i}].set.{path}"),
                    reason,
                })?;
            }
            for f in &self.free {
                if let Some(why) = not_free(&f.path) {
                    return Err(FitError::Spec {
                        file: self.file.clone(),
                        path: format!("free.{}", f.path),
                        reason: format!("cannot be a free parameter: {why}"),
                    });
                }
                if get_path(&v, &f.path).is_none() {
                    return Err(FitError::Spec {
                        file: self.file.clone(),
                        path: format!("free.{}", f.path),
                        reason: format!(
                            "no such field in {} (write it there with a starting value)",
                            self.scenario_file.display()
                        ),
                    });
                }
            }
            let s = self.scenario(d, &initial).map_err(|e| FitError::Spec {
                file: self.file.clone(),
                path: format!("datasets[{i}]"),
                reason: e,
            })?;
            if s.landscape.as_ref().is_some_and(|l| l.size.is_none()) {
                // The master equation needs a finite film: its refusal says which.
                expected_curves(&s)?;
            }
            if d.observable == Observable::ApparentMsd && s.microscope.is_none() {
                return Err(FitError::Spec {
                    file: self.file.clone(),
                    path: format!("datasets[{i}].observable"),
                    reason: "apparent_msd needs a `microscope` block in the scenario".into(),
                });
            }
            let last = f64::from(s.frames.saturating_sub(1)) * s.dt_ps;
            if let Some(&t) = d.measured.time_ps.last() {
                if t > last {
                    return Err(FitError::Data {
                        file: d.file.clone(),
                        line: 0,
                        reason: format!("measured up to {t} ps, beyond the scenario's last frame at {last} ps: raise frames"),
                    });
                }
            }
        }
        Ok(())
    }

    /// Dataset `d`'s scenario at parameters `theta`.
    pub fn scenario(&self, d: &Dataset, theta: &[f64]) -> Result<Scenario, String> {
        let mut v = self.base.clone();
        for (path, value) in &d.set {
            set_path(&mut v, path, value.clone())?;
        }
        for (f, &x) in self.free.iter().zip(theta) {
            set_path(&mut v, &f.path, Value::from(x))?;
        }
        Scenario::from_value(&v, &self.scenario_file).map_err(|e| e.to_string())
    }

    /// The exact backend's value of dataset `d`'s observable at its measured times.
    pub fn model(&self, d: &Dataset, theta: &[f64]) -> Option<Vec<f64>> {
        let s = self.scenario(d, theta).ok()?;
        let c = expected_curves(&s).ok()?;
        model_values(d, &s, &c, 0)
    }

    /// Weighted residuals of every dataset, (model - data) / error.
    pub fn residuals(&self, theta: &[f64]) -> Option<Vec<f64>> {
        let mut r = Vec::new();
        for d in &self.datasets {
            let m = self.model(d, theta)?;
            for (i, (m, y)) in m.iter().zip(&d.measured.value).enumerate() {
                let e = d.measured.error.as_ref().map_or(1.0, |e| e[i]);
                r.push((m - y) / e);
            }
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

    /// Starting points: the initial values, then spread over each parameter's bounds
    /// (or around its initial value) by a fixed sequence.
    fn starting_points(&self) -> Vec<Vec<f64>> {
        let mut rng = exciton_core::kernels::rng::Pcg32::new(0x5eed, 17);
        let mut out = vec![self.free.iter().map(|f| f.initial).collect::<Vec<_>>()];
        for _ in 1..self.starts {
            out.push(
                self.free
                    .iter()
                    .map(|f| {
                        let u = (f64::from(rng.next_u32()) + 0.5) / 4_294_967_296.0;
                        let b = f.bounds;
                        if b.min.is_finite() && b.max.is_finite() {
                            b.min + u * (b.max - b.min)
                        } else {
                            let x = f.initial * (2.0 * u + 0.25);
                            x.clamp(b.min, b.max)
                        }
                    })
                    .collect(),
            );
        }
        out
    }

    /// The best fit over the starting points.
    pub fn run(&self) -> Outcome {
        let bounds: Vec<Bounds> = self.free.iter().map(|f| f.bounds).collect();
        let residuals = |theta: &[f64]| self.residuals(theta);
        let mut best: Option<exciton_core::lsq::Solution> = None;
        let mut evaluations = 0;
        for start in self.starting_points() {
            let s = minimize(&residuals, &start, &bounds);
            evaluations += s.evaluations;
            if best
                .as_ref()
                .is_none_or(|b| s.chi2 < b.chi2 || (!b.converged && s.converged))
            {
                best = Some(s);
            }
        }
        let best = best.expect("at least one start");
        let dof = self.points().saturating_sub(self.free.len());
        let scale = if self.weighted() || dof == 0 {
            1.0
        } else {
            best.chi2 / dof as f64
        };
        let covariance = best.covariance.map(|c| {
            c.iter()
                .map(|row| row.iter().map(|v| v * scale).collect())
                .collect::<Vec<Vec<f64>>>()
        });
        Outcome {
            params: best.params,
            covariance,
            chi2: best.chi2,
            dof,
            converged: best.converged,
            evaluations,
            errors_from_residuals: !self.weighted(),
        }
    }
}

/// A fit's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub params: Vec<f64>,
    pub covariance: Option<Vec<Vec<f64>>>,
    pub chi2: f64,
    pub dof: usize,
    pub converged: bool,
    pub evaluations: usize,
    /// No dataset had errors: the covariance is scaled by chi2 / dof.
    pub errors_from_residuals: bool,
}

impl Outcome {
    pub fn stderr(&self) -> Vec<Option<f64>> {
        (0..self.params.len())
            .map(|i| self.covariance.as_ref().map(|c| c[i][i].sqrt()))
            .collect()
    }

    pub fn correlation(&self) -> Option<Vec<Vec<f64>>> {
        let c = self.covariance.as_ref()?;
        Some(
            (0..c.len())
                .map(|i| {
                    (0..c.len())
                        .map(|j| c[i][j] / (c[i][i] * c[j][j]).sqrt())
                        .collect()
                })
                .collect(),
        )
    }
}
