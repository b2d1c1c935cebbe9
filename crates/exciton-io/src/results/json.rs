//! results.json: the run's head and every point's scalars (the curves are in
//! curves.parquet). A scalar without a value (null) is left out of its point.
//!
//! A run of more than [`KEEP_CURVES_POINTS`] points is written point by point without
//! indentation, and what its points repeat is written once: the keys whose value every
//! point shares (walkers, seed, frames, dt, pitch, ...) in `points_common`, and the
//! texts of the points' warnings in `points_warnings`, each point listing its own as
//! indices into it (`warning_ids`): a 10^5-point sweep wrote its constants and a
//! warning's 70 characters at every point. [`parse_results`] puts both back, so a
//! reader gets the points as they were.

use super::files::{write_atomic, write_atomic_with, KEEP_CURVES_POINTS};
use super::{PointResult, RunResults};
use crate::error::Error;
use indexmap::IndexSet;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::path::Path;

/// The keys every point of a large run shares, with their values.
pub const POINTS_COMMON: &str = "points_common";
/// The distinct texts of a large run's warnings, in order of first appearance.
pub const POINTS_WARNINGS: &str = "points_warnings";
/// A point's warnings in a large run: indices into [`POINTS_WARNINGS`].
pub const WARNING_IDS: &str = "warning_ids";

/// The points results.json is written from, by index, each as its object
/// ([`point_json`], sample included): the points of a run in memory, or the scalars a
/// large run kept as JSON.
pub(super) trait Points {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Map<String, Value>;
}

impl Points for Vec<PointResult> {
    fn len(&self) -> usize {
        Vec::len(self)
    }

    fn get(&self, i: usize) -> Map<String, Value> {
        point_json(&self[i])
    }
}

/// Writes `dir/results.json`: `head` (its points aside) and `points`.
pub(super) fn write_results_json(
    dir: &Path,
    head: &RunResults,
    points: &dyn Points,
) -> Result<(), Error> {
    let path = dir.join("results.json");
    if points.len() > KEEP_CURVES_POINTS {
        return write_large(&path, head, points);
    }
    let mut maps: Vec<Map<String, Value>> = (0..points.len()).map(|i| points.get(i)).collect();
    let first = maps.first().and_then(|m| m.get("sample")).cloned();
    let shared = first.filter(|f| maps.iter().all(|m| m.get("sample") == Some(f)));
    if shared.is_some() {
        maps.iter_mut().for_each(|m| drop(m.shift_remove("sample")));
    }
    let mut head = head_json(head, shared);
    let points = maps.into_iter().map(Value::Object).collect();
    head.insert("points".into(), Value::Array(points));
    let json = serde_json::to_vec_pretty(&head).expect("results serialise to JSON");
    write_atomic(&path, &json)
}

/// A large run's results.json, in two passes over the points, one point at a time:
/// which keys every point shares (and the warnings' texts), then the points without
/// them. A sample every point shares goes where smaller runs have it, at the top.
fn write_large(path: &Path, head: &RunResults, points: &dyn Points) -> Result<(), Error> {
    let mut texts = IndexSet::new();
    let mut common: Option<Map<String, Value>> = None;
    for i in 0..points.len() {
        let m = with_warning_ids(points.get(i), &mut texts);
        match &mut common {
            None => common = Some(m),
            Some(c) => c.retain(|k, v| m.get(k) == Some(v)),
        }
    }
    let mut common = common.unwrap_or_default();
    common.shift_remove("point");
    let mut head = head_json(head, common.get("sample").cloned());
    if !common.is_empty() {
        let shared: Map<String, Value> = common
            .iter()
            .filter(|(k, _)| *k != "sample")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !shared.is_empty() {
            head.insert(POINTS_COMMON.into(), Value::Object(shared));
        }
    }
    if !texts.is_empty() {
        head.insert(POINTS_WARNINGS.into(), texts.iter().cloned().collect());
    }
    write_atomic_with(path, |w| {
        let head = serde_json::to_string(&head)?;
        w.write_all(&head.as_bytes()[..head.len() - 1])?;
        w.write_all(if head.len() > 2 {
            b",\"points\":["
        } else {
            b"\"points\":["
        })?;
        for i in 0..points.len() {
            if i > 0 {
                w.write_all(b",")?;
            }
            let mut m = with_warning_ids(points.get(i), &mut texts);
            m.retain(|k, _| !common.contains_key(k));
            serde_json::to_writer(&mut *w, &m)?;
        }
        w.write_all(b"]}\n")
    })
}

