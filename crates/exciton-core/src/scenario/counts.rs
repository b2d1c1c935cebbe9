//! Counts and seeds, read exactly: `1000000`, `1e6` and `2.5e5` are whole numbers, and a
//! seed of 2^64 - 1 stays that seed. One set of rules for scenario files and flags.
//!
//! Text is read as a decimal mantissa and exponent in integers, never through `f64`, so
//! no digit is lost. JSON numbers arrive from serde_json: integers as `u64` (exact),
//! other forms as `f64`, which holds every whole number up to 2^53 exactly; above that
//! a float form would already have lost digits, so it is refused with the fix.

/// The smallest value a count may take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountRule {
    /// The smallest value allowed.
    pub min: u64,
}

impl CountRule {
    /// Seeds: 0 and up.
    pub const ANY: CountRule = CountRule { min: 0 };
    /// Walkers, frames, threads: 1 and up.
    pub const AT_LEAST_ONE: CountRule = CountRule { min: 1 };

    fn check(self, v: u64, shown: &str) -> Result<u64, String> {
        if v < self.min {
            return Err(format!("`{shown}` is below {}", self.min));
        }
        Ok(v)
    }
}

/// Largest whole number every `f64` holds exactly.
const F64_EXACT: f64 = 9_007_199_254_740_992.0;

/// Reads `s` (`123`, `1e6`, `2.5E5`, `+7`) as a whole number under `rule`.
pub fn parse_count_text(s: &str, rule: CountRule) -> Result<u64, String> {
    let t = s.trim();
    let unsigned = t.strip_prefix('+').unwrap_or(t);
    if unsigned.starts_with('-') {
        return Err(format!(
            "`{s}` is negative: expected a whole number >= {}",
            rule.min
        ));
    }
    let not_number = || format!("`{s}` is not a number");
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => {
            let e: i64 = unsigned[i + 1..].parse().map_err(|_| not_number())?;
            (&unsigned[..i], e)
        }
        None => (unsigned, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
    {
        return Err(not_number());
    }
    // value = digits x 10^(exponent - fraction digits), in integers.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let mut scale = exponent - frac_part.len() as i64;
    let mut digits = digits.to_string();
    while scale < 0 && digits.ends_with('0') {
        digits.pop();
        scale += 1;
    }
    if digits.is_empty() {
        return rule.check(0, s);
    }
    if scale < 0 {
        return Err(format!("`{s}` is not a whole number"));
    }
    let too_large = || format!("`{s}` is too large: at most {} (2^64 - 1)", u64::MAX);
    if digits.len() as i64 + scale > 20 {
        return Err(too_large());
    }
    let mut v: u128 = digits.parse().map_err(|_| not_number())?;
    for _ in 0..scale {
        v *= 10;
    }
    let v = u64::try_from(v).map_err(|_| too_large())?;
    rule.check(v, s)
}

/// Reads a JSON number as a whole number under `rule` (see the module's note on floats).
pub(crate) fn count_from_json(n: &serde_json::Number, rule: CountRule) -> Result<u64, String> {
    if let Some(v) = n.as_u64() {
        return rule.check(v, &n.to_string());
    }
    if n.as_i64().is_some() {
        return Err(format!(
            "{n} is negative: expected a whole number >= {}",
            rule.min
        ));
    }
    let v = n.as_f64().unwrap_or(f64::NAN);
    if !v.is_finite() {
        return Err(format!("{n} is not a number"));
    }
    if v < 0.0 {
        return Err(format!(
            "{n} is negative: expected a whole number >= {}",
            rule.min
        ));
    }
    if v.fract() != 0.0 {
        return Err(format!("{n} is not a whole number"));
    }
    if v >= 18_446_744_073_709_551_616.0 {
        return Err(format!("{n} is too large: at most {} (2^64 - 1)", u64::MAX));
    }
    if v > F64_EXACT {
        return Err(format!(
            "{n} is above 2^53 in floating-point form, which cannot hold every digit: write it as a plain integer"
        ));
    }
    rule.check(v as u64, &n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_counts_are_exact() {
        let any = CountRule::ANY;
        assert_eq!(parse_count_text("1e6", any), Ok(1_000_000));
        assert_eq!(parse_count_text("2.5E5", any), Ok(250_000));
        assert_eq!(parse_count_text("1e3", any), Ok(1000));
        assert_eq!(parse_count_text("0", any), Ok(0));
        assert_eq!(parse_count_text("18446744073709551615", any), Ok(u64::MAX));
        assert_eq!(
            parse_count_text("9007199254740993", any),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(
            parse_count_text("1.8446744073709551615e19", any),
            Ok(u64::MAX)
        );
        assert_eq!(parse_count_text("120e-1", any), Ok(12));
        assert!(parse_count_text("1.5", any)
            .unwrap_err()
            .contains("not a whole number"));
        assert!(parse_count_text("-3", any)
            .unwrap_err()
            .contains("negative"));
        assert!(parse_count_text("1e30", any)
            .unwrap_err()
            .contains("too large"));
        assert!(parse_count_text("18446744073709551616", any)
            .unwrap_err()
            .contains("too large"));
        assert!(parse_count_text("abc", any)
            .unwrap_err()
            .contains("not a number"));
        assert!(parse_count_text("1e", any)
            .unwrap_err()
            .contains("not a number"));
        assert!(parse_count_text("0", CountRule::AT_LEAST_ONE)
            .unwrap_err()
            .contains("below 1"));
    }

    #[test]
    fn json_counts_keep_every_digit_or_refuse() {
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).unwrap();
        let any = CountRule::ANY;
        assert_eq!(
            count_from_json(&n("9007199254740993"), any),
            Ok(9_007_199_254_740_993)
        );
        assert_eq!(
            count_from_json(&n("18446744073709551615"), any),
            Ok(u64::MAX)
        );
        assert_eq!(count_from_json(&n("1e6"), any), Ok(1_000_000));
        assert!(count_from_json(&n("1e17"), any)
            .unwrap_err()
            .contains("plain integer"));
        assert!(count_from_json(&n("1e30"), any)
            .unwrap_err()
            .contains("too large"));
        assert!(count_from_json(&n("-1"), any)
            .unwrap_err()
            .contains("negative"));
        assert!(count_from_json(&n("0.5"), any)
            .unwrap_err()
            .contains("whole"));
    }
}
