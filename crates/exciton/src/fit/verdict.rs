//! The verdict on a fit: `ok`, `warning` or `failed`, with every reason in words. A fit
//! that cannot say it failed is worse than none: a parameter at its bound, a covariance
//! the data do not pin down, a chi^2 the errors cannot explain, a minimiser that gave up
//! or a Monte Carlo that disagrees each get a line, and the command's exit code follows
//! the status (0 ok, 3 warning, 1 failed).

use super::check::Check;
use super::{Fit, Outcome};
use exciton_core::lsq::chi2_p_value;
use serde::Serialize;

/// How far a fit can be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing found wrong.
    Ok,
    /// Values and errors are there but something needs a look (`warnings`).
    Warning,
    /// No trustworthy values: not converged, or errors that do not exist.
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Failed => "failed",
        }
    }

    /// The command's exit code: 0 ok, 3 warning (0 when warnings are accepted), 1 failed.
    pub fn exit_code(self, accept_warnings: bool) -> i32 {
        match self {
            Status::Ok => 0,
            Status::Warning if accept_warnings => 0,
            Status::Warning => 3,
            Status::Failed => 1,
        }
    }
}

/// p-values beyond these (either tail) make a chi^2 a warning.
pub const P_LOW: f64 = 1e-3;
/// Condition number (of J^T J on a unit diagonal) above which a fit is ill-conditioned:
/// two parameters with |correlation| above 0.9998.
pub const ILL_CONDITIONED: f64 = 1e4;

/// The verdict and its reasons.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub status: Status,
    pub warnings: Vec<String>,
    /// What is worth knowing but not wrong.
    pub notes: Vec<String>,
}

impl Verdict {
    fn flag(&mut self, status: Status, text: String) {
        self.status = self.status.max(status);
        self.warnings.push(text);
    }
}

fn g(x: f64) -> String {
    format!("{x:.4e}")
}

/// Judges the fit `o` of `fit` and its Monte Carlo `check`.
pub fn judge(fit: &Fit, o: &Outcome, check: Option<&Check>) -> Verdict {
    let mut v = Verdict {
        status: Status::Ok,
        warnings: Vec::new(),
        notes: Vec::new(),
    };
    let name = |i: usize| fit.free[i].path.as_str();
    if !o.chi2.is_finite() {
        v.flag(
            Status::Failed,
            "the model is not defined at the result (chi2 is not finite)".into(),
        );
    }
    if !o.converged {
        v.flag(Status::Failed, format!("not converged: the minimiser stopped with {} after {} evaluations; try other initial values or `starts`", o.termination, o.evaluations));
    }
    for group in &o.degenerate {
        let names: Vec<&str> = group.iter().map(|&i| name(i)).collect();
        let text = match names.as_slice() {
            [one] => format!("singular covariance: the data do not determine {one} (the model hardly changes with it at the result)"),
            _ => format!("singular covariance: the data cannot tell {} apart (only a combination is determined); fix one of them", names.join(", ")),
        };
        v.flag(Status::Failed, text);
    }
    if o.degenerate.is_empty() && o.covariance.is_none() && o.chi2.is_finite() {
        v.flag(
            Status::Failed,
            "singular covariance: no errors (the model is not defined next to the result)".into(),
        );
    }
    ill_conditioning(fit, o, &mut v);
    bounds(fit, o, &mut v);
    goodness(fit, o, &mut v);
    times(fit, &mut v);
    if let Some(c) = check {
        judge_check(c, &mut v);
    }
    v
}

fn ill_conditioning(fit: &Fit, o: &Outcome, v: &mut Verdict) {
    let Some(corr) = o.correlation() else { return };
    if o.condition <= ILL_CONDITIONED {
        return;
    }
    let mut pairs = Vec::new();
    for (i, row) in corr.iter().enumerate() {
        for (j, &r) in row.iter().enumerate().skip(i + 1) {
            if r.abs() > 0.99 {
                pairs.push(format!(
                    "{} and {} (correlation {r:+.4})",
                    fit.free[i].path, fit.free[j].path
                ));
            }
        }
    }
    let which = if pairs.is_empty() {
        "several parameters together".into()
    } else {
        pairs.join(", ")
    };
    v.flag(Status::Warning, format!("ill-conditioned covariance (condition number {:.1e}): {which}: their errors are large and only roughly Gaussian", o.condition));
}

