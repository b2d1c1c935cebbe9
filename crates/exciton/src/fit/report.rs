//! What a fit writes: fit.json (values, errors, chi^2, correlations, the Monte Carlo
//! check), fit.png (data against the model, residuals) and a one-screen summary.

use super::check::{monte_carlo_check, Check};
use super::verdict::{judge, Verdict};
#[cfg(feature = "figures")]
use super::{instrument::Applied, model_values, Observable};
use super::{Dataset, Fit, Outcome};
use crate::engine::Engine;
use crate::error::Error;
#[cfg(feature = "figures")]
use crate::figures::fit_plot::{fit_figure, FitPanel};
use exciton_core::lsq::chi2_p_value;
use exciton_core::progress::Progress;
#[cfg(feature = "figures")]
use exciton_core::{observables::Curves, scenario::Scenario};
use serde_json::{json, Value};
use std::path::Path;
#[cfg(feature = "figures")]
use std::path::PathBuf;

/// A fit run: the outcome, its Monte Carlo check and the verdict on both.
#[derive(Clone, Debug)]
pub struct Report {
    pub outcome: Outcome,
    pub check: Option<Check>,
    pub verdict: Verdict,
}

/// Fits, checks with the Monte Carlo on `engine` and judges: what the command and
/// `exciton_mc.fit` both run. `say` hears each stage as it starts (the command prints
/// them: the check can take a minute); `progress` cancels the check (Ctrl-C in Python),
/// between its walker blocks, and the run before the check starts.
pub fn execute(
    fit: &Fit,
    engine: &Engine,
    say: &dyn Fn(&str),
    progress: &Progress,
) -> Result<Report, Error> {
    say(&format!(
        "fitting {} parameters to {} points on the exact backend",
        fit.free.len(),
        fit.points()
    ));
    let outcome = fit.run();
    if progress.cancelled() {
        return Err(exciton_core::error::Error::Interrupted.into());
    }
    let check = if outcome.chi2.is_finite() {
        monte_carlo_check(fit, &outcome, engine, say, progress)?
    } else {
        None
    };
    let verdict = judge(fit, &outcome, check.as_ref());
    Ok(Report {
        outcome,
        check,
        verdict,
    })
}

/// Each dataset's model at its measured times (None where it is not defined).
fn model_at_data(fit: &Fit, o: &Outcome) -> Vec<Option<Vec<f64>>> {
    fit.datasets
        .iter()
        .map(|d| fit.model(d, &o.params))
        .collect()
}

/// A value with its error and unit, for people.
fn with_error(x: f64, e: Option<f64>, unit: &str) -> String {
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    match e {
        Some(e) => format!("{x:.6e} ± {e:.2e}{unit}"),
        None => format!("{x:.6e} (no error){unit}"),
    }
}

fn check_json(c: &Check) -> Value {
    json!({
        "backend": "cpu",
        "chi2": c.chi2(), "points": c.points(), "p_value": finite(c.p_value()),
        "chi2_per_point": c.chi2() / c.points().max(1) as f64,
        "datasets": c.datasets.iter().map(|d| json!({
            "label": d.label, "walkers": d.walkers, "sizing": d.sizing, "limited": d.limited,
            "chi2": d.chi2, "points": d.points,
            "points_without_monte_carlo_value": d.missing,
            "p_value": finite(d.p_value), "noise_over_data_errors_rms": d.noise_ratio,
        })).collect::<Vec<_>>(),
    })
}

/// A float for JSON: NaN and infinities become null.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// fit.json (`wall_s`: the run's wall time, the one field two runs differ in).
pub fn fit_json(fit: &Fit, r: &Report, wall_s: f64) -> Value {
    let o = &r.outcome;
    let stderr = o.stderr();
    let parameters: serde_json::Map<String, Value> = fit
        .free
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                f.path.clone(),
                json!({"value": o.params[i], "stderr": stderr[i], "unit": f.unit,
                       "initial": f.initial,
                       "min": f.bounds.min.is_finite().then_some(f.bounds.min),
                       "max": f.bounds.max.is_finite().then_some(f.bounds.max)}),
            )
        })
        .collect();
    let models = model_at_data(fit, o);
    json!({
        "status": r.verdict.status,
        "warnings": r.verdict.warnings,
        "notes": r.verdict.notes,
        "fit_file": fit.file.display().to_string(),
        "scenario_file": fit.scenario_file.display().to_string(),
        "backend": "exact",
        "parameters": parameters,
        "order": fit.free.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
        "chi2": finite(o.chi2),
        "dof": o.dof,
        "reduced_chi2": if o.dof > 0 { finite(o.chi2 / o.dof as f64) } else { None },
        "p_value": if o.errors_from_residuals { None } else { finite(chi2_p_value(o.chi2, o.dof)) },
        "errors": if o.errors_from_residuals {
            "a dataset has no error column: errors scaled by chi2 / dof"
        } else {
            "from the data's standard errors (covariance = (J^T W J)^-1)"
        },
        "correlation": o.correlation(),
        "condition_number": finite(o.condition),
        "converged": o.converged,
        "termination": o.termination,
        "evaluations": o.evaluations,
        "starts": fit.starts,
        "interpolation": "the model at measured times: linear between frame starts",
        "datasets": fit.datasets.iter().zip(&models).map(|(d, m)| {
            let chi2 = m.as_ref().map(|m| dataset_chi2(d, m));
            json!({
                "file": d.file.display().to_string(), "label": d.label,
                "observable": d.observable, "set": d.set, "points": d.measured.time_ps.len(),
                "unit": if d.observable == super::Observable::Intensity { "data units" } else { "nm²" }, "chi2": chi2,
                "time_ps": d.measured.time_ps, "data": d.measured.value,
                "data_stderr": d.measured.error, "model": m,
            })
        }).collect::<Vec<_>>(),
        "monte_carlo_check": r.check.as_ref().map(check_json),
        "wall_s": wall_s,
    })
}

