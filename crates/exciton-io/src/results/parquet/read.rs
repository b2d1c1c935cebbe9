//! Reading curves.parquet back into points: the stored columns, then the columns the
//! writer left out (results.json's `curves.derived`) rebuilt from them.

use super::columns::{APPARENT_COLUMNS, F64_COLUMNS};
use crate::error::Error;
use crate::results::derived::{self, Derived};
use crate::results::{PointResult, CURVES_2D};
use arrow_array::{Array, BooleanArray, Float64Array, UInt64Array};
use indexmap::IndexMap;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

/// Fills the curves of `points` (matched by their `point` index) from a curves file
/// whose left-out columns are `derived` (results.json's `curves.derived`; empty for a
/// file written before columns were left out, which holds them all).
pub fn read_curves(
    path: &Path,
    derived: &IndexMap<String, Derived>,
    points: &mut [PointResult],
) -> Result<(), Error> {
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
        // A left-out column is rebuilt below, once every stored one is read.
        let values: Vec<Option<Float64Array>> = F64_COLUMNS
            .iter()
            .map(
                |c| match derived.contains_key(c.0) && batch.column_by_name(c.0).is_none() {
                    true => Ok(None),
                    false => f64s(c.0).map(Some),
                },
            )
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
                if let Some(a) = a {
                    (c.2)(p, opt(a, r));
                }
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
    for p in points.iter_mut().filter(|p| p.has_curves()) {
        derived::rebuild(p, derived).map_err(|reason| bad(&reason))?;
    }
    Ok(())
}
