//! One function per figure kind. Each takes saved results and draws one PNG.

use super::{draw_png, point_label, FigureError, FONT, SIZE};
use exciton_core::observables::T_MAX_MIN_WALKERS;
use exciton_core::results::RunResults;
use exciton_core::temperature::bright_fraction;
use plotters::prelude::*;
use plotters::style::full_palette::{
    BLUE_700, BROWN_600, GREEN_700, ORANGE_700, PINK_600, PURPLE_600, RED_700, TEAL_700,
};
use std::path::{Path, PathBuf};

const COLORS: [RGBColor; 8] = [
    BLUE_700, RED_700, GREEN_700, ORANGE_700, PURPLE_600, TEAL_700, BROWN_600, PINK_600,
];

fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

fn e<T: std::fmt::Display>(err: T) -> String {
    err.to_string()
}

/// A labelled line in colour `c`.
fn line<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pts: impl IntoIterator<Item = (f64, f64)>,
    label: String,
    c: RGBColor,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate<From = (f64, f64)>,
{
    chart
        .draw_series(LineSeries::new(pts, c.stroke_width(3)))
        .map_err(e)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], c.stroke_width(3)));
    Ok(())
}

/// The legend box, at `at`.
fn legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
    size: u32,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font((FONT, size))
        .position(at)
        .draw()
        .map_err(e)
}

/// The provenance line in the lower left corner.
fn corner(root: &Area, note: &str) -> Result<(), String> {
    root.draw(&Text::new(
        note.to_string(),
        (12, SIZE.1 as i32 - 30),
        (FONT, 20).into_font().color(&RGBColor(90, 90, 90)),
    ))
    .map_err(e)
}

fn upper(values: impl Iterator<Item = f64>) -> f64 {
    let m = values.filter(|v| v.is_finite()).fold(0.0f64, f64::max);
    if m > 0.0 {
        m * 1.08
    } else {
        1.0
    }
}

/// MSD(t) in nm^2 (left axis) and sites^2 (right axis), one curve per point.
pub fn msd(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let curves: Vec<(String, Vec<(f64, f64)>)> = r
        .points
        .iter()
        .map(|p| {
            let pts = p
                .time_ps
                .iter()
                .zip(&p.msd_occupancy_nm2)
                .zip(&p.occupancy_walkers)
                .take_while(|(_, w)| **w >= T_MAX_MIN_WALKERS)
                .filter_map(|((t, m), _)| m.map(|m| (t / 1000.0, m)))
                .collect();
            (point_label(p), pts)
        })
        .collect();
    let t_end = upper(
        r.points
            .iter()
            .flat_map(|p| p.time_ps.last().map(|t| t / 1000.0)),
    ) / 1.08;
    let y_top = upper(curves.iter().flat_map(|(_, c)| c.iter().map(|p| p.1)));
    let pitch = r.points.first().map_or(1.0, |p| p.pitch_nm);
    let same_pitch = r.points.iter().all(|p| p.pitch_nm == pitch);
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!(
                    "{}: MSD (occupancy estimator, frames with >= 1000 effective walkers)",
                    r.scenario
                ),
                (FONT, 32),
            )
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
        for (i, (label, pts)) in curves.iter().enumerate() {
            let c = color(i);
            line(&mut chart, pts.iter().copied(), label.clone(), c)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 22)?;
        corner(root, note)
    })
}

/// The first swept parameter of the run as numbers (for x axes), with its name.
fn swept_axis(r: &RunResults) -> Option<(String, Vec<f64>)> {
    let key = r.points.first()?.parameters.keys().next()?.clone();
    let xs: Option<Vec<f64>> = r
        .points
        .iter()
        .map(|p| p.parameters.get(&key)?.as_f64())
        .collect();
    Some((key, xs?))
}

