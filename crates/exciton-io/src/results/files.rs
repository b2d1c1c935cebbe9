//! Writing and reading an output directory: atomic files, the directory's modes, and
//! the results of a run streamed point by point (curves to Parquet as they finish, so a
//! 10^5-point sweep never holds every curve in memory).

use super::parquet::{Columns, CurvesWriter, ParamKind};
use super::{point_csv, sweep_csv, PointResult, RunResults};
use crate::error::{Error, OutputProblem};
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
        })
    }

    pub fn push(&mut self, p: PointResult) -> Result<(), Error> {
        self.curves.push(&p)?;
        if self.options.point_csv {
            let name = point_file(p.point as usize, self.total, "csv");
            write_atomic(&self.dir.join(name), point_csv(&p).as_bytes())?;
        }
        self.points.push(if self.total > KEEP_CURVES_POINTS {
            p.without_curves()
        } else {
            p
        });
        Ok(())
    }

    /// Writes sweep.csv and results.json (`head` with the points pushed); returns the
    /// results as held in memory (curves dropped above `KEEP_CURVES_POINTS` points).
    pub fn finish(self, mut head: RunResults) -> Result<RunResults, Error> {
        head.curves = Some(self.curves.finish()?);
        head.points = self.points;
        write_atomic(&self.dir.join("sweep.csv"), sweep_csv(&head).as_bytes())?;
        write_results_json(&self.dir, &head)?;
        Ok(head)
    }

    /// Drops the unfinished curves file (an interrupted run).
    pub fn abandon(self) {
        self.curves.abandon();
    }
}

/// results.json: the points' scalars only, their curves being in curves.parquet. A
/// scalar without a value (null) is left out of its point, and a run of more than
/// [`KEEP_CURVES_POINTS`] points is written point by point without indentation: a
/// 10^5-point sweep's file stays a few tens of MB and never sits in memory whole.
fn write_results_json(dir: &Path, results: &RunResults) -> Result<(), Error> {
    let first = results.points.first().and_then(|p| p.sample.clone());
    let shared = first.filter(|f| results.points.iter().all(|p| p.sample.as_ref() == Some(f)));
    let head = RunResults {
        sample: shared.clone(),
        ..results.clone_head()
    };
    let head = serde_json::to_value(head).expect("results serialise to JSON");
    let serde_json::Value::Object(mut head) = head else {
        unreachable!("results are a JSON object")
    };
    head.shift_remove("points");
    let point = |p: &PointResult| {
        let mut v = serde_json::to_value(p.without_curves()).expect("a point serialises");
        if let Some(o) = v.as_object_mut() {
            o.retain(|_, v| !v.is_null());
            if shared.is_some() {
                o.shift_remove("sample");
            }
        }
        v
    };
    let path = dir.join("results.json");
    if results.points.len() <= KEEP_CURVES_POINTS {
        let points = results.points.iter().map(point).collect();
        head.insert("points".into(), serde_json::Value::Array(points));
        let json = serde_json::to_vec_pretty(&head).expect("results serialise to JSON");
        return write_atomic(&path, &json);
    }
    write_atomic_with(&path, |w| {
        let head = serde_json::to_string(&head)?;
        w.write_all(&head.as_bytes()[..head.len() - 1])?;
        w.write_all(if head.len() > 2 {
            b",\"points\":["
        } else {
            b"\"points\":["
        })?;
        for (i, p) in results.points.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            serde_json::to_writer(&mut *w, &point(p))?;
        }
        w.write_all(b"]}\n")
    })
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
    let mut results: RunResults =
        serde_json::from_str(&text).map_err(|cause| Error::NotResults {
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
        super::parquet::read_curves(&dir.join(&curves.file), &mut results.points)?;
    }
    Ok(())
}
