//! Weighted least squares with bounds: Levenberg-Marquardt from the
//! `levenberg-marquardt` crate, on residuals given as a closure (already weighted:
//! (model - data) / error). Bounds are kept by a change of variables (MINUIT's): a
//! parameter with two bounds is lo + (hi - lo)(sin u + 1)/2, with one bound
//! lo + sqrt(u^2 + 1) - 1 (or hi - ...), so the minimiser itself is unconstrained. The Jacobian is
//! taken by central differences, so any model can be fitted; the covariance is
//! (J^T J)^-1 at the minimum, mapped back to the parameters.

use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use nalgebra::storage::Owned;
use nalgebra::{DMatrix, DVector, Dyn};

/// A parameter's allowed range (either end may be infinite).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// Lowest allowed value (`f64::NEG_INFINITY`: no lower bound).
    pub min: f64,
    /// Highest allowed value (`f64::INFINITY`: no upper bound).
    pub max: f64,
}

impl Bounds {
    pub(crate) const FREE: Bounds = Bounds {
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    };

    /// The parameter for the minimiser's variable `u`.
    fn external(self, u: f64) -> f64 {
        match (self.min.is_finite(), self.max.is_finite()) {
            (true, true) => self.min + (self.max - self.min) * (u.sin() + 1.0) / 2.0,
            (true, false) => self.min - 1.0 + (u * u + 1.0).sqrt(),
            (false, true) => self.max + 1.0 - (u * u + 1.0).sqrt(),
            (false, false) => u,
        }
    }

    /// The minimiser's variable for the parameter `x` (clamped into the range).
    fn internal(self, x: f64) -> f64 {
        match (self.min.is_finite(), self.max.is_finite()) {
            (true, true) => {
                let s = (2.0 * (x - self.min) / (self.max - self.min) - 1.0).clamp(-1.0, 1.0);
                s.asin()
            }
            (true, false) => ((x - self.min + 1.0).max(1.0).powi(2) - 1.0).sqrt(),
            (false, true) => ((self.max - x + 1.0).max(1.0).powi(2) - 1.0).sqrt(),
            (false, false) => x,
        }
    }

    /// dx/du at `u`.
    fn slope(self, u: f64) -> f64 {
        match (self.min.is_finite(), self.max.is_finite()) {
            (true, true) => (self.max - self.min) * u.cos() / 2.0,
            (true, false) => u / (u * u + 1.0).sqrt(),
            (false, true) => -u / (u * u + 1.0).sqrt(),
            (false, false) => 1.0,
        }
    }
}

/// The outcome of a fit.
#[derive(Clone, Debug, PartialEq)]
pub struct Solution {
    /// The fitted parameters, where the minimiser stopped.
    pub params: Vec<f64>,
    /// Covariance of the parameters (None where J^T J is singular).
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Sum of squared (weighted) residuals at the minimum.
    pub chi2: f64,
    /// The minimiser reported success and the residuals are defined at its result.
    pub converged: bool,
    /// Evaluations of the residuals, the Jacobian's included.
    pub evaluations: usize,
}

/// The Jacobian of the residuals by parameter, `[residual][parameter]`.
pub(crate) type Jacobian<'a> = &'a dyn Fn(&[f64]) -> Option<Vec<Vec<f64>>>;

struct Problem<'a> {
    residuals: &'a dyn Fn(&[f64]) -> Option<Vec<f64>>,
    analytic: Option<Jacobian<'a>>,
    bounds: &'a [Bounds],
    u: DVector<f64>,
    evaluations: std::cell::Cell<usize>,
}

impl Problem<'_> {
    fn external(&self, u: &DVector<f64>) -> Vec<f64> {
        u.iter()
            .zip(self.bounds)
            .map(|(&u, b)| b.external(u))
            .collect()
    }

    fn eval(&self, u: &DVector<f64>) -> Option<DVector<f64>> {
        self.evaluations.set(self.evaluations.get() + 1);
        let r = (self.residuals)(&self.external(u))?;
        r.iter()
            .all(|v| v.is_finite())
            .then(|| DVector::from_vec(r))
    }
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Problem<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, u: &DVector<f64>) {
        self.u.copy_from(u);
    }

    fn params(&self) -> DVector<f64> {
        self.u.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        self.eval(&self.u)
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        let n = self.u.len();
        if let Some(jac) = self.analytic {
            // d r / d u = d r / d x * d x / d u.
            self.evaluations.set(self.evaluations.get() + 1);
            let x = self.external(&self.u);
            let j = jac(&x)?;
            let slopes: Vec<f64> = self
                .u
                .iter()
                .zip(self.bounds)
                .map(|(&u, b)| b.slope(u))
                .collect();
            let m = j.len();
            return Some(DMatrix::from_fn(m, n, |r, c| j[r][c] * slopes[c]));
        }
        let mut columns = Vec::with_capacity(n);
        for k in 0..n {
            let h = 1e-6 * self.u[k].abs().max(1e-3);
            let (mut up, mut down) = (self.u.clone(), self.u.clone());
            up[k] += h;
            down[k] -= h;
            let (a, b) = (self.eval(&up)?, self.eval(&down)?);
            columns.push((a - b) / (2.0 * h));
        }
        Some(DMatrix::from_columns(&columns))
    }
}

