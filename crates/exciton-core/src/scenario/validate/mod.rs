//! Validation: a typed scenario file becomes a [`Scenario`] of per-frame probabilities
//! at its temperature, or a [`ScenarioError`] naming file, JSON path, kind and reason.
//!
//! One module per part of the file: `sample` (and the pitch it may give), `states`,
//! `initial` (populations), `limits` (counts and the size of a run); `check` holds
//! what they share.

mod check;
mod initial;
mod landscape;
mod limits;
mod sample;
mod states;
mod traps;

use super::schema::ScenarioFile;
use super::Scenario;
use crate::error::{ScenarioError, ScenarioErrorKind as Kind};
use check::Check;
use std::path::Path;

pub(super) fn validate(spec: ScenarioFile, file: &Path) -> Result<Scenario, ScenarioError> {
    let c = Check { file };
    if spec.name.trim().is_empty() {
        return Err(c.fail(Kind::Empty, "name", "must not be empty"));
    }
    let dt_ps = c.positive("dt_ps", spec.dt_ps)?;
    let temperature_k = spec
        .temperature_k
        .map(|t| c.positive("temperature_K", t))
        .transpose()?;
    let sample = sample::resolve(c, spec.sample.as_ref())?;
    let pitch_nm = sample::pitch(c, spec.lattice.pitch_nm, sample.as_ref())?;
    let sample = sample.map(|s| s.sample);
    let counts = limits::counts(c, &spec)?;
    let sigma_sites = limits::sigma_sites(c, spec.initial.sigma_sites)?;

    let landscape = spec
        .landscape
        .clone()
        .map(|l| landscape::landscape(c, l, &spec, temperature_k))
        .transpose()?;
    let names = states::names(c, &spec.states)?;
    let conditions = states::Conditions {
        temperature_k,
        sample: sample.as_ref(),
        geometry: spec.lattice.geometry,
        units: spec.units,
        dt_ps,
        landscape: landscape.as_ref(),
    };
    let mut table = states::table(c, &spec.states, &names, &conditions)?;
    let initial = initial::populations(
        c,
        &spec.initial.populations,
        &names,
        sample.as_ref(),
        temperature_k,
    )?;
    table.initial = traps::spread_initial(c, initial, &names, table.traps.as_ref())?;
    let names = table.names.clone();
    let max_dx_sites = limits::histograms(c, &spec, counts.frames, names.len(), sigma_sites)?;
    if spec.units.is_rate() {
        // Lambda is the largest over the size classes: each must fit.
        for k in 0..table.size_classes() {
            limits::events_per_frame(c, &table.of_size_class(k), dt_ps, counts.frames)?;
        }
    }

    let microscope = spec
        .microscope
        .clone()
        .map(|m| microscope(c, m))
        .transpose()?;

    let max_dx_sites = landscape::max_dx(
        c,
        landscape.as_ref(),
        max_dx_sites,
        &spec,
        names.len(),
        counts.frames,
    )?;

    let excitation = spec
        .excitation
        .map(|e| excitation(c, e, &spec, dt_ps, counts.frames))
        .transpose()?;
    Ok(Scenario {
        name: spec.name,
        file: file.to_path_buf(),
        geometry: spec.lattice.geometry,
        pitch_nm,
        dt_ps,
        frames: counts.frames,
        walkers: counts.walkers,
        seed: counts.seed,
        units: spec.units,
        sigma_sites,
        states: table,
        sample,
        temperature_k,
        record_profiles: spec.record_profiles,
        microscope,
        landscape,
        image: spec.image.map(|i| image(c, i, counts.frames)).transpose()?,
        excitation,
        max_dx_sites,
        occupancy_profile: spec.histogram.occupancy_profile,
    })
}

