//! The heterogeneous assembly (MODEL.md section 12): MSD, the local exponent alpha and
//! the mean site energy against time, one curve per point, and the 2D emission image of
//! one frame for every point.

use super::errors::{draw_band, log_band_points, WithErr};
use super::labels::point_label;
use super::series::spread;
use super::style::{draw_line, e, footed, side_legend, style, title_area, Marks};
use super::{draw_png, FigureError, FONT};
use super::{FigureProblem, PlotError};
use exciton_core::observables::T_MAX_MIN_WALKERS;
use exciton_io::results::{PointResult, RunResults};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Curves drawn at most.
const MAX_CURVES: usize = 12;

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A curve of a point and its standard errors, as stored.
type Pick = fn(&PointResult) -> (&Vec<Option<f64>>, &Vec<Option<f64>>);

/// A point's label, short where its swept values are the landscape's and the
/// temperature ("σ_E 10 meV, 20 K"), else the usual one.
fn label(p: &PointResult) -> String {
    let short = |k: &str, v: &serde_json::Value| {
        let v = super::labels::value_text(v);
        if k.ends_with("energy_sigma_meV") {
            Some(format!("σ_E {v} meV"))
        } else if k == "temperature_K" {
            Some(format!("{v} K"))
        } else if k.ends_with("void_fraction") {
            Some(format!("voids {v}"))
        } else {
            None
        }
    };
    let parts: Option<Vec<String>> = p.parameters.iter().map(|(k, v)| short(k, v)).collect();
    match parts {
        Some(parts) if !parts.is_empty() => parts.join(", "),
        _ => point_label(p),
    }
}

/// (t in ns, value, error) of a curve over the frames from 1 on that rest on enough
/// effective walkers (the MSD figure's cut).
fn curve(p: &PointResult, v: &[Option<f64>], se: &[Option<f64>]) -> Vec<WithErr> {
    let at = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
    (1..p.time_ps.len())
        .take_while(|&i| {
            p.occupancy_walkers
                .get(i)
                .is_some_and(|w| *w >= T_MAX_MIN_WALKERS)
        })
        .map(|i| (p.time_ps[i] / 1000.0, at(v, i), at(v, i).and(at(se, i))))
        .collect()
}

fn range(curves: &[Vec<WithErr>], pad: f64) -> (f64, f64) {
    let vals = curves.iter().flatten().filter_map(|c| c.1);
    let (lo, hi) = vals.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    if lo > hi {
        return (0.0, 1.0);
    }
    let span = (hi - lo).max(1e-9);
    (lo - pad * span, hi + pad * span)
}

/// One panel over log time: `curves` (index = series) with bands, `y` linear or log.
#[allow(clippy::too_many_arguments)]
fn panel(
    area: &Area,
    title: &str,
    y_desc: &str,
    curves: &[Vec<WithErr>],
    t: (f64, f64),
    y: (f64, f64),
    log_y: bool,
    reference: Option<f64>,
) -> Result<(), PlotError> {
    let mut b = ChartBuilder::on(area);
    b.caption(title, (FONT, 24))
        .margin(12)
        .x_label_area_size(60)
        .y_label_area_size(80);
    macro_rules! body {
        ($chart:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc("time after excitation (ns)")
                .y_desc(y_desc)
                .label_style((FONT, 18))
                .axis_desc_style((FONT, 22))
                .draw()
                .map_err(e)?;
            if let Some(r) = reference {
                chart
                    .draw_series(LineSeries::new(
                        [(t.0, r), (t.1, r)],
                        BLACK.mix(0.5).stroke_width(1),
                    ))
                    .map_err(e)?;
            }
            for (i, c) in curves.iter().enumerate() {
                let pts: Vec<(f64, f64)> =
                    c.iter().filter_map(|&(x, v, _)| Some((x, v?))).collect();
                let band = if log_y {
                    log_band_points(
                        &pts,
                        &c.iter()
                            .filter(|p| p.1.is_some())
                            .map(|p| p.2)
                            .collect::<Vec<_>>(),
                    )
                } else {
                    c.clone()
                };
                draw_band(&mut chart, &band, style(i).color)?;
                let pts: Vec<(f64, f64)> =
                    pts.into_iter().filter(|p| !log_y || p.1 > 0.0).collect();
                draw_line(&mut chart, &pts, style(i), Marks::Lines, 5)?;
            }
        }};
    }
    let tx = (t.0..t.1).log_scale();
    if log_y {
        body!(b
            .build_cartesian_2d(tx, (y.0..y.1).log_scale())
            .map_err(e)?);
    } else {
        body!(b.build_cartesian_2d(tx, y.0..y.1).map_err(e)?);
    }
    Ok(())
}

