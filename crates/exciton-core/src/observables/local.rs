//! The local exponent alpha(t) = d ln MSD / d ln t and the time-dependent diffusivity
//! D(t) = (1/2) d MSD / dt: how the field reads sub-diffusion (alpha < 1, D falling).
//!
//! Both are slopes of a least-squares line through the frames within a factor
//! [`WINDOW`] of t (at least t - 1..=t + 1), in ln-ln for alpha, linear for D: a
//! derivative smoothed over a window that widens with t, as frames are equally spaced
//! in t but the interesting changes are spread over decades. Prefix sums keep it O(frames).

/// Frames from t / WINDOW to t x WINDOW enter the slope at t.
pub(crate) const WINDOW: f64 = 1.25;

/// Sums of (1, x, y, xy, x^2) up to each frame, over the frames that have a value.
struct Prefix {
    sums: Vec<[f64; 5]>,
}

impl Prefix {
    fn new(points: impl Iterator<Item = Option<(f64, f64)>>) -> Self {
        let mut sums = vec![[0.0; 5]];
        for p in points {
            let mut next = *sums.last().unwrap();
            if let Some((x, y)) = p {
                for (s, v) in next.iter_mut().zip([1.0, x, y, x * y, x * x]) {
                    *s += v;
                }
            }
            sums.push(next);
        }
        Prefix { sums }
    }

    /// The least-squares slope over frames lo..=hi, from at least 3 values.
    fn slope(&self, lo: usize, hi: usize) -> Option<f64> {
        let [n, x, y, xy, xx] = std::array::from_fn(|k| self.sums[hi + 1][k] - self.sums[lo][k]);
        let var = xx - x * x / n;
        (n >= 3.0 && var > 0.0).then(|| (xy - x * y / n) / var)
    }
}

/// The frames of the window around frame t (t >= 1) of `frames`.
fn window(t: usize, frames: usize) -> (usize, usize) {
    let lo = ((t as f64 / WINDOW).floor() as usize).clamp(1, t.saturating_sub(1).max(1));
    let hi = ((t as f64 * WINDOW).ceil() as usize)
        .max(t + 1)
        .min(frames - 1);
    (lo, hi)
}

/// alpha(t) and D(t) (sites^2/ps) of an MSD curve (sites^2) over frames dt_ps apart; frame
/// 0 and frames whose window holds fewer than 3 usable values have none.
pub(crate) fn local_slopes(
    msd: &[Option<f64>],
    dt_ps: f64,
) -> (Vec<Option<f64>>, Vec<Option<f64>>) {
    let frames = msd.len();
    let logs = Prefix::new(msd.iter().enumerate().map(|(t, m)| {
        m.filter(|&m| t > 0 && m > 0.0)
            .map(|m| ((t as f64).ln(), m.ln()))
    }));
    let linear = Prefix::new(
        msd.iter()
            .enumerate()
            .map(|(t, m)| m.map(|m| (t as f64 * dt_ps, m))),
    );
    let mut alpha = vec![None; frames];
    let mut d = vec![None; frames];
    for t in 1..frames.saturating_sub(1) {
        let (lo, hi) = window(t, frames);
        alpha[t] = logs.slope(lo, hi);
        d[t] = linear.slope(lo, hi).map(|s| s / 2.0);
    }
    (alpha, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_power_law_has_its_exponent_and_its_derivative() {
        // MSD = 3 t^0.6 (t in frames of 25 ps): alpha = 0.6, D = 0.9 t^-0.4 / 2 per frame.
        let dt = 25.0;
        let msd: Vec<Option<f64>> = (0..400).map(|t| Some(3.0 * (t as f64).powf(0.6))).collect();
        let (alpha, d) = local_slopes(&msd, dt);
        assert_eq!(alpha[0], None);
        for t in [20, 100, 300] {
            let a = alpha[t].unwrap();
            assert!((a - 0.6).abs() < 1e-9, "alpha({t}) = {a}");
            let want = 0.5 * 3.0 * 0.6 * (t as f64).powf(-0.4) / dt;
            let got = d[t].unwrap();
            assert!((got / want - 1.0).abs() < 0.01, "D({t}) = {got} vs {want}");
        }
    }
}