/// chi^2 of one dataset against its model values `m` (unit errors without a column).
fn dataset_chi2(d: &Dataset, m: &[f64]) -> f64 {
    d.residuals(m).map(|r| r * r).sum()
}

/// The one-screen summary: the verdict first.
pub fn summary(fit: &Fit, r: &Report, out: &Path) -> String {
    let o = &r.outcome;
    let v = &r.verdict;
    let stderr = o.stderr();
    let mut s = format!("status     {}", v.status.name());
    s += &match v.warnings.len() {
        0 => "\n".to_string(),
        n => format!(" ({n} warning{})\n", if n > 1 { "s" } else { "" }),
    };
    for w in &v.warnings {
        s += &format!("  warning: {w}\n");
    }
    for n in &v.notes {
        s += &format!("  note: {n}\n");
    }
    s += &format!(
        "fit        {} ({} datasets, {} points, {} free)\n",
        fit.file.display(),
        fit.datasets.len(),
        fit.points(),
        fit.free.len()
    );
    for (i, f) in fit.free.iter().enumerate() {
        s += &format!(
            "  {:<32} {}   (from {:.4e})\n",
            f.path,
            with_error(o.params[i], stderr[i], &f.unit),
            f.initial
        );
    }
    let p = if o.errors_from_residuals {
        ", errors scaled by it (no error column)".to_string()
    } else {
        format!(", p = {:.3}", chi2_p_value(o.chi2, o.dof))
    };
    s += &format!(
        "chi2       {:.3} for {} degrees of freedom ({:.3} per dof{p}); {} in {} evaluations\n",
        o.chi2,
        o.dof,
        o.chi2 / o.dof.max(1) as f64,
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
    if let Some(c) = &r.check {
        s += &format!(
            "check      Monte Carlo (cpu): chi2 {:.2} over {} points ({:.2} per point, p = {:.3})\n",
            c.chi2(),
            c.points(),
            c.chi2() / c.points().max(1) as f64,
            c.p_value()
        );
        for d in &c.datasets {
            s += &format!(
                "  {:<40} {:.1e} walkers: chi2 {:.2} over {} points (p = {:.3}), its noise {:.2} of the data's errors\n",
                d.label, d.walkers as f64, d.chi2, d.points, d.p_value, d.noise_ratio
            );
        }
    }
    s += &format!(
        "written    {}/fit.json, {}/fit.png\n",
        out.display(),
        out.display()
    );
    s
}

/// The model of dataset `d` on a grid of 4 points a frame up to its last measurement
/// (so an IRF's rise shows), (time ns, value), and at the measured times.
#[cfg(feature = "figures")]
fn model_lines(d: &Dataset, s: &Scenario, c: &Curves, a: &Applied) -> (Vec<(f64, f64)>, Vec<f64>) {
    let at_data = model_values(d, s, c, 0, a).unwrap_or_default();
    let t_first = d.measured.time_ps.first().copied().unwrap_or(0.0).min(0.0);
    let t_last = d.measured.time_ps.last().copied().unwrap_or(0.0);
    // At least 200 points over the data, so data inside one frame still get a line.
    let step = (s.dt_ps / 4.0).min((t_last - t_first) / 200.0).max(1e-9);
    let grid_t: Vec<f64> = (0..)
        .map(|k| t_first + f64::from(k) * step)
        .take_while(|&t| t <= t_last)
        .collect();
    let grid = Dataset {
        measured: super::Measured {
            time_ps: grid_t.clone(),
            value: vec![0.0; grid_t.len()],
            error: None,
        },
        ..d.clone()
    };
    let model = model_values(&grid, s, c, 0, a)
        .unwrap_or_default()
        .into_iter()
        .zip(&grid_t)
        .map(|(v, t)| (t / 1000.0, v))
        .collect();
    (model, at_data)
}

/// fit.png.
#[cfg(feature = "figures")]
pub fn figure(fit: &Fit, r: &Report, path: &Path) -> Result<PathBuf, Error> {
    let o = &r.outcome;
    let mut panels = Vec::new();
    for d in &fit.datasets {
        // The model where it is defined at the result (a failed fit draws the data).
        let (model, at_data) = fit
            .curves(d, &o.params)
            .map(|both| model_lines(d, &both.0, &both.1, &d.instrument.at(&o.params)))
            .unwrap_or_default();
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
        // (data - model) / error, as the strip's axis says.
        let residuals = d
            .measured
            .time_ps
            .iter()
            .zip(d.residuals(&at_data))
            .map(|(&t, r)| (t / 1000.0, -r))
            .collect();
        let y_desc = match d.observable {
            Observable::Msd => "MSD (nm²)",
            Observable::ApparentMsd => "apparent MSD (nm²)",
            Observable::Intensity => "PL (data units)",
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
    let mut header: Vec<String> = fit
        .free
        .iter()
        .zip(&o.params)
        .zip(o.stderr())
        .map(|((f, &v), e)| format!("{} = {}", f.path, with_error(v, e, &f.unit)))
        .collect();
    header.push(format!(
        "chi² = {:.2} for {} dof ({:.2} per dof) · status: {}",
        o.chi2,
        o.dof,
        o.chi2 / o.dof.max(1) as f64,
        r.verdict.status.name()
    ));
    header.extend(r.verdict.warnings.iter().map(|w| format!("warning: {w}")));
    let footer = format!(
        "exact backend, model interpolated linearly between frames · residuals = (data − model) / error · exciton-mc {}",
        env!("CARGO_PKG_VERSION")
    );
    Ok(fit_figure(&panels, &header, &footer, path)?)
}
