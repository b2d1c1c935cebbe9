//! The scenario's `"microscope"` block (MODEL.md section 10), as written and resolved: a
//! preset's values where the file gives none. What the instrument reports of a point is
//! computed in `crate::microscope`.

use serde::{Deserialize, Serialize};

/// The function fitted to each frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FitModel {
    /// A Gaussian; sigma_app^2 is its variance.
    #[default]
    Gaussian,
    /// The paper's pseudo-Voigt: its Lorentzian width is fitted on frame 0, then held.
    Voigt,
}

/// The scenario's `microscope` block, resolved: a preset's values where the file gives
/// none (`MicroscopeFile`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(from = "MicroscopeFile")]
pub struct Microscope {
    /// Full width at half maximum of the (Gaussian) detection PSF.
    pub psf_fwhm_nm: f64,
    /// The function fitted to each frame's image.
    pub profile: FitModel,
    /// Camera pixel (or scanned aperture) width in the sample plane.
    pub pixel_nm: f64,
    /// Detected photons per frame (Poisson shot noise); null: no shot noise.
    pub photons_per_frame: Option<f64>,
    /// Detected photons over the whole run, shared among frames as the PL I(t) is (what
    /// a camera with a fixed exposure sees); exclusive with `photons_per_frame`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photons_total: Option<f64>,
    /// Seed of the shot noise (each point and frame has its own stream).
    pub seed: u64,
    /// The detection the other values came from, when named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
}

/// Named detections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The paper's scanned detection: a 270 nm FWHM PSF and a 10 um fibre at 122x, an
    /// 82 nm aperture scanned across the image, fitted by the paper's Voigt.
    Paper,
}

/// The block as written: every key optional; a preset fills what is missing.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MicroscopeFile {
    preset: Option<Preset>,
    psf_fwhm_nm: Option<f64>,
    profile: Option<FitModel>,
    pixel_nm: Option<f64>,
    photons_per_frame: Option<f64>,
    photons_total: Option<f64>,
    #[serde(default)]
    seed: u64,
}

impl From<MicroscopeFile> for Microscope {
    fn from(f: MicroscopeFile) -> Self {
        let (fwhm, profile, pixel) = match f.preset {
            Some(Preset::Paper) => (270.0, FitModel::Voigt, 82.0),
            None => (270.0, FitModel::default(), 40.0),
        };
        Microscope {
            psf_fwhm_nm: f.psf_fwhm_nm.unwrap_or(fwhm),
            profile: f.profile.unwrap_or(profile),
            pixel_nm: f.pixel_nm.unwrap_or(pixel),
            photons_per_frame: f.photons_per_frame,
            photons_total: f.photons_total,
            seed: f.seed,
            preset: f.preset,
        }
    }
}

impl Microscope {
    /// Detected photons in each frame: `photons_per_frame`, or `photons_total` shared as
    /// `intensity` (the binned PL) is; `None` without shot noise.
    pub fn photons(&self, intensity: &[f64]) -> Vec<Option<f64>> {
        let sum: f64 = intensity.iter().sum();
        intensity
            .iter()
            .map(|&i| match (self.photons_per_frame, self.photons_total) {
                (Some(p), _) => Some(p),
                (None, Some(total)) if sum > 0.0 => Some(total * i / sum),
                (None, Some(_)) => Some(0.0),
                (None, None) => None,
            })
            .collect()
    }
}
