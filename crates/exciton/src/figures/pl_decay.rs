//! PL decay on a log axis: total and per state for one point or a few (one panel each),
//! the total of each point for larger sweeps. Every panel says which point it shows.

use super::errors::{any_error, draw_band, error_note, log_band_points};
use super::facets::{grid_size, run_layout};
use super::labels::{common_dt, per_frame, point_label, with_error};
use super::msd::MAX_CURVES;
use super::series::log_segments;
use super::style::{
    draw_line, e, footed, inline_legend, side_legend, style, title_area, Area, Marks,
};
use super::{draw_png, draw_png_sized, FigureError, FONT, SIZE};
use super::{FigureProblem, PlotError};
use exciton_io::results::{PointResult, RunResults};
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Sweeps of up to this many points get one panel per point with the per-state curves.
const PANELS_MAX: usize = 4;

/// Label, (t in ns, value), and each value's standard error (empty: none).
type Curve = (String, Vec<(f64, f64)>, Vec<Option<f64>>);

/// What every panel of a figure shares: the time range, the y range and its label.
struct Axes {
    t_end: f64,
    y: Range<f64>,
    y_desc: String,
}

/// The states that emit at some point of the run, in the results' order (the same
/// list, so the same styles, in every panel).
fn emitting_states(r: &RunResults) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, v) in r.points.iter().flat_map(|p| &p.intensity_by_state) {
        if !names.contains(name) && v.iter().any(|v| *v > 0.0) {
            names.push(name.clone());
        }
    }
    names
}

/// Total and per-state intensity of `p` against time in ns, for `states`.
fn state_curves(p: &PointResult, states: &[String]) -> Vec<Curve> {
    let t_ns = |v: &[f64]| -> Vec<(f64, f64)> {
        p.time_ps
            .iter()
            .zip(v)
            .map(|(t, v)| (t / 1000.0, *v))
            .collect()
    };
    let total = t_ns(&p.intensity);
    let mut curves = vec![("total".to_string(), total, p.intensity_stderr.clone())];
    for name in states {
        let v = p.intensity_by_state.get(name).map_or(&[][..], |v| &v[..]);
        curves.push((format!("from {name}"), t_ns(v), Vec::new()));
    }
    curves
}

fn tau(p: &PointResult) -> String {
    p.tau_pl_ps
        .map_or("-".into(), |t| with_error(t, p.tau_pl_stderr_ps, "ps", 0))
}

/// The log axis range over the values it can show: 0.8 x the smallest to 1.5 x the largest.
fn log_range<'a>(curves: impl Iterator<Item = &'a Curve>) -> Range<f64> {
    let shown = curves.flat_map(|c| log_segments(c.1.iter().copied()).into_iter().flatten());
    let (lo, hi) = shown.fold((f64::MAX, 0.0f64), |(lo, hi), (_, v)| {
        (lo.min(v), hi.max(v))
    });
    match hi > 0.0 {
        true => lo * 0.8..hi * 1.5,
        false => 1e-6..1.0,
    }
}

/// What the shaded bands are: the total's ±1 s.e.; with `per_state`, a second line:
/// the per-state curves, emission counts, carry none.
fn band_notes<'a>(
    r: &RunResults,
    curves: impl Iterator<Item = &'a Curve>,
    per_state: bool,
) -> Vec<String> {
    let bands: Vec<_> = curves.map(|c| log_band_points(&c.1, &c.2)).collect();
    let any = any_error(bands.iter().flatten());
    let exact = r.backend == "exact";
    let drawn = match per_state {
        true => "band around the total",
        false => "shaded bands",
    };
    let mut notes = vec![error_note(drawn, "the line", any, exact)];
    if per_state && any {
        notes.push(
            "per-state curves: emissions counted per walker per frame, drawn without errors".into(),
        );
    }
    notes
}

/// `curves` with their style indices: in order.
fn styled(curves: &[Curve]) -> Vec<(usize, Curve)> {
    curves.iter().cloned().enumerate().collect()
}

/// Legend entries of `curves`, each in its style.
fn entries(curves: &[(usize, Curve)]) -> Vec<(String, super::style::SeriesStyle)> {
    curves
        .iter()
        .map(|(i, c)| (c.0.clone(), style(*i)))
        .collect()
}

/// One log-axis chart of `curves` on `area` under `caption` (at most `size` pixels):
/// each a line through its positive values, broken where a frame has none (an isolated
/// value is a dot); its own legend when `legend`.
fn log_chart(
    area: &Area,
    (caption, size): (&str, u32),
    curves: &[(usize, Curve)],
    axes: &Axes,
    legend: bool,
) -> Result<(), PlotError> {
    let entries = if legend { entries(curves) } else { Vec::new() };
    let body = title_area(area, caption, size)?;
    let (plot, beside) = side_legend(&body, &entries, Marks::Lines, false)?;
    let small = area.dim_in_pixel().0 < SIZE.0 / 2 + 100;
    let mut chart = ChartBuilder::on(&plot)
        .margin(20)
        .x_label_area_size(if small { 50 } else { 70 })
        .y_label_area_size(if small { 100 } else { 130 })
        .build_cartesian_2d(0.0..axes.t_end, axes.y.clone().log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("time after excitation (ns)")
        .y_desc(axes.y_desc.as_str())
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, if small { 18 } else { 24 }))
        .axis_desc_style((FONT, if small { 18 } else { 26 }))
        .draw()
        .map_err(e)?;
    for (i, (_, pts, errs)) in curves {
        draw_band(&mut chart, &log_band_points(pts, errs), style(*i).color)?;
    }
    for (i, (_, pts, _)) in curves {
        let st = style(*i);
        for seg in log_segments(pts.iter().copied()) {
            match seg.len() {
                1 => chart
                    .draw_series(std::iter::once(Circle::new(seg[0], 2, st.color.filled())))
                    .map(|_| ())
                    .map_err(e)?,
                _ => draw_line(&mut chart, &seg, st, Marks::Lines, 6)?,
            }
        }
    }
    if !beside {
        let at = SeriesLabelPosition::UpperRight;
        inline_legend(&mut chart, &entries, Marks::Lines, at)?;
    }
    Ok(())
}

