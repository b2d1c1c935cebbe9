//! The CPU Monte Carlo backend: the walk kernel's CPU port run on all cores.
//!
//! Walkers are cut into fixed blocks that threads take from a shared counter; each
//! thread records into its own batch (`u32` counters, `i64` moment differences) and the
//! totals are summed in 64 bits.
//! Integer sums do not depend on order, and every walker owns its PCG stream, so the
//! histograms are identical for any thread count.
//!
//! The port is compiled once per vector unit ([`Vector`]) and picked at run time: the
//! generator states of a pass ([`crate::kernels::rng::Pcg32::next_pass`]) are independent, so
//! the compiler puts them in vector registers where the core has wide 64-bit multiplies
//! (AVX-512 measured 2.5x the portable build, docs/PERFORMANCE.md). The code and its
//! integers are the same for every unit.

use crate::error::Error;
use crate::histogram::{Batch, HistLayout, Histograms};
use crate::kernels::walk::{walk_invocation, PointParams, TableBases, WalkBindings};
use crate::model::WalkTables;
use crate::observables::FrameSums;
use crate::progress::Progress;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Walkers per block taken by a thread: large enough to amortise the shared counter,
/// small enough to balance two cores and report progress often.
pub const BLOCK: u64 = 16_384;

/// Host bytes of [`run_ranges`]' list of work (one entry per `BLOCK` walkers): the
/// part of a CPU run's memory that grows with the walkers, checked before a run.
pub fn work_list_bytes(walkers: u64, ranges: u64) -> u64 {
    (walkers.div_ceil(BLOCK) + ranges)
        .saturating_mul(std::mem::size_of::<(usize, u64, u32)>() as u64)
}

/// The vector unit the walk is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vector {
    /// x86-64 AVX-512 (F, DQ, VL, BW): eight 64-bit multiplies per instruction.
    Avx512,
    /// x86-64 AVX2: 64-bit multiplies built from 32-bit ones, four lanes.
    Avx2,
    /// Whatever the build targets (SSE2 on x86-64, NEON on aarch64).
    Portable,
}

impl Vector {
    /// Every unit this core runs, widest first.
    pub fn available() -> Vec<Vector> {
        let mut units = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
                && std::arch::is_x86_feature_detected!("avx512bw")
            {
                units.push(Vector::Avx512);
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                units.push(Vector::Avx2);
            }
        }
        units.push(Vector::Portable);
        units
    }

    /// The widest unit of this core.
    pub fn detect() -> Vector {
        Self::available()[0]
    }

    /// The unit called `name` (`avx512`, `avx2`, `portable`) when this core has it; else
    /// the error says which units it has. Benchmarks compare the builds on one machine
    /// this way (the binary reads `EXCITON_MC_CPU_VECTOR`).
    pub fn by_name(name: &str) -> Result<Vector, UnknownVector> {
        let available = Self::available();
        available
            .iter()
            .copied()
            .find(|v| v.name() == name)
            .ok_or_else(|| UnknownVector {
                name: name.to_string(),
                available: available.iter().map(|v| v.name()).collect(),
            })
    }

    /// The unit's name, as [`Vector::by_name`] reads it (`avx512`, `avx2`, `portable`).
    pub fn name(self) -> &'static str {
        match self {
            Vector::Avx512 => "avx512",
            Vector::Avx2 => "avx2",
            Vector::Portable => "portable",
        }
    }
}

/// A vector unit this core does not have (or that does not exist).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a vector unit of this CPU ({})", available.join(", "))]
pub struct UnknownVector {
    /// The name asked for.
    pub name: String,
    /// Names of the units this core has, widest first.
    pub available: Vec<&'static str>,
}

