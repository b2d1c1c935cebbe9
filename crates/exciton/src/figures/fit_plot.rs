//! The figure of a fit: each dataset's points with error bars against the fitted model,
//! and beneath it the residuals in standard errors.

use super::style::{e, style};
use super::{draw_png, FigureError, FONT};
use plotters::prelude::*;
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

/// Draws `panels` under `header` (its lines: the fitted values with units, chi2, the
/// verdict).
pub fn fit_figure(
    panels: &[FitPanel],
    header: &[String],
    footer: &str,
    path: &Path,
) -> Result<PathBuf, FigureError> {
    draw_png(path, |root| {
        let (head, rest) = root.split_vertically(60);
        head.draw_text(
            &header.join("  ·  "),
            &(FONT, 28).into_text_style(&head),
            (20, 15),
        )
        .map_err(e)?;
        let (body, foot) = rest.split_vertically(rest.dim_in_pixel().1 as i32 - 40);
        foot.draw_text(footer, &(FONT, 20).into_text_style(&foot), (20, 8))
            .map_err(e)?;
        let rows = body.split_evenly((panels.len(), 1));
        for (i, (panel, area)) in panels.iter().zip(&rows).enumerate() {
            let h = area.dim_in_pixel().1 as i32;
            let (top, bottom) = area.split_vertically(h * 7 / 10);
            let t_end = panel
                .model
                .iter()
                .map(|p| p.0)
                .chain(panel.data.iter().map(|p| p.0))
                .fold(0.0, f64::max)
                * 1.02;
            let ys = panel
                .data
                .iter()
                .flat_map(|&(_, y, err)| [y + err.unwrap_or(0.0), y - err.unwrap_or(0.0)])
                .chain(panel.model.iter().map(|p| p.1));
            let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
                (a.min(y), b.max(y))
            });
            let pad = 0.08 * (hi - lo).max(1e-12);
            let color = style(i).color;
            let mut chart = ChartBuilder::on(&top)
                .margin(10)
                .caption(&panel.label, (FONT, 22))
                .x_label_area_size(10)
                .y_label_area_size(100)
                .build_cartesian_2d(0.0..t_end, (lo - pad)..(hi + pad))
                .map_err(e)?;
            chart
                .configure_mesh()
                .y_desc(&panel.y_desc)
                .label_style((FONT, 18))
                .axis_desc_style((FONT, 20))
                .x_labels(0)
                .draw()
                .map_err(e)?;
            chart
                .draw_series(panel.data.iter().filter_map(|&(t, y, err)| {
                    err.map(|err| {
                        ErrorBar::new_vertical(t, y - err, y, y + err, BLACK.stroke_width(1), 6)
                    })
                }))
                .map_err(e)?;
            chart
                .draw_series(
                    panel
                        .data
                        .iter()
                        .map(|&(t, y, _)| Circle::new((t, y), 4, BLACK.filled())),
                )
                .map_err(e)?
                .label("data (± 1 standard error)")
                .legend(|(x, y)| Circle::new((x + 10, y), 4, BLACK.filled()));
            chart
                .draw_series(LineSeries::new(
                    panel.model.iter().copied(),
                    color.stroke_width(3),
                ))
                .map_err(e)?
                .label("fitted model (exact backend)")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
                });
            chart
                .configure_series_labels()
                .label_font((FONT, 18))
                .border_style(BLACK)
                .background_style(WHITE.mix(0.9))
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(e)?;
            let r_max = panel
                .residuals
                .iter()
                .map(|r| r.1.abs())
                .fold(3.0, f64::max)
                * 1.1;
            let mut res = ChartBuilder::on(&bottom)
                .margin(10)
                .x_label_area_size(45)
                .y_label_area_size(100)
                .build_cartesian_2d(0.0..t_end, -r_max..r_max)
                .map_err(e)?;
            res.configure_mesh()
                .y_labels(5)
                .x_desc("time after excitation (ns)")
                .y_desc("residual (σ)")
                .label_style((FONT, 18))
                .axis_desc_style((FONT, 20))
                .draw()
                .map_err(e)?;
            res.draw_series(LineSeries::new(
                [(0.0, 0.0), (t_end, 0.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(e)?;
            res.draw_series(
                panel
                    .residuals
                    .iter()
                    .map(|&(t, r)| Circle::new((t, r), 3, color.filled())),
            )
            .map_err(e)?;
        }
        Ok(())
    })
}
