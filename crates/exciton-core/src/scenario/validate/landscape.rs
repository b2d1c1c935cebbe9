//! The `landscape` block: site-energy disorder, voids and a finite lattice.

use super::check::Check;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::landscape::{Edges, Landscape, MAX_SIZE};
use crate::scenario::schema::ScenarioFile;

/// Largest energy disorder, meV: beyond it the levels are wider than any kB T a film
/// is measured at, and nothing would hop uphill.
const MAX_SIGMA_MEV: f64 = 1000.0;
/// Largest disorder in units of kB T.
const MAX_SIGMA_OVER_KT: f64 = 160.0;

pub(super) fn landscape(
    c: Check,
    l: Landscape,
    spec: &ScenarioFile,
    temperature_k: Option<f64>,
) -> Result<Landscape, ScenarioError> {
    let sigma = c.number("landscape.energy_sigma_meV", l.energy_sigma_mev)?;
    if sigma > MAX_SIGMA_MEV {
        return Err(c.fail(
            Kind::OutOfRange,
            "landscape.energy_sigma_meV",
            format!("{sigma} is above the limit of {MAX_SIGMA_MEV} meV"),
        ));
    }
    if sigma > 0.0 && temperature_k.is_none() {
        return Err(c.fail(
            Kind::Missing,
            "landscape.energy_sigma_meV",
            "energetic disorder needs temperature_K: hops uphill are accepted with exp(-dE / kB T)",
        ));
    }
    if let Some(t) = temperature_k.filter(|_| sigma > 0.0) {
        // Levels are 1/4096 kB T: what 256 walkers leave in a cell of the kernel's
        // 32-bit level sums, 2 x 6.2 x 4096 x sigma / kT each, must fit i32.
        let ratio = sigma / (crate::temperature::KB_MEV_PER_K * t);
        if ratio > MAX_SIGMA_OVER_KT {
            return Err(c.fail(
                Kind::OutOfRange,
                "landscape.energy_sigma_meV",
                format!("{sigma} meV is {ratio:.0} kB T at {t} K, above the limit of {MAX_SIGMA_OVER_KT} kB T (nothing hops uphill there: exp(-{MAX_SIGMA_OVER_KT}) is 0)"),
            ));
        }
    }
    size_spread(c, &l, temperature_k)?;
    if let Some(n) = l.realizations.filter(|&n| n != 1) {
        return Err(c.fail(
            Kind::OutOfRange,
            "landscape.realizations",
            format!("{n} is not a choice: 1 keeps one film for every walker block (errors conditional on it); leave it out for a film per block (errors with the film-to-film spread)"),
        ));
    }
    let f = c.number("landscape.void_fraction", l.void_fraction)?;
    if f >= 1.0 {
        return Err(c.fail(
            Kind::OutOfRange,
            "landscape.void_fraction",
            format!("{f} leaves no site: it must be below 1"),
        ));
    }
    if let Some(size) = l.size {
        for (axis, n) in ["x", "y"].iter().zip(size) {
            if !(1..=MAX_SIZE).contains(&n) {
                return Err(c.fail(
                    Kind::OutOfRange,
                    "landscape.size",
                    format!("{n} sites along {axis}: a side has 1 to {MAX_SIZE} sites"),
                ));
            }
        }
    } else if l.edges != Edges::Open && l.layers.is_none() {
        return Err(c.fail(
            Kind::Missing,
            "landscape.edges",
            "edges need landscape.size: [N, M] sites (or on a cubic lattice layers: L; without them the lattice is unbounded)",
        ));
    }
    if let Some(n) = l.layers {
        if !spec.lattice.geometry.is_3d() {
            return Err(c.fail(
                Kind::Conflict,
                "landscape.layers",
                "layers are along z: use geometry \"cubic\" or \"cubic_nn\" (a 2D film is one layer)",
            ));
        }
        if !(1..=MAX_SIZE).contains(&n) {
            return Err(c.fail(
                Kind::OutOfRange,
                "landscape.layers",
                format!("{n} layers: a film has 1 to {MAX_SIZE}"),
            ));
        }
    }
    Ok(l)
}

