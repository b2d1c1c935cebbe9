//! Text of the figures: short parameter names, point labels, axis labels with units.

use exciton_core::scenario::Units;
use exciton_io::results::{PointResult, RunResults};
use serde_json::Value;

/// The shortest tails (at least two dotted parts) that still tell `keys` apart:
/// "states.free.to.trapped" -> "to.trapped", "temperature_K" -> "temperature_K".
pub(crate) fn short_names(keys: &[&str]) -> Vec<String> {
    let tail = |key: &str, n: usize| {
        let parts: Vec<&str> = key.split('.').collect();
        parts[parts.len().saturating_sub(n)..].join(".")
    };
    keys.iter()
        .map(|key| {
            let depth = key.split('.').count();
            (2..=depth.max(2))
                .map(|n| tail(key, n))
                .find(|t| {
                    keys.iter()
                        .filter(|k| tail(k, t.split('.').count()) == *t)
                        .count()
                        == 1
                })
                .unwrap_or_else(|| key.to_string())
        })
        .collect()
}

/// A swept value as a label shows it: strings bare, numbers as JSON writes them.
pub(crate) fn value_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// "short = value, ..." for `keys` of `params`.
pub(crate) fn params_label(params: &indexmap::IndexMap<String, Value>, keys: &[&str]) -> String {
    short_names(keys)
        .iter()
        .zip(keys)
        .filter_map(|(short, k)| Some(format!("{short} = {}", value_text(params.get(*k)?))))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Legend label of a point: its swept values, short; without a sweep its sample's name,
/// or nothing.
pub(crate) fn point_label(p: &PointResult) -> String {
    if p.parameters.is_empty() {
        return p
            .sample
            .as_ref()
            .map_or_else(String::new, |s| s.name.clone());
    }
    let keys: Vec<&str> = p.parameters.keys().map(String::as_str).collect();
    params_label(&p.parameters, &keys)
}

/// The unit a parameter's name ends in (`temperature_K`, `dt_ps`, `splitting_meV`).
fn unit_suffix(name: &str) -> Option<&'static str> {
    [
        ("_K", "K"),
        ("_ps", "ps"),
        ("_nm", "nm"),
        ("_meV", "meV"),
        ("_sites", "sites"),
    ]
    .into_iter()
    .find(|(suffix, _)| name.ends_with(suffix))
    .map(|(_, unit)| unit)
}

/// Whether `path` is a state parameter given in the scenario's `units` (a per-frame
/// probability or a rate in ns^-1), not one with a unit of its own or none.
pub(crate) fn is_state_rate(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    path.starts_with("states.")
        && unit_suffix(last).is_none()
        && !matches!(last, "degeneracy" | "T_K")
}

/// "per 25 ps frame", or "per frame" when the points' frames differ.
pub(crate) fn per_frame(dt_ps: Option<f64>) -> String {
    dt_ps.map_or_else(|| "per frame".into(), |dt| format!("per {dt} ps frame"))
}

/// Axis label of a swept parameter: its path and unit. State parameters are
/// probabilities per frame of `dt_ps` or rates in ns^-1, as `units` says.
pub(crate) fn axis_label(path: &str, units: Option<Units>, dt_ps: Option<f64>) -> String {
    if path == "temperature_K" {
        return "temperature (K)".into();
    }
    if is_state_rate(path) {
        return match units {
            Some(Units::ProbabilityPerFrame) => {
                format!("{path} (probability {})", per_frame(dt_ps))
            }
            Some(Units::RatePerNs | Units::RatePerNsCompetingRisks) => {
                format!("{path} (rate, ns⁻¹)")
            }
            None => format!("{path} (probability per frame or rate in ns⁻¹: units not recorded)"),
        };
    }
    let last = path.rsplit('.').next().unwrap_or(path);
    match unit_suffix(last) {
        Some(unit) => format!("{path} ({unit})"),
        None => path.to_string(),
    }
}

/// The units of the run's state parameters: as the results record them (`units`);
/// for files written before they did, a guess: rates when a swept one exceeds 1 (no
/// probability does), else the `units` of the scenario file the results name, when it
/// is still there and has the same name; `None` when nothing tells.
pub(crate) fn run_units(r: &RunResults) -> Option<Units> {
    r.units.or_else(|| guess_units(r))
}

fn guess_units(r: &RunResults) -> Option<Units> {
    let above_one = r
        .points
        .iter()
        .flat_map(|p| &p.parameters)
        .any(|(k, v)| is_state_rate(k) && v.as_f64().is_some_and(|v| v > 1.0));
    if above_one {
        return Some(Units::RatePerNs);
    }
    let text = std::fs::read_to_string(&r.scenario_file).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    if v.get("name")?.as_str()? != r.scenario {
        return None;
    }
    serde_json::from_value(v.get("units")?.clone()).ok()
}

