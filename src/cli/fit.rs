//! `exciton-mc fit`: free scenario parameters fitted to measured curves. Exit codes:
//! 0 ok, 3 the fit has warnings (0 with --accept-warnings), 1 failed, 2 refused before
//! fitting (the fit file, its scenario or a data file).

use super::args::DeviceArgs;
use anyhow::{Context, Result};
use exciton::engine::Engine;
use exciton::fit::{report, Fit, FitError};
use exciton_io::results::{prepare_dir, write_atomic, DirMode};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct FitArgs {
    /// The fit file (JSON): scenario, datasets, free parameters (README "The virtual
    /// microscope and fitting rates").
    fit: PathBuf,
    /// Output directory [default: out/fit/<the fit file's directory name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace what --out already holds.
    #[arg(long)]
    force: bool,
    /// Exit 0 when the fit's status is `warning` (its warnings are still printed and
    /// in fit.json); without it a warning exits 3.
    #[arg(long)]
    accept_warnings: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub(crate) fn fit_command(args: FitArgs, env: &crate::Environment) -> Result<i32> {
    let start = Instant::now();
    let fit = match Fit::load(&args.fit) {
        Ok(fit) => fit,
        Err(FitError::Run(e)) => return Err(e.into()),
        // Refused before fitting: bad input, exit 2 as for bad flags.
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(2);
        }
    };
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
    let engine = Engine::open(
        exciton_core::backend::BackendKind::Cpu,
        &super::args::engine_options(&args.device, env),
    )?
    .0;
    let r = report::execute(
        &fit,
        &engine,
        &|stage| eprintln!("{stage}"),
        &exciton_core::progress::Progress::default(),
    )
    .context("the fit")?;
    let json = report::fit_json(&fit, &r, start.elapsed().as_secs_f64());
    report::figure(&fit, &r, &out.join("fit.png"))?;
    write_atomic(
        &out.join("fit.json"),
        serde_json::to_string_pretty(&json)?.as_bytes(),
    )?;
    print!("{}", report::summary(&fit, &r, &out));
    Ok(r.verdict.status.exit_code(args.accept_warnings))
}
