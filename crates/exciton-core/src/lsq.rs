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
    /// No bounds.
    pub const FREE: Bounds = Bounds {
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
    /// Why the minimiser stopped, as it says.
    pub termination: String,
}

/// The Jacobian of the residuals by parameter, `[residual][parameter]`.
pub(crate) type Jacobian<'a> = &'a dyn Fn(&[f64]) -> Option<Vec<Vec<f64>>>;

struct Problem<'a> {
    residuals: &'a dyn Fn(&[f64]) -> Option<Vec<f64>>,
    analytic: Option<Jacobian<'a>>,
    bounds: &'a [Bounds],
    u: DVector<f64>,
    evaluations: std::cell::Cell<usize>,
    /// Residuals per evaluation, where a step the model is undefined at is rejected
    /// (huge residuals) instead of ending the fit; None: such a step ends it.
    reject_undefined: Option<usize>,
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
        // 1e150 per residual: any defined point is better, and m 1e300 stays finite.
        self.eval(&self.u).or_else(|| {
            self.reject_undefined
                .map(|m| DVector::from_element(m, 1e150))
        })
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
            columns.push(match (self.eval(&up), self.eval(&down)) {
                (Some(a), Some(b)) => (a - b) / (2.0 * h),
                // One-sided where the model is undefined on one side (a bound of the
                // scenario's own, such as probabilities summing to 1).
                (Some(a), None) if self.reject_undefined.is_some() => (a - self.eval(&self.u)?) / h,
                (None, Some(b)) if self.reject_undefined.is_some() => (self.eval(&self.u)? - b) / h,
                _ => return None,
            });
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

/// [`minimize`] where the model may be undefined inside the bounds (a scenario refuses
/// probabilities that sum above 1): a step there is rejected and the minimiser tries a
/// shorter one, instead of stopping where the model is undefined.
pub fn minimize_defined(
    residuals: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    start: &[f64],
    bounds: &[Bounds],
) -> Solution {
    let m = residuals(start).map(|r| r.len());
    solve(residuals, None, start, bounds, m)
}

/// [`minimize`] with the Jacobian given (by parameter) rather than taken by differences.
pub(crate) fn minimize_with(
    residuals: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    jacobian: Option<Jacobian>,
    start: &[f64],
    bounds: &[Bounds],
) -> Solution {
    solve(residuals, jacobian, start, bounds, None)
}

fn solve(
    residuals: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    jacobian: Option<Jacobian>,
    start: &[f64],
    bounds: &[Bounds],
    reject_undefined: Option<usize>,
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
        reject_undefined,
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
        termination: format!("{:?}", report.termination),
    }
}

/// How well the data pin the parameters down at a minimum, from the Jacobian in the
/// parameters themselves (not the minimiser's bound-mapped variables, whose slope
/// vanishes at a bound and would report a zero error there).
#[derive(Clone, Debug, PartialEq)]
pub struct Conditioning {
    /// (J^T J)^-1; None where J^T J is singular (or the model is undefined nearby).
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Largest over smallest eigenvalue of J^T J scaled to a unit diagonal (infinite
    /// where singular): 1 for independent parameters, (1 + r)/(1 - r) for two with
    /// correlation r.
    pub condition: f64,
    /// Groups of parameters (indices) that the data cannot tell apart: a parameter the
    /// residuals do not depend on, or the large components of a near-null direction.
    pub degenerate: Vec<Vec<usize>>,
}

/// Condition number above which a direction counts as not determined.
const SINGULAR: f64 = 1e12;

/// [`Conditioning`] at `params`, with the Jacobian by central differences (one-sided
/// at a bound, so the model is never asked outside it).
pub fn conditioning(
    residuals: &dyn Fn(&[f64]) -> Option<Vec<f64>>,
    params: &[f64],
    bounds: &[Bounds],
) -> Conditioning {
    let undefined = Conditioning {
        covariance: None,
        condition: f64::INFINITY,
        degenerate: vec![(0..params.len()).collect()],
    };
    let Some(r0) = residuals(params) else {
        return undefined;
    };
    let mut columns = Vec::with_capacity(params.len());
    for (k, b) in bounds.iter().enumerate() {
        let x = params[k];
        let typical = if b.max - b.min < f64::INFINITY {
            1e-3 * (b.max - b.min)
        } else {
            1e-3
        };
        let h = 1e-6 * x.abs().max(typical);
        let (lo, hi) = ((x - h).max(b.min), (x + h).min(b.max));
        let at = |v: f64| {
            let mut p = params.to_vec();
            p[k] = v;
            if v == x {
                Some(r0.clone())
            } else {
                residuals(&p)
            }
        };
        let (Some(a), Some(c)) = (at(hi), at(lo)) else {
            return undefined;
        };
        columns.push(DVector::from_iterator(
            r0.len(),
            a.iter().zip(&c).map(|(a, c)| (a - c) / (hi - lo)),
        ));
    }
    let j = DMatrix::from_columns(&columns);
    from_jacobian(&j)
}

/// [`Conditioning`] of a Jacobian `[residual][parameter]`.
fn from_jacobian(j: &DMatrix<f64>) -> Conditioning {
    let n = j.ncols();
    let norms: Vec<f64> = (0..n).map(|k| j.column(k).norm()).collect();
    let mut degenerate: Vec<Vec<usize>> = (0..n)
        .filter(|&k| !(norms[k] > 0.0 && norms[k].is_finite()))
        .map(|k| vec![k])
        .collect();
    if !degenerate.is_empty() {
        return Conditioning {
            covariance: None,
            condition: f64::INFINITY,
            degenerate,
        };
    }
    let scaled = DMatrix::from_fn(j.nrows(), n, |r, c| j[(r, c)] / norms[c]);
    let normal = scaled.transpose() * &scaled;
    let eigen = normal.clone().symmetric_eigen();
    let (lo, hi) = eigen
        .eigenvalues
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(a, b), &v| (a.min(v), b.max(v)));
    let condition = if lo > 0.0 { hi / lo } else { f64::INFINITY };
    for (i, &v) in eigen.eigenvalues.iter().enumerate() {
        if v <= hi / SINGULAR {
            let dir = eigen.eigenvectors.column(i);
            degenerate.push((0..n).filter(|&k| dir[k].abs() > 0.3).collect());
        }
    }
    let covariance = if degenerate.is_empty() {
        normal.try_inverse().map(|inv| {
            (0..n)
                .map(|a| {
                    (0..n)
                        .map(|b| inv[(a, b)] / (norms[a] * norms[b]))
                        .collect()
                })
                .collect()
        })
    } else {
        None
    };
    Conditioning {
        covariance,
        condition,
        degenerate,
    }
}

