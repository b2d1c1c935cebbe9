//! The site table of one film (`exciton-mc landscape`): one row per site with its
//! position, whether it is a void, its energy, and with a size spread its relative
//! size and its splitting's factor (its size class's), as CSV or Parquet (by the file's
//! extension), written atomically. Users check, plot or reuse a landscape from it; the
//! tests check the physics against it independently of the engine.

use crate::error::Error;
use crate::results::write_atomic_with;
use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int32Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use exciton_core::exact::master::SiteTable;
use parquet::arrow::ArrowWriter;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The table's columns, in order.
pub const SITE_COLUMNS: [&str; 7] = [
    "x",
    "y",
    "energy_meV",
    "level_energy_meV",
    "void",
    "relative_size",
    "splitting_scale",
];

/// Writes `film`'s site table to `path`: `.csv` or `.parquet`.
pub fn write_sites(path: &Path, film: &SiteTable) -> Result<(), Error> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("csv") => write_atomic_with(path, |w| write_csv(w, film)),
        Some("parquet") => write_parquet(path, film),
        _ => Err(Error::TableFormat {
            file: path.to_path_buf(),
        }),
    }
}

fn write_csv(w: &mut dyn Write, film: &SiteTable) -> std::io::Result<()> {
    writeln!(w, "{}", SITE_COLUMNS.join(","))?;
    for i in 0..film.len() {
        let (x, y) = film.position(i);
        writeln!(
            w,
            "{x},{y},{},{},{},{},{}",
            film.energy_mev(i),
            film.level_energy_mev(i),
            film.void[i],
            film.relative_size(i),
            film.splitting_scale(i)
        )?;
    }
    Ok(())
}

fn write_parquet(path: &Path, film: &SiteTable) -> Result<(), Error> {
    let n = film.len();
    let (xs, ys): (Vec<i32>, Vec<i32>) = (0..n).map(|i| film.position(i)).unzip();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from(xs)),
        Arc::new(Int32Array::from(ys)),
        Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| film.energy_mev(i)),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| film.level_energy_mev(i)),
        )),
        Arc::new(BooleanArray::from(film.void.clone())),
        Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| film.relative_size(i)),
        )),
        Arc::new(Float64Array::from_iter_values(
            (0..n).map(|i| film.splitting_scale(i)),
        )),
    ];
    let types = [
        DataType::Int32,
        DataType::Int32,
        DataType::Float64,
        DataType::Float64,
        DataType::Boolean,
        DataType::Float64,
        DataType::Float64,
    ];
    let schema = Arc::new(Schema::new(
        SITE_COLUMNS
            .iter()
            .zip(types)
            .map(|(c, t)| Field::new(*c, t, false))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns).expect("columns match the schema");
    let mut bytes = Vec::new();
    let parquet = |e: parquet::errors::ParquetError| Error::Parquet {
        what: format!("cannot write {}", path.display()),
        cause: e,
    };
    let mut writer = ArrowWriter::try_new(&mut bytes, schema, None).map_err(parquet)?;
    writer.write(&batch).map_err(parquet)?;
    writer.close().map_err(parquet)?;
    write_atomic_with(path, |w| w.write_all(&bytes))
}
