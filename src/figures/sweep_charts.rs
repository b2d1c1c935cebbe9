//! Scalars against a swept parameter: t_max (Figure 3d) and D_avg, tau_PL and L
//! against temperature (Figure 4). One series per combination of the other swept
//! parameters' values.

use super::labels::{axis_label, common_dt, run_units, short_names};
use super::series::{free_keys, group_series, spread, Params, Series};
use super::style::{
    corner, draw_line, e, inline_legend, side_legend, style, title_area, upper, Marks,
    INLINE_LEGEND_MAX,
};
use super::{draw_png, FigureError, FONT, SIZE};
use exciton_core::results::{PointResult, RunResults};
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Series drawn at most; more are thinned, evenly spread, and the title says so.
pub(crate) const MAX_SERIES: usize = 24;

/// From 0 (or the smallest value, when negative) to 8 % above the largest.
fn span(values: impl Iterator<Item = f64>) -> Range<f64> {
    let v: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    let lo = v.iter().copied().fold(0.0f64, f64::min);
    lo * 1.08..upper(v.into_iter())
}

/// The swept parameter t_max is drawn against: the first numeric one that takes more
/// than one value (the first numeric one when none does).
fn x_parameter(r: &RunResults) -> Option<String> {
    let keys = r.points.first()?.parameters.keys();
    let numeric: Vec<&String> = keys
        .filter(|k| {
            r.points
                .iter()
                .all(|p| p.parameters.get(*k).and_then(|v| v.as_f64()).is_some())
        })
        .collect();
    let varies = |k: &&&String| {
        r.points
            .iter()
            .any(|p| p.parameters[**k] != r.points[0].parameters[**k])
    };
    numeric
        .iter()
        .find(varies)
        .or(numeric.first())
        .map(|k| k.to_string())
}

/// Parameters swept along with `x_key` (zip sweeps), named after the axis.
fn swept_with(params: &[&Params], xs: &[Option<f64>], x_key: &str) -> String {
    let free = free_keys(params, xs, Some(x_key));
    let Some(first) = params.first() else {
        return String::new();
    };
    let with: Vec<&str> = first
        .keys()
        .filter(|k| *k != x_key && !free.contains(k))
        .filter(|k| params.iter().any(|p| p.get(*k) != first.get(*k)))
        .map(String::as_str)
        .collect();
    match with.is_empty() {
        true => String::new(),
        false => format!("; {} swept with it", short_names(&with).join(", ")),
    }
}

/// At most [`MAX_SERIES`] of `all`, with a note for the title when some are left out.
fn thin(all: Vec<Series>) -> (Vec<Series>, String) {
    let n = all.len();
    let keep = spread(n, MAX_SERIES);
    let note = match keep.len() < n {
        true => format!(" ({} of {n} series, evenly spread)", keep.len()),
        false => String::new(),
    };
    let kept = all
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.contains(i));
    (kept.map(|(_, s)| s).collect(), note)
}

/// t_max against the first swept numeric parameter (Figure 3d), one line per
/// combination of the other swept parameters.
pub fn t_max(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let key = x_parameter(r).ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        reason: "t_max needs a sweep over a numeric parameter".into(),
    })?;
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let xy: Vec<_> = r
        .points
        .iter()
        .map(|p| (p.parameters[&key].as_f64(), p.t_max_ps.map(|t| t / 1000.0)))
        .collect();
    let xs: Vec<Option<f64>> = xy.iter().map(|p| p.0).collect();
    let x_desc = axis_label(&key, run_units(r), common_dt(r)) + &swept_with(&params, &xs, &key);
    let (series, thinned) = thin(group_series(&params, &xy, Some(&key)));
    let missing = r.points.iter().filter(|p| p.t_max_ps.is_none()).count();
    let mut title = format!("{}: time of the MSD maximum{thinned}", r.scenario);
    if missing > 0 {
        let has = if missing == 1 { "has" } else { "have" };
        title += &format!(
            "; {missing} of {} points {has} none before the run ends",
            r.points.len()
        );
    }
    let entries: Vec<_> = (0..series.len())
        .map(|i| (series[i].label.clone(), style(i)))
        .collect();
    let x = span(xs.iter().flatten().copied());
    let y = span(series.iter().flat_map(|s| s.values().map(|p| p.1)));
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let body = title_area(&top, &title, 32)?;
        let (plot, beside) = side_legend(&body, &entries, Marks::Points, false)?;
        let mut chart = ChartBuilder::on(&plot)
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x, y)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("t_max (ns)")
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 24))
            .draw()
            .map_err(e)?;
        for (i, s) in series.iter().enumerate() {
            for run in s.runs() {
                draw_line(&mut chart, &run, style(i), Marks::Points, 7)?;
            }
        }
        if !beside {
            inline_legend(
                &mut chart,
                &entries,
                Marks::Points,
                SeriesLabelPosition::UpperRight,
            )?;
        }
        corner(root, note)
    })
}

