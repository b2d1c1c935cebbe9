//! Writing and reading an output directory: atomic files, the directory's modes, and
//! the results of a run streamed point by point (curves to Parquet as they finish, so a
//! 10^5-point sweep never holds every curve in memory).

use super::csv::write_sweep_csv;
use super::derived::copies_hold;
use super::json::{parse_results, point_json, write_results_json, Points};
use super::parquet::{Columns, CurvesWriter, ParamKind};
use super::{point_csv, PointResult, RunResults};
use crate::error::{Error, OutputProblem};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so a reader never sees a half-written file, whatever interrupts the write.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] for a file written piece by piece by `write`.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut f)?;
        let f = f.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("cannot write {}", path.display()), e)
    })
}

/// How an output directory that already holds files is treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirMode {
    /// Refuse a directory that holds files.
    Fresh,
    /// Start over: stored points of an earlier run are removed.
    Force,
    /// Continue an earlier run: the directory must hold its stored points.
    Resume,
}

impl DirMode {
    /// A fresh directory, or with `force` one whose earlier run is replaced.
    pub fn fresh_or_force(force: bool) -> DirMode {
        if force {
            DirMode::Force
        } else {
            DirMode::Fresh
        }
    }
}

/// Prepares the output directory (created if missing) for `mode`.
pub fn prepare_dir(dir: &Path, mode: DirMode) -> Result<(), Error> {
    let io = |what: &str, e| Error::io(format!("{what} {}", dir.display()), e);
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Output {
            dir: dir.to_path_buf(),
            problem: OutputProblem::NotADirectory,
        });
    }
    let non_empty = dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| io("cannot read", e))?
            .next()
            .is_some();
    match mode {
        DirMode::Fresh if non_empty => {
            return Err(Error::Output {
                dir: dir.to_path_buf(),
                problem: OutputProblem::HoldsFiles,
            })
        }
        DirMode::Resume if !dir.join("points").is_dir() && !dir.join("results.json").is_file() => {
            return Err(Error::Output {
                dir: dir.to_path_buf(),
                problem: OutputProblem::NothingToResume,
            })
        }
        DirMode::Force if dir.join("points").is_dir() => {
            std::fs::remove_dir_all(dir.join("points")).map_err(|e| io("cannot clear", e))?
        }
        _ => {}
    }
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create", e))
}

/// `point-NNN.EXT` for point `index` of `points`, the number padded to the sweep's width
/// (at least 3 digits), so that file names sort in point order.
pub fn point_file(index: usize, points: usize, ext: &str) -> String {
    let width = points.saturating_sub(1).to_string().len().max(3);
    format!("point-{index:0width$}.{ext}")
}

/// What a run writes beside results.json.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteOptions {
    /// One CSV per point (`point-NNN.csv`) as well as curves.parquet.
    pub point_csv: bool,
}

/// Points in memory above which a streamed run keeps only their scalars (the curves
/// are in curves.parquet; [`read_results`] brings them back).
pub const KEEP_CURVES_POINTS: usize = 1000;

/// Writes a run's files point by point: curves to curves.parquet (and per-point CSVs)
/// as each point arrives, scalars kept for results.json and sweep.csv, which
/// [`ResultsWriter::finish`] writes last.
pub struct ResultsWriter {
    dir: PathBuf,
    curves: CurvesWriter,
    options: WriteOptions,
    total: usize,
    points: Vec<PointResult>,
    scalars: Scalars,
}

/// Above [`KEEP_CURVES_POINTS`] points, each point's scalars until the run ends, as its
/// object in results.json ([`point_json`], with its sample), one after the other in one
/// block: some 600 bytes a point where a stripped `PointResult` takes 2 kB (its empty
/// curves alone a kilobyte), in a block that goes back to the system whole. sweep.csv
/// and results.json are written from it, and the points the run returns are read from
/// it last: a 10^5-point sweep held 200 MB of stripped points while it ran.
#[derive(Default)]
struct Scalars {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Scalars {
    fn push(&mut self, p: &PointResult) {
        serde_json::to_writer(&mut self.bytes, &point_json(p)).expect("a point serialises");
        self.ends.push(self.bytes.len());
    }