/// The run's head as results.json's object, with the sample every point shares.
fn head_json(head: &RunResults, sample: Option<Value>) -> Map<String, Value> {
    let sample = sample.map(|s| serde_json::from_value(s).expect("a sample reads back"));
    let head = RunResults {
        sample,
        ..head.clone_head()
    };
    let Value::Object(mut head) = serde_json::to_value(head).expect("results serialise to JSON")
    else {
        unreachable!("results are a JSON object")
    };
    head.shift_remove("points");
    head
}

/// A point's object in results.json, before what the run's head holds for every point is
/// taken out: no curves, no nulls.
pub(super) fn point_json(p: &PointResult) -> Map<String, Value> {
    let v = if p.has_curves() {
        serde_json::to_value(p.without_curves())
    } else {
        serde_json::to_value(p)
    };
    let Value::Object(mut o) = v.expect("a point serialises") else {
        unreachable!("a point is a JSON object")
    };
    o.retain(|_, v| !v.is_null());
    o
}

/// `warnings` (texts) replaced by `warning_ids` (their indices in `texts`, which gains
/// the texts it did not hold).
fn with_warning_ids(mut o: Map<String, Value>, texts: &mut IndexSet<String>) -> Map<String, Value> {
    if let Some(Value::Array(warnings)) = o.shift_remove("warnings") {
        let ids = warnings
            .into_iter()
            .filter_map(|w| match w {
                Value::String(w) => Some(Value::from(texts.insert_full(w).0)),
                _ => None,
            })
            .collect();
        o.insert(WARNING_IDS.into(), Value::Array(ids));
    }
    o
}

/// A results.json's text as the run it holds: the points of a large run completed with
/// `points_common` and their warnings' texts. Reads the points one at a time (the text
/// of each is borrowed, not parsed into a tree of the whole file).
pub fn parse_results(text: &str) -> Result<RunResults, serde_json::Error> {
    use serde::de::Error as _;
    let mut top: Map<String, Value> = Map::new();
    let mut raw: Vec<&RawValue> = Vec::new();
    let mut has_points = false;
    for (key, value) in serde_json::from_str::<indexmap::IndexMap<String, &RawValue>>(text)? {
        if key == "points" {
            raw = serde_json::from_str(value.get())?;
            has_points = true;
        } else {
            top.insert(key, serde_json::from_str(value.get())?);
        }
    }
    let common = match top.shift_remove(POINTS_COMMON) {
        Some(Value::Object(c)) => c,
        Some(_) => return Err(serde_json::Error::custom("points_common is not an object")),
        None => Map::new(),
    };
    let texts: Vec<String> = match top.shift_remove(POINTS_WARNINGS) {
        Some(t) => serde_json::from_value(t)?,
        None => Vec::new(),
    };
    if has_points {
        top.insert("points".into(), Value::Array(Vec::new()));
    }
    let mut results: RunResults = serde_json::from_value(Value::Object(top))?;
    results.points = raw
        .into_iter()
        .map(|r| point_from(r, &common, &texts))
        .collect::<Result<_, _>>()?;
    Ok(results)
}