/// The microscope's widths and photon count are positive.
fn microscope(
    c: Check,
    m: crate::scenario::microscope::Microscope,
) -> Result<crate::scenario::microscope::Microscope, ScenarioError> {
    c.positive("microscope.psf_fwhm_nm", m.psf_fwhm_nm)?;
    c.positive("microscope.pixel_nm", m.pixel_nm)?;
    if let Some(p) = m.photons_per_frame {
        c.positive("microscope.photons_per_frame", p)?;
    }
    if let Some(p) = m.photons_total {
        c.positive("microscope.photons_total", p)?;
        if m.photons_per_frame.is_some() {
            return Err(c.fail(
                Kind::Conflict,
                "microscope.photons_total",
                "give photons_per_frame (the same in every frame) or photons_total (shared among frames as the PL), not both",
            ));
        }
    }
    Ok(m)
}

/// The image's frame is in the run, and its square of a sane size.
fn image(c: Check, i: super::ImageSpec, frames: u32) -> Result<super::ImageSpec, ScenarioError> {
    if i.frame >= frames {
        return Err(c.fail(
            Kind::OutOfRange,
            "image.frame",
            format!(
                "frame {} is past the run's last frame, {}",
                i.frame,
                frames - 1
            ),
        ));
    }
    if i.frames == 0 || u64::from(i.frame) + u64::from(i.frames) > u64::from(frames) {
        return Err(c.fail(
            Kind::OutOfRange,
            "image.frames",
            format!(
                "{} frames from frame {} do not fit the run's {frames} frames (at least 1)",
                i.frames, i.frame
            ),
        ));
    }
    if i.half_width_sites > super::MAX_IMAGE_HALF {
        return Err(c.fail(
            Kind::OutOfRange,
            "image.half_width_sites",
            format!(
                "{} is above the limit of {}",
                i.half_width_sites,
                super::MAX_IMAGE_HALF
            ),
        ));
    }
    Ok(i)
}

/// The pulse train: a period of whole frames, and a run long enough for its sum.
fn excitation(
    c: Check,
    e: crate::scenario::excitation::ExcitationSpec,
    spec: &super::schema::ScenarioFile,
    dt_ps: f64,
    frames: u32,
) -> Result<crate::scenario::excitation::PulseTrain, ScenarioError> {
    use crate::scenario::excitation::{PulseTrain, MAX_PULSES};
    let rep = c.positive("excitation.repetition_ns", e.repetition_ns)?;
    let period = rep * 1e3 / dt_ps;
    if (period - period.round()).abs() > 1e-6 * period || period.round() < 2.0 {
        return Err(c.fail(
            Kind::OutOfRange,
            "excitation.repetition_ns",
            format!(
                "{rep} ns is {period} frames of {dt_ps} ps: it must be a whole number of frames, at least 2"
            ),
        ));
    }
    if e.pulses == 0 || e.pulses > MAX_PULSES {
        return Err(c.fail(
            Kind::OutOfRange,
            "excitation.pulses",
            format!("{} pulses: from 1 to {MAX_PULSES}", e.pulses),
        ));
    }
    if period > f64::from(u32::MAX) {
        return Err(c.fail(
            Kind::OutOfRange,
            "excitation.repetition_ns",
            format!("{rep} ns is {period:.3e} frames of {dt_ps} ps, more than a run can hold"),
        ));
    }
    let train = PulseTrain {
        repetition_ns: rep,
        pulses: e.pulses,
        period_frames: period.round() as u32,
    };
    if train.frames_out(frames) < 2 {
        let need = u64::from(e.pulses - 1) * u64::from(train.period_frames) + 2;
        return Err(c.fail(
            Kind::OutOfRange,
            "frames",
            format!("{frames} frames are too few for {} pulses every {} frames: the earliest pulse's excitons are summed {} frames after it, so at least {need} frames are needed ({} x period covers the whole sum)", e.pulses, train.period_frames, need - 2, e.pulses),
        ));
    }
    for (set, what) in [
        (spec.image.is_some(), "image"),
        (
            spec.histogram.occupancy_profile,
            "histogram.occupancy_profile",
        ),
    ] {
        if set {
            return Err(c.fail(
                Kind::Conflict,
                "excitation",
                format!("a pulse train sums the recorded curves and profiles; `{what}` is not summed yet: leave one of them out"),
            ));
        }
    }
    Ok(train)
}
