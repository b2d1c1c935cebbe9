//! The analysis itself: the region, time zero and background; each frame's profiles along
//! x (and y) as the microscope's [`Profile`]s; their fits by the engine's own
//! [`fit_frames`]; the kurtosis and the counts.

use super::background::{describe, subtracted, Subtracted};
use super::kurtosis::{windowed, Kurtosis, MAX_M2_RELATIVE_ERROR, WINDOW_SIGMA};
use super::report::{Analysis, AxisFrame, FrameResult};
use super::stack::{Layout, Stack};
use super::{AnalyzeError, Noise, Options, Roi, TimeZero};
use exciton_core::microscope::{apparent_from_fits, fit_frames, NoFit, Profile, ProfileFit};

/// The region, with each kept column's and row's centre, nm.
pub(super) struct Region {
    pub x: (usize, usize),
    pub y: (usize, usize),
    pub xc: Vec<f64>,
    pub yc: Vec<f64>,
}

impl Region {
    pub fn width(&self) -> usize {
        self.x.1 - self.x.0
    }
    pub fn height(&self) -> usize {
        self.y.1 - self.y.0
    }
}

fn region(s: &Stack, roi: Option<Roi>, pixel_nm: f64) -> Result<Region, AnalyzeError> {
    let x = roi.map_or((0, s.columns), |r| r.x);
    let y = match (roi.and_then(|r| r.y), s.layout) {
        (Some(_), Layout::LineScan) => {
            return Err(AnalyzeError::option(
                "--roi",
                "a line scan has no rows: give only columns (X0:X1)",
            ))
        }
        (Some(y), Layout::Images) => y,
        (None, _) => (0, s.rows),
    };
    let mut dims = vec![("columns", x, s.columns)];
    if s.layout == Layout::Images {
        dims.push(("rows", y, s.rows));
    }
    for (name, (a, b), n) in dims {
        if a >= b || b > n || b - a < 3 {
            return Err(AnalyzeError::option(
                "--roi",
                format!("{name} {a}..{b}: the file has {n}; a profile needs at least 3 pixels inside it"),
            ));
        }
    }
    // Our own TIFFs place x = 0 where the engine did; otherwise the region's middle pixel.
    let origin_x = s
        .meta
        .as_ref()
        .map_or(((x.0 + x.1) / 2) as i64, |m| m.origin_pixel);
    let origin_y = ((y.0 + y.1) / 2) as i64;
    let centres = |(a, b): (usize, usize), o: i64| -> Vec<f64> {
        (a..b).map(|c| (c as i64 - o) as f64 * pixel_nm).collect()
    };
    Ok(Region {
        xc: centres(x, origin_x),
        yc: centres(y, origin_y),
        x,
        y,
    })
}

fn positive(option: &str, v: f64) -> Result<f64, AnalyzeError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(AnalyzeError::option(
            option,
            format!("{v}: must be a positive number"),
        ))
    }
}

/// How the file's values become photons: pixel and frame widths, noise and gain.
struct Units {
    pixel_nm: f64,
    frame_ps: f64,
    noise: Noise,
    gain: f64,
}

impl Units {
    /// Photon counts, with Poisson weights and errors.
    fn counted(&self) -> bool {
        matches!(self.noise, Noise::Poisson { .. })
    }
}

fn units(s: &Stack, o: &Options) -> Result<Units, AnalyzeError> {
    let missing = |what: &str, flag: &str| AnalyzeError::Input {
        file: s.file.clone(),
        reason: format!("no {what} in the file: give {flag}"),
    };
    let meta = s.meta.as_ref();
    let pixel = o.pixel_nm.or(meta.map(|m| m.pixel_nm)).ok_or_else(|| {
        missing(
            "pixel size",
            "--pixel-nm (the pixel or scan step in the sample plane, nm)",
        )
    })?;
    let frame = o.frame_ps.or(meta.map(|m| m.frame_ps)).ok_or_else(|| {
        missing(
            "frame width",
            "--frame-ps (the frame or time bin width, ps)",
        )
    })?;
    // exciton-mc's noise-free stacks are expected counts per walker, not photons.
    let noise = o
        .noise
        .unwrap_or(if meta.is_some_and(|m| m.values == "expected") {
            Noise::Uniform
        } else {
            Noise::Poisson { gain: 1.0 }
        });
    Ok(Units {
        pixel_nm: positive("--pixel-nm", pixel)?,
        frame_ps: positive("--frame-ps", frame)?,
        gain: match noise {
            Noise::Poisson { gain } => positive("--gain", gain)?,
            Noise::Uniform => 1.0,
        },
        noise,
    })
}

