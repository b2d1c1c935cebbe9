//! `exciton-mc analyze` (MODEL.md section 14): the microscope's estimator on measured (or
//! simulated) image stacks and line scans. Per frame, the profile along x (and y) is
//! fitted by the very code that fits the engine's own camera images
//! ([`exciton_core::microscope::fit_frames`]); beside it the profile's excess kurtosis
//! and the total counts. Out come `msd.csv` and `pl.csv`, which `exciton-mc fit` reads as
//! they are, and analysis.json with every per-frame number.

mod frames;
pub mod kurtosis;
pub mod report;
pub mod simulate;
pub mod stack;

pub use frames::analyze;
pub use report::{Analysis, AxisFrame, FrameResult, ShownFrame};

use exciton_core::scenario::microscope::FitModel;
use std::path::PathBuf;

/// Why a stack cannot be analysed: the file (or option) and the reason.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{}: {reason}", file.display())]
    Input { file: PathBuf, reason: String },
    #[error("{option}: {reason}")]
    Option { option: String, reason: String },
    #[error(transparent)]
    Csv(#[from] crate::fit::FitError),
    #[error(transparent)]
    Io(#[from] exciton_io::Error),
}

impl AnalyzeError {
    fn option(option: &str, reason: impl Into<String>) -> AnalyzeError {
        AnalyzeError::Option {
            option: option.into(),
            reason: reason.into(),
        }
    }
}

/// Where time zero is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeZero {
    /// This frame (counted from 0).
    Frame(usize),
    /// The frame with the most counts.
    Peak,
}

/// What is subtracted from every pixel before the profiles are formed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Background {
    None,
    /// A constant, in the file's units per pixel.
    Constant(f64),
    /// Each pixel's mean over the frames before time zero.
    BeforeT0,
    /// Each frame's mean over the pixels within this many of the region's edge.
    Border(usize),
}

/// How the counts are weighted and their errors known.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Noise {
    /// Photon counts: `gain` file units per detected photon, Poisson variances.
    Poisson { gain: f64 },
    /// Values that are not counts (noise-free simulations, normalised images): equal
    /// weights, and no errors (nothing says how large the noise is).
    Uniform,
}

/// A region of interest in pixels, half-open: columns `x.0..x.1`, rows `y.0..y.1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Roi {
    pub x: (usize, usize),
    pub y: Option<(usize, usize)>,
}

/// Everything `analyze` is told besides the stack.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Pixel (or scan step) width in the sample plane, nm; None: from the file's own
    /// description (exciton-mc's TIFFs), else refused.
    pub pixel_nm: Option<f64>,
    /// Frame (or time bin) width, ps; None as for `pixel_nm`.
    pub frame_ps: Option<f64>,
    pub roi: Option<Roi>,
    pub t0: TimeZero,
    pub background: Background,
    pub profile: FitModel,
    /// None: uniform for exciton-mc's noise-free TIFFs, else Poisson with gain 1.
    pub noise: Option<Noise>,
    /// A value at which a pixel is saturated; None: the file type's maximum, if any.
    pub saturation: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pixel_nm: None,
            frame_ps: None,
            roi: None,
            t0: TimeZero::Peak,
            background: Background::None,
            profile: FitModel::Gaussian,
            noise: None,
            saturation: None,
        }
    }
}
