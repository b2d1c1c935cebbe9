//! Heatmaps of a two-parameter sweep: tau_PL, D_avg, L and t_max over its grid, one
//! panel each, every cell its value's colour and (when the cell is wide enough) its
//! number. A cell without a value is grey and hatched, with why; a value the run flagged
//! (a warning about it, or an error over 30 % of it) is hatched over its colour.

use super::errors::{flagged_by, L_RESTS_ON};
use super::facets::{distinct, is_full_grid, varying_keys};
use super::labels::{short_names, value_text};
use super::series::Params;
use super::style::{e, footed, title_area, Area};
use super::{draw_png_sized, FigureError, FigureProblem, PlotError, FONT};
use exciton_core::observables::no_max_reason;
use exciton_io::results::{PointResult, RunResults};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A value whose standard error exceeds this share of it is hatched as unreliable.
const UNRELIABLE: f64 = 0.3;

/// The points of a two-parameter sweep on its grid.
struct Grid {
    /// The columns' and rows' parameter paths.
    keys: [String; 2],
    /// Their short names, for the axes.
    names: [String; 2],
    xs: Vec<Value>,
    ys: Vec<Value>,
    /// The point at (row, column): a full grid has one in every cell.
    cells: Vec<Vec<usize>>,
}

/// The values of `key`, numbers in order so the axes read left to right and bottom to
/// top, others as they first appear.
fn axis_values(params: &[&Params], key: &str) -> Vec<Value> {
    let mut out: Vec<Value> = distinct(params, key).into_iter().cloned().collect();
    if out.iter().all(Value::is_number) {
        out.sort_by(|a, b| {
            a.as_f64()
                .unwrap_or(0.0)
                .total_cmp(&b.as_f64().unwrap_or(0.0))
        });
    }
    out
}

impl Grid {
    /// The grid of `r`, when exactly two parameters vary and each takes two values or
    /// more: temperature along x when it is one of them, else the one with more values.
    fn of(r: &RunResults) -> Option<Grid> {
        let params: Vec<&Params> = r.points.iter().map(|p| &p.parameters).collect();
        let keys = varying_keys(&params);
        let [a, b] = &keys[..] else {
            return None;
        };
        if !is_full_grid(&params, &keys) {
            return None;
        }
        let (va, vb) = (axis_values(&params, a), axis_values(&params, b));
        let a_first = a == "temperature_K" || (b != "temperature_K" && va.len() >= vb.len());
        let (kx, ky, xs, ys) = match a_first {
            true => (a, b, va, vb),
            false => (b, a, vb, va),
        };
        let mut cells = vec![vec![None; xs.len()]; ys.len()];
        for (i, p) in params.iter().enumerate() {
            let col = xs.iter().position(|v| p.get(kx) == Some(v))?;
            let row = ys.iter().position(|v| p.get(ky) == Some(v))?;
            cells[row][col].get_or_insert(i);
        }
        // A full grid fills every cell ([`is_full_grid`]).
        let cells = cells
            .into_iter()
            .map(|row| row.into_iter().collect::<Option<Vec<usize>>>())
            .collect::<Option<Vec<_>>>()?;
        let short = short_names(&[kx.as_str(), ky.as_str()]);
        Some(Grid {
            keys: [kx.clone(), ky.clone()],
            names: [short[0].clone(), short[1].clone()],
            xs,
            ys,
            cells,
        })
    }
}

/// Whether `r` is a sweep a heatmap can show: two parameters, two values each or more,
/// one point per combination (a product sweep).
pub(crate) fn is_grid(r: &RunResults) -> bool {
    Grid::of(r).is_some()
}

/// What a cell shows.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    /// No value, and why in a word.
    Missing(&'static str),
    /// The value; whether it is unreliable.
    Value(f64, bool),
}

/// One panel's quantity: its title and how to read a point.
struct Quantity {
    title: &'static str,
    cell: fn(&PointResult) -> Cell,
}

fn judged(v: Option<f64>, err: Option<f64>, flagged: bool, why: &'static str) -> Cell {
    match v.filter(|v| v.is_finite()) {
        None => Cell::Missing(why),
        Some(v) => {
            let noisy = err.is_some_and(|s| s > UNRELIABLE * v.abs());
            Cell::Value(v, flagged || noisy)
        }
    }
}

