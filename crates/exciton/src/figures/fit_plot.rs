//! The figure of a fit: each dataset's points with error bars against the fitted model,
//! and beneath it the residuals in standard errors.
//!
//! The panels form a grid that grows with the datasets (a panel keeps its size, the
//! image gets taller), under a header of as many lines as the fit reports and one shared
//! legend, so nothing is drawn over the data.

use super::style::{e, Area, PALETTE};
use super::{draw_png_sized, FigureError, PlotError, FONT};
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One dataset's panel.
pub struct FitPanel {
    pub label: String,
    /// The y axis, with its unit.
    pub y_desc: String,
    /// (time ns, value, standard error).
    pub data: Vec<(f64, f64, Option<f64>)>,
    /// The model over every frame, (time ns, value).
    pub model: Vec<(f64, f64)>,
    /// (time ns, (data - model) / error).
    pub residuals: Vec<(f64, f64)>,
    /// A logarithmic value axis (PL decays).
    pub log_y: bool,
}

/// Height of one grid row, residual strip included: enough for ticks, both axis titles
/// and a readable curve whatever the number of datasets.
const ROW_H: u32 = 520;
/// One column is this wide; several share [`WIDE`].
const NARROW: u32 = 1400;
const WIDE: u32 = 1800;
/// The model line and its legend sample: red stays apart from the black data.
const MODEL: RGBColor = PALETTE[1];
const GREY: RGBColor = RGBColor(110, 110, 110);
const LEGEND_H: u32 = 40;
const X_DESC: &str = "time after excitation (ns)";

/// Grid columns for `n` datasets: the panels stay wide enough for their ticks.
fn columns(n: usize) -> usize {
    match n {
        0..=2 => 1,
        3..=6 => 2,
        _ => 3,
    }
}

/// Lines of text set in one font size, as they will be drawn.
struct Block {
    size: u32,
    lines: Vec<String>,
}

impl Block {
    fn line_h(&self) -> u32 {
        self.size * 4 / 3
    }

    fn height(&self) -> u32 {
        self.lines.len() as u32 * self.line_h()
    }

    fn draw(&self, area: &Area, top: i32, color: RGBColor) -> Result<(), PlotError> {
        let font = (FONT, self.size).into_font().color(&color);
        for (i, line) in self.lines.iter().enumerate() {
            let y = top + (i as u32 * self.line_h()) as i32;
            area.draw(&Text::new(line.as_str(), (20, y), font.clone()))
                .map_err(e)?;
        }
        Ok(())
    }
}

/// Width of `text` in pixels at `size` (the bundled font must be registered).
fn text_width(text: &str, size: u32) -> u32 {
    let font: FontDesc = (FONT, size).into_font();
    font.box_size(text)
        .map_or(text.chars().count() as u32 * size * 3 / 5, |b| b.0)
}

/// `lines` at the largest size from `max` down to `min` at which each fits `width`;
/// at `min`, the ones still too wide are wrapped at spaces (or anywhere, for a word
/// longer than the width), so no text is cut off at the edge.
fn fit_block(lines: &[String], width: u32, max: u32, min: u32) -> Block {
    let fits = |size: u32| lines.iter().all(|l| text_width(l, size) <= width);
    if let Some(size) = (min..=max).rev().find(|&s| fits(s)) {
        return Block {
            size,
            lines: lines.to_vec(),
        };
    }
    let lines = lines.iter().flat_map(|l| wrap(l, width, min)).collect();
    Block { size: min, lines }
}

