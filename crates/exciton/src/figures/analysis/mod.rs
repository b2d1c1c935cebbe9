//! The figure of `exciton-mc analyze`: what each frame's fit found against time after
//! t0 (sigma², the apparent MSD, the PL, the excess kurtosis) and three frames' profiles
//! against their fitted model, so a reader can judge the fits by eye before trusting
//! msd.csv and pl.csv.
//!
//! Legends sit in a row above their plot, never over it, and every value axis spans the
//! error bars, so no point is hidden or cut off. A frame without a value is left out,
//! never drawn as 0.

use super::style::{e, Area, PALETTE};
use super::{draw_png_sized, FigureError, PlotError, FONT};
use crate::analyze::stack::Layout;
use crate::analyze::{Analysis, FrameResult};
use exciton_core::scenario::microscope::FitModel;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::Path;

const SIZE: (u32, u32) = (1600, 1100);
/// Three header lines (the file, the geometry, the fit) and a little air.
const HEAD_H: u32 = 104;
const FOOT_H: u32 = 34;
const CAPTION: u32 = 20;
const LABEL: u32 = 16;
const DESC: u32 = 17;
const LEGEND_H: u32 = 28;
/// Room for tick labels such as "45000" or "1e-3" and the rotated axis title.
const Y_LABEL_W: u32 = 92;
const GREY: RGBColor = RGBColor(90, 90, 90);
const T_DESC: &str = "time after t0 (ns)";
const NO_FITS: &str = "no fitted frames";

/// (time ns, value, standard error where there is one).
type Point = (f64, f64, Option<f64>);
/// Points of a profile, (nm, photons).
type Line = Vec<(f64, f64)>;
/// A frame's value and its standard error.
type Pick = fn(&FrameResult) -> (Option<f64>, Option<f64>);

/// How a time panel's value axis is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Axis {
    Linear,
    /// Reaching 0, where the MSD starts.
    FromZero,
    /// Logarithmic: the PL decays over decades.
    Log,
    /// Reaching 0 with a dashed line there: the excess kurtosis of a Gaussian.
    Gaussian,
}

/// One quantity against time.
struct TimePanel {
    caption: String,
    y_desc: &'static str,
    axis: Axis,
    points: Vec<Point>,
}

