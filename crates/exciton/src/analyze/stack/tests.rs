//! The readers and the writer on files written here: every type, order and refusal.

use super::*;
use ::tiff::encoder::colortype::{Gray16, Gray32Float, Gray8, RGB8};
use ::tiff::encoder::TiffEncoder;
use ::tiff::tags::Tag;
use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};

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
fn tiff_pages<C: ::tiff::encoder::colortype::ColorType>(
    name: &str,
    w: u32,
    h: u32,
    pages: &[&[C::Inner]],
) -> Temp
where
    [C::Inner]: ::tiff::encoder::TiffValue,
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
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}");
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
    assert!(message(read(&npy("<c16", false, "(2, 2)", &[0; 64]))).contains("'<c16' is not read"));
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
