//! Figures as PNG, drawn from saved results (plain numbers, never GPU types).
//!
//! A scenario lists the figures it feeds (`"figures": ["msd", "t_max"]`); `exciton-mc
//! plot results.json` and `exciton-mc reproduce` draw them. Text uses DejaVu Sans, which
//! ships in `crates/exciton/assets/fonts`, so every machine renders the same and no system font library
//! is needed.

pub mod analysis;
mod disorder;
mod errors;
mod facets;
pub mod fit_plot;
#[cfg(test)]
mod fixture;
mod heatmap;
mod labels;
mod maps;
mod msd;
mod pl_decay;
mod series;
mod style;
mod sweep_charts;
mod t_max;

pub use exciton_core::scenario::FigureKind;
use exciton_io::results::RunResults;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

pub use maps::bright_fraction_chart;

/// A drawing failed: which file and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {}: {problem}", path.display())]
pub struct FigureError {
    pub path: PathBuf,
    pub problem: FigureProblem,
}

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FigureProblem {
    /// The results lack what the figure shows (and the fix, in words).
    #[error("{0}")]
    Missing(String),
    /// plotters refused a drawing operation.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The PNG could not be put in place.
    #[error("{0}")]
    Write(std::io::Error),
}

/// An error of plotters, whose error types are generic over the drawing backend: kept
/// as its message, once the backend is known.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PlotError(pub String);

pub(crate) const FONT: &str = "sans-serif";
pub(crate) const SIZE: (u32, u32) = (1400, 900);

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            plotters::style::register_font(FONT, style, bytes)
                .unwrap_or_else(|_| panic!("the bundled DejaVu Sans font is valid"));
        }
    });
}

/// Draws into a temporary PNG beside `path` and renames it into place, so a reader
/// never sees half a picture.
pub(crate) fn draw_png(
    path: &Path,
    draw: impl FnOnce(&DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), PlotError>,
) -> Result<PathBuf, FigureError> {
    draw_png_sized(path, SIZE, draw)
}

/// [`draw_png`] for a figure of `size` pixels rather than [`SIZE`] (a grid of panels
/// that grows with their number).
pub(crate) fn draw_png_sized(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), PlotError>,
) -> Result<PathBuf, FigureError> {
    register_font();
    let fail = |problem: FigureProblem| FigureError {
        path: path.to_path_buf(),
        problem,
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("figure.png");
    let tmp = path.with_file_name(format!(".{name}.tmp-{}.png", std::process::id()));
    {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        let plot = |e: PlotError| fail(e.into());
        root.fill(&WHITE).map_err(|e| plot(style::e(e)))?;
        draw(&root).map_err(plot)?;
        root.present().map_err(|e| plot(style::e(e)))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(FigureProblem::Write(e))
    })?;
    Ok(path.to_path_buf())
}

/// "backend · walkers" line for a figure's corner.
pub(crate) fn provenance(results: &RunResults) -> String {
    let walkers: Vec<u64> = results.points.iter().map(|p| p.walkers).collect();
    let w = match (walkers.iter().min(), walkers.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a:.1e} walkers/point"),
        (Some(a), Some(b)) => format!("{a:.1e}-{b:.1e} walkers/point"),
        _ => String::new(),
    };
    let walk = if results.backend == "exact" {
        "exact recursion (no noise)".to_string()
    } else {
        format!("{} Monte Carlo, {w}", results.backend)
    };
    format!(
        "exciton-mc {} · {walk} · {}",
        results.exciton_mc_version, results.scenario
    )
}

/// The figures to draw: `kinds`, or without any those the run's scenario lists, and
/// the heatmap for a sweep of two parameters that lists a scalar figure (temperature or
/// t_max) and not the heatmap itself.
pub fn wanted(results: &RunResults, kinds: &[FigureKind]) -> Vec<FigureKind> {
    if !kinds.is_empty() {
        return kinds.to_vec();
    }
    let mut listed: Vec<FigureKind> = results
        .figures
        .iter()
        .filter_map(|k| FigureKind::parse(k))
        .collect();
    let scalar = listed
        .iter()
        .any(|k| matches!(k, FigureKind::Temperature | FigureKind::TMax));
    if scalar && !listed.contains(&FigureKind::Heatmap) && heatmap::is_grid(results) {
        listed.push(FigureKind::Heatmap);
    }
    listed
}

/// How [`draw_with`] lays out and names figures.
#[derive(Clone, Debug, Default)]
pub struct DrawOptions {
    /// The parameter with one panel per value in the curve figures (MSD, PL decay);
    /// `None`: for a product sweep of two or more parameters temperature_K when it is
    /// swept, else the one with the fewest values; none otherwise.
    pub facet: Option<String>,
    /// The selection the results were narrowed to ([`select`]), in words: it goes into
    /// the file names and the corner note.
    pub selection: Option<String>,
}

/// The run narrowed to the points whose swept parameters match every `KEY=VALUE` of
/// `wheres` (KEY a parameter's path or a dotted tail of it), with the selection in
/// words; an error names the condition that matches nothing and the values there are.
pub fn select(results: &RunResults, wheres: &[String]) -> Result<(RunResults, String), String> {
    facets::select(results, wheres)
}

/// Draws every figure `results` asks for (or `kinds`, when given) into `dir`.
pub fn draw(
    results: &RunResults,
    kinds: &[FigureKind],
    dir: &Path,
) -> Result<Vec<PathBuf>, FigureError> {
    draw_with(results, kinds, dir, &DrawOptions::default())
}

/// [`draw`] with a facet parameter and a selection's name.
pub fn draw_with(
    results: &RunResults,
    kinds: &[FigureKind],
    dir: &Path,
    options: &DrawOptions,
) -> Result<Vec<PathBuf>, FigureError> {
    let mut written = Vec::new();
    // Characters a file name cannot hold, or should not: a value's "/" or spaces.
    let slug = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                ',' => '_',
                c if c.is_alphanumeric() || "=._-+".contains(c) => c,
                _ => '_',
            })
            .collect()
    };
    let (mut tag, note) = match &options.selection {
        Some(words) => (
            format!("-where-{}", slug(words)),
            format!("{} · where {words}", provenance(results)),
        ),
        None => (String::new(), provenance(results)),
    };
    if let Some(f) = &options.facet {
        tag += &format!("-facet-{}", slug(f));
    }
    let facet = options.facet.as_deref();
    for kind in wanted(results, kinds) {
        let path = dir.join(format!(
            "{}-{}{tag}.png",
            results.scenario,
            kind.file_stem()
        ));
        let p = match kind {
            FigureKind::Msd => msd::msd(results, &path, &note, facet)?,
            FigureKind::TMax => t_max::t_max(results, &path, &note)?,
            FigureKind::Temperature => sweep_charts::temperature(results, &path, &note)?,
            FigureKind::PlDecay => pl_decay::pl_decay(results, &path, &note, facet)?,
            FigureKind::DiffusionMap => maps::diffusion_map(results, &path, &note)?,
            FigureKind::Disorder => disorder::disorder(results, &path, &note)?,
            FigureKind::EmissionImage => disorder::emission_image(results, &path, &note)?,
            FigureKind::Heatmap => heatmap::heatmap(results, &path, &note)?,
        };
        written.push(p);
    }
    Ok(written)
}
