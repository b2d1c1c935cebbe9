//! Image stacks and line scans as files: multi-page TIFF, NumPy `.npy` and CSV in; TIFF
//! out (the microscope's simulated stacks). Everything becomes one [`Stack`] of f64.

mod csv;
mod npy;
mod tiff;

pub use self::tiff::write_tiff;

use super::AnalyzeError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What a file holds, as f64.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack {
    /// The file it came from (`<array>` for an array handed over from Python).
    pub file: PathBuf,
    pub layout: Layout,
    pub frames: usize,
    /// 1 for a line scan.
    pub rows: usize,
    pub columns: usize,
    /// Frame-major, then row-major: `data[(frame * rows + row) * columns + column]`.
    pub data: Vec<f64>,
    /// The largest value of the file's integer type (255, 65535, 2^32 - 1): a pixel at it
    /// is saturated. None for floats.
    pub saturation: Option<f64>,
    /// exciton-mc's own description, in a TIFF it wrote; None otherwise.
    pub meta: Option<StackMeta>,
}

/// Frames of images, or a line scan's time bins of one row of positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// frames x y x x (a 3D array, a multi-page TIFF).
    Images,
    /// time bins x positions (a 2D array, a one-page TIFF, a CSV matrix).
    LineScan,
}

/// The geometry exciton-mc writes into its own TIFFs' ImageDescription (JSON), so that
/// `analyze` of a simulated stack needs no options and places pixels where the engine did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackMeta {
    /// Always "exciton-mc": how a description is told from another program's.
    pub written_by: String,
    pub version: String,
    pub pixel_nm: f64,
    pub frame_ps: f64,
    /// The column whose centre is x = 0 (centres are `(column - origin_pixel) * pixel_nm`).
    pub origin_pixel: i64,
    /// What the values are: "expected" (noise-free, expected emissions per walker),
    /// "counts" (shot noise: detected photons), or "emissions" (the Monte Carlo's).
    pub values: String,
}

pub(super) fn bad(file: &Path, reason: impl Into<String>) -> AnalyzeError {
    AnalyzeError::Input {
        file: file.to_path_buf(),
        reason: reason.into(),
    }
}

/// What [`read`] takes, for its refusals.
const FORMATS: &str =
    "TIFF (.tif, .tiff), NumPy (.npy) and CSV or text matrices (.csv, .tsv, .txt)";

/// Reads a stack or line scan, the format told by the extension (any case).
pub fn read(path: &Path) -> Result<Stack, AnalyzeError> {
    let ext = path.extension().and_then(|e| e.to_str());
    match ext.map(str::to_ascii_lowercase).as_deref() {
        Some("tif" | "tiff") => tiff::read_tiff(path),
        Some("npy") => npy::read_npy(path),
        Some("csv" | "tsv" | "txt") => csv::read_csv(path),
        Some("npz") => Err(bad(
            path,
            format!(
                "an .npz archive holds several arrays: save the stack alone with numpy.save \
                 (.npy); {FORMATS} are read"
            ),
        )),
        Some(other) => Err(bad(
            path,
            format!("`.{other}` files are not read; {FORMATS} are"),
        )),
        None => Err(bad(
            path,
            format!("no extension to tell the format by; {FORMATS} are read"),
        )),
    }
}

/// A shape as NumPy prints it: `(5,)`, `(2, 3, 4)`.
pub(super) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) fn wrong_dims(shape: &[usize]) -> String {
    format!(
        "wrong dimensionality: shape {} — expected frames x y x x or time bins x positions",
        shape_text(shape)
    )
}

/// The check every reader (and the Python binding) ends in: `shape` is frames x rows x
/// columns (images) or time bins x positions (a line scan), `data` in C order.
pub fn from_array(
    file: PathBuf,
    shape: &[usize],
    data: Vec<f64>,
    saturation: Option<f64>,
    meta: Option<StackMeta>,
) -> Result<Stack, AnalyzeError> {
    let shown = shape_text(shape);
    let (layout, frames, rows, columns) = match *shape {
        [t, x] => (Layout::LineScan, t, 1, x),
        [f, y, x] => (Layout::Images, f, y, x),
        _ => return Err(bad(&file, wrong_dims(shape))),
    };
    if shape.contains(&0) {
        return Err(bad(
            &file,
            format!("shape {shown} has a dimension of size 0: no data"),
        ));
    }
    let len = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    if len != Some(data.len()) {
        let n = data.len();
        return Err(bad(
            &file,
            format!("shape {shown} does not match the {n} values given"),
        ));
    }
    let time = if layout == Layout::Images {
        "frame"
    } else {
        "time bin"
    };
    if frames < 2 {
        let why = format!(
            "one {time} only (shape {shown}): the analysis follows the profile in time and \
             needs at least 2 {time}s"
        );
        return Err(bad(&file, why));
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        let (f, r, c) = (i / (rows * columns), i / columns % rows, i % columns);
        let at = match layout {
            Layout::Images => format!("frame {f}, row {r}, column {c}"),
            Layout::LineScan => format!("time bin {f}, position {c}"),
        };
        let more = data[i + 1..].iter().filter(|v| !v.is_finite()).count();
        let mut why = format!("{at} (counted from 0) is {}", data[i]);
        if more > 0 {
            why += &format!(" ({more} more values are not finite either)");
        }
        why += ": every value must be a finite number";
        return Err(bad(&file, why));
    }
    Ok(Stack {
        file,
        layout,
        frames,
        rows,
        columns,
        data,
        saturation,
        meta,
    })
}

#[cfg(test)]
mod tests;