/// Draws the analysis `a` into the PNG `path` (written whole or not at all).
pub fn figure(a: &Analysis, path: &Path) -> Result<(), FigureError> {
    // Measuring text needs the bundled font before anything is drawn.
    super::register_font();
    let uniform = a.noise == "uniform";
    let radial = match a.layout {
        Layout::Images => " (mean of x and y)",
        Layout::LineScan => "",
    };
    let from_t0 = a.frames.iter().filter(|f| f.frame >= a.t0_frame);
    let left_out = match from_t0.filter(|f| f.saturated_pixels > 0).count() {
        0 => String::new(),
        1 => ", 1 saturated frame left out".to_string(),
        n => format!(", {n} saturated frames left out"),
    };
    let pl = match uniform {
        true => "total signal (file units)",
        false => "counts (photons per frame)",
    };
    let specs: [(String, &'static str, Axis, Vec<Point>); 4] = [
        (
            format!("(a) variance of the profile σ²{radial}"),
            "σ² (nm²)",
            Axis::Linear,
            series(a, |f| (f.sigma2_nm2, f.sigma2_stderr_nm2)),
        ),
        (
            format!("(b) msd.csv: apparent MSD σ²(t) − σ²(t0){radial}"),
            "apparent MSD (nm²)",
            Axis::FromZero,
            msd_rows(a),
        ),
        (
            format!("(c) PL: total counts over the region{left_out}"),
            pl,
            Axis::Log,
            series(a, |f| {
                let kept = f.saturated_pixels == 0 && f.counts > 0.0;
                (kept.then_some(f.counts), f.counts_stderr)
            }),
        ),
        (
            format!("(d) excess kurtosis of the profile{radial}"),
            "excess kurtosis",
            Axis::Gaussian,
            series(a, |f| (f.kurtosis, f.kurtosis_stderr)),
        ),
    ];
    let panels = specs.map(|(caption, y_desc, axis, points)| TimePanel {
        caption,
        y_desc,
        axis,
        points,
    });
    let t = time_axis(a);
    draw_png_sized(path, SIZE, |root| {
        let (head, rest) = root.split_vertically(HEAD_H);
        let (body, foot) = rest.split_vertically(SIZE.1 - HEAD_H - FOOT_H);
        header(&head, a)?;
        footer(&foot, a, uniform)?;
        let (top, bottom) = body.split_vertically(body.dim_in_pixel().1 / 2);
        for (p, cell) in panels[..3].iter().zip(&top.split_evenly((1, 3))) {
            time_panel(cell, p, &t)?;
        }
        let (left, right) = bottom.split_horizontally(SIZE.0 / 3);
        time_panel(&left, &panels[3], &t)?;
        profiles(&right, a, uniform)
    })
    .map(|_| ())
}

/// The frames from t0 on whose `pick` gives a finite value, with its error where it is
/// finite and above 0.
fn series(a: &Analysis, pick: Pick) -> Vec<Point> {
    let from_t0 = a.frames.iter().filter(|f| f.frame >= a.t0_frame);
    from_t0
        .filter(|f| f.time_ps.is_finite())
        .filter_map(|f| {
            let (v, s) = pick(f);
            let v = v.filter(|v| v.is_finite())?;
            let s = s.filter(|s| s.is_finite() && *s > 0.0);
            Some((f.time_ps / 1000.0, v, s))
        })
        .collect()
}

/// The rows of msd.csv, read back: the panel shows exactly the values and errors that
/// `exciton-mc fit` will be given, whatever frames and error the file chooses.
fn msd_rows(a: &Analysis) -> Vec<Point> {
    let rows = a.msd_csv();
    let numbers = |l: &str| {
        l.split(',')
            .map(|v| v.parse().ok())
            .collect::<Option<Vec<f64>>>()
    };
    // Comment and column-name lines do not parse as numbers and drop out.
    let rows = rows.lines().filter_map(numbers);
    let rows = rows.filter(|r| r.len() >= 2 && r.iter().all(|v| v.is_finite()));
    rows.map(|r| (r[0] / 1000.0, r[1], r.get(2).copied().filter(|s| *s > 0.0)))
        .collect()
}

/// The time axis every panel shares, so their frames line up: 0 to the last frame,
/// with 3 % either side so the points at the ends are not drawn on the axis lines.
fn time_axis(a: &Analysis) -> Range<f64> {
    let times = a.frames.iter().filter(|f| f.frame >= a.t0_frame);
    let end = times
        .map(|f| f.time_ps / 1000.0)
        .filter(|t| t.is_finite())
        .fold(0.0, f64::max);
    let span = match end > 0.0 {
        true => end,
        false => (a.frame_ps / 1000.0).max(1e-3),
    };
    -0.03 * span..span * 1.03
}

fn tick(v: &f64) -> String {
    super::labels::tick(*v, 1e6)
}

/// `text` at the largest size from `max` down to `min` that fits `width` pixels; at
/// `min`, cut to fit and ended in "…" (a long file name), so nothing runs off the edge.
fn fitted(area: &Area, text: &str, max: u32, min: u32) -> (String, u32) {
    let width = area.dim_in_pixel().0.saturating_sub(24);
    let fits = |t: &str, size: u32| {
        let font: TextStyle = (FONT, size).into();
        area.estimate_text_size(t, &font)
            .map_or(true, |s| s.0 <= width)
    };
    if let Some(size) = (min..=max).rev().find(|&s| fits(text, s)) {
        return (text.to_string(), size);
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = (0..chars.len())
        .rev()
        .map(|n| format!("{}…", chars[..n].iter().collect::<String>()))
        .find(|t| fits(t, min))
        .unwrap_or_else(|| "…".into());
    (cut, min)
}

/// Which file, and how it was read.
fn header(area: &Area, a: &Analysis) -> Result<(), PlotError> {
    let name = Path::new(&a.input)
        .file_name()
        .map_or_else(|| a.input.clone(), |n| n.to_string_lossy().into_owned());
    let layout = match a.layout {
        Layout::Images => format!(
            "image stack of {} frames of {} × {} pixels",
            a.shape[0], a.shape[1], a.shape[2]
        ),
        Layout::LineScan => format!(
            "line scan of {} time bins × {} positions",
            a.shape[0], a.shape[2]
        ),
    };
    let profile = match a.profile {
        FitModel::Gaussian => "Gaussian".to_string(),
        FitModel::Voigt => match a.lorentz_x_nm {
            Some(l) => format!("pseudo-Voigt (Lorentzian half width {l:.1} nm, held)"),
            None => "pseudo-Voigt".to_string(),
        },
    };
    let lines = [
        format!("exciton-mc analyze: {name}"),
        format!(
            "{layout} · pixel {} nm · frame {} ps",
            a.pixel_nm, a.frame_ps
        ) + &format!(" · t0 = frame {} ({})", a.t0_frame, a.t0_from),
        format!(
            "profile {profile} · noise {} · background {}",
            a.noise, a.background
        ),
    ];
    let mut y = 12;
    for (i, text) in lines.iter().enumerate() {
        let (max, color) = [(26, BLACK), (19, RGBColor(40, 40, 40))][i.min(1)];
        let (text, size) = fitted(area, text, max, 12);
        let font = (FONT, size).into_font().color(&color);
        area.draw(&Text::new(text, (16, y), font)).map_err(e)?;
        y += max as i32 * 4 / 3;
    }
    Ok(())
}

/// What the marks mean, and the version that drew them.
fn footer(area: &Area, a: &Analysis, uniform: bool) -> Result<(), PlotError> {
    let bars = match uniform {
        true => "no error bars: with noise uniform the values are not photon counts, so they carry no errors",
        false => "error bars: ±1 standard error",
    };
    let text = format!(
        "exciton-mc {} · points: frames from t0 on; frames without a value are left out (analysis.json says why) · {bars}",
        a.exciton_mc_version
    );
    let (text, size) = fitted(area, &text, 16, 11);
    let font = (FONT, size).into_font().color(&GREY);
    area.draw(&Text::new(text, (16, 6), font)).map_err(e)
}

/// The panel's caption, centred at its top; returns the area below it.
fn caption<'a>(area: &Area<'a>, text: &str) -> Result<Area<'a>, PlotError> {
    let (text, size) = fitted(area, text, CAPTION, 13);
    let x = area.dim_in_pixel().0 as i32 / 2;
    let style = TextStyle::from((FONT, size).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    area.draw(&Text::new(text, (x, 0), style)).map_err(e)?;
    Ok(area.split_vertically(CAPTION + 10).1)
}

/// `text` in the middle of an empty panel.
fn empty(area: &Area, text: &str) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    let style = (FONT, CAPTION)
        .into_font()
        .color(&GREY)
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Rectangle::new(
        [(Y_LABEL_W as i32, 6), (w as i32 - 12, h as i32 - 40)],
        RGBColor(200, 200, 200).stroke_width(1),
    ))
    .map_err(e)?;
    let x = (Y_LABEL_W as i32 + w as i32 - 12) / 2;
    area.draw(&Text::new(text, (x, h as i32 / 2), style))
        .map_err(e)
}