    fn text(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Point `i` as it was pushed (curves stripped; what JSON makes of a NaN, null).
    fn point(&self, i: usize) -> PointResult {
        serde_json::from_slice(self.text(i)).expect("a point's JSON reads back")
    }

    /// Every point, read from the last while the block shrinks behind it: the points
    /// and the text they are read from never sit in memory whole together.
    fn into_points(mut self) -> Vec<PointResult> {
        const GIVE_BACK: usize = 8 << 20;
        let mut points = Vec::with_capacity(self.len());
        for i in (0..self.len()).rev() {
            points.push(self.point(i));
            self.bytes
                .truncate(if i == 0 { 0 } else { self.ends[i - 1] });
            if self.bytes.capacity() - self.bytes.len() > GIVE_BACK {
                self.bytes.shrink_to_fit();
            }
        }
        points.reverse();
        points
    }
}

impl Points for Scalars {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> Map<String, Value> {
        serde_json::from_slice(self.text(i)).expect("a point's JSON reads back")
    }
}

impl ResultsWriter {
    /// `columns`: the swept parameters ([`ParamKind::of`]), states and microscope of
    /// every point; `total`: points in the whole run (for the CSV names' width).
    pub fn create(
        dir: &Path,
        columns: Columns,
        total: usize,
        options: WriteOptions,
    ) -> Result<ResultsWriter, Error> {
        let curves = CurvesWriter::create(&dir.join(super::parquet::CURVES_FILE), columns)?;
        Ok(ResultsWriter {
            dir: dir.to_path_buf(),
            curves,
            options,
            total,
            points: Vec::new(),
            scalars: Scalars::default(),
        })
    }

    pub fn push(&mut self, p: PointResult) -> Result<(), Error> {
        self.curves.push(&p)?;
        if self.options.point_csv {
            let name = point_file(p.point as usize, self.total, "csv");
            write_atomic(&self.dir.join(name), point_csv(&p).as_bytes())?;
        }
        if self.total > KEEP_CURVES_POINTS {
            self.scalars.push(&p);
        } else {
            self.points.push(p);
        }
        Ok(())
    }

    /// Writes sweep.csv and results.json (`head` with the points pushed); returns the
    /// results as held in memory (curves dropped above `KEEP_CURVES_POINTS` points).
    pub fn finish(self, mut head: RunResults) -> Result<RunResults, Error> {
        head.curves = Some(self.curves.finish()?);
        let csv = self.dir.join("sweep.csv");
        let scalars = self.scalars;
        if scalars.ends.is_empty() {
            head.points = self.points;
            write_atomic_with(&csv, |w| write_sweep_csv(w, &head.points))?;
            write_results_json(&self.dir, &head, &head.points)?;
            return Ok(head);
        }
        let n = scalars.len();
        write_atomic_with(&csv, |w| {
            write_sweep_csv(w, (0..n).map(|i| scalars.point(i)))
        })?;
        write_results_json(&self.dir, &head, &scalars)?;
        head.points = scalars.into_points();
        Ok(head)
    }

    /// Drops the unfinished curves file (an interrupted run).
    pub fn abandon(self) {
        self.curves.abandon();
    }
}

/// Writes a run held in memory: curves.parquet (and per-point CSVs with
/// `options.point_csv`), sweep.csv, then results.json, whose presence means the run's
/// files are complete.
pub fn write_results(dir: &Path, results: &RunResults, options: WriteOptions) -> Result<(), Error> {
    let params = ParamKind::of(results.points.iter().map(|p| &p.parameters));
    let mut states: Vec<String> = Vec::new();
    for p in &results.points {
        for s in p.populations.keys() {
            if !states.contains(s) {
                states.push(s.clone());
            }
        }
    }
    let total = results
        .shard
        .as_ref()
        .map_or(results.points.len(), |s| s.points_total as usize);
    let columns = Columns {
        params,
        states,
        apparent: results
            .points
            .iter()
            .any(|p| !p.apparent_msd_nm2.is_empty()),
        // The points are all here: whether their MSDs are copies is read off them.
        copies: !results.points.is_empty() && results.points.iter().all(copies_hold),
    };
    let mut w = ResultsWriter::create(dir, columns, total, options)?;
    for p in &results.points {
        if let Err(e) = w.push(p.clone()) {
            w.abandon();
            return Err(e);
        }
    }
    w.finish(results.clone_head())?;
    Ok(())
}

/// Reads a results.json and, when its curves are in a curves file beside it, puts them
/// back into the points: the run as it was in memory.
pub fn read_results(path: &Path) -> Result<RunResults, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let mut results = parse_results(&text).map_err(|cause| Error::NotResults {
        file: path.to_path_buf(),
        cause,
    })?;
    complete_results(path.parent().unwrap_or(Path::new(".")), &mut results)?;
    Ok(results)
}

/// Puts back what results.json in `dir` leaves out of its points: the shared sample and
/// the curves from the curves file beside it.
pub fn complete_results(dir: &Path, results: &mut RunResults) -> Result<(), Error> {
    if let Some(sample) = &results.sample {
        for p in results.points.iter_mut().filter(|p| p.sample.is_none()) {
            p.sample = Some(sample.clone());
        }
    }
    if let Some(curves) = &results.curves {
        let file = dir.join(&curves.file);
        super::parquet::read_curves(&file, &curves.derived, &mut results.points)?;
    }
    Ok(())
}