type Pick = fn(&PointResult) -> Option<f64>;

/// The panels of the temperature figure: axis label and value.
const PANELS: [(&str, Pick); 3] = [
    ("D_avg (cm²/s)", |p| p.d_avg_cm2_s),
    ("tau_PL (ns)", |p| p.tau_pl_ps.map(|t| t / 1000.0)),
    ("diffusion length L (nm)", |p| p.diffusion_length_nm),
];

/// The series of one panel: `pick` against temperature, grouped by the other parameters.
fn temperature_series(r: &RunResults, pick: Pick) -> Vec<Series> {
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let xy: Vec<_> = r
        .points
        .iter()
        .map(|p| (p.temperature_k, pick(p)))
        .collect();
    thin(group_series(&params, &xy, Some("temperature_K"))).0
}

/// The title: the run, its sample when all points share one, and any thinning.
fn temperature_title(r: &RunResults) -> String {
    let first = r.points.first().and_then(|p| p.sample.as_ref());
    let same = r.points.iter().all(|p| p.sample.as_ref() == first);
    let sample = match (first, same) {
        (Some(s), true) => format!(" ({})", s.name),
        _ => String::new(),
    };
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let xy: Vec<_> = r
        .points
        .iter()
        .map(|p| (p.temperature_k, Some(0.0)))
        .collect();
    let thinned = thin(group_series(&params, &xy, Some("temperature_K"))).1;
    format!(
        "{}{sample}: diffusion against temperature{thinned}",
        r.scenario
    )
}

/// D_avg, tau_PL and L against temperature (Figure 4), one line per combination of the
/// other swept parameters (per sample in Figure 4), their legend beside the panels.
pub fn temperature(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    if r.points.iter().all(|p| p.temperature_k.is_none()) {
        return Err(FigureError {
            path: path.to_path_buf(),
            reason: "no point has a temperature_K".into(),
        });
    }
    let panels: Vec<(&str, Vec<Series>)> = PANELS
        .iter()
        .map(|(label, pick)| (*label, temperature_series(r, *pick)))
        .collect();
    let entries: Vec<_> = panels[0]
        .1
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label.clone(), style(i)))
        .collect();
    let x = span(r.points.iter().filter_map(|p| p.temperature_k));
    let title = temperature_title(r);
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let body = title_area(&top, &title, 32)?;
        let (plot, _) = side_legend(&body, &entries, Marks::Points, true)?;
        for (area, (label, series)) in plot.split_evenly((1, 3)).iter().zip(&panels) {
            let y = span(series.iter().flat_map(|s| s.values().map(|p| p.1)));
            let mut chart = ChartBuilder::on(area)
                .margin(15)
                .margin_right(30)
                .x_label_area_size(60)
                .y_label_area_size(100)
                .build_cartesian_2d(x.clone(), y)
                .map_err(e)?;
            chart
                .configure_mesh()
                .x_labels(5)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .x_desc("temperature (K)")
                .y_desc(*label)
                .label_style((FONT, 20))
                .axis_desc_style((FONT, 24))
                .draw()
                .map_err(e)?;
            let px = if series.len() > INLINE_LEGEND_MAX {
                5
            } else {
                6
            };
            for (i, s) in series.iter().enumerate() {
                for run in s.runs() {
                    draw_line(&mut chart, &run, style(i), Marks::Points, px)?;
                }
            }
        }
        corner(root, note)
    })
}

const _: () = assert!(MAX_SERIES <= super::style::DISTINCT_STYLES);
