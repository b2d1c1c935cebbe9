//! Command-line interface: flags are parsed, turned into a plan, then run.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use exciton_mc::backend::{BackendKind, Engine, Progress};
use exciton_mc::figures::FigureKind;
use exciton_mc::output::{prepare_dir, write_results, DirMode, RunResults};
use exciton_mc::run::{check_memory, run_into};
use exciton_mc::scenario::Scenario;
use exciton_mc::sweep::Plan;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "exciton-mc",
    version,
    about = "Exciton diffusion Monte Carlo on nanocrystal lattices"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write results.json plus a CSV per point.
    ///
    /// Example: exciton-mc run scenarios/paper-5nm-9K.json --backend cpu --walkers 100000
    Run(RunArgs),
    /// Run every figure scenario of the paper and draw all figures as PNG.
    ///
    /// Example: exciton-mc reproduce --out out/reproduce
    Reproduce(ReproduceArgs),
    /// Redraw the figures of a saved results.json.
    ///
    /// Example: exciton-mc plot out/fig3-traps/results.json --figure msd --figure t_max
    Plot(PlotArgs),
    /// Time the walk on standard workloads and print walker-frames per second.
    ///
    /// Example: exciton-mc bench --backend cpu --backend gpu --walkers 1048576,16777216
    Bench(BenchArgs),
    /// Validate scenario files without running them, and show what would run.
    ///
    /// Example: exciton-mc check scenarios/*.json
    Check(CheckArgs),
    /// Print a complete, valid scenario to start from.
    ///
    /// Example: exciton-mc example > my-scenario.json
    Example,
    /// List the GPU adapters wgpu finds (name, backend, type, driver).
    ///
    /// Example: exciton-mc devices
    Devices,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file (JSON).
    scenario: PathBuf,
    /// Engine: cpu (reference Monte Carlo), gpu (WGSL kernels), exact (moment recursion),
    /// auto (a hardware GPU if there is one, else the CPU).
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendKind,
    /// GPU adapter whose name contains this text (see `exciton-mc devices`).
    #[arg(long)]
    adapter: Option<String>,
    /// Override the scenario's walker count (accepts 1e6).
    #[arg(long, value_parser = parse_count)]
    walkers: Option<u64>,
    /// Override the scenario's seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Output directory [default: out/<scenario name>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// CPU threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Start over in an output directory that already holds files.
    #[arg(long, conflicts_with = "resume")]
    force: bool,
    /// Continue an interrupted run in --out: finished points whose scenario, walkers and
    /// seed are unchanged are kept; a changed one is refused.
    #[arg(long)]
    resume: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Print a machine-readable JSON summary on stdout instead of the text one.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    /// Scenario files.
    #[arg(required = true)]
    pub(crate) scenarios: Vec<PathBuf>,
    /// CPU threads the memory estimate assumes [default: all cores].
    #[arg(long)]
    pub(crate) threads: Option<usize>,
}

#[derive(clap::Args)]
pub(crate) struct ReproduceArgs {
    /// Engine for the Monte Carlo figures (exact gives noise-free curves, no diffusion map).
    #[arg(long, value_enum, default_value = "auto")]
    pub(crate) backend: BackendKind,
    /// Directory for the PNGs; results go to DIR/results/<scenario>/.
    #[arg(long, default_value = "out/reproduce")]
    pub(crate) out: PathBuf,
    /// Walkers per sweep point [default: 1e6 on the CPU, 1e7 on a GPU].
    #[arg(long, value_parser = parse_count)]
    pub(crate) walkers: Option<u64>,
    /// GPU adapter whose name contains this text.
    #[arg(long)]
    pub(crate) adapter: Option<String>,
    /// CPU threads [default: all cores].
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Replace what an earlier reproduce wrote into DIR.
    #[arg(long)]
    pub(crate) force: bool,
    /// No progress bar.
    #[arg(long)]
    pub(crate) quiet: bool,
}