/// The probability that a chi^2 variable with `dof` degrees of freedom is at least
/// `chi2`: Q(dof/2, chi2/2), the regularised upper incomplete gamma function (series
/// below a + 1, Lentz's continued fraction above; Numerical Recipes 6.2).
pub fn chi2_p_value(chi2: f64, dof: usize) -> f64 {
    if dof == 0 || chi2.is_nan() {
        return f64::NAN;
    }
    let (a, x) = (dof as f64 / 2.0, chi2.max(0.0) / 2.0);
    if x == 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    let ln_front = a * x.ln() - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * ln_front.exp()).max(0.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let (mut c, mut d) = (1.0 / tiny, 1.0 / b);
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (ln_front.exp() * h).min(1.0)
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
    fn chi2_p_values_match_tables() {
        // Values from any chi^2 table (scipy.stats.chi2.sf).
        for (chi2, dof, p) in [
            (3.841458820694124, 1, 0.05),
            (10.0, 10, 0.4404932850652124),
            (124.342113404, 100, 0.05),
            (0.5, 3, 0.9188914116),
            (200.0, 100, 1.1784500720979781e-08),
        ] {
            let got = chi2_p_value(chi2, dof);
            assert!(
                (got - p).abs() < 1e-6 * p,
                "chi2 {chi2}, dof {dof}: {got} vs the table's {p}"
            );
        }
    }

    #[test]
    fn conditioning_names_what_the_data_cannot_tell_apart() {
        // y = (a + b) x: only the sum is determined; c is not used at all.
        let x: Vec<f64> = (1..10).map(f64::from).collect();
        let r = |p: &[f64]| Some(x.iter().map(|x| (p[0] + p[1]) * x - 3.0 * x).collect());
        let free = [Bounds::FREE; 3];
        let c = conditioning(&|p: &[f64]| r(p), &[1.0, 2.0, 5.0], &free);
        assert!(c.covariance.is_none(), "{c:?}");
        assert_eq!(c.degenerate, vec![vec![2]], "{c:?}");
        let c = conditioning(&|p: &[f64]| r(&[p[0], p[1], 0.0]), &[1.0, 2.0], &free[..2]);
        assert_eq!(c.degenerate, vec![vec![0, 1]], "{c:?}");
        // A line a + b x: independent enough, and the covariance of the exact answer.
        let line = |p: &[f64]| Some(x.iter().map(|x| (p[0] + p[1] * x - 1.0) / 0.1).collect());
        let c = conditioning(&line, &[1.0, 0.0], &free[..2]);
        let (n, sx, sxx) = (9.0, 45.0, 285.0);
        let var_b = 0.01 * n / (n * sxx - sx * sx);
        let cov = c.covariance.unwrap();
        assert!(
            (cov[1][1] - var_b).abs() < 1e-6 * var_b,
            "{} vs {var_b}",
            cov[1][1]
        );
        assert!(c.condition > 1.0 && c.condition < 100.0, "{}", c.condition);
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