/// Minimises the sum of squares of `residuals(params)` from `start`, each parameter
/// within its `bounds`.
pub fn minimize(
    residuals: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    start: &[f64],
    bounds: &[Bounds],
) -> Solution {
    minimize_with(residuals, None, start, bounds)
}

/// [`minimize`] with the Jacobian given (by parameter) rather than taken by differences.
pub(crate) fn minimize_with(
    residuals: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    jacobian: Option<Jacobian>,
    start: &[f64],
    bounds: &[Bounds],
) -> Solution {
    assert_eq!(start.len(), bounds.len(), "a bound per parameter");
    let u0 = DVector::from_iterator(
        start.len(),
        start.iter().zip(bounds).map(|(&x, b)| b.internal(x)),
    );
    let problem = Problem {
        residuals,
        analytic: jacobian,
        bounds,
        u: u0,
        evaluations: std::cell::Cell::new(0),
    };
    let (problem, report) = LevenbergMarquardt::new()
        .with_patience(200)
        .minimize(problem);
    let u = problem.u.clone();
    let params = problem.external(&u);
    let r = problem.eval(&u);
    let chi2 = r.as_ref().map_or(f64::INFINITY, |r| r.norm_squared());
    let covariance = problem.jacobian().and_then(|j| {
        let inv = (j.transpose() * &j).try_inverse()?;
        let d: Vec<f64> = u.iter().zip(bounds).map(|(&u, b)| b.slope(u)).collect();
        let n = d.len();
        let cov: Vec<Vec<f64>> = (0..n)
            .map(|a| (0..n).map(|b| inv[(a, b)] * d[a] * d[b]).collect())
            .collect();
        cov.iter()
            .enumerate()
            .all(|(i, row)| row[i].is_finite() && row[i] >= 0.0)
            .then_some(cov)
    });
    Solution {
        params,
        covariance,
        chi2,
        converged: report.termination.was_successful() && r.is_some(),
        evaluations: problem.evaluations.get(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_straight_line_with_known_errors() {
        // y = 2 + 3x with errors 0.1: the exact least-squares answer and its covariance.
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|x| 2.0 + 3.0 * x + if *x as i32 % 2 == 0 { 0.05 } else { -0.05 })
            .collect();
        let r = |p: &[f64]| {
            Some(
                x.iter()
                    .zip(&y)
                    .map(|(x, y)| (p[0] + p[1] * x - y) / 0.1)
                    .collect(),
            )
        };
        let s = minimize(&r, &[0.0, 1.0], &[Bounds::FREE, Bounds::FREE]);
        assert!(s.converged);
        let (n, sx, sxx) = (10.0, 45.0, 285.0);
        let det = n * sxx - sx * sx;
        let var_b = 0.01 * n / det;
        let cov = s.covariance.unwrap();
        assert!(
            (cov[1][1] - var_b).abs() < 1e-9 * var_b.max(1.0),
            "{} vs {var_b}",
            cov[1][1]
        );
        assert!((s.params[1] - 3.0).abs() < 0.01, "{:?}", s.params);
    }

    #[test]
    fn bounds_hold_the_minimum_inside() {
        // The free minimum is at 5; the bound is 0..=2.
        let r = |p: &[f64]| Some(vec![p[0] - 5.0]);
        let s = minimize(&r, &[1.0], &[Bounds { min: 0.0, max: 2.0 }]);
        assert!((s.params[0] - 2.0).abs() < 1e-6, "{:?}", s.params);
        let s = minimize(
            &r,
            &[1.0],
            &[Bounds {
                min: 0.0,
                max: f64::INFINITY,
            }],
        );
        assert!((s.params[0] - 5.0).abs() < 1e-6, "{:?}", s.params);
    }
}