fn bounds(fit: &Fit, o: &Outcome, v: &mut Verdict) {
    let stderr = o.stderr();
    for (i, f) in fit.free.iter().enumerate() {
        let x = o.params[i];
        for (side, b) in [("min", f.bounds.min), ("max", f.bounds.max)] {
            if !b.is_finite() {
                continue;
            }
            let dist = (x - b).abs();
            let unit = if f.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", f.unit)
            };
            if dist <= 1e-6 * x.abs().max(b.abs()).max(1e-12) {
                v.flag(Status::Warning, format!("{} = {}{unit} is at its bound {side} = {b}: the data pull it beyond (widen the bound, or check units and the model); its error is not meaningful there", f.path, g(x)));
            } else if let Some(e) = stderr[i].filter(|&e| dist < e) {
                v.flag(Status::Warning, format!("{} = {} ± {}{unit} is within one error of its bound {side} = {b}: the error is not Gaussian there", f.path, g(x), g(e)));
            }
        }
    }
}

fn goodness(fit: &Fit, o: &Outcome, v: &mut Verdict) {
    if o.dof == 0 {
        v.flag(
            Status::Warning,
            format!(
                "no degrees of freedom: {} points for {} free parameters",
                fit.points(),
                fit.free.len()
            ),
        );
        return;
    }
    if o.errors_from_residuals {
        v.notes.push("a dataset has no error column: chi2 has no absolute meaning, and the errors are scaled by chi2 / dof".into());
        return;
    }
    let p = chi2_p_value(o.chi2, o.dof);
    let per = o.chi2 / o.dof as f64;
    if p < P_LOW {
        v.flag(Status::Warning, format!("chi2 {:.1} for {} dof ({per:.2} per dof) has p = {p:.1e}: the model does not describe the data within their errors (units? a background, time offset or IRF left out? errors too small?)", o.chi2, o.dof));
    } else if p > 1.0 - P_LOW {
        v.flag(Status::Warning, format!("chi2 {:.1} for {} dof ({per:.2} per dof) is too small (p = {p:.4}): the errors look overestimated or the points correlated, so the fitted errors are too wide", o.chi2, o.dof));
    }
}

/// Times given in ns under a `time_ps` header put every point in the first frames.
fn times(fit: &Fit, v: &mut Verdict) {
    for d in &fit.datasets {
        let Ok(s) = fit.scenario(d, &fit.initial()) else {
            continue;
        };
        let t = &d.measured.time_ps;
        let last = t.last().copied().unwrap_or(0.0);
        if t.len() >= 4 && last < 2.0 * s.dt_ps {
            v.flag(Status::Warning, format!("{}: all {} measured times are below 2 frames ({} ps), the last at {last} ps: are they in ns? (a `time_ns` header converts them)", d.file.display(), t.len(), 2.0 * s.dt_ps));
        }
    }
}

fn judge_check(c: &Check, v: &mut Verdict) {
    for d in &c.datasets {
        if let Some(why) = &d.limited {
            v.notes
                .push(format!("Monte Carlo check: {}: {why}", d.label));
        }
        if d.points == 0 {
            v.flag(Status::Warning, format!("Monte Carlo check: {}: no Monte Carlo value at any of its {} points ({} walkers: too few effective walkers there); raise check_walkers", d.label, d.missing, d.walkers));
            continue;
        }
        if d.missing > 0 {
            v.notes.push(format!("Monte Carlo check: {}: {} of {} points have no Monte Carlo value (too few emissions or effective walkers there)", d.label, d.missing, d.missing + d.points));
        }
        if d.p_value < P_LOW {
            let why = if d.noise_ratio > 1.5 / super::check::NOISE_DIVISOR {
                format!("at {:.1e} walkers the Monte Carlo's own errors are unreliable (the jackknife over few walker blocks misses the rare walkers that carry a late MSD): rerun with \"check_walkers\": \"auto\"; if it persists, the exact model is not what the walkers do", d.walkers as f64)
            } else {
                "the exact model may not be what the walkers do".to_string()
            };
            v.flag(Status::Warning, format!("Monte Carlo check: {}: chi2 {:.1} over {} points (p = {:.1e}): the Monte Carlo at the best values disagrees with the data; {why}", d.label, d.chi2, d.points, d.p_value));
        }
        if d.noise_ratio > 1.5 / super::check::NOISE_DIVISOR && d.limited.is_none() {
            v.notes.push(format!("Monte Carlo check: {}: its noise is {:.2} of the data's errors (RMS): a weak check; raise check_walkers", d.label, d.noise_ratio));
        }
    }
}
