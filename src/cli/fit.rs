//! `exciton-mc fit`: free scenario parameters fitted to measured curves.

use super::args::DeviceArgs;
use anyhow::{Context, Result};
use exciton::engine::Engine;
use exciton::fit::{report, Fit};
use exciton_io::results::{prepare_dir, write_atomic, DirMode};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct FitArgs {
    /// The fit file (JSON): scenario, datasets, free parameters (README "Fitting").
    fit: PathBuf,
    /// Output directory [default: out/fit/<the fit file's directory name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace what --out already holds.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub(crate) fn fit_command(args: FitArgs, env: &crate::Environment) -> Result<i32> {
    let start = Instant::now();
    let fit = Fit::load(&args.fit)?;
    let out = args.out.unwrap_or_else(|| {
        let stem = args
            .fit
            .file_stem()
            .map_or("fit".into(), |s| s.to_string_lossy().into_owned());
        let parent = args
            .fit
            .parent()
            .and_then(|p| p.file_name())
            .map(|p| p.to_string_lossy().into_owned());
        PathBuf::from("out")
            .join("fit")
            .join(parent.unwrap_or(stem))
    });
    prepare_dir(&out, DirMode::fresh_or_force(args.force))?;
    let outcome = fit.run();
    let engine = Engine::open(
        exciton_core::backend::BackendKind::Cpu,
        &super::args::engine_options(&args.device, env),
    )?
    .0;
    let check = report::monte_carlo_check(&fit, &outcome.params, &engine)
        .context("the Monte Carlo check")?;
    let wall = start.elapsed().as_secs_f64();
    let json = report::fit_json(&fit, &outcome, check.as_ref(), wall);
    report::figure(&fit, &outcome, &out.join("fit.png"))?;
    write_atomic(
        &out.join("fit.json"),
        serde_json::to_string_pretty(&json)?.as_bytes(),
    )?;
    print!("{}", report::summary(&fit, &outcome, check.as_ref(), &out));
    Ok(if outcome.converged { 0 } else { 3 })
}