/// Time zero's frame and where it came from.
fn time_zero(s: &Stack, o: &Options, r: &Region) -> Result<(usize, String), AnalyzeError> {
    match o.t0 {
        TimeZero::Frame(t) if t < s.frames - 1 => Ok((t, "--t0-frame".to_string())),
        TimeZero::Frame(t) => Err(AnalyzeError::option(
            "--t0-frame",
            format!(
                "{t}: the file has {} frames (0..{}), and time zero needs one after it",
                s.frames,
                s.frames - 1
            ),
        )),
        // exciton-mc's own frames start at the excitation.
        TimeZero::Peak if s.meta.is_some() => Ok((
            0,
            "frame 0: an exciton-mc stack starts at the excitation".to_string(),
        )),
        TimeZero::Peak => {
            let total = |f: usize| -> f64 {
                (r.y.0..r.y.1)
                    .map(|row| {
                        let start = (f * s.rows + row) * s.columns;
                        s.data[start + r.x.0..start + r.x.1].iter().sum::<f64>()
                    })
                    .sum()
            };
            let totals: Vec<f64> = (0..s.frames).map(total).collect();
            let t =
                (0..s.frames).fold(0, |best, f| if totals[f] > totals[best] { f } else { best });
            if t + 1 >= s.frames {
                return Err(AnalyzeError::Input {
                    file: s.file.clone(),
                    reason: format!(
                        "the total counts peak in the last frame ({t}): give --t0-frame"
                    ),
                });
            }
            Ok((t, "peak of the total counts".to_string()))
        }
    }
}

/// Each frame's profiles from t0 on, along x and (images) y, with their variances.
#[derive(Default)]
struct Profiles {
    x: Vec<Profile>,
    y: Vec<Profile>,
    var_x: Vec<Vec<f64>>,
    var_y: Vec<Vec<f64>>,
}

/// Every frame's counts and saturation, and from t0 on its profiles: each pixel's value
/// less its background, in photons, summed over rows (x) and columns (y).
fn frame_profiles(
    s: &Stack,
    r: &Region,
    bg: &Subtracted,
    u: &Units,
    t0: usize,
    saturation: Option<f64>,
) -> (Vec<FrameResult>, Profiles) {
    let mut p = Profiles::default();
    let mut frames = Vec::with_capacity(s.frames);
    let noisy = u.counted();
    let map_mean = bg
        .map
        .as_ref()
        .map(|m| m.iter().sum::<f64>() / m.len() as f64);
    let pixels = (r.width() * r.height()) as f64;
    // With a border background the ring's own pixels cancel in the counts: what is left
    // is the inner pixels' noise and n_inner times the background's error.
    let ring = bg.ring.as_ref();
    let inner = pixels - ring.map_or(0, |m| m.iter().filter(|&&b| b).count()) as f64;
    for f in 0..s.frames {
        let mut fr = FrameResult {
            frame: f,
            time_ps: (f as f64 - t0 as f64) * u.frame_ps,
            background: bg.mean(f, map_mean),
            ..FrameResult::default()
        };
        let (mut dx, mut dy) = (vec![0.0; r.width()], vec![0.0; r.height()]);
        let (mut wx, mut wy) = (vec![0.0; r.width()], vec![0.0; r.height()]);
        let mut ring_var = 0.0;
        for (j, row) in (r.y.0..r.y.1).enumerate() {
            for (i, c) in (r.x.0..r.x.1).enumerate() {
                let raw = s.data[(f * s.rows + row) * s.columns + c];
                if saturation.is_some_and(|l| raw >= l) {
                    fr.saturated_pixels += 1;
                }
                let k = j * r.width() + i;
                let value = (raw - bg.at(f, k)) / u.gain;
                let var = bg.pixel_variance(raw, u.gain, k);
                if ring.is_some_and(|m| m[k]) {
                    ring_var += var;
                }
                dx[i] += value;
                wx[i] += var;
                dy[j] += value;
                wy[j] += var;
            }
        }
        fr.counts = dx.iter().sum();
        fr.counts_stderr = noisy.then(|| {
            (wx.iter().sum::<f64>() - ring_var + inner * inner * bg.var_shared[f])
                .max(0.0)
                .sqrt()
        });
        if f >= t0 {
            let profile = |d: Vec<f64>, v: &[f64]| {
                let mut p = if noisy {
                    Profile::counted(d, v)
                } else {
                    Profile::noise_free(d)
                };
                // A saturated frame is reported, not fitted.
                if fr.saturated_pixels > 0 {
                    p.detected = 0.0;
                }
                p
            };
            p.x.push(profile(dx, &wx));
            p.var_x.push(wx);
            if s.layout == Layout::Images {
                p.y.push(profile(dy, &wy));
                p.var_y.push(wy);
            }
        } else {
            fr.status = "before t0".into();
        }
        frames.push(fr);
    }
    (frames, p)
}