const QUANTITIES: [Quantity; 4] = [
    Quantity {
        title: "tau_PL (ns)",
        cell: |p| {
            let v = p.tau_pl_ps.map(|t| t / 1000.0);
            let err = p.tau_pl_stderr_ps.map(|t| t / 1000.0);
            judged(v, err, flagged_by(p, &["tau_PL"]), "no 1/e")
        },
    },
    Quantity {
        title: "D_avg (cm²/s)",
        cell: |p| {
            judged(
                p.d_avg_cm2_s,
                p.d_avg_stderr_cm2_s,
                flagged_by(p, &["D_avg"]),
                "none",
            )
        },
    },
    Quantity {
        title: "diffusion length L (nm)",
        cell: |p| {
            let flagged = flagged_by(p, L_RESTS_ON);
            judged(
                p.diffusion_length_nm,
                p.diffusion_length_stderr_nm,
                flagged,
                "none",
            )
        },
    },
    Quantity {
        title: "t_max (ns)",
        cell: |p| {
            let why = match no_max_reason(p.t_max_note.as_deref()).as_str() {
                "flat within noise" => "flat",
                "still rising" => "rising",
                _ => "no test",
            };
            let v = p.t_max_ps.map(|t| t / 1000.0);
            judged(v, p.t_max_stderr_ps.map(|t| t / 1000.0), false, why)
        },
    },
];

/// A number for a cell or the colour bar: three significant digits, all of the
/// integer part above 1000.
fn short(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if !(1e-2..1e4).contains(&a) {
        return format!("{v:.2e}");
    }
    let places = (2 - a.log10().floor() as i32).max(0) as usize;
    format!("{v:.places$}")
}

/// tau_PL, D_avg, L and t_max over the grid of a two-parameter sweep, one panel each.
pub fn heatmap(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let grid = Grid::of(r).ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        problem: FigureProblem::Missing(
            "a heatmap needs a sweep of exactly two parameters, each with two values or more"
                .into(),
        ),
    })?;
    let title = format!(
        "{}: {} x {} grid of {} points",
        r.scenario,
        grid.names[0],
        grid.names[1],
        r.points.len()
    );
    let notes = vec![
        "hatched grey: no value there (no 1/e: the PL never falls to 1/e of its first frame in the run; flat / rising: the MSD has no real maximum; no test: t_max could not be tested, see t_max_note; none: see the point's warnings)".to_string(),
        format!("hatched over colour: a value the run flagged (a warning about it in results.json; D_avg capped at the run's end also marks L) or with a standard error above {:.0} % of it", 100.0 * UNRELIABLE),
        format!("each panel has its own colour scale (bar at its right), never narrower than ±{:.0} % of its middle, so that a tiny spread does not span the whole scale", 100.0 * MIN_SPAN),
    ];
    let size = (1800, 1400);
    draw_png_sized(path, size, |root| {
        let top = footed(root, note, &notes)?;
        let body = title_area(&top, &title, 32)?;
        for (area, q) in body.split_evenly((2, 2)).iter().zip(&QUANTITIES) {
            let cells: Vec<Vec<Cell>> = grid
                .cells
                .iter()
                .map(|row| row.iter().map(|&i| (q.cell)(&r.points[i])).collect())
                .collect();
            panel(area, q.title, &grid, &cells)?;
        }
        Ok(())
    })
}

/// A colour scale never narrower than ±[`MIN_SPAN`] of its middle.
const MIN_SPAN: f64 = 0.05;

/// The colour scale of values from `lo` to `hi`: those, or ±[`MIN_SPAN`] around their
/// middle when they are closer, so 0.421 against 0.425 reads as nearly the same colour.
fn scale(lo: f64, hi: f64) -> (f64, f64) {
    let mid = (lo + hi) / 2.0;
    let half = MIN_SPAN * mid.abs();
    match hi - lo < 2.0 * half {
        true => (mid - half, mid + half),
        false => (lo, hi),
    }
}

/// The colour of `v` on the panel's scale from `lo` to `hi`.
fn colour(v: f64, (lo, hi): (f64, f64)) -> RGBColor {
    let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    ViridisRGB::get_color(t.clamp(0.0, 1.0))
}

