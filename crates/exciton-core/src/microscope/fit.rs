//! The fit of one frame's camera image: a Gaussian, or the paper's Voigt (a pseudo-Voigt
//! whose Lorentzian width is fitted on frame 0 and then held). sigma_app^2 is the
//! Gaussian variance either way.

use crate::lsq::{minimize, minimize_with, Bounds};
use crate::scenario::microscope::FitModel;

/// One frame's fit.
#[derive(Clone, Debug, PartialEq)]
pub struct ProfileFit {
    /// The Gaussian variance sigma_app^2, nm^2.
    pub variance_nm2: f64,
    /// Its standard error from the fit's covariance (NaN without one), nm^2.
    pub variance_err_nm2: f64,
    /// The Voigt's Lorentzian half width, nm (None for a Gaussian).
    pub lorentz_nm: Option<f64>,
    /// Peak height: with the centre and the variance, the next frame's start.
    pub amplitude: f64,
    /// The profile's centre, nm.
    pub centre_nm: f64,
}

impl ProfileFit {
    /// The fitted profile at `x_nm`: what a figure draws over the data.
    pub fn at(&self, x_nm: f64) -> f64 {
        let d = x_nm - self.centre_nm;
        match self.lorentz_nm {
            None => self.amplitude * (-d * d / (2.0 * self.variance_nm2)).exp(),
            Some(g) => pseudo_voigt(self.amplitude, d, self.variance_nm2, g),
        }
    }
}

/// Pseudo-Voigt (Thompson, Cox and Hastings) of Gaussian variance `v` and Lorentzian half
/// width `g` at distance `d`, peak-normalised to `a`.
fn pseudo_voigt(a: f64, d: f64, v: f64, g: f64) -> f64 {
    let fg = (8.0 * std::f64::consts::LN_2 * v).sqrt();
    let fl = 2.0 * g;
    let f = (fg.powi(5)
        + 2.69269 * fg.powi(4) * fl
        + 2.42843 * fg.powi(3) * fl.powi(2)
        + 4.47163 * fg.powi(2) * fl.powi(3)
        + 0.07842 * fg * fl.powi(4)
        + fl.powi(5))
    .powf(0.2);
    let r = fl / f;
    let eta = 1.36603 * r - 0.47719 * r * r + 0.11116 * r.powi(3);
    let hw = f / 2.0;
    let gauss = (-std::f64::consts::LN_2 * (d / hw).powi(2)).exp();
    let lorentz = 1.0 / (1.0 + (d / hw).powi(2));
    a * (eta * lorentz + (1.0 - eta) * gauss)
}

/// Why a frame has no fit: said in analysis.json beside its null.
#[derive(Clone, Debug, PartialEq)]
pub enum NoFit {
    /// No counts (or a profile that sums to zero or less).
    Empty,
    /// Fewer detected photons than [`super::MIN_PHOTONS`].
    TooFew {
        /// The photons (or emissions) it has.
        detected: f64,
    },
    /// The least-squares fit ended without converging (the minimiser's reason).
    NotConverged(String),
}

impl std::fmt::Display for NoFit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NoFit::Empty => write!(f, "empty: the profile sums to zero or less"),
            NoFit::TooFew { detected } => write!(
                f,
                "too few counts: {detected:.0} (a fit rests on at least {})",
                super::MIN_PHOTONS
            ),
            NoFit::NotConverged(why) => write!(f, "the profile fit did not converge ({why})"),
        }
    }
}

/// Starting centre and variance from the peak and the width at half its height. The
/// moments of the whole image were the start before: a 512-pixel camera's background
/// noise made its variance negative, the start became 1 nm^2, and the fit converged on a
/// spike through the peak pixel (sigma^2 13 nm^2 for a true 90 000).
fn half_maximum_start(x: &[f64], data: &[f64]) -> (f64, f64) {
    let n = data.len();
    let k = (0..n).fold(0, |best, j| if data[j] > data[best] { j } else { best });
    let half = data[k] / 2.0;
    let cross = |a: usize, b: usize| x[a] + (x[b] - x[a]) * (data[a] - half) / (data[a] - data[b]);
    let left = (0..k)
        .rev()
        .find(|&j| data[j] <= half)
        .map_or(x[0], |j| cross(j + 1, j));
    let right = (k + 1..n)
        .find(|&j| data[j] <= half)
        .map_or(x[n - 1], |j| cross(j - 1, j));
    let spacing = if n > 1 {
        (x[n - 1] - x[0]).abs() / (n - 1) as f64
    } else {
        1.0
    };
    let fwhm = (right - left).abs().max(spacing);
    (x[k], (fwhm / (8.0 * std::f64::consts::LN_2).sqrt()).powi(2))
}

