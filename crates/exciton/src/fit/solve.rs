//! The least-squares fit itself: Levenberg-Marquardt from each starting point, the best
//! kept, and its errors from the Jacobian in the parameters at the minimum.

use super::Fit;
use exciton_core::lsq::{conditioning, minimize_defined, Bounds, Solution};

/// A fit's result.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub params: Vec<f64>,
    pub covariance: Option<Vec<Vec<f64>>>,
    /// Of J^T J scaled to a unit diagonal (1: independent parameters; infinite:
    /// singular).
    pub condition: f64,
    /// Groups of parameters (indices into `free`) the data cannot tell apart.
    pub degenerate: Vec<Vec<usize>>,
    pub chi2: f64,
    pub dof: usize,
    pub converged: bool,
    /// Why the minimiser stopped.
    pub termination: String,
    pub evaluations: usize,
    /// No dataset had errors: the covariance is scaled by chi2 / dof.
    pub errors_from_residuals: bool,
}

impl Fit {
    /// Starting points: the initial values, then spread over each parameter's bounds
    /// (or around its initial value) by a fixed sequence.
    fn starting_points(&self) -> Vec<Vec<f64>> {
        let mut rng = exciton_core::kernels::rng::Pcg32::new(0x5eed, 17);
        let mut out = vec![self.initial()];
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
        let mut best: Option<Solution> = None;
        let mut evaluations = 0;
        for start in self.starting_points() {
            let s = minimize_defined(&residuals, &start, &bounds);
            evaluations += s.evaluations;
            if best
                .as_ref()
                .is_none_or(|b| s.chi2 < b.chi2 || (!b.converged && s.converged))
            {
                best = Some(s);
            }
        }
        let best = best.expect("at least one start");
        let c = conditioning(&residuals, &best.params, &bounds);
        let dof = self.points().saturating_sub(self.free.len());
        let scale = if self.weighted() || dof == 0 {
            1.0
        } else {
            best.chi2 / dof as f64
        };
        let covariance = c.covariance.map(|c| {
            c.iter()
                .map(|row| row.iter().map(|v| v * scale).collect())
                .collect::<Vec<Vec<f64>>>()
        });
        Outcome {
            params: best.params,
            covariance,
            condition: c.condition,
            degenerate: c.degenerate,
            chi2: best.chi2,
            dof,
            converged: best.converged,
            termination: best.termination,
            evaluations: evaluations + 2 * self.free.len() + 1,
            errors_from_residuals: !self.weighted(),
        }
    }
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