#[derive(clap::Args)]
struct PlotArgs {
    /// A results.json written by `run` or `reproduce`.
    results: PathBuf,
    /// Figures to draw [default: those the scenario lists]: msd, t_max, temperature,
    /// pl_decay, diffusion_map.
    #[arg(long = "figure")]
    figures: Vec<String>,
    /// Directory for the PNGs [default: beside results.json].
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct BenchArgs {
    /// Workloads to time (repeat the flag): paper (the paper's 5 nm SL at 9 K, or
    /// --scenario, at each --walkers), trap (trap model, 1200 frames, 2^20 walkers),
    /// sweep (256 temperature x trap points, --sweep-walkers each, in shared
    /// dispatches), single (one point of that sweep with all its walkers),
    /// exact-sweep (1000 points on the exact backend, one core), standard (all of them,
    /// paper at 2^20, 2^24 and 2^26).
    #[arg(long = "workload", value_enum, default_values = ["paper"])]
    workloads: Vec<Workload>,
    /// Backends to time, each in the same run (repeat the flag).
    #[arg(long = "backend", value_enum, default_values = ["cpu", "gpu"])]
    backends: Vec<BackendKind>,
    /// Scenario of the paper workload [default: the paper's 5 nm SL at 9 K, built in].
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Walker counts of the paper workload, comma-separated (accepts 1e6).
    #[arg(long, value_delimiter = ',', value_parser = parse_count, default_value = "1048576,16777216")]
    walkers: Vec<u64>,
    /// Walkers per point of the sweep workload (single takes 256 times as many).
    #[arg(long, value_parser = parse_count, default_value = "1048576")]
    sweep_walkers: u64,
    /// Timed repeats after one warm-up run.
    #[arg(long, default_value_t = 3)]
    repeats: u32,
    /// GPU adapter whose name contains this text.
    #[arg(long)]
    adapter: Option<String>,
    /// CPU threads [default: all cores].
    #[arg(long)]
    threads: Option<usize>,
    /// Where to write the rows as JSON.
    #[arg(long, default_value = "bench.json")]
    json: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    Paper,
    Trap,
    Sweep,
    Single,
    ExactSweep,
    Standard,
}

/// The paper's 5 nm SL at 9 K, built in so `bench` runs anywhere.
const PAPER_5NM_9K: &str = include_str!("../scenarios/paper-5nm-9K.json");
const TRAP_MODEL: &str = include_str!("../scenarios/trap-model.json");
const BENCH_SWEEP: &str = include_str!("../scenarios/bench-sweep.json");

fn builtin_plan(text: &str, file: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Result<Plan> {
    let mut v: serde_json::Value = serde_json::from_str(text)?;
    edit(&mut v);
    Ok(Plan::from_value(&v, std::path::Path::new(file))?)
}

fn sweep_scenarios(
    walkers: u64,
    edit: impl FnOnce(&mut serde_json::Value),
) -> Result<Vec<Scenario>> {
    let plan = builtin_plan(BENCH_SWEEP, "scenarios/bench-sweep.json", |v| {
        v["walkers"] = walkers.into();
        edit(v);
    })?;
    Ok(plan.points.into_iter().map(|p| p.scenario).collect())
}

/// The timed cases of one workload: (label, points).
fn workload_cases(w: Workload, args: &BenchArgs) -> Result<Vec<(String, Vec<Scenario>)>> {
    let label = |name: &str, walkers: u64| format!("{name} 2^{:.1}", (walkers as f64).log2());
    Ok(match w {
        Workload::Paper | Workload::Standard => {
            let scenario = match &args.scenario {
                Some(path) => Scenario::load(path)?,
                None => {
                    builtin_plan(PAPER_5NM_9K, "scenarios/paper-5nm-9K.json", |_| {})?
                        .points
                        .remove(0)
                        .scenario
                }
            };
            let counts = if w == Workload::Standard {
                vec![1 << 20, 1 << 24, 1 << 26]
            } else {
                args.walkers.clone()
            };
            counts
                .into_iter()
                .map(|n| {
                    let mut s = scenario.clone();
                    s.walkers = n;
                    (label(&scenario.name, n), vec![s])
                })
                .collect()
        }
        Workload::Trap => {
            let mut plan = builtin_plan(TRAP_MODEL, "scenarios/trap-model.json", |_| {})?;
            let mut s = plan.points.remove(0).scenario;
            s.walkers = 1 << 20;
            vec![(label("trap-model", s.walkers), vec![s])]
        }
        Workload::Sweep => {
            let points = sweep_scenarios(args.sweep_walkers, |_| {})?;
            let name = format!("sweep {}x", points.len());
            vec![(label(&name, args.sweep_walkers), points)]
        }
        Workload::Single => {
            let mut s = sweep_scenarios(args.sweep_walkers, |_| {})?.remove(0);
            s.walkers = args.sweep_walkers * 256;
            vec![(label("single", s.walkers), vec![s])]
        }
        Workload::ExactSweep => {
            let points = sweep_scenarios(args.sweep_walkers, |v| {
                let temps: Vec<f64> = (0..40).map(|i| 10.0 + 7.5 * f64::from(i)).collect();
                let traps: Vec<f64> = (0..25).map(|i| 0.001 * f64::from(i)).collect();
                v["sweep"]["parameters"]["temperature_K"] = temps.into();
                v["sweep"]["parameters"]["states.bright.to.trapped"] = traps.into();
            })?;
            vec![(format!("exact-sweep {}x", points.len()), points)]
        }
    })
}

fn bench_command(args: BenchArgs) -> Result<()> {
    let threads = default_threads(args.threads);
    let mut workloads = args.workloads.clone();
    if workloads.contains(&Workload::Standard) {
        workloads = vec![
            Workload::Standard,
            Workload::Trap,
            Workload::Sweep,
            Workload::Single,
            Workload::ExactSweep,
        ];
    }
    let mut engines = Vec::new();
    for &kind in &args.backends {
        let (engine, why) = Engine::open(kind, args.adapter.as_deref(), threads)?;
        if !why.is_empty() {
            eprintln!("{why}");
        }
        engines.push(engine);
    }
    let mut rows = Vec::new();
    for &w in &workloads {
        for (label, points) in workload_cases(w, &args)? {
            // The exact sweep is the one-core exact solver, whatever --backend says.
            let exact = [Engine::Exact];
            let on: &[Engine] = if w == Workload::ExactSweep {
                &exact
            } else {
                &engines
            };
            for engine in on {
                eprintln!("timing {label} on {}", engine.device());
                let row = exciton_mc::bench::time_points(&label, &points, engine, args.repeats)?;
                eprintln!(
                    "{}",
                    exciton_mc::bench::table(std::slice::from_ref(&row))
                        .lines()
                        .nth(1)
                        .unwrap_or("")
                );
                rows.push(row);
            }
        }
    }
    print!("{}", exciton_mc::bench::table(&rows));
    let json = serde_json::to_vec_pretty(&rows)?;
    exciton_mc::output::write_atomic(&args.json, &json)?;
    println!("written {}", args.json.display());
    Ok(())
}

fn plot_command(args: PlotArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.results)
        .with_context(|| format!("cannot read {}", args.results.display()))?;
    let results: RunResults = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a results.json of exciton-mc",
            args.results.display()
        )
    })?;
    let kinds = args
        .figures
        .iter()
        .map(|f| {
            FigureKind::parse(f).with_context(|| {
                format!("--figure {f}: unknown figure (msd, t_max, temperature, pl_decay, diffusion_map)")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if kinds.is_empty() && results.figures.is_empty() {
        anyhow::bail!(
            "{} names no figures: pass --figure msd (or t_max, temperature, pl_decay, diffusion_map)",
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
    for path in exciton_mc::figures::draw(&results, &kinds, &dir)? {
        println!("drew {}", path.display());
    }
    Ok(())
}

pub(crate) fn default_threads(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub(crate) fn parse_count(s: &str) -> Result<u64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if !(v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v < 1.8e19) {
        return Err(format!("`{s}` is not a whole number >= 1"));
    }
    Ok(v as u64)
}

pub fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run_command(args),
        Command::Bench(args) => bench_command(args),
        Command::Reproduce(args) => crate::reproduce::reproduce_command(args),
        Command::Plot(args) => plot_command(args),
        Command::Check(args) => crate::check::check_command(args),
        Command::Example => {
            print!("{}", crate::check::EXAMPLE);
            Ok(())
        }
        Command::Devices => {
            let adapters = exciton_mc::gpu::list_adapters();
            if adapters.is_empty() {
                println!("no GPU adapters found (the cpu and exact backends still work)");
            }
            for (i, a) in adapters.iter().enumerate() {
                println!("{i}: {a}");
            }
            Ok(())
        }
    }
}

fn run_command(args: RunArgs) -> Result<()> {
    let mut plan = Plan::load(&args.scenario)?;
    for p in &mut plan.points {
        if let Some(w) = args.walkers {
            p.scenario.walkers = w;
        }
        if let Some(s) = args.seed {
            p.scenario.seed = s;
        }
    }
    let threads = default_threads(args.threads);
    let (engine, why) = Engine::open(args.backend, args.adapter.as_deref(), threads)?;
    if !why.is_empty() {
        eprintln!("{why}");
    }
    check_memory(&plan, &engine)?;
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
    let results = with_progress_bar(&progress, plan.total_walkers(), args.quiet, || {
        run_into(&plan, &engine, &progress, &out, args.resume)
    });
    let results = match results {
        Err(e @ exciton_mc::error::Error::InterruptedSweep { .. }) => {
            eprintln!("error: {e}");
            std::process::exit(130);
        }
        r => r.with_context(|| format!("running {}", args.scenario.display()))?,
    };
    let wall = start.elapsed();
    write_results(&out, &results)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&crate::summary::json_summary(&results, wall, &out))?
        );
    } else {
        crate::summary::print_summary(&results, wall, &out);
    }
    Ok(())
}