/// One point of results.json, with what its run's head holds for every point.
fn point_from(
    raw: &RawValue,
    common: &Map<String, Value>,
    texts: &[String],
) -> Result<PointResult, serde_json::Error> {
    use serde::de::Error as _;
    if common.is_empty() && texts.is_empty() {
        return serde_json::from_str(raw.get());
    }
    let mut o: Map<String, Value> = serde_json::from_str(raw.get())?;
    for (k, v) in common {
        if !o.contains_key(k) {
            o.insert(k.clone(), v.clone());
        }
    }
    if let Some(ids) = o.shift_remove(WARNING_IDS) {
        let ids: Vec<usize> = serde_json::from_value(ids)?;
        let warnings = ids
            .into_iter()
            .map(|i| {
                texts.get(i).cloned().map(Value::String).ok_or_else(|| {
                    serde_json::Error::custom(format!(
                        "warning id {i} is beyond points_warnings ({} texts)",
                        texts.len()
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        o.insert("warnings".into(), Value::Array(warnings));
    }
    serde_json::from_value(Value::Object(o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `n` points whose scalars are sometimes null, whose warnings repeat and vary, and
    /// which share their walkers, seed and pitch.
    fn results(n: usize) -> RunResults {
        let points: Vec<Value> = (0..n)
            .map(|i| {
                json!({
                    "point": i, "parameters": { "x": i as f64 * 0.1 },
                    "walkers": 1000, "seed": 7, "frames": 20, "dt_ps": 25.0,
                    "pitch_nm": 7.0,
                    "tau_pl_ps": if i % 3 == 0 { Value::Null } else { json!(i as f64 / 3.0) },
                    "t_max_estimator": "occupancy-weighted MSD",
                    "warnings": match i % 4 {
                        0 => vec![],
                        1 => vec!["a".to_string()],
                        _ => vec![format!("b {}", i % 5), "a".to_string()],
                    },
                })
            })
            .collect();
        serde_json::from_value(json!({
            "scenario": "s", "scenario_file": "s.json", "backend": "exact",
            "device": "exact", "exciton_mc_version": "0", "displacement": "x",
            "sweep_mode": null, "points": points,
        }))
        .unwrap()
    }

    fn round_trip(n: usize, name: &str) -> (Value, RunResults) {
        let dir = std::env::temp_dir().join(format!("exciton-io-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let r = results(n);
        write_results_json(&dir, &r, &r.points).unwrap();
        let text = std::fs::read_to_string(dir.join("results.json")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        (
            serde_json::from_str(&text).unwrap(),
            parse_results(&text).unwrap(),
        )
    }

    #[test]
    fn a_large_run_writes_what_its_points_share_once_and_reads_back_the_same() {
        let n = KEEP_CURVES_POINTS + 1;
        let (file, read) = round_trip(n, "large");
        let common = file[POINTS_COMMON].as_object().unwrap();
        let keys: Vec<&str> = common.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "walkers",
                "seed",
                "frames",
                "dt_ps",
                "pitch_nm",
                "t_max_estimator"
            ]
        );
        assert_eq!(file[POINTS_WARNINGS].as_array().unwrap().len(), 6);
        assert_eq!(
            file["points"][2],
            json!({
                "point": 2, "parameters": { "x": 0.2 }, "tau_pl_ps": 2.0 / 3.0,
                "warning_ids": [1, 0],
            })
        );
        let want = serde_json::to_value(results(n).points).unwrap();
        assert_eq!(serde_json::to_value(read.points).unwrap(), want);
    }

    #[test]
    fn a_small_run_is_written_as_before() {
        let (file, read) = round_trip(3, "small");
        assert!(file.get(POINTS_COMMON).is_none() && file.get(POINTS_WARNINGS).is_none());
        assert_eq!(file["points"][1]["warnings"], json!(["a"]));
        assert_eq!(file["points"][1]["walkers"], json!(1000));
        let want = serde_json::to_value(results(3).points).unwrap();
        assert_eq!(serde_json::to_value(read.points).unwrap(), want);
    }

    #[test]
    fn a_warning_id_beyond_the_texts_is_an_error() {
        let text = r#"{"scenario":"s","scenario_file":"s","backend":"exact","device":"d",
            "exciton_mc_version":"0","displacement":"x","sweep_mode":null,
            "points_common":{"walkers":1,"seed":1,"frames":1,"dt_ps":1.0,"pitch_nm":1.0,
            "t_max_estimator":""},"points_warnings":["a"],
            "points":[{"point":0,"parameters":{},"warning_ids":[1]}]}"#;
        let err = parse_results(text).unwrap_err().to_string();
        assert!(
            err.contains("warning id 1 is beyond points_warnings (1 texts)"),
            "{err}"
        );
    }
}
