//! The paper's scalars of one point from its curves: tau_PL (and the TCSPC-style 1/e of
//! the maximum), D_avg (paper eq. 2), the diffusion length L = sqrt(tau_PL D_avg) and
//! t_max, each with the standard error its walker blocks give ([`super::uncertainty`]).

use super::jackknife::jackknife;
use super::Curves;

/// Frames whose estimator rests on fewer emissions (or effective walkers) are flagged
/// unreliable: a variance from a handful of values has no usable error. They are never
/// used for t_max, D_avg or drawn curves.
pub const MIN_RELIABLE: f64 = 100.0;

/// Frames whose occupancy estimator rests on fewer effective walkers are left out of
/// t_max's search: 2 sigma of a variance is ~9 % at 1000, and the search takes the
/// largest of many frames.
pub const T_MAX_MIN_WALKERS: f64 = 1000.0;

/// The paper's scalars for one point, with standard errors in Monte Carlo runs (`None`
/// for the exact backend, which has no noise, or a run too small for walker blocks).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// tau_PL, ps: the first time the PL intensity falls to 1/e of its first frame's.
    pub tau_pl_ps: Option<f64>,
    /// Standard error of `tau_pl_ps`, ps.
    pub tau_pl_stderr_ps: Option<f64>,
    /// 1/e of the PL's maximum, after the maximum (TCSPC practice when the PL rises first).
    pub tau_pl_peak_ps: Option<f64>,
    /// Standard error of `tau_pl_peak_ps`, ps.
    pub tau_pl_peak_stderr_ps: Option<f64>,
    /// D_avg in lattice units (sites^2 / ps); [`sites2_ps_to_cm2_s`](super::sites2_ps_to_cm2_s) converts.
    pub d_avg_sites2_ps: Option<f64>,
    /// Standard error of `d_avg_sites2_ps`, sites^2 / ps.
    pub d_avg_stderr_sites2_ps: Option<f64>,
    /// Diffusion length L = sqrt(tau_PL D_avg), sites (`None` when D_avg is negative).
    pub diffusion_length_sites: Option<f64>,
    /// Standard error of `diffusion_length_sites`, sites.
    pub diffusion_length_stderr_sites: Option<f64>,
    /// Time of the MSD's global maximum, between frames (the vertex of the least-squares
    /// parabola over the largest frame and three on each side), only when the maximum is
    /// real (see [`summarise`]).
    pub t_max_ps: Option<f64>,
    /// Standard error of `t_max_ps`, ps.
    pub t_max_stderr_ps: Option<f64>,
    /// Why there is no t_max ("still rising", "flat within noise", ...).
    pub t_max_note: Option<String>,
    /// What the reader of the scalars must know: the curves' warnings and the summary's own.
    pub warnings: Vec<String>,
}

/// sites^2/ps -> nm^2/ps (a^2) -> cm^2/s (1 nm^2/ps = 1e-14 cm^2 / 1e-12 s = 1e-2 cm^2/s).
pub fn sites2_ps_to_cm2_s(d: f64, pitch_nm: f64) -> f64 {
    d * pitch_nm * pitch_nm * 1e-2
}

/// The first time `intensity` falls to 1/e of its value at frame `from`, linearly
/// interpolated between frame starts.
fn fall_to_1_over_e(intensity: &[f64], from: usize, dt_ps: f64) -> Option<f64> {
    let i0 = *intensity.get(from)?;
    if i0 <= 0.0 {
        return None;
    }
    let target = i0 / std::f64::consts::E;
    let t = from + intensity[from..].iter().position(|&i| i <= target)?;
    let (a, b) = (intensity[t - 1], intensity[t]);
    Some((t as f64 - 1.0 + (a - target) / (a - b)) * dt_ps)
}

/// tau_PL: the first time the PL intensity falls to 1/e of I(0).
pub fn tau_pl(intensity: &[f64], dt_ps: f64) -> Option<f64> {
    fall_to_1_over_e(intensity, 0, dt_ps)
}

/// The first time after its maximum that the PL falls to 1/e of the maximum.
pub(crate) fn tau_pl_peak(intensity: &[f64], dt_ps: f64) -> Option<f64> {
    let peak = argmax(&intensity.iter().map(|&i| Some(i)).collect::<Vec<_>>())?;
    fall_to_1_over_e(intensity, peak, dt_ps)
}

