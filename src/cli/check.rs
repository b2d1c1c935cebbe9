//! `exciton-mc check`: validate scenarios without running them.

use anyhow::Result;
use exciton::engine::EngineOptions;
use exciton_core::sweep::Plan;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub(crate) scenarios: Vec<PathBuf>,
    /// CPU threads the memory estimate assumes, at least 1 [default: all cores].
    #[arg(long, value_parser = super::args::parse_threads, allow_hyphen_values = true)]
    pub(crate) threads: Option<usize>,
}

pub(crate) fn check_command(args: CheckArgs) -> Result<i32> {
    let threads = EngineOptions {
        threads: args.threads,
        ..Default::default()
    }
    .threads();
    let mut failed = 0;
    for path in &args.scenarios {
        match Plan::load(path) {
            Err(e) => {
                failed += 1;
                eprintln!("error: {e}");
            }
            Ok(plan) => {
                describe_plan(&plan, threads);
                // Timed on the CPU, whatever backend the run will choose.
                let cpu = exciton::engine::Engine::cpu(threads);
                match super::cost::estimate(&plan, &cpu, plan.total_walkers()) {
                    Some((t, how)) => println!(
                        "  estimated wall time on the CPU ({threads} threads): {} ({how}); the exact backend and a GPU differ",
                        super::cost::about(t)
                    ),
                    None => println!("  estimated wall time: not calibrated"),
                }
                for line in super::summary::describe_states(&plan.points[0].scenario) {
                    println!("  {line}");
                }
            }
        }
    }
    #[cfg(feature = "gpu")]
    let gpu = exciton_gpu::context::list_adapters()
        .into_iter()
        .find(|a| !a.is_software());
    #[cfg(not(feature = "gpu"))]
    let gpu: Option<String> = None;
    match gpu {
        Some(a) => println!("backend auto would use the GPU {a}"),
        None => {
            println!("backend auto would use the CPU ({threads} threads): no hardware GPU found")
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} of {} scenario files have errors",
            args.scenarios.len()
        );
    }
    Ok(0)
}

fn describe_plan(plan: &Plan, threads: usize) {
    let gib = |b: u64| b as f64 / f64::from(1u32 << 30);
    let first = &plan.points[0].scenario;
    println!("{}: ok, scenario {:?}", plan.file.display(), plan.name);
    println!(
        "  points {} ({}), walkers {} in all, frames {} x {} ps, states {} ({})",
        plan.points.len(),
        plan.mode
            .map_or("no sweep".into(), |m| format!("{m:?} sweep").to_lowercase()),
        plan.total_walkers(),
        first.frames,
        first.dt_ps,
        first.states.len(),
        first.states.names.join(", ")
    );
    let worst = plan
        .points
        .iter()
        .map(|p| exciton::memory::point_memory(&p.scenario, threads))
        .max_by_key(|m| m.host_cpu_backend)
        .expect("a plan has points");
    println!(
        "  memory per point: host {:.3} GiB (cpu, {threads} threads) / {:.3} GiB (gpu); device {:.3} GiB",
        gib(worst.host_cpu_backend),
        gib(worst.host_gpu_backend),
        gib(worst.device)
    );
    let finite = |s: &exciton_core::scenario::Scenario| {
        // The master equation solves finite 2D films.
        s.landscape.as_ref().is_some_and(|l| l.size.is_some()) && !s.geometry.is_3d()
    };
    if let Some(s) = plan
        .points
        .iter()
        .map(|p| &p.scenario)
        .filter(|s| finite(s))
        .max_by_key(|s| exciton_core::exact::master::memory_bytes(s, threads))
    {
        let films = exciton_core::exact::master::films(s).len();
        println!(
            "  master equation (--backend exact, fit): {:.1} MiB per point ({threads} threads, {films} film{} of {} sites each)",
            exciton_core::exact::master::memory_bytes(s, threads) as f64 / f64::from(1u32 << 20),
            if films == 1 { "" } else { "s" },
            s.landscape.as_ref().and_then(|l| l.size).map_or(0, |n| n[0] * n[1]),
        );
    }
    if let Some(avail) = exciton_core::histogram::available_host_memory() {
        if worst.host_cpu_backend > avail {
            println!(
                "  warning: more host memory than the {:.1} GiB available now",
                gib(avail)
            );
        }
    }
}
