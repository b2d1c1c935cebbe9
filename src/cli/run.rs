//! `exciton-mc run`: one scenario (or sweep) into an output directory, then a summary.

use super::args::{engine_options, DeviceArgs, WalkArgs};
use super::progress::{stop_on_ctrl_c, with_progress, Totals};
use anyhow::{Context, Result};
use exciton::engine::Engine;
use exciton::run::{check_memory, run_into, shard_size, RunOptions};
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use exciton_io::results::{prepare_dir, DirMode, WriteOptions};
use exciton_io::shard::Shard;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// Scenario file (JSON).
    scenario: PathBuf,
    #[command(flatten)]
    walk: WalkArgs,
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
    /// Run only shard I of N (0-based, e.g. 0/4), or `auto` inside a SLURM job array
    /// (SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT); `exciton-mc merge` combines the
    /// shards' directories. Sweeps are cut by points, a single point by walker blocks.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<ShardArg>,
    /// Also write one CSV per point (point-NNN.csv) beside curves.parquet.
    #[arg(long)]
    point_csv: bool,
    /// Start a run estimated at over an hour without asking (at a terminal such a run
    /// waits for this flag; in a batch job it starts and its log says the estimate).
    #[arg(long)]
    yes: bool,
}

/// `--shard`: I/N, or auto (from SLURM's environment when the run starts).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ShardArg {
    Fixed(Shard),
    Auto,
}

fn parse_shard(s: &str) -> Result<ShardArg, String> {
    if s == "auto" {
        return Ok(ShardArg::Auto);
    }
    s.parse().map(ShardArg::Fixed)
}

impl ShardArg {
    fn resolve(self) -> Result<Shard> {
        match self {
            ShardArg::Fixed(s) => Ok(s),
            ShardArg::Auto => {
                Shard::from_slurm(|k| std::env::var(k).ok()).map_err(anyhow::Error::msg)
            }
        }
    }
}

pub(crate) fn run_command(args: RunArgs, env: &crate::Environment) -> Result<i32> {
    let shard = args.shard.map_or(Ok(Shard::WHOLE), ShardArg::resolve)?;
    let mut plan = Plan::load(&args.scenario)?;
    args.walk.apply(&mut plan);
    let (engine, why) = Engine::open(args.walk.backend, &engine_options(&args.device, env))?;
    if !why.is_empty() {
        eprintln!("{why}");
    }
    check_memory(&plan, &engine)?;
    let exact = matches!(engine, Engine::Exact);
    let (points, walkers) = shard_size(&plan, exact, shard);
    // The cost of a whole, fresh run (a shard's or a resumed run's share is another
    // question), when it is large enough to be worth timing.
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let talk = !args.quiet && !args.json;
    let work: f64 = plan
        .points
        .iter()
        .map(|p| p.scenario.walkers as f64 * f64::from(p.scenario.frames))
        .sum();
    let whole = shard == Shard::WHOLE && !args.resume;
    if whole && (terminal || talk) && work > super::cost::WORTH_TIMING {
        if let Some((t, how)) = super::cost::estimate(&plan, &engine, walkers) {
            let line = format!("estimated  {} ({how})", super::cost::about(t));
            if t > super::cost::ASK_ABOVE && terminal && !args.yes {
                anyhow::bail!(
                    "{}: {line}: pass --yes to start it (or fewer walkers, --walkers N)",
                    args.scenario.display()
                );
            }
            if talk && t > std::time::Duration::from_secs(60) {
                eprintln!("{line}");
            }
        }
    }
    if !args.quiet && !args.json {
        let first = &plan.points[0];
        let which = if plan.points.len() > 1 {
            format!(" (point {})", first.index)
        } else {
            String::new()
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
    let totals = Totals { walkers, points };
    let results = with_progress(&progress, totals, args.quiet, every, || {
        let options = RunOptions {
            shard,
            write: WriteOptions {
                point_csv: args.point_csv,
            },
            ..RunOptions::default()
        };
        run_into(&plan, &engine, &progress, &out, args.resume, options)
    });
    let results = match results {
        Err(e) if e.interrupted_sweep().is_some() => {
            eprintln!("error: {e}");
            return Ok(130);
        }
        r => r.with_context(|| format!("running {}", args.scenario.display()))?,
    };
    let wall = start.elapsed();
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
