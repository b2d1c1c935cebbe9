//! Scalars against a swept parameter: D_avg, tau_PL and L against temperature
//! (Figure 4), with ±1 standard error bars, one series per combination of the other
//! swept parameters' values; the ranges and thinning t_max ([`super::t_max`]) shares.

use super::errors::{
    any_error, draw_bars, error_note, extent, flagged_by, max_relative, warning_about, L_RESTS_ON,
};
use super::series::{group_series, spread, xy_of, Params, Series};
use super::style::{
    draw_line, e, footed, side_legend, style, title_area, upper, Area, Marks, INLINE_LEGEND_MAX,
};
use super::{draw_png, FigureError, FONT};
use super::{FigureProblem, PlotError};
use exciton_io::results::{PointResult, RunResults};
use plotters::prelude::*;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Series drawn at most; more are thinned, evenly spread, and the title says so.
pub(crate) const MAX_SERIES: usize = 24;

/// From 0 (or the smallest value, when negative) to 8 % above the largest.
pub(crate) fn span(values: impl Iterator<Item = f64>) -> Range<f64> {
    let v: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    let lo = v.iter().copied().fold(0.0f64, f64::min);
    lo * 1.08..upper(v.into_iter())
}

/// At most [`MAX_SERIES`] of `all`, with a note for the title when some are left out.
pub(crate) fn thin(all: Vec<Series>) -> (Vec<Series>, String) {
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

type Pick = fn(&PointResult) -> Option<f64>;

/// The panels of the temperature figure: axis label, value and its standard error.
/// tau_PL is the 1/e time of the occupancy's instantaneous intensity (`tau_pl_ps`).
const PANELS: [(&str, Pick, Pick); 3] = [
    ("D_avg (cm²/s)", |p| p.d_avg_cm2_s, |p| p.d_avg_stderr_cm2_s),
    (
        "tau_PL (ns)",
        |p| p.tau_pl_ps.map(|t| t / 1000.0),
        |p| p.tau_pl_stderr_ps.map(|t| t / 1000.0),
    ),
    (
        "diffusion length L (nm)",
        |p| p.diffusion_length_nm,
        |p| p.diffusion_length_stderr_nm,
    ),
];

/// The warnings that flag each panel's value (by the quantity they start with): L
/// rests on both D_avg and tau_PL.
const FLAGGED_BY: [&[&str]; 3] = [&["D_avg"], &["tau_PL"], L_RESTS_ON];

/// The (temperature, value) of every point whose value in panel `k` a warning flags,
/// among those `series` draw.
fn flagged(r: &RunResults, k: usize, series: &[Series]) -> Vec<(f64, f64)> {
    let pick = PANELS[k].1;
    let drawn = |x: f64, y: f64| {
        series
            .iter()
            .flat_map(|s| &s.points)
            .any(|p| p.0 == x && p.1 == Some(y))
    };
    r.points
        .iter()
        .filter(|p| flagged_by(p, FLAGGED_BY[k]))
        .filter_map(|p| Some((p.temperature_k?, pick(p)?)))
        .filter(|&(x, y)| drawn(x, y))
        .collect()
}

/// The footnote on flagged points: per quantity, how many and one warning's words.
fn flag_note(r: &RunResults) -> Option<String> {
    let parts: Vec<String> = L_RESTS_ON
        .iter()
        .filter_map(|q| {
            let hits: Vec<&String> = r
                .points
                .iter()
                .filter_map(|p| warning_about(p, q))
                .collect();
            let example = hits.first()?;
            Some(format!(
                "{q} at {} of {} points (e.g. \"{example}\")",
                hits.len(),
                r.points.len()
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| {
        format!(
            "hollow markers: values a warning of the run flags (see results.json warnings; L rests on both): {}",
            parts.join("; ")
        )
    })
}

/// The series of one panel: `pick` (± `err`) against temperature, grouped by the other
/// parameters.
fn temperature_series(r: &RunResults, pick: Pick, err: Pick) -> Vec<Series> {
    let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
    let xy: Vec<_> = r
        .points
        .iter()
        .map(|p| (p.temperature_k, pick(p), err(p)))
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
        .map(|p| (p.temperature_k, Some(0.0), None))
        .collect();
    let thinned = thin(group_series(&params, &xy, Some("temperature_K"))).1;
    format!(
        "{}{sample}: diffusion against temperature{thinned}",
        r.scenario
    )
}

/// One panel of the temperature figure on `area`: `series` against temperature, each
/// point with its ±1 s.e. bar.
fn panel(
    area: &Area,
    x: Range<f64>,
    label: &str,
    series: &[Series],
    flagged: &[(f64, f64)],
) -> Result<(), PlotError> {
    let y = span(
        series
            .iter()
            .flat_map(|s| extent(&s.points).collect::<Vec<_>>()),
    );
    let mut chart = ChartBuilder::on(area)
        .margin(15)
        .margin_right(30)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(x, y)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_labels(5)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("temperature (K)")
        .y_desc(label)
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
            draw_bars(&mut chart, &run, style(i).color, (px + 2, 2 * px + 2))?;
            draw_line(&mut chart, &xy_of(&run), style(i), Marks::Points, px)?;
        }
    }
    // A flagged value's marker is hollowed: its centre painted white.
    let hollow = flagged
        .iter()
        .map(|&p| Circle::new(p, px - 3, WHITE.filled()));
    chart.draw_series(hollow).map_err(e)?;
    Ok(())
}

/// What the error bars are and, when there are any, the largest relative error of each
/// panel (most bars hide behind their markers).
fn temperature_notes(r: &RunResults, panels: &[(&str, Vec<Series>)]) -> Vec<String> {
    let all = panels.iter().flat_map(|(_, s)| s).flat_map(|s| &s.points);
    let any = any_error(all);
    let mut notes = vec![error_note(
        "error bars",
        "the marker",
        any,
        r.backend == "exact",
    )];
    let largest: Vec<String> = panels
        .iter()
        .filter_map(|(label, series)| {
            let rel = max_relative(series.iter().flat_map(|s| &s.points))?;
            let name = label.split(" (").next().unwrap_or(label);
            Some(format!("{name} {:.2} %", 100.0 * rel))
        })
        .collect();
    if !largest.is_empty() {
        notes.push(format!(
            "largest relative standard error: {}",
            largest.join(", ")
        ));
    }
    notes.extend(flag_note(r));
    notes
}

/// D_avg, tau_PL and L against temperature (Figure 4), one line per combination of the
/// other swept parameters (per sample in Figure 4), their legend beside the panels.
pub fn temperature(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    if r.points.iter().all(|p| p.temperature_k.is_none()) {
        return Err(FigureError {
            path: path.to_path_buf(),
            problem: FigureProblem::Missing("no point has a temperature_K".into()),
        });
    }
    let panels: Vec<(&str, Vec<Series>)> = PANELS
        .iter()
        .map(|(label, pick, err)| (*label, temperature_series(r, *pick, *err)))
        .collect();
    let entries: Vec<_> = panels[0]
        .1
        .iter()
        .enumerate()
        .map(|(i, s)| (s.label.clone(), style(i)))
        .collect();
    let x = span(r.points.iter().filter_map(|p| p.temperature_k));
    let title = temperature_title(r);
    let footnotes = temperature_notes(r, &panels);
    draw_png(path, |root| {
        let top = footed(root, note, &footnotes)?;
        let body = title_area(&top, &title, 32)?;
        let (plot, _) = side_legend(&body, &entries, Marks::Points, true)?;
        for (k, (area, (label, series))) in
            plot.split_evenly((1, 3)).iter().zip(&panels).enumerate()
        {
            panel(area, x.clone(), label, series, &flagged(r, k, series))?;
        }
        Ok(())
    })
}

const _: () = assert!(MAX_SERIES <= super::style::DISTINCT_STYLES);
