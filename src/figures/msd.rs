//! MSD(t), one curve per point (Figures 2e, 3c).

use super::labels::point_label;
use super::series::spread;
use super::style::{
    corner, draw_line, e, inline_legend, side_legend, style, title_area, upper, Marks,
};
use super::{draw_png, FigureError, FONT, SIZE};
use exciton_core::observables::T_MAX_MIN_WALKERS;
use exciton_core::results::RunResults;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Curves drawn at most; a larger sweep shows this many points, evenly spread.
pub(crate) const MAX_CURVES: usize = 24;

/// The occupancy MSD (ns, nm^2) over the frames resting on enough effective walkers,
/// the frames the t_max search also uses.
fn curve(p: &exciton_core::results::PointResult) -> Vec<(f64, f64)> {
    p.time_ps
        .iter()
        .zip(&p.msd_occupancy_nm2)
        .zip(&p.occupancy_walkers)
        .take_while(|(_, w)| **w >= T_MAX_MIN_WALKERS)
        .filter_map(|((t, m), _)| m.map(|m| (t / 1000.0, m)))
        .collect()
}

/// MSD(t) in nm^2 (left axis) and sites^2 (right axis), one curve per point.
pub fn msd(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let shown = spread(r.points.len(), MAX_CURVES);
    let curves: Vec<(String, Vec<(f64, f64)>)> = shown
        .iter()
        .map(|&i| (point_label(&r.points[i]), curve(&r.points[i])))
        .collect();
    let entries: Vec<_> = (0..curves.len())
        .map(|i| (curves[i].0.clone(), style(i)))
        .collect();
    let t_end = upper(
        r.points
            .iter()
            .flat_map(|p| p.time_ps.last().map(|t| t / 1000.0)),
    ) / 1.08;
    let y_top = upper(curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.1)));
    let pitch = r.points.first().map_or(1.0, |p| p.pitch_nm);
    let same_pitch = r.points.iter().all(|p| p.pitch_nm == pitch);
    let subset = if shown.len() < r.points.len() {
        format!(
            "; {} of {} points, evenly spread in sweep order",
            shown.len(),
            r.points.len()
        )
    } else {
        String::new()
    };
    let title = format!(
        "{}: occupancy MSD, frames with ≥ {T_MAX_MIN_WALKERS:.0} effective walkers{subset}",
        r.scenario
    );
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let body = title_area(&top, &title, 32)?;
        let (plot, beside) = side_legend(&body, &entries, Marks::Lines, false)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .right_y_label_area_size(if same_pitch { 110 } else { 0 })
            .build_cartesian_2d(0.0..t_end, 0.0..y_top)
            .map_err(e)?
            .set_secondary_coord(0.0..t_end, 0.0..y_top / (pitch * pitch));
        chart
            .configure_mesh()
            .x_desc("time after excitation (ns)")
            .y_desc("MSD (nm²)")
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 28))
            .draw()
            .map_err(e)?;
        if same_pitch {
            chart
                .configure_secondary_axes()
                .y_desc(format!("MSD (sites², pitch {pitch} nm)"))
                .label_style((FONT, 24))
                .axis_desc_style((FONT, 28))
                .draw()
                .map_err(e)?;
        }
        for (i, (_, pts)) in curves.iter().enumerate() {
            draw_line(&mut chart, pts, style(i), Marks::Lines, 6)?;
        }
        if !beside {
            inline_legend(
                &mut chart,
                &entries,
                Marks::Lines,
                SeriesLabelPosition::UpperLeft,
            )?;
        }
        corner(root, note)
    })
}

const _: () = assert!(MAX_CURVES <= super::style::DISTINCT_STYLES);
