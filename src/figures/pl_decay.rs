//! PL decay on a log axis: total and per state for one point or a few (one panel each),
//! the total of each point for larger sweeps. Every panel says which point it shows.

use super::labels::{common_dt, per_frame, point_label};
use super::msd::MAX_CURVES;
use super::series::{log_segments, spread};
use super::style::{
    corner, draw_line, e, inline_legend, side_legend, style, title_area, Area, Marks,
};
use super::{draw_png, FigureError, FONT, SIZE};
use exciton_core::results::{PointResult, RunResults};
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Sweeps of up to this many points get one panel per point with the per-state curves.
const PANELS_MAX: usize = 4;

type Curve = (String, Vec<(f64, f64)>);

/// Total and per-state intensity of `p` against time in ns (states that never emit left out).
fn state_curves(p: &PointResult) -> Vec<Curve> {
    let t_ns = |v: &[f64]| -> Vec<(f64, f64)> {
        p.time_ps
            .iter()
            .zip(v)
            .map(|(t, v)| (t / 1000.0, *v))
            .collect()
    };
    let mut curves = vec![("total".to_string(), t_ns(&p.intensity))];
    for (name, v) in &p.intensity_by_state {
        if v.iter().any(|v| *v > 0.0) {
            curves.push((format!("from {name}"), t_ns(v)));
        }
    }
    curves
}

fn tau(p: &PointResult) -> String {
    p.tau_pl_ps.map_or("-".into(), |t| format!("{t:.0} ps"))
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

/// One log-axis chart of `curves` on `area`: each a line through its positive values,
/// broken where a frame has none (an isolated value is a dot).
fn log_chart(
    area: &Area,
    caption: &str,
    curves: &[Curve],
    y: Range<f64>,
    y_desc: &str,
    t_end: f64,
) -> Result<(), String> {
    let entries: Vec<_> = curves
        .iter()
        .enumerate()
        .map(|(i, c)| (c.0.clone(), style(i)))
        .collect();
    let body = title_area(area, caption)?;
    let (plot, beside) = side_legend(&body, &entries, Marks::Lines, false)?;
    let small = area.dim_in_pixel().0 < SIZE.0 / 2 + 100;
    let mut chart = ChartBuilder::on(&plot)
        .margin(20)
        .x_label_area_size(if small { 50 } else { 70 })
        .y_label_area_size(if small { 100 } else { 130 })
        .build_cartesian_2d(0.0..t_end, y.log_scale())
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("time after excitation (ns)")
        .y_desc(y_desc)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .label_style((FONT, if small { 18 } else { 24 }))
        .axis_desc_style((FONT, if small { 18 } else { 26 }))
        .draw()
        .map_err(e)?;
    for (i, (_, pts)) in curves.iter().enumerate() {
        let st = style(i);
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
        inline_legend(
            &mut chart,
            &entries,
            Marks::Lines,
            SeriesLabelPosition::UpperRight,
        )?;
    }
    Ok(())
}

/// Total and per-state PL intensity (emissions per walker per frame) on a log axis: one
/// panel per point for up to [`PANELS_MAX`] points, else the total of each point.
pub fn pl_decay(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    if r.points.is_empty() {
        return Err(FigureError {
            path: path.to_path_buf(),
            reason: "no points".into(),
        });
    }
    let t_end = r
        .points
        .iter()
        .filter_map(|p| p.time_ps.last())
        .fold(0.0f64, |a, t| a.max(*t))
        / 1000.0;
    let t_end = if t_end > 0.0 { t_end } else { 1.0 };
    let y_desc = format!("PL (emissions per walker {})", per_frame(common_dt(r)));
    match r.points.len() {
        1 => one_point(r, path, note, &y_desc, t_end),
        n if n <= PANELS_MAX => panels(r, path, note, &y_desc, t_end),
        _ => totals(r, path, note, &y_desc, t_end),
    }
}

fn one_point(
    r: &RunResults,
    path: &Path,
    note: &str,
    y_desc: &str,
    t_end: f64,
) -> Result<PathBuf, FigureError> {
    let p = &r.points[0];
    let curves = state_curves(p);
    let label = point_label(p);
    let which = if label.is_empty() {
        String::new()
    } else {
        format!(", {label}")
    };
    let caption = format!(
        "{}{which}: PL decay per state (tau_PL {})",
        r.scenario,
        tau(p)
    );
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        log_chart(
            &top,
            &caption,
            &curves,
            log_range(curves.iter()),
            y_desc,
            t_end,
        )?;
        corner(root, note)
    })
}

/// One panel per point, each titled with the point's parameters, on a shared y range.
fn panels(
    r: &RunResults,
    path: &Path,
    note: &str,
    y_desc: &str,
    t_end: f64,
) -> Result<PathBuf, FigureError> {
    let all: Vec<Vec<Curve>> = r.points.iter().map(state_curves).collect();
    let y = log_range(all.iter().flatten());
    let grid = if r.points.len() == 2 { (1, 2) } else { (2, 2) };
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let title = format!("{}: PL decay per state, one panel per point", r.scenario);
        let body = title_area(&top, &title)?;
        for ((area, p), curves) in body.split_evenly(grid).iter().zip(&r.points).zip(&all) {
            let caption = format!("{} (tau_PL {})", point_label(p), tau(p));
            log_chart(area, &caption, curves, y.clone(), y_desc, t_end)?;
        }
        corner(root, note)
    })
}

/// The total PL of each point (at most [`MAX_CURVES`], evenly spread), one line each.
fn totals(
    r: &RunResults,
    path: &Path,
    note: &str,
    y_desc: &str,
    t_end: f64,
) -> Result<PathBuf, FigureError> {
    let shown = spread(r.points.len(), MAX_CURVES);
    let curves: Vec<Curve> = shown
        .iter()
        .map(|&i| {
            let p = &r.points[i];
            let total = state_curves(p).swap_remove(0).1;
            (point_label(p), total)
        })
        .collect();
    let which = match shown.len() < r.points.len() {
        true => format!(
            "{} of {} points, evenly spread",
            shown.len(),
            r.points.len()
        ),
        false => "each point".into(),
    };
    let caption = format!(
        "{}: total PL of {which} (per state: sweeps of ≤ {PANELS_MAX} points)",
        r.scenario
    );
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        log_chart(
            &top,
            &caption,
            &curves,
            log_range(curves.iter()),
            y_desc,
            t_end,
        )?;
        corner(root, note)
    })
}
