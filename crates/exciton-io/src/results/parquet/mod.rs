//! `curves.parquet`: every point's curves in one tidy long table, one row per (point,
//! frame), the swept values as columns, so `pandas.read_parquet` or
//! `polars.read_parquet` gives the whole sweep in one call and a group-by gives any
//! figure. Values are the f64s of results.json bit for bit; [`read_curves`] puts them
//! back into points. A curve another column holds is left out ([`derived`]), and the
//! reader rebuilds it.
//!
//! Curves compress poorly as text and well as columns: f64 columns are stored with
//! BYTE_STREAM_SPLIT and zstd (smooth curves share their exponent bytes), the point,
//! frame, time, pitch and swept values with dictionaries.

mod columns;
mod read;

pub use columns::{Columns, ParamKind};
pub use read::read_curves;

use super::derived::{self, Derived};
use super::PointResult;
use crate::error::Error;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use columns::{schema, Stored, APPARENT_COLUMNS, F64_COLUMNS, PITCH};
use indexmap::IndexMap;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use serde::{Deserialize, Serialize};
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
    /// The columns left out because a stored one holds them: each with its source and
    /// rule, in the order they are rebuilt (absent in files that left none out).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub derived: IndexMap<String, Derived>,
}

/// Rows not yet handed to the writer, one builder per column.
struct Rows {
    point: UInt64Builder,
    params: Vec<ParamBuilder>,
    pitch: Float64Builder,
    frame: UInt32Builder,
    /// One per stored curve ([`Stored::names`]).
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
    fn new(params: &[(String, ParamKind)], stored: &Stored, states: usize, apparent: bool) -> Rows {
        Rows {
            point: UInt64Builder::new(),
            params: params
                .iter()
                .map(|(_, k)| match k {
                    ParamKind::Number => ParamBuilder::Number(Float64Builder::new()),
                    ParamKind::Text => ParamBuilder::Text(StringBuilder::new()),
                })
                .collect(),
            pitch: Float64Builder::new(),
            frame: UInt32Builder::new(),
            f64s: stored.names().map(|_| Float64Builder::new()).collect(),
            reliable: BooleanBuilder::new(),
            overflow: UInt64Builder::new(),
            apparent: apparent.then(|| [Float64Builder::new(), Float64Builder::new()]),
            states: (0..states)
                .map(|_| (Float64Builder::new(), Float64Builder::new()))
                .collect(),
            len: 0,
        }
    }

    fn push(
        &mut self,
        p: &PointResult,
        names: &[(String, ParamKind)],
        stored: &Stored,
        states: &[String],
    ) {
        let two_d = p.curves_2d();
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
            self.pitch.append_value(p.pitch_nm);
            self.frame.append_value(t as u32);
            let (fixed, rest) = self.f64s.split_at_mut(stored.fixed.len());
            for (&i, b) in stored.fixed.iter().zip(fixed) {
                b.append_option((F64_COLUMNS[i].1)(p, t));
            }
            for (&i, b) in stored.two_d.iter().zip(rest) {
                b.append_option(two_d[i].get(t).copied().flatten());
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
        cols.push(Arc::new(self.pitch.finish()));
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
    columns: Columns,
    stored: Stored,
    rows: Rows,
    total_rows: u64,
    tmp: PathBuf,
    path: PathBuf,
}

impl CurvesWriter {
    pub fn create(path: &Path, columns: Columns) -> Result<CurvesWriter, Error> {
        let stored = Stored::new(columns.copies);
        let schema = schema(&columns, &stored);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or(CURVES_FILE);
        let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp)
            .map_err(|e| Error::io(format!("cannot create {}", tmp.display()), e))?;
        let props = properties(&columns, &stored);
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| parquet_error(&tmp, e))?;
        let rows = Rows::new(
            &columns.params,
            &stored,
            columns.states.len(),
            columns.apparent,
        );
        Ok(CurvesWriter {
            writer,
            schema,
            columns,
            stored,
            rows,
            total_rows: 0,
            tmp,
            path: path.to_path_buf(),
        })
    }

    /// Appends a point's rows (points are written in the order they are pushed). A
    /// point whose left-out columns its rules do not rebuild is refused.
    pub fn push(&mut self, p: &PointResult) -> Result<(), Error> {
        derived::check(p, &self.stored.derived).map_err(|reason| Error::Derived {
            file: self.path.clone(),
            reason,
        })?;
        self.rows
            .push(p, &self.columns.params, &self.stored, &self.columns.states);
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
            derived: self.stored.derived,
        })
    }

    /// Drops the unfinished file.
    pub fn abandon(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// The key of the file's own metadata that holds `curves.derived` (JSON), so a reader of
/// the file alone knows what it left out.
pub const DERIVED_KEY: &str = "exciton_mc.derived";

/// zstd everywhere; BYTE_STREAM_SPLIT for the f64 curves; dictionaries for the columns
/// that repeat (point, frame, time, pitch, swept values); what is left out.
fn properties(columns: &Columns, stored: &Stored) -> WriterProperties {
    let derived = serde_json::to_string(&stored.derived).expect("rules serialise to JSON");
    let mut props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(DERIVED_KEY.into(), derived)]))
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("a zstd level"),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_dictionary_enabled(false);
    for c in stored
        .names()
        .chain(APPARENT_COLUMNS.iter().map(|c| c.0))
        .map(str::to_string)
        .chain(
            columns
                .states
                .iter()
                .flat_map(|s| [format!("population_{s}"), format!("intensity_{s}")]),
        )
    {
        if c != "time_ps" {
            props = props.set_column_encoding(ColumnPath::from(c), Encoding::BYTE_STREAM_SPLIT);
        }
    }
    for c in ["point", PITCH, "frame", "time_ps"]
        .into_iter()
        .map(str::to_string)
        .chain(columns.params.iter().map(|p| p.0.clone()))
    {
        props = props.set_column_dictionary_enabled(ColumnPath::from(c), true);
    }
    props.build()
}

fn parquet_error(path: &Path, cause: parquet::errors::ParquetError) -> Error {
    Error::Parquet {
        what: format!("cannot write {}", path.display()),
        cause,
    }
}
