//! How time advances in a walk, and the tables of continuous time.
//!
//! Continuous time is uniformization, per state: a walker in a row (a state of a size
//! class) with total rate r has its first real event within a frame with probability
//! 1 - exp(-r dt), which one draw against that row's *first-event* thresholds decides,
//! and which event it is (k_i / r) from where the draw falls. A frame without one costs
//! one compare, as a per-frame probability does, so a walker in a slow state (a dark
//! exciton) draws no virtual candidates. After the first event the rest of the frame is
//! global uniformization: a count of candidates at Lambda (the largest total rate) from
//! the row's *after* table, each a draw against the *uniformized* rows (k_i / Lambda,
//! else nothing). Exact: the first event's time tau is Exp(r) cut at dt, which event it
//! is does not depend on tau, and the candidates in the rest of the frame are
//! Poisson(Lambda (dt - tau)); the after table is that count's law with tau integrated
//! out, so the walk needs no time within the frame and stays in integers.

use crate::tables::TWO_POW_32;

/// How time advances in a walk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clock {
    /// One outcome per frame from per-frame probabilities.
    Frames,
    /// Continuous time: the first event of a frame per state, then candidate events at
    /// `lambda_per_ns` for the rest of it (the module's documentation).
    Uniformized {
        /// Lambda, the largest total rate out of any state, ns^-1: the rate of candidate
        /// events after a frame's first event.
        lambda_per_ns: f64,
        /// Lambda dt: the mean number of candidate events in a whole frame.
        mean_per_frame: f64,
    },
}

/// Most entries of an after table that is built: past what validation lets a frame hold
/// (`tables::MAX_POISSON_LEN`), so a fuzzed rate cannot make the host build a huge one.
const AFTER_CAP: usize = 4096;

/// The law of M, the candidates (at rate Lambda) left in a frame after its first event,
/// for a row of total rate r: `a` = Lambda dt, `b` = r dt (0 < b <= a), as a cumulative
/// `u32` table cut where its tail no longer moves a threshold (the last entry saturated).
///
/// With x = 1 - tau/dt the frame's remainder, x has density b e^(-b (1 - x)) / (1 -
/// e^-b) on [0, 1] and M given x is Poisson(a x), so with d = a - b
///   P(M = m) = b e^-a a^m / ((m + 1)! (1 - e^-b)) S_m,
///   S_m = sum_j>=0 d^j (m + 1)! / (m + 1 + j)!
/// (the integral of e^(-d x) x^m as a series of positive terms: no cancellation however
/// small d is). b = a gives P(N = m + 1 | N >= 1) for N ~ Poisson(a); b -> 0 gives
/// P(Poisson(a U) = m), U uniform.
pub(crate) fn after_first_table(a: f64, b: f64) -> Vec<u32> {
    if b <= 0.0 || a <= 0.0 {
        return vec![u32::MAX];
    }
    let d = (a - b).max(0.0);
    let log_front = b.ln() - a - (-(-b).exp_m1()).ln();
    let mut pmf = Vec::new();
    let mut cdf = 0.0;
    // Past the mean, stop once the tail can no longer move a threshold.
    while ((1.0 - cdf) * TWO_POW_32 >= 0.5 || (pmf.len() as f64) < a) && pmf.len() < AFTER_CAP {
        let m = pmf.len() as f64;
        let p = (log_front + m * a.ln() - libm::lgamma(m + 2.0) + series(d, m).ln()).exp();
        pmf.push(p);
        cdf += p;
        if p == 0.0 && m > a {
            break;
        }
    }
    let mut table = crate::tables::cumulative_thresholds(&pmf);
    *table.last_mut().expect("an after table has an entry") = u32::MAX;
    table
}

/// S_m = sum_j>=0 d^j / ((m + 2)(m + 3)...(m + 1 + j)): terms rise while d > m + 1 + j,
/// then fall faster than geometrically.
fn series(d: f64, m: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let mut j = 1.0;
    while term > sum * 1e-18 && j < 100_000.0 {
        term *= d / (m + 1.0 + j);
        sum += term;
        j += 1.0;
    }
    sum
}

/// The probability that a row of total rate `rate_per_ns` has an event in a frame of
/// `dt_ps`: 1 - exp(-r dt), what its first-event thresholds add up to.
pub(crate) fn first_event_probability(rate_per_ns: f64, dt_ps: f64) -> f64 {
    -(-rate_per_ns * dt_ps * 1e-3).exp_m1()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{poisson_table, threshold_probabilities};

    /// P(M = m) by the defining integral (Simpson's rule on a fine grid).
    fn by_quadrature(a: f64, b: f64, m: i32) -> f64 {
        let n = 20_000;
        let h = 1.0 / n as f64;
        let f = |x: f64| {
            b * (-b * (1.0 - x)).exp() / (-(-b).exp_m1()) * (-a * x).exp() * (a * x).powi(m)
                / libm::tgamma(f64::from(m) + 1.0)
        };
        (0..=n)
            .map(|i| {
                let w = if i == 0 || i == n {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                w * f(i as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0
    }

    #[test]
    fn the_after_table_is_the_law_of_the_candidates_left() {
        for (a, b) in [
            (0.6, 0.6),
            (0.6, 0.025),
            (3.24, 3.24),
            (3.24, 0.05),
            (12.0, 3.0),
        ] {
            let p = threshold_probabilities(&after_first_table(a, b));
            for (m, &q) in p.iter().enumerate().take(30) {
                let want = by_quadrature(a, b, m as i32);
                println!("a {a} b {b} m {m}: table {q:.10} quadrature {want:.10}");
                assert!((q - want).abs() < 1e-9, "a {a} b {b} m {m}: {q} vs {want}");
            }
        }
    }

    #[test]
    fn the_after_table_meets_its_limits() {
        // b = a: the first candidate is the first event; the rest are N - 1 given N >= 1.
        let a: f64 = 2.0;
        let p = threshold_probabilities(&after_first_table(a, a));
        let norm = -(-a).exp_m1();
        for (m, &q) in p.iter().enumerate().take(12) {
            let want = (-a).exp() * a.powi(m as i32 + 1) / libm::tgamma(m as f64 + 2.0) / norm;
            assert!((q - want).abs() < 1e-9, "m {m}: {q} vs {want}");
        }
        // The mean of M: E[a x] with x's density above; as b -> 0, a / 2.
        let p = threshold_probabilities(&after_first_table(a, 1e-9));
        let mean: f64 = p.iter().enumerate().map(|(m, q)| m as f64 * q).sum();
        assert!((mean - a / 2.0).abs() < 1e-6, "mean {mean}");
        assert_eq!(after_first_table(a, 0.0), vec![u32::MAX]);
        // Never longer than the Poisson table of a whole frame, which validation bounds
        // (scenario/validate/limits.rs: a frame's events).
        for a in [0.01, 0.6, 3.24, 12.0, 40.0, 80.0] {
            for b in [a, a / 2.0, a / 30.0, 1e-6] {
                let (after, whole) = (after_first_table(a, b).len(), poisson_table(a).len());
                assert!(after <= whole, "a {a} b {b}: {after} > {whole}");
            }
        }
        // A fuzzed rate gives a capped table, not one of its mean's size.
        assert!(after_first_table(1e12, 1e12).len() <= AFTER_CAP);
    }
}
