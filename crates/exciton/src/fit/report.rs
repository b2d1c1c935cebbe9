//! What a fit writes: fit.json (values, errors, chi^2, correlations, the Monte Carlo
//! check), fit.png (data against the model, residuals) and a one-screen summary.

use super::{model_values, Dataset, Fit, Observable, Outcome};
use crate::engine::Engine;
use crate::error::Error;
#[cfg(feature = "figures")]
use crate::figures::fit_plot::{fit_figure, FitPanel};
use exciton_core::observables::Curves;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use serde_json::{json, Value};
use std::path::Path;
#[cfg(feature = "figures")]
use std::path::PathBuf;

/// The Monte Carlo at the best values, against the data.
#[derive(Clone, Debug)]
pub struct Check {
    pub walkers: u64,
    /// chi^2 with the data's and the Monte Carlo's errors in quadrature.
    pub chi2: f64,
    pub points: usize,
}

/// The Monte Carlo's standard error of dataset `d`'s observable at frame `k` (the PL's
/// on the model's scale: normalised at the first measured time, as [`model_values`]).
fn mc_error(d: &Dataset, s: &Scenario, c: &Curves, apparent_err: &[Option<f64>], k: usize) -> f64 {
    let a2 = s.pitch_nm * s.pitch_nm;
    let e = match d.observable {
        Observable::Msd => c.msd_stderr.get(k).copied().flatten().map(|e| e * a2),
        Observable::ApparentMsd => apparent_err.get(k).copied().flatten(),
        Observable::Intensity => c.intensity_stderr.get(k).copied().flatten().map(|e| {
            let curve: Vec<Option<f64>> = c.intensity.iter().map(|&i| Some(i)).collect();
            let first = super::interpolate(&curve, s.dt_ps, d.measured.time_ps[0]);
            e / first.unwrap_or(c.intensity[0]).max(1e-300)
        }),
    };
    e.unwrap_or(0.0)
}

/// Runs the Monte Carlo (`engine`) at `params` for every dataset and compares it with
/// the data; `None` when the fit asks for no check.
pub fn monte_carlo_check(
    fit: &Fit,
    params: &[f64],
    engine: &Engine,
) -> Result<Option<Check>, Error> {
    if fit.check_walkers == 0 {
        return Ok(None);
    }
    let (mut chi2, mut points) = (0.0, 0);
    for (i, d) in fit.datasets.iter().enumerate() {
        let mut s = fit.scenario(d, params).map_err(Error::FitScenario)?;
        s.walkers = fit.check_walkers;
        let e = engine.estimate(&s, i as u64, &Progress::default())?;
        let apparent =
            exciton_core::microscope::observe(&s, i as u64, &e.curves).unwrap_or_default();
        let Some(model) = model_values(d, &s, &e.curves, i as u64) else {
            continue;
        };
        for (j, (&t, (&y, m))) in d
            .measured
            .time_ps
            .iter()
            .zip(d.measured.value.iter().zip(&model))
            .enumerate()
        {
            let k = (t / s.dt_ps).round() as usize;
            let data_err = d.measured.error.as_ref().map_or(0.0, |e| e[j]);
            let var =
                data_err.powi(2) + mc_error(d, &s, &e.curves, &apparent.stderr_nm2, k).powi(2);
            if var > 0.0 {
                chi2 += (m - y).powi(2) / var;
                points += 1;
            }
        }
    }
    Ok(Some(Check {
        walkers: fit.check_walkers,
        chi2,
        points,
    }))
}

/// fit.json.
pub fn fit_json(fit: &Fit, o: &Outcome, check: Option<&Check>, wall_s: f64) -> Value {
    let stderr = o.stderr();
    let parameters: serde_json::Map<String, Value> = fit
        .free
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f.path.clone(),
                json!({"value": o.params[i], "stderr": stderr[i], "initial": f.initial,
                       "min": f.bounds.min.is_finite().then_some(f.bounds.min),
                       "max": f.bounds.max.is_finite().then_some(f.bounds.max)}),
            )
        })
        .collect();
    json!({
        "fit_file": fit.file.display().to_string(),
        "scenario_file": fit.scenario_file.display().to_string(),
        "backend": "exact",
        "parameters": parameters,
        "order": fit.free.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
        "chi2": o.chi2,
        "dof": o.dof,
        "reduced_chi2": if o.dof > 0 { Some(o.chi2 / o.dof as f64) } else { None },
        "errors": if o.errors_from_residuals {
            "a dataset has no error column: errors scaled by chi2 / dof"
        } else {
            "from the data's standard errors (covariance = (J^T W J)^-1)"
        },
        "correlation": o.correlation(),
        "converged": o.converged,
        "evaluations": o.evaluations,
        "starts": fit.starts,
        "interpolation": "the model at measured times: linear between frame starts",
        "datasets": fit.datasets.iter().map(|d| json!({
            "file": d.file.display().to_string(), "label": d.label,
            "observable": d.observable, "set": d.set, "points": d.measured.time_ps.len(),
        })).collect::<Vec<_>>(),
        "monte_carlo_check": check.map(|c| json!({
            "backend": "cpu", "walkers": c.walkers, "chi2": c.chi2, "points": c.points,
            "chi2_per_point": c.chi2 / c.points.max(1) as f64,
        })),
        "wall_s": wall_s,
    })
}

