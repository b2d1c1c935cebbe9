//! `curves.parquet`: every point's curves in one tidy long table, one row per (point,
//! frame), the swept values as columns, so `pandas.read_parquet` or
//! `polars.read_parquet` gives the whole sweep in one call and a group-by gives any
//! figure. Values are the f64s of results.json bit for bit; [`read_curves`] puts them
//! back into points.
//!
//! Curves compress poorly as text and well as columns: f64 columns are stored with
//! BYTE_STREAM_SPLIT and zstd (smooth curves share their exponent bytes), the point,
//! frame, time and swept values with dictionaries.

use super::{PointResult, CURVES_2D};
use crate::error::Error;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, UInt64Array};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use indexmap::IndexMap;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The curves file's name in an output directory.
pub const CURVES_FILE: &str = "curves.parquet";
/// Rows buffered before they go to the writer as one record batch.
const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group: large enough for dictionaries and compression to pay,
/// small enough that a reader can skip.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// Where results.json says the curves are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurvesFile {
    /// File name, relative to results.json.
    pub file: String,
    pub format: String,
    /// One row per (point, frame), in point then frame order.
    pub layout: String,
    pub rows: u64,
    pub columns: Vec<String>,
}

/// How a swept parameter is stored: a number column, or text (its JSON, or the string).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Number,
    Text,
}

impl ParamKind {
    /// The kind of every swept parameter of `points` (keys in first-seen order): a
    /// number when every point's value is a number.
    pub fn of<'a>(
        points: impl IntoIterator<Item = &'a IndexMap<String, serde_json::Value>>,
    ) -> Vec<(String, ParamKind)> {
        let mut kinds: IndexMap<String, ParamKind> = IndexMap::new();
        for params in points {
            for (k, v) in params {
                let kind = if v.is_number() {
                    ParamKind::Number
                } else {
                    ParamKind::Text
                };
                let e = kinds.entry(k.clone()).or_insert(kind);
                if kind == ParamKind::Text {
                    *e = ParamKind::Text;
                }
            }
        }
        kinds.into_iter().collect()
    }
}

type Get = fn(&PointResult, usize) -> Option<f64>;
type Put = fn(&mut PointResult, Option<f64>);

/// The f64 curves of a point: column name, read, append.
const F64_COLUMNS: [(&str, Get, Put); 12] = [
    (
        "time_ps",
        |p, t| Some(p.time_ps[t]),
        |p, v| p.time_ps.push(v.unwrap_or(f64::NAN)),
    ),
    (
        "intensity",
        |p, t| Some(p.intensity[t]),
        |p, v| p.intensity.push(v.unwrap_or(f64::NAN)),
    ),
    (
        "intensity_stderr",
        |p, t| p.intensity_stderr.get(t).copied().flatten(),
        |p, v| p.intensity_stderr.push(v),
    ),
    (
        "emissions",
        |p, t| Some(p.emissions[t]),
        |p, v| p.emissions.push(v.unwrap_or(f64::NAN)),
    ),
    (
        "msd_sites2",
        |p, t| p.msd_sites2[t],
        |p, v| p.msd_sites2.push(v),
    ),
    (
        "msd_stderr_sites2",
        |p, t| p.msd_stderr_sites2.get(t).copied().flatten(),
        |p, v| p.msd_stderr_sites2.push(v),
    ),
    ("msd_nm2", |p, t| p.msd_nm2[t], |p, v| p.msd_nm2.push(v)),
    (
        "msd_occupancy_sites2",
        |p, t| p.msd_occupancy_sites2[t],
        |p, v| p.msd_occupancy_sites2.push(v),
    ),
    (
        "msd_occupancy_stderr_sites2",
        |p, t| p.msd_occupancy_stderr_sites2.get(t).copied().flatten(),
        |p, v| p.msd_occupancy_stderr_sites2.push(v),
    ),
    (
        "msd_occupancy_nm2",
        |p, t| p.msd_occupancy_nm2[t],
        |p, v| p.msd_occupancy_nm2.push(v),
    ),
    (
        "msd_occupancy_stderr_nm2",
        |p, t| p.msd_occupancy_stderr_nm2.get(t).copied().flatten(),
        |p, v| p.msd_occupancy_stderr_nm2.push(v),
    ),
    (
        "occupancy_walkers",
        |p, t| Some(p.occupancy_walkers[t]),
        |p, v| p.occupancy_walkers.push(v.unwrap_or(f64::NAN)),
    ),
];

