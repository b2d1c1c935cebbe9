//! The virtual microscope (MODEL.md section 10): what the diffusion microscope reports
//! of a point's emissions. Each frame's emission profile over absolute position is
//! blurred by the detection PSF, binned into camera pixels, optionally given Poisson shot
//! noise for a number of detected photons, and fitted by a Gaussian (or the paper's
//! Voigt: Lorentzian width from frame 0, then held); the apparent MSD is the fitted
//! variance's growth, sigma_app^2(t) - sigma_app^2(0), with its fit error.
//!
//! The Monte Carlo hands over its emission counts; the exact backend its expected
//! profile ([`crate::exact::expected_profile`]), so the noise-free apparent MSD is exact.

mod fit;
mod noise;

use fit::fit_profile;
pub use fit::{NoFit, ProfileFit};

use crate::scenario::microscope::{FitModel, Microscope};

/// Fewest detected photons (or emissions) a frame's fit may rest on.
pub const MIN_PHOTONS: f64 = 100.0;
/// The camera image reaches this many PSF widths beyond the outermost emission.
const IMAGE_MARGIN_FWHM: f64 = 2.0;

/// The apparent MSD of every frame, nm^2, with its standard error (null where the fit
/// failed or rests on fewer than `MIN_PHOTONS`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Apparent {
    /// Apparent MSD sigma_app^2(t) - sigma_app^2(0) of each frame, nm^2.
    pub msd_nm2: Vec<Option<f64>>,
    /// Standard error of each frame's apparent MSD, nm^2.
    pub stderr_nm2: Vec<Option<f64>>,
}

/// What the profile's counts are, which decides the fit's weights and errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counts {
    /// Emissions counted by the Monte Carlo: each pixel's variance is that of a sum of
    /// PSF-spread emissions.
    Sampled,
    /// Expected emissions per walker (the exact backend): no noise, no errors.
    Expected,
}

/// The camera: pixel centres and, for each source row of a profile, the fraction of its
/// photons landing in each pixel near it (`share[i] = (first pixel, fractions)`; beyond
/// the PSF's reach, nothing).
struct Camera {
    /// Pixel centres, nm.
    centres: Vec<f64>,
    /// The pixel centred on x = 0.
    origin_pixel: i64,
    share: Vec<(usize, Vec<f64>)>,
}

/// Shares below this fraction of a photon are dropped (a pixel ~8 PSF widths away).
const NEGLIGIBLE_SHARE: f64 = 1e-15;

