//! Errors of a run as the binary sees them: the model's, the files', the GPU's, a figure's.

use std::path::PathBuf;

/// Anything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Core(#[from] exciton_core::error::Error),
    #[cfg(feature = "gpu")]
    #[error(transparent)]
    Gpu(exciton_gpu::GpuError),
    #[cfg(not(feature = "gpu"))]
    #[error("this exciton-mc was built without the `gpu` feature: use --backend cpu or exact, or rebuild with default features")]
    NoGpuFeature,
    #[error(transparent)]
    Io(#[from] exciton_io::Error),
    /// A fit's free values that make no valid scenario.
    #[error("{0}: scenario")]
    FitScenario(String),
    /// A stack that cannot be read, analysed or written (boxed: it can hold a fit's
    /// error, which can hold this one).
    #[error(transparent)]
    Analyze(Box<crate::analyze::AnalyzeError>),
    #[cfg(feature = "figures")]
    #[error(transparent)]
    Figure(#[from] crate::figures::FigureError),
}

#[cfg(feature = "gpu")]
impl From<exciton_gpu::GpuError> for Error {
    fn from(e: exciton_gpu::GpuError) -> Self {
        match e {
            // Cancelled between dispatches: the same stop as on the CPU.
            exciton_gpu::GpuError::Interrupted => exciton_core::error::Error::Interrupted.into(),
            e => Error::Gpu(e),
        }
    }
}

impl From<crate::analyze::AnalyzeError> for Error {
    fn from(e: crate::analyze::AnalyzeError) -> Self {
        Error::Analyze(Box::new(e))
    }
}

impl From<exciton_core::error::ScenarioError> for Error {
    fn from(e: exciton_core::error::ScenarioError) -> Self {
        Error::Core(e.into())
    }
}

impl Error {
    /// The interrupted sweep's details, when that is what stopped the run.
    pub fn interrupted_sweep(&self) -> Option<(usize, usize, &PathBuf)> {
        match self {
            Error::Core(exciton_core::error::Error::InterruptedSweep {
                finished,
                total,
                dir,
            }) => Some((*finished, *total, dir)),
            _ => None,
        }
    }
}
