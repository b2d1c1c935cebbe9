//! Trap depths (MODEL.md section 15): a trap's depth E_t is drawn from a distribution,
//! and a trapped exciton is released at nu_0 exp(-E_t / kB T), so deep traps hold at
//! low temperature and shallow ones let go as it rises.
//!
//! The walk has no continuous per-trap rate: the distribution is cut into K classes of
//! equal probability, and class k releases at r_k = nu_0 / E[exp(E_t / kB T) | class k].
//! That choice keeps the mean time in a trap exact, sum_k (1/K) / r_k =
//! E[exp(E_t / kB T)] / nu_0 (the integral over the depths); higher moments of the
//! release time are those of K geometric (or exponential) times. Where the conditional
//! mean diverges (an exponential distribution's deepest class when its mean E_0 >= kB T)
//! the class never releases (r_k = 0).

use crate::temperature::KB_MEV_PER_K;
use serde::{Deserialize, Serialize};

/// Depth classes when a scenario does not say.
pub const DEFAULT_CLASSES: usize = 8;

/// The distribution of trap depths, meV.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Depths {
    /// Exponential with mean E_0 (the band tail of a disordered film).
    Exponential {
        /// E_0, meV.
        #[serde(rename = "mean_meV")]
        mean_mev: f64,
    },
    /// Gaussian with mean and standard deviation (its tail below 0 is kept: a depth
    /// below 0 releases faster than nu_0).
    Gaussian {
        /// Mean depth, meV.
        #[serde(rename = "mean_meV")]
        mean_mev: f64,
        /// Standard deviation, meV.
        #[serde(rename = "sigma_meV")]
        sigma_mev: f64,
    },
}

/// ln Q(x), Q the standard normal's upper tail, without underflow far in the tail.
fn ln_upper_tail(x: f64) -> f64 {
    if x < 30.0 {
        return (0.5 * libm::erfc(x / std::f64::consts::SQRT_2)).ln();
    }
    // Asymptotic series: Q(x) = phi(x) / x (1 - 1/x^2 + 3/x^4 - 15/x^6 ...).
    let x2 = x * x;
    -0.5 * x2 - x.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
        + (1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2)).ln()
}

/// ln P(lo < Z < hi) of a standard normal Z (either end may be infinite).
fn ln_normal_mass(lo: f64, hi: f64) -> f64 {
    if lo >= 0.0 {
        // Both in the upper tail: Q(lo) - Q(hi).
        let (a, b) = (ln_upper_tail(lo), ln_upper_tail(hi));
        a + (-(b - a).exp()).ln_1p()
    } else if hi <= 0.0 {
        ln_normal_mass(-hi, -lo)
    } else {
        (-(ln_upper_tail(-lo).exp() + ln_upper_tail(hi).exp())).ln_1p()
    }
}

/// ln E[exp(a E) | E in class k of K] for depths `d` (a = 1 / kB T); +inf where it
/// diverges.
fn ln_class_mean(d: &Depths, k: usize, classes: usize, a: f64) -> f64 {
    let (p_lo, p_hi) = (k as f64 / classes as f64, (k + 1) as f64 / classes as f64);
    let ln_k = (classes as f64).ln();
    match *d {
        Depths::Exponential { mean_mev: e0 } => {
            let lo = -e0 * (-p_lo).ln_1p();
            let hi = if k + 1 == classes {
                f64::INFINITY
            } else {
                -e0 * (-p_hi).ln_1p()
            };
            // K / E0 x the integral of exp(-b E) over (lo, hi), b = 1/E0 - a.
            let b = 1.0 / e0 - a;
            if b > 0.0 {
                // ln(1 - e^-x) as ln(-expm1(-x)): no cancellation as b -> 0.
                ln_k - (e0 * b).ln() - b * lo + (-(-b * (hi - lo)).exp_m1()).ln()
            } else if hi.is_infinite() {
                f64::INFINITY
            } else if b == 0.0 {
                ln_k + ((hi - lo) / e0).ln()
            } else {
                ln_k - (-e0 * b).ln() - b * hi + (-(b * (hi - lo)).exp_m1()).ln()
            }
        }
        Depths::Gaussian {
            mean_mev: mu,
            sigma_mev: sigma,
        } => {
            let z = |p: f64| match p {
                p if p <= 0.0 => f64::NEG_INFINITY,
                p if p >= 1.0 => f64::INFINITY,
                p => crate::tables::normal_quantile(p),
            };
            let (lo, hi) = (z(p_lo), z(p_hi));
            let s = a * sigma;
            ln_k + a * mu + 0.5 * s * s + ln_normal_mass(lo - s, hi - s)
        }
    }
}

