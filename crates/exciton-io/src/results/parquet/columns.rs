//! The columns of curves.parquet: which of a point's curves are stored (the others are
//! [`derived`](crate::results::derived)), how each is read from and put back into a
//! point, and the file's schema.

use crate::results::derived::{self, Derived};
use crate::results::{PointResult, CURVES_2D};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use indexmap::IndexMap;
use std::sync::Arc;

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

pub(super) type Get = fn(&PointResult, usize) -> Option<f64>;
pub(super) type Put = fn(&mut PointResult, Option<f64>);

/// The f64 curves of a point: column name, read, append.
pub(super) const F64_COLUMNS: [(&str, Get, Put); 12] = [
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
pub(super) const APPARENT_COLUMNS: [(&str, Get, Put); 2] = [
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
    /// Every point's emission, y and <r^2>/2 MSDs are copies of its occupancy MSD along
    /// x (the exact backend on a homogeneous lattice): they are left out too.
    pub copies: bool,
}

/// The per-point curve columns a file stores: indices into [`F64_COLUMNS`] and
/// [`CURVES_2D`], the others being `derived`.
#[derive(Clone, Debug)]
pub(super) struct Stored {
    pub(super) fixed: Vec<usize>,
    pub(super) two_d: Vec<usize>,
    pub(super) derived: IndexMap<String, Derived>,
}

impl Stored {
    pub(super) fn new(copies: bool) -> Stored {
        let derived = derived::rules(copies);
        let kept = |names: &mut dyn Iterator<Item = &str>| -> Vec<usize> {
            names
                .enumerate()
                .filter(|(_, n)| !derived.contains_key(*n))
                .map(|(i, _)| i)
                .collect()
        };
        Stored {
            fixed: kept(&mut F64_COLUMNS.iter().map(|c| c.0)),
            two_d: kept(&mut CURVES_2D.iter().copied()),
            derived,
        }
    }

    /// The stored f64 curve columns' names, in file order.
    pub(super) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        let fixed = self.fixed.iter().map(|&i| F64_COLUMNS[i].0);
        fixed.chain(self.two_d.iter().map(|&i| CURVES_2D[i]))
    }
}

/// The pitch column: a constant per point, so a reader of the file alone turns sites^2
/// into nm^2.
pub(super) const PITCH: &str = "pitch_nm";

/// The columns of a sweep with these swept parameters, stored curves and states, in
/// order.
pub(super) fn schema(columns: &Columns, stored: &Stored) -> SchemaRef {
    let f64_col = |name: &str| Field::new(name, DataType::Float64, true);
    let mut fields = vec![Field::new("point", DataType::UInt64, false)];
    for (name, kind) in &columns.params {
        fields.push(match kind {
            ParamKind::Number => f64_col(name),
            ParamKind::Text => Field::new(name, DataType::Utf8, true),
        });
    }
    fields.push(Field::new(PITCH, DataType::Float64, false));
    fields.push(Field::new("frame", DataType::UInt32, false));
    fields.extend(stored.names().map(f64_col));
    fields.push(Field::new("msd_reliable", DataType::Boolean, false));
    fields.push(Field::new("emission_overflow", DataType::UInt64, false));
    if columns.apparent {
        fields.extend(APPARENT_COLUMNS.iter().map(|c| f64_col(c.0)));
    }
    for s in &columns.states {
        fields.push(f64_col(&format!("population_{s}")));
        fields.push(f64_col(&format!("intensity_{s}")));
    }
    Arc::new(Schema::new(fields))
}
