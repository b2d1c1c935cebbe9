//! The microscope's simulated camera frames as a stack file: the very images the engine
//! fits for its apparent MSD, so `analyze` of the file gives the engine's numbers and a
//! lab's own script can run on simulated data.

use super::stack::{Layout, Stack, StackMeta};
use crate::engine::Engine;
use crate::error::Error;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;

/// A point's camera frames as a line scan (frames x pixels along x, the microscope's
/// geometry), with the pixel, frame width and origin in its description. None without
/// a microscope.
pub fn simulated_stack(
    scenario: &Scenario,
    point: u64,
    curves: &exciton_core::observables::Curves,
) -> Option<Stack> {
    let i = exciton_core::microscope::images(scenario, point, curves)?;
    let columns = i.centres_nm.len();
    let data: Vec<f64> = i
        .frames
        .iter()
        .flat_map(|p| p.data.iter().copied())
        .collect();
    Some(Stack {
        file: format!("{}, point {point}", scenario.name).into(),
        layout: Layout::LineScan,
        frames: i.frames.len(),
        rows: 1,
        columns,
        data,
        saturation: None,
        meta: Some(StackMeta {
            written_by: "exciton-mc".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            pixel_nm: i.pixel_nm,
            frame_ps: scenario.dt_ps,
            origin_pixel: i.origin_pixel,
            values: i.values.name().into(),
        }),
    })
}

/// Runs `points` of scenarios on `engine` and hands each point's stack and the engine's
/// own apparent MSD to `done`, in order.
pub fn simulate(
    points: &[(&Scenario, u64)],
    engine: &Engine,
    progress: &Progress,
    mut done: impl FnMut(usize, Stack, exciton_core::microscope::Apparent) -> Result<(), Error>,
) -> Result<(), Error> {
    engine.estimates_each(points, progress, |k, e| {
        let (s, point) = points[k];
        let (Some(stack), Some(apparent)) = (
            simulated_stack(s, point, &e.curves),
            exciton_core::microscope::observe(s, point, &e.curves),
        ) else {
            return Ok(());
        };
        done(k, stack, apparent)
    })
}
