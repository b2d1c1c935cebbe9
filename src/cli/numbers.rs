//! How the summaries print a number: a Monte Carlo value to the digits its error allows,
//! an exact one to the digits it has, never "+- 0".

/// Significant digits of a value without an error (exact, or no spread to estimate one).
const EXACT_DIGITS: i32 = 6;

/// The power of ten a number is printed with: 0 from 1e-3 to 1e6, else its own.
fn exponent(x: f64) -> i32 {
    let a = x.abs();
    if a == 0.0 || (1e-3..1e6).contains(&a) {
        0
    } else {
        a.log10().floor() as i32
    }
}

/// `v +- e` with the error to two significant digits and the value to the same decimal
/// place (`131.2 +- 1.5`, `(7.31 +- 0.21)e-5`); without an error, or with an error of 0
/// (an exact result), `v` to six significant digits; `-` without a value.
pub(crate) fn value(v: Option<f64>, e: Option<f64>) -> String {
    let Some(v) = v.filter(|v| v.is_finite()) else {
        return "-".into();
    };
    match e.filter(|e| e.is_finite() && *e > 0.0) {
        Some(e) => {
            // The exponent of the larger of value and error; scientific also where the
            // error's two digits lie left of the point (an error of 100 or more).
            let mut p = exponent(v.abs().max(e));
            if p == 0 && e >= 100.0 {
                p = v.abs().max(e).log10().floor() as i32;
            }
            let scale = 10f64.powi(p);
            let (vs, es) = (v / scale, e / scale);
            let d = (1 - es.log10().floor() as i32).max(0) as usize;
            let s = format!("{vs:.d$} +- {es:.d$}");
            if p == 0 {
                s
            } else {
                format!("({s})e{p}")
            }
        }
        None => {
            if v == 0.0 {
                return "0".into();
            }
            if exponent(v) != 0 {
                let d = (EXACT_DIGITS - 1) as usize;
                return format!("{v:.d$e}");
            }
            let d = (EXACT_DIGITS - 1 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
            format!("{v:.d$}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn digits_follow_the_error_and_exact_values_keep_theirs() {
        assert_eq!(value(Some(131.234), Some(1.53)), "131.2 +- 1.5");
        assert_eq!(value(Some(5.3012), Some(0.0213)), "5.301 +- 0.021");
        assert_eq!(value(Some(480.0), Some(23.0)), "480 +- 23");
        // D_avg in cm^2/s: not "0.00007".
        assert_eq!(value(Some(7.312e-5), Some(2.14e-6)), "(7.31 +- 0.21)e-5");
        assert_eq!(value(Some(0.00236), Some(0.00004)), "0.002360 +- 0.000040");
        // The larger of value and error sets the exponent; errors of 100 or more go
        // scientific; a zero value keeps its error's scale.
        assert_eq!(value(Some(3e-9), Some(2e-6)), "(0.0 +- 2.0)e-6");
        assert_eq!(value(Some(0.0), Some(2.1e-6)), "(0.0 +- 2.1)e-6");
        assert_eq!(value(Some(500123.0), Some(5012.0)), "(5.001 +- 0.050)e5");
        assert_eq!(value(Some(5432.0), Some(482.0)), "(5.43 +- 0.48)e3");
        assert_eq!(value(Some(15201.0), Some(14.0)), "15201 +- 14");
        assert_eq!(value(Some(-1.234), Some(0.011)), "-1.234 +- 0.011");
        // Exact: the digits it has, never "+- 0".
        assert_eq!(value(Some(131.23456789), None), "131.235");
        assert_eq!(value(Some(131.23456789), Some(0.0)), "131.235");
        assert_eq!(value(Some(7.312345e-5), None), "7.31235e-5");
        assert_eq!(value(Some(0.0), None), "0");
        assert_eq!(value(None, Some(1.0)), "-");
        assert_eq!(value(Some(f64::NAN), None), "-");
    }
}
