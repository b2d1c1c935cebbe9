//! What `analyze` found, as analysis.json holds it, and the two curves `exciton-mc fit`
//! reads as they are: msd.csv and pl.csv.

use super::stack::Layout;
use exciton_core::scenario::microscope::FitModel;
use exciton_io::results::write_atomic;
use serde::Serialize;

/// A whole analysis: what was read, how, and every frame.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub exciton_mc_version: String,
    pub input: String,
    pub layout: Layout,
    /// The file's frames (time bins), rows (1 for a line scan) and columns.
    pub shape: [usize; 3],
    pub pixel_nm: f64,
    pub frame_ps: f64,
    /// Columns `[first, end)` and, for images, rows `[first, end)` analysed.
    pub roi_columns: [usize; 2],
    pub roi_rows: Option<[usize; 2]>,
    pub t0_frame: usize,
    /// "--t0-frame" or "peak of the total counts".
    pub t0_from: String,
    pub background: String,
    pub profile: FitModel,
    pub noise: String,
    pub saturation: Option<f64>,
    /// The Voigt's Lorentzian half width fitted at t0 and held, nm, per axis.
    pub lorentz_x_nm: Option<f64>,
    pub lorentz_y_nm: Option<f64>,
    /// What the numbers mean and what they cannot say.
    pub notes: Vec<String>,
    pub frames: Vec<FrameResult>,
    /// Three frames' profiles along x with their fits, for the figure.
    #[serde(skip)]
    pub shown: Vec<ShownFrame>,
}

/// A frame's profile along x and its fitted model, at the pixel centres.
#[derive(Clone, Debug, Default)]
pub struct ShownFrame {
    pub frame: usize,
    pub time_ps: f64,
    pub centres_nm: Vec<f64>,
    /// Photons per pixel column after the background.
    pub data: Vec<f64>,
    /// The fitted Gaussian (or Voigt) at the same centres.
    pub model: Vec<f64>,
}

/// One frame: the numbers of the radial mean (images) or of x (line scans), and each
/// axis's own.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FrameResult {
    pub frame: usize,
    /// (frame - t0) x frame width, ps.
    pub time_ps: f64,
    /// "fitted", "before t0", "saturated", "empty", "too few counts", "not converged".
    pub status: String,
    /// Why a frame has no fit.
    pub reason: Option<String>,
    /// Background subtracted per pixel (the mean over the region), in the file's units.
    pub background: f64,
    /// Pixels at or above the saturation level.
    pub saturated_pixels: usize,
    /// Total counts over the region after the background, photons (file units / gain).
    pub counts: f64,
    pub counts_stderr: Option<f64>,
    /// The profile's Gaussian variance sigma^2 (radial mean (x + y) / 2 for images), nm^2.
    pub sigma2_nm2: Option<f64>,
    pub sigma2_stderr_nm2: Option<f64>,
    /// The apparent MSD sigma^2(t) - sigma^2(t0), nm^2 (one axis, as the engine's).
    pub msd_nm2: Option<f64>,
    pub msd_stderr_nm2: Option<f64>,
    /// Excess kurtosis of the profile (mean of x and y for images).
    pub kurtosis: Option<f64>,
    pub kurtosis_stderr: Option<f64>,
    pub x: AxisFrame,
    pub y: Option<AxisFrame>,
}

/// One axis of one frame.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AxisFrame {
    pub sigma2_nm2: Option<f64>,
    pub sigma2_stderr_nm2: Option<f64>,
    pub msd_nm2: Option<f64>,
    pub msd_stderr_nm2: Option<f64>,
    pub centre_nm: Option<f64>,
    pub amplitude: Option<f64>,
    pub kurtosis: Option<f64>,
    pub kurtosis_stderr: Option<f64>,
    /// Why this axis has no fit.
    pub reason: Option<String>,
}

