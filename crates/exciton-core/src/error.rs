//! Typed errors of the model crate (files and directories have theirs in `exciton-io`);
//! the binary adds context with `anyhow` at its edge.

use std::path::{Path, PathBuf};

/// A scenario that cannot be run: which file, which JSON path, what kind of problem, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {}{reason}", file.display(), if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ScenarioError {
    pub file: PathBuf,
    /// Dotted JSON path of the offending field (`states.bright.to.dark`), empty for the file.
    pub path: String,
    /// What is wrong, for code and tests; `reason` says it for people.
    pub kind: ScenarioErrorKind,
    pub reason: String,
}

/// What is wrong with a scenario, so that callers and tests need not match the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScenarioErrorKind {
    /// The file cannot be read.
    Unreadable,
    /// Not JSON; the reason gives line and column.
    Syntax,
    /// One object names the same key twice (JSON readers keep only one of them).
    DuplicateKey,
    /// A field the schema does not have.
    UnknownField,
    /// A name outside a fixed list: geometry, units, a figure, a populations keyword.
    UnknownKeyword,
    /// A value of the wrong JSON type (`null` for a number, a list for an object).
    WrongType,
    /// Something required is absent: a field, or what a feature needs (a temperature, a sample).
    Missing,
    /// Empty where a name or a list is needed.
    Empty,
    /// A number that is not finite (a temperature model can overflow).
    NotFinite,
    /// A negative number where only 0 and up make sense.
    Negative,
    /// A count or seed with a fractional part.
    NotWhole,
    /// A count or seed in floating-point form above 2^53, whose last digits are lost.
    Imprecise,
    /// A number outside its range: 0 where at least 1 is needed, or above a limit.
    OutOfRange,
    /// A state's outgoing probabilities per frame sum above 1.
    SumAboveOne,
    /// The initial populations do not sum to 1.
    SumNotOne,
    /// A state name that `states` does not declare.
    UnknownState,
    /// A sample preset that does not exist.
    UnknownSample,
    /// A temperature model that cannot be used, or is used where it does not apply.
    BadModel,
    /// A state's change into itself.
    SelfTransition,
    /// Two fields that each decide the same thing, differently.
    Conflict,
    /// The run's histograms would exceed the memory limit.
    TooLarge,
    /// Refused by a rule without a kind of its own (the sweep layer's checks).
    Invalid,
}

impl ScenarioError {
    /// An error of the given kind at `path` (dotted, empty for the whole file).
    pub fn of(kind: ScenarioErrorKind, file: &Path, path: &str, reason: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_path_buf(),
            path: path.to_string(),
            kind,
            reason: reason.into(),
        }
    }

    /// An error of kind [`ScenarioErrorKind::Invalid`], for rules without a kind of their own.
    pub fn new(file: &Path, path: &str, reason: impl Into<String>) -> Self {
        Self::of(ScenarioErrorKind::Invalid, file, path, reason)
    }
}

/// Anything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("the run was interrupted")]
    Interrupted,
    #[error("interrupted after {finished} of {total} points; the finished ones are kept in {}/points: rerun with --resume to continue", dir.display())]
    InterruptedSweep {
        finished: usize,
        total: usize,
        dir: PathBuf,
    },
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
    #[error(
        "{}: landscape: the exact backend needs a homogeneous, unbounded lattice (MODEL.md section 9), and this scenario has a landscape; run it with --backend cpu or gpu",
        file.display()
    )]
    ExactLandscape { file: std::path::PathBuf },
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}
