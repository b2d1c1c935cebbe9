//! FIT.json as serde reads it, and the first checks of what it says: the scenario's
//! free numbers with their bounds, each dataset's label.

use super::{model, FitError, Free, Observable, Target};
use exciton_core::lsq::Bounds;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FitFile {
    pub(super) scenario: PathBuf,
    pub(super) datasets: Vec<DatasetFile>,
    pub(super) free: IndexMap<String, FreeFile>,
    #[serde(default)]
    pub(super) backend: Option<String>,
    /// Starting points: the given initial values, then spread over the bounds.
    #[serde(default = "one")]
    pub(super) starts: u32,
    /// Walkers of the Monte Carlo check at the best values: `"auto"` (sized to the
    /// data's errors), a number, or 0 (no check).
    #[serde(default = "auto")]
    pub(super) check_walkers: Value,
}

fn one() -> u32 {
    1
}

fn auto() -> Value {
    Value::from("auto")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DatasetFile {
    pub(super) file: PathBuf,
    pub(super) observable: Observable,
    #[serde(default)]
    pub(super) set: IndexMap<String, Value>,
    #[serde(default)]
    pub(super) label: Option<String>,
    // The instrument (`instrument.rs` reads them, each with its own errors).
    #[serde(default)]
    pub(super) scale: Option<Value>,
    #[serde(default)]
    pub(super) background: Option<Value>,
    #[serde(default)]
    pub(super) t0_ps: Option<Value>,
    #[serde(default)]
    pub(super) irf: Option<Value>,
    #[serde(default)]
    pub(super) offset_nm2: Option<Value>,
}

impl DatasetFile {
    /// The instrument's entries, as a JSON object.
    pub(super) fn instrument_entries(&self) -> serde_json::Map<String, Value> {
        [
            ("scale", &self.scale),
            ("background", &self.background),
            ("t0_ps", &self.t0_ps),
            ("irf", &self.irf),
            ("offset_nm2", &self.offset_nm2),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.clone()?)))
        .collect()
    }

    /// Its label, or the file's name and its `set`.
    pub(super) fn label(&self) -> String {
        self.label.clone().unwrap_or_else(|| {
            let set: Vec<String> = self.set.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            let name = self
                .file
                .file_stem()
                .map_or(String::new(), |s| s.to_string_lossy().into_owned());
            if set.is_empty() {
                name
            } else {
                format!("{name} ({})", set.join(", "))
            }
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FreeFile {
    pub(super) initial: f64,
    #[serde(default)]
    pub(super) min: Option<f64>,
    #[serde(default)]
    pub(super) max: Option<f64>,
}

pub(super) fn error(file: &Path, path: &str, reason: String) -> FitError {
    FitError::Spec {
        file: file.to_path_buf(),
        path: path.into(),
        reason,
    }
}

/// FIT.json's `text` (`file` in errors), with what must be there.
pub(super) fn read(text: &str, file: &Path) -> Result<FitFile, FitError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    let spec: FitFile = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        error(
            file,
            if path == "." { "" } else { &path },
            e.into_inner().to_string(),
        )
    })?;
    // Then the scenario's strict reader, for a key given twice inside a map (`free`,
    // a dataset's `set`), which serde would silently read as the last one.
    exciton_core::scenario::parse_json(text, file).map_err(|e| error(file, &e.path, e.reason))?;
    if let Some(b) = spec.backend.as_deref() {
        if b != "exact" {
            return Err(error(file, "backend", format!("`{b}`: fits run on the exact backend (its curves have no noise); the Monte Carlo checks the best values")));
        }
    }
    if spec.datasets.is_empty() {
        return Err(error(file, "datasets", "no datasets to fit".into()));
    }
    if spec.free.is_empty() {
        return Err(error(file, "free", "no free parameters".into()));
    }
    if spec.starts == 0 {
        return Err(error(file, "starts", "at least 1".into()));
    }
    Ok(spec)
}

/// The scenario's free numbers, with bounds that hold their initial values.
pub(super) fn scenario_free(
    spec: &FitFile,
    base: &Value,
    file: &Path,
) -> Result<Vec<Free>, FitError> {
    let mut free = Vec::new();
    for (path, f) in &spec.free {
        let at = format!("free.{path}");
        let bounds = Bounds {
            min: f.min.unwrap_or(f64::NEG_INFINITY),
            max: f.max.unwrap_or(f64::INFINITY),
        };
        // Negated so that a NaN bound is refused too.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        if !(bounds.min < bounds.max) {
            return Err(error(
                file,
                &at,
                format!("min {} is not below max {}", bounds.min, bounds.max),
            ));
        }
        if !(bounds.min..=bounds.max).contains(&f.initial) {
            return Err(error(
                file,
                &at,
                format!(
                    "initial {} is outside [{}, {}]",
                    f.initial, bounds.min, bounds.max
                ),
            ));
        }
        free.push(Free {
            path: path.clone(),
            initial: f.initial,
            bounds,
            unit: model::unit_of(path, base),
            target: Target::Scenario,
        });
    }
    Ok(free)
}
