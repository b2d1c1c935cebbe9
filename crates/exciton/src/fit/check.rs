//! The Monte Carlo check: the CPU Monte Carlo at the best values against the data, per
//! dataset with a chi^2 p-value. It tests what the fit cannot: that the exact model is
//! what the walkers do. Its walkers are sized so that the Monte Carlo's own noise is at
//! most a third of the data's errors (RMS over the points), from a pilot run; where that
//! would take more than [`MAX_WALKERS`] the check says so and reports its smaller run.

use super::model::{intensity_peak, model_points};
use super::{Dataset, Fit, Observable, Outcome};
use crate::engine::Engine;
use crate::error::Error;
use exciton_core::lsq::chi2_p_value;
use exciton_core::observables::Curves;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use serde_json::Value;

/// Walkers of the pilot run that sizes an automatic check.
pub const PILOT_WALKERS: u64 = 100_000;
/// The most walkers per dataset an automatic check runs.
pub const MAX_WALKERS: u64 = 100_000_000;
/// An automatic check's Monte Carlo noise is at most the data's errors over this.
pub const NOISE_DIVISOR: f64 = 3.0;

/// How many walkers the check runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckWalkers {
    /// Sized to the data's errors from a pilot run.
    Auto,
    /// This many (0: no check).
    Fixed(u64),
}

impl CheckWalkers {
    pub(super) fn parse(v: &Value) -> Result<CheckWalkers, String> {
        match v {
            Value::String(s) if s == "auto" => Ok(CheckWalkers::Auto),
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                if x >= 0.0 && x.fract() == 0.0 && x <= 1e12 {
                    Ok(CheckWalkers::Fixed(x as u64))
                } else {
                    Err(format!("{n}: a whole number of walkers from 0 (no check) to 1e12, or \"auto\""))
                }
            }
            _ => Err(format!("`{v}`: \"auto\" (sized to the data's errors), a number of walkers, or 0 (no check)")),
        }
    }
}

/// One dataset's check.
#[derive(Clone, Debug)]
pub struct DatasetCheck {
    pub label: String,
    pub walkers: u64,
    /// How the walkers were chosen.
    pub sizing: String,
    /// Why the check is weaker than asked (it would cost too much), if it is.
    pub limited: Option<String>,
    /// Points compared (the others had no Monte Carlo value: `missing`).
    pub points: usize,
    pub missing: usize,
    /// chi^2 of the data against the Monte Carlo, their errors in quadrature.
    pub chi2: f64,
    pub p_value: f64,
    /// RMS over the points of the Monte Carlo's error over the data's.
    pub noise_ratio: f64,
}

/// The check at the best values, per dataset.
#[derive(Clone, Debug)]
pub struct Check {
    pub datasets: Vec<DatasetCheck>,
}

impl Check {
    pub fn chi2(&self) -> f64 {
        self.datasets.iter().map(|d| d.chi2).sum()
    }

    pub fn points(&self) -> usize {
        self.datasets.iter().map(|d| d.points).sum()
    }

    pub fn p_value(&self) -> f64 {
        chi2_p_value(self.chi2(), self.points())
    }
}

/// The data's error of dataset `d`'s point `j`; unweighted data get the fit's residual
/// scale, sqrt(chi2 / dof).
fn data_error(d: &Dataset, j: usize, o: &Outcome) -> f64 {
    let scale = if d.measured.error.is_some() {
        1.0
    } else {
        (o.chi2 / o.dof.max(1) as f64).sqrt()
    };
    scale * d.sigma(j)
}

/// The Monte Carlo's value and standard error of dataset `d` at each measured time
/// (None where it has none: too few emissions or effective walkers).
fn mc_points(
    d: &Dataset,
    s: &Scenario,
    c: &Curves,
    stream: u64,
    theta: &[f64],
) -> Vec<Option<(f64, f64)>> {
    let a = d.instrument.at(theta);
    let Some(values) = model_points(d, s, c, stream, &a) else {
        return vec![None; d.measured.time_ps.len()];
    };
    let a2 = s.pitch_nm * s.pitch_nm;
    let errors: Vec<Option<f64>> = match d.observable {
        Observable::Msd => c.msd_stderr.iter().map(|e| e.map(|e| e * a2)).collect(),
        Observable::ApparentMsd => exciton_core::microscope::observe_expected(s, stream, c)
            .map(|o| o.stderr_nm2)
            .unwrap_or_default(),
        Observable::Intensity => {
            // model_points had a peak, or it would have no values.
            let peak = intensity_peak(c).unwrap_or(f64::INFINITY);
            c.intensity_stderr
                .iter()
                .map(|e| e.map(|e| a.scale * e / peak))
                .collect()
        }
    };
    d.measured
        .time_ps
        .iter()
        .zip(values)
        .map(|(&t, v)| {
            let k = ((t - a.t0_ps) / s.dt_ps).round().max(0.0) as usize;
            Some((v?, errors.get(k).copied().flatten()?))
        })
        .collect()
}

/// Where the check says what it runs, and what cancels it.
struct Stage<'a> {
    say: &'a dyn Fn(&str),
    progress: &'a Progress,
}