/// The frames whose occupancy estimator can be trusted: from the first with at least
/// `walkers` effective walkers to the last before the count falls below it again (an
/// initial state that does not emit leaves the first frames empty; decay empties the
/// last). Noise-free curves (the exact backend) need no walkers: every frame where the
/// estimator is defined counts, whatever the run's walker count.
fn reliable_range(c: &Curves, walkers: f64) -> std::ops::Range<usize> {
    let ok = |t: usize| {
        if c.exact {
            c.msd_occupancy[t].is_some()
        } else {
            c.occupancy_walkers[t] >= walkers
        }
    };
    let n = c.frames();
    let Some(first) = (0..n).find(|&t| ok(t)) else {
        return 0..0;
    };
    let end = (first..n).find(|&t| !ok(t)).unwrap_or(n);
    first..end
}

/// The scalars of one set of curves, without errors; `t_max` is the argmax of the
/// occupancy MSD over its search window, before the test that it is real.
struct Scalars {
    tau: Option<f64>,
    tau_peak: Option<f64>,
    d_sites: Option<f64>,
    l_sites: Option<f64>,
    argmax: Option<usize>,
    /// The maximum's time between frames: the vertex of the parabola fitted around the
    /// largest frame (smooth in the data, so its jackknife error means something; a bare
    /// argmax moves in whole frames).
    peak_ps: Option<f64>,
    /// The last frame of t_max's search window, and the window.
    last: Option<usize>,
    window: std::ops::Range<usize>,
}

fn scalars(c: &Curves, dt_ps: f64, warnings: &mut Vec<String>) -> Scalars {
    let tau = tau_pl(&c.intensity_start, dt_ps);
    let d_sites = tau.and_then(|tau| d_avg(c, tau, dt_ps, warnings));
    let l_sites = match (tau, d_sites) {
        (Some(tau), Some(d)) if d >= 0.0 => Some((tau * d).sqrt()),
        _ => None,
    };
    let window = reliable_range(c, T_MAX_MIN_WALKERS);
    let top = argmax(&c.msd_occupancy[window.clone()]).map(|k| k + window.start);
    Scalars {
        tau,
        tau_peak: tau_pl_peak(&c.intensity_start, dt_ps),
        d_sites,
        l_sites,
        argmax: top,
        peak_ps: top.map(|k| {
            (window.start as f64 + vertex(&c.msd_occupancy[window.clone()], k - window.start))
                * dt_ps
        }),
        last: window.end.checked_sub(1).filter(|_| !window.is_empty()),
        window,
    }
}

/// Frames on each side of the largest one that the parabola around the maximum is
/// fitted to: enough that one noisy frame does not move the vertex much, few enough
/// that the peak is still a parabola there.
const PEAK_HALF_WIDTH: usize = 3;

/// The vertex, in frames, of the least-squares parabola through the frames within
/// [`PEAK_HALF_WIDTH`] of k (held inside that range); k itself where fewer than three
/// frames have values or they do not curve down.
fn vertex(v: &[Option<f64>], k: usize) -> f64 {
    let lo = k.saturating_sub(PEAK_HALF_WIDTH);
    let hi = (k + PEAK_HALF_WIDTH).min(v.len() - 1);
    // Normal equations of y = a + b x + c x^2 in x = frame - k.
    let mut m = [[0.0f64; 3]; 3];
    let mut r = [0.0f64; 3];
    let mut points = 0;
    for (i, y) in v.iter().enumerate().take(hi + 1).skip(lo) {
        let Some(y) = *y else { continue };
        let x = i as f64 - k as f64;
        let p = [1.0, x, x * x];
        for row in 0..3 {
            for col in 0..3 {
                m[row][col] += p[row] * p[col];
            }
            r[row] += p[row] * y;
        }
        points += 1;
    }
    if points < 3 {
        return k as f64;
    }
    let Some([_, b, c]) = solve3(m, r) else {
        return k as f64;
    };
    if c >= 0.0 {
        return k as f64;
    }
    let x = (-b / (2.0 * c)).clamp(lo as f64 - k as f64, hi as f64 - k as f64);
    k as f64 + x
}

/// Solves the 3 x 3 system m z = r by Cramer's rule; `None` when it is singular.
fn solve3(m: [[f64; 3]; 3], r: [f64; 3]) -> Option<[f64; 3]> {
    let det = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det(m);
    if d.abs() < 1e-300 {
        return None;
    }
    let col = |j: usize| {
        let mut a = m;
        for row in 0..3 {
            a[row][j] = r[row];
        }
        det(a) / d
    };
    Some([col(0), col(1), col(2)])
}

