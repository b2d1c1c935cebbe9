//! Typed errors of the model crate (files and directories have theirs in `exciton-io`);
//! the binary adds context with `anyhow` at its edge.

use std::path::{Path, PathBuf};

/// A scenario that cannot be run: which file, which JSON path, what kind of problem, and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {}{reason}", file.display(), if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct ScenarioError {
    /// The scenario file the error is in.
    pub file: PathBuf,
    /// Dotted JSON path of the offending field (`states.bright.to.dark`), empty for the file.
    pub path: String,
    /// What is wrong, for code and tests; `reason` says it for people.
    pub kind: ScenarioErrorKind,
    /// Why, in words for people.
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
    /// A scenario that cannot be run.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The run was cancelled (Ctrl-C, a budget) before it finished.
    #[error("the run was interrupted")]
    Interrupted,
    /// A sweep run into a directory was cancelled; its finished points are kept for `--resume`.
    #[error("interrupted after {finished} of {total} points; the finished ones are kept in {}/points: rerun with --resume to continue", dir.display())]
    InterruptedSweep {
        /// Points finished and kept.
        finished: usize,
        /// Points in the sweep.
        total: usize,
        /// The run's directory (the finished points are in its `points` folder).
        dir: PathBuf,
    },
    /// A point's histograms need more host memory than is available.
    #[error(
        "point {point} needs {:.1} GiB of host memory for its histograms ({frames} frames x {states} states x {bins} bins, {what}) but {:.1} GiB are available: {hint}",
        gib(*needed), gib(*available)
    )]
    Memory {
        /// Index of the point in its sweep.
        point: u64,
        /// Bytes of host memory the point needs.
        needed: u64,
        /// Bytes of host memory available.
        available: u64,
        /// Frames of the point's histograms.
        frames: u32,
        /// States of the point's histograms.
        states: u32,
        /// Bins per displacement row (`2 max_dx + 2`).
        bins: u32,
        /// What the bytes are (per-thread copies, totals).
        what: &'static str,
        /// The option that makes the run fit.
        hint: &'static str,
    },
    /// Histograms asked of the exact backend, which computes expected curves only.
    #[error(
        "the exact backend computes expected curves, not histograms: use --backend cpu or gpu"
    )]
    NoHistograms,
    /// An unbounded landscape given to the exact backend, whose master equation needs a
    /// finite film.
    #[error(
        "{}: landscape.size: the exact backend solves the master equation on a finite film, and this landscape is unbounded: give a periodic size of at least [{size}, {size}] (\"size\": [{size}, {size}], \"edges\": \"periodic\": the spot and six standard deviations of the walk each side), or run it with --backend cpu or gpu",
        file.display()
    )]
    ExactUnbounded {
        /// The scenario file.
        file: std::path::PathBuf,
        /// The side of a periodic film that holds the spot and the walk's reach.
        size: u32,
    },
    /// A 3D landscape given to the exact backend, whose master equation solves 2D films.
    #[error(
        "{}: lattice.geometry: the exact backend solves the master equation on 2D films, and this landscape is 3D (a cubic lattice): run it with --backend cpu or gpu",
        file.display()
    )]
    Exact3d {
        /// The scenario file.
        file: std::path::PathBuf,
    },
    /// A film too large for the master equation in the memory available.
    #[error(
        "{}: landscape.size: the master equation on {sites} sites needs {:.1} GiB of host memory but {:.1} GiB are available: a smaller film (or fewer states)",
        file.display(), gib(*needed), gib(*available)
    )]
    ExactMemory {
        /// The scenario file.
        file: std::path::PathBuf,
        /// Sites of the film.
        sites: u64,
        /// Bytes the master equation needs.
        needed: u64,
        /// Bytes available.
        available: u64,
    },
}

fn gib(bytes: u64) -> f64 {
    bytes as f64 / f64::from(1u32 << 30)
}
