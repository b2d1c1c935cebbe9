//! Flags shared by several commands, and the one parser of every count and seed on the
//! command line (the same rules as counts in scenario files).

use exciton::engine::EngineOptions;
use exciton_core::backend::BackendKind;
use exciton_core::scenario::counts::{parse_count_text, CountRule};

/// The engine flags of `run`, `reproduce` and `bench`.
#[derive(clap::Args, Clone, Debug)]
pub(crate) struct DeviceArgs {
    /// GPU adapter whose name contains this text (see `exciton-mc devices`).
    #[arg(long)]
    pub(crate) adapter: Option<String>,
    /// CPU threads, at least 1 [default: all cores].
    #[arg(long, value_parser = parse_threads, allow_hyphen_values = true)]
    pub(crate) threads: Option<usize>,
}

/// `--backend`: auto, cpu, gpu or exact.
pub(crate) fn parse_backend(s: &str) -> Result<BackendKind, String> {
    s.parse()
        .map_err(|e: exciton_core::backend::UnknownBackend| e.to_string())
}

/// Walker counts: whole numbers >= 1, `1000000` or `1e6`.
pub(crate) fn parse_walkers(s: &str) -> Result<u64, String> {
    parse_count_text(s, CountRule::AT_LEAST_ONE)
}

/// Seeds: any whole number from 0 to 2^64 - 1, `12345` or `1e3`.
pub(crate) fn parse_seed(s: &str) -> Result<u64, String> {
    parse_count_text(s, CountRule::ANY)
}

/// Threads: 1 or more (0 threads would run nothing).
pub(crate) fn parse_threads(s: &str) -> Result<usize, String> {
    let n = parse_count_text(s, CountRule::AT_LEAST_ONE)?;
    usize::try_from(n).map_err(|_| format!("`{s}` is more threads than this machine can address"))
}

/// The engine options these flags and the environment (`main` reads it) give.
pub(crate) fn engine_options(device: &DeviceArgs, env: &crate::Environment) -> EngineOptions {
    EngineOptions {
        adapter: device.adapter.clone(),
        threads: device.threads,
        vector: env.cpu_vector,
        #[cfg(feature = "gpu")]
        gpu: exciton_gpu::GpuOptions {
            shader_checks: env.shader_checks,
        },
    }
}

/// The engine and the walkers of a run of a scenario (`run`, `stack`).
#[derive(clap::Args)]
pub(crate) struct WalkArgs {
    /// Engine: cpu (reference Monte Carlo), gpu (WGSL kernels), exact (moment recursion),
    /// auto (a hardware GPU if there is one, else the CPU).
    #[arg(long, value_parser = parse_backend, default_value = "auto")]
    pub(crate) backend: BackendKind,
    /// Override the scenario's walker count (accepts 1e6).
    #[arg(long, value_parser = parse_walkers, allow_hyphen_values = true)]
    pub(crate) walkers: Option<u64>,
    /// Override the scenario's seed (0 to 2^64 - 1; accepts 1e3).
    #[arg(long, value_parser = parse_seed, allow_hyphen_values = true)]
    pub(crate) seed: Option<u64>,
}

impl WalkArgs {
    /// Every point of `plan` with the overridden walkers and seed.
    pub(crate) fn apply(&self, plan: &mut exciton_core::sweep::Plan) {
        for p in &mut plan.points {
            p.scenario.walkers = self.walkers.unwrap_or(p.scenario.walkers);
            p.scenario.seed = self.seed.unwrap_or(p.scenario.seed);
        }
    }
}
