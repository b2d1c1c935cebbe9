//! What is subtracted from each pixel before the profiles are formed, and how uncertain
//! that estimate is (its noise reaches the counts' error).

use super::frames::Region;
use super::stack::{Layout, Stack};
use super::{AnalyzeError, Background};

/// Each frame's background per pixel (file units) and the variance of that estimate per
/// pixel (photons^2), independent per pixel or shared by the whole frame.
pub(super) struct Subtracted {
    /// Per frame: the value (constant over the frame) or None (per pixel: `map`).
    pub level: Vec<f64>,
    pub map: Option<Vec<f64>>,
    /// Variance of each pixel's background in photons, independent between pixels.
    pub var_pixel: Vec<f64>,
    /// Variance of a frame's constant background in photons, shared by all its pixels.
    pub var_shared: Vec<f64>,
    /// The border's pixels (for `border`): their own noise cancels in the counts.
    pub ring: Option<Vec<bool>>,
}

impl Subtracted {
    /// Pixel `k`'s variance in photons: its raw counts and its background's own part.
    pub fn pixel_variance(&self, raw: f64, gain: f64, k: usize) -> f64 {
        raw / gain + self.var_pixel[k]
    }

    /// Pixel `k`'s background in frame `f`, file units.
    pub fn at(&self, f: usize, k: usize) -> f64 {
        self.map.as_ref().map_or(self.level[f], |m| m[k])
    }

    /// Frame `f`'s background, the mean over the region's pixels (`map_mean`: the map's,
    /// the same for every frame).
    pub fn mean(&self, f: usize, map_mean: Option<f64>) -> f64 {
        map_mean.unwrap_or(self.level[f])
    }
}

pub(super) fn describe(b: Background) -> String {
    match b {
        Background::None => "none".into(),
        Background::Constant(v) => format!("{v} per pixel"),
        Background::BeforeT0 => "each pixel's mean over the frames before t0".into(),
        Background::Border(w) => {
            format!("each frame's mean over the {w} pixels nearest the region's edge")
        }
    }
}

/// The background the options ask for.
pub(super) fn subtracted(
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
        ring: None,
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
            if w == 0 || w >= r.width().div_ceil(2) || (images && w >= r.height().div_ceil(2)) {
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
                ring: Some((0..n).map(edge).collect()),
                ..none
            }
        }
    })
}
