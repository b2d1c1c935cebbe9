//! MSD(t), one curve per point (Figures 2e, 3c), one panel per value of a facet
//! parameter for sweeps of two or more.

use super::errors::{any_error, draw_band, error_note, extent, WithErr};
use super::facets::{grid_size, run_layout, Layout, Panel};
use super::labels::tick;
use super::style::{
    draw_line, e, footed, inline_legend, side_legend, style, title_area, upper, Area, Marks,
    SeriesStyle,
};
use super::{draw_png_sized, FigureError, PlotError, FONT};
use exciton_core::observables::T_MAX_MIN_WALKERS;
use exciton_io::results::{PointResult, RunResults};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Curves drawn at most in a panel; more are thinned, evenly spread, and named.
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

/// The microscope's apparent MSD (ns, nm^2, its standard error) over the same frames as
/// [`curve`], thinned to about 40 marks; empty without a microscope.
fn apparent(p: &PointResult) -> Vec<WithErr> {
    let frames = curve(p).len();
    let every = (frames / 40).max(1);
    let err = |i: usize| p.apparent_msd_stderr_nm2.get(i).copied().flatten();
    p.apparent_msd_nm2
        .iter()
        .take(frames)
        .enumerate()
        .step_by(every)
        .filter_map(|(i, m)| Some((p.time_ps[i] / 1000.0, Some((*m)?), err(i))))
        .collect()
}

/// The drawable values of a curve: one line through them.
fn line(c: &[WithErr]) -> Vec<(f64, f64)> {
    c.iter().filter_map(|&(t, m, _)| Some((t, m?))).collect()
}

/// Apparent-MSD marks may stretch the axis to this many times the curves' top; beyond
/// it (a fit on too few photons) they are drawn as arrows at the edge, and counted.
const APPARENT_REACH: f64 = 1.5;

/// One panel's curves and marks, by style index, and its y range.
struct PanelData {
    caption: String,
    curves: Vec<(usize, Vec<WithErr>)>,
    marks: Vec<(usize, Vec<WithErr>)>,
    y_top: f64,
}

impl PanelData {
    fn new(r: &RunResults, panel: &Panel) -> Self {
        let curves: Vec<(usize, Vec<WithErr>)> = panel
            .curves
            .iter()
            .map(|&(i, s)| (s, curve(&r.points[i])))
            .collect();
        let marks: Vec<(usize, Vec<WithErr>)> = panel
            .curves
            .iter()
            .map(|&(i, s)| (s, apparent(&r.points[i])))
            .filter(|(_, m)| !m.is_empty())
            .collect();
        let top = upper(curves.iter().flat_map(|(_, c)| extent(c)));
        let reach = marks
            .iter()
            .flat_map(|(_, m)| m.iter().filter_map(|p| p.1))
            .filter(|v| *v <= APPARENT_REACH * top);
        let y_top = upper(std::iter::once(top / 1.08).chain(reach));
        PanelData {
            caption: panel.caption.clone(),
            curves,
            marks,
            y_top,
        }
    }

    /// The values of the marks beyond the axis.
    fn off_axis(&self) -> Vec<f64> {
        let y_top = self.y_top;
        self.marks
            .iter()
            .flat_map(|(_, m)| m.iter().filter_map(|p| p.1))
            .filter(|v| *v < 0.0 || *v > y_top)
            .collect()
    }
}

/// What the figure's footnotes say beyond the errors: the microscope marks, the marks
/// off the axis, the points not drawn.
fn msd_notes(
    r: &RunResults,
    data: &[PanelData],
    layout: &Layout,
    pitch: Option<f64>,
) -> Vec<String> {
    let any = any_error(
        data.iter()
            .flat_map(|d| d.curves.iter().flat_map(|(_, c)| c)),
    );
    let mut notes = vec![error_note(
        "shaded bands",
        "the line",
        any,
        r.backend == "exact",
    )];
    if data.iter().any(|d| !d.marks.is_empty()) {
        notes.push("open circles: apparent MSD through the virtual microscope (PSF-blurred camera image, fitted per frame), same colour as its point, with its ±1 standard error bar".into());
    }
    let off: Vec<f64> = data.iter().flat_map(PanelData::off_axis).collect();
    if !off.is_empty() {
        let lo = off.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = off.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        notes.push(format!(
            "▲ ▼ at an edge: {} apparent MSD values beyond the axis (from {lo:.0} to {hi:.0} nm²: fits on too few emissions or photons), drawn at the edge they pass",
            off.len()
        ));
    }
    if data.len() > 1 {
        let sites = pitch.map_or(String::new(), |a| {
            format!("; 1 site² = {:.0} nm² (pitch {a} nm)", a * a)
        });
        notes.push(format!("each panel has its own MSD scale{sites}"));
    }
    notes.extend(layout.not_drawn.iter().cloned());
    notes
}

