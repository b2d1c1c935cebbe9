//! The model a dataset is fitted with: the exact backend's curves of its scenario (the
//! moment recursion, or the master equation on a finite landscape), read at the measured
//! times, and the scenario numbers a fit may not free.

use super::instrument::{Applied, Prepared};
use super::{Dataset, Observable};
use exciton_core::model::WalkTables;
use exciton_core::observables::Curves;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// The exact backend's curves of `s`: the moment recursion, or on a finite landscape
/// the master equation over its films (the films of its walkers' blocks, or the one of
/// `realizations: 1`), on every core.
pub(crate) fn expected_curves(s: &Scenario) -> Result<Curves, crate::error::Error> {
    if s.landscape.is_some() {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let e = exciton_core::exact::estimate(s, threads, &Progress::default())?;
        return Ok(e.curves);
    }
    let tables = WalkTables::new(s);
    Ok(exciton_core::exact::curves_of(
        &tables,
        &s.states.names,
        s.frames,
        1,
        s.dt_ps,
        s.excitation.as_ref(),
    ))
}

/// Scenario numbers a fit may not free, and why: the model is not smooth in them (or
/// they are not physics at all).
const NOT_FREE: [(&str, &str); 11] = [
    ("landscape.void_fraction", "whether a site is a void is a discrete choice (its draw against the fraction), so the model jumps as the fraction moves and a least-squares fit cannot follow it: fit at a few fixed fractions and compare their chi2"),
    ("landscape.size", "the film's size is a whole number of sites: fit at fixed sizes"),
    ("landscape.size_classes", "the number of size classes is a whole number, a choice of resolution: fit at a fixed number (8 or more)"),
    ("landscape.seed", "the seed picks a film, it is not a physical parameter"),
    ("landscape.realizations", "how many films are walked is a choice of the run, not a parameter"),
    ("landscape.edges", "the edges are a choice, not a number"),
    ("seed", "the seed picks the random streams, it is not a physical parameter"),
    ("walkers", "the number of walkers is a choice of the run (on a landscape it picks the films averaged), not a parameter"),
    ("frames", "the number of frames is a whole number: set it to cover the data"),
    ("lattice.geometry", "the geometry is a choice, not a number"),
    ("excitation", "the laser's repetition period is a whole number of frames and the pulses summed a count: set them as the measurement was made"),
];

/// Why `path` cannot be freed, if it cannot.
pub(super) fn not_free(path: &str) -> Option<&'static str> {
    if path.starts_with("states.") && path.ends_with(".release.classes") {
        return Some("the number of depth classes is a whole number, a choice of resolution: fit at a fixed number (8 or more)");
    }
    NOT_FREE
        .iter()
        .find(|(p, _)| path == *p || path.starts_with(&format!("{p}.")))
        .map(|(_, why)| *why)
}

/// The observable of dataset `d` from curves `c` of its scenario `s`, at the measured
/// times, through the instrument `a`. `stream` picks the shot noise of a microscope
/// that has it.
pub(crate) fn model_values(
    d: &Dataset,
    s: &Scenario,
    c: &Curves,
    stream: u64,
    a: &Applied,
) -> Option<Vec<f64>> {
    model_points(d, s, c, stream, a)?.into_iter().collect()
}

/// [`model_values`] point by point: `None` inside where that point has no value (a
/// Monte Carlo's frame with too few walkers), `None` outside where the observable has
/// none at all (no light, no microscope).
pub(crate) fn model_points(
    d: &Dataset,
    s: &Scenario,
    c: &Curves,
    stream: u64,
    a: &Applied,
) -> Option<Vec<Option<f64>>> {
    let curve = observable_curve(d.observable, s, c, stream)?;
    let peak = match d.observable {
        Observable::Intensity => Some(intensity_peak(c)?),
        _ => None,
    };
    let p = Prepared::new(&curve, s.dt_ps, &a.kernel);
    Some(
        d.measured
            .time_ps
            .iter()
            .map(|&t| a.value(&p, t, peak))
            .collect(),
    )
}

/// The PL's maximum over the frames, the intensity scale's reference.
pub(crate) fn intensity_peak(c: &Curves) -> Option<f64> {
    let p = c.intensity.iter().copied().fold(0.0, f64::max);
    (p > 0.0).then_some(p)
}

