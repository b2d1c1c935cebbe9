//! Image stacks and line scans as files: multi-page TIFF, NumPy `.npy` and CSV in; TIFF
//! out (the microscope's simulated stacks). Everything becomes one [`Stack`] of f64.

use super::AnalyzeError;
use crate::fit::csv::read_table;
use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::encoder::{colortype::Gray64Float, TiffEncoder, TiffKind};
use tiff::tags::Tag;
use tiff::{ColorType, TiffResult};

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

fn bad(file: &Path, reason: impl Into<String>) -> AnalyzeError {
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
        Some("tif" | "tiff") => read_tiff(path),
        Some("npy") => read_npy(path),
        Some("csv" | "tsv" | "txt") => read_csv(path),
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
fn shape_text(shape: &[usize]) -> String {
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

fn wrong_dims(shape: &[usize]) -> String {
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

/// A decoded page as f64, with its sample type's name and largest value.
fn page_values(page: DecodingResult) -> (&'static str, Option<f64>, Vec<f64>) {
    fn all<T: Into<f64>>(v: Vec<T>) -> Vec<f64> {
        v.into_iter().map(Into::into).collect()
    }
    use DecodingResult as D;
    match page {
        D::U8(v) => ("8-bit unsigned", Some(u8::MAX.into()), all(v)),
        D::U16(v) => ("16-bit unsigned", Some(u16::MAX.into()), all(v)),
        D::U32(v) => ("32-bit unsigned", Some(u32::MAX.into()), all(v)),
        D::U64(v) => (
            "64-bit unsigned",
            Some(u64::MAX as f64),
            v.into_iter().map(|x| x as f64).collect(),
        ),
        D::I8(v) => ("8-bit signed", Some(i8::MAX.into()), all(v)),
        D::I16(v) => ("16-bit signed", Some(i16::MAX.into()), all(v)),
        D::I32(v) => ("32-bit signed", Some(i32::MAX.into()), all(v)),
        D::I64(v) => (
            "64-bit signed",
            Some(i64::MAX as f64),
            v.into_iter().map(|x| x as f64).collect(),
        ),
        D::F16(v) => ("16-bit float", None, all(v)),
        D::F32(v) => ("32-bit float", None, all(v)),
        D::F64(v) => ("64-bit float", None, all(v)),
    }
}

fn colour_name(colour: ColorType) -> String {
    match colour {
        ColorType::RGB(_) => "RGB (3 samples per pixel)".into(),
        ColorType::RGBA(_) => "RGBA (4 samples per pixel)".into(),
        ColorType::GrayA(_) => "gray with alpha (2 samples per pixel)".into(),
        ColorType::Palette(_) => "a palette (indexed colour) image".into(),
        ColorType::Multiband { num_samples, .. } => format!("{num_samples} samples per pixel"),
        other => format!("{other:?}"),
    }
}

/// ImageJ's `key=value` description, as far as a hyperstack is told by it: (channels,
/// slices, frames, images), each 1 when not written.
fn imagej_dims(description: &str) -> Option<[usize; 4]> {
    if !description.starts_with("ImageJ=") {
        return None;
    }
    let mut dims = [1; 4];
    for line in description.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let i = ["channels", "slices", "frames", "images"]
            .iter()
            .position(|k| *k == key.trim());
        if let (Some(i), Ok(v)) = (i, value.trim().parse()) {
            dims[i] = v;
        }
    }
    Some(dims)
}

/// exciton-mc's own description in `description`, None if another program wrote it.
fn own_meta(path: &Path, description: &str) -> Result<Option<StackMeta>, AnalyzeError> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(description) else {
        return Ok(None);
    };
    if json.get("written_by").and_then(|w| w.as_str()) != Some("exciton-mc") {
        return Ok(None);
    }
    serde_json::from_value(json).map(Some).map_err(|e| {
        bad(
            path,
            format!(
                "its ImageDescription says written_by exciton-mc but does not read as one ({e})"
            ),
        )
    })
}

fn read_tiff(path: &Path) -> Result<Stack, AnalyzeError> {
    let file = File::open(path).map_err(|e| bad(path, format!("cannot open it ({e})")))?;
    let mut limits = Limits::default();
    // A line scan is one page: the default 256 MiB a page would refuse long ones.
    limits.decoding_buffer_size = usize::MAX;
    limits.intermediate_buffer_size = usize::MAX;
    let mut dec = Decoder::new(BufReader::new(file))
        .map_err(|e| bad(path, format!("not a TIFF that can be read ({e})")))?
        .with_limits(limits);
    // A description that does not decode (not ASCII or UTF-8) is no one's we know.
    let description = dec.find_tag(Tag::ImageDescription).ok().flatten();
    let description = description.and_then(|d| d.into_string().ok());
    let meta = match &description {
        Some(d) => own_meta(path, d)?,
        None => None,
    };
    let imagej = description.as_deref().and_then(imagej_dims);
    if let Some([c, s, f, _]) = imagej {
        if c > 1 || (s > 1 && f > 1) {
            let why = format!(
                "an ImageJ hyperstack (channels={c}, slices={s}, frames={f}): its pages are not \
                 one time series; keep one channel and one slice, the frames being the time axis \
                 (ImageJ: Image > Hyperstacks > Reduce Dimensionality, or Image > Duplicate)"
            );
            return Err(bad(path, why));
        }
    }
    let (mut data, mut pages) = (Vec::new(), 0usize);
    let mut first: Option<((u32, u32), &str, Option<f64>)> = None;
    for page in 1.. {
        let at = |e: tiff::TiffError| bad(path, format!("page {page}: {e}"));
        // A reduced-resolution copy (a thumbnail or a pyramid level) is not a frame.
        let subfile: Option<u32> = dec.find_tag_unsigned(Tag::NewSubfileType).map_err(at)?;
        if subfile.unwrap_or(0) & 1 == 0 {
            match dec.colortype().map_err(at)? {
                ColorType::Gray(8 | 16 | 32 | 64) => {}
                ColorType::Gray(b) => {
                    let why = format!(
                        "page {page} is {b}-bit gray: 8, 16, 32 and 64-bit samples are read"
                    );
                    return Err(bad(path, why));
                }
                other => {
                    let why = format!(
                        "page {page} is {}: only gray pages (one sample per pixel) are read; save \
                         one channel, or convert to gray (ImageJ: Image > Type > 16-bit)",
                        colour_name(other)
                    );
                    return Err(bad(path, why));
                }
            }
            let (w, h) = dec.dimensions().map_err(at)?;
            let (kind, saturation, values) = page_values(dec.read_image().map_err(at)?);
            if values.len() != w as usize * h as usize {
                let why = format!(
                    "page {page}: {} values decoded for {w} x {h} pixels",
                    values.len()
                );
                return Err(bad(path, why));
            }
            let (size, first_kind, _) = *first.get_or_insert(((w, h), kind, saturation));
            if size != (w, h) || first_kind != kind {
                let why = format!(
                    "page {page} is {w} x {h} {kind} where the first is {} x {} {first_kind}: \
                     every page of a stack must be alike",
                    size.0, size.1
                );
                return Err(bad(path, why));
            }
            data.extend(values);
            pages += 1;
        }
        if !dec.more_images() {
            break;
        }
        dec.next_image()
            .map_err(|e| bad(path, format!("page {}: {e}", page + 1)))?;
    }
    let Some(((w, h), _, saturation)) = first else {
        return Err(bad(path, "no full-resolution page"));
    };
    if let Some([.., images]) = imagej.filter(|d| d[3] > pages) {
        let why = format!(
            "ImageJ wrote {images} images but the file has {pages} page(s): its layout for stacks \
             over 4 GB, which is not read; save it as OME-TIFF or in parts"
        );
        return Err(bad(path, why));
    }
    let shape = match pages {
        1 => vec![h as usize, w as usize],
        _ => vec![pages, h as usize, w as usize],
    };
    from_array(path.to_path_buf(), &shape, data, saturation, meta)
}

fn read_npy(path: &Path) -> Result<Stack, AnalyzeError> {
    let bytes = std::fs::read(path).map_err(|e| bad(path, format!("cannot read it ({e})")))?;
    let mut rest = &bytes[..];
    let header = NpyHeader::from_reader(&mut rest)
        .map_err(|e| bad(path, format!("not a NumPy .npy file ({e})")))?;
    let shape: Vec<usize> = header.shape().iter().map(|&d| d as usize).collect();
    if !(2..=3).contains(&shape.len()) {
        return Err(bad(path, wrong_dims(&shape)));
    }
    let (order, dtype) = (header.order(), header.dtype());
    let refused = || {
        bad(
            path,
            format!(
                "dtype {} is not read: integers (u1, u2, u4, u8, i1, i2, i4, i8) or floats \
                 (f4, f8) are",
                dtype.descr()
            ),
        )
    };
    let DType::Plain(ty) = &dtype else {
        return Err(refused());
    };
    let (size, n) = (ty.size_field(), header.len());
    if n.checked_mul(size).is_none_or(|b| b > rest.len() as u64) {
        let why = format!(
            "the data end early: {n} values of {size} bytes need more than the {} there",
            rest.len()
        );
        return Err(bad(path, why));
    }
    let npy = NpyFile::with_header(header, rest);
    fn all<T: npyz::Deserialize>(
        npy: NpyFile<&[u8]>,
        f: fn(T) -> f64,
    ) -> std::io::Result<Vec<f64>> {
        Ok(npy.into_vec::<T>()?.into_iter().map(f).collect())
    }
    let (values, saturation) = match (ty.type_char(), size) {
        (TypeChar::Uint, 1) => (all::<u8>(npy, f64::from), Some(u8::MAX.into())),
        (TypeChar::Uint, 2) => (all::<u16>(npy, f64::from), Some(u16::MAX.into())),
        (TypeChar::Uint, 4) => (all::<u32>(npy, f64::from), Some(u32::MAX.into())),
        (TypeChar::Uint, 8) => (all::<u64>(npy, |x| x as f64), Some(u64::MAX as f64)),
        (TypeChar::Int, 1) => (all::<i8>(npy, f64::from), Some(i8::MAX.into())),
        (TypeChar::Int, 2) => (all::<i16>(npy, f64::from), Some(i16::MAX.into())),
        (TypeChar::Int, 4) => (all::<i32>(npy, f64::from), Some(i32::MAX.into())),
        (TypeChar::Int, 8) => (all::<i64>(npy, |x| x as f64), Some(i64::MAX as f64)),
        (TypeChar::Float, 4) => (all::<f32>(npy, f64::from), None),
        (TypeChar::Float, 8) => (all::<f64>(npy, |x| x), None),
        _ => return Err(refused()),
    };
    let mut data = values.map_err(|e| bad(path, format!("cannot read the data ({e})")))?;
    if order == Order::Fortran && !shape.contains(&0) {
        data = fortran_to_c(&shape, &data);
    }
    from_array(path.to_path_buf(), &shape, data, saturation, None)
}

/// Column-major (`fortran_order`) `data` of a 2D or 3D `shape` in row-major order. A
/// Fortran array of shape (a, b, c) is the C array of shape (c, b, a): its axes reversed.
fn fortran_to_c(shape: &[usize], data: &[f64]) -> Vec<f64> {
    let (a, b, c) = match *shape {
        [b, c] => (1, b, c),
        [a, b, c] => (a, b, c),
        _ => unreachable!("2 or 3 dimensions are checked before"),
    };
    let mut out = Vec::with_capacity(data.len());
    for i in 0..a {
        for j in 0..b {
            out.extend((0..c).map(|k| data[(k * b + j) * a + i]));
        }
    }
    out
}

/// A CSV matrix: rows are time bins, columns positions; a first row that is not all
/// numbers (position labels) is a header and skipped.
fn read_csv(path: &Path) -> Result<Stack, AnalyzeError> {
    let table = read_table(path)?;
    let numeric = |f: &String| f.is_empty() || f.replacen(',', ".", 1).parse::<f64>().is_ok();
    let header_is_data = table.names.iter().all(numeric);
    let header = header_is_data.then(|| Ok((table.header_line, table.names.clone())));
    let mut data = Vec::new();
    for row in header.into_iter().chain(table.rows()) {
        let (line, fields) = row?;
        for (c, field) in fields.iter().enumerate() {
            data.push(table.number(line, &format!("column {}", c + 1), field)?);
        }
    }
    let columns = table.names.len();
    if data.is_empty() {
        return Err(bad(path, "no rows of numbers under the header"));
    }
    from_array(
        path.to_path_buf(),
        &[data.len() / columns, columns],
        data,
        None,
        None,
    )
}

/// `meta` as JSON in ASCII (TIFF's ImageDescription is ASCII): anything else `\u`-escaped,
/// which is valid JSON since it can only stand inside a string.
fn ascii_json(meta: &StackMeta) -> Result<String, String> {
    if !meta.pixel_nm.is_finite() || !meta.frame_ps.is_finite() {
        return Err("meta: pixel_nm and frame_ps must be finite (JSON has no NaN)".into());
    }
    let json = serde_json::to_string(meta).map_err(|e| format!("meta: {e}"))?;
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            for unit in c.encode_utf16(&mut [0; 2]) {
                out += &format!("\\u{unit:04x}");
            }
        }
    }
    Ok(out)
}