/// MSD(t) in nm^2, one curve per point, each in a shaded ±1 standard error band: one
/// panel for a sweep of one parameter (with a second axis in sites^2), one panel per
/// value of `facet` (see [`layout`]) for a sweep of more.
pub fn msd(
    r: &RunResults,
    path: &Path,
    note: &str,
    facet: Option<&str>,
) -> Result<PathBuf, FigureError> {
    let (layout, entries) = run_layout(r, path, facet, MAX_CURVES)?;
    let data: Vec<PanelData> = layout.panels.iter().map(|p| PanelData::new(r, p)).collect();
    let t_end = upper(
        r.points
            .iter()
            .flat_map(|p| p.time_ps.last().map(|t| t / 1000.0)),
    ) / 1.08;
    let pitch = r.points.first().map(|p| p.pitch_nm);
    let pitch = pitch.filter(|a| r.points.iter().all(|p| p.pitch_nm == *a));
    let title = format!(
        "{}: occupancy MSD, frames with ≥ {T_MAX_MIN_WALKERS:.0} effective walkers",
        r.scenario
    );
    let notes = msd_notes(r, &data, &layout, pitch);
    let (grid, size) = grid_size(data.len());
    draw_png_sized(path, size, |root| {
        let top = footed(root, note, &notes)?;
        let body = title_area(&top, &title, 32)?;
        let many = data.len() > 1;
        let (plot, beside) = side_legend(&body, &entries, Marks::Lines, many)?;
        if !many {
            return msd_panel(
                &plot,
                &data[0],
                (t_end, pitch),
                (!beside).then_some(&entries[..]),
            );
        }
        for (area, d) in plot.split_evenly(grid).iter().zip(&data) {
            let body = title_area(area, &d.caption, 24)?;
            msd_panel(&body, d, (t_end, None), None)?;
        }
        Ok(())
    })
}

/// One MSD chart on `area`: the bands, the lines, the apparent marks with their bars
/// (clamped to the axis, with an arrow at the edge for a mark beyond it); a second axis
/// in sites^2 when `pitch` is given; a legend inside when `legend` is.
fn msd_panel(
    area: &Area,
    d: &PanelData,
    (t_end, pitch): (f64, Option<f64>),
    legend: Option<&[(String, SeriesStyle)]>,
) -> Result<(), PlotError> {
    let small = area.dim_in_pixel().0 < 900;
    let (label, desc) = if small { (18, 20) } else { (24, 28) };
    let y_top = d.y_top;
    let mut chart = ChartBuilder::on(area)
        .margin(if small { 10 } else { 20 })
        .x_label_area_size(if small { 50 } else { 70 })
        .y_label_area_size(if small { 80 } else { 110 })
        .right_y_label_area_size(if pitch.is_some() { 110 } else { 0 })
        .build_cartesian_2d(0.0..t_end, 0.0..y_top)
        .map_err(e)?
        .set_secondary_coord(0.0..t_end, 0.0..y_top / pitch.map_or(1.0, |a| a * a));
    chart
        .configure_mesh()
        .x_desc("time after excitation (ns)")
        .y_desc("MSD (nm²)")
        .y_label_formatter(&|v| tick(*v, 1e5))
        .label_style((FONT, label))
        .axis_desc_style((FONT, desc))
        .draw()
        .map_err(e)?;
    if let Some(a) = pitch {
        chart
            .configure_secondary_axes()
            .y_desc(format!("MSD (sites², pitch {a} nm)"))
            .label_style((FONT, label))
            .axis_desc_style((FONT, desc))
            .draw()
            .map_err(e)?;
    }
    for (s, c) in &d.curves {
        draw_band(&mut chart, c, style(*s).color)?;
    }
    for (s, c) in &d.curves {
        draw_line(&mut chart, &line(c), style(*s), Marks::Lines, 6)?;
    }
    for (s, m) in &d.marks {
        let color = style(*s).color;
        let inside: Vec<WithErr> = m
            .iter()
            .filter(|p| p.1.is_some_and(|v| (0.0..=y_top).contains(&v)))
            .copied()
            .collect();
        // Each bar is cut at the axis ends, never shortened on the other side.
        let bars = inside.iter().filter_map(|&(t, v, err)| {
            let (v, s) = (v?, err.filter(|s| s.is_finite() && *s > 0.0)?);
            let ends = vec![(t, (v - s).max(0.0)), (t, (v + s).min(y_top))];
            Some(PathElement::new(ends, color.mix(0.7).stroke_width(1)))
        });
        chart.draw_series(bars).map_err(e)?;
        let stroke = color.stroke_width(2);
        chart
            .draw_series(
                inside
                    .iter()
                    .filter_map(|p| Some(Circle::new((p.0, p.1?), 5, stroke))),
            )
            .map_err(e)?;
        let beyond = m.iter().filter_map(|&(t, v, _)| {
            let v = v?;
            let (at, dir) = match v {
                v if v > y_top => (y_top, 1),
                v if v < 0.0 => (0.0, -1),
                _ => return None,
            };
            // A filled triangle pointing out of the axis (up at the top), its tip on the edge.
            let tri = vec![(0, 0), (-7, 12 * dir), (7, 12 * dir)];
            Some(EmptyElement::at((t, at)) + Polygon::new(tri, color.filled()))
        });
        chart.draw_series(beyond).map_err(e)?;
    }
    if let Some(entries) = legend {
        inline_legend(
            &mut chart,
            entries,
            Marks::Lines,
            SeriesLabelPosition::UpperLeft,
        )?;
    }
    Ok(())
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
