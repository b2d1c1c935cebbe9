//! Measured curves ([`read_measured`]) and instrument responses ([`read_irf`]): text
//! tables, one header line and then one row per time. Empty lines and lines starting
//! with `#` (where the data came from) are skipped wherever they are.
//!
//! - **Encoding**: UTF-8 with or without a byte order mark (Excel's "CSV UTF-8"), or
//!   UTF-16 with one (Excel's "Unicode text"). Bytes that are not UTF-8 (a Windows
//!   export's `µ` or `°`) are tolerated in comments and in columns that are not read.
//! - **Separator**, from the header line: tab if it has one, else `;`, else `,`, else
//!   runs of spaces (whitespace-separated). Fields are trimmed and may be in double
//!   quotes (`"time_ps"`).
//! - **Decimal comma**: with `;`, tab or whitespace between fields, `14,477` is 14.477;
//!   thousands separators (`1.234,5`, `1,234,567`) are refused. With `,` between fields
//!   a decimal comma cannot be told apart: a row with more fields than the header is
//!   refused, saying to write the file with `;` (or tab) between fields.
//! - **Every row** has as many fields as the header (one trailing separator is tolerated).
//! - **Columns**, by name (case-insensitive, in any order; other columns such as `notes`
//!   or `temperature` are ignored):
//!   - time: `time_ps`, or `time_ns` (converted to ps);
//!   - observables `msd` and `apparent_msd`: `msd_nm2`, or `msd_um2` (converted to
//!     nm^2), and optionally the standard error `msd_stderr_nm2` or `msd_stderr_um2`
//!     (each in its own unit);
//!   - observable `intensity`: `intensity` or its synonym `counts` (read as given),
//!     optionally the standard error `intensity_stderr` or `counts_stderr`;
//!   - an IRF: `counts`, `irf` or `intensity` (weights: clipped at 0, summing to 1).
//!
//!   A column whose name starts with `time` (for MSD also `msd`) but is none of these
//!   (`time_s`, `time`, `msd_m2`) is refused with the accepted names, and so are two
//!   columns for one role (`time_ps` and `time_ns`).
//! - **Values**: finite numbers; times not negative and increasing; standard errors
//!   positive; at least 2 rows.
//!
//! A refusal says `FILE: line N: reason` (no line where none applies), with what it
//! quotes from the file escaped (`\t`, `\u{feff}`) so that nothing invisible hides in it.

use super::csv::{read_table, shown, Table};
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

// Irf, IRF and read_irf are not called outside this module yet: drop their `allow(dead_code)`
// once fit/mod.rs re-exports them.
#[allow(dead_code)]
/// A measured instrument response (TCSPC): weights at increasing times, summing to 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Irf {
    pub time_ps: Vec<f64>,
    pub weight: Vec<f64>,
}

/// A role a column plays: the names it may have (lowercase), each with its factor to
/// the internal unit (ps, nm^2).
struct Column {
    what: &'static str,
    names: &'static [(&'static str, f64)],
    /// A name starting with this that is not one of `names` is refused (`time_s`).
    family: Option<&'static str>,
    /// Values must be positive (standard errors).
    positive: bool,
}

const TIME: Column = Column {
    what: "time",
    names: &[("time_ps", 1.0), ("time_ns", 1e3)],
    family: Some("time"),
    positive: false,
};
const MSD: Column = Column {
    what: "MSD",
    names: &[("msd_nm2", 1.0), ("msd_um2", 1e6)],
    family: Some("msd"),
    positive: false,
};
const MSD_ERROR: Column = Column {
    what: "MSD standard error",
    names: &[("msd_stderr_nm2", 1.0), ("msd_stderr_um2", 1e6)],
    family: Some("msd"),
    positive: true,
};
const INTENSITY: Column = Column {
    what: "intensity",
    names: &[("intensity", 1.0), ("counts", 1.0)],
    family: None,
    positive: false,
};
const INTENSITY_ERROR: Column = Column {
    what: "intensity standard error",
    names: &[("intensity_stderr", 1.0), ("counts_stderr", 1.0)],
    family: None,
    positive: true,
};
#[allow(dead_code)]
const IRF: Column = Column {
    what: "IRF",
    names: &[("counts", 1.0), ("irf", 1.0), ("intensity", 1.0)],
    family: None,
    positive: false,
};

