//! `exciton-mc plot`: the figures of a saved results.json, drawn again.

use anyhow::{Context, Result};
use exciton_core::scenario::FigureKind;
use exciton_io::results::RunResults;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct PlotArgs {
    /// A results.json written by `run` or `reproduce`.
    results: PathBuf,
    /// Figures to draw [default: those the scenario lists]: msd, t_max, temperature,
    /// pl_decay, diffusion_map, disorder, emission_image.
    #[arg(long = "figure")]
    figures: Vec<String>,
    /// Directory for the PNGs [default: beside results.json].
    #[arg(long)]
    out: Option<PathBuf>,
}

pub(crate) fn plot_command(args: PlotArgs) -> Result<()> {
    // Scalars from results.json, curves from the curves.parquet beside it.
    let results: RunResults = exciton_io::results::read_results(&args.results)?;
    let kinds = args
        .figures
        .iter()
        .map(|f| {
            FigureKind::parse(f).with_context(|| {
                format!("--figure {f}: unknown figure (msd, t_max, temperature, pl_decay, diffusion_map, disorder, emission_image)")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if kinds.is_empty() && results.figures.is_empty() {
        anyhow::bail!(
            "{} names no figures: pass --figure msd (or t_max, temperature, pl_decay, diffusion_map, disorder, emission_image)",
            args.results.display()
        );
    }
    let dir = args.out.unwrap_or_else(|| {
        args.results
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .to_path_buf()
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for path in exciton::figures::draw(&results, &kinds, &dir)? {
        println!("drew {}", path.display());
    }
    Ok(())
}
