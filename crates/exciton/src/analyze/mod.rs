//! `exciton-mc analyze` (MODEL.md section 14): the microscope's estimator on measured (or
//! simulated) image stacks and line scans. Per frame, the profile along x (and y) is
//! fitted by the very code that fits the engine's own camera images
//! ([`exciton_core::microscope::fit_frames`]); beside it the profile's excess kurtosis
//! and the total counts. Out come `msd.csv` and `pl.csv`, which `exciton-mc fit` reads as
//! they are, and analysis.json with every per-frame number.

mod background;
mod frames;
pub mod kurtosis;
mod options;
pub mod report;
pub mod simulate;
pub mod stack;

pub use frames::analyze;
pub use options::{
    parse_background, parse_noise, parse_profile, parse_roi, Background, Noise, Options, Roi,
    TimeZero,
};
pub use report::{Analysis, AxisFrame, FrameResult, ShownFrame};

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
    pub(crate) fn option(option: &str, reason: impl Into<String>) -> AnalyzeError {
        AnalyzeError::Option {
            option: option.into(),
            reason: reason.into(),
        }
    }
}