/// Writes `stack` as 64-bit float gray pages: one a frame (images) or one of time bins x
/// positions (a line scan), `meta` as the first page's ImageDescription. Through a
/// temporary file next to `path`, renamed at the end, so no half-written file is left.
pub fn write_tiff(path: &Path, stack: &Stack) -> Result<(), AnalyzeError> {
    let (pages, height) = match stack.layout {
        Layout::Images => (stack.frames, stack.rows),
        Layout::LineScan => (1, stack.frames),
    };
    let width = stack.columns;
    let len = pages.checked_mul(height).and_then(|n| n.checked_mul(width));
    if len != Some(stack.data.len()) || stack.data.is_empty() {
        let why = format!(
            "the stack's {} values do not fill {} x {} x {}",
            stack.data.len(),
            stack.frames,
            stack.rows,
            stack.columns
        );
        return Err(bad(path, why));
    }
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(bad(
            path,
            format!("{width} x {height} pixels do not fit a TIFF page"),
        ));
    };
    let description = stack
        .meta
        .as_ref()
        .map(ascii_json)
        .transpose()
        .map_err(|e| bad(path, e))?;
    let name = path.file_name().ok_or_else(|| bad(path, "no file name"))?;
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| -> Result<(), String> {
        let file =
            File::create(&tmp).map_err(|e| format!("cannot create {} ({e})", tmp.display()))?;
        let mut out = BufWriter::new(file);
        let bytes = stack.data.len() as u64 * 8;
        // Classic TIFF's offsets are 32-bit: past about 4 GB only BigTIFF reaches the pages.
        let big = bytes + pages as u64 * 512 + (1 << 28) > u64::from(u32::MAX);
        let encoded = if big {
            TiffEncoder::new_big(&mut out)
                .and_then(|e| encode(e, &stack.data, w, h, description.as_deref()))
        } else {
            TiffEncoder::new(&mut out)
                .and_then(|e| encode(e, &stack.data, w, h, description.as_deref()))
        };
        encoded.map_err(|e| format!("cannot encode it ({e})"))?;
        let file = out
            .into_inner()
            .map_err(|e| format!("cannot write it ({})", e.error()))?;
        file.sync_all()
            .map_err(|e| format!("cannot write it ({e})"))?;
        std::fs::rename(&tmp, path)
            .map_err(|e| format!("cannot rename {} to it ({e})", tmp.display()))
    })();
    written.map_err(|why| {
        let _ = std::fs::remove_file(&tmp);
        bad(path, why)
    })
}

