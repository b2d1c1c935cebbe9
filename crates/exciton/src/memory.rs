//! The host-memory check made before a run starts, and the estimate `check` prints.

use crate::engine::Engine;
use crate::error::Error;
use exciton_core::backend::BackendKind;
use exciton_core::error::Error as CoreError;
use exciton_core::histogram::MemoryEstimate;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::Plan;

/// The memory one point needs: its histograms (a copy per thread, totals, device
/// batches) and, on the CPU, the list of work, which grows with the walkers.
pub fn point_memory(s: &Scenario, threads: usize) -> MemoryEstimate {
    let tables = exciton_core::model::WalkTables::new(s);
    let layout = exciton_core::model::layout_for(s, &tables);
    let blocks = exciton_core::observables::block_ranges(s.walkers).len() as u64;
    let mut m = layout.memory(threads, blocks);
    m.host_cpu_backend = m
        .host_cpu_backend
        .saturating_add(exciton_core::cpu::work_list_bytes(s.walkers, blocks));
    m
}

/// Refuses a plan whose largest point would not fit in the host memory available now,
/// before anything is allocated or written.
pub fn check_memory(plan: &Plan, engine: &Engine) -> Result<(), Error> {
    let Some(available) = exciton_core::histogram::available_host_memory() else {
        return Ok(());
    };
    for p in &plan.points {
        let s = &p.scenario;
        let tables = exciton_core::model::WalkTables::new(s);
        let layout = exciton_core::model::layout_for(s, &tables);
        let m = point_memory(s, engine.threads());
        let histograms_fit = layout.memory(engine.threads(), 1).host_cpu_backend < available;
        let (needed, what, hint) = match engine.kind() {
            BackendKind::Cpu if histograms_fit => (
                m.host_cpu_backend,
                "a u32 copy per thread, u64 totals and the list of work (24 bytes per 16384 walkers)",
                "use fewer --walkers per point (or split them over shards)",
            ),
            BackendKind::Cpu => (
                m.host_cpu_backend,
                "a u32 copy per thread and u64 totals",
                "reduce frames or histogram.max_dx_sites, or use fewer --threads",
            ),
            BackendKind::Exact => continue,
            _ => (
                m.host_gpu_backend,
                "the walker blocks' sums, their read-back and the profile's u64 totals",
                "reduce frames or histogram.max_dx_sites",
            ),
        };
        if needed > available {
            return Err(CoreError::Memory {
                point: p.index,
                needed,
                available,
                frames: layout.frames,
                states: layout.states,
                bins: layout.row_width() as u32,
                what,
                hint,
            }
            .into());
        }
    }
    Ok(())
}