/// Analyses `stack` as `o` says: see the module and README "Measured data in".
pub fn analyze(s: &Stack, o: &Options) -> Result<Analysis, AnalyzeError> {
    let u = units(s, o)?;
    let r = region(s, o.roi, u.pixel_nm)?;
    let (t0, t0_from) = time_zero(s, o, &r)?;
    let bg = subtracted(s, &r, o.background, t0, u.gain)?;
    if let Some(v) = o.saturation.filter(|v| !v.is_finite() || *v <= 0.0) {
        return Err(AnalyzeError::option(
            "--saturation",
            format!("{v}: must be a positive number (the value at which a pixel saturates)"),
        ));
    }
    let saturation = o.saturation.or(s.saturation);
    let images = s.layout == Layout::Images;
    let (mut frames, p) = frame_profiles(s, &r, &bg, &u, t0, saturation);
    let noisy = u.counted();
    let mut fits_x = fit_frames(&r.xc, &p.x, o.profile);
    let mut fits_y = images.then(|| fit_frames(&r.yc, &p.y, o.profile));
    // Every MSD is measured from t0's sigma^2: without it there is none.
    let t0_fit = std::iter::once(&fits_x)
        .chain(fits_y.as_ref())
        .find_map(|f| f[0].as_ref().err());
    if let Some(why) = t0_fit {
        let why = match frames[t0].saturated_pixels {
            0 => why.to_string(),
            n => format!(
                "saturated: {n} pixels at or above {}",
                saturation.unwrap_or(f64::NAN)
            ),
        };
        return Err(AnalyzeError::Input {
            file: s.file.clone(),
            reason: format!(
                "time zero (frame {t0}, {t0_from}) has no fit, and every MSD is measured from its sigma^2: {why}; give --t0-frame, a --roi or a --saturation level"
            ),
        });
    }
    // A profile element sums `height` (x) or `width` (y) pixels, each with the frame's
    // shared background error: the element's shared variance per frame from t0.
    let shared = |m: usize| -> Vec<f64> {
        let m = m as f64;
        bg.var_shared[t0..].iter().map(|v| m * m * v).collect()
    };
    let (shared_x, shared_y) = (shared(r.height()), shared(r.width()));
    let n = p.x.len();
    let (mut shift_x, mut shift_y) = (vec![0.0; n], vec![0.0; n]);
    if noisy {
        shift_x = with_shared_background(&mut fits_x, &r.xc, &p.x, o.profile, &shared_x);
        if let Some(f) = fits_y.as_mut() {
            shift_y = with_shared_background(f, &r.yc, &p.y, o.profile, &shared_y);
        }
    }
    let (axis_x, kurt_x) = axis(&r.xc, &p.x, &p.var_x, &shared_x, &fits_x, noisy);
    let (axis_y, kurt_y) = match &fits_y {
        Some(f) => {
            let (a, k) = axis(&r.yc, &p.y, &p.var_y, &shared_y, f, noisy);
            (Some(a), k)
        }
        None => (None, Vec::new()),
    };
    // The radial sigma^2's variance per frame: x's and y's errors, their shared
    // background parts (the same shift moves both) added as one.
    let frames_var: Vec<Option<f64>> = (0..n)
        .map(|k| {
            let e =
                |f: &[Result<ProfileFit, NoFit>]| f[k].as_ref().ok().map(|f| f.variance_err_nm2);
            let (ex, ey) = (e(&fits_x)?, e(fits_y.as_deref()?)?);
            let v = (ex * ex + ey * ey + 2.0 * shift_x[k] * shift_y[k]) / 4.0;
            v.is_finite().then_some(v)
        })
        .collect();
    for (k, ax) in axis_x.into_iter().enumerate() {
        let ay = axis_y.as_ref().map(|a| a[k].clone());
        let fit = |fits: &[Result<ProfileFit, NoFit>]| fits[k].clone().err();
        let failed = fit(&fits_x).or_else(|| fits_y.as_deref().and_then(fit));
        let fr = &mut frames[t0 + k];
        merge_axes(fr, ax, ay, failed, saturation);
        if images && noisy {
            radial_errors(fr, k, &frames_var);
        }
        if let (true, Some(Some(kx)), Some(Some(ky))) = (noisy, kurt_x.get(k), kurt_y.get(k)) {
            fr.kurtosis_stderr = Some(radial_kurtosis_error(s, &r, &bg, u.gain, t0 + k, kx, ky));
        }
    }
    let lorentz = |fits: &[Result<ProfileFit, NoFit>]| fits.first()?.as_ref().ok()?.lorentz_nm;
    Ok(Analysis {
        exciton_mc_version: env!("CARGO_PKG_VERSION").into(),
        input: s.file.display().to_string(),
        layout: s.layout,
        shape: [s.frames, s.rows, s.columns],
        pixel_nm: u.pixel_nm,
        frame_ps: u.frame_ps,
        roi_columns: [r.x.0, r.x.1],
        roi_rows: images.then_some([r.y.0, r.y.1]),
        t0_frame: t0,
        t0_from,
        background: describe(o.background),
        profile: o.profile,
        noise: match u.noise {
            Noise::Poisson { gain } => format!("poisson (gain {gain} file units per photon)"),
            Noise::Uniform => "uniform".into(),
        },
        saturation,
        lorentz_x_nm: lorentz(&fits_x),
        lorentz_y_nm: fits_y.as_deref().and_then(lorentz),
        notes: notes(images, noisy),
        shown: shown_frames(&r.xc, &p.x, &fits_x, t0, u.frame_ps),
        frames,
    })
}

