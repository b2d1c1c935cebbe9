//! Shot noise: Poisson counts per pixel for a given number of detected photons, from a
//! PCG32 stream of (microscope seed, point, frame), so a noisy image is reproducible.

use crate::kernels::rng::{point_key, splitmix64, Pcg32};

/// Poisson counts per pixel with means `photons * image / sum(image)`.
pub(crate) fn shot_noise(
    image: &[f64],
    photons: f64,
    seed: u64,
    point: u64,
    frame: u64,
) -> Vec<f64> {
    let total: f64 = image.iter().sum();
    if total <= 0.0 {
        return vec![0.0; image.len()];
    }
    let key = point_key(seed, point);
    let mut rng = Pcg32::new(
        splitmix64(key ^ splitmix64(frame)),
        splitmix64(key.wrapping_add(frame)),
    );
    image
        .iter()
        .map(|&m| poisson(&mut rng, photons * m / total))
        .collect()
}

/// The counts [`shot_noise`] draws around: `photons * image / sum(image)`.
pub(crate) fn expected_counts(image: &[f64], photons: f64) -> Vec<f64> {
    let total: f64 = image.iter().sum();
    if total <= 0.0 {
        return vec![0.0; image.len()];
    }
    image.iter().map(|&m| photons * m / total).collect()
}

fn uniform(rng: &mut Pcg32) -> f64 {
    // 53 random bits from two draws, in (0, 1).
    let hi = u64::from(rng.next_u32()) << 21;
    let lo = u64::from(rng.next_u32()) >> 11;
    ((hi | lo) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A Poisson variate: Knuth's product method for small means, Hormann's transformed
/// rejection (PTRS) above 10.
fn poisson(rng: &mut Pcg32, mean: f64) -> f64 {
    if mean <= 0.0 {
        return 0.0;
    }
    if mean < 10.0 {
        let limit = (-mean).exp();
        let (mut k, mut p) = (0.0, uniform(rng));
        while p > limit {
            k += 1.0;
            p *= uniform(rng);
        }
        return k;
    }
    let slam = mean.sqrt();
    let loglam = mean.ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = uniform(rng) - 0.5;
        let v = uniform(rng);
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + mean + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if (v * inv_alpha / (a / (us * us) + b)).ln() <= -mean + k * loglam - ln_factorial(k) {
            return k;
        }
    }
}

/// ln k! by Stirling's series (exact enough beyond the table).
fn ln_factorial(k: f64) -> f64 {
    if k < 2.0 {
        return 0.0;
    }
    let x = k + 1.0;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_mean_and_variance() {
        for mean in [0.5, 4.0, 30.0, 900.0] {
            let mut rng = Pcg32::new(7, 9);
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| poisson(&mut rng, mean)).collect();
            let m = draws.iter().sum::<f64>() / n as f64;
            let v = draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / n as f64;
            let z = (m - mean) / (mean / n as f64).sqrt();
            assert!(z.abs() < 5.0, "mean {m} for {mean} (z {z})");
            assert!((v / mean - 1.0).abs() < 0.03, "variance {v} for {mean}");
        }
    }
}