fn wrap(line: &str, width: u32, size: u32) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in line.split(' ') {
        let joined = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if text_width(&joined, size) <= width {
            cur = joined;
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        for c in word.chars() {
            if !cur.is_empty() && text_width(&format!("{cur}{c}"), size) > width {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
    }
    out.push(cur);
    out
}

/// `label` cut to `width` pixels at `size`, ending in "…" when cut.
fn truncate(label: &str, width: u32, size: u32) -> String {
    let chars: Vec<char> = label.chars().collect();
    let fits = |s: &String| text_width(s, size) <= width;
    std::iter::once(label.to_string())
        .chain((0..chars.len()).rev().map(|n| {
            let head: String = chars[..n].iter().collect();
            format!("{}…", head.trim_end())
        }))
        .find(fits)
        .unwrap_or_else(|| "…".into())
}

/// Draws `panels` under `header` (its lines: the fitted values with units, chi2, the
/// verdict).
pub fn fit_figure(
    panels: &[FitPanel],
    header: &[String],
    footer: &str,
    path: &Path,
) -> Result<PathBuf, FigureError> {
    // Measuring text needs the bundled font before the image is sized.
    super::register_font();
    let cols = columns(panels.len());
    let rows = panels.len().div_ceil(cols).max(1);
    let width = if cols == 1 { NARROW } else { WIDE };
    let head = fit_block(header, width - 40, 22, 17);
    let foot = fit_block(&[footer.to_string()], width - 40, 18, 13);
    let head_h = 16 + head.height() + LEGEND_H;
    let foot_h = foot.height() + 16;
    let height = head_h + rows as u32 * ROW_H + foot_h;
    draw_png_sized(path, (width, height), |root| {
        let (top, rest) = root.split_vertically(head_h);
        head.draw(&top, 12, BLACK)?;
        legend(&top, (head_h - LEGEND_H + 6) as i32)?;
        let (body, bottom) = rest.split_vertically(rows as u32 * ROW_H);
        foot.draw(&bottom, 6, RGBColor(60, 60, 60))?;
        let cells = body.split_evenly((rows, cols));
        for (panel, cell) in panels.iter().zip(&cells) {
            draw_panel(cell, panel)?;
        }
        Ok(())
    })
}

/// The one legend of every panel, in a row of the header: what the dots, the line and
/// the dashed residual lines are.
fn legend(area: &Area, y: i32) -> Result<(), PlotError> {
    let size = 20;
    let labels = [
        "data ± 1 s.e.",
        "fitted model (exact backend)",
        "±2 s.e. (residual strips)",
    ];
    let mut x = 24;
    for (i, text) in labels.into_iter().enumerate() {
        let at = EmptyElement::at((x, y + size as i32 / 2 + 2));
        let line = vec![(0, 0), (26, 0)];
        match i {
            0 => area.draw(
                &(at + PathElement::new(vec![(12, -9), (12, 9)], BLACK.stroke_width(1))
                    + Circle::new((12, 0), 4, BLACK.filled())),
            ),
            1 => area.draw(&(at + PathElement::new(line, MODEL.stroke_width(3)))),
            _ => area.draw(&(at + DashedPathElement::new(line, 6, 4, GREY.stroke_width(1)))),
        }
        .map_err(e)?;
        area.draw(&Text::new(text, (x + 34, y), (FONT, size).into_font()))
            .map_err(e)?;
        x += 34 + text_width(text, size) as i32 + 44;
    }
    Ok(())
}

/// Sizes that follow a panel's width, so small panels keep readable, separate ticks.
struct Look {
    label: u32,
    desc: u32,
    dot: i32,
    x_ticks: usize,
    y_label_w: u32,
}

impl Look {
    fn of(width: u32) -> Look {
        let big = width >= 1000;
        Look {
            label: if big { 18 } else { 16 },
            desc: if big { 20 } else { 17 },
            dot: if big { 4 } else { 3 },
            // About one tick label per 90 pixels: none runs into its neighbour.
            x_ticks: (width.saturating_sub(110) / 90).clamp(3, 10) as usize,
            y_label_w: if big { 110 } else { 96 },
        }
    }
}

/// One dataset: caption, values against the model, residual strip under a shared time
/// axis.
fn draw_panel(cell: &Area, panel: &FitPanel) -> Result<(), PlotError> {
    let cell = cell.margin(20, 4, 8, 18);
    let (w, h) = cell.dim_in_pixel();
    let look = Look::of(w);
    let size = if w >= 1000 { 22 } else { 20 };
    let caption = truncate(&panel.label, w.saturating_sub(40), size);
    let style = TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    cell.draw(&Text::new(caption, (w as i32 / 2, 0), style))
        .map_err(e)?;
    let (_, body) = cell.split_vertically(size + 12);
    let (top, bottom) = body.split_vertically((h - size - 12) * 62 / 100);
    let t = time_range(panel);
    let y = value_range(panel);
    let shown = Shown::of(panel, &y);
    if panel.log_y {
        let fmt = |v: &f64| format!("{v:.0e}");
        main_chart(&top, &look, t.clone(), y.log_scale(), panel, &shown, &fmt)?;
    } else {
        main_chart(&top, &look, t.clone(), y, panel, &shown, &tick)?;
    }
    residual_strip(&bottom, &look, t, panel)
}

fn tick(v: &f64) -> String {
    super::labels::tick(*v, 1e5)
}

/// 0 (or the earliest time) to 2 % past the last time of data or model.
fn time_range(panel: &FitPanel) -> Range<f64> {
    let times = || {
        let d = panel.data.iter().map(|p| p.0);
        d.chain(panel.model.iter().map(|p| p.0))
            .filter(|t| t.is_finite())
    };
    let start = times().fold(0.0, f64::min);
    let end = times().fold(f64::NEG_INFINITY, f64::max);
    let span = end - start;
    match span > 0.0 {
        true => start..end + 0.02 * span,
        false => start..start + 1.0,
    }
}

/// The value axis: on a log axis from half the smallest positive value (but no more than
/// six decades under the largest, or one outlier hides the curve) to 1.5 x the largest;
/// on a linear one, the extent of points, bars and model with 8 % padding.
fn value_range(panel: &FitPanel) -> Range<f64> {
    let data = panel.data.iter().map(|&(_, y, _)| y);
    let tops = panel.data.iter().map(|&(_, y, s)| y + s.unwrap_or(0.0));
    let model = panel.model.iter().map(|p| p.1);
    if panel.log_y {
        let pos = |v: &f64| v.is_finite() && *v > 0.0;
        let hi = tops.chain(data.clone()).chain(model.clone()).filter(pos);
        let hi = hi.fold(0.0f64, f64::max);
        let small = data.filter(pos).fold(f64::INFINITY, f64::min);
        let small = match small.is_finite() {
            true => small,
            false => model.filter(pos).fold(f64::INFINITY, f64::min),
        };
        return match hi > 0.0 && small.is_finite() {
            true => (small / 2.0).max(hi / 1e6)..hi * 1.5,
            false => 1e-6..1.0,
        };
    }
    let lows = panel.data.iter().map(|&(_, y, s)| y - s.unwrap_or(0.0));
    let all = tops.chain(lows).chain(model).filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if lo > hi {
        return 0.0..1.0;
    }
    let pad = 0.08 * (hi - lo).max(1e-12 * hi.abs().max(1.0));
    lo - pad..hi + pad
}

/// What an axis can show of a panel: a log axis drops values <= 0 and clips the lower
/// ends of error bars, and the model, to its lower limit.
struct Shown {
    points: Vec<(f64, f64)>,
    /// (t, low end, value, high end).
    bars: Vec<(f64, f64, f64, f64)>,
    /// The model in runs; a value the axis cannot show breaks the line.
    model: Vec<Vec<(f64, f64)>>,
}

impl Shown {
    fn of(panel: &FitPanel, y: &Range<f64>) -> Shown {
        let log = panel.log_y;
        let keep = |v: f64| v.is_finite() && (!log || v > 0.0);
        let clip = |v: f64| if log { v.max(y.start) } else { v };
        let kept = || panel.data.iter().filter(|p| p.0.is_finite() && keep(p.1));
        let mut model = vec![Vec::new()];
        for &(t, v) in &panel.model {
            match t.is_finite() && keep(v) {
                true => model
                    .last_mut()
                    .into_iter()
                    .for_each(|r| r.push((t, clip(v)))),
                false => model.push(Vec::new()),
            }
        }
        model.retain(|r| !r.is_empty());
        Shown {
            points: kept().map(|&(t, v, _)| (t, v)).collect(),
            bars: kept()
                .filter_map(|&(t, v, s)| s.filter(|s| s.is_finite()).map(|s| (t, v, s)))
                .map(|(t, v, s)| (t, clip(v - s), v, v + s))
                .collect(),
            model,
        }
    }
}

/// The values against the model; the time ticks are left to the residual strip beneath,
/// which shares the axis, and only their grid lines are drawn here.
fn main_chart<Y, R>(
    area: &Area,
    look: &Look,
    t: Range<f64>,
    y: R,
    panel: &FitPanel,
    shown: &Shown,
    y_fmt: &dyn Fn(&f64) -> String,
) -> Result<(), PlotError>
where
    R: AsRangedCoord<CoordDescType = Y, Value = f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let y_ticks = (area.dim_in_pixel().1 / 45).clamp(3, 8) as usize;
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_right(10)
        .x_label_area_size(4)
        .y_label_area_size(look.y_label_w)
        .build_cartesian_2d(t, y)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_labels(look.x_ticks)
        .x_label_formatter(&|_| String::new())
        .y_labels(y_ticks)
        .y_label_formatter(y_fmt)
        .y_desc(panel.y_desc.as_str())
        .label_style((FONT, look.label))
        .axis_desc_style((FONT, look.desc))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(shown.bars.iter().map(|&(t, lo, v, hi)| {
            ErrorBar::new_vertical(t, lo, v, hi, BLACK.mix(0.7).stroke_width(1), 6)
        }))
        .map_err(e)?;
    let dots = shown.points.iter();
    chart
        .draw_series(dots.map(|&p| Circle::new(p, look.dot, BLACK.filled())))
        .map_err(e)?;
    for run in &shown.model {
        chart
            .draw_series(LineSeries::new(run.iter().copied(), MODEL.stroke_width(3)))
            .map_err(e)?;
    }
    Ok(())
}

/// (data - model) / error on a symmetric axis of at least ±3, with the zero line and
/// dashed ±2 lines; it carries the panel's time axis.
fn residual_strip(
    area: &Area,
    look: &Look,
    t: Range<f64>,
    panel: &FitPanel,
) -> Result<(), PlotError> {
    let finite = panel
        .residuals
        .iter()
        .filter(|r| r.0.is_finite() && r.1.is_finite());
    let r_max = finite.clone().map(|r| r.1.abs()).fold(3.0, f64::max) * 1.1;
    let mut res = ChartBuilder::on(area)
        .margin_top(4)
        .margin_right(10)
        .x_label_area_size(look.label + look.desc + 22)
        .y_label_area_size(look.y_label_w)
        .build_cartesian_2d(t.clone(), -r_max..r_max)
        .map_err(e)?;
    res.configure_mesh()
        .x_labels(look.x_ticks)
        .y_labels(5)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc(X_DESC)
        .y_desc("residual (σ)")
        .label_style((FONT, look.label))
        .axis_desc_style((FONT, look.desc))
        .draw()
        .map_err(e)?;
    let line = |v: f64| [(t.start, v), (t.end, v)];
    res.draw_series(LineSeries::new(line(0.0), BLACK.stroke_width(1)))
        .map_err(e)?;
    for v in [-2.0, 2.0] {
        res.draw_series(DashedLineSeries::new(line(v), 6, 4, GREY.stroke_width(1)))
            .map_err(e)?;
    }
    res.draw_series(finite.map(|&p| Circle::new(p, look.dot, BLACK.filled())))
        .map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Even `k`: a PL decay from 1 to 1e-3 on a log axis whose tail has an empty (0) and
    /// a negative frame; odd `k`: a rising, MSD-like curve.
    fn panel(k: usize) -> FitPanel {
        let log = k.is_multiple_of(2);
        let tau = 20.0 / 1e3f64.ln();
        let curve = |t: f64| match log {
            true => (-t / tau).exp(),
            false => 40.0 * (1.0 + 0.2 * k as f64) * t.sqrt(),
        };
        let ts: Vec<f64> = (0..=80)
            .map(|i| i as f64 * 0.25 * (1.0 + k as f64 % 2.0))
            .collect();
        let data: Vec<_> = (ts.iter().enumerate())
            .map(|(i, &t)| {
                let wiggle = 1.0 + 0.08 * (t * 2.3 + k as f64).sin();
                let v = match (log, i) {
                    (true, 70) => 0.0,
                    (true, 75) => -2e-4,
                    _ => curve(t) * wiggle,
                };
                let s = if log {
                    0.05 * curve(t) + 3e-4
                } else {
                    4.0 + 0.03 * v
                };
                (t, v, Some(s))
            })
            .collect();
        let residuals = data
            .iter()
            .map(|&(t, v, s)| (t, (v - curve(t)) / s.unwrap()));
        let label = match log {
            true => format!("PL decay {k}: 5 nm film at 300 K, 400 nm excitation, 1 µJ/cm², sample B, second batch, re-measured"),
            false => format!("MSD, film {k} (5 nm, 300 K)"),
        };
        FitPanel {
            label,
            y_desc: if log { "PL (normalised)" } else { "MSD (nm²)" }.into(),
            model: ts.iter().map(|&t| (t, curve(t))).collect(),
            residuals: residuals.collect(),
            data,
            log_y: log,
        }
    }

    /// Eight lines, the last too long for one line even at the smallest size.
    fn header() -> Vec<String> {
        let params = [
            "x.hop_rate",
            "x.fret",
            "t.lifetime",
            "t.hop_rate",
            "x.lifetime",
            "sigma",
        ];
        let mut h: Vec<String> = (params.iter())
            .map(|p| {
                format!("states.{p} = 1.2345 ± 0.0123 ns⁻¹ (free, start 1.0, bounds 0.01 to 100)")
            })
            .collect();
        h.push("chi² = 123.45 for 98 dof (reduced 1.26), 5 datasets, 412 points".into());
        h.push("status: warning — states.x.fret at its bound; ".repeat(4));
        h
    }

    /// (width, height) from the PNG header.
    fn png_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        let word = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
        (word(16), word(20))
    }

    #[test]
    fn fit_figures_grow_a_row_per_panels_and_draw_log_decays_with_empty_frames() {
        let footer = "chi² = 123.45 for 98 dof · exact backend, model interpolated linearly between frames · exciton-mc 0.0.0";
        let mut sizes = Vec::new();
        for n in [1, 2, 5, 7] {
            let panels: Vec<FitPanel> = (0..n).map(panel).collect();
            let path = std::env::temp_dir().join(format!("exciton-fit-figure-{n}.png"));
            fit_figure(&panels, &header(), footer, &path).unwrap();
            assert!(path.exists());
            sizes.push(png_size(&path));
        }
        let widths: Vec<u32> = sizes.iter().map(|s| s.0).collect();
        assert_eq!(widths, [NARROW, NARROW, WIDE, WIDE]);
        // Rows: 1, 2, 3 (2 columns), 3 (3 columns); the header grows the same for all.
        assert_eq!(sizes[1].1 - sizes[0].1, ROW_H, "{sizes:?}");
        assert!(sizes[2].1 > sizes[1].1, "{sizes:?}");
        assert_eq!(sizes[3].1, sizes[2].1, "{sizes:?}");
    }

    #[test]
    fn long_lines_shrink_then_wrap_and_labels_end_in_an_ellipsis() {
        super::super::register_font();
        let long = "word ".repeat(100);
        let block = fit_block(&[long.clone(), "short".into()], 600, 22, 15);
        assert_eq!(block.size, 15);
        assert!(block.lines.len() > 2);
        assert!(block.lines.iter().all(|l| text_width(l, 15) <= 600));
        let cut = truncate(&long, 300, 20);
        assert!(cut.ends_with('…') && text_width(&cut, 20) <= 300);
        assert_eq!([1, 2, 3, 6, 7, 12].map(columns), [1, 1, 2, 2, 3, 3]);
    }
}