/// One heatmap on `area`: the cells with their numbers and hatching, the axes labelled
/// with the swept values, a colour bar at the right.
fn panel(area: &Area, title: &str, grid: &Grid, cells: &[Vec<Cell>]) -> Result<(), PlotError> {
    let values: Vec<f64> = cells
        .iter()
        .flatten()
        .filter_map(|c| match c {
            Cell::Value(v, _) => Some(*v),
            _ => None,
        })
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = scale(lo, hi);
    let body = title_area(area, title, 26)?;
    let (map, bar) = body.split_horizontally(body.dim_in_pixel().0.saturating_sub(120));
    let (nx, ny) = (grid.xs.len() as i32, grid.ys.len() as i32);
    let mut chart = ChartBuilder::on(&map)
        .margin(10)
        .x_label_area_size(60)
        .y_label_area_size(110)
        .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())
        .map_err(e)?;
    let label = |values: &[Value], v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) => values.get(*i as usize).map_or(String::new(), value_text),
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx as usize)
        .y_labels(ny as usize)
        .x_label_formatter(&|v| label(&grid.xs, v))
        .y_label_formatter(&|v| label(&grid.ys, v))
        .x_desc(grid.keys[0].as_str())
        .y_desc(grid.keys[1].as_str())
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .draw()
        .map_err(e)?;
    let corner =
        |x: i32, y: i32| chart.backend_coord(&(SegmentValue::Exact(x), SegmentValue::Exact(y)));
    let (a, b) = (corner(0, 0), corner(1, 1));
    let (w, h) = ((b.0 - a.0).abs(), (a.1 - b.1).abs());
    let grey = RGBColor(215, 215, 215);
    for (row, line) in cells.iter().enumerate() {
        for (col, cell) in line.iter().enumerate() {
            let (x, y) = (col as i32, row as i32);
            let at = (SegmentValue::Exact(x), SegmentValue::Exact(y + 1));
            let rect = |c: RGBColor| {
                Rectangle::new(
                    [
                        (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                        (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                    ],
                    c.filled(),
                )
            };
            let (fill, text, hatch) = match cell {
                Cell::Missing(why) => (grey, why.to_string(), true),
                Cell::Value(v, unreliable) => (colour(*v, range), short(*v), *unreliable),
            };
            chart.draw_series([rect(fill)]).map_err(e)?;
            if hatch {
                let ink = match cell {
                    Cell::Missing(_) => RGBColor(90, 90, 90),
                    _ => WHITE,
                };
                let lines = hatching(w, h, ink).map(|l| EmptyElement::at(at.clone()) + l);
                chart.draw_series(lines).map_err(e)?;
            }
            // The cell's number, as large as its width allows (none below ~48 pixels).
            let size = match w {
                70.. => 15,
                48.. => 12,
                _ => 0,
            };
            if size > 0 && h >= 20 {
                let bright = matches!(cell, Cell::Value(v, _) if colour(*v, range).1 > 150);
                let ink = if bright || matches!(cell, Cell::Missing(_)) {
                    BLACK
                } else {
                    WHITE
                };
                let font: TextStyle = (FONT, size).into();
                let font = font.color(&ink).pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series([EmptyElement::at(at) + Text::new(text, (w / 2, h / 2), font)])
                    .map_err(e)?;
            }
        }
    }
    colour_bar(&bar, range, values.is_empty())
}

/// Diagonal lines across a cell of `w` x `h` pixels from its upper left corner.
fn hatching(w: i32, h: i32, ink: RGBColor) -> impl Iterator<Item = PathElement<(i32, i32)>> {
    let step = 12;
    (step..(w + h)).step_by(step as usize).map(move |k| {
        let (start, end) = diagonal(k, w, h);
        PathElement::new(vec![start, end], ink.stroke_width(1))
    })
}

/// The ends of the line x + y = k inside a cell of `w` x `h` pixels (y down from its
/// upper left corner): the lower left end, then the upper right.
fn diagonal(k: i32, w: i32, h: i32) -> ((i32, i32), (i32, i32)) {
    (
        (k.saturating_sub(h).max(0), k.min(h)),
        (k.min(w), (k - k.min(w)).max(0)),
    )
}

/// The panel's colour scale: a vertical gradient from `lo` to `hi` with its ends and
/// middle labelled.
fn colour_bar(area: &Area, (lo, hi): (f64, f64), empty: bool) -> Result<(), PlotError> {
    if empty {
        return Ok(());
    }
    let (_, hgt) = area.dim_in_pixel();
    let (top, bottom) = (30, hgt as i32 - 80);
    let steps = 60;
    for i in 0..steps {
        let t0 = bottom - (bottom - top) * i / steps;
        let t1 = bottom - (bottom - top) * (i + 1) / steps;
        let v = lo + (hi - lo) * (i as f64 + 0.5) / steps as f64;
        area.draw(&Rectangle::new(
            [(10, t1), (34, t0)],
            colour(v, (lo, hi)).filled(),
        ))
        .map_err(e)?;
    }
    let font: TextStyle = (FONT, 15).into();
    let font = font.pos(Pos::new(HPos::Left, VPos::Center));
    for (v, y) in [
        (lo, bottom),
        ((lo + hi) / 2.0, (top + bottom) / 2),
        (hi, top),
    ] {
        area.draw(&Text::new(short(v), (40, y), font.clone()))
            .map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{point, run};
    use super::*;

    fn sweep(ts: &[f64], ks: &[f64]) -> RunResults {
        let mut points = Vec::new();
        for &t in ts {
            for &k in ks {
                let params = [
                    ("temperature_K", Value::from(t)),
                    ("states.bright.to.trapped", Value::from(k)),
                ];
                points.push(point(&params, None, Some("flat within noise: ...")));
            }
        }
        run(points)
    }

    #[test]
    fn a_two_parameter_sweep_is_a_grid_with_temperature_along_x() {
        let r = sweep(&[300.0, 10.0, 100.0], &[0.0, 0.01, 0.02, 0.05]);
        let g = Grid::of(&r).expect("a grid");
        assert_eq!(g.keys[0], "temperature_K");
        assert_eq!(
            g.xs,
            [Value::from(10.0), Value::from(100.0), Value::from(300.0)]
        );
        assert_eq!(g.ys.len(), 4);
        // The point of 300 K, k = 0.01 is the sweep's second (index 1).
        assert_eq!(g.cells[1][2], 1);
        assert_eq!(g.cells.iter().flatten().count(), 12);
        assert!(
            !is_grid(&sweep(&[10.0, 20.0], &[0.0])),
            "one parameter varies"
        );
    }

    #[test]
    fn cells_say_missing_flagged_or_noisy() {
        let mut p = point(&[], None, Some("flat within noise: the largest ..."));
        assert_eq!((QUANTITIES[3].cell)(&p), Cell::Missing("flat"));
        p.t_max_note = Some("still rising at the last frame".into());
        assert_eq!((QUANTITIES[3].cell)(&p), Cell::Missing("rising"));
        assert_eq!((QUANTITIES[1].cell)(&p), Cell::Value(0.0049, false));
        p.warnings
            .push("D_avg wants 307 frames (5 tau_PL) but the run has 200: capped at 199".into());
        assert_eq!((QUANTITIES[1].cell)(&p), Cell::Value(0.0049, true));
        assert_eq!(
            (QUANTITIES[0].cell)(&p),
            Cell::Value(0.04, false),
            "about D_avg, not tau_PL"
        );
        assert_eq!(
            (QUANTITIES[2].cell)(&p),
            Cell::Value(4.4, true),
            "L rests on D_avg"
        );
        p.tau_pl_stderr_ps = Some(13.0);
        assert_eq!(
            (QUANTITIES[0].cell)(&p),
            Cell::Value(0.04, true),
            "13 of 40 ps"
        );
        p.tau_pl_ps = None;
        assert_eq!((QUANTITIES[0].cell)(&p), Cell::Missing("no 1/e"));
    }

    #[test]
    fn a_tiny_spread_does_not_span_the_whole_colour_scale() {
        let (lo, hi) = scale(0.421, 0.425);
        assert!((lo - 0.423 * 0.95).abs() < 1e-12 && (hi - 0.423 * 1.05).abs() < 1e-12);
        let near = colour(0.425, (lo, hi)).1 as i32 - colour(0.421, (lo, hi)).1 as i32;
        assert!(near.abs() < 40, "{near}");
        assert_eq!(scale(1.0, 2.0), (1.0, 2.0));
        assert_eq!(scale(0.0, 0.0), (0.0, 0.0));
    }

    #[test]
    fn cell_numbers_keep_three_significant_digits() {
        assert_eq!(short(1639.2), "1639");
        assert_eq!(short(0.13), "0.130");
        assert_eq!(short(19.48), "19.5");
        assert_eq!(short(0.002156), "2.16e-3");
        assert_eq!(short(0.0), "0");
    }

    #[test]
    fn hatching_stays_inside_its_cell() {
        for (w, h) in [(100, 40), (30, 90), (12, 12)] {
            let lines: Vec<_> = hatching(w, h, BLACK).collect();
            assert!(!lines.is_empty());
        }
        for k in (12..140).step_by(12) {
            let ((x0, y0), (x1, y1)) = diagonal(k, 100, 40);
            assert!((0..=100).contains(&x0) && (0..=100).contains(&x1), "{k}");
            assert!((0..=40).contains(&y0) && (0..=40).contains(&y1), "{k}");
            assert_eq!(x0 + y0, k);
            assert_eq!(x1 + y1, k);
        }
    }
}