/// D_avg (paper eq. 2): sum over the window of [MSD(t_{i+1}) - MSD(t_i)] / (2 dt) I_i over
/// sum I_i, from the occupancy MSD and the frame-binned intensity. The window holds
/// N = 5 tau_PL / dt frames with N real: floor(N) whole terms and the next weighted by
/// N - floor(N), so D_avg is continuous in tau_PL. Terms need both frames reliable
/// ([`MIN_RELIABLE`] effective walkers; any defined frame for noise-free curves).
fn d_avg(c: &Curves, tau: f64, dt_ps: f64, warnings: &mut Vec<String>) -> Option<f64> {
    let frames = c.frames();
    let wanted = 5.0 * tau / dt_ps;
    let available = frames.saturating_sub(1) as f64;
    let n = wanted.min(available);
    if wanted > available {
        warnings.push(format!(
            "D_avg wants {wanted:.2} frames (5 tau_PL) but the run has {frames}: capped at {available}"
        ));
    }
    let reliable = reliable_range(c, MIN_RELIABLE);
    let (mut num, mut den, mut skipped) = (0.0, 0.0, 0usize);
    for i in 0..n.ceil() as usize {
        let weight = (n - i as f64).min(1.0);
        if weight <= 0.0 {
            break;
        }
        match (c.msd_occupancy[i], c.msd_occupancy[i + 1]) {
            (Some(a), Some(b)) if reliable.contains(&i) && reliable.contains(&(i + 1)) => {
                num += weight * (b - a) / (2.0 * dt_ps) * c.intensity[i];
                den += weight * c.intensity[i];
            }
            // A frame without emitters weighs nothing: leaving it out changes nothing.
            _ if c.intensity[i] <= 0.0 => {}
            _ => skipped += 1,
        }
    }
    if skipped > 0 {
        warnings.push(format!(
            "D_avg left out {skipped} frames with no reliable MSD (fewer than {MIN_RELIABLE} effective walkers)"
        ));
    }
    (den > 0.0).then(|| num / den)
}

/// Computes the scalars of `c`; `leave_out` holds the curves without each walker block
/// in turn (empty for the exact backend), which give the standard errors and decide
/// whether the MSD's maximum is real (`real_maximum`).
pub fn summarise(c: &Curves, leave_out: &[Curves], dt_ps: f64) -> Summary {
    let mut warnings = c.warnings.clone();
    let full = scalars(c, dt_ps, &mut warnings);
    let parts: Vec<Scalars> = leave_out
        .iter()
        .map(|l| scalars(l, dt_ps, &mut Vec::new()))
        .collect();
    let err = |pick: fn(&Scalars) -> Option<f64>| {
        pick(&full)?;
        jackknife(&parts.iter().map(pick).collect::<Vec<_>>())
    };
    if full.tau.is_none() {
        warnings.push(
            "tau_PL undefined: the PL never falls to 1/e of its first frame in this run".into(),
        );
    }
    let overflowed: u64 = c.overflow.iter().sum();
    if overflowed > 0 {
        warnings.push(format!(
            "{overflowed} emissions fell outside the displacement histogram (raise histogram.max_dx_sites); their frames have no emission MSD"
        ));
    }
    if matches!(full.d_sites, Some(d) if d < 0.0) {
        warnings.push("D_avg is negative: no diffusion length".into());
    }
    let (t_max, t_max_note) = real_maximum(c, leave_out, &full, dt_ps);
    Summary {
        tau_pl_ps: full.tau,
        tau_pl_stderr_ps: err(|s| s.tau),
        tau_pl_peak_ps: full.tau_peak,
        tau_pl_peak_stderr_ps: err(|s| s.tau_peak),
        d_avg_sites2_ps: full.d_sites,
        d_avg_stderr_sites2_ps: err(|s| s.d_sites),
        diffusion_length_sites: full.l_sites,
        diffusion_length_stderr_sites: err(|s| s.l_sites),
        t_max_stderr_ps: t_max.and_then(|_| err(|s| s.peak_ps)),
        t_max_ps: t_max,
        t_max_note,
        warnings,
    }
}

/// The false-alarm rate t_max's test is built for on curves that are flat in
/// expectation (MODEL.md section 6 allows 0.5 %).
pub(crate) const T_MAX_FALSE_RATE: f64 = 1e-3;

/// Draws of the noise that calibrate t_max's test: the (1 - [`T_MAX_FALSE_RATE`]) quantile
/// then rests on the 4 largest of them.
const NULL_DRAWS: usize = 4000;