/// The microscope's columns, present when the run has a microscope.
const APPARENT_COLUMNS: [(&str, Get, Put); 2] = [
    (
        "apparent_msd_nm2",
        |p, t| p.apparent_msd_nm2[t],
        |p, v| p.apparent_msd_nm2.push(v),
    ),
    (
        "apparent_msd_stderr_nm2",
        |p, t| p.apparent_msd_stderr_nm2[t],
        |p, v| p.apparent_msd_stderr_nm2.push(v),
    ),
];

/// What a curves file holds beyond the fixed columns.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Columns {
    pub params: Vec<(String, ParamKind)>,
    pub states: Vec<String>,
    /// The microscope's apparent MSD and its error.
    pub apparent: bool,
}

/// The columns of a sweep with these swept parameters and states, in order.
fn schema(params: &[(String, ParamKind)], states: &[String], apparent: bool) -> SchemaRef {
    let f64_col = |name: &str| Field::new(name, DataType::Float64, true);
    let mut fields = vec![Field::new("point", DataType::UInt64, false)];
    for (name, kind) in params {
        fields.push(match kind {
            ParamKind::Number => f64_col(name),
            ParamKind::Text => Field::new(name, DataType::Utf8, true),
        });
    }
    fields.push(Field::new("frame", DataType::UInt32, false));
    fields.extend(F64_COLUMNS.iter().map(|c| f64_col(c.0)));
    fields.extend(CURVES_2D.iter().map(|c| f64_col(c)));
    fields.push(Field::new("msd_reliable", DataType::Boolean, false));
    fields.push(Field::new("emission_overflow", DataType::UInt64, false));
    if apparent {
        fields.extend(APPARENT_COLUMNS.iter().map(|c| f64_col(c.0)));
    }
    for s in states {
        fields.push(f64_col(&format!("population_{s}")));
        fields.push(f64_col(&format!("intensity_{s}")));
    }
    Arc::new(Schema::new(fields))
}

/// Rows not yet handed to the writer, one builder per column.
struct Rows {
    point: UInt64Builder,
    params: Vec<ParamBuilder>,
    frame: UInt32Builder,
    f64s: Vec<Float64Builder>,
    reliable: BooleanBuilder,
    overflow: UInt64Builder,
    apparent: Option<[Float64Builder; 2]>,
    states: Vec<(Float64Builder, Float64Builder)>,
    len: usize,
}

enum ParamBuilder {
    Number(Float64Builder),
    Text(StringBuilder),
}

impl Rows {
    fn new(params: &[(String, ParamKind)], states: usize, apparent: bool) -> Rows {
        Rows {
            point: UInt64Builder::new(),
            params: params
                .iter()
                .map(|(_, k)| match k {
                    ParamKind::Number => ParamBuilder::Number(Float64Builder::new()),
                    ParamKind::Text => ParamBuilder::Text(StringBuilder::new()),
                })
                .collect(),
            frame: UInt32Builder::new(),
            f64s: (0..F64_COLUMNS.len() + CURVES_2D.len())
                .map(|_| Float64Builder::new())
                .collect(),
            reliable: BooleanBuilder::new(),
            overflow: UInt64Builder::new(),
            apparent: apparent.then(|| [Float64Builder::new(), Float64Builder::new()]),
            states: (0..states)
                .map(|_| (Float64Builder::new(), Float64Builder::new()))
                .collect(),
            len: 0,
        }
    }