/// How a legend entry is drawn.
enum Sample {
    Dashed(RGBColor),
    DotLine(RGBColor),
}

/// A row of legend entries above the plot, lined up with its left edge; returns the
/// area below.
fn legend_row<'a>(area: &Area<'a>, entries: &[(String, Sample)]) -> Result<Area<'a>, PlotError> {
    let (row, rest) = area.split_vertically(LEGEND_H);
    let (mut x, y) = (Y_LABEL_W as i32 + 8, LEGEND_H as i32 / 2);
    let font =
        TextStyle::from((FONT, LABEL + 1).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (label, sample) in entries {
        let at = EmptyElement::at((x, y));
        let line = vec![(0, 0), (32, 0)];
        match *sample {
            Sample::Dashed(c) => {
                row.draw(&(at + DashedPathElement::new(line, 7, 4, c.stroke_width(2))))
            }
            Sample::DotLine(c) => row.draw(
                &(at + PathElement::new(line, c.stroke_width(2))
                    + Circle::new((16, 0), 4, c.filled())),
            ),
        }
        .map_err(e)?;
        row.draw(&Text::new(label.as_str(), (x + 40, y), font.clone()))
            .map_err(e)?;
        let w = row.estimate_text_size(label, &font).map_or(100, |s| s.0);
        x += 40 + w as i32 + 32;
    }
    Ok(rest)
}

