//! How far a run is (walkers done, read by progress displays), its cancel flag (Ctrl-C,
//! a time budget) and where a GPU run's wall time went.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Walkers done so far (read by the progress bar), a cancel flag (set on Ctrl-C), and
/// where the GPU backend's wall time went.
#[derive(Debug)]
pub struct Progress {
    done: AtomicU64,
    /// Points finished (whole points of a run into a directory).
    points: AtomicU64,
    cancel: AtomicBool,
    budget: u64,
    /// Where the GPU backend's wall time went.
    pub phases: Phases,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            done: AtomicU64::new(0),
            points: AtomicU64::new(0),
            cancel: AtomicBool::new(false),
            budget: u64::MAX,
            phases: Phases::default(),
        }
    }
}

/// A part of a GPU run's wall time (`exciton-mc bench` reports each).
#[derive(Clone, Copy, Debug)]
pub enum Phase {
    /// Tables uploaded and batch buffers allocated.
    Setup,
    /// Dispatches queued and waited for.
    Kernel,
    /// Batches copied to host-visible memory and mapped.
    ReadBack,
    /// Mapped batches added into the `u64` host totals.
    HostAdd,
}

/// Wall time per [`Phase`], summed over a run.
#[derive(Debug, Default)]
pub struct Phases {
    nanos: [AtomicU64; 4],
}

/// The seconds of each [`Phase`].
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct PhaseSeconds {
    /// Seconds in [`Phase::Setup`].
    pub setup_s: f64,
    /// Seconds in [`Phase::Kernel`].
    pub kernel_s: f64,
    /// Seconds in [`Phase::ReadBack`].
    pub read_back_s: f64,
    /// Seconds in [`Phase::HostAdd`].
    pub host_add_s: f64,
}

impl Phases {
    /// Counts `time` to `phase`.
    pub fn add(&self, phase: Phase, time: Duration) {
        self.nanos[phase as usize].fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Runs `work`, counting its wall time to `phase`.
    pub fn time<T>(&self, phase: Phase, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.add(phase, start.elapsed());
        out
    }

    /// The wall time of each phase so far.
    pub fn seconds(&self) -> PhaseSeconds {
        let s = |p: Phase| self.nanos[p as usize].load(Ordering::Relaxed) as f64 * 1e-9;
        PhaseSeconds {
            setup_s: s(Phase::Setup),
            kernel_s: s(Phase::Kernel),
            read_back_s: s(Phase::ReadBack),
            host_add_s: s(Phase::HostAdd),
        }
    }
}

impl Progress {
    /// A run that cancels itself once `walkers` walkers are done, as Ctrl-C would
    /// (time-boxed runs; tests of interruption).
    pub fn with_budget(walkers: u64) -> Self {
        Progress {
            budget: walkers,
            ..Default::default()
        }
    }

    /// Counts `walkers` more walkers done; cancels the run once its budget is reached.
    pub fn advance(&self, walkers: u64) {
        let done = self.done.fetch_add(walkers, Ordering::Relaxed) + walkers;
        if done >= self.budget {
            self.cancel();
        }
    }

    /// One more point finished.
    pub fn point_finished(&self) {
        self.points.fetch_add(1, Ordering::Relaxed);
    }

    /// Points finished so far.
    pub fn points_done(&self) -> u64 {
        self.points.load(Ordering::Relaxed)
    }

    /// Walkers done so far.
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    /// Sets the cancel flag (Ctrl-C, a spent budget): the run stops at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether the run has been asked to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}