/// MSD (<r^2>/2, nm^2, log-log), alpha(t) and the mean site energy (meV) against time,
/// one curve per point, each in its ±1 s.e. band.
pub fn disorder(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let shown: Vec<&PointResult> = spread(r.points.len(), MAX_CURVES)
        .into_iter()
        .map(|i| &r.points[i])
        .collect();
    let pick = |f: Pick| -> Vec<Vec<WithErr>> {
        shown
            .iter()
            .map(|p| {
                let (v, se) = f(p);
                curve(p, v, se)
            })
            .collect()
    };
    let msd = pick(|p| (&p.msd_r2_nm2, &p.msd_r2_stderr_nm2));
    let alpha = pick(|p| (&p.alpha, &p.alpha_stderr));
    let energy = pick(|p| (&p.mean_energy_mev, &p.mean_energy_stderr_mev));
    let t_end = shown
        .iter()
        .filter_map(|p| p.time_ps.last())
        .fold(0.0f64, |a, &b| a.max(b))
        / 1000.0;
    let t = (
        r.points.first().map_or(0.025, |p| p.dt_ps / 1000.0),
        t_end.max(0.05),
    );
    let positive = msd
        .iter()
        .flatten()
        .filter_map(|c| c.1)
        .filter(|v| *v > 0.0);
    let (lo, hi) = positive.fold((f64::MAX, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let m = if lo < hi {
        (lo / 1.5, hi * 1.5)
    } else {
        (0.1, 1.0)
    };
    let (a0, a1) = range(&alpha, 0.05);
    let a = (a0.min(0.0), a1.max(1.1));
    let en = range(&energy, 0.08);
    let entries: Vec<_> = shown
        .iter()
        .enumerate()
        .map(|(i, p)| (label(p), style(i)))
        .collect();
    let notes = vec![
        "shaded bands: ±1 standard error (jackknife over 16 walker blocks); frames with fewer than 100 effective walkers are left out".to_string(),
        "MSD: the 2D mean <r²>/2 of the occupancy-weighted estimator; alpha = d ln MSD / d ln t, D(t) likewise, smoothed over t/1.25 … 1.25 t; energy: mean site energy of the living excitons".to_string(),
    ];
    let title = format!("{}: migration in an energetic landscape", r.scenario);
    draw_png(path, |root| {
        let top = footed(root, note, &notes)?;
        let body = title_area(&top, &title, 32)?;
        let (plot, _) = side_legend(&body, &entries, Marks::Lines, true)?;
        let cells = plot.split_evenly((1, 3));
        panel(
            &cells[0],
            "MSD <r²>/2 (log-log)",
            "MSD (nm²)",
            &msd,
            t,
            m,
            true,
            None,
        )?;
        panel(
            &cells[1],
            "local exponent α(t)",
            "α = d ln MSD / d ln t",
            &alpha,
            t,
            a,
            false,
            Some(1.0),
        )?;
        panel(
            &cells[2],
            "mean site energy",
            "energy (meV)",
            &energy,
            t,
            en,
            false,
            Some(0.0),
        )?;
        Ok(())
    })
}

/// The emission image of its frame for every point (up to 8), each normalised to its
/// brightest site, over x and y in nm.
pub fn emission_image(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let shown: Vec<&PointResult> = spread(r.points.len(), 8)
        .into_iter()
        .map(|i| &r.points[i])
        .filter(|p| {
            p.emission_profile
                .as_ref()
                .is_some_and(|e| e.image.is_some())
        })
        .collect();
    if shown.is_empty() {
        return Err(FigureError {
            path: path.to_path_buf(),
            problem: FigureProblem::Missing("no emission image in the results: add \"image\": {\"frame\": N} to the scenario and use a Monte Carlo backend".into()),
        });
    }
    let im = shown[0]
        .emission_profile
        .as_ref()
        .and_then(|e| e.image.as_ref())
        .expect("filtered");
    let dt = shown[0].dt_ps / 1000.0;
    let (first, last) = (im.frame, im.frame + im.frames - 1);
    let when = if first == last {
        format!("frame {first} ({:.2} ns)", f64::from(first) * dt)
    } else {
        format!(
            "frames {first}-{last} ({:.2}-{:.2} ns)",
            f64::from(first) * dt,
            f64::from(last + 1) * dt
        )
    };
    let title = format!(
        "{}: emission image of {when}, each normalised to its brightest site",
        r.scenario
    );
    // Each walker block walks its own film unless the scenario keeps one
    // (realizations: 1, which the points' warnings say): then voids show, else they
    // average out over the films.
    let one_film = shown.iter().all(|p| {
        p.warnings
            .iter()
            .any(|w| w.starts_with("landscape.realizations = 1"))
    });
    let films = if one_film {
        "one film (landscape.realizations = 1)"
    } else {
        "the sum over the films of the walker blocks, one each (voids blur out; landscape.realizations = 1 images one film)"
    };
    let notes = vec![format!(
        "black: no emission; colour scale viridis, linear; {films}"
    )];
    draw_png(path, |root| {
        let top = footed(root, note, &notes)?;
        let body = title_area(&top, &title, 30)?;
        let cols = shown.len().min(4);
        let rows = shown.len().div_ceil(cols);
        for (cell, p) in body.split_evenly((rows, cols)).iter().zip(&shown) {
            let im = p
                .emission_profile
                .as_ref()
                .and_then(|e| e.image.as_ref())
                .expect("filtered");
            let (h, side, a) = (f64::from(im.half_width_sites), im.side(), p.pitch_nm);
            let mut chart = ChartBuilder::on(cell)
                .caption(label(p), (FONT, 18))
                .margin(8)
                .x_label_area_size(40)
                .y_label_area_size(56)
                .build_cartesian_2d(-(h + 0.5) * a..(h + 0.5) * a, -(h + 0.5) * a..(h + 0.5) * a)
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("x (nm)")
                .y_desc("y (nm)")
                .x_labels(5)
                .y_labels(5)
                .label_style((FONT, 14))
                .axis_desc_style((FONT, 16))
                .draw()
                .map_err(e)?;
            let max = im.counts.iter().copied().max().unwrap_or(0).max(1) as f64;
            let pixels = im.counts.iter().enumerate().map(|(k, &c)| {
                let (x, y) = ((k % side) as f64 - h, (k / side) as f64 - h);
                let color = if c == 0 {
                    BLACK
                } else {
                    ViridisRGB::get_color(c as f64 / max)
                };
                Rectangle::new(
                    [
                        ((x - 0.5) * a, (y - 0.5) * a),
                        ((x + 0.5) * a, (y + 0.5) * a),
                    ],
                    color.filled(),
                )
            });
            chart.draw_series(pixels).map_err(e)?;
        }
        Ok(())
    })
}