/// First Ctrl-C: finish the block or dispatch in flight, keep finished points, exit 130.
/// Second Ctrl-C: leave at once.
fn stop_on_ctrl_c(progress: &Arc<Progress>) {
    let p = progress.clone();
    let installed = ctrlc::set_handler(move || {
        if p.cancelled() {
            std::process::exit(130);
        }
        eprintln!("\ninterrupt: stopping after the work in flight (Ctrl-C again to quit now)");
        p.cancel();
    });
    if let Err(e) = installed {
        eprintln!("warning: Ctrl-C will not stop cleanly: {e}");
    }
}

/// Runs `work` while a bar on stderr follows `progress` (hidden when stderr is no terminal).
pub(crate) fn with_progress_bar<T>(
    progress: &Progress,
    total: u64,
    quiet: bool,
    work: impl FnOnce() -> T,
) -> T {
    // Hidden at first: a bar that flashes for a 0.1 s run is noise. It appears once the
    // run has taken a second, and never when stderr is no terminal or with --quiet.
    let visible = !quiet && std::io::stderr().is_terminal();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} walkers  {per_sec}  eta {eta}",
        )
        .expect("valid progress template"),
    );
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let bar = &bar;
    std::thread::scope(|s| {
        s.spawn(move || {
            let start = Instant::now();
            let mut shown = false;
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(Duration::from_millis(100))
            {
                if visible && !shown && start.elapsed() >= Duration::from_secs(1) {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                    shown = true;
                }
                bar.set_position(progress.done());
            }
            bar.finish_and_clear();
        });
        let r = work();
        let _ = stop.send(());
        r
    })
}
