//! What `analyze` is told besides the stack, and the words the command line and Python
//! give it in (`none`, `pre`, `border`, a number; `X0:X1,Y0:Y1`; `gaussian`, `voigt`).

use super::AnalyzeError;
use exciton_core::scenario::microscope::FitModel;

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

/// `none`, `pre`, `border` (of `border_px` pixels) or a number (file units per pixel).
pub fn parse_background(s: &str, border_px: usize) -> Result<Background, AnalyzeError> {
    match s {
        "none" => Ok(Background::None),
        "pre" => Ok(Background::BeforeT0),
        "border" => Ok(Background::Border(border_px)),
        v => match v.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Background::Constant(x)),
            _ => Err(AnalyzeError::option(
                "--background",
                format!("`{v}`: give none, pre, border or a number"),
            )),
        },
    }
}

/// `gaussian` or `voigt`.
pub fn parse_profile(s: &str) -> Result<FitModel, AnalyzeError> {
    match s {
        "gaussian" => Ok(FitModel::Gaussian),
        "voigt" => Ok(FitModel::Voigt),
        _ => Err(AnalyzeError::option(
            "--profile",
            format!("`{s}`: give gaussian or voigt"),
        )),
    }
}

/// `X0:X1` or `X0:X1,Y0:Y1`, pixels, the ends excluded.
pub fn parse_roi(s: &str) -> Result<Roi, AnalyzeError> {
    let bad = |why: String| AnalyzeError::option("--roi", why);
    let range = |r: &str| -> Result<(usize, usize), AnalyzeError> {
        let (a, b) = r.split_once(':').ok_or_else(|| {
            bad(format!(
                "`{r}`: write a range as FIRST:END (pixels, END excluded)"
            ))
        })?;
        let n = |v: &str| {
            v.trim()
                .parse::<usize>()
                .map_err(|_| bad(format!("`{v}` is not a pixel index")))
        };
        Ok((n(a)?, n(b)?))
    };
    let mut parts = s.split(',');
    let x = range(parts.next().unwrap_or(""))?;
    let y = parts.next().map(range).transpose()?;
    if parts.next().is_some() {
        return Err(bad("give X0:X1 or X0:X1,Y0:Y1".into()));
    }
    Ok(Roi { x, y })
}

/// `poisson` (with `gain`) or `uniform`; None: the default for the file.
pub fn parse_noise(s: Option<&str>, gain: f64) -> Result<Option<Noise>, AnalyzeError> {
    match s {
        Some("uniform") if gain != 1.0 => Err(AnalyzeError::option(
            "--gain",
            format!("{gain}: a gain converts counts to photons, and --noise uniform says the values are not counts: give one of them"),
        )),
        Some("uniform") => Ok(Some(Noise::Uniform)),
        Some("poisson") => Ok(Some(Noise::Poisson { gain })),
        Some(other) => Err(AnalyzeError::option(
            "--noise",
            format!("`{other}`: give poisson or uniform"),
        )),
        None if gain != 1.0 => Ok(Some(Noise::Poisson { gain })),
        None => Ok(None),
    }
}