fn listed(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A column as found: its index in the header, its name and factor to the internal unit.
type Found = (usize, &'static str, f64);

/// Where `col` is in the header; `None` when absent, refused when two columns qualify.
fn locate(t: &Table, col: &Column) -> Result<Option<Found>, FitError> {
    let mut found = t.names.iter().enumerate().filter_map(|(i, n)| {
        let &(name, factor) = col.names.iter().find(|(a, _)| a == n)?;
        Some((i, name, factor))
    });
    let first = found.next();
    if let (Some((_, a, _)), Some((_, b, _))) = (first, found.next()) {
        let header = shown(&t.header);
        let why = format!(
            "two {} columns, `{a}` and `{b}` (the header is `{header}`): keep one",
            col.what
        );
        return Err(t.bad(t.header_line, why));
    }
    Ok(first)
}

/// The time (ps) and, for each of `wanted`, its values in the internal unit (`None`
/// where the optional column is absent).
struct Curve {
    time_ps: Vec<f64>,
    columns: Vec<Option<(&'static str, Vec<f64>)>>,
}

/// Reads `file`'s time column and `wanted` (role, required), refusing what
/// [the module](self) says; `purpose` ("for observable Msd") completes a missing column's message.
fn read_curve(file: &Path, wanted: &[(&Column, bool)], purpose: &str) -> Result<Curve, FitError> {
    let t = read_table(file)?;
    let roles: Vec<&Column> = std::iter::once(&TIME)
        .chain(wanted.iter().map(|w| w.0))
        .collect();
    for name in &t.names {
        for family in roles.iter().filter_map(|r| r.family) {
            let accepted: Vec<&str> = roles
                .iter()
                .filter(|r| r.family == Some(family))
                .flat_map(|r| r.names.iter().map(|n| n.0))
                .collect();
            if name.starts_with(family) && !accepted.contains(&name.as_str()) {
                let why = format!(
                    "column `{}` is not one this reader knows (an unknown unit?): \
                     the {family} columns it reads are {}",
                    shown(name),
                    listed(&accepted)
                );
                return Err(t.bad(t.header_line, why));
            }
        }
    }
    let missing = |col: &Column| {
        let others: Vec<String> = col.names[1..]
            .iter()
            .map(|n| format!("`{}`", n.0))
            .collect();
        let why = format!(
            "no `{}` column{purpose} (nor {}): the header is `{}`",
            col.names[0].0,
            others.join(" or "),
            shown(&t.header)
        );
        t.bad(t.header_line, why)
    };
    let time = locate(&t, &TIME)?.ok_or_else(|| missing(&TIME))?;
    let mut found = Vec::new();
    for &(col, required) in wanted {
        match locate(&t, col)? {
            None if required => return Err(missing(col)),
            f => found.push(f),
        }
    }
    let mut c = Curve {
        time_ps: Vec::new(),
        columns: found
            .iter()
            .map(|f| f.map(|(_, name, _)| (name, Vec::new())))
            .collect(),
    };
    let mut last: Option<(f64, String)> = None;
    for row in t.rows() {
        let (n, fields) = row?;
        let (i, name, factor) = time;
        let raw = t.number(n, name, &fields[i])?;
        if raw < 0.0 {
            return Err(t.bad(n, format!("`{name}` = {raw} is negative")));
        }
        if let Some((_, text)) = last.as_ref().filter(|l| raw <= l.0) {
            let why = format!(
                "times must increase: `{name}` = `{}` follows `{}`",
                shown(&fields[i]),
                shown(text)
            );
            return Err(t.bad(n, why));
        }
        last = Some((raw, fields[i].clone()));
        c.time_ps.push(raw * factor);
        for ((f, column), role) in found.iter().zip(&mut c.columns).zip(wanted) {
            if let (Some((i, name, factor)), Some((_, values))) = (f, column) {
                let v = t.number(n, name, &fields[*i])?;
                if role.0.positive && v <= 0.0 {
                    let why = format!("`{name}` = {v}: standard errors must be positive");
                    return Err(t.bad(n, why));
                }
                values.push(v * factor);
            }
        }
    }
    if c.time_ps.len() < 2 {
        let rows = c.time_ps.len();
        let s = if rows == 1 { "" } else { "s" };
        let why = format!("{rows} data row{s}: at least 2 are needed");
        return Err(t.bad(0, why));
    }
    Ok(c)
}

/// Reads a measured curve, refusing what a fit cannot use with the file, line and reason.
pub fn read_measured(file: &Path, observable: Observable) -> Result<Measured, FitError> {
    let (value, error) = match observable {
        Observable::Msd | Observable::ApparentMsd => (&MSD, &MSD_ERROR),
        Observable::Intensity => (&INTENSITY, &INTENSITY_ERROR),
    };
    let purpose = format!(" for observable {observable:?}");
    let mut c = read_curve(file, &[(value, true), (error, false)], &purpose)?;
    let error = c.columns.pop().flatten();
    let value = c.columns.pop().flatten().map(|v| v.1).unwrap_or_default();
    Ok(Measured {
        time_ps: c.time_ps,
        value,
        error: error.map(|e| e.1),
    })
}

/// Reads a measured instrument response: its values clipped at 0 (a background-subtracted
/// IRF dips below it) and normalised to sum 1.
#[allow(dead_code)]
pub fn read_irf(file: &Path) -> Result<Irf, FitError> {
    let mut c = read_curve(file, &[(&IRF, true)], "")?;
    let (name, mut weight) = c.columns.pop().flatten().unwrap_or_default();
    weight.iter_mut().for_each(|w| *w = w.max(0.0));
    let sum: f64 = weight.iter().sum();
    if sum <= 0.0 || sum.is_infinite() {
        let why = format!(
            "the `{name}` values sum to {sum} (negatives counted as 0): \
             an IRF needs a positive sum"
        );
        return Err(super::csv::bad(file, 0, why));
    }
    weight.iter_mut().for_each(|w| *w /= sum);
    Ok(Irf {
        time_ps: c.time_ps,
        weight,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `bytes` in a file of its own in the temp dir, named after `name`.
    fn write(name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        static N: AtomicUsize = AtomicUsize::new(0);
        let k = N.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let path = std::env::temp_dir().join(format!("exciton-fit-data-{pid}-{k}-{name}"));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Why `text` is refused as `observable`, or a panic saying what was read instead.
    fn refusal(text: &str, observable: Observable) -> String {
        match read_measured(&write("refused.csv", text), observable) {
            Ok(m) => panic!("read {m:?} from {text:?}; expected a refusal"),
            Err(e) => e.to_string(),
        }
    }

    fn says(message: &str, parts: &[&str]) {
        for part in parts {
            assert!(message.contains(part), "`{message}` does not say `{part}`");
        }
    }

    /// Equal within 1e-12 relative (unit conversions round).
    fn close(a: &[f64], b: &[f64], what: &str) {
        let near = |(x, y): (&f64, &f64)| (x - y).abs() <= 1e-12 * x.abs().max(y.abs());
        let same = a.len() == b.len() && a.iter().zip(b).all(near);
        assert!(same, "{what}: {a:?} vs {b:?}");
    }

    fn msd() -> Measured {
        Measured {
            time_ps: vec![100.0, 250.0, 1000.0],
            value: vec![14.477, 20.5, 31.25],
            error: Some(vec![0.5, 0.25, 1.5]),
        }
    }

    #[test]
    fn the_same_curve_in_every_layout_reads_the_same() {
        let plain =
            "time_ps,msd_nm2,msd_stderr_nm2\n100,14.477,0.5\n250,20.5,0.25\n1000,31.25,1.5\n";
        let utf16 = "time_ps\tmsd_nm2\tmsd_stderr_nm2\r\n\
                     100\t14,477\t0,5\r\n250\t20,5\t0,25\r\n1000\t31,25\t1,5\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes);
        let same: Vec<(&str, Vec<u8>)> = vec![
            ("plain", plain.into()),
            (
                "semicolons, decimal commas",
                b"# from Excel\ntime_ps;msd_nm2;msd_stderr_nm2\n\
                  100;14,477;0,5\n250;20,5;0,25\n\n1000;31,25;1,5\n"
                    .to_vec(),
            ),
            (
                "tabs",
                b"time_ps\tmsd_nm2\tmsd_stderr_nm2\n\
                  100\t14.477\t0.5\n250\t20,5\t0.25\n1000\t31.25\t1.5\n"
                    .to_vec(),
            ),
            (
                "whitespace",
                b"  time_ps   msd_nm2  msd_stderr_nm2\n  100  14.477   0.5\n\
                  250  20,5  0.25\n\x20 1000 31.25 1.5  \n"
                    .to_vec(),
            ),
            (
                "BOM, CRLF, quotes, case",
                b"\xef\xbb\xbf\"Time_ps\",\"MSD_nm2\",msd_stderr_nm2\r\n\
                  100,\"14.477\",0.5\r\n250,20.5,0.25\r\n1000,31.25,1.5\r\n"
                    .to_vec(),
            ),
            (
                "trailing separator, other columns",
                b"notes;time_ps;temperature;msd_nm2;msd_stderr_nm2;\n\
                  x;100;9;14,477;0,5;\n;250;9;20,5;0,25;\ny z;1000;9;31,25;1,5;\n"
                    .to_vec(),
            ),
            (
                "UTF-16 with BOM",
                [vec![0xff, 0xfe], utf16.collect()].concat(),
            ),
        ];
        for (layout, bytes) in same {
            let m = read_measured(&write("same.csv", bytes), Observable::Msd);
            assert_eq!(m.ok(), Some(msd()), "{layout}");
        }
        let scaled = "time_ns,msd_um2,msd_stderr_um2\n\
                      0.1,1.4477e-5,5e-7\n0.25,2.05e-5,2.5e-7\n1,3.125e-5,1.5e-6\n";
        let m = read_measured(&write("scaled.csv", scaled), Observable::Msd).unwrap();
        let want = msd();
        close(&m.time_ps, &want.time_ps, "time_ns -> ps");
        close(&m.value, &want.value, "msd_um2 -> nm2");
        close(
            &m.error.unwrap(),
            &want.error.unwrap(),
            "msd_stderr_um2 -> nm2",
        );
        let counts = plain
            .replace("msd_stderr_nm2", "counts_stderr")
            .replace("msd_nm2", "counts");
        let intensity = plain
            .replace("msd_nm2", "intensity")
            .replace("msd_stderr_nm2", "intensity_stderr");
        for text in [counts, intensity] {
            let m = read_measured(&write("pl.csv", &text), Observable::Intensity);
            assert_eq!(m.ok(), Some(msd()), "{text}");
        }
        let no_error = "time_ps,msd_nm2,intensity\n100,14.477,1\n250,20.5,0.5\n1000,31.25,0.1\n";
        let m = read_measured(&write("no-error.csv", no_error), Observable::ApparentMsd);
        let want = Measured {
            error: None,
            ..msd()
        };
        assert_eq!(m.ok(), Some(want), "{no_error}");
    }

    #[test]
    fn decimal_commas_between_comma_separators_are_refused_with_the_fix() {
        let e = refusal("time_ps,msd_nm2\n100,0,14,477\n", Observable::Msd);
        says(
            &e,
            &[
                "refused.csv: line 2:",
                "4 fields and the header 2",
                "`100,0,14,477`",
                "decimal commas",
                "`;`",
            ],
        );
        let e = refusal("time_ps,msd_nm2\n100,\"14,477\"\n200,15\n", Observable::Msd);
        says(
            &e,
            &["line 2:", "`msd_nm2` = `14,477` is not a number", "`;`"],
        );
        let e = refusal("time_ps;msd_nm2\n100;1.234,5\n200;15\n", Observable::Msd);
        says(&e, &["line 2:", "`1.234,5`", "thousands separators"]);
    }

    #[test]
    fn rows_with_more_or_fewer_fields_than_the_header_are_refused() {
        let e = refusal("time_ps;msd_nm2\n100;14,4;7\n", Observable::Msd);
        says(
            &e,
            &["line 2:", "3 fields and the header 2", "`100;14,4;7`"],
        );
        assert!(!e.contains("decimal commas"), "{e}");
        let e = refusal(
            "# c\ntime_ps,msd_nm2,msd_stderr_nm2\n100,14.4,0.5\n250,20\n",
            Observable::Msd,
        );
        says(&e, &["line 4:", "2 fields and the header 3", "`250,20`"]);
        let e = refusal("time_ps\tmsd_nm2\n100\t14.4\t3\t4\n", Observable::Msd);
        says(
            &e,
            &["line 2:", "4 fields and the header 2", r"`100\t14.4\t3\t4`"],
        );
        assert!(!e.contains('\t'), "a tab in {e:?}");
    }

    #[test]
    fn unknown_units_two_candidates_and_missing_columns_are_refused() {
        let time = "the time columns it reads are `time_ps`, `time_ns`";
        let msds = "`msd_nm2`, `msd_um2`, `msd_stderr_nm2`, `msd_stderr_um2`";
        for (header, column, accepted) in [
            ("time_s,msd_nm2", "`time_s`", time),
            ("Time,msd_nm2", "`time`", time),
            ("time_ps,msd_m2", "`msd_m2`", msds),
            ("time_ps;msd", "`msd`", msds),
        ] {
            let e = refusal(&format!("{header}\n1,2\n3,4\n"), Observable::Msd);
            says(&e, &["line 1:", column, accepted]);
        }
        let e = refusal("time_ps,time_ns,msd_nm2\n1,2,3\n", Observable::Msd);
        says(
            &e,
            &["line 1:", "two time columns, `time_ps` and `time_ns`"],
        );
        let e = refusal("time_ps,intensity,counts\n1,2,3\n", Observable::Intensity);
        says(&e, &["two intensity columns"]);
        let e = refusal(
            "\u{feff}time_ps,intensity\n100,1\n200,0.5\n",
            Observable::Msd,
        );
        says(
            &e,
            &[
                "line 1:",
                "no `msd_nm2` column for observable Msd (nor `msd_um2`)",
                "`time_ps,intensity`",
            ],
        );
        assert!(!e.contains('\u{feff}'), "a BOM in {e:?}");
        let e = refusal("time_ps,\u{200b}msd_nm2\n100,1\n200,0.5\n", Observable::Msd);
        says(&e, &[r"`time_ps,\u{200b}msd_nm2`"]);
        assert!(!e.contains('\u{200b}'), "a zero-width space in {e:?}");
        says(
            &refusal("msd_nm2\n1\n2\n", Observable::Msd),
            &["no `time_ps` column for observable Msd (nor `time_ns`)"],
        );
        says(&refusal("# only\n\n", Observable::Msd), &["no header"]);
        let latin1 =
            b"# 9 \xb5m\ntime_ps;msd_nm2;T (\xb0C)\n100;14,477;4\n250;20,5;4\n1000;31,25;4\n";
        let m = read_measured(&write("latin1.csv", latin1), Observable::Msd);
        let want = Measured {
            error: None,
            ..msd()
        };
        assert_eq!(
            m.ok(),
            Some(want),
            "Latin-1 in a comment and an ignored column"
        );
        let e = refusal("time_ps;msd_nm2\n100;1\u{fffd}5\n", Observable::Msd);
        says(&e, &["line 2:", "`msd_nm2` = `1\u{fffd}5` is not a number"]);
    }

    #[test]
    fn values_a_fit_cannot_use_are_refused_with_their_line() {
        let head = "time_ps,msd_nm2,msd_stderr_nm2\n100,1,0.5\n";
        for (row, says_) in [
            ("200,abc,0.5", "`msd_nm2` = `abc` is not a number"),
            ("200,,0.5", "`msd_nm2` is empty"),
            ("200,inf,0.5", "`msd_nm2` = `inf` is not finite"),
            (
                "100,2,0.5",
                "times must increase: `time_ps` = `100` follows `100`",
            ),
            (
                "200,2,0",
                "`msd_stderr_nm2` = 0: standard errors must be positive",
            ),
        ] {
            let e = refusal(&format!("{head}{row}\n"), Observable::Msd);
            says(&e, &["line 3:", says_]);
        }
        let e = refusal("time_ps,msd_nm2\n-1,1\n", Observable::Msd);
        says(&e, &["line 2:", "`time_ps` = -1 is negative"]);
        let e = refusal("time_ps,msd_nm2\n1,1\n", Observable::Msd);
        says(&e, &["refused.csv: 1 data row: at least 2"]);
    }

    #[test]
    fn an_irf_is_clipped_at_zero_and_normalised() {
        let text =
            "# IRF, background subtracted\ntime_ns\tcounts\tnotes\n0\t-2\ta\n0,1\t3\t\n0,2\t1\tb\n";
        let irf = read_irf(&write("irf.txt", text)).unwrap();
        let want = Irf {
            time_ps: vec![0.0, 100.0, 200.0],
            weight: vec![0.0, 0.75, 0.25],
        };
        assert_eq!(irf, want, "{text}");
        let irf = |text: &str| match read_irf(&write("irf.csv", text)) {
            Ok(irf) => panic!("read {irf:?} from {text:?}; expected a refusal"),
            Err(e) => e.to_string(),
        };
        says(
            &irf("time_ps,irf\n0,-1\n10,0\n"),
            &["irf.csv: the `irf` values sum to 0", "positive"],
        );
        says(
            &irf("time_ps,irf\n0,1\n0,2\n"),
            &["line 3:", "times must increase"],
        );
        says(&irf("time_ps,irf\n0,1\n"), &["1 data row:"]);
        says(
            &irf("time_ps,msd_nm2\n0,1\n1,2\n"),
            &["line 1:", "no `counts` column (nor `irf` or `intensity`)"],
        );
        says(
            &irf("time_ps,counts,irf\n0,1,1\n1,2,2\n"),
            &["two IRF columns, `counts` and `irf`"],
        );
        says(
            &irf("time_s,irf\n0,1\n1,2\n"),
            &["`time_s`", "`time_ps`, `time_ns`"],
        );
        says(
            &irf("time_ps,irf\n0,1\n1,2,3\n"),
            &["line 3:", "3 fields and the header 2", "`;`"],
        );
    }
}
