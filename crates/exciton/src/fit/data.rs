//! Measured curves: CSV files with a header, `time_ps,msd_nm2[,msd_stderr_nm2]` (MSD or
//! apparent MSD) or `time_ps,intensity[,intensity_stderr]` (PL, normalised to its first
//! point). Lines starting with `#` are comments (where the data came from).

use super::FitError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What a dataset measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observable {
    /// The MSD of the emissions, nm^2.
    Msd,
    /// The MSD as the microscope reports it (the scenario needs a `microscope`), nm^2.
    ApparentMsd,
    /// PL intensity, normalised to the first measured point.
    Intensity,
}

impl Observable {
    /// The value column and its error column.
    pub fn columns(self) -> (&'static str, &'static str) {
        match self {
            Observable::Msd | Observable::ApparentMsd => ("msd_nm2", "msd_stderr_nm2"),
            Observable::Intensity => ("intensity", "intensity_stderr"),
        }
    }
}

/// A measured curve.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub time_ps: Vec<f64>,
    pub value: Vec<f64>,
    /// Standard errors, when the file has them.
    pub error: Option<Vec<f64>>,
}

/// Reads a measured curve, refusing what a fit cannot use with the file, line and reason.
pub fn read_measured(file: &Path, observable: Observable) -> Result<Measured, FitError> {
    let text = std::fs::read_to_string(file).map_err(|e| FitError::Data {
        file: file.to_path_buf(),
        line: 0,
        reason: format!("cannot read it ({e})"),
    })?;
    let bad = |line: usize, reason: String| FitError::Data {
        file: file.to_path_buf(),
        line,
        reason,
    };
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let (header_line, header) = lines
        .next()
        .ok_or_else(|| bad(0, "no header: the file is empty".into()))?;
    let names: Vec<&str> = header.split(',').map(str::trim).collect();
    let (value_name, error_name) = observable.columns();
    let find = |name: &str| names.iter().position(|n| *n == name);
    let time = find("time_ps").ok_or_else(|| {
        bad(
            header_line,
            format!("no `time_ps` column (the header is `{header}`)"),
        )
    })?;
    let value = find(value_name).ok_or_else(|| {
        bad(
            header_line,
            format!(
                "no `{value_name}` column for observable {observable:?} (the header is `{header}`)"
            ),
        )
    })?;
    let error = find(error_name);
    let mut m = Measured {
        time_ps: Vec::new(),
        value: Vec::new(),
        error: error.map(|_| Vec::new()),
    };
    for (n, line) in lines {
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let number = |i: usize, name: &str| -> Result<f64, FitError> {
            let text = fields.get(i).ok_or_else(|| {
                bad(
                    n,
                    format!("no `{name}` value (only {} fields)", fields.len()),
                )
            })?;
            let v: f64 = text
                .parse()
                .map_err(|_| bad(n, format!("`{name}` = `{text}` is not a number")))?;
            if !v.is_finite() {
                return Err(bad(n, format!("`{name}` = `{text}` is not finite")));
            }
            Ok(v)
        };
        let t = number(time, "time_ps")?;
        if t < 0.0 {
            return Err(bad(n, format!("time_ps = {t} is negative")));
        }
        if let Some(&last) = m.time_ps.last() {
            if t <= last {
                return Err(bad(
                    n,
                    format!("times must increase: {t} ps follows {last} ps"),
                ));
            }
        }
        m.time_ps.push(t);
        m.value.push(number(value, value_name)?);
        if let (Some(i), Some(errors)) = (error, m.error.as_mut()) {
            let e = number(i, error_name)?;
            if e <= 0.0 {
                return Err(bad(
                    n,
                    format!("`{error_name}` = {e}: standard errors must be positive"),
                ));
            }
            errors.push(e);
        }
    }
    if m.time_ps.len() < 2 {
        return Err(bad(
            0,
            format!("{} data rows: a fit needs at least 2", m.time_ps.len()),
        ));
    }
    Ok(m)
}

/// `curve` (one value per frame of `dt_ps`) at `t_ps`, linearly interpolated between frame
/// starts; `None` beyond the last frame or where a neighbouring frame has no value.
pub fn interpolate(curve: &[Option<f64>], dt_ps: f64, t_ps: f64) -> Option<f64> {
    let x = t_ps / dt_ps;
    let k = x.floor() as usize;
    let a = (*curve.get(k)?)?;
    let frac = x - k as f64;
    if frac == 0.0 {
        return Some(a);
    }
    let b = (*curve.get(k + 1)?)?;
    Some(a + frac * (b - a))
}