fn encode<W: Write + Seek, K: TiffKind>(
    mut tiff: TiffEncoder<W, K>,
    data: &[f64],
    w: u32,
    h: u32,
    description: Option<&str>,
) -> TiffResult<()> {
    for (i, page) in data.chunks(w as usize * h as usize).enumerate() {
        let mut image = tiff.new_image::<Gray64Float>(w, h)?;
        if let (0, Some(d)) = (i, description) {
            image.encoder().write_tag(Tag::ImageDescription, d)?;
        }
        image.write_data(page)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tiff::encoder::colortype::{Gray16, Gray32Float, Gray8, RGB8};

    /// A file in the temp directory, its name unique across the tests running at once,
    /// removed when dropped (a failing test leaves none behind either).
    struct Temp(PathBuf);

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    impl std::ops::Deref for Temp {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    fn temp(name: &str) -> Temp {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        Temp(std::env::temp_dir().join(format!("exciton-stack-{pid}-{n}-{name}")))
    }

    fn message<T: std::fmt::Debug>(r: Result<T, AnalyzeError>) -> String {
        r.expect_err("should be refused").to_string()
    }

    fn meta() -> StackMeta {
        StackMeta {
            written_by: "exciton-mc".into(),
            version: "0.1.0 µ".into(),
            pixel_nm: 12.5,
            frame_ps: 1000.0,
            origin_pixel: -3,
            values: "expected".into(),
        }
    }

    #[test]
    fn written_tiff_reads_back_bit_identical() {
        let odd = [0.1, -0.0, 5e-324, f64::MAX, std::f64::consts::PI, -1e-300];
        let images = from_array(
            "a".into(),
            &[2, 2, 3],
            [odd, odd.map(|v| v / 3.0)].concat(),
            None,
            Some(meta()),
        )
        .unwrap();
        let scan = from_array("b".into(), &[3, 2], odd.to_vec(), None, None).unwrap();
        for stack in [images, scan] {
            let path = temp("round.tif");
            write_tiff(&path, &stack).unwrap();
            let back = read(&path).unwrap();
            assert_eq!(
                (back.layout, back.frames, back.rows, back.columns),
                (stack.layout, stack.frames, stack.rows, stack.columns)
            );
            let bits = |s: &Stack| s.data.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&back), bits(&stack));
            assert_eq!((back.meta, back.saturation), (stack.meta, None));
        }
    }

    /// Pages written with the tiff crate, each `w` x `h`.
    fn tiff_pages<C: tiff::encoder::colortype::ColorType>(
        name: &str,
        w: u32,
        h: u32,
        pages: &[&[C::Inner]],
    ) -> Temp
    where
        [C::Inner]: tiff::encoder::TiffValue,
    {
        let path = temp(name);
        let mut tiff = TiffEncoder::new(File::create(&*path).unwrap()).unwrap();
        for page in pages {
            tiff.write_image::<C>(w, h, page).unwrap();
        }
        path
    }

    #[test]
    fn integer_and_float_tiffs_read_with_their_saturation() {
        let path = tiff_pages::<Gray16>(
            "u16.tif",
            3,
            2,
            &[&[1, 2, 3, 4, 5, 65535], &[0, 9, 8, 7, 6, 5]],
        );
        let s = read(&path).unwrap();
        assert_eq!(
            (s.layout, s.frames, s.rows, s.columns),
            (Layout::Images, 2, 2, 3)
        );
        assert_eq!(s.data, [1., 2., 3., 4., 5., 65535., 0., 9., 8., 7., 6., 5.]);
        assert_eq!(s.saturation, Some(65535.0));
        let path = tiff_pages::<Gray8>("u8.tif", 2, 3, &[&[1, 2, 3, 4, 5, 255]]);
        let s = read(&path).unwrap();
        assert_eq!(
            (s.layout, s.frames, s.rows, s.columns),
            (Layout::LineScan, 3, 1, 2)
        );
        assert_eq!((s.data[5], s.saturation), (255.0, Some(255.0)));
        let path = tiff_pages::<Gray32Float>("f32.TIFF", 2, 1, &[&[0.5, -1.25], &[3.0, 1e-3]]);
        let s = read(&path).unwrap();
        assert_eq!((s.frames, s.rows, s.saturation), (2, 1, None));
        assert_eq!(s.data, [0.5, -1.25, 3.0, f64::from(1e-3f32)]);
    }

    #[test]
    fn colour_uneven_and_hyperstack_tiffs_are_refused() {
        let path = tiff_pages::<RGB8>("rgb.tif", 1, 2, &[&[1, 2, 3, 4, 5, 6]]);
        assert!(message(read(&path)).contains("page 1 is RGB (3 samples per pixel)"));
        let path = temp("uneven.tif");
        let mut tiff = TiffEncoder::new(File::create(&*path).unwrap()).unwrap();
        for page in [&[1u8, 2][..], &[3, 4], &[5, 6, 7]] {
            tiff.write_image::<Gray8>(page.len() as u32, 1, page)
                .unwrap();
        }
        let m = message(read(&path));
        assert!(
            m.contains("page 3 is 3 x 1 8-bit unsigned where the first is 2 x 1"),
            "{m}"
        );
        let path = temp("hyper.tif");
        let mut tiff = TiffEncoder::new(File::create(&*path).unwrap()).unwrap();
        for i in 0..4u8 {
            let mut page = tiff.new_image::<Gray8>(2, 1).unwrap();
            if i == 0 {
                let d = "ImageJ=1.54f\nimages=4\nchannels=2\nframes=2\nhyperstack=true\n";
                page.encoder().write_tag(Tag::ImageDescription, d).unwrap();
            }
            page.write_data(&[i, i]).unwrap();
        }
        drop(tiff);
        let m = message(read(&path));
        assert!(
            m.contains("ImageJ hyperstack (channels=2, slices=1, frames=2)"),
            "{m}"
        );
    }

    /// An `.npy` file of `descr` and `shape`, its data as given.
    fn npy(descr: &str, fortran: bool, shape: &str, data: &[u8]) -> Temp {
        let order = if fortran { "True" } else { "False" };
        let mut dict =
            format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
        while (10 + dict.len() + 1) % 64 != 0 {
            dict.push(' ');
        }
        dict.push('\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend((dict.len() as u16).to_le_bytes());
        bytes.extend(dict.as_bytes());
        bytes.extend(data);
        let path = temp("a.npy");
        std::fs::write(&*path, bytes).unwrap();
        path
    }

    #[test]
    fn npy_dtypes_byte_orders_and_fortran_order() {
        let le16: Vec<u8> = [1u16, 2, 3, 4, 5, 65535]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let s = read(&npy("<u2", false, "(2, 3)", &le16)).unwrap();
        assert_eq!(
            (s.layout, s.frames, s.columns, s.saturation),
            (Layout::LineScan, 2, 3, Some(65535.0))
        );
        assert_eq!(s.data, [1., 2., 3., 4., 5., 65535.]);
        let be32: Vec<u8> = [-1i32, 2, -3, 4]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let s = read(&npy(">i4", false, "(2, 1, 2)", &be32)).unwrap();
        assert_eq!(
            (s.layout, s.frames, s.rows, s.columns),
            (Layout::Images, 2, 1, 2)
        );
        assert_eq!(
            (s.data.as_slice(), s.saturation),
            (&[-1., 2., -3., 4.][..], Some(2147483647.0))
        );
        let s = read(&npy("|u1", false, "(2, 2)", &[0, 7, 255, 1])).unwrap();
        assert_eq!((s.data[2], s.saturation), (255.0, Some(255.0)));
        let i8s: Vec<u8> = [-5i64, 6].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            read(&npy("<i8", false, "(2, 1)", &i8s)).unwrap().data,
            [-5.0, 6.0]
        );
        let f4: Vec<u8> = [0.5f32, -2.0]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        assert_eq!(
            read(&npy(">f4", false, "(2, 1)", &f4)).unwrap().saturation,
            None
        );
        // C array [[0, 1, 2], [3, 4, 5]] stored column by column.
        let f8: Vec<u8> = [0., 3., 1., 4., 2., 5.]
            .iter()
            .flat_map(|v: &f64| v.to_le_bytes())
            .collect();
        assert_eq!(
            read(&npy("<f8", true, "(2, 3)", &f8)).unwrap().data,
            [0., 1., 2., 3., 4., 5.]
        );
        // (2, 2, 3) in Fortran order: element (i, j, k) at i + 2 j + 4 k holds 100 i + 10 j + k.
        let mut f = [0.0; 12];
        for (i, j, k) in (0..12).map(|n| (n / 6, n / 3 % 2, n % 3)) {
            f[i + 2 * j + 4 * k] = (100 * i + 10 * j + k) as f64;
        }
        let bytes: Vec<u8> = f.iter().flat_map(|v| v.to_le_bytes()).collect();
        let s = read(&npy("<f8", true, "(2, 2, 3)", &bytes)).unwrap();
        assert_eq!(
            s.data,
            [0., 1., 2., 10., 11., 12., 100., 101., 102., 110., 111., 112.]
        );
    }

    #[test]
    fn npy_wrong_dimensionality_dtype_or_length_is_refused() {
        let one = message(read(&npy("|u1", false, "(5,)", &[0; 5])));
        assert!(one.contains("wrong dimensionality: shape (5,)"), "{one}");
        let four = message(read(&npy("|u1", false, "(2, 2, 2, 2)", &[0; 16])));
        assert!(four.contains("shape (2, 2, 2, 2)"), "{four}");
        assert!(
            message(read(&npy("<c16", false, "(2, 2)", &[0; 64]))).contains("'<c16' is not read")
        );
        let short = message(read(&npy("<u2", false, "(2, 2)", &[0; 7])));
        assert!(short.contains("the data end early"), "{short}");
    }

    #[test]
    fn from_array_refuses_non_finite_values_and_short_arrays_by_position() {
        let mut data = vec![1.0; 12];
        data[10] = f64::NAN; // (2 * 2 + 1) * 2 + 0: frame 2, row 1, column 0
        data[11] = f64::INFINITY;
        let m = message(from_array("x".into(), &[3, 2, 2], data, None, None));
        assert!(
            m.contains("frame 2, row 1, column 0 (counted from 0) is NaN (1 more"),
            "{m}"
        );
        let m = message(from_array(
            "x".into(),
            &[2, 3],
            vec![0., 0., 0., 0., 0., f64::NEG_INFINITY],
            None,
            None,
        ));
        assert!(
            m.contains("time bin 1, position 2 (counted from 0) is -inf"),
            "{m}"
        );
        assert!(
            message(from_array("x".into(), &[1, 2, 2], vec![0.; 4], None, None))
                .contains("one frame only")
        );
        assert!(
            message(from_array("x".into(), &[2, 2], vec![0.; 3], None, None))
                .contains("does not match the 3")
        );
        assert!(message(from_array("x".into(), &[2, 0], vec![], None, None)).contains("size 0"));
        assert!(message(read(Path::new("a.png"))).contains("`.png` files are not read; TIFF"));
    }

    #[test]
    fn csv_matrices_with_header_decimal_commas_and_ragged_rows() {
        let path = temp("scan.csv");
        std::fs::write(
            &*path,
            "# counts\n-100 nm;0 nm;100 nm\n\n1,5;2;3,25\n4;5;6\n",
        )
        .unwrap();
        let s = read(&path).unwrap();
        assert_eq!((s.layout, s.frames, s.columns), (Layout::LineScan, 2, 3));
        assert_eq!(s.data, [1.5, 2., 3.25, 4., 5., 6.]);
        std::fs::write(&*path, "1\t2\n3\t4\n5\t6\n").unwrap();
        assert_eq!(read(&path).unwrap().data, [1., 2., 3., 4., 5., 6.]);
        std::fs::write(&*path, "1,2\n3,4\n\n5,6,7\n").unwrap();
        let m = message(read(&path));
        assert!(m.contains("line 4: the row has 3 fields"), "{m}");
    }
}
