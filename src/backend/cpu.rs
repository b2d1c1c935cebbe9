//! The CPU Monte Carlo backend: the walk kernel's CPU port run on all cores.
//!
//! Walkers are cut into fixed blocks that threads take from a shared counter; each
//! thread records into its own batch (`u32` counters, `i64` moment differences) and the
//! totals are summed in 64 bits.
//! Integer sums do not depend on order, and every walker owns its PCG stream, so the
//! histograms are identical for any thread count.

use crate::backend::Progress;
use crate::error::Error;
use crate::histogram::{Batch, HistLayout, Histograms};
use crate::kernels::walk::{walk_invocation, PointParams, TableBases, WalkBindings};
use crate::model::WalkTables;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Walkers per block taken by a thread: large enough to amortise the shared counter,
/// small enough to balance two cores and report progress often.
const BLOCK: u64 = 16_384;

/// Runs walkers `first..first + walkers` of the point with `key` on `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn run_point(
    tables: &WalkTables,
    layout: HistLayout,
    key: u64,
    first: u64,
    walkers: u64,
    threads: usize,
    progress: &Progress,
) -> Result<Histograms, Error> {
    let blocks = walkers.div_ceil(BLOCK);
    let next = AtomicU64::new(0);
    let total = Mutex::new(Histograms::zeros(layout));
    let bindings = WalkBindings::new(tables);
    let point = PointParams::new(tables, &layout, key, TableBases::default(), 0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut local = Batch::zeros(&layout);
                // Each walker adds at most 1 to any counter, so a u32 counter is safe for
                // 2^32 - 1 walkers; flush into the u64 totals before that.
                let mut since_flush = 0u64;
                loop {
                    if progress.cancelled() {
                        break;
                    }
                    let block = next.fetch_add(1, Ordering::Relaxed);
                    if block >= blocks {
                        break;
                    }
                    let offset = block * BLOCK;
                    let count = (walkers - offset).min(BLOCK) as u32;
                    let base = first + offset;
                    if since_flush + u64::from(count) > u64::from(u32::MAX) {
                        total.lock().unwrap().add_batch(&local);
                        local.clear();
                        since_flush = 0;
                    }
                    let p = point.segment(base, count, 0);
                    for i in 0..count {
                        walk_invocation(&p, &bindings, &mut local, i, layout.profile);
                    }
                    since_flush += u64::from(count);
                    progress.advance(u64::from(count));
                }
                total.lock().unwrap().add_batch(&local);
            });
        }
    });
    if progress.cancelled() {
        return Err(Error::Interrupted);
    }
    Ok(total.into_inner().unwrap())
}