/// A value axis over the points and their bars, 8 % padded, reaching 0 if `with_zero`.
fn linear_range<'a>(values: impl Iterator<Item = &'a Point>, with_zero: bool) -> Range<f64> {
    let ends = values.flat_map(|&(_, v, s)| [v - s.unwrap_or(0.0), v + s.unwrap_or(0.0)]);
    let zero = with_zero.then_some(0.0);
    let (lo, hi) = ends
        .chain(zero)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    // One value alone (or all equal) still gets an axis a few ticks wide.
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    let pad = 0.08 * span;
    lo - pad..hi + pad
}

/// A log axis from half the smallest value (no more than six decades under the
/// largest, or one faint frame flattens the decay) to 1.5 x the largest bar top.
fn log_range(points: &[Point]) -> Range<f64> {
    let hi = points
        .iter()
        .map(|&(_, v, s)| v + s.unwrap_or(0.0))
        .fold(0.0, f64::max);
    let lo = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    if !(hi > 0.0 && lo.is_finite()) {
        return 1e-6..1.0;
    }
    let (lo, hi) = ((lo / 2.0).max(hi / 1e6), hi * 1.5);
    // The axis labels only powers of ten: with fewer than two inside (a PL that hardly
    // changes) it would be unreadable, so it widens to the powers either side.
    let powers = hi.log10().floor() - lo.log10().ceil() + 1.0;
    match powers >= 2.0 {
        true => lo..hi,
        false => 10f64.powf(lo.log10().floor())..10f64.powf(hi.log10().ceil()),
    }
}

type Chart<'a, 'b, Y> = ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, Y>>;

/// A panel's axes: at most a tick label per 80 pixels, titles with units, room for both.
fn axes<'a, 'b, Y, R>(
    area: &'a Area<'b>,
    (x, y): (Range<f64>, R),
    (x_desc, y_desc): (&str, &str),
    y_fmt: &dyn Fn(&f64) -> String,
) -> Result<Chart<'a, 'b, Y>, PlotError>
where
    R: AsRangedCoord<CoordDescType = Y, Value = f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_right(12)
        .x_label_area_size(LABEL + DESC + 26)
        .y_label_area_size(Y_LABEL_W)
        .build_cartesian_2d(x, y)
        .map_err(e)?;
    let x_ticks = (area.dim_in_pixel().0.saturating_sub(Y_LABEL_W) / 80).clamp(5, 10);
    chart
        .configure_mesh()
        .x_labels(x_ticks as usize)
        .y_labels(7)
        .x_label_formatter(&tick)
        .y_label_formatter(y_fmt)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((FONT, LABEL))
        .axis_desc_style((FONT, DESC))
        .draw()
        .map_err(e)?;
    Ok(chart)
}

fn time_panel(cell: &Area, p: &TimePanel, t: &Range<f64>) -> Result<(), PlotError> {
    let cell = cell.margin(12, 6, 10, 18);
    let mut area = caption(&cell, &p.caption)?;
    if p.points.is_empty() {
        return empty(
            &area,
            if p.axis == Axis::Log {
                "no frame with counts above 0"
            } else {
                NO_FITS
            },
        );
    }
    if p.axis == Axis::Gaussian {
        area = legend_row(&area, &[("Gaussian".to_string(), Sample::Dashed(GREY))])?;
    }
    let desc = (T_DESC, p.y_desc);
    if p.axis == Axis::Log {
        let y = log_range(&p.points);
        let fmt = |v: &f64| format!("{v:.0e}");
        let mut chart = axes(&area, (t.clone(), y.clone().log_scale()), desc, &fmt)?;
        return marks(&mut chart, p, y.start);
    }
    let y = linear_range(p.points.iter(), p.axis != Axis::Linear);
    let mut chart = axes(&area, (t.clone(), y), desc, &tick)?;
    if p.axis == Axis::Gaussian {
        let line = [(t.start, 0.0), (t.end, 0.0)];
        chart
            .draw_series(DashedLineSeries::new(line, 7, 4, GREY.stroke_width(2)))
            .map_err(e)?;
    }
    marks(&mut chart, p, f64::NEG_INFINITY)
}

