//! The checkpoint of a run in progress: `points/` in its output directory, so that an
//! interrupted run (Ctrl-C, a batch job's time limit) keeps what it finished and
//! `--resume` continues it bit for bit.
//!
//! Records are finished points and, for points long enough to be worth it, finished
//! walker blocks ([`BlockResult`]: exact integer sums, so a point completed from stored
//! blocks is the point run in one go). They are written as JSON lines in chunk files,
//! each chunk atomically: finished points every [`FLUSH_EVERY`] (one file per point
//! made a 10^5-point sweep spend its time in fsync), blocks at once. A run that ends
//! removes the checkpoint; its results are then in results.json and curves.parquet.

use crate::error::Error;
use crate::results::{write_atomic, PointResult};
use exciton_core::observables::BlockResult;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The checkpoint's directory in an output directory.
pub const CHECKPOINT_DIR: &str = "points";
/// A shard's blocks of points cut across shards, beside its results.json.
pub const BLOCKS_FILE: &str = "blocks.jsonl";
/// Longest time finished points wait in memory before they are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);
/// Most bytes of records held in memory before they are written.
const FLUSH_BYTES: usize = 16 << 20;

/// One finished piece of a run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Record {
    Point {
        point: u64,
        /// [`exciton_core::sweep::SweepPoint::hash`]: the point is reused only under it.
        hash: String,
        result: Box<PointResult>,
    },
    Block {
        point: u64,
        hash: String,
        block: usize,
        result: Box<BlockResult>,
    },
}

impl Record {
    pub fn point(&self) -> u64 {
        match self {
            Record::Point { point, .. } | Record::Block { point, .. } => *point,
        }
    }

    pub fn hash(&self) -> &str {
        match self {
            Record::Point { hash, .. } | Record::Block { hash, .. } => hash,
        }
    }
}

/// Records read back, with the file each came from (for error messages).
pub type Stored = Vec<(PathBuf, Record)>;

/// Reads every record of a JSON-lines file.
pub fn read_records(path: &Path) -> Result<Stored, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            serde_json::from_str(line)
                .map(|r| (path.to_path_buf(), r))
                .map_err(|e| Error::Resume {
                    file: path.to_path_buf(),
                    reason: format!("line {}: not a stored point or block ({e})", n + 1),
                })
        })
        .collect()
}

/// Writes records as JSON lines, atomically.
pub fn write_records<'a>(
    path: &Path,
    records: impl IntoIterator<Item = &'a Record>,
) -> Result<(), Error> {
    let mut bytes = Vec::new();
    for r in records {
        serde_json::to_writer(&mut bytes, r).expect("a record serialises to JSON");
        bytes.push(b'\n');
    }
    write_atomic(path, &bytes)
}

/// The checkpoint being written.
pub struct Checkpoint {
    dir: PathBuf,
    next_chunk: u64,
    /// Records not yet written, as JSON lines.
    pending: Vec<u8>,
    last_flush: Instant,
}

impl Checkpoint {
    /// Opens `out/points/`, creating it; with `resume`, returns the records it holds.
    pub fn open(out: &Path, resume: bool) -> Result<(Checkpoint, Stored), Error> {
        let dir = out.join(CHECKPOINT_DIR);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let mut chunks: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?
            .filter_map(|e| {
                let path = e.ok()?.path();
                let n = path
                    .file_name()?
                    .to_str()?
                    .strip_prefix("chunk-")?
                    .strip_suffix(".jsonl")?
                    .parse()
                    .ok()?;
                Some((n, path))
            })
            .collect();
        chunks.sort();
        let mut stored = Vec::new();
        if resume {
            for (_, path) in &chunks {
                stored.extend(read_records(path)?);
            }
        }
        let checkpoint = Checkpoint {
            dir,
            next_chunk: chunks.last().map_or(0, |c| c.0 + 1),
            pending: Vec::new(),
            last_flush: Instant::now(),
        };
        Ok((checkpoint, stored))
    }

    /// Keeps a record; blocks are written at once, points when [`FLUSH_EVERY`] has
    /// passed (or enough of them wait).
    pub fn add(&mut self, record: &Record) -> Result<(), Error> {
        serde_json::to_writer(&mut self.pending, record).expect("a record serialises to JSON");
        self.pending.push(b'\n');
        let block = matches!(record, Record::Block { .. });
        if block || self.pending.len() >= FLUSH_BYTES || self.last_flush.elapsed() >= FLUSH_EVERY {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the records kept so far as one chunk.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(format!("chunk-{:06}.jsonl", self.next_chunk));
        write_atomic(&path, &self.pending)?;
        self.next_chunk += 1;
        self.pending.clear();
        Ok(())
    }

    /// The run is complete: its results are written, the checkpoint goes.
    pub fn remove(self) -> Result<(), Error> {
        std::fs::remove_dir_all(&self.dir)
            .map_err(|e| Error::io(format!("cannot remove {}", self.dir.display()), e))
    }
}