/// Fits `data` at pixel centres `x` (nm) with `weights` (1 / variance); `held` is the
/// Lorentzian half width to hold (Voigt frames after the first); `previous`, the last
/// frame's fit, starts this one (neighbouring frames differ little).
pub(crate) fn fit_profile(
    x: &[f64],
    data: &[f64],
    weights: &[f64],
    model: FitModel,
    held: Option<f64>,
    previous: Option<&ProfileFit>,
) -> Result<ProfileFit, NoFit> {
    let total: f64 = data.iter().sum();
    if total <= 0.0 || total.is_nan() {
        return Err(NoFit::Empty);
    }
    let (mean, var) = half_maximum_start(x, data);
    let peak = data.iter().cloned().fold(0.0, f64::max);
    let sw: Vec<f64> = weights.iter().map(|w| w.sqrt()).collect();
    let positive = Bounds {
        min: 0.0,
        max: f64::INFINITY,
    };
    let (start, bounds, lorentz): (Vec<f64>, Vec<Bounds>, Option<usize>) = match (model, held) {
        (FitModel::Gaussian, _) | (FitModel::Voigt, Some(_)) => {
            // The peak is this frame's (the PL decays); centre and width the last fit's.
            let start = previous.map_or(vec![peak, mean, var], |p| {
                vec![peak, p.centre_nm, p.variance_nm2]
            });
            (start, vec![positive, Bounds::FREE, positive], None)
        }
        (FitModel::Voigt, None) => (
            vec![peak, mean, var * 0.8, 0.1 * var.sqrt()],
            vec![positive, Bounds::FREE, positive, positive],
            Some(3),
        ),
    };
    let residuals = |p: &[f64]| -> Option<Vec<f64>> {
        let g = match (model, held) {
            (FitModel::Gaussian, _) => None,
            (FitModel::Voigt, Some(h)) => Some(h),
            (FitModel::Voigt, None) => Some(p[3]),
        };
        Some(
            x.iter()
                .zip(data)
                .zip(&sw)
                .map(|((&x, &d), &w)| {
                    let f = match g {
                        None => p[0] * (-(x - p[1]).powi(2) / (2.0 * p[2])).exp(),
                        Some(g) => pseudo_voigt(p[0], x - p[1], p[2], g),
                    };
                    (f - d) * w
                })
                .collect(),
        )
    };
    // The Gaussian's Jacobian by hand: one evaluation per step instead of seven.
    let gaussian_jacobian = |p: &[f64]| -> Option<Vec<Vec<f64>>> {
        Some(
            x.iter()
                .zip(&sw)
                .map(|(&x, &w)| {
                    let d = x - p[1];
                    let g = (-d * d / (2.0 * p[2])).exp();
                    vec![
                        w * g,
                        w * p[0] * g * d / p[2],
                        w * p[0] * g * d * d / (2.0 * p[2] * p[2]),
                    ]
                })
                .collect(),
        )
    };
    let s = if model == FitModel::Gaussian {
        minimize_with(&residuals, Some(&gaussian_jacobian), &start, &bounds)
    } else {
        minimize(&residuals, &start, &bounds)
    };
    if !s.converged {
        return Err(NoFit::NotConverged(s.termination));
    }
    if !s.params[2].is_finite() {
        return Err(NoFit::NotConverged("the variance is not finite".into()));
    }
    let err = s.covariance.as_ref().map_or(f64::NAN, |c| c[2][2].sqrt());
    Ok(ProfileFit {
        variance_nm2: s.params[2],
        variance_err_nm2: err,
        lorentz_nm: lorentz.map(|i| s.params[i]).or(held),
        amplitude: s.params[0],
        centre_nm: s.params[1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gaussian_image_gives_its_variance() {
        let x: Vec<f64> = (-60..=60).map(|k| k as f64 * 40.0).collect();
        let data: Vec<f64> = x
            .iter()
            .map(|x| 500.0 * (-(x - 30.0).powi(2) / (2.0 * 150.0f64.powi(2))).exp())
            .collect();
        let w = vec![1.0; x.len()];
        let f = fit_profile(&x, &data, &w, FitModel::Gaussian, None, None).unwrap();
        assert!((f.variance_nm2 - 22_500.0).abs() < 1e-3, "{f:?}");
        // A Voigt fit of a pure Gaussian finds no Lorentzian part.
        let v = fit_profile(&x, &data, &w, FitModel::Voigt, None, None).unwrap();
        assert!(
            (v.variance_nm2 - 22_500.0).abs() < 50.0 && v.lorentz_nm.unwrap() < 5.0,
            "{v:?}"
        );
    }
}
