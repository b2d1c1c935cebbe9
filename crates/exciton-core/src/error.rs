//! Typed errors of the model crate; the binary adds context with `anyhow` at its edge.

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
    /// The OS error is part of the message, not a `source`: printing the chain would
    /// say it twice.
    #[error("{what}: {cause}")]
    Io { what: String, cause: std::io::Error },
    #[error("output directory {}: {problem}", dir.display())]
    Output {
        dir: PathBuf,
        problem: OutputProblem,
    },
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
    #[error(
        "point {point} needs {:.1} GiB of host memory for its histograms ({frames} frames x {states} states x {bins} bins, {what}) but {:.1} GiB are available: {hint}",
        gib(*needed), gib(*available)
    )]
    Memory {
        point: u64,
        needed: u64,
        available: u64,
        frames: u32,
        states: u32,
        bins: u32,
        /// What the bytes are (per-thread copies, totals).
        what: &'static str,
        /// The option that makes the run fit.
        hint: &'static str,
    },
    #[error(
        "the exact backend computes expected curves, not histograms: use --backend cpu or gpu"
    )]
    NoHistograms,
}

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            cause: source,
        }
    }
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}

/// Why an output directory cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutputProblem {
    #[error("it already holds files: pass --resume to continue its run, --force to start over, or choose another --out")]
    HoldsFiles,
    #[error("nothing to resume: it has no points/ directory")]
    NothingToResume,
    #[error("it is a file, not a directory: choose another --out")]
    NotADirectory,
}