impl Camera {
    /// A camera for rows of `sites` sources; source i sits at site `x_min_sites + i`,
    /// or, with `spot` (probabilities of offsets -R..=R), is spread over the spot
    /// around it (the exact backend's rows are displacements, not positions).
    fn new(
        m: &Microscope,
        x_min_sites: i64,
        sites: usize,
        pitch_nm: f64,
        spot: Option<&[f64]>,
    ) -> Camera {
        let sigma = m.psf_fwhm_nm / (8.0 * std::f64::consts::LN_2).sqrt();
        let radius = spot.map_or(0, |s| (s.len() / 2) as i64);
        let (first_site, last_site) = (
            x_min_sites - radius,
            x_min_sites + sites as i64 - 1 + radius,
        );
        let lo = first_site as f64 * pitch_nm - IMAGE_MARGIN_FWHM * m.psf_fwhm_nm;
        let hi = last_site as f64 * pitch_nm + IMAGE_MARGIN_FWHM * m.psf_fwhm_nm;
        // Pixels centred on x = 0, the spot's centre.
        let first = (lo / m.pixel_nm).floor() as i64;
        let last = (hi / m.pixel_nm).ceil() as i64;
        let pixels = (last - first + 1) as usize;
        let centres = (first..=last).map(|k| k as f64 * m.pixel_nm).collect();
        let edge = |j: usize| (first + j as i64) as f64 * m.pixel_nm - 0.5 * m.pixel_nm;
        // Each site's share: the PSF's mass over each pixel, cut where negligible.
        let site_share = |x_site: i64| -> (usize, Vec<f64>) {
            let x = x_site as f64 * pitch_nm;
            let reach = 9.0 * sigma;
            let a =
                (((x - reach - edge(0)) / m.pixel_nm).floor().max(0.0) as usize).min(pixels - 1);
            let b = (((x + reach - edge(0)) / m.pixel_nm).ceil().max(0.0) as usize).min(pixels - 1);
            let cdf: Vec<f64> = (a..=b + 1)
                .map(|j| normal_cdf((edge(j) - x) / sigma))
                .collect();
            let mut v: Vec<f64> = cdf.windows(2).map(|w| w[1] - w[0]).collect();
            let lead = v.iter().position(|&f| f > NEGLIGIBLE_SHARE).unwrap_or(0);
            let tail = v
                .iter()
                .rposition(|&f| f > NEGLIGIBLE_SHARE)
                .map_or(0, |t| v.len() - 1 - t);
            v.truncate(v.len() - tail);
            (a + lead, v.split_off(lead))
        };
        let share = match spot {
            None => (0..sites)
                .map(|i| site_share(x_min_sites + i as i64))
                .collect(),
            Some(spot) => {
                let sites_all: Vec<(usize, Vec<f64>)> =
                    (first_site..=last_site).map(site_share).collect();
                (0..sites)
                    .map(|i| {
                        // Source i (displacement x_min + i) over every spot offset k.
                        let parts = spot
                            .iter()
                            .enumerate()
                            .filter(|(_, &w)| w > 0.0)
                            .map(|(k, &w)| (w, &sites_all[i + k]));
                        let a = parts.clone().map(|(_, s)| s.0).min().unwrap_or(0);
                        let b = parts
                            .clone()
                            .map(|(_, s)| s.0 + s.1.len())
                            .max()
                            .unwrap_or(a);
                        let mut v = vec![0.0; b - a];
                        for (w, (start, f)) in parts {
                            for (j, f) in f.iter().enumerate() {
                                v[start - a + j] += w * f;
                            }
                        }
                        (a, v)
                    })
                    .collect()
            }
        };
        Camera {
            centres,
            origin_pixel: -first,
            share,
        }
    }

    /// Expected counts per pixel of one frame's profile, and their variance for counted
    /// emissions (each emission lands in pixel j with its site's share).
    fn image(&self, counts: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let pixels = self.centres.len();
        let (mut mean, mut var) = (vec![0.0; pixels], vec![0.0; pixels]);
        for (&c, (start, share)) in counts.iter().zip(&self.share) {
            if c == 0.0 {
                continue;
            }
            for (j, f) in share.iter().enumerate() {
                mean[start + j] += c * f;
                var[start + j] += c * f * f;
            }
        }
        (mean, var)
    }
}

/// One frame's profile as the estimator fits it: values per pixel, their weights (1 /
/// variance) and the photons (or emissions) the fit rests on.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// Counts (or expected counts) per pixel.
    pub data: Vec<f64>,
    /// 1 / each pixel's variance.
    pub weights: Vec<f64>,
    /// Photons (or emissions) the fit rests on; below [`MIN_PHOTONS`] it is not fitted.
    pub detected: f64,
}

impl Profile {
    /// Counted photons: each pixel weighted by 1 / its variance (at least 1 count, so an
    /// empty pixel does not weigh infinitely); the fit rests on the counts' sum.
    pub fn counted(data: Vec<f64>, variance: &[f64]) -> Profile {
        let weights = variance.iter().map(|&v| 1.0 / v.max(1.0)).collect();
        let detected = data.iter().sum();
        Profile {
            data,
            weights,
            detected,
        }
    }

