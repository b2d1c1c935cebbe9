//! `exciton-mc plot`: the figures of a saved results.json, drawn again.

use anyhow::{Context, Result};
use exciton_core::scenario::FigureKind;
use exciton_io::results::RunResults;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct PlotArgs {
    /// A results.json written by `run` or `reproduce` (or its directory, or the
    /// curves.parquet beside it).
    results: PathBuf,
    /// Figures to draw [default: those the scenario lists, and the heatmap of a
    /// two-parameter sweep that lists temperature or t_max]: msd, t_max, temperature,
    /// pl_decay, diffusion_map, disorder, emission_image, heatmap.
    #[arg(long = "figure")]
    figures: Vec<String>,
    /// Directory for the PNGs [default: beside results.json].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Draw only the points whose swept parameter KEY has VALUE (KEY: its JSON path or
    /// a dotted tail of it, e.g. temperature_K=10 or trapped=0.002); repeatable, all must
    /// hold. The PNGs' names gain "-where-KEY=VALUE".
    #[arg(long = "where", value_name = "KEY=VALUE")]
    wheres: Vec<String>,
    /// In the MSD and PL figures, one panel per value of this parameter [default, for a
    /// product sweep of two or more parameters: temperature_K when swept, else the one
    /// with the fewest values]; the PNGs' names gain "-facet-KEY".
    #[arg(long, value_name = "KEY")]
    facet: Option<String>,
}

pub(crate) fn plot_command(args: PlotArgs) -> Result<()> {
    // A run's directory, or its curves file, stand for the results.json they go with.
    let file = if args.results.is_dir() {
        args.results.join("results.json")
    } else if args.results.extension().is_some_and(|e| e == "parquet") {
        let json = args.results.with_file_name("results.json");
        if !json.exists() {
            anyhow::bail!(
                "{}: plot reads a run's results.json (the curves file is read from beside it), and there is none at {}",
                args.results.display(),
                json.display()
            );
        }
        json
    } else {
        args.results.clone()
    };
    // Scalars from results.json, curves from the curves.parquet beside it.
    let results: RunResults = exciton_io::results::read_results(&file)?;
    let (results, selection) = match args.wheres.is_empty() {
        true => (results, None),
        false => {
            let (narrowed, words) = exciton::figures::select(&results, &args.wheres)
                .map_err(|m| anyhow::anyhow!("{}: {m}", file.display()))?;
            eprintln!(
                "drawing {} of {} points (where {words})",
                narrowed.points.len(),
                results.points.len()
            );
            (narrowed, Some(words))
        }
    };
    let options = exciton::figures::DrawOptions {
        facet: args.facet,
        selection,
    };
    let kinds = args
        .figures
        .iter()
        .map(|f| {
            FigureKind::parse(f)
                .with_context(|| format!("--figure {f}: unknown figure ({})", FigureKind::names()))
        })
        .collect::<Result<Vec<_>>>()?;
    let kinds = exciton::figures::wanted(&results, &kinds);
    if kinds.is_empty() {
        anyhow::bail!(
            "{} names no figures: pass --figure KIND ({})",
            file.display(),
            FigureKind::names()
        );
    }
    let dir = args.out.unwrap_or_else(|| {
        file.parent()
            .unwrap_or(std::path::Path::new("."))
            .to_path_buf()
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // Each figure on its own: one that cannot be drawn does not stop the others.
    let mut failed = Vec::new();
    for kind in kinds {
        match exciton::figures::draw_with(&results, &[kind], &dir, &options) {
            Ok(paths) => paths.iter().for_each(|p| println!("drew {}", p.display())),
            Err(e) => {
                eprintln!("error: {}: {e}", kind.file_stem());
                failed.push(kind.file_stem());
            }
        }
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} of the figures could not be drawn: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(())
}
