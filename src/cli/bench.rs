//! `exciton-mc bench`: the standard workloads, timed on each backend asked for.

use super::args::{engine_options, parse_backend, parse_walkers, DeviceArgs};
use anyhow::Result;
use exciton::engine::Engine;
use exciton_core::backend::BackendKind;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::Plan;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Workloads to time (repeat the flag): paper (the paper's 5 nm SL at 9 K, or
    /// --scenario, at each --walkers), trap (trap model, 1200 frames, 2^20 walkers),
    /// sweep (256 temperature x trap points, --sweep-walkers each, in shared
    /// dispatches), single (one point of that sweep with all its walkers),
    /// exact-sweep (1000 points on the exact backend, one core), rates (the two
    /// continuous-time models at each --walkers, each also with one outcome per frame
    /// from the same rates, and the ratio), landscape (scenarios/bench-landscape.json
    /// at each --walkers, also without its landscape, and the ratio), standard (all but
    /// rates and landscape, paper at 2^20, 2^24 and 2^26).
    #[arg(long = "workload", value_enum, default_values = ["paper"])]
    workloads: Vec<Workload>,
    /// Backends to time, each in the same run (repeat the flag).
    #[arg(long = "backend", value_parser = parse_backend, default_values = ["cpu", "gpu"])]
    backends: Vec<BackendKind>,
    /// Scenario of the paper workload [default: the paper's 5 nm SL at 9 K, built in].
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Walker counts of the paper workload, comma-separated (accepts 1e6).
    #[arg(long, value_delimiter = ',', value_parser = parse_walkers, default_value = "1048576,16777216")]
    walkers: Vec<u64>,
    /// Walkers per point of the sweep workload (single takes 256 times as many).
    #[arg(long, value_parser = parse_walkers, default_value = "1048576")]
    sweep_walkers: u64,
    /// Timed repeats after one warm-up run.
    #[arg(long, default_value_t = 3)]
    repeats: u32,
    #[command(flatten)]
    device: DeviceArgs,
    /// Print the rows as JSON on stdout instead of the table (as `run --json` does).
    #[arg(long)]
    json: bool,
    /// Also write the rows as JSON to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    Paper,
    Trap,
    Sweep,
    Single,
    ExactSweep,
    Rates,
    Landscape,
    Standard,
}

/// The paper's 5 nm SL at 9 K, built in so `bench` runs anywhere.
const PAPER_5NM_9K: &str = include_str!("../../scenarios/paper-5nm-9K.json");
const TRAP_MODEL: &str = include_str!("../../scenarios/trap-model.json");
const BENCH_SWEEP: &str = include_str!("../../scenarios/bench-sweep.json");
/// The continuous-time models (docs/PERFORMANCE.md): a dark state that is mostly
/// virtual candidates at a global Lambda, and nearest-neighbour hops at Lambda dt = 3.2.
const BENCH_RATES: [(&str, &str); 2] = [
    (
        "scenarios/bench-rates-1.json",
        include_str!("../../scenarios/bench-rates-1.json"),
    ),
    (
        "scenarios/bench-rates-2.json",
        include_str!("../../scenarios/bench-rates-2.json"),
    ),
];
const BENCH_LANDSCAPE: &str = include_str!("../../scenarios/bench-landscape.json");
/// The twin label of a case timed against a plainer one, and what the ratio line calls
/// the two: the rates workload's same rates with one outcome per frame
/// (`rate_per_ns_competing_risks`), the landscape workload's same film without its
/// landscape.
const TWINS: [(&str, &str, &str); 2] = [
    ("per-frame", "continuous time", "one outcome per frame"),
    ("homogeneous", "landscape", "homogeneous"),
];

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
        Workload::Rates => {
            let mut cases = Vec::new();
            for (file, text) in BENCH_RATES {
                for units in ["rate_per_ns", "rate_per_ns_competing_risks"] {
                    let mut plan = builtin_plan(text, file, |v| v["units"] = units.into())?;
                    let s = plan.points.remove(0).scenario;
                    let name = match units {
                        "rate_per_ns" => s.name.clone(),
                        _ => format!("{} {}", s.name, TWINS[0].0),
                    };
                    for &n in &args.walkers {
                        let mut s = s.clone();
                        s.walkers = n;
                        cases.push((label(&name, n), vec![s]));
                    }
                }
            }
            cases
        }
        Workload::Landscape => {
            let file = "scenarios/bench-landscape.json";
            let mut cases = Vec::new();
            for (suffix, plain) in [("", false), (TWINS[1].0, true)] {
                let mut plan = builtin_plan(BENCH_LANDSCAPE, file, |v| {
                    if plain {
                        v.as_object_mut().map(|o| o.remove("landscape"));
                    }
                })?;
                let s = plan.points.remove(0).scenario;
                let name = format!("{} {suffix}", s.name).trim_end().to_string();
                for &n in &args.walkers {
                    let mut s = s.clone();
                    s.walkers = n;
                    cases.push((label(&name, n), vec![s]));
                }
            }
            cases
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

pub(crate) fn bench_command(args: BenchArgs, env: &crate::Environment) -> Result<()> {
    let options = engine_options(&args.device, env);
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
        let (engine, why) = Engine::open(kind, &options)?;
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
                let row = exciton::bench::time_points(&label, &points, engine, args.repeats)?;
                eprintln!(
                    "{}",
                    exciton::bench::table(std::slice::from_ref(&row))
                        .lines()
                        .nth(1)
                        .unwrap_or("")
                );
                rows.push(row);
            }
        }
    }
    let json = serde_json::to_vec_pretty(&rows)?;
    if args.json {
        println!("{}", String::from_utf8_lossy(&json));
    } else {
        print!("{}", exciton::bench::table(&rows));
        for line in twin_ratios(&rows) {
            println!("{line}");
        }
    }
    if let Some(out) = &args.out {
        exciton_io::results::write_atomic(out, &json)?;
        eprintln!("written {}", out.display());
    }
    Ok(())
}

/// For each case timed with its plainer twin on the same backend (`TWINS`): how its
/// walker-frames/s compare (what continuous time, or a landscape, costs).
fn twin_ratios(rows: &[exciton::bench::BenchRow]) -> Vec<String> {
    let mut out = Vec::new();
    for (suffix, what, plain) in TWINS {
        for twin in rows.iter().filter(|r| r.workload.contains(suffix)) {
            let name = twin.workload.replace(&format!(" {suffix}"), "");
            if let Some(case) = rows.iter().find(|r| {
                r.workload == name && r.backend == twin.backend && r.device == twin.device
            }) {
                out.push(format!(
                    "{name} on {}: {what} {:.3e} walker-frames/s, {plain} {:.3e}: ratio {:.2}",
                    case.backend,
                    case.walker_frames_per_s,
                    twin.walker_frames_per_s,
                    case.walker_frames_per_s / twin.walker_frames_per_s
                ));
            }
        }
    }
    out
}