/// The one-screen summary.
pub fn summary(fit: &Fit, o: &Outcome, check: Option<&Check>, out: &Path) -> String {
    let stderr = o.stderr();
    let mut s = format!(
        "fit        {} ({} datasets, {} points, {} free)\n",
        fit.file.display(),
        fit.datasets.len(),
        fit.points(),
        fit.free.len()
    );
    for (i, f) in fit.free.iter().enumerate() {
        let err = stderr[i].map_or("no error (singular)".into(), |e| format!("+- {e:.4e}"));
        s += &format!(
            "  {:<32} {:.6e} {err}   (from {})\n",
            f.path, o.params[i], f.initial
        );
    }
    s += &format!(
        "chi2       {:.3} for {} degrees of freedom ({:.3} per dof){}; {} in {} evaluations\n",
        o.chi2,
        o.dof,
        o.chi2 / o.dof.max(1) as f64,
        if o.errors_from_residuals {
            ", errors scaled by it (no error column)"
        } else {
            ""
        },
        if o.converged {
            "converged"
        } else {
            "NOT converged"
        },
        o.evaluations
    );
    if let Some(c) = o.correlation() {
        for (i, row) in c.iter().enumerate() {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:+.3}")).collect();
            s += &format!("  corr {:<27} {}\n", fit.free[i].path, cells.join(" "));
        }
    }
    if let Some(c) = check {
        s += &format!(
            "check      Monte Carlo ({} walkers per dataset, cpu): chi2 {:.2} over {} points ({:.2} per point)\n",
            c.walkers,
            c.chi2,
            c.points,
            c.chi2 / c.points.max(1) as f64
        );
    }
    s += &format!(
        "written    {}/fit.json, {}/fit.png\n",
        out.display(),
        out.display()
    );
    s
}

/// fit.png.
#[cfg(feature = "figures")]
pub fn figure(fit: &Fit, o: &Outcome, path: &Path) -> Result<PathBuf, Error> {
    let mut panels = Vec::new();
    for d in &fit.datasets {
        let s = fit.scenario(d, &o.params).map_err(Error::FitScenario)?;
        let c = super::expected_curves(&s)?;
        let at_data = model_values(d, &s, &c, 0).unwrap_or_default();
        // The model over every frame up to the last measurement.
        let t_last = d.measured.time_ps.last().copied().unwrap_or(0.0);
        let frames: Vec<f64> = (0..s.frames)
            .map(|k| f64::from(k) * s.dt_ps)
            .take_while(|&t| t <= t_last * 1.05)
            .collect();
        let grid = Dataset {
            measured: super::Measured {
                time_ps: frames.clone(),
                value: vec![0.0; frames.len()],
                error: None,
            },
            ..d.clone()
        };
        let mut model: Vec<(f64, f64)> = model_values(&grid, &s, &c, 0)
            .unwrap_or_default()
            .into_iter()
            .zip(&frames)
            .map(|(v, t)| (t / 1000.0, v))
            .collect();
        if d.observable == Observable::Intensity {
            // Normalised at the first measured time, as the data are.
            let curve: Vec<Option<f64>> = c.intensity.iter().map(|&i| Some(i)).collect();
            let first = super::interpolate(&curve, s.dt_ps, d.measured.time_ps[0]).unwrap_or(1.0);
            model = frames
                .iter()
                .map(|&t| {
                    (
                        t / 1000.0,
                        super::interpolate(&curve, s.dt_ps, t).unwrap_or(0.0) / first,
                    )
                })
                .collect();
        }
        let errors = d.measured.error.clone();
        let data = d
            .measured
            .time_ps
            .iter()
            .enumerate()
            .map(|(j, &t)| {
                (
                    t / 1000.0,
                    d.measured.value[j],
                    errors.as_ref().map(|e| e[j]),
                )
            })
            .collect();
        let residuals = d
            .measured
            .time_ps
            .iter()
            .enumerate()
            .filter_map(|(j, &t)| {
                let m = at_data.get(j)?;
                let e = errors.as_ref().map_or(1.0, |e| e[j]);
                Some((t / 1000.0, (d.measured.value[j] - m) / e))
            })
            .collect();
        let y_desc = match d.observable {
            Observable::Msd => "MSD (nm²)",
            Observable::ApparentMsd => "apparent MSD (nm²)",
            Observable::Intensity => "PL (normalised)",
        };
        panels.push(FitPanel {
            label: d.label.clone(),
            y_desc: y_desc.into(),
            data,
            model,
            residuals,
            log_y: d.observable == Observable::Intensity,
        });
    }
    let names: Vec<String> = fit
        .free
        .iter()
        .zip(&o.params)
        .zip(o.stderr())
        .map(|((f, v), e)| {
            format!(
                "{} = {v:.4} ± {}",
                f.path,
                e.map_or("?".into(), |e| format!("{e:.4}"))
            )
        })
        .collect();
    let header = vec![format!("fit: {}", names.join(", "))];
    let footer = format!(
        "chi² = {:.2} for {} dof · exact backend, model interpolated linearly between frames · exciton-mc {}",
        o.chi2,
        o.dof,
        env!("CARGO_PKG_VERSION")
    );
    Ok(fit_figure(&panels, &header, &footer, path)?)
}
