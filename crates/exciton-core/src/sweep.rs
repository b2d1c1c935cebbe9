//! Sweeps: a scenario with `"sweep"` becomes many points, each a full scenario.
//!
//! ```json
//! "sweep": { "mode": "product",
//!            "parameters": { "temperature_K": [9, 20, 40], "sample": ["5nm_SL", "8nm_SL"] } }
//! ```
//! Any field can be swept by its dotted JSON path (`states.bright.to.trapped`); `zip`
//! walks the lists side by side, `product` takes every combination (first path slowest).
//! Each point is the scenario with those values set, validated like a file of its own,
//! and runs with its own random streams (its index is part of every walker's key).

use crate::error::ScenarioError;
use crate::scenario::Scenario;
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Most points one sweep may have.
pub(crate) const MAX_POINTS: usize = 100_000;

/// How a sweep's lists of values combine into points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepMode {
    /// Every combination of the lists, first path slowest.
    Product,
    /// The lists side by side (equal lengths): point i takes value i of each.
    Zip,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SweepSpec {
    mode: SweepMode,
    parameters: IndexMap<String, Vec<Value>>,
}

/// One point of a run: its swept values and its validated scenario.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// Position in the sweep; part of every walker's random stream key.
    pub index: u64,
    /// Swept JSON path -> value (empty for a scenario without sweep).
    pub parameters: IndexMap<String, Value>,
    /// The point's scenario, validated with its swept values set.
    pub scenario: Scenario,
    /// FNV-1a state after the point's scenario JSON (sweep values set), for its hash:
    /// the JSON itself, kept for 10^5 points, was most of a large sweep's memory.
    pub source_fnv: u64,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a 64 from `state`: stable across platforms and versions, unlike std's hasher.
fn fnv(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The FNV state after a scenario's compact JSON text.
fn source_fnv(v: &Value) -> u64 {
    fnv(FNV_OFFSET, v.to_string().as_bytes())
}

/// Every point of a scenario file.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario's `name` (its first point's, in a sweep).
    pub name: String,
    /// The scenario file, named in errors.
    pub file: PathBuf,
    /// How the sweep combines its lists (`None` without a sweep).
    pub mode: Option<SweepMode>,
    /// Every point, in sweep order (one without a sweep).
    pub points: Vec<SweepPoint>,
    /// The scenario as the user wrote it.
    pub source: Value,
    /// Figures the scenario asks for.
    pub figures: Vec<String>,
}

impl Plan {
    /// Reads a scenario file and validates every point of its sweep.
    pub fn load(path: &Path) -> Result<Plan, ScenarioError> {
        let value = crate::scenario::read_json(path)?;
        Plan::from_value(&value, path)
    }

    /// Every point of a scenario given as JSON, each validated; `file` is named in errors.
    pub fn from_value(value: &Value, file: &Path) -> Result<Plan, ScenarioError> {
        let err = |path: &str, reason: String| ScenarioError::new(file, path, reason);
        let mut base = value.clone();
        let sweep = base.as_object_mut().and_then(|o| o.shift_remove("sweep"));
        let Some(sweep) = sweep else {
            let scenario = Scenario::from_value(&base, file)?;
            return Ok(Plan {
                name: scenario.name.clone(),
                file: file.to_path_buf(),
                mode: None,
                points: vec![SweepPoint {
                    index: 0,
                    parameters: IndexMap::new(),
                    scenario,
                    source_fnv: source_fnv(&base),
                }],
                source: value.clone(),
                figures: figures(value),
            });
        };
        let spec: SweepSpec = serde_path_to_error::deserialize(&sweep).map_err(|e| {
            let inner = e.path().to_string();
            let path = if inner == "." {
                "sweep".to_string()
            } else {
                format!("sweep.{inner}")
            };
            err(&path, e.into_inner().to_string())
        })?;
        if spec.parameters.is_empty() {
            return Err(err(
                "sweep.parameters",
                "name at least one parameter to sweep".into(),
            ));
        }
        for (path, values) in &spec.parameters {
            if values.is_empty() {
                return Err(err(
                    &format!("sweep.parameters.{path}"),
                    "the list of values is empty".into(),
                ));
            }
            if path.is_empty() || path.split('.').any(str::is_empty) || path.starts_with("sweep") {
                return Err(err(
                    &format!("sweep.parameters.{path}"),
                    "not a dotted JSON path of the scenario".into(),
                ));
            }
        }
        let combos = combinations(&spec, file)?;
        let mut points = Vec::with_capacity(combos.len());
        for (index, combo) in combos.into_iter().enumerate() {
            let mut v = base.clone();
            for (path, value) in &combo {
                set_path(&mut v, path, value.clone())
                    .map_err(|reason| err(&format!("sweep.parameters.{path}"), reason))?;
            }
            let scenario = Scenario::from_value(&v, file).map_err(|e| {
                let values: Vec<String> = combo.iter().map(|(p, v)| format!("{p} = {v}")).collect();
                ScenarioError {
                    reason: format!("{} (sweep point {index}: {})", e.reason, values.join(", ")),
                    ..e
                }
            })?;
            points.push(SweepPoint {
                index: index as u64,
                parameters: combo,
                scenario,
                source_fnv: source_fnv(&v),
            });
        }
        Ok(Plan {
            name: points[0].scenario.name.clone(),
            file: file.to_path_buf(),
            mode: Some(spec.mode),
            points,
            source: value.clone(),
            figures: figures(value),
        })
    }

