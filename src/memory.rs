//! The host-memory check made before a run starts.

use crate::engine::Engine;
use crate::error::Error;
use exciton_core::backend::BackendKind;
use exciton_core::error::Error as CoreError;
use exciton_core::sweep::Plan;

/// Refuses a plan whose largest point would not fit in the host memory available now.
pub fn check_memory(plan: &Plan, engine: &Engine) -> Result<(), Error> {
    let Some(available) = exciton_core::histogram::available_host_memory() else {
        return Ok(());
    };
    for p in &plan.points {
        let tables = exciton_core::model::WalkTables::new(&p.scenario);
        let layout = exciton_core::model::layout_for(&p.scenario, &tables);
        let blocks = exciton_core::observables::block_ranges(p.scenario.walkers).len() as u64;
        let m = layout.memory(engine.threads(), blocks);
        let (needed, what, hint) = match engine.kind() {
            BackendKind::Cpu => (
                m.host_cpu_backend,
                "a u32 copy per thread and u64 totals",
                "reduce frames or histogram.max_dx_sites, or use fewer --threads",
            ),
            BackendKind::Exact => continue,
            _ => (
                m.host_gpu_backend,
                "the read-back batch and u64 totals",
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
