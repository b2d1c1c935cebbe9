//! The microscope's simulated camera frames as a stack file: the very images the engine
//! fits for its apparent MSD, so `analyze` of the file gives the engine's numbers and a
//! lab's own script can run on simulated data.

use super::stack::{Layout, Stack, StackMeta};
use crate::engine::Engine;
use crate::error::Error;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;

/// A point's camera frames `i` as a line scan (frames x pixels along x, the microscope's
/// geometry), with the pixel, frame width and origin in its description.
fn stack_of(scenario: &Scenario, point: u64, i: &exciton_core::microscope::Images) -> Stack {
    let columns = i.centres_nm.len();
    let data: Vec<f64> = i
        .frames
        .iter()
        .flat_map(|p| p.data.iter().copied())
        .collect();
    Stack {
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
    }
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
        // The images the engine fitted, written as they are: made once.
        match exciton_core::microscope::observe_with_images(s, point, &e.curves) {
            Some((i, apparent)) => done(k, stack_of(s, point, &i), apparent),
            None => Ok(()),
        }
    })
}
