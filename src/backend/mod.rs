//! Backends that turn one sweep point into curves: CPU Monte Carlo, GPU Monte Carlo, exact.

pub mod cpu;
pub mod exact;

use crate::error::Error;
use crate::histogram::{HistLayout, Histograms};
use crate::model::WalkTables;
use crate::observables::{curves_from_histograms, Curves};
use crate::rng::point_key;
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Which engine runs the walk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendKind {
    /// Multi-threaded CPU reference Monte Carlo.
    Cpu,
    /// WGSL compute kernels on a GPU (or a software Vulkan device).
    Gpu,
    /// Moment recursion: expected curves, no randomness.
    Exact,
    /// The GPU when an adapter is found, else the CPU.
    Auto,
}

impl BackendKind {
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Gpu => "gpu",
            BackendKind::Exact => "exact",
            BackendKind::Auto => "auto",
        }
    }
}

/// Walkers done so far (read by the progress bar) and a cancel flag (set on Ctrl-C).
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicU64,
    cancel: AtomicBool,
}

impl Progress {
    pub fn advance(&self, walkers: u64) {
        self.done.fetch_add(walkers, Ordering::Relaxed);
    }

    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// The histogram layout a scenario needs.
pub fn layout_for(scenario: &Scenario, tables: &WalkTables) -> HistLayout {
    HistLayout::new(
        scenario.frames,
        tables.states as u32,
        scenario.max_dx_sites,
        tables.spot.radius,
    )
}

/// Runs one point's Monte Carlo on the CPU and returns its exact histogram totals.
pub fn cpu_histograms(
    scenario: &Scenario,
    point: u64,
    threads: usize,
    progress: &Progress,
) -> Result<Histograms, Error> {
    let tables = WalkTables::new(scenario);
    let layout = layout_for(scenario, &tables);
    let key = point_key(scenario.seed, point);
    cpu::run_point(&tables, layout, key, scenario.walkers, threads, progress)
}

/// Curves of one point from the chosen backend (`Auto` must be resolved before).
pub fn run_curves(
    kind: BackendKind,
    scenario: &Scenario,
    point: u64,
    threads: usize,
    progress: &Progress,
) -> Result<Curves, Error> {
    let tables = WalkTables::new(scenario);
    match kind {
        BackendKind::Exact => {
            let states = tables.effective_states(&scenario.states.names);
            let c = exact::curves(&states, tables.hop_dx2(), scenario.frames, scenario.walkers);
            progress.advance(scenario.walkers);
            Ok(c)
        }
        BackendKind::Cpu => {
            let h = cpu_histograms(scenario, point, threads, progress)?;
            Ok(curves_from_histograms(
                &h,
                scenario.walkers,
                &scenario.states.radiative,
            ))
        }
        BackendKind::Gpu | BackendKind::Auto => {
            unreachable!("GPU backend is resolved by the caller")
        }
    }
}
