//! Typed errors of reading and writing a run's files.

use std::path::PathBuf;

/// What can go wrong with a run's files: each names the file or directory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The OS error is part of the message, not a `source`: printing the chain would
    /// say it twice.
    #[error("{what}: {cause}")]
    Io { what: String, cause: std::io::Error },
    /// A curves file that Parquet cannot write or read.
    #[error("{what}: {cause}")]
    Parquet {
        what: String,
        cause: parquet::errors::ParquetError,
    },
    /// Arrow refused a column or a batch of the curves file.
    #[error("{what}: {cause}")]
    Arrow {
        what: String,
        cause: arrow_schema::ArrowError,
    },
    /// A results.json that is not one.
    #[error("{} is not a results.json of exciton-mc: {cause}", file.display())]
    NotResults {
        file: PathBuf,
        cause: serde_json::Error,
    },
    /// A curves file without the columns or rows results.json refers to.
    #[error("cannot read {}: {reason}", file.display())]
    Curves { file: PathBuf, reason: String },
    /// A curve the curves file leaves out (a copy, a unit multiple) that its rule does
    /// not give back: a bug, refused rather than written as a changed number.
    #[error("cannot write {}: {reason}", file.display())]
    Derived { file: PathBuf, reason: String },
    #[error("output directory {}: {problem}", dir.display())]
    Output {
        dir: PathBuf,
        problem: OutputProblem,
    },
    #[error("cannot resume: {}: {reason}", file.display())]
    Resume { file: PathBuf, reason: String },
    #[error("cannot merge: {}: {reason}", dir.display())]
    Merge { dir: PathBuf, reason: String },
    #[error("{}: a table is written as .csv or .parquet: name the file with one of them", file.display())]
    TableFormat { file: PathBuf },
}

impl Error {
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            cause: source,
        }
    }
}

/// Why an output directory cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OutputProblem {
    #[error("it already holds files: pass --resume to continue its run, --force to start over, or choose another --out")]
    HoldsFiles,
    #[error("nothing to resume: it holds neither a checkpoint (points/) nor a finished run (results.json)")]
    NothingToResume,
    #[error("it is a file, not a directory: choose another --out")]
    NotADirectory,
}