    /// A noise-free profile (expected counts, any scale): equal weights, and any nonzero
    /// profile is enough.
    pub fn noise_free(data: Vec<f64>) -> Profile {
        let total: f64 = data.iter().sum();
        Profile {
            weights: vec![1.0; data.len()],
            detected: if total > 0.0 { f64::INFINITY } else { 0.0 },
            data,
        }
    }
}

/// What a simulated image's values are, which decides how it is weighted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// Expected emissions per walker (the exact backend, no shot noise).
    Expected,
    /// Detected photons with shot noise.
    Counts,
    /// The Monte Carlo's emissions spread by the PSF (no shot noise).
    Emissions,
}

impl Values {
    /// As analysis.json and a simulated TIFF's description say it.
    pub fn name(self) -> &'static str {
        match self {
            Values::Expected => "expected",
            Values::Counts => "counts",
            Values::Emissions => "emissions",
        }
    }
}

/// The camera's frames of a point, as the microscope fits them.
#[derive(Clone, Debug, PartialEq)]
pub struct Images {
    /// Pixel centres, nm: `(column - origin_pixel) * pixel_nm`.
    pub centres_nm: Vec<f64>,
    /// The column centred on x = 0.
    pub origin_pixel: i64,
    /// Pixel width in the sample plane, nm.
    pub pixel_nm: f64,
    /// What the frames' values are.
    pub values: Values,
    /// One profile per frame, from frame 0 (the excitation).
    pub frames: Vec<Profile>,
}

/// The camera images of a point whose emissions per frame are `counts[t][i]` at site
/// `x_min_sites + i`, with `photons[t]` detected in frame t (`None`: no shot noise);
/// `stream` picks the shot noise's random stream (the point index). With a `spot`
/// (probabilities of offsets -R..=R) the rows are over displacement rather than
/// position, and the camera spreads each over the initial spot, which costs one
/// convolution per site instead of one per frame.
#[allow(clippy::too_many_arguments)]
fn images_over_spot(
    m: &Microscope,
    x_min_sites: i64,
    counts: &[Vec<f64>],
    pitch_nm: f64,
    kind: Counts,
    stream: u64,
    spot: Option<&[f64]>,
    photons: &[Option<f64>],
    draw: bool,
) -> Images {
    let sites = counts.first().map_or(0, Vec::len);
    let camera = Camera::new(m, x_min_sites, sites, pitch_nm, spot);
    let frames = counts
        .iter()
        .enumerate()
        .map(|(t, row)| {
            let (mean, var) = camera.image(row);
            match (photons[t], kind) {
                (Some(photons), _) => {
                    let n = if draw {
                        noise::shot_noise(&mean, photons, m.seed, stream, t as u64)
                    } else {
                        noise::expected_counts(&mean, photons)
                    };
                    let mut p = Profile::counted(n.clone(), &n);
                    // A frame rests on the fewer of its photons and its emissions.
                    if kind == Counts::Sampled {
                        p.detected = p.detected.min(mean.iter().sum());
                    }
                    p
                }
                (None, Counts::Sampled) => Profile::counted(mean, &var),
                // Expected counts per walker: any nonzero profile is enough.
                (None, Counts::Expected) => Profile::noise_free(mean),
            }
        })
        .collect();
    let values = match (photons.iter().any(Option::is_some), kind) {
        (true, _) => Values::Counts,
        (false, Counts::Sampled) => Values::Emissions,
        (false, Counts::Expected) => Values::Expected,
    };
    Images {
        origin_pixel: camera.origin_pixel,
        centres_nm: camera.centres,
        pixel_nm: m.pixel_nm,
        values,
        frames,
    }
}