/// t_max against the first swept parameter (Figure 3d).
pub fn t_max(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let (key, xs) = swept_axis(r).ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        reason: "t_max needs a sweep over a numeric parameter".into(),
    })?;
    let pts: Vec<(f64, f64)> = xs
        .iter()
        .zip(&r.points)
        .filter_map(|(x, p)| p.t_max_ps.map(|t| (*x, t / 1000.0)))
        .collect();
    let missing = r.points.len() - pts.len();
    let x_top = upper(xs.iter().copied());
    let y_top = upper(pts.iter().map(|p| p.1));
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!("{}: time of the MSD maximum", r.scenario),
                (FONT, 32),
            )
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..x_top, 0.0..y_top)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(format!("{key} (per frame)"))
            .y_desc("t_max (ns)")
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 28))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(LineSeries::new(
                pts.iter().copied(),
                BLUE_700.stroke_width(3),
            ))
            .map_err(e)?;
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 8, BLUE_700.filled())))
            .map_err(e)?
            .label(if missing > 0 {
                format!(
                    "t_max (occupancy MSD); {missing} point(s) without a maximum before the end"
                )
            } else {
                "t_max (occupancy MSD)".into()
            })
            .legend(|(x, y)| Circle::new((x + 15, y), 8, BLUE_700.filled()));
        legend(&mut chart, SeriesLabelPosition::UpperRight, 22)?;
        corner(root, note)
    })
}

/// D_avg, tau_PL and L against temperature, one curve per sample (Figure 4).
pub fn temperature(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let mut samples: Vec<String> = Vec::new();
    for p in &r.points {
        let name = p
            .sample
            .as_ref()
            .map_or_else(|| "no sample".into(), |s| s.name.clone());
        if !samples.contains(&name) {
            samples.push(name);
        }
    }
    type Pick = fn(&exciton_core::results::PointResult) -> Option<f64>;
    let panels: [(&str, Pick); 3] = [
        ("D_avg (cm²/s)", |p| p.d_avg_cm2_s),
        ("tau_PL (ns)", |p| p.tau_pl_ps.map(|t| t / 1000.0)),
        ("diffusion length L (nm)", |p| p.diffusion_length_nm),
    ];
    let t_top = upper(r.points.iter().filter_map(|p| p.temperature_k));
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        // A strip above the title, or its ascenders touch the edge.
        let (_, top) = top.split_vertically(14);
        let body = top
            .titled(
                &format!("{}: diffusion against temperature", r.scenario),
                (FONT, 32),
            )
            .map_err(e)?;
        let legend_at = [
            SeriesLabelPosition::MiddleRight,
            SeriesLabelPosition::LowerRight,
            SeriesLabelPosition::LowerRight,
        ];
        let areas = body.split_evenly((1, 3));
        for ((area, (label, pick)), at) in areas.iter().zip(panels).zip(legend_at) {
            let y_top = upper(r.points.iter().filter_map(pick));
            let mut chart = ChartBuilder::on(area)
                .margin(15)
                .margin_right(30)
                .x_label_area_size(60)
                .y_label_area_size(100)
                .build_cartesian_2d(0.0..t_top, 0.0..y_top)
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
            for (i, sample) in samples.iter().enumerate() {
                let pts: Vec<(f64, f64)> = r
                    .points
                    .iter()
                    .filter(|p| {
                        p.sample.as_ref().map_or("no sample", |s| s.name.as_str()) == sample
                    })
                    .filter_map(|p| Some((p.temperature_k?, pick(p)?)))
                    .collect();
                let c = color(i);
                line(&mut chart, pts.iter().copied(), sample.clone(), c)?;
                chart
                    .draw_series(pts.iter().map(|&p| Circle::new(p, 5, c.filled())))
                    .map_err(e)?;
            }
            legend(&mut chart, at, 20)?;
        }
        corner(root, note)
    })
}

