//! The command line: clap's flags per command, each command in its own module. Flags
//! are turned into a plan and validated before any work starts.

mod analyze;
mod args;
mod bench;
mod check;
mod cost;
mod devices;
mod example;
mod fit;
mod landscape;
mod merge;
mod numbers;
mod plot;
mod progress;
mod reproduce;
mod run;
mod slurm;
mod stack;
mod summary;

use anyhow::Result;
use clap::{Parser, Subcommand};

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
    /// Run a scenario (or one shard of it) and write results.json, curves.parquet and
    /// sweep.csv.
    ///
    /// Example: exciton-mc run scenarios/paper-5nm-9K.json --backend cpu --walkers 100000
    Run(run::RunArgs),
    /// Merge the output directories of a run's shards (`run --shard I/N`) into the
    /// output the unsharded run would have written, bit for bit.
    ///
    /// Example: exciton-mc merge out/shard-0 out/shard-1 out/shard-2 out/shard-3 --out out/all
    Merge(merge::MergeArgs),
    /// Fit free scenario parameters to measured MSD or PL curves (exact backend, weighted
    /// least squares), with a Monte Carlo check at the best values. Exit status: 0 ok,
    /// 3 the fit has warnings (0 with --accept-warnings), 1 it failed, 2 its input was
    /// refused.
    ///
    /// Example: exciton-mc fit examples/fit-5nm-9K/fit.json
    Fit(fit::FitArgs),
    /// Analyse a measured (or simulated) image stack or line scan with the microscope's
    /// estimator: per-frame Gaussian or Voigt fits, apparent MSD, PL and kurtosis into
    /// msd.csv and pl.csv (which `fit` reads), analysis.json and analysis.png. Exit
    /// status 2: the input or an option refused.
    ///
    /// Example: exciton-mc analyze stack.tif --pixel-nm 82 --frame-ps 25 --background pre
    Analyze(analyze::AnalyzeArgs),
    /// Write a scenario's microscope frames (the images the engine fits) as TIFF line
    /// scans with their geometry, beside the engine's apparent MSD: `analyze` of them
    /// gives the engine's numbers.
    ///
    /// Example: exciton-mc stack examples/microscope.json --backend exact --out out/stack
    Stack(stack::StackArgs),
    /// Write (and submit) a SLURM job array that runs a scenario in shards, and a merge
    /// job that waits for it.
    ///
    /// Example: exciton-mc slurm scenarios/fig4-temperature.json --shards 8 --out out/fig4 --time 01:00:00
    Slurm(slurm::SlurmArgs),
    /// Run every figure scenario of the paper and draw all figures as PNG.
    ///
    /// Example: exciton-mc reproduce --out out/reproduce
    Reproduce(reproduce::ReproduceArgs),
    /// Redraw the figures of a saved results.json.
    ///
    /// Example: exciton-mc plot out/fig3-traps/results.json --figure msd --figure t_max
    Plot(plot::PlotArgs),
    /// Time the walk on standard workloads and print walker-frames per second.
    ///
    /// Example: exciton-mc bench --backend cpu --backend gpu --walkers 1048576,16777216
    Bench(bench::BenchArgs),
    /// Validate scenario files without running them, and show what would run.
    ///
    /// Example: exciton-mc check scenarios/*.json
    Check(check::CheckArgs),
    /// Write the site table of one film of a scenario's landscape (x, y, energy_meV,
    /// level_energy_meV, void, relative_size, splitting_scale) as CSV or Parquet: the films the Monte Carlo and the
    /// master equation walk.
    ///
    /// Example: exciton-mc landscape examples/fit-disorder/film.json --out sites.parquet
    Landscape(landscape::LandscapeArgs),
    /// Print a complete, valid scenario to start from; `--with` adds the blocks of a
    /// disordered film, the microscope, rates in ns^-1, an emission image or emission
    /// profiles.
    ///
    /// Example: exciton-mc example --with landscape,microscope,rates > my-scenario.json
    Example(example::ExampleArgs),
    /// List the GPU adapters wgpu finds (name, backend, type, driver).
    ///
    /// Example: exciton-mc devices
    Devices,
}

/// Parses the flags and runs the command; the exit code on success (130 when a sweep
/// was interrupted and its finished points kept).
pub(crate) fn main(env: &crate::Environment) -> Result<i32> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run_command(args, env),
        Command::Merge(args) => merge::merge_command(args),
        Command::Fit(args) => fit::fit_command(args, env),
        Command::Analyze(args) => analyze::analyze_command(args),
        Command::Stack(args) => stack::stack_command(args, env),
        Command::Slurm(args) => slurm::slurm_command(args),
        Command::Bench(args) => bench::bench_command(args, env).map(|()| 0),
        Command::Reproduce(args) => reproduce::reproduce_command(args, env).map(|()| 0),
        Command::Plot(args) => plot::plot_command(args).map(|()| 0),
        Command::Check(args) => check::check_command(args),
        Command::Landscape(args) => landscape::landscape_command(args),
        Command::Example(args) => example::example_command(args),
        Command::Devices => devices::devices_command().map(|()| 0),
    }
}
