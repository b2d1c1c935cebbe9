//! The jackknife standard error of an estimator from its leave-one-out estimates (one per
//! walker block, [`super::uncertainty`]): what every Monte Carlo error bar is.

/// The jackknife standard error from leave-one-out estimates; `None` with fewer than
/// two, or when any estimate is missing (the estimator is then too fragile to trust).
pub(super) fn jackknife(estimates: &[Option<f64>]) -> Option<f64> {
    let n = estimates.len();
    if n < 2 {
        return None;
    }
    let values: Vec<f64> = estimates.iter().copied().collect::<Option<_>>()?;
    let mean = values.iter().sum::<f64>() / n as f64;
    let ss: f64 = values.iter().map(|v| (v - mean).powi(2)).sum();
    Some((ss * (n as f64 - 1.0) / n as f64).sqrt())
}
