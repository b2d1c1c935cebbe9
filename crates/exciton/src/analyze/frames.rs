//! The analysis itself: the region, time zero and background; each frame's profiles along
//! x (and y) as the microscope's [`Profile`]s; their fits by the engine's own
//! [`fit_frames`]; the kurtosis and the counts.

use super::kurtosis::excess_kurtosis;
use super::report::{Analysis, AxisFrame, FrameResult};
use super::stack::{Layout, Stack};
use super::{AnalyzeError, Background, Noise, Options, Roi, TimeZero};
use exciton_core::microscope::{apparent_from_fits, fit_frames, NoFit, Profile, ProfileFit};

/// The region, with each kept column's and row's centre, nm.
struct Region {
    x: (usize, usize),
    y: (usize, usize),
    xc: Vec<f64>,
    yc: Vec<f64>,
}

impl Region {
    fn width(&self) -> usize {
        self.x.1 - self.x.0
    }
    fn height(&self) -> usize {
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

/// Each frame's background per pixel (file units) and the variance of that estimate per
/// pixel (photons^2), independent per pixel or shared by the whole frame.
struct Subtracted {
    /// Per frame: the value (constant over the frame) or None (per pixel: `map`).
    level: Vec<f64>,
    map: Option<Vec<f64>>,
    /// Variance of each pixel's background in photons, independent between pixels.
    var_pixel: Vec<f64>,
    /// Variance of a frame's constant background in photons, shared by all its pixels.
    var_shared: Vec<f64>,
}

/// Analyses `stack` as `o` says: see the module and README "Measured data in".
pub fn analyze(s: &Stack, o: &Options) -> Result<Analysis, AnalyzeError> {
    let missing = |what: &str, flag: &str| AnalyzeError::Input {
        file: s.file.clone(),
        reason: format!("no {what} in the file: give {flag}"),
    };
    let pixel_nm = positive(
        "--pixel-nm",
        o.pixel_nm
            .or(s.meta.as_ref().map(|m| m.pixel_nm))
            .ok_or_else(|| {
                missing(
                    "pixel size",
                    "--pixel-nm (the pixel or scan step in the sample plane, nm)",
                )
            })?,
    )?;
    let frame_ps = positive(
        "--frame-ps",
        o.frame_ps
            .or(s.meta.as_ref().map(|m| m.frame_ps))
            .ok_or_else(|| {
                missing(
                    "frame width",
                    "--frame-ps (the frame or time bin width, ps)",
                )
            })?,
    )?;
    let expected = s.meta.as_ref().is_some_and(|m| m.values == "expected");
    let noise = o.noise.unwrap_or(if expected {
        Noise::Uniform
    } else {
        Noise::Poisson { gain: 1.0 }
    });
    let gain = match noise {
        Noise::Poisson { gain } => positive("--gain", gain)?,
        Noise::Uniform => 1.0,
    };
    let r = region(s, o.roi, pixel_nm)?;
    let pixel = |f: usize, row: usize, col: usize| s.data[(f * s.rows + row) * s.columns + col];
    let totals: Vec<f64> = (0..s.frames)
        .map(|f| {
            (r.y.0..r.y.1)
                .flat_map(|row| (r.x.0..r.x.1).map(move |c| (row, c)))
                .map(|(row, c)| pixel(f, row, c))
                .sum()
        })
        .collect();
    let (t0, t0_from) = match o.t0 {
        TimeZero::Frame(t) if t + 1 < s.frames => (t, "--t0-frame".to_string()),
        TimeZero::Frame(t) => {
            return Err(AnalyzeError::option(
                "--t0-frame",
                format!(
                    "{t}: the file has {} frames (0..{}), and time zero needs one after it",
                    s.frames,
                    s.frames - 1
                ),
            ))
        }
        // exciton-mc's own frames start at the excitation.
        TimeZero::Peak if s.meta.is_some() => (
            0,
            "frame 0: an exciton-mc stack starts at the excitation".to_string(),
        ),
        TimeZero::Peak => {
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
            (t, "peak of the total counts".to_string())
        }
    };
    let bg = subtracted(s, &r, o.background, t0, gain)?;
    let saturation = o.saturation.or(s.saturation);
    let images = s.layout == Layout::Images;

    // Per frame from t0: the profiles along x and y, their variances, the counts.
    let n = s.frames - t0;
    let (mut px, mut py) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let (mut vx, mut vy) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut frames: Vec<FrameResult> = Vec::with_capacity(s.frames);
    for f in 0..s.frames {
        let mut fr = FrameResult {
            frame: f,
            time_ps: (f as f64 - t0 as f64) * frame_ps,
            background: bg
                .map
                .as_ref()
                .map_or(bg.level[f], |m| m.iter().sum::<f64>() / m.len() as f64),
            ..FrameResult::default()
        };
        let (mut dx, mut dy) = (vec![0.0; r.width()], vec![0.0; r.height()]);
        let (mut wx, mut wy) = (vec![0.0; r.width()], vec![0.0; r.height()]);
        for (j, row) in (r.y.0..r.y.1).enumerate() {
            for (i, c) in (r.x.0..r.x.1).enumerate() {
                let raw = pixel(f, row, c);
                if saturation.is_some_and(|l| raw >= l) {
                    fr.saturated_pixels += 1;
                }
                let k = j * r.width() + i;
                let b = bg.map.as_ref().map_or(bg.level[f], |m| m[k]);
                let value = (raw - b) / gain;
                let var = raw / gain + bg.var_pixel[k];
                dx[i] += value;
                wx[i] += var;
                dy[j] += value;
                wy[j] += var;
            }
        }
        fr.counts = dx.iter().sum();
        let pixels = (r.width() * r.height()) as f64;
        fr.counts_stderr = matches!(noise, Noise::Poisson { .. }).then(|| {
            (wx.iter().sum::<f64>() + pixels * pixels * bg.var_shared[f])
                .max(0.0)
                .sqrt()
        });
        if f >= t0 {
            let profile = |d: Vec<f64>, v: &[f64]| {
                let mut p = match noise {
                    Noise::Poisson { .. } => Profile::counted(d, v),
                    Noise::Uniform => Profile::noise_free(d),
                };
                if fr.saturated_pixels > 0 {
                    p.detected = 0.0;
                }
                p
            };
            px.push(profile(dx, &wx));
            vx.push(wx);
            if images {
                py.push(profile(dy, &wy));
                vy.push(wy);
            }
        } else {
            fr.status = "before t0".into();
        }
        frames.push(fr);
    }

    let noisy = matches!(noise, Noise::Poisson { .. });
    let fits_x = fit_frames(&r.xc, &px, o.profile);
    let shown = shown_frames(&r.xc, &px, &fits_x, t0, frame_ps);
    let axis_x = axis(&r.xc, &px, &vx, &fits_x, noisy);
    let (fits_y, axis_y) = if images {
        let fits = fit_frames(&r.yc, &py, o.profile);
        let a = axis(&r.yc, &py, &vy, &fits, noisy);
        (Some(fits), Some(a))
    } else {
        (None, None)
    };
    for (k, ax) in axis_x.into_iter().enumerate() {
        let fr = &mut frames[t0 + k];
        let ay = axis_y.as_ref().map(|a| a[k].clone());
        let both = |f: &dyn Fn(&AxisFrame) -> Option<f64>| match &ay {
            None => f(&ax),
            Some(y) => Some((f(&ax)? + f(y)?) / 2.0),
        };
        // The mean of two estimates: (x + y) / 2 with independent errors.
        let both_err = |f: &dyn Fn(&AxisFrame) -> Option<f64>| match &ay {
            None => f(&ax),
            Some(y) => Some(f(&ax)?.hypot(f(y)?) / 2.0),
        };
        fr.sigma2_nm2 = both(&|a| a.sigma2_nm2);
        fr.sigma2_stderr_nm2 = both_err(&|a| a.sigma2_stderr_nm2);
        fr.msd_nm2 = both(&|a| a.msd_nm2);
        fr.msd_stderr_nm2 = both_err(&|a| a.msd_stderr_nm2);
        fr.kurtosis = both(&|a| a.kurtosis);
        fr.kurtosis_stderr = match &ay {
            None => ax.kurtosis_stderr,
            // x's and y's kurtosis rest on the same pixels: their errors are combined
            // pixel by pixel below.
            Some(_) => None,
        };
        let fit = |fits: &[Result<ProfileFit, NoFit>]| fits[k].clone().err();
        let failed = fit(&fits_x).or_else(|| fits_y.as_deref().and_then(fit));
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
    if images && noisy {
        radial_kurtosis_errors(s, &r, &bg, gain, t0, &mut frames);
    }
    let lorentz = |fits: &[Result<ProfileFit, NoFit>]| fits.first()?.as_ref().ok()?.lorentz_nm;
    Ok(Analysis {
        exciton_mc_version: env!("CARGO_PKG_VERSION").into(),
        input: s.file.display().to_string(),
        layout: s.layout,
        shape: [s.frames, s.rows, s.columns],
        pixel_nm,
        frame_ps,
        roi_columns: [r.x.0, r.x.1],
        roi_rows: images.then_some([r.y.0, r.y.1]),
        t0_frame: t0,
        t0_from,
        background: describe(o.background),
        profile: o.profile,
        noise: match noise {
            Noise::Poisson { gain } => format!("poisson (gain {gain} file units per photon)"),
            Noise::Uniform => "uniform".into(),
        },
        saturation,
        lorentz_x_nm: lorentz(&fits_x),
        lorentz_y_nm: fits_y.as_deref().and_then(lorentz),
        notes: notes(images, noisy),
        frames,
        shown,
    })
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

fn describe(b: Background) -> String {
    match b {
        Background::None => "none".into(),
        Background::Constant(v) => format!("{v} per pixel"),
        Background::BeforeT0 => "each pixel's mean over the frames before t0".into(),
        Background::Border(w) => {
            format!("each frame's mean over the {w} pixels nearest the region's edge")
        }
    }
}

fn notes(images: bool, noisy: bool) -> Vec<String> {
    let mut n = vec![
        "sigma2 is the fitted Gaussian variance of the profile (the engine's microscope estimator); msd = sigma2(t) - sigma2(t0), so every frame's MSD shares sigma2(t0)'s error (the errors are correlated)".to_string(),
        "kurtosis is the excess kurtosis m4/m2^2 - 3 of the background-subtracted profile over the region (0 for a Gaussian)".to_string(),
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

/// Each axis's numbers for frames t0.. .
fn axis(
    centres: &[f64],
    p: &[Profile],
    var: &[Vec<f64>],
    fits: &[Result<ProfileFit, NoFit>],
    noisy: bool,
) -> Vec<AxisFrame> {
    let ap = apparent_from_fits(fits, noisy);
    (0..p.len())
        .map(|k| {
            let kurt = excess_kurtosis(centres, &p[k].data);
            let fit = fits[k].as_ref().ok();
            AxisFrame {
                sigma2_nm2: fit.map(|f| f.variance_nm2),
                sigma2_stderr_nm2: fit
                    .map(|f| f.variance_err_nm2)
                    .filter(|e| noisy && e.is_finite()),
                msd_nm2: ap.msd_nm2[k],
                msd_stderr_nm2: ap.stderr_nm2[k],
                centre_nm: fit.map(|f| f.centre_nm),
                amplitude: fit.map(|f| f.amplitude),
                kurtosis_stderr: kurt.as_ref().filter(|_| noisy).map(|q| q.stderr(&var[k])),
                kurtosis: kurt.map(|q| q.value),
                reason: fits[k].as_ref().err().map(ToString::to_string),
            }
        })
        .collect()
}

/// The radial kurtosis (x + y) / 2 of an image rests on each pixel twice: its error sums
/// ((dk_x/dc + dk_y/dr) / 2)^2 var over the pixels.
fn radial_kurtosis_errors(
    s: &Stack,
    r: &Region,
    bg: &Subtracted,
    gain: f64,
    t0: usize,
    frames: &mut [FrameResult],
) {
    for f in t0..s.frames {
        let fr = &frames[f];
        let (Some(_), Some(y)) = (fr.kurtosis, fr.y.as_ref()) else {
            continue;
        };
        let data_x: Vec<f64> = marginal(s, r, bg, gain, f, true);
        let data_y: Vec<f64> = marginal(s, r, bg, gain, f, false);
        let (Some(kx), Some(ky)) = (
            excess_kurtosis(&r.xc, &data_x),
            excess_kurtosis(&r.yc, &data_y),
        ) else {
            continue;
        };
        let _ = y;
        let mut var = 0.0;
        for (j, row) in (r.y.0..r.y.1).enumerate() {
            for (i, c) in (r.x.0..r.x.1).enumerate() {
                let raw = s.data[(f * s.rows + row) * s.columns + c];
                let v = raw / gain + bg.var_pixel[j * r.width() + i];
                let g = (kx.gradient[i] + ky.gradient[j]) / 2.0;
                var += g * g * v;
            }
        }
        frames[f].kurtosis_stderr = Some(var.max(0.0).sqrt());
    }
}

/// A frame's background-subtracted profile along x (`along_x`) or y, photons.
fn marginal(
    s: &Stack,
    r: &Region,
    bg: &Subtracted,
    gain: f64,
    f: usize,
    along_x: bool,
) -> Vec<f64> {
    let mut d = vec![0.0; if along_x { r.width() } else { r.height() }];
    for (j, row) in (r.y.0..r.y.1).enumerate() {
        for (i, c) in (r.x.0..r.x.1).enumerate() {
            let b = bg
                .map
                .as_ref()
                .map_or(bg.level[f], |m| m[j * r.width() + i]);
            d[if along_x { i } else { j }] +=
                (s.data[(f * s.rows + row) * s.columns + c] - b) / gain;
        }
    }
    d
}

/// The background the options ask for.
fn subtracted(
    s: &Stack,
    r: &Region,
    b: Background,
    t0: usize,
    gain: f64,
) -> Result<Subtracted, AnalyzeError> {
    let n = r.width() * r.height();
    let pixel = |f: usize, k: usize| {
        let (j, i) = (k / r.width(), k % r.width());
        s.data[(f * s.rows + r.y.0 + j) * s.columns + r.x.0 + i]
    };
    let none = Subtracted {
        level: vec![0.0; s.frames],
        map: None,
        var_pixel: vec![0.0; n],
        var_shared: vec![0.0; s.frames],
    };
    Ok(match b {
        Background::None => none,
        Background::Constant(v) if v.is_finite() => Subtracted {
            level: vec![v; s.frames],
            ..none
        },
        Background::Constant(v) => {
            return Err(AnalyzeError::option(
                "--background",
                format!("{v} is not a number"),
            ))
        }
        Background::BeforeT0 => {
            if t0 == 0 {
                return Err(AnalyzeError::option(
                    "--background",
                    "`pre` averages the frames before time zero, and t0 is frame 0: give --t0-frame, or another background",
                ));
            }
            let map: Vec<f64> = (0..n)
                .map(|k| (0..t0).map(|f| pixel(f, k)).sum::<f64>() / t0 as f64)
                .collect();
            // The mean of t0 Poisson counts: variance mean / t0 (photons).
            let var_pixel = map
                .iter()
                .map(|&m| (m / gain).max(0.0) / t0 as f64)
                .collect();
            Subtracted {
                map: Some(map),
                var_pixel,
                ..none
            }
        }
        Background::Border(w) => {
            let images = s.layout == Layout::Images;
            if w == 0 || 2 * w >= r.width() || (images && 2 * w >= r.height()) {
                return Err(AnalyzeError::option(
                    "--border-px",
                    format!("{w}: the border must be at least 1 pixel and leave the region's middle ({} x {} pixels)", r.width(), r.height()),
                ));
            }
            let edge = |k: usize| {
                let (j, i) = (k / r.width(), k % r.width());
                let near_x = i < w || i >= r.width() - w;
                near_x || (images && (j < w || j >= r.height() - w))
            };
            let ring: Vec<usize> = (0..n).filter(|&k| edge(k)).collect();
            let level: Vec<f64> = (0..s.frames)
                .map(|f| ring.iter().map(|&k| pixel(f, k)).sum::<f64>() / ring.len() as f64)
                .collect();
            let var_shared = level
                .iter()
                .map(|&b| (b / gain).max(0.0) / ring.len() as f64)
                .collect();
            Subtracted {
                level,
                var_shared,
                ..none
            }
        }
    })
}