impl Analysis {
    /// msd.csv, pl.csv, analysis.json and (with feature `figures`) analysis.png in `dir`,
    /// each written whole or not at all; the figure first, the one most likely to fail.
    pub fn write(&self, dir: &std::path::Path) -> Result<(), crate::error::Error> {
        #[cfg(feature = "figures")]
        crate::figures::analysis::figure(self, &dir.join("analysis.png"))?;
        write_atomic(&dir.join("msd.csv"), self.msd_csv().as_bytes())?;
        write_atomic(&dir.join("pl.csv"), self.pl_csv().as_bytes())?;
        let json = serde_json::to_string_pretty(self).expect("an analysis is JSON");
        write_atomic(&dir.join("analysis.json"), json.as_bytes())?;
        Ok(())
    }

    /// The comment lines that open both CSV files: what they came from, and how.
    fn header(&self) -> String {
        let roi_rows = self
            .roi_rows
            .map_or(String::new(), |r| format!(" rows {}..{}", r[0], r[1]));
        format!(
            "# exciton-mc {} analyze {}\n# pixel_nm={} frame_ps={} t0_frame={} ({}) background={} profile={} noise={} roi=columns {}..{}{}\n",
            self.exciton_mc_version,
            self.input,
            self.pixel_nm,
            self.frame_ps,
            self.t0_frame,
            self.t0_from,
            self.background,
            serde_json::to_value(self.profile).map_or(String::new(), |v| v.as_str().unwrap_or("").into()),
            self.noise,
            self.roi_columns[0],
            self.roi_columns[1],
            roi_rows,
        )
    }

    fn with_errors(&self) -> bool {
        self.noise != "uniform"
    }

    /// msd.csv: the apparent MSD of every fitted frame from t0 on, each with its own
    /// error (sigma^2(t)'s). Every row also carries sigma^2(t0)'s error, the same for all:
    /// the t0 row (MSD 0) holds it, and a fit with `offset_nm2` free takes it exactly
    /// (with each row's error combined instead, fits of 8 noise seeds missed the rates
    /// by up to 7 of their errors).
    pub fn msd_csv(&self) -> String {
        let errors = self.with_errors();
        let mut s = self.header();
        s += if self.layout == Layout::Images {
            "# msd_nm2: sigma^2(t) - sigma^2(t0), the mean of x and y (one axis, as the engine's apparent_msd); frames without a fit are left out (analysis.json says why)\n"
        } else {
            "# msd_nm2: sigma^2(t) - sigma^2(t0) along the scan (as the engine's apparent_msd); frames without a fit are left out (analysis.json says why)\n"
        };
        if errors {
            s += "# msd_stderr_nm2: each frame's own error; sigma^2(t0)'s error, shared by every row, is the t0 row's: fit with \"offset_nm2\": \"free\"\n";
            s += "time_ps,msd_nm2,msd_stderr_nm2\n";
        } else {
            s += "time_ps,msd_nm2\n";
        }
        for f in self.frames.iter().filter(|f| f.frame >= self.t0_frame) {
            match (f.msd_nm2, f.sigma2_stderr_nm2, errors) {
                (Some(m), Some(e), true) if e > 0.0 => s += &format!("{},{m},{e}\n", f.time_ps),
                (Some(m), _, false) => s += &format!("{},{m}\n", f.time_ps),
                _ => {}
            }
        }
        s
    }

    /// pl.csv: the total counts of every frame from t0 on (saturated frames left out).
    pub fn pl_csv(&self) -> String {
        let errors = self.with_errors();
        let mut s = self.header();
        s += "# intensity: total counts over the region after the background, photons per frame\n";
        s += if errors {
            "time_ps,intensity,intensity_stderr\n"
        } else {
            "time_ps,intensity\n"
        };
        for f in self
            .frames
            .iter()
            .filter(|f| f.frame >= self.t0_frame && f.saturated_pixels == 0)
        {
            match (f.counts_stderr, errors) {
                (Some(e), true) if e > 0.0 => s += &format!("{},{},{e}\n", f.time_ps, f.counts),
                (_, false) => s += &format!("{},{}\n", f.time_ps, f.counts),
                _ => {}
            }
        }
        s
    }
}