/// Each class's release (a rate or a probability per frame, as `attempt` is):
/// nu_0 / E[exp(E_t / kB T) | class k], 0 where that mean diverges or the release
/// underflows.
pub fn class_release(d: &Depths, classes: usize, attempt: f64, temperature_k: f64) -> Vec<f64> {
    let a = 1.0 / (KB_MEV_PER_K * temperature_k);
    (0..classes)
        .map(|k| (attempt.ln() - ln_class_mean(d, k, classes, a)).exp())
        .collect()
}

/// The median depth of each class, meV (what `check` shows beside its release).
pub fn class_depths_mev(d: &Depths, classes: usize) -> Vec<f64> {
    (0..classes)
        .map(|k| {
            let p = (k as f64 + 0.5) / classes as f64;
            match *d {
                Depths::Exponential { mean_mev } => -mean_mev * (-p).ln_1p(),
                Depths::Gaussian {
                    mean_mev,
                    sigma_mev,
                } => mean_mev + sigma_mev * crate::tables::normal_quantile(p),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E[exp(E / kT)] over the whole distribution, in closed form: 1 / (1 - E_0 / kT)
    /// for the exponential, exp(mu / kT + sigma^2 / 2 kT^2) for the Gaussian.
    fn integral(d: &Depths, t: f64) -> f64 {
        let a = 1.0 / (KB_MEV_PER_K * t);
        match *d {
            Depths::Exponential { mean_mev: e0 } => 1.0 / (1.0 - a * e0),
            Depths::Gaussian {
                mean_mev: m,
                sigma_mev: s,
            } => (a * m + 0.5 * (a * s).powi(2)).exp(),
        }
    }

    #[test]
    fn classes_keep_the_mean_release_time() {
        let cases = [
            (Depths::Exponential { mean_mev: 5.0 }, 100.0),
            (Depths::Exponential { mean_mev: 20.0 }, 300.0),
            (
                Depths::Gaussian {
                    mean_mev: 30.0,
                    sigma_mev: 8.0,
                },
                80.0,
            ),
            (
                Depths::Gaussian {
                    mean_mev: 30.0,
                    sigma_mev: 8.0,
                },
                300.0,
            ),
        ];
        for (d, t) in cases {
            for classes in [1, 3, 8] {
                let r = class_release(&d, classes, 2.0, t);
                let mean: f64 = r.iter().map(|r| 1.0 / r).sum::<f64>() / classes as f64;
                let want = integral(&d, t) / 2.0;
                println!("{d:?} at {t} K, {classes} classes: mean release time {mean:.12e} vs integral {want:.12e}");
                assert!((mean - want).abs() < 1e-9 * want);
                assert!(
                    r.windows(2).all(|w| w[0] >= w[1]),
                    "deeper classes release slower: {r:?}"
                );
            }
        }
    }

    #[test]
    fn at_e0_equal_to_kt_the_classes_stay_finite_and_continuous() {
        // b = 1/E0 - 1/kT crosses 0 here: no cancellation to an infinite release.
        let d = Depths::Exponential { mean_mev: 10.0 };
        let t0 = 10.0 / KB_MEV_PER_K;
        for t in [
            t0 * (1.0 - 1e-12),
            t0,
            t0 * (1.0 + 1e-12),
            t0 * (1.0 - 1e-7),
        ] {
            let r = class_release(&d, 4, 1.0, t);
            let at = class_release(&d, 4, 1.0, t0);
            println!("{t} K: {r:?}");
            assert!(r[..3].iter().all(|r| r.is_finite() && *r > 0.0), "{r:?}");
            for k in 0..3 {
                assert!(
                    (r[k] - at[k]).abs() < 1e-5 * at[k],
                    "class {k}: {} vs {}",
                    r[k],
                    at[k]
                );
            }
        }
    }

    #[test]
    fn a_deepest_class_without_mean_never_releases() {
        // E_0 = 20 meV at 100 K (kT = 8.6 meV): E[exp(E/kT)] diverges.
        let r = class_release(&Depths::Exponential { mean_mev: 20.0 }, 4, 1.0, 100.0);
        assert_eq!(r[3], 0.0);
        assert!(r[..3].iter().all(|r| *r > 0.0 && r.is_finite()), "{r:?}");
        // Far in a Gaussian's tail at 1 K: no NaN, a release of 0.
        let r = class_release(
            &Depths::Gaussian {
                mean_mev: 50.0,
                sigma_mev: 20.0,
            },
            8,
            1.0,
            1.0,
        );
        assert!(r.iter().all(|r| r.is_finite() && *r >= 0.0), "{r:?}");
    }
}
