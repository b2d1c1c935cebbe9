//! TIFF in (gray pages of any integer or float type; a stack's pages, or one page as a
//! line scan) and out (64-bit float pages with exciton-mc's geometry as the description).

use super::{bad, from_array, Layout, Stack, StackMeta};
use crate::analyze::AnalyzeError;
use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, Write};
use std::path::Path;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::encoder::{colortype::Gray64Float, TiffEncoder, TiffKind};
use tiff::tags::Tag;
use tiff::{ColorType, TiffResult};

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

pub(super) fn read_tiff(path: &Path) -> Result<Stack, AnalyzeError> {
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
