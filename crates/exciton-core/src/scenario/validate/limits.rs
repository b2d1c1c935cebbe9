//! How large a run may be: its counts, the initial spot, and the histograms' memory.

use super::check::Check;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use crate::scenario::schema::ScenarioFile;
use crate::scenario::{StateTable, MAX_FRAMES, MAX_HISTOGRAM_COUNTERS, MAX_SIGMA_SITES};
use crate::tables::{poisson_table, SpotTable, MAX_POISSON_LEN};

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

/// In continuous time, how many events a frame may hold: the Poisson table of
/// candidates per frame must fit [`MAX_POISSON_LEN`] (so the shader's cell words cannot
/// wrap), and frames x its entries must stay below [`MAX_FRAMES`] (so |dx| and dx^2 fit
/// the kernels' 32-bit integers, as one step per frame does). A frame holds at most as
/// many events as the table has entries: its first event and at most the candidates
/// after it that an after table holds (model/clock.rs: the count after the first event
/// is never more likely to be long than the Poisson count of a whole frame).
pub(super) fn events_per_frame(
    c: Check,
    table: &StateTable,
    dt_ps: f64,
    frames: u32,
) -> Result<(), ScenarioError> {
    let (fastest, lambda) = (0..table.len())
        .map(|s| (s, table.total_out(s)))
        .fold((0, 0.0), |a, b| if b.1 > a.1 { b } else { a });
    let mean = lambda * dt_ps * 1e-3;
    let most = poisson_table(mean).len();
    if most > MAX_POISSON_LEN {
        // A trap's depth class is not in the file: say whose release it is.
        let which = match table.traps.as_ref().and_then(|t| t.class_of(fastest)) {
            Some(k) => format!(
                "state {} (depth class {} of the trap's release)",
                table.names[fastest],
                k + 1
            ),
            None => format!("state {}", table.names[fastest]),
        };
        let dt_max = (0..)
            .map(|k| dt_ps * 0.9f64.powi(k))
            .find(|dt| poisson_table(lambda * dt * 1e-3).len() <= MAX_POISSON_LEN)
            .unwrap_or(0.0);
        return Err(c.fail(
            Kind::OutOfRange,
            "dt_ps",
            format!(
                "the fastest state, {which}, leaves at {lambda:.4} ns^-1, {mean:.1} events per {dt_ps} ps frame on average: more than a frame can hold ({MAX_POISSON_LEN} candidates); use dt_ps of at most {dt_max:.3}"
            ),
        ));
    }
    let events = most as u64;
    if u64::from(frames) * events >= u64::from(MAX_FRAMES) {
        return Err(c.fail(
            Kind::OutOfRange,
            "frames",
            format!(
                "{frames} frames of up to {events} events each (rates up to {lambda:.4} ns^-1 at dt_ps {dt_ps}) could move a walker {} sites, beyond the limit of {MAX_FRAMES}: use at most {} frames, or a shorter dt_ps",
                u64::from(frames) * events,
                (u64::from(MAX_FRAMES) - 1) / events.max(1)
            ),
        ));
    }
    Ok(())
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
        SpotTable::radius_for(sigma_sites),
        spec.histogram.occupancy_profile,
        spec.record_profiles || spec.microscope.is_some(),
    );
    if layout.len() as u64 > MAX_HISTOGRAM_COUNTERS {
        return Err(c.fail(
            Kind::TooLarge,
            "frames",
            format!(
                "the histograms would need {} counters ({:.1} GiB per copy), above the limit of {MAX_HISTOGRAM_COUNTERS}: reduce frames, histogram.max_dx_sites{}",
                layout.len(),
                layout.len() as f64 * 4.0 / f64::from(1u32 << 30),
                if spec.record_profiles || spec.microscope.is_some() {
                    ", initial.sigma_sites (the profile's rows span the spot) or turn record_profiles (or the microscope) off"
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
pub(crate) fn default_max_dx(frames: u32) -> u32 {
    frames.clamp(1, 1024)
}
