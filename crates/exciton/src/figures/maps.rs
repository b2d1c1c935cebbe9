//! The emission profile over x and t, and the analytic bright fraction (Figure S7).

use super::labels::point_label;
use super::style::{corner, draw_line, e, inline_legend, style, Marks};
use super::FigureProblem;
use super::{draw_png, FigureError, FONT, SIZE};
use exciton_core::temperature::{bright_fraction, DEFAULT_DEGENERACY, KB_MEV_PER_K};
use exciton_io::results::RunResults;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Emission profile over absolute x (nm) and time, each frame normalised to its maximum;
/// the first point of a sweep, named in the title.
pub fn diffusion_map(r: &RunResults, path: &Path, note: &str) -> Result<PathBuf, FigureError> {
    let p = r.points.first().ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        problem: FigureProblem::Missing("no points".into()),
    })?;
    let prof = p.emission_profile.as_ref().ok_or_else(|| FigureError {
        path: path.to_path_buf(),
        problem: FigureProblem::Missing("no emission profile in the results: set \"record_profiles\": true and use a Monte Carlo backend".into()),
    })?;
    let which = match r.points.len() {
        1 => String::new(),
        n => format!(" (point 1 of {n}: {})", point_label(p)),
    };
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
                    "{}{which}: emission profile over x and t, each frame normalised",
                    r.scenario
                ),
                (FONT, if which.is_empty() { 32 } else { 26 }),
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

/// Boltzmann bright-state occupation against temperature (Figure S7), analytic, with the
/// degeneracy the model uses by default.
pub fn bright_fraction_chart(path: &Path, splittings_mev: &[f64]) -> Result<PathBuf, FigureError> {
    let g = DEFAULT_DEGENERACY;
    let entries: Vec<_> = splittings_mev
        .iter()
        .enumerate()
        .map(|(i, de)| (format!("ΔE_BD = {de} meV"), style(i)))
        .collect();
    draw_png(path, |root| {
        let (top, _) = root.split_vertically(SIZE.1 - 40);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                format!("Bright-state occupation, Boltzmann with g = {g} (Figure S7)"),
                (FONT, 32),
            )
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..300.0, 0.0..g / (1.0 + g) * 1.07)
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
            let pts: Vec<(f64, f64)> = (1..=300)
                .map(|t| (t as f64, bright_fraction(de, t as f64, g)))
                .collect();
            draw_line(&mut chart, &pts, style(i), Marks::Lines, 6)?;
        }
        inline_legend(
            &mut chart,
            &entries,
            Marks::Lines,
            SeriesLabelPosition::LowerRight,
        )?;
        corner(
            root,
            &format!(
                "exciton-mc · p_B = g exp(-ΔE/kT) / (1 + g exp(-ΔE/kT)), g = {g}, kB = {KB_MEV_PER_K} meV/K"
            ),
        )
    })
}