    fn push(&mut self, p: &PointResult, names: &[(String, ParamKind)], states: &[String]) {
        for t in 0..p.time_ps.len() {
            self.point.append_value(p.point);
            for ((name, _), b) in names.iter().zip(&mut self.params) {
                let v = p.parameters.get(name);
                match b {
                    ParamBuilder::Number(b) => b.append_option(v.and_then(|v| v.as_f64())),
                    ParamBuilder::Text(b) => b.append_option(
                        v.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)),
                    ),
                }
            }
            self.frame.append_value(t as u32);
            let (fixed, two_d) = self.f64s.split_at_mut(F64_COLUMNS.len());
            for (c, b) in F64_COLUMNS.iter().zip(fixed) {
                b.append_option((c.1)(p, t));
            }
            for (v, b) in p.curves_2d().iter().zip(two_d) {
                b.append_option(v.get(t).copied().flatten());
            }
            self.reliable
                .append_value(p.msd_reliable.get(t).copied().unwrap_or(false));
            self.overflow
                .append_value(p.emission_overflow.get(t).copied().unwrap_or(0));
            if let Some(builders) = &mut self.apparent {
                let has = !p.apparent_msd_nm2.is_empty();
                for (c, b) in APPARENT_COLUMNS.iter().zip(builders.iter_mut()) {
                    b.append_option(if has { (c.1)(p, t) } else { None });
                }
            }
            for (s, (pop, int)) in states.iter().zip(&mut self.states) {
                pop.append_option(p.populations.get(s).map(|v| v[t]));
                int.append_option(p.intensity_by_state.get(s).map(|v| v[t]));
            }
        }
        self.len += p.time_ps.len();
    }

    fn batch(&mut self, schema: &SchemaRef) -> RecordBatch {
        let mut cols: Vec<ArrayRef> = vec![Arc::new(self.point.finish())];
        for b in &mut self.params {
            cols.push(match b {
                ParamBuilder::Number(b) => Arc::new(b.finish()),
                ParamBuilder::Text(b) => Arc::new(b.finish()),
            });
        }
        cols.push(Arc::new(self.frame.finish()));
        cols.extend(
            self.f64s
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        cols.push(Arc::new(self.reliable.finish()));
        cols.push(Arc::new(self.overflow.finish()));
        if let Some(builders) = &mut self.apparent {
            cols.extend(
                builders
                    .iter_mut()
                    .map(|b| Arc::new(b.finish()) as ArrayRef),
            );
        }
        for (pop, int) in &mut self.states {
            cols.push(Arc::new(pop.finish()));
            cols.push(Arc::new(int.finish()));
        }
        self.len = 0;
        RecordBatch::try_new(schema.clone(), cols).expect("columns match the schema")
    }
}

/// Streams points' curves into `curves.parquet` (through a temporary file renamed on
/// [`CurvesWriter::finish`], so an interrupted run leaves no half-written file).
pub struct CurvesWriter {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    params: Vec<(String, ParamKind)>,
    states: Vec<String>,
    rows: Rows,
    total_rows: u64,
    tmp: PathBuf,
    path: PathBuf,
}

impl CurvesWriter {
    pub fn create(path: &Path, columns: Columns) -> Result<CurvesWriter, Error> {
        let Columns {
            params,
            states,
            apparent,
        } = columns;
        let schema = schema(&params, &states, apparent);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(CURVES_FILE);
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp)
            .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))?;
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).expect("a zstd level"),
            ))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_dictionary_enabled(false);
        for c in F64_COLUMNS
            .iter()
            .chain(&APPARENT_COLUMNS)
            .map(|c| c.0.to_string())
            .chain(
                states
                    .iter()
                    .flat_map(|s| [format!("population_{s}"), format!("intensity_{s}")]),
            )
        {
            if c != "time_ps" {
                props = props.set_column_encoding(ColumnPath::from(c), Encoding::BYTE_STREAM_SPLIT);
            }
        }
        for c in ["point", "frame", "time_ps"]
            .into_iter()
            .map(str::to_string)
            .chain(params.iter().map(|p| p.0.clone()))
        {
            props = props.set_column_dictionary_enabled(ColumnPath::from(c), true);
        }
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props.build()))
            .map_err(|e| parquet_error(&tmp, e))?;
        let rows = Rows::new(&params, states.len(), apparent);
        Ok(CurvesWriter {
            writer,
            schema,
            params,
            states,
            rows,
            total_rows: 0,
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Appends a point's rows (points are written in the order they are pushed).
    pub fn push(&mut self, p: &PointResult) -> Result<(), Error> {
        self.rows.push(p, &self.params, &self.states);
        self.total_rows += p.time_ps.len() as u64;
        if self.rows.len >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        let batch = self.rows.batch(&self.schema);
        self.writer
            .write(&batch)
            .map_err(|e| parquet_error(&self.tmp, e))
    }

    /// Closes the file and puts it in place; what results.json says of it.
    pub fn finish(mut self) -> Result<CurvesFile, Error> {
        if self.rows.len > 0 {
            self.flush()?;
        }
        let file = self
            .writer
            .into_inner()
            .map_err(|e| parquet_error(&self.tmp, e))?;
        file.sync_all()
            .and_then(|_| std::fs::rename(&self.tmp, &self.path))
            .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))?;
        Ok(CurvesFile {
            file: self
                .path
                .file_name()
                .map_or(CURVES_FILE.into(), |n| n.to_string_lossy().into_owned()),
            format: "parquet".into(),
            layout: "tidy long: one row per (point, frame), swept parameters as columns".into(),
            rows: self.total_rows,
            columns: self
                .schema
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
        })
    }

    /// Drops the unfinished file.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