/// Each fit's variance error with the part a per-frame background estimate gives
/// (`shared[k]`: the variance it gives every profile element alike): the variance's
/// shift under a one-sigma shift of the profile, added in quadrature. Without
/// it a 512-pixel border background left late frames' sigma^2 errors 1.5x too small.
fn with_shared_background(
    fits: &mut [Result<ProfileFit, NoFit>],
    centres: &[f64],
    p: &[Profile],
    model: exciton_core::scenario::microscope::FitModel,
    shared: &[f64],
) -> Vec<f64> {
    let mut shifts = vec![0.0; fits.len()];
    for (((fit, p), &v), d) in fits.iter_mut().zip(p).zip(shared).zip(&mut shifts) {
        let Ok(f) = fit else { continue };
        if v <= 0.0 {
            continue;
        }
        let shift = v.sqrt();
        // A shifted profile that no longer fits leaves the error unknown, not smaller.
        *d = exciton_core::microscope::variance_shift(centres, p, model, f, shift)
            .unwrap_or(f64::NAN);
        f.variance_err_nm2 = f.variance_err_nm2.hypot(*d);
    }
    shifts
}

/// An image's radial sigma^2 and MSD errors from `var` (the radial sigma^2's variance
/// per frame from t0): merge_axes's hypot(x, y) / 2 would count the shared background
/// shift, the same for x and y, as independent. The MSD's adds t0's.
fn radial_errors(fr: &mut FrameResult, k: usize, var: &[Option<f64>]) {
    fr.sigma2_stderr_nm2 = fr.sigma2_nm2.and(var[k]).map(f64::sqrt);
    fr.msd_stderr_nm2 = match k {
        0 => fr.msd_nm2.and(Some(0.0)),
        _ => fr
            .msd_nm2
            .and(var[k].zip(var[0]))
            .map(|(a, b)| (a + b).sqrt()),
    };
}