/// Runs the Monte Carlo for dataset `i` at the best values with `walkers`.
fn run_at(
    fit: &Fit,
    o: &Outcome,
    engine: &Engine,
    i: usize,
    walkers: u64,
    stage: &Stage,
) -> Result<DatasetCheck, Error> {
    let d = &fit.datasets[i];
    (stage.say)(&format!(
        "check {}: the Monte Carlo at the best values, {walkers:.1e} walkers",
        d.label
    ));
    let mut s = fit.scenario(d, &o.params).map_err(Error::FitScenario)?;
    s.walkers = walkers;
    let e = engine.estimate(&s, i as u64, stage.progress)?;
    let points = mc_points(d, &s, &e.curves, i as u64, &o.params);
    let (mut chi2, mut n, mut ratio2) = (0.0, 0, 0.0);
    for (j, p) in points.iter().enumerate() {
        let Some((m, err)) = p else { continue };
        let de = data_error(d, j, o);
        chi2 += (m - d.measured.value[j]).powi(2) / (de * de + err * err);
        ratio2 += (err / de).powi(2);
        n += 1;
    }
    Ok(DatasetCheck {
        label: d.label.clone(),
        walkers,
        points: n,
        missing: points.len() - n,
        chi2,
        p_value: chi2_p_value(chi2, n),
        noise_ratio: (ratio2 / n.max(1) as f64).sqrt(),
        sizing: String::new(),
        limited: None,
    })
}

/// The walkers that bring the RMS noise ratio `ratio` measured at `pilot` walkers down
/// to 1 / [`NOISE_DIVISOR`], rounded up to two significant digits.
fn sized(pilot: u64, ratio: f64) -> u64 {
    let n = pilot as f64 * (ratio * NOISE_DIVISOR).powi(2);
    let unit = 10f64.powi(n.max(1.0).log10().floor() as i32 - 1);
    ((n / unit - 1e-9).ceil() * unit).max(pilot as f64) as u64
}

/// Runs the Monte Carlo (`engine`) at the fit's best values against the data; `None`
/// when the fit asks for no check.
pub fn monte_carlo_check(
    fit: &Fit,
    o: &Outcome,
    engine: &Engine,
    say: &dyn Fn(&str),
    progress: &Progress,
) -> Result<Option<Check>, Error> {
    let stage = &Stage { say, progress };
    let datasets = match fit.check_walkers {
        CheckWalkers::Fixed(0) => return Ok(None),
        CheckWalkers::Fixed(n) => (0..fit.datasets.len())
            .map(|i| {
                let mut d = run_at(fit, o, engine, i, n, stage)?;
                d.sizing = "check_walkers in the fit file".into();
                Ok(d)
            })
            .collect::<Result<_, Error>>()?,
        CheckWalkers::Auto => (0..fit.datasets.len())
            .map(|i| auto_check(fit, o, engine, i, stage))
            .collect::<Result<_, Error>>()?,
    };
    Ok(Some(Check { datasets }))
}

/// Dataset `i`'s check sized to its errors: from a pilot, then re-sized from each run,
/// because a small run's jackknife can miss the rare walkers that carry a late MSD and
/// so underestimate its own noise.
fn auto_check(
    fit: &Fit,
    o: &Outcome,
    engine: &Engine,
    i: usize,
    stage: &Stage,
) -> Result<DatasetCheck, Error> {
    let mut sizes = vec![PILOT_WALKERS];
    loop {
        let walkers = sizes[sizes.len() - 1];
        let mut d = run_at(fit, o, engine, i, walkers, stage)?;
        let worst = if d.points == 0 {
            f64::INFINITY
        } else {
            d.noise_ratio
        };
        let need = if worst.is_finite() {
            sized(walkers, worst)
        } else {
            MAX_WALKERS + 1
        };
        let done = worst <= 1.2 / NOISE_DIVISOR || sizes.len() == 3;
        if done || need > MAX_WALKERS {
            d.sizing = format!(
                "sized so that the Monte Carlo's noise is at most 1/{NOISE_DIVISOR} of the data's errors (RMS over the points): runs of {}",
                sizes.iter().map(|n| format!("{n:.1e}")).collect::<Vec<_>>().join(", ")
            );
            d.limited = (!done).then(|| format!(
                "too expensive to size: its noise is {worst:.2} of the data's errors at {walkers:.1e} walkers, and 1/{NOISE_DIVISOR} would need ~{need:.1e}, above the automatic limit of {MAX_WALKERS:.0e}; set \"check_walkers\" to run more"
            ));
            return Ok(d);
        }
        sizes.push(need);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sized_walkers_bring_the_noise_to_a_third() {
        // Noise falls as 1/sqrt(N): a ratio of 1 at 2e4 needs 9 x 2e4.
        assert_eq!(sized(20_000, 1.0), 180_000);
        assert_eq!(sized(20_000, 0.1), 20_000);
        assert_eq!(sized(20_000, 2.0), 720_000);
        assert_eq!(sized(20_000, 1.234), 280_000);
    }
}