/// Dataset observable's curve per frame, before the instrument (nm^2 for an MSD).
fn observable_curve(
    observable: Observable,
    s: &Scenario,
    c: &Curves,
    stream: u64,
) -> Option<Vec<Option<f64>>> {
    let a2 = s.pitch_nm * s.pitch_nm;
    Some(match observable {
        Observable::Msd => c.msd.iter().map(|m| m.map(|m| m * a2)).collect(),
        Observable::ApparentMsd => {
            exciton_core::microscope::observe_expected(s, stream, c)?.msd_nm2
        }
        Observable::Intensity => c.intensity.iter().map(|&i| Some(i)).collect(),
    })
}

/// The unit of the scenario number at `path` (`base`: the scenario, for its `units`).
pub(super) fn unit_of(path: &str, base: &Value) -> String {
    let last = path.rsplit('.').next().unwrap_or(path);
    for (suffix, unit) in [
        ("_meV", "meV"),
        ("_K", "K"),
        ("_ps", "ps"),
        ("_nm2", "nm²"),
        ("_nm", "nm"),
    ] {
        if last.ends_with(suffix) {
            return unit.into();
        }
    }
    let rate = path.starts_with("states.")
        && [
            "radiative",
            "nonradiative",
            "fret",
            "hop",
            "prefactor",
            "attempt",
        ]
        .contains(&last)
        || path.split('.').nth(2) == Some("to");
    if rate {
        return match base.get("units").and_then(Value::as_str) {
            Some("probability_per_frame") => "per frame".into(),
            _ => "1/ns".into(),
        };
    }
    String::new()
}

/// Why the scenario value `v` at `path` cannot be freed: it is not a number.
pub(super) fn not_a_number(path: &str, v: &Value) -> String {
    let Value::Object(o) = v else {
        return format!("is `{v}`, not a number: only numbers can be free");
    };
    let mut leaves = Vec::new();
    numeric_leaves(path, v, &mut leaves);
    let model = o.keys().next().map_or(String::new(), |k| format!(" `{k}`"));
    let hint = if leaves.is_empty() {
        "it has no numbers to free; fit a table's values as separate datasets at fixed temperatures, or write the parameter as a number".to_string()
    } else {
        format!("free its own numbers instead: {}", leaves.join(", "))
    };
    format!("is a temperature model{model}, not a number (freeing it would replace the model by a constant): {hint}")
}

fn numeric_leaves(path: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Number(_) => out.push(path.to_string()),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, v)| numeric_leaves(&format!("{path}.{k}"), v, out)),
        _ => {}
    }
}

/// A hint at why a parameter leaves the model unchanged.
pub(super) fn unused_hint(path: &str) -> &'static str {
    if path.starts_with("initial.sigma_sites") {
        " (the displacement MSD does not see the initial spot; the apparent MSD and a finite film do)"
    } else if path.starts_with("microscope.") {
        " (the microscope makes only `apparent_msd`)"
    } else if path.starts_with("landscape.") {
        " (a landscape's parameters matter only where hops are accepted by energy: with temperature_K and a finite film)"
    } else {
        ""
    }
}

/// The last exact curves of each dataset, by the scenario parameters they were made at:
/// a step in an instrument parameter (the Jacobian's columns) reuses them.
#[derive(Debug, Default)]
pub(crate) struct CurveCache(Mutex<Vec<Option<Entry>>>);

type Entry = (Vec<f64>, Arc<(Scenario, Curves)>);

impl Clone for CurveCache {
    fn clone(&self) -> Self {
        CurveCache::new(self.0.lock().map_or(0, |v| v.len()))
    }
}

impl CurveCache {
    pub(crate) fn new(datasets: usize) -> CurveCache {
        CurveCache(Mutex::new(vec![None; datasets]))
    }

    pub(crate) fn get(&self, dataset: usize, key: &[f64]) -> Option<Arc<(Scenario, Curves)>> {
        let v = self.0.lock().ok()?;
        let (k, hit) = v.get(dataset)?.as_ref()?;
        (k.as_slice() == key).then(|| hit.clone())
    }

    pub(crate) fn put(&self, dataset: usize, key: Vec<f64>, value: Arc<(Scenario, Curves)>) {
        if let Ok(mut v) = self.0.lock() {
            if let Some(slot) = v.get_mut(dataset) {
                *slot = Some((key, value));
            }
        }
    }
}