/// A frame's numbers from its axes: x's for a line scan, the mean of x and y for images
/// (independent errors); its status from the first axis without a fit.
fn merge_axes(
    fr: &mut FrameResult,
    ax: AxisFrame,
    ay: Option<AxisFrame>,
    failed: Option<NoFit>,
    saturation: Option<f64>,
) {
    let both = |f: &dyn Fn(&AxisFrame) -> Option<f64>| match &ay {
        None => f(&ax),
        Some(y) => Some((f(&ax)? + f(y)?) / 2.0),
    };
    let both_err = |f: &dyn Fn(&AxisFrame) -> Option<f64>| match &ay {
        None => f(&ax),
        Some(y) => Some(f(&ax)?.hypot(f(y)?) / 2.0),
    };
    fr.sigma2_nm2 = both(&|a| a.sigma2_nm2);
    fr.sigma2_stderr_nm2 = both_err(&|a| a.sigma2_stderr_nm2);
    fr.msd_nm2 = both(&|a| a.msd_nm2);
    fr.msd_stderr_nm2 = both_err(&|a| a.msd_stderr_nm2);
    fr.kurtosis = both(&|a| a.kurtosis);
    // x's and y's kurtosis rest on the same pixels: radial_kurtosis_errors combines
    // their errors pixel by pixel.
    fr.kurtosis_stderr = if ay.is_none() {
        ax.kurtosis_stderr
    } else {
        None
    };
    (fr.status, fr.reason) = match failed {
        None => ("fitted".into(), None),
        Some(_) if fr.saturated_pixels > 0 => (
            "saturated".into(),
            Some(format!(
                "{} pixels at or above {} (not fitted)",
                fr.saturated_pixels,
                saturation.unwrap_or(f64::NAN)
            )),
        ),
        Some(e) => (
            match e {
                NoFit::Empty => "empty",
                NoFit::TooFew { .. } => "too few counts",
                NoFit::NotConverged(_) => "not converged",
            }
            .into(),
            Some(e.to_string()),
        ),
    };
    fr.x = ax;
    fr.y = ay;
}

/// The first, a middle and the last fitted frame from t0 on, for the figure.
fn shown_frames(
    centres: &[f64],
    p: &[Profile],
    fits: &[Result<ProfileFit, NoFit>],
    t0: usize,
    frame_ps: f64,
) -> Vec<super::report::ShownFrame> {
    let fitted: Vec<usize> = (0..fits.len()).filter(|&k| fits[k].is_ok()).collect();
    let mut picks: Vec<usize> = match fitted.len() {
        0 => Vec::new(),
        n => vec![fitted[0], fitted[n / 2], fitted[n - 1]],
    };
    picks.dedup();
    picks
        .into_iter()
        .filter_map(|k| {
            let fit = fits[k].as_ref().ok()?;
            Some(super::report::ShownFrame {
                frame: t0 + k,
                time_ps: k as f64 * frame_ps,
                centres_nm: centres.to_vec(),
                data: p[k].data.clone(),
                model: centres.iter().map(|&x| fit.at(x)).collect(),
            })
        })
        .collect()
}

