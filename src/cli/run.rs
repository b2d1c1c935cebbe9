//! `exciton-mc run`: one scenario (or sweep) into an output directory, then a summary.

use super::args::{engine_options, parse_backend, parse_seed, parse_walkers, DeviceArgs};
use super::progress::{stop_on_ctrl_c, with_progress};
use anyhow::{Context, Result};
use exciton_core::backend::BackendKind;
use exciton_core::progress::Progress;
use exciton_core::results::{prepare_dir, write_results, DirMode};
use exciton_core::sweep::Plan;
use exciton_mc::engine::Engine;
use exciton_mc::run::{check_memory, run_into};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Scenario file (JSON).
    scenario: PathBuf,
    /// Engine: cpu (reference Monte Carlo), gpu (WGSL kernels), exact (moment recursion),
    /// auto (a hardware GPU if there is one, else the CPU).
    #[arg(long, value_parser = parse_backend, default_value = "auto")]
    backend: BackendKind,
    /// Override the scenario's walker count (accepts 1e6).
    #[arg(long, value_parser = parse_walkers, allow_hyphen_values = true)]
    walkers: Option<u64>,
    /// Override the scenario's seed (0 to 2^64 - 1; accepts 1e3).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: Option<u64>,
    /// Output directory [default: out/<scenario name>].
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    device: DeviceArgs,
    /// Start over in an output directory that already holds files.
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// Continue an interrupted run in --out: finished points whose scenario, walkers and
    /// seed are unchanged are kept; a changed one is refused.
    #[arg(long)]
    resume: bool,
    /// No progress bar (nor progress lines).
    #[arg(long)]
    quiet: bool,
    /// Seconds between plain progress lines when stderr is not a terminal (a batch job's
    /// log): walkers done, rate, ETA.
    #[arg(long, default_value_t = super::progress::DEFAULT_PROGRESS_EVERY_S)]
    progress_every: f64,
    /// Print a machine-readable JSON summary on stdout instead of the text one.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run_command(args: RunArgs, env: &crate::Environment) -> Result<i32> {
    let mut plan = Plan::load(&args.scenario)?;
    for p in &mut plan.points {
        if let Some(w) = args.walkers {
            p.scenario.walkers = w;
        }
        if let Some(s) = args.seed {
            p.scenario.seed = s;
        }
    }
    let (engine, why) = Engine::open(args.backend, &engine_options(&args.device, env))?;
    if !why.is_empty() {
        eprintln!("{why}");
    }
    check_memory(&plan, &engine)?;
    if !args.quiet && !args.json {
        let first = &plan.points[0];
        let which = if plan.points.len() > 1 {
            " (point 0)"
        } else {
            ""
        };
        for line in super::summary::describe_states(&first.scenario) {
            eprintln!("states{which} {line}");
        }
    }
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("out").join(&plan.name));
    let mode = match (args.resume, args.force) {
        (true, _) => DirMode::Resume,
        (_, true) => DirMode::Force,
        _ => DirMode::Fresh,
    };
    prepare_dir(&out, mode)?;

    let progress = Arc::new(Progress::default());
    stop_on_ctrl_c(&progress);
    let start = Instant::now();
    let every = std::time::Duration::from_secs_f64(args.progress_every.max(0.1));
    let results = with_progress(&progress, plan.total_walkers(), args.quiet, every, || {
        run_into(&plan, &engine, &progress, &out, args.resume)
    });
    let results = match results {
        Err(e) if e.interrupted_sweep().is_some() => {
            eprintln!("error: {e}");
            return Ok(130);
        }
        r => r.with_context(|| format!("running {}", args.scenario.display()))?,
    };
    let wall = start.elapsed();
    write_results(&out, &results)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&super::summary::json_summary(&results, wall, &out))?
        );
    } else {
        super::summary::print_summary(&results, wall, &out);
    }
    Ok(0)
}