    /// Walkers of all points together.
    pub fn total_walkers(&self) -> u64 {
        self.points.iter().map(|p| p.scenario.walkers).sum()
    }
}

impl SweepPoint {
    /// Fingerprint of everything that decides this point's result: its scenario JSON,
    /// walkers and seed (command-line overrides included), its index, and whether it is
    /// Monte Carlo or exact (CPU and GPU Monte Carlo give identical results).
    pub fn hash(&self, exact: bool) -> String {
        let rest = format!(
            "|walkers={}|seed={}|index={}|exact={exact}",
            self.scenario.walkers, self.scenario.seed, self.index
        );
        format!("{:016x}", fnv(self.source_fnv, rest.as_bytes()))
    }
}

/// The `figures` list (already validated by [`Scenario::from_value`]).
fn figures(v: &Value) -> Vec<String> {
    v.get("figures")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn combinations(
    spec: &SweepSpec,
    file: &Path,
) -> Result<Vec<IndexMap<String, Value>>, ScenarioError> {
    let lists: Vec<(&String, &Vec<Value>)> = spec.parameters.iter().collect();
    match spec.mode {
        SweepMode::Zip => {
            let n = lists[0].1.len();
            if let Some((path, values)) = lists.iter().find(|(_, v)| v.len() != n) {
                return Err(ScenarioError::new(
                    file,
                    &format!("sweep.parameters.{path}"),
                    format!(
                        "zip needs lists of equal length: {} has {n} values, this one {}",
                        lists[0].0,
                        values.len()
                    ),
                ));
            }
            Ok((0..n)
                .map(|i| {
                    lists
                        .iter()
                        .map(|(p, v)| ((*p).clone(), v[i].clone()))
                        .collect()
                })
                .collect())
        }
        SweepMode::Product => {
            let total = lists
                .iter()
                .try_fold(1usize, |acc, (_, v)| acc.checked_mul(v.len()));
            match total {
                Some(t) if t <= MAX_POINTS => {}
                _ => {
                    return Err(ScenarioError::new(
                        file,
                        "sweep.parameters",
                        format!("the product has more than {MAX_POINTS} points"),
                    ))
                }
            }
            let mut out: Vec<IndexMap<String, Value>> = vec![IndexMap::new()];
            for (path, values) in lists {
                out = out
                    .into_iter()
                    .flat_map(|c| {
                        values.iter().map(move |v| {
                            let mut c = c.clone();
                            c.insert(path.clone(), v.clone());
                            c
                        })
                    })
                    .collect();
            }
            Ok(out)
        }
    }
}

/// Sets `value` at dotted `path`, creating missing objects on the way.
pub fn set_path(root: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let mut cur = root;
    for (i, part) in parts.iter().enumerate() {
        let Some(obj) = cur.as_object_mut() else {
            return Err(format!("`{}` is not an object", parts[..i].join(".")));
        };
        if i + 1 == parts.len() {
            obj.insert(part.to_string(), value);
            return Ok(());
        }
        cur = obj
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    unreachable!("a path has at least one part")
}