/// Each frame's fit, in order, the first frame being time zero: the Voigt's Lorentzian
/// width is fitted there and then held, and each fit starts from the last frame's.
pub fn fit_frames(
    centres_nm: &[f64],
    frames: &[Profile],
    model: FitModel,
) -> Vec<Result<ProfileFit, NoFit>> {
    let mut fits: Vec<Result<ProfileFit, NoFit>> = Vec::with_capacity(frames.len());
    let mut held_lorentz: Option<f64> = None;
    for (t, p) in frames.iter().enumerate() {
        let fit = if p.detected >= MIN_PHOTONS {
            fit_profile(
                centres_nm,
                &p.data,
                &p.weights,
                model,
                held_lorentz,
                fits.last().and_then(|f| f.as_ref().ok()),
            )
        } else if p.detected > 0.0 {
            Err(NoFit::TooFew {
                detected: p.detected,
            })
        } else {
            Err(NoFit::Empty)
        };
        if t == 0 {
            held_lorentz = fit.as_ref().ok().and_then(|f| f.lorentz_nm);
        }
        fits.push(fit);
    }
    fits
}

/// How far a frame's fitted variance moves, nm^2, when every pixel of its profile moves
/// by `shift` (an error shared by the whole profile, such as a background estimated once
/// per frame): the fit again from `fit`, weights and any Voigt width as they were.
pub fn variance_shift(
    centres_nm: &[f64],
    p: &Profile,
    model: FitModel,
    fit: &ProfileFit,
    shift: f64,
) -> Option<f64> {
    let data: Vec<f64> = p.data.iter().map(|d| d + shift).collect();
    let moved = fit_profile(
        centres_nm,
        &data,
        &p.weights,
        model,
        fit.lorentz_nm,
        Some(fit),
    )
    .ok()?;
    Some(moved.variance_nm2 - fit.variance_nm2)
}

/// The apparent MSD v(t) - v(0) of fitted frames, with the error sqrt(err_v(t)^2 +
/// err_v(0)^2) where the data are `noisy` (none for a noise-free profile).
pub fn apparent_from_fits(fits: &[Result<ProfileFit, NoFit>], noisy: bool) -> Apparent {
    let first = fits.first().and_then(|f| f.as_ref().ok());
    let mut out = Apparent::default();
    for fit in fits {
        let pair = first.zip(fit.as_ref().ok());
        out.msd_nm2
            .push(pair.map(|(a, b)| b.variance_nm2 - a.variance_nm2));
        out.stderr_nm2.push(pair.and_then(|(a, b)| {
            let e = (a.variance_err_nm2.powi(2) + b.variance_err_nm2.powi(2)).sqrt();
            (noisy && e.is_finite()).then_some(e)
        }));
    }
    if let (Some(e), Some(_)) = (out.stderr_nm2.first_mut(), first) {
        *e = noisy.then_some(0.0);
    }
    out
}

/// Standard normal CDF.
fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// The apparent MSD of a point with a microscope: its camera images fitted
/// frame by frame, with the Monte Carlo's own noise where the images come from counted
/// emissions. `None` when the scenario has no microscope.
pub fn observe(
    scenario: &crate::scenario::Scenario,
    point: u64,
    curves: &crate::observables::Curves,
) -> Option<Apparent> {
    observed(scenario, point, curves, true).map(|(_, a)| a)
}

/// [`observe`] with the camera images it fitted (the frames `exciton-mc stack` writes),
/// for a caller that writes them too.
pub fn observe_with_images(
    scenario: &crate::scenario::Scenario,
    point: u64,
    curves: &crate::observables::Curves,
) -> Option<(Images, Apparent)> {
    observed(scenario, point, curves, true)
}

/// What [`observe`] reports on average over the shot noise, to first order: each frame's
/// expected photon counts, fitted with the weights counts get (a fit's model of measured
/// data, whose own noise is in the data). Without a photon budget, [`observe`] itself.
pub fn observe_expected(
    scenario: &crate::scenario::Scenario,
    point: u64,
    curves: &crate::observables::Curves,
) -> Option<Apparent> {
    observed(scenario, point, curves, false).map(|(_, a)| a)
}

