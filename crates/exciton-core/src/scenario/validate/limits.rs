//! How large a run may be: its counts, the initial spot, and the histograms' memory.

use super::check::Check;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::schema::ScenarioFile;
use crate::scenario::{MAX_FRAMES, MAX_HISTOGRAM_COUNTERS, MAX_SIGMA_SITES};

pub(super) struct Counts {
    pub(super) frames: u32,
    pub(super) walkers: u64,
    pub(super) seed: u64,
}

pub(super) fn counts(c: Check, spec: &ScenarioFile) -> Result<Counts, ScenarioError> {
    let frames = c.count_at_least_one("frames", &spec.frames)?;
    let frames = match u32::try_from(frames) {
        Ok(f) if f <= MAX_FRAMES => f,
        _ => {
            return Err(c.fail(
                Kind::OutOfRange,
                "frames",
                format!("{frames} is above the limit of {MAX_FRAMES}"),
            ))
        }
    };
    Ok(Counts {
        frames,
        walkers: c.count_at_least_one("walkers", &spec.walkers)?,
        seed: c.count("seed", &spec.seed)?,
    })
}

/// Width of the initial Gaussian spot, in sites.
pub(super) fn sigma_sites(c: Check, v: f64) -> Result<f64, ScenarioError> {
    let path = "initial.sigma_sites";
    let sigma = c.number(path, v)?;
    if sigma > MAX_SIGMA_SITES {
        return Err(c.fail(
            Kind::OutOfRange,
            path,
            format!("{sigma} is above the limit of {MAX_SIGMA_SITES} sites"),
        ));
    }
    Ok(sigma)
}

/// The histograms' half-width, once their size is known to fit [`MAX_HISTOGRAM_COUNTERS`].
pub(super) fn histograms(
    c: Check,
    spec: &ScenarioFile,
    frames: u32,
    states: usize,
    sigma_sites: f64,
) -> Result<u32, ScenarioError> {
    let max_dx_sites = match &spec.histogram.max_dx_sites {
        // At most `frames`: no walker gets further, and it then fits a u32.
        Some(n) => c
            .count_at_least_one("histogram.max_dx_sites", n)?
            .min(u64::from(frames)) as u32,
        None => default_max_dx(frames),
    };
    let layout = crate::histogram::HistLayout::new(
        frames,
        states as u32,
        max_dx_sites,
        crate::rng::SpotTable::radius_for(sigma_sites),
        spec.histogram.occupancy_profile,
        spec.record_profiles,
    );
    if layout.len() as u64 > MAX_HISTOGRAM_COUNTERS {
        return Err(c.fail(
            Kind::TooLarge,
            "frames",
            format!(
                "the histograms would need {} counters ({:.1} GiB per copy), above the limit of {MAX_HISTOGRAM_COUNTERS}: reduce frames, histogram.max_dx_sites{}",
                layout.len(),
                layout.len() as f64 * 4.0 / f64::from(1u32 << 30),
                if spec.record_profiles {
                    ", initial.sigma_sites (the profile's rows span the spot) or turn record_profiles off"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok(max_dx_sites)
}

/// Default histogram half-width: every reachable |dx| (a walker moves at most one site
/// per frame) up to 1024 sites; beyond that the overflow bin counts, and is reported.
pub fn default_max_dx(frames: u32) -> u32 {
    frames.clamp(1, 1024)
}