/// Largest size spread: the table's sizes reach 6.17 standard deviations below the
/// mean, which must stay a size (1 - 6.17 x 0.15 = 0.07).
const MAX_SIZE_SPREAD: f64 = 0.15;
/// Most size classes.
const MAX_SIZE_CLASSES: u32 = 64;
/// The standard normal at the level table's outermost draw, rounded up (v = 1:
/// -Phi^-1(1.5 / 2^32) = 6.17).
const TABLE_Z: f64 = 6.2;

/// A size spread is relative, moves the energies (so needs them), and its smallest NCs'
/// energy must stay within what the kernel's level sums hold (as 6.2 x 160 kB T does
/// for Gaussian energies).
fn size_spread(c: Check, l: &Landscape, temperature_k: Option<f64>) -> Result<(), ScenarioError> {
    let spread = c.number("landscape.size_spread", l.size_spread)?;
    if spread == 0.0 {
        if l.size_classes.is_some() {
            return Err(c.fail(
                Kind::Conflict,
                "landscape.size_classes",
                "size classes are of a size spread: give landscape.size_spread too",
            ));
        }
        return Ok(());
    }
    if spread > MAX_SIZE_SPREAD {
        return Err(c.fail(
            Kind::OutOfRange,
            "landscape.size_spread",
            format!("{spread} is above the limit of {MAX_SIZE_SPREAD}: the sizes 6.2 standard deviations below the mean (which the site energies reach) would not be sizes"),
        ));
    }
    if l.energy_sigma_mev == 0.0 {
        return Err(c.fail(
            Kind::Missing,
            "landscape.energy_sigma_meV",
            "a size spread moves the site energies (confinement ~1/s^2): give energy_sigma_meV, their spread to first order (the confinement energy is sigma / (2 size_spread))",
        ));
    }
    if let Some(k) = l
        .size_classes
        .filter(|k| !(1..=MAX_SIZE_CLASSES).contains(k))
    {
        return Err(c.fail(
            Kind::OutOfRange,
            "landscape.size_classes",
            format!("{k} classes: give 1 to {MAX_SIZE_CLASSES}"),
        ));
    }
    let t = temperature_k.expect("checked above: disorder needs temperature_K");
    let kt = crate::temperature::KB_MEV_PER_K * t;
    let top = l.energy_of_normal(TABLE_Z) / kt;
    let limit = TABLE_Z * MAX_SIGMA_OVER_KT;
    if top > limit {
        return Err(c.fail(
            Kind::OutOfRange,
            "landscape.size_spread",
            format!("the smallest NCs' energy, {:.0} meV ({top:.0} kB T at {t} K), is above the limit of {limit:.0} kB T: a smaller spread or sigma", top * kt),
        ));
    }
    Ok(())
}

/// On a finite lattice with open or reflecting edges the displacement histograms span
/// the lattice both ways (no walker gets further than N - 1 from its start); otherwise
/// the half-width validated before.
pub(super) fn max_dx(
    c: Check,
    l: Option<&Landscape>,
    max_dx_sites: u32,
    spec: &ScenarioFile,
    states: usize,
    frames: u32,
) -> Result<u32, ScenarioError> {
    let Some(size) = l.filter(|l| l.absolute_positions()).and_then(|l| l.size) else {
        return Ok(max_dx_sites);
    };
    let half = size[0].max(size[1]);
    let layout = crate::histogram::HistLayout::new(
        1,
        states as u32,
        half,
        0,
        spec.histogram.occupancy_profile,
        true,
    );
    let frames = u64::from(frames);
    if layout.len() as u64 * frames > crate::scenario::MAX_HISTOGRAM_COUNTERS {
        return Err(c.fail(
            Kind::TooLarge,
            "landscape.size",
            format!("histograms spanning {half} sites each side over {frames} frames would exceed the limit of {} counters: a smaller lattice or fewer frames", crate::scenario::MAX_HISTOGRAM_COUNTERS),
        ));
    }
    Ok(half)
}