/// t_max when the occupancy MSD's maximum is real, else `None` and why.
///
/// Noise-free curves: any interior maximum. Monte Carlo: the statistic is S = MSD(top) -
/// MSD(last), top the largest frame of the window; as top is chosen from the data, S is
/// compared not with its own error but with what S would be if the curve were flat:
/// the largest excursion max_t (e_t - e_last) of noise e with the covariance the walker
/// blocks give, drawn [`NULL_DRAWS`] times ([`null_threshold`]).
fn real_maximum(
    c: &Curves,
    leave_out: &[Curves],
    full: &Scalars,
    dt_ps: f64,
) -> (Option<f64>, Option<String>) {
    let (Some(top), Some(last)) = (full.argmax, full.last) else {
        let why = if c.exact {
            "the MSD is defined in no frame".to_string()
        } else {
            format!("no frame has {T_MAX_MIN_WALKERS} effective walkers behind its MSD")
        };
        return (None, Some(why));
    };
    if top == last {
        let why = if c.exact {
            format!(
                "still rising at the last frame ({} ps)",
                last as f64 * dt_ps
            )
        } else {
            format!(
                "still rising at the last frame with {T_MAX_MIN_WALKERS} effective walkers ({} ps)",
                last as f64 * dt_ps
            )
        };
        return (None, Some(why));
    }
    let at = |c: &Curves, t: usize| c.msd_occupancy[t].unwrap_or(f64::NAN);
    let rise = at(c, top) - at(c, last);
    if c.exact {
        // Without noise, any rise above rounding is a maximum.
        if rise > 1e-12 * at(c, top).abs() {
            return (full.peak_ps, None);
        }
        return (None, Some("the MSD has no interior maximum".into()));
    }
    if leave_out.len() < 2 {
        return (
            None,
            Some(
                "too few walkers for walker blocks: no test of the maximum (at least 2000 walkers)"
                    .into(),
            ),
        );
    }
    let window = full.window.clone();
    // Two bounds on the calibrated threshold spare its draws when the answer is clear:
    // it is at least the naive 3 standard errors of this one difference, and at most
    // the Bonferroni bound over the window's frames.
    let t_ratio = student_over_normal(leave_out.len() - 1);
    let bonferroni = crate::tables::normal_quantile(1.0 - T_MAX_FALSE_RATE / window.len() as f64);
    let decided = excursion_spreads(leave_out, top, window.clone()).and_then(|(this, widest)| {
        if rise <= 3.0 * this {
            Some((3.0 * this, true))
        } else if rise > t_ratio * bonferroni * widest {
            Some((t_ratio * bonferroni * widest, false))
        } else {
            Some((null_threshold(leave_out, window)?, false))
        }
    });
    let Some((needed, below_3_sigma)) = decided else {
        return (
            None,
            Some("the MSD is missing in a walker block: no test of the maximum".into()),
        );
    };
    if rise > needed {
        return (full.peak_ps, None);
    }
    // Below 3 standard errors the draws were spared: say so, not a quantile.
    let against = if below_3_sigma {
        format!("not even 3 standard errors of the difference ({needed:.3e})")
    } else {
        format!(
            "within what noise alone gives {:.1} % of the time ({needed:.3e})",
            100.0 * T_MAX_FALSE_RATE
        )
    };
    (
        None,
        Some(format!(
            "flat within noise: the largest MSD ({} ps) exceeds the last reliable frame's ({} ps) by {rise:.3e} sites^2, {against}",
            top as f64 * dt_ps,
            last as f64 * dt_ps,
        )),
    )
}

