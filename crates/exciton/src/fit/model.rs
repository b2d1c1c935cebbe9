//! The model a dataset is fitted with: the exact backend's curves of its scenario (the
//! moment recursion, or the master equation on a finite landscape), read at the measured
//! times, and the scenario numbers a fit may not free.

use super::{interpolate, Dataset, Observable};
use exciton_core::model::WalkTables;
use exciton_core::observables::Curves;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;

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
    ))
}

/// Scenario numbers a fit may not free, and why: the model is not smooth in them (or
/// they are not physics at all).
const NOT_FREE: [(&str, &str); 9] = [
    ("landscape.void_fraction", "whether a site is a void is a discrete choice (its draw against the fraction), so the model jumps as the fraction moves and a least-squares fit cannot follow it: fit at a few fixed fractions and compare their chi2"),
    ("landscape.size", "the film's size is a whole number of sites: fit at fixed sizes"),
    ("landscape.seed", "the seed picks a film, it is not a physical parameter"),
    ("landscape.realizations", "how many films are walked is a choice of the run, not a parameter"),
    ("landscape.edges", "the edges are a choice, not a number"),
    ("seed", "the seed picks the random streams, it is not a physical parameter"),
    ("walkers", "the number of walkers is a choice of the run (on a landscape it picks the films averaged), not a parameter"),
    ("frames", "the number of frames is a whole number: set it to cover the data"),
    ("lattice.geometry", "the geometry is a choice, not a number"),
];

/// Why `path` cannot be freed, if it cannot.
pub(super) fn not_free(path: &str) -> Option<&'static str> {
    NOT_FREE
        .iter()
        .find(|(p, _)| path == *p || path.starts_with(&format!("{p}.")))
        .map(|(_, why)| *why)
}

/// The observable of dataset `d` from curves `c` of its scenario `s`, at the measured
/// times (interpolated linearly between frame starts). `stream` picks the shot noise of
/// a microscope that has it.
pub(crate) fn model_values(d: &Dataset, s: &Scenario, c: &Curves, stream: u64) -> Option<Vec<f64>> {
    let a2 = s.pitch_nm * s.pitch_nm;
    let curve: Vec<Option<f64>> = match d.observable {
        Observable::Msd => c.msd.iter().map(|m| m.map(|m| m * a2)).collect(),
        Observable::ApparentMsd => exciton_core::microscope::observe(s, stream, c)?.msd_nm2,
        Observable::Intensity => c.intensity.iter().map(|&i| Some(i)).collect(),
    };
    let mut values: Vec<f64> = d
        .measured
        .time_ps
        .iter()
        .map(|&t| interpolate(&curve, s.dt_ps, t))
        .collect::<Option<_>>()?;
    if d.observable == Observable::Intensity {
        let first = values[0];
        if first <= 0.0 {
            return None;
        }
        values.iter_mut().for_each(|v| *v /= first);
    }
    Some(values)
}
