//! `exciton-mc reproduce`: every figure scenario of the paper, run and drawn.
//!
//! The scenarios are compiled in (the files in `scenarios/`), so the command works from
//! any directory. Walker counts are picked per backend so that a 2-core machine without
//! a GPU finishes in a few minutes; `--walkers` overrides.

use super::args::{engine_options, parse_backend, parse_walkers, DeviceArgs};
use super::progress::with_progress;
use anyhow::{Context, Result};
use exciton::engine::Engine;
use exciton::run::run;
use exciton_core::backend::BackendKind;
use exciton_core::progress::Progress;
use exciton_core::scenario::FigureKind;
use exciton_core::sweep::Plan;
use exciton_io::results::{prepare_dir, write_results, DirMode, WriteOptions};
use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct ReproduceArgs {
    /// Engine for the Monte Carlo figures (exact gives noise-free curves, no diffusion map).
    #[arg(long, value_parser = parse_backend, default_value = "auto")]
    pub(crate) backend: BackendKind,
    /// Directory for the PNGs; results go to DIR/results/<scenario>/.
    #[arg(long, default_value = "out/reproduce")]
    pub(crate) out: PathBuf,
    /// Walkers per sweep point [default: 1e6 on the CPU, 1e7 on a GPU].
    #[arg(long, value_parser = parse_walkers, allow_hyphen_values = true)]
    pub(crate) walkers: Option<u64>,
    #[command(flatten)]
    pub(crate) device: DeviceArgs,
    /// Replace what an earlier reproduce wrote into DIR.
    #[arg(long)]
    pub(crate) force: bool,
    /// No progress bar.
    #[arg(long)]
    pub(crate) quiet: bool,
}

/// (file name, contents) of every figure scenario.
pub const FIGURE_SCENARIOS: [(&str, &str); 7] = [
    (
        "paper-5nm-9K.json",
        include_str!("../../scenarios/paper-5nm-9K.json"),
    ),
    (
        "fig2e-heating.json",
        include_str!("../../scenarios/fig2e-heating.json"),
    ),
    (
        "fig3-traps.json",
        include_str!("../../scenarios/fig3-traps.json"),
    ),
    (
        "fig3e-t-max-vs-temperature.json",
        include_str!("../../scenarios/fig3e-t-max-vs-temperature.json"),
    ),
    (
        "fig4-temperature.json",
        include_str!("../../scenarios/fig4-temperature.json"),
    ),
    (
        "fig4-mechanisms.json",
        include_str!("../../scenarios/fig4-mechanisms.json"),
    ),
    (
        "disorder-migration.json",
        include_str!("../../scenarios/disorder-migration.json"),
    ),
];

/// Walkers per point when the user gives none: the CPU default keeps the whole
/// reproduction to well under a minute per core-GHz; a hardware GPU takes ten times more.
fn default_walkers(engine: &Engine) -> u64 {
    match engine.kind() {
        BackendKind::Gpu if !engine.device().contains("Cpu") => 10_000_000,
        _ => 1_000_000,
    }
}

pub(crate) fn reproduce_command(args: ReproduceArgs, env: &crate::Environment) -> Result<()> {
    let (engine, why) = Engine::open(args.backend, &engine_options(&args.device, env))?;
    if !why.is_empty() {
        eprintln!("{why}");
    }
    let walkers = args.walkers.unwrap_or_else(|| default_walkers(&engine));
    eprintln!(
        "reproducing the paper's figures on {} ({} walkers per point) into {}",
        engine.device(),
        walkers,
        args.out.display()
    );
    prepare_dir(&args.out, DirMode::fresh_or_force(args.force))?;
    let start = Instant::now();
    let mut drawn = Vec::new();
    for (file, text) in FIGURE_SCENARIOS {
        let value: serde_json::Value =
            serde_json::from_str(text).with_context(|| format!("built-in {file}"))?;
        let mut plan = Plan::from_value(&value, &Path::new("scenarios").join(file))?;
        if engine.kind() == BackendKind::Exact
            && plan.points.iter().any(|p| p.scenario.landscape.is_some())
        {
            eprintln!(
                "{}: skipped on the exact backend (it has a landscape, which only the Monte Carlo walks)",
                plan.name
            );
            continue;
        }
        for p in &mut plan.points {
            p.scenario.walkers = walkers;
        }
        let t0 = Instant::now();
        let progress = Progress::default();
        let results = with_progress(
            &progress,
            super::progress::Totals {
                walkers: plan.total_walkers(),
                points: 0,
            },
            args.quiet,
            std::time::Duration::from_secs_f64(super::progress::DEFAULT_PROGRESS_EVERY_S),
            || run(&plan, &engine, &progress),
        )
        .with_context(|| format!("running {file}"))?;
        let dir = args.out.join("results").join(&plan.name);
        prepare_dir(&dir, DirMode::Force)?;
        write_results(&dir, &results, WriteOptions::default())?;
        let mut kinds = Vec::new();
        for k in &results.figures {
            FigureKind::parse(k).context("figure kind")?;
        }
        // What the scenario lists, and a two-parameter sweep's heatmap.
        for kind in exciton::figures::wanted(&results, &[]) {
            if matches!(kind, FigureKind::DiffusionMap | FigureKind::EmissionImage)
                && engine.kind() == BackendKind::Exact
            {
                eprintln!(
                    "{}: no diffusion map from the exact backend (it has no profiles)",
                    plan.name
                );
                continue;
            }
            kinds.push(kind);
        }
        // An empty list would mean "what the scenario lists" to draw: nothing is left.
        let paths = match kinds.is_empty() {
            true => Vec::new(),
            false => exciton::figures::draw(&results, &kinds, &args.out)?,
        };
        eprintln!(
            "{}: {} points in {:.1} s -> {}",
            plan.name,
            plan.points.len(),
            t0.elapsed().as_secs_f64(),
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        drawn.extend(paths);
    }
    drawn.push(exciton::figures::bright_fraction_chart(
        &args.out.join("figS7-bright-fraction.png"),
        &[3.0, 6.0, 15.0],
    )?);
    println!(
        "reproduced {} figures in {:.1} s on {} ({} walkers per point):",
        drawn.len(),
        start.elapsed().as_secs_f64(),
        engine.device(),
        walkers
    );
    for p in &drawn {
        println!("  {}", p.display());
    }
    Ok(())
}
