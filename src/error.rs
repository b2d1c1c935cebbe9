//! Typed errors of the library; the CLI adds context with `anyhow` at its edge.

use std::path::{Path, PathBuf};

/// A scenario that cannot be run: which file, which JSON path, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {}{reason}", file.display(), if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ScenarioError {
    pub file: PathBuf,
    /// Dotted JSON path of the offending field (`states.bright.to.dark`), empty for the file.
    pub path: String,
    pub reason: String,
}

impl ScenarioError {
    pub fn new(file: &Path, path: &str, reason: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_path_buf(),
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}

/// Anything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    #[error("the run was interrupted")]
    Interrupted,
    #[error("interrupted after {finished} of {total} points; the finished ones are kept in {}/points: rerun with --resume to continue", dir.display())]
    InterruptedSweep {
        finished: usize,
        total: usize,
        dir: PathBuf,
    },
    #[error("cannot resume: {}: {reason}", file.display())]
    Resume { file: PathBuf, reason: String },
    #[error("{0}")]
    Memory(String),
    #[error(
        "the exact backend computes expected curves, not histograms: use --backend cpu or gpu"
    )]
    NoHistograms,
}

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}