fn notes(images: bool, noisy: bool) -> Vec<String> {
    let mut n = vec![
        "sigma2 is the fitted Gaussian variance of the profile (the engine's microscope estimator); msd = sigma2(t) - sigma2(t0), so every frame's MSD shares sigma2(t0)'s error (the errors are correlated)".to_string(),
        "kurtosis is the excess kurtosis m4/m2^2 - 3 of the background-subtracted profile within 10 fitted sigma of its centre (0 for a Gaussian); null where m2 is known to worse than 10 % (the ratio is then biased beyond its error): crop --roi around the spot".to_string(),
    ];
    if images {
        n.push("images: the profiles along x and y are the image's sums over rows and columns; the radial numbers are their means (x + y) / 2".into());
    }
    if !noisy {
        n.push(
            "noise uniform: equal weights and no errors (the values are not photon counts)".into(),
        );
    }
    n
}

/// Each axis's numbers for frames t0.., and its kurtosis with the gradient (for the
/// radial kurtosis's error). `shared[k]`: the variance a profile element takes from the
/// frame's shared background estimate.
fn axis(
    centres: &[f64],
    p: &[Profile],
    var: &[Vec<f64>],
    shared: &[f64],
    fits: &[Result<ProfileFit, NoFit>],
    noisy: bool,
) -> (Vec<AxisFrame>, Vec<Option<Kurtosis>>) {
    let ap = apparent_from_fits(fits, noisy);
    let mut kurtoses = Vec::with_capacity(p.len());
    let frames = (0..p.len())
        .map(|k| {
            let fit = fits[k].as_ref().ok();
            let kurt = fit
                .and_then(|f| {
                    let half = WINDOW_SIGMA * f.variance_nm2.sqrt();
                    windowed(centres, &p[k].data, f.centre_nm, half)
                })
                .filter(|q| {
                    !noisy || q.m2_relative_error(&var[k], shared[k]) <= MAX_M2_RELATIVE_ERROR
                });
            let kurtosis_stderr = kurt.as_ref().filter(|_| noisy).map(|q| {
                let g: f64 = q.gradient.iter().sum();
                q.stderr(&var[k]).hypot(g.abs() * shared[k].sqrt())
            });
            let frame = AxisFrame {
                sigma2_nm2: fit.map(|f| f.variance_nm2),
                sigma2_stderr_nm2: fit
                    .map(|f| f.variance_err_nm2)
                    .filter(|e| noisy && e.is_finite()),
                msd_nm2: ap.msd_nm2[k],
                msd_stderr_nm2: ap.stderr_nm2[k],
                centre_nm: fit.map(|f| f.centre_nm),
                amplitude: fit.map(|f| f.amplitude),
                kurtosis_stderr,
                kurtosis: kurt.as_ref().map(|q| q.value),
                reason: fits[k].as_ref().err().map(ToString::to_string),
            };
            kurtoses.push(kurt);
            frame
        })
        .collect();
    (frames, kurtoses)
}

/// The radial kurtosis (x + y) / 2 of an image rests on each pixel twice: its error sums
/// ((dk_x/dc + dk_y/dr) / 2)^2 var over the pixels, and the shared background's part.
fn radial_kurtosis_error(
    s: &Stack,
    r: &Region,
    bg: &Subtracted,
    gain: f64,
    f: usize,
    kx: &Kurtosis,
    ky: &Kurtosis,
) -> f64 {
    let mut var = 0.0;
    for (j, row) in (r.y.0..r.y.1).enumerate() {
        for (i, c) in (r.x.0..r.x.1).enumerate() {
            let raw = s.data[(f * s.rows + row) * s.columns + c];
            let v = bg.pixel_variance(raw, gain, j * r.width() + i);
            let g = (kx.gradient[i] + ky.gradient[j]) / 2.0;
            var += g * g * v;
        }
    }
    let shared = (r.height() as f64 * kx.gradient.iter().sum::<f64>()
        + r.width() as f64 * ky.gradient.iter().sum::<f64>())
        / 2.0;
    (var + shared * shared * bg.var_shared[f]).max(0.0).sqrt()
}