/// Total and per-state PL intensity (emissions per walker per frame) on a log axis.
pub fn pl_decay(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let p = r.points.first().ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        reason: "no points".into(),
    })?;
    let t = |i: usize| p.time_ps[i] / 1000.0;
    let mut series: Vec<(String, Vec<(f64, f64)>)> = vec![(
        "total".into(),
        (0..p.intensity.len())
            .filter(|&i| p.intensity[i] > 0.0)
            .map(|i| (t(i), p.intensity[i]))
            .collect(),
    )];
    for (name, v) in &p.intensity_by_state {
        let pts: Vec<(f64, f64)> = (0..v.len())
            .filter(|&i| v[i] > 0.0)
            .map(|i| (t(i), v[i]))
            .collect();
        if !pts.is_empty() {
            series.push((format!("from {name}"), pts));
        }
    }
    let all = series.iter().flat_map(|s| s.1.iter().map(|p| p.1));
    let (lo, hi) = all.fold((f64::MAX, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let t_end = p.time_ps.last().copied().unwrap_or(1.0) / 1000.0;
    let tau = p.tau_pl_ps.map_or("-".into(), |t| format!("{t:.0} ps"));
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!("{}: PL decay per state (tau_PL {tau})", r.scenario),
                (FONT, 32),
            )
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(130)
            .build_cartesian_2d(0.0..t_end, (lo * 0.8..hi * 1.5).log_scale())
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("time after excitation (ns)")
            .y_desc("PL (emissions per walker per 25 ps frame)")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 26))
            .draw()
            .map_err(e)?;
        for (i, (label, pts)) in series.iter().enumerate() {
            let c = color(i);
            line(&mut chart, pts.iter().copied(), label.clone(), c)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 22)?;
        corner(root, note)
    })
}

/// Emission profile over absolute x (nm) and time, each frame normalised to its maximum.
pub fn diffusion_map(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let p = r.points.first().ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        reason: "no points".into(),
    })?;
    let prof = p.emission_profile.as_ref().ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        reason: "no emission profile in the results: set \"record_profiles\": true and use a Monte Carlo backend".into(),
    })?;
    let a = p.pitch_nm;
    let dt = p.dt_ps / 1000.0;
    let width = prof.counts.first().map_or(0, Vec::len) as i64;
    let x0 = prof.x_min_sites as f64 * a;
    let x1 = (prof.x_min_sites + width) as f64 * a;
    let t_end = prof.counts.len() as f64 * dt;
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!(
                    "{}: emission profile over x and t, each frame normalised",
                    r.scenario
                ),
                (FONT, 32),
            )
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, 0.0..t_end)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(format!("position x (nm; one site = {a} nm)"))
            .y_desc("time after excitation (ns)")
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 28))
            .draw()
            .map_err(e)?;
        let cells = prof.counts.iter().enumerate().flat_map(|(t, row)| {
            let max = row.iter().copied().max().unwrap_or(0).max(1) as f64;
            row.iter().enumerate().map(move |(i, &c)| {
                let x = (prof.x_min_sites + i as i64) as f64 * a;
                let color = ViridisRGB::get_color(c as f64 / max);
                Rectangle::new(
                    [(x, t as f64 * dt), (x + a, (t + 1) as f64 * dt)],
                    color.filled(),
                )
            })
        });
        chart.draw_series(cells).map_err(e)?;
        corner(root, note)
    })
}

/// Boltzmann bright-state occupation against temperature (Figure S7), analytic.
pub fn bright_fraction_chart(path: &Path, splittings_mev: &[f64]) -> Result<PathBuf, FigureError> {
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                "Bright-state occupation, Boltzmann with g = 3 (Figure S7)",
                (FONT, 32),
            )
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..300.0, 0.0..0.8)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("temperature (K)")
            .y_desc("bright fraction p_B")
            .label_style((FONT, 24))
            .axis_desc_style((FONT, 28))
            .draw()
            .map_err(e)?;
        for (i, &de) in splittings_mev.iter().enumerate() {
            let c = color(i);
            let pts = (1..=300).map(|t| (t as f64, bright_fraction(de, t as f64, 3.0)));
            line(&mut chart, pts, format!("ΔE_BD = {de} meV"), c)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 22)?;
        corner(
            root,
            "exciton-mc · p_B = 3 exp(-ΔE/kT) / (1 + 3 exp(-ΔE/kT)), kB = 0.08617333 meV/K",
        )
    })
}