/// The points and their error bars; on a log axis the lower ends of bars that reach 0
/// or below stop at `floor`, the bottom of the axis.
fn marks<Y>(chart: &mut Chart<Y>, p: &TimePanel, floor: f64) -> Result<(), PlotError>
where
    Y: Ranged<ValueType = f64>,
{
    let bar = BLACK.mix(0.6).stroke_width(1);
    let bars = (p.points.iter()).filter_map(|&(t, v, s)| {
        s.map(|s| ErrorBar::new_vertical(t, (v - s).max(floor), v, v + s, bar, 6))
    });
    chart.draw_series(bars).map_err(e)?;
    let dots = (p.points.iter()).map(|&(t, v, _)| Circle::new((t, v), 3, BLACK.filled()));
    chart.draw_series(dots).map_err(e)?;
    Ok(())
}

/// (e): the shown frames' profiles along x, data as points and the model as a line, a
/// colour per frame.
fn profiles(cell: &Area, a: &Analysis, uniform: bool) -> Result<(), PlotError> {
    let cell = cell.margin(12, 6, 10, 18);
    let model = match a.profile {
        FitModel::Gaussian => "Gaussian",
        FitModel::Voigt => "pseudo-Voigt",
    };
    let text = format!("(e) profiles along x: data (points) and the fitted {model} (lines)");
    let area = caption(&cell, &text)?;
    let finite = |xs: &[f64], ys: &[f64]| -> Line {
        let pairs = xs.iter().zip(ys).map(|(&x, &y)| (x, y));
        pairs
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect()
    };
    // (time ps, data, model)
    let shown: Vec<(f64, Line, Line)> = (a.shown.iter())
        .filter(|s| s.frame >= a.t0_frame)
        .map(|s| {
            (
                s.time_ps,
                finite(&s.centres_nm, &s.data),
                finite(&s.centres_nm, &s.model),
            )
        })
        .filter(|(_, d, m)| !d.is_empty() || !m.is_empty())
        .collect();
    if shown.is_empty() {
        return empty(&area, NO_FITS);
    }
    let colour = |i: usize| PALETTE[i % PALETTE.len()];
    let label = |t_ps: f64| format!("t = {} ns", tick(&(t_ps / 1000.0)));
    let entries: Vec<(String, Sample)> = (shown.iter().enumerate())
        .map(|(i, s)| (label(s.0), Sample::DotLine(colour(i))))
        .collect();
    let area = legend_row(&area, &entries)?;
    let all = || shown.iter().flat_map(|s| s.1.iter().chain(&s.2));
    let (x0, x1) = all().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
        (a.min(p.0), b.max(p.0))
    });
    let pad = 0.02 * (x1 - x0).max(1.0);
    let ys: Vec<Point> = all().map(|&(_, y)| (0.0, y, None)).collect();
    let y = linear_range(ys.iter(), true);
    let y_desc = match uniform {
        true => "signal per pixel column (file units)",
        false => "photons per pixel column",
    };
    let ranges = (x0 - pad..x1 + pad, y);
    let mut chart = axes(&area, ranges, ("position along x (nm)", y_desc), &tick)?;
    for (i, (_, data, model)) in shown.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(model.iter().copied(), c.stroke_width(2)))
            .map_err(e)?;
        chart
            .draw_series(data.iter().map(|&p| Circle::new(p, 3, c.filled())))
            .map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