fn observed(
    scenario: &crate::scenario::Scenario,
    point: u64,
    curves: &crate::observables::Curves,
    draw: bool,
) -> Option<(Images, Apparent)> {
    let m = scenario.microscope.as_ref()?;
    let i = drawn_images(scenario, point, curves, draw)?;
    let fits = fit_frames(&i.centres_nm, &i.frames, m.profile);
    let a = apparent_from_fits(&fits, i.values != Values::Expected);
    let sampled = curves.expected_profile.is_none() && curves.emission_profile.is_some();
    let a = if sampled {
        let shot = draw && i.values == Values::Counts;
        with_monte_carlo_noise(a, curves, shot, scenario.pitch_nm)
    } else {
        a
    };
    Some((i, a))
}

/// The camera images of a point with a microscope: from its counted emissions (Monte
/// Carlo, `curves.emission_profile`) or, without them (the exact backend), from the
/// expected profile; the shot noise drawn or (`draw` false) its expected counts. `None`
/// when the scenario has no microscope.
fn drawn_images(
    scenario: &crate::scenario::Scenario,
    point: u64,
    curves: &crate::observables::Curves,
    draw: bool,
) -> Option<Images> {
    let m = scenario.microscope.as_ref()?;
    let pitch = scenario.pitch_nm;
    let photons = m.photons(&curves.intensity);
    // The master equation's expected emissions over absolute position (a finite film).
    if let Some(e) = &curves.expected_profile {
        return Some(images_over_spot(
            m,
            e.x_min_sites,
            &e.counts,
            pitch,
            Counts::Expected,
            point,
            None,
            &photons,
            draw,
        ));
    }
    Some(match &curves.emission_profile {
        Some(p) => {
            let rows: Vec<Vec<f64>> = p
                .counts
                .iter()
                .map(|r| r.iter().map(|&c| c as f64).collect())
                .collect();
            images_over_spot(
                m,
                p.x_min_sites,
                &rows,
                pitch,
                Counts::Sampled,
                point,
                None,
                &photons,
                draw,
            )
        }
        None => {
            let tables = crate::model::WalkTables::new(scenario);
            let e =
                crate::exact::expected_dx_profile(&tables, &scenario.states.names, scenario.frames)
                    .train(scenario.excitation.as_ref());
            let spot = tables.spot.probabilities();
            images_over_spot(
                m,
                e.x_min_sites,
                &e.counts,
                pitch,
                Counts::Expected,
                point,
                Some(&spot),
                &photons,
                draw,
            )
        }
    })
}

/// The Monte Carlo's own photon noise in a counted apparent MSD: the image is drawn from
/// a finite number of emissions, which the camera's shot noise (if any) does not see.
/// Its error is the jackknife error over walker blocks of the profile MSD (the variance
/// of where the photons were emitted, which the fitted variance follows less the PSF's),
/// added in quadrature to the shot-noise fit error; the pixel variances of the counted
/// image alone (correlated across the PSF's many pixels) misstated it 2.7x. Frames
/// resting on fewer than [`MIN_PHOTONS`] emissions are null, as the true MSD is.
fn with_monte_carlo_noise(
    mut a: Apparent,
    curves: &crate::observables::Curves,
    shot_noise: bool,
    pitch_nm: f64,
) -> Apparent {
    for t in 0..a.msd_nm2.len() {
        if curves.emissions[t] < MIN_PHOTONS {
            a.msd_nm2[t] = None;
        }
        // Without a jackknife (one walker block) the value stays, without an error.
        let mc = curves.msd_profile_stderr.get(t).copied().flatten();
        let shot = if shot_noise {
            a.stderr_nm2[t]
        } else {
            Some(0.0)
        };
        a.stderr_nm2[t] = a.msd_nm2[t]
            .and(mc.zip(shot))
            .map(|(mc, shot)| (mc * pitch_nm * pitch_nm).hypot(shot));
    }
    a
}
