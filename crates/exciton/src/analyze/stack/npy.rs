//! NumPy `.npy` in: integer and float dtypes, either byte order, C or Fortran order.

use super::{bad, from_array, wrong_dims, Stack};
use crate::analyze::AnalyzeError;
use npyz::{DType, NpyFile, NpyHeader, Order, TypeChar};
use std::path::Path;

pub(super) fn read_npy(path: &Path) -> Result<Stack, AnalyzeError> {
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