fn parquet_error(path: &Path, cause: parquet::errors::ParquetError) -> Error {
    Error::Parquet {
        what: format!("cannot write {}", path.display()),
        cause,
    }
}

/// Fills the curves of `points` (matched by their `point` index) from a curves file.
pub fn read_curves(path: &Path, points: &mut [PointResult]) -> Result<(), Error> {
    let bad = |reason: &str| Error::Curves {
        file: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let file =
        File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|cause| Error::Parquet {
            what: format!("cannot read {}", path.display()),
            cause,
        })?;
    let at: HashMap<u64, usize> = points
        .iter()
        .enumerate()
        .map(|(i, p)| (p.point, i))
        .collect();
    for p in points.iter_mut() {
        p.strip_curves();
    }
    for batch in reader {
        let batch = batch.map_err(|cause| Error::Arrow {
            what: format!("cannot read {}", path.display()),
            cause,
        })?;
        let col = |name: &str| {
            batch
                .column_by_name(name)
                .ok_or_else(|| bad(&format!("no column `{name}`")))
        };
        let f64s = |name: &str| -> Result<Float64Array, Error> {
            col(name)?
                .as_any()
                .downcast_ref::<Float64Array>()
                .cloned()
                .ok_or_else(|| bad(&format!("column `{name}` is not f64")))
        };
        let point = col("point")?
            .as_any()
            .downcast_ref::<UInt64Array>()
            .cloned()
            .ok_or_else(|| bad("column `point` is not u64"))?;
        let values: Vec<Float64Array> = F64_COLUMNS
            .iter()
            .map(|c| f64s(c.0))
            .collect::<Result<_, _>>()?;
        // Files written before the 2D walker (or the profile MSD) lack its columns.
        let two_d: Vec<Option<Float64Array>> = CURVES_2D
            .iter()
            .map(|c| batch.column_by_name(c).map(|_| f64s(c)).transpose())
            .collect::<Result<_, _>>()?;
        let reliable = col("msd_reliable")?
            .as_any()
            .downcast_ref::<BooleanArray>()
            .cloned()
            .ok_or_else(|| bad("column `msd_reliable` is not boolean"))?;
        let overflow = col("emission_overflow")?
            .as_any()
            .downcast_ref::<UInt64Array>()
            .cloned()
            .ok_or_else(|| bad("column `emission_overflow` is not u64"))?;
        let apparent: Option<Vec<Float64Array>> = batch
            .column_by_name(APPARENT_COLUMNS[0].0)
            .is_some()
            .then(|| {
                APPARENT_COLUMNS
                    .iter()
                    .map(|c| f64s(c.0))
                    .collect::<Result<_, _>>()
            })
            .transpose()?;
        let schema = batch.schema();
        let states: Vec<(String, Float64Array, Float64Array)> = schema
            .fields()
            .iter()
            .filter_map(|f| f.name().strip_prefix("population_"))
            .map(|s| {
                Ok((
                    s.to_string(),
                    f64s(&format!("population_{s}"))?,
                    f64s(&format!("intensity_{s}"))?,
                ))
            })
            .collect::<Result<_, Error>>()?;
        let opt = |a: &Float64Array, r: usize| (!a.is_null(r)).then(|| a.value(r));
        for r in 0..batch.num_rows() {
            let Some(&i) = at.get(&point.value(r)) else {
                continue;
            };
            let p = &mut points[i];
            for (c, a) in F64_COLUMNS.iter().zip(&values) {
                (c.2)(p, opt(a, r));
            }
            for (v, a) in p.curves_2d_mut().into_iter().zip(&two_d) {
                if let Some(a) = a {
                    v.push(opt(a, r));
                }
            }
            p.msd_reliable.push(reliable.value(r));
            p.emission_overflow.push(overflow.value(r));
            // A run has a microscope at every point or at none (the sweep cannot add one
            // to some points only).
            for (c, a) in APPARENT_COLUMNS.iter().zip(apparent.iter().flatten()) {
                (c.2)(p, opt(a, r));
            }
            for (s, pop, int) in &states {
                if let Some(v) = opt(pop, r) {
                    p.populations.entry(s.clone()).or_default().push(v);
                }
                if let Some(v) = opt(int, r) {
                    p.intensity_by_state.entry(s.clone()).or_default().push(v);
                }
            }
        }
    }
    Ok(())
}