/// Total and per-state PL intensity (emissions per walker per frame) on a log axis: one
/// panel per point for up to [`PANELS_MAX`] points, else the total of each point.
pub fn pl_decay(
    r: &RunResults,
    path: &Path,
    note: &str,
    facet: Option<&str>,
) -> Result<PathBuf, FigureError> {
    if r.points.is_empty() {
        return Err(FigureError {
            path: path.to_path_buf(),
            problem: FigureProblem::Missing("no points".into()),
        });
    }
    let t_end = r
        .points
        .iter()
        .filter_map(|p| p.time_ps.last())
        .fold(0.0f64, |a, t| a.max(*t));
    let axes = Axes {
        t_end: if t_end > 0.0 { t_end / 1000.0 } else { 1.0 },
        y: 1e-6..1.0,
        y_desc: format!("PL (emissions per walker {})", per_frame(common_dt(r))),
    };
    match r.points.len() {
        n if n <= PANELS_MAX && facet.is_none() => panels(r, path, note, axes),
        _ => totals(r, path, note, axes, facet),
    }
}

/// One panel per point, each titled with the point's parameters, on a shared y range;
/// a single point fills the figure.
fn panels(r: &RunResults, path: &Path, note: &str, axes: Axes) -> Result<PathBuf, FigureError> {
    let states = emitting_states(r);
    let all: Vec<Vec<Curve>> = r.points.iter().map(|p| state_curves(p, &states)).collect();
    let axes = Axes {
        y: log_range(all.iter().flatten()),
        ..axes
    };
    let grid = match r.points.len() {
        1 => (1, 1),
        2 => (1, 2),
        _ => (2, 2),
    };
    let footnotes = band_notes(r, all.iter().flatten(), true);
    draw_png(path, |root| {
        let top = footed(root, note, &footnotes)?;
        if let [p] = &r.points[..] {
            let label = point_label(p);
            let which = if label.is_empty() {
                String::new()
            } else {
                format!(", {label}")
            };
            let title = format!(
                "{}{which}: PL decay per state (tau_PL {})",
                r.scenario,
                tau(p)
            );
            return log_chart(&top, (&title, 32), &styled(&all[0]), &axes, true);
        }
        let title = format!("{}: PL decay per state, one panel per point", r.scenario);
        let body = title_area(&top, &title, 32)?;
        let (plot, _) = side_legend(&body, &entries(&styled(&all[0])), Marks::Lines, true)?;
        for ((area, p), curves) in plot.split_evenly(grid).iter().zip(&r.points).zip(&all) {
            let caption = format!("{} (tau_PL {})", point_label(p), tau(p));
            log_chart(area, (&caption, 24), &styled(curves), &axes, false)?;
        }
        Ok(())
    })
}

/// The total PL of each point, one line each: in one panel for a sweep of one
/// parameter, one panel per value of `facet` for more ([`layout`]), on a shared y range.
fn totals(
    r: &RunResults,
    path: &Path,
    note: &str,
    axes: Axes,
    facet: Option<&str>,
) -> Result<PathBuf, FigureError> {
    let (layout, entries) = run_layout(r, path, facet, MAX_CURVES)?;
    let total = |i: usize| {
        let (_, pts, errs) = state_curves(&r.points[i], &[]).swap_remove(0);
        (pts, errs)
    };
    // Per panel: (style index, curve), the label being the legend's.
    let panels: Vec<(String, Vec<(usize, Curve)>)> = layout
        .panels
        .iter()
        .map(|p| {
            let curves = p.curves.iter().map(|&(i, st)| {
                let (pts, errs) = total(i);
                (st, (layout.legend[st].clone(), pts, errs))
            });
            (p.caption.clone(), curves.collect())
        })
        .collect();
    let all = || panels.iter().flat_map(|(_, c)| c.iter().map(|(_, c)| c));
    let axes = Axes {
        y: log_range(all()),
        ..axes
    };
    let title = format!(
        "{}: total PL per point (per state: sweeps of ≤ {PANELS_MAX} points)",
        r.scenario
    );
    let mut footnotes = band_notes(r, all(), false);
    footnotes.extend(layout.not_drawn.iter().cloned());
    let (grid, size) = grid_size(panels.len());
    draw_png_sized(path, size, |root| {
        let top = footed(root, note, &footnotes)?;
        if let [(_, curves)] = &panels[..] {
            return log_chart(&top, (&title, 32), curves, &axes, true);
        }
        let body = title_area(&top, &title, 32)?;
        let (plot, _) = side_legend(&body, &entries, Marks::Lines, true)?;
        for (area, (caption, curves)) in plot.split_evenly(grid).iter().zip(&panels) {
            log_chart(area, (caption, 24), curves, &axes, false)?;
        }
        Ok(())
    })
}