/// "v ± s unit" with the error to two significant digits and the value to the same
/// decimal place; "v unit" to `bare` decimals without an error (exact backend).
pub(crate) fn with_error(v: f64, err: Option<f64>, unit: &str, bare: usize) -> String {
    match err.filter(|s| s.is_finite() && *s > 0.0) {
        Some(s) => {
            let places = (1 - s.log10().floor() as i32).clamp(0, 6) as usize;
            format!("{v:.places$} ± {s:.places$} {unit}")
        }
        None => format!("{v:.bare$} {unit}"),
    }
}

/// The frame length all points share, if they do.
pub(crate) fn common_dt(r: &RunResults) -> Option<f64> {
    let dt = r.points.first()?.dt_ps;
    r.points.iter().all(|p| p.dt_ps == dt).then_some(dt)
}

/// A tick value without trailing zeros ("300", "2.5"), in powers of ten at or above
/// `large` and below 1e-3. A tick at 0 reached by adding up steps comes out as
/// -2.8e-17: below 1e-12 no quantity drawn is that small, and it reads "0".
pub(crate) fn tick(v: f64, large: f64) -> String {
    let a = v.abs();
    if a < 1e-12 {
        return "0".into();
    }
    if !(1e-3..large).contains(&a) {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    match s {
        "-0" => "0".into(),
        _ => s.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{point, run};
    use super::*;

    #[test]
    fn errors_take_two_digits_and_the_value_their_place() {
        assert_eq!(
            with_error(130.667, Some(0.2539), "ps", 0),
            "130.67 ± 0.25 ps"
        );
        assert_eq!(with_error(420.08, Some(23.7), "ps", 0), "420 ± 24 ps");
        assert_eq!(with_error(1234.5, Some(150.0), "ps", 0), "1234 ± 150 ps");
        assert_eq!(with_error(130.667, None, "ps", 0), "131 ps");
        assert_eq!(with_error(130.667, Some(0.0), "ps", 1), "130.7 ps");
    }

    #[test]
    fn recorded_units_win_over_the_guess() {
        let p = point(&[("states.free.to.trapped", Value::from(2.0))], None, None);
        let mut r = run(vec![p]);
        assert_eq!(run_units(&r), Some(Units::RatePerNs), "guessed: above 1");
        r.units = Some(Units::RatePerNsCompetingRisks);
        assert_eq!(run_units(&r), Some(Units::RatePerNsCompetingRisks));
        r.units = None;
        r.points[0].parameters["states.free.to.trapped"] = Value::from(0.5);
        assert_eq!(run_units(&r), None, "no file to read, nothing above 1");
    }

    #[test]
    fn short_names_keep_two_parts_and_grow_to_tell_keys_apart() {
        let keys = ["states.free.to.trapped", "temperature_K", "sample"];
        assert_eq!(
            short_names(&keys),
            ["to.trapped", "temperature_K", "sample"]
        );
        let clash = ["states.a.to.dark", "states.b.to.dark", "states.a.fret"];
        assert_eq!(short_names(&clash), ["a.to.dark", "b.to.dark", "a.fret"]);
    }

    #[test]
    fn params_label_uses_short_names_and_bare_strings() {
        let mut p = indexmap::IndexMap::new();
        p.insert("sample".to_string(), Value::from("5nm_SL"));
        p.insert("states.free.to.trapped".to_string(), Value::from(0.005));
        assert_eq!(
            params_label(&p, &["sample", "states.free.to.trapped"]),
            "sample = 5nm_SL, to.trapped = 0.005"
        );
    }

    #[test]
    fn state_parameters_take_the_runs_units_and_frame() {
        let path = "states.free.to.trapped";
        let prob = Some(Units::ProbabilityPerFrame);
        assert_eq!(
            axis_label(path, prob, Some(25.0)),
            "states.free.to.trapped (probability per 25 ps frame)"
        );
        assert_eq!(
            axis_label(path, prob, Some(12.5)),
            "states.free.to.trapped (probability per 12.5 ps frame)"
        );
        assert_eq!(
            axis_label(path, prob, None),
            "states.free.to.trapped (probability per frame)"
        );
        let rate = axis_label(path, Some(Units::RatePerNs), Some(25.0));
        assert_eq!(rate, "states.free.to.trapped (rate, ns⁻¹)");
        assert!(!rate.contains("frame"));
        assert!(axis_label(path, None, Some(25.0)).contains("units not recorded"));
    }

    #[test]
    fn other_parameters_take_the_unit_their_name_ends_in() {
        let rate = Some(Units::RatePerNs);
        assert_eq!(axis_label("temperature_K", rate, None), "temperature (K)");
        assert_eq!(axis_label("dt_ps", rate, None), "dt_ps (ps)");
        assert_eq!(
            axis_label(
                "states.dark.to.bright.detailed_balance.splitting_meV",
                rate,
                None
            ),
            "states.dark.to.bright.detailed_balance.splitting_meV (meV)"
        );
        assert_eq!(
            axis_label(
                "states.dark.to.bright.detailed_balance.degeneracy",
                rate,
                None
            ),
            "states.dark.to.bright.detailed_balance.degeneracy"
        );
        assert_eq!(axis_label("sample", rate, None), "sample");
    }
}
