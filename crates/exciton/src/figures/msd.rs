//! MSD(t), one curve per point (Figures 2e, 3c).

use super::errors::{any_error, draw_band, error_note, extent, WithErr};
use super::labels::point_label;
use super::series::spread;
use super::style::{
    draw_line, e, footed, inline_legend, side_legend, style, title_area, upper, Marks,
};
use super::{draw_png, FigureError, FONT};
use exciton_core::observables::T_MAX_MIN_WALKERS;
use exciton_io::results::{PointResult, RunResults};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Curves drawn at most; a larger sweep shows this many points, evenly spread.
pub(crate) const MAX_CURVES: usize = 24;

/// The occupancy MSD (ns, nm^2, its standard error in nm^2) over the frames resting on
/// enough effective walkers, the frames the t_max search also uses.
fn curve(p: &PointResult) -> Vec<WithErr> {
    let at = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
    p.time_ps
        .iter()
        .enumerate()
        .take_while(|(i, _)| {
            p.occupancy_walkers
                .get(*i)
                .is_some_and(|w| *w >= T_MAX_MIN_WALKERS)
        })
        .map(|(i, t)| {
            let m = at(&p.msd_occupancy_nm2, i);
            (t / 1000.0, m, m.and(at(&p.msd_occupancy_stderr_nm2, i)))
        })
        .collect()
}

/// The microscope's apparent MSD (ns, nm^2) over the same frames as [`curve`], thinned
/// to about 40 marks; empty without a microscope.
fn apparent(p: &PointResult) -> Vec<(f64, f64)> {
    let frames = curve(p).len();
    let every = (frames / 40).max(1);
    p.apparent_msd_nm2
        .iter()
        .take(frames)
        .enumerate()
        .step_by(every)
        .filter_map(|(i, m)| Some((p.time_ps[i] / 1000.0, (*m)?)))
        .collect()
}

/// The drawable values of a curve: one line through them.
fn line(c: &[WithErr]) -> Vec<(f64, f64)> {
    c.iter().filter_map(|&(t, m, _)| Some((t, m?))).collect()
}

/// MSD(t) in nm^2 (left axis) and sites^2 (right axis), one curve per point, each in a
/// shaded ±1 standard error band.
pub fn msd(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let shown = spread(r.points.len(), MAX_CURVES);
    let curves: Vec<(String, Vec<WithErr>)> = shown
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
    let y_top = upper(curves.iter().flat_map(|(_, c)| extent(c)));
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
    let any = any_error(curves.iter().flat_map(|(_, c)| c));
    let footnote = error_note("shaded bands", "the line", any, r.backend == "exact");
    let marks: Vec<Vec<(f64, f64)>> = shown.iter().map(|&i| apparent(&r.points[i])).collect();
    let microscope = marks.iter().any(|m| !m.is_empty());
    let mut notes = vec![footnote];
    if microscope {
        notes.push("open circles: apparent MSD through the virtual microscope (PSF-blurred camera image, fitted per frame), same colour as its point".into());
    }
    draw_png(path, |root| {
        let top = footed(root, note, &notes)?;
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
        for (i, (_, c)) in curves.iter().enumerate() {
            draw_band(&mut chart, c, style(i).color)?;
        }
        for (i, (_, c)) in curves.iter().enumerate() {
            draw_line(&mut chart, &line(c), style(i), Marks::Lines, 6)?;
        }
        for (i, m) in marks.iter().enumerate() {
            let color = style(i).color.stroke_width(2);
            chart
                .draw_series(
                    m.iter()
                        .filter(|p| p.1 >= 0.0 && p.1 <= y_top)
                        .map(|&p| Circle::new(p, 5, color)),
                )
                .map_err(e)?;
        }
        if !beside {
            inline_legend(
                &mut chart,
                &entries,
                Marks::Lines,
                SeriesLabelPosition::UpperLeft,
            )?;
        }
        Ok(())
    })
}

const _: () = assert!(MAX_CURVES <= super::style::DISTINCT_STYLES);

#[cfg(test)]
mod tests {
    use super::super::fixture::point;
    use super::*;

    #[test]
    fn curves_stop_at_the_walker_cut_and_carry_errors_where_recorded() {
        // Written before errors existed: the curve, no band.
        let mut p = point(&[], None, None);
        assert_eq!(
            curve(&p),
            [(0.0, Some(0.0), None), (0.025, Some(49.0), None)]
        );
        p.msd_occupancy_stderr_nm2 = vec![None, Some(4.9), Some(9.8)];
        p.msd_occupancy_nm2[0] = None;
        let c = curve(&p);
        assert_eq!(c, [(0.0, None, None), (0.025, Some(49.0), Some(4.9))]);
        assert_eq!(line(&c), [(0.025, 49.0)]);
    }
}
