//! `exciton-mc stack`: a scenario's microscope frames written as TIFF line scans (the
//! images the engine fits for its apparent MSD), beside the engine's apparent MSD, so
//! `analyze` (or a lab's own script) can be run on simulated data.

use super::args::{engine_options, DeviceArgs, WalkArgs};
use super::progress::{stop_on_ctrl_c, with_progress, Totals};
use anyhow::{bail, Context, Result};
use exciton::analyze::{simulate, stack};
use exciton::engine::Engine;
use exciton_core::progress::Progress;
use exciton_core::sweep::Plan;
use exciton_io::results::{prepare_dir, write_atomic, DirMode};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub(crate) struct StackArgs {
    /// Scenario file (JSON) with a "microscope" block.
    scenario: PathBuf,
    #[command(flatten)]
    walk: WalkArgs,
    /// Output directory [default: out/<scenario name>-stack].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Replace what --out already holds.
    #[arg(long)]
    force: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    device: DeviceArgs,
}

pub(crate) fn stack_command(args: StackArgs, env: &crate::Environment) -> Result<i32> {
    let mut plan = Plan::load(&args.scenario)?;
    if plan.points[0].scenario.microscope.is_none() {
        bail!(
            "{}: microscope: the scenario has none; add a \"microscope\" block (README \"The virtual microscope and fitting rates\")",
            args.scenario.display()
        );
    }
    args.walk.apply(&mut plan);
    let (engine, why) = Engine::open(args.walk.backend, &engine_options(&args.device, env))?;
    if !why.is_empty() {
        eprintln!("{why}");
    }
    exciton::run::check_memory(&plan, &engine)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("out").join(format!("{}-stack", plan.name)));
    prepare_dir(&out, DirMode::fresh_or_force(args.force))?;
    let points: Vec<_> = plan.points.iter().map(|p| (&p.scenario, p.index)).collect();
    let progress = Arc::new(Progress::default());
    stop_on_ctrl_c(&progress);
    let totals = Totals {
        walkers: plan.total_walkers(),
        points: points.len() as u64,
    };
    let every = std::time::Duration::from_secs(10);
    with_progress(&progress, totals, args.quiet, every, || {
        simulate::simulate(&points, &engine, &progress, |k, s, apparent| {
            let index = points[k].1;
            let tiff = out.join(format!("stack-{index:03}.tif"));
            stack::write_tiff(&tiff, &s)?;
            let mut csv = format!(
                "# exciton-mc {} stack: the engine's apparent MSD of {}, point {index} ({})\ntime_ps,msd_nm2,msd_stderr_nm2\n",
                env!("CARGO_PKG_VERSION"),
                args.scenario.display(),
                engine.kind().name()
            );
            for (t, m) in apparent.msd_nm2.iter().enumerate() {
                if let Some(m) = m {
                    let e = apparent.stderr_nm2[t].map_or(String::new(), |e| e.to_string());
                    csv += &format!("{},{m},{e}\n", t as f64 * points[k].0.dt_ps);
                }
            }
            write_atomic(&out.join(format!("apparent-{index:03}.csv")), csv.as_bytes())?;
            Ok(())
        })
    })
    .with_context(|| format!("simulating {}", args.scenario.display()))?;
    println!(
        "wrote {} stack(s) to {}: exciton-mc analyze {}/stack-000.tif gives the engine's apparent MSD (apparent-000.csv)",
        points.len(),
        out.display(),
        out.display()
    );
    Ok(0)
}
