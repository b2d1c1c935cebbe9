//! What every part of validation shares: errors naming the file, and the checks of
//! numbers, counts and state parameters.

use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::counts::{self, CountRule};
use crate::temperature::Param;
use serde::Deserialize;
use serde_json::{Number, Value};
use std::path::Path;

/// The file being validated; named in every error.
#[derive(Clone, Copy)]
pub(super) struct Check<'a> {
    pub(super) file: &'a Path,
}

impl Check<'_> {
    pub(super) fn fail(self, kind: Kind, path: &str, reason: impl Into<String>) -> ScenarioError {
        ScenarioError::of(kind, self.file, path, reason)
    }

    /// A finite number, 0 or more.
    pub(super) fn number(self, path: &str, v: f64) -> Result<f64, ScenarioError> {
        if !v.is_finite() {
            return Err(self.fail(Kind::NotFinite, path, format!("{v} is not a finite number")));
        }
        if v < 0.0 {
            return Err(self.fail(Kind::Negative, path, format!("{v} is negative")));
        }
        Ok(v)
    }

    /// A finite number of either sign.
    pub(super) fn finite(self, path: &str, v: f64) -> Result<f64, ScenarioError> {
        if !v.is_finite() {
            return Err(self.fail(Kind::NotFinite, path, format!("{v} is not a finite number")));
        }
        Ok(v)
    }

    /// A finite number above 0.
    pub(super) fn positive(self, path: &str, v: f64) -> Result<f64, ScenarioError> {
        self.number(path, v)?;
        if v == 0.0 {
            return Err(self.fail(Kind::OutOfRange, path, "must be greater than 0"));
        }
        Ok(v)
    }

    /// A count or seed, every digit kept ([`counts`]); `1e6` is a count too.
    pub(super) fn count(self, path: &str, n: &Number) -> Result<u64, ScenarioError> {
        counts::count_from_json(n, CountRule::ANY).map_err(|reason| {
            let v = n.as_f64().unwrap_or(f64::NAN);
            // The same order of questions as `count_from_json`, asked for the kind.
            let kind = if v < 0.0 {
                Kind::Negative
            } else if !v.is_finite() {
                Kind::NotFinite
            } else if v.fract() != 0.0 {
                Kind::NotWhole
            } else if v >= 18_446_744_073_709_551_616.0 {
                Kind::OutOfRange
            } else {
                Kind::Imprecise
            };
            self.fail(kind, path, reason)
        })
    }

    /// A count that must be 1 or more.
    pub(super) fn count_at_least_one(self, path: &str, n: &Number) -> Result<u64, ScenarioError> {
        match self.count(path, n)? {
            0 => Err(self.fail(Kind::OutOfRange, path, "must be at least 1")),
            v => Ok(v),
        }
    }

    /// A state parameter: a number, or a temperature model (an object).
    pub(super) fn param(self, path: &str, v: &Value) -> Result<Param, ScenarioError> {
        Param::deserialize(v).map_err(|e| {
            let kind = if v.is_object() {
                Kind::BadModel
            } else {
                Kind::WrongType
            };
            self.fail(kind, path, e.to_string())
        })
    }
}

/// A number for people: 12 significant digits, float noise (0.40499999999999997) dropped.
pub(super) fn short(v: f64) -> String {
    let s = format!("{v:.12e}");
    s.parse::<f64>().map_or(s, |v| v.to_string())
}