/// Walks every invocation of segment `p` into `batch`.
#[inline(always)]
fn walk_segment_body(p: &PointParams, b: &WalkBindings, batch: &mut Batch, profile: bool) {
    for i in 0..p.walker_count {
        walk_invocation(p, b, batch, i, profile);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw")]
fn walk_segment_avx512(p: &PointParams, b: &WalkBindings, batch: &mut Batch, profile: bool) {
    walk_segment_body(p, b, batch, profile)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi2")]
fn walk_segment_avx2(p: &PointParams, b: &WalkBindings, batch: &mut Batch, profile: bool) {
    walk_segment_body(p, b, batch, profile)
}

/// Walks segment `p` with the code built for `vector`.
fn walk_segment(
    vector: Vector,
    p: &PointParams,
    b: &WalkBindings,
    batch: &mut Batch,
    profile: bool,
) {
    match vector {
        // SAFETY: a Vector other than Portable comes from Vector::available, which
        // detected its features on this CPU.
        #[cfg(target_arch = "x86_64")]
        Vector::Avx512 => unsafe { walk_segment_avx512(p, b, batch, profile) },
        #[cfg(target_arch = "x86_64")]
        Vector::Avx2 => unsafe { walk_segment_avx2(p, b, batch, profile) },
        _ => walk_segment_body(p, b, batch, profile),
    }
}

/// Runs walkers `first..first + walkers` of the point with `key` on `threads` threads,
/// with the walk built for `vector` (one of [`Vector::available`]).
#[allow(clippy::too_many_arguments)]
pub fn run_point(
    tables: &WalkTables,
    layout: HistLayout,
    key: u64,
    first: u64,
    walkers: u64,
    threads: usize,
    vector: Vector,
    progress: &Progress,
) -> Result<Histograms, Error> {
    let (total, _) = run_ranges(
        tables,
        layout,
        key,
        &[(first, walkers)],
        threads,
        vector,
        progress,
    )?;
    Ok(total)
}

/// Runs several walker ranges (first, walkers) of one point in one pool of threads:
/// the point's totals, and each range's per-frame sums (the walker blocks of the
/// standard errors). The blocks cost one start-up and no histograms of their own, and
/// threads move on to the next range without waiting for the others.
#[allow(clippy::too_many_arguments)]
pub fn run_ranges(
    tables: &WalkTables,
    layout: HistLayout,
    key: u64,
    ranges: &[(u64, u64)],
    threads: usize,
    vector: Vector,
    progress: &Progress,
) -> Result<(Histograms, Vec<FrameSums>), Error> {
    assert!(
        Vector::available().contains(&vector),
        "{} is not available on this CPU",
        vector.name()
    );
    // The work in chunks of at most BLOCK walkers, each inside one range, in order.
    let chunks: Vec<(usize, u64, u32)> = ranges
        .iter()
        .enumerate()
        .flat_map(|(r, &(first, walkers))| {
            (0..walkers.div_ceil(BLOCK)).map(move |c| {
                let offset = c * BLOCK;
                (r, first + offset, (walkers - offset).min(BLOCK) as u32)
            })
        })
        .collect();
    let next = AtomicU64::new(0);
    let total = Mutex::new(Histograms::zeros(layout));
    let sums: Vec<Mutex<Option<FrameSums>>> = ranges.iter().map(|_| Mutex::new(None)).collect();
    let bindings = WalkBindings::new(tables);
    let point = PointParams::new(tables, &layout, key, TableBases::default(), 0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                let mut local = Batch::zeros(&layout);
                // The range `local` holds walkers of, and how many: each walker adds at
                // most 1 to any counter, so a u32 counter is safe for 2^32 - 1 walkers.
                let (mut held, mut since_flush) = (None::<usize>, 0u64);
                let flush = |local: &mut Batch, held: Option<usize>, walkers: u64| {
                    if let Some(r) = held {
                        let part = FrameSums::from_batch(local, &layout, walkers);
                        match &mut *sums[r].lock().unwrap() {
                            Some(s) => s.add(&part),
                            slot => *slot = Some(part),
                        }
                        total.lock().unwrap().add_batch(local);
                        local.clear();
                    }
                };
                while !progress.cancelled() {
                    let Some(&(range, base, count)) =
                        chunks.get(next.fetch_add(1, Ordering::Relaxed) as usize)
                    else {
                        break;
                    };
                    if held != Some(range) || since_flush + u64::from(count) > u64::from(u32::MAX) {
                        flush(&mut local, held, since_flush);
                        (held, since_flush) = (Some(range), 0);
                    }
                    let p = point
                        .in_range(tables, ranges[range].0)
                        .segment(base, count, 0);
                    walk_segment(vector, &p, &bindings, &mut local, layout.profile);
                    since_flush += u64::from(count);
                    progress.advance(u64::from(count));
                }
                flush(&mut local, held, since_flush);
            });
        }
    });
    if progress.cancelled() {
        return Err(Error::Interrupted);
    }
    let sums = sums
        .into_iter()
        .zip(ranges)
        .map(|(s, &(_, walkers))| {
            let s = s.into_inner().unwrap();
            // A range of no walkers (or cancelled before it started) sums to nothing.
            s.unwrap_or_else(|| FrameSums::from_batch(&Batch::zeros(&layout), &layout, walkers))
        })
        .collect();
    Ok((total.into_inner().unwrap(), sums))
}