/// The (1 - [`T_MAX_FALSE_RATE`]) quantile of max_t (e_t - e_last) over `window` for noise
/// e with the jackknife covariance of the leave-one-out curves: e = sqrt((B-1)/B) sum_b
/// z_b (l_b - mean l), z_b standard normal, has that covariance exactly. The draws are
/// seeded, so a run is reproducible. With B blocks the covariance is itself known only
/// to B - 1 degrees of freedom: the quantile is scaled by Student's t over the normal
/// quantile at the same level, which keeps the false rate at its level instead of
/// ~2x above it.
fn null_threshold(leave_out: &[Curves], window: std::ops::Range<usize>) -> Option<f64> {
    let b = leave_out.len();
    let frames = window.len();
    let mut dev = vec![0.0; b * frames];
    for (j, t) in window.clone().enumerate() {
        let values: Vec<f64> = leave_out
            .iter()
            .map(|l| l.msd_occupancy[t])
            .collect::<Option<_>>()?;
        let mean = values.iter().sum::<f64>() / b as f64;
        for (k, v) in values.iter().enumerate() {
            dev[k * frames + j] = v - mean;
        }
    }
    let scale = ((b as f64 - 1.0) / b as f64).sqrt();
    let mut rng = crate::kernels::rng::Pcg32::new(0x7a6d_6178, 0x6e75_6c6c);
    let mut z = vec![0.0; b];
    let mut e = vec![0.0; frames];
    let mut maxima: Vec<f64> = (0..NULL_DRAWS)
        .map(|_| {
            z.iter_mut().for_each(|z| *z = normal(&mut rng));
            e.iter_mut().for_each(|e| *e = 0.0);
            for (k, zk) in z.iter().enumerate() {
                let row = &dev[k * frames..(k + 1) * frames];
                e.iter_mut().zip(row).for_each(|(e, d)| *e += zk * d);
            }
            let end = e[frames - 1];
            scale * e.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v - end))
        })
        .collect();
    maxima.sort_by(f64::total_cmp);
    let q = maxima[((1.0 - T_MAX_FALSE_RATE) * NULL_DRAWS as f64) as usize - 1];
    Some(q * student_over_normal(b - 1))
}

/// The jackknife standard errors of MSD(t) - MSD(last) at t = `top` and the largest over
/// `window`; `None` when a block lacks a frame of it.
fn excursion_spreads(
    leave_out: &[Curves],
    top: usize,
    window: std::ops::Range<usize>,
) -> Option<(f64, f64)> {
    let last = window.end - 1;
    let diff = |t: usize| {
        let d: Option<Vec<Option<f64>>> = leave_out
            .iter()
            .map(|l| Some(Some(l.msd_occupancy[t]? - l.msd_occupancy[last]?)))
            .collect();
        jackknife(&d?)
    };
    let mut widest = 0.0f64;
    for t in window {
        widest = widest.max(diff(t)?);
    }
    Some((diff(top)?, widest))
}

/// One standard normal draw (Box-Muller) from two `u32`s.
fn normal(rng: &mut crate::kernels::rng::Pcg32) -> f64 {
    let u = (f64::from(rng.next_u32()) + 0.5) / 4294967296.0;
    let v = f64::from(rng.next_u32()) / 4294967296.0;
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Student's t over the normal quantile at one-sided level 1e-3, for `dof` degrees of
/// freedom (tabulated; 3.090 for the normal).
fn student_over_normal(dof: usize) -> f64 {
    const T: [f64; 16] = [
        318.31, 22.327, 10.215, 7.173, 5.893, 5.208, 4.785, 4.501, 4.297, 4.144, 4.025, 3.930,
        3.852, 3.787, 3.733, 3.686,
    ];
    let t = T.get(dof.saturating_sub(1)).copied().unwrap_or(3.686);
    t / 3.090
}

/// Index of the first global maximum among the defined values.
fn argmax(v: &[Option<f64>]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, x) in v.iter().enumerate() {
        if let Some(x) = *x {
            if best.is_none_or(|(_, b)| x > b) {
                best = Some((i, x));
            }
        }
    }
    best.map(|(i, _)| i)
}

/// Why a point has no t_max, in short, from its `t_max_note`: "still rising", "flat
/// within noise", else the note up to its first colon or parenthesis. Results written
/// before the notes existed have none.
pub fn no_max_reason(note: Option<&str>) -> String {
    let Some(note) = note else {
        return "no maximum before the run ends".into();
    };
    for short in ["still rising", "flat within noise"] {
        if note.starts_with(short) {
            return short.into();
        }
    }
    note.split([':', '(']).next().unwrap_or(note).trim().into()
}

#[cfg(test)]
mod tests {
    use super::vertex;

    #[test]
    fn the_vertex_of_a_sampled_parabola_is_found_between_frames() {
        // y = 5 - (x - 10.3)^2 sampled at whole frames: the largest frame is 10.
        let v: Vec<Option<f64>> = (0..20)
            .map(|x| Some(5.0 - (x as f64 - 10.3).powi(2)))
            .collect();
        assert!((vertex(&v, 10) - 10.3).abs() < 1e-9, "{}", vertex(&v, 10));
        // At the end of the data, and where it does not curve down, the frame itself.
        assert_eq!(vertex(&v[..11], 10).round(), 10.0);
        let flat = vec![Some(1.0); 7];
        assert_eq!(vertex(&flat, 3), 3.0);
    }
}
