//! Backends that turn one sweep point into curves: CPU Monte Carlo, GPU Monte Carlo, exact.

pub mod cpu;
pub mod exact;
pub mod gpu;

use crate::error::Error;
use crate::gpu::{GpuContext, GpuError};
use crate::histogram::{HistLayout, Histograms};
use crate::kernels::walk::{WalkPipeline, MAX_DISPATCH_WALKERS};
use crate::model::WalkTables;
use crate::observables::{curves_from_histograms, Curves};
use crate::rng::point_key;
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

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

/// Walkers done so far (read by the progress bar), a cancel flag (set on Ctrl-C), and
/// where the GPU backend's wall time went.
#[derive(Debug)]
pub struct Progress {
    done: AtomicU64,
    cancel: AtomicBool,
    budget: u64,
    pub phases: Phases,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            done: AtomicU64::new(0),
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
    pub setup_s: f64,
    pub kernel_s: f64,
    pub read_back_s: f64,
    pub host_add_s: f64,
}

impl Phases {
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

    pub fn advance(&self, walkers: u64) {
        let done = self.done.fetch_add(walkers, Ordering::Relaxed) + walkers;
        if done >= self.budget {
            self.cancel();
        }
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
        scenario.occupancy_profile,
        scenario.record_profiles,
    )
}

/// A backend ready to run points: for the GPU, an open device and compiled kernel.
pub enum Engine {
    Cpu {
        threads: usize,
        /// The vector unit the walk is built for ([`cpu::Vector::detect`]).
        vector: cpu::Vector,
    },
    Exact,
    Gpu {
        ctx: Box<GpuContext>,
        pipeline: WalkPipeline,
        /// Walkers per dispatch; `None` picks [`gpu::dispatch_walkers`].
        batch: Option<u32>,
        /// Walkers between read-backs of the `u32` histogram (at most 2^32 - 1).
        flush_every: u64,
    },
}

impl Engine {
    pub fn cpu(threads: usize) -> Self {
        Engine::Cpu {
            threads,
            vector: cpu::Vector::detect(),
        }
    }

    /// The CPU engine with the walk built for `vector` (one of
    /// [`cpu::Vector::available`]): tests hold every build to the same histograms.
    pub fn cpu_with_vector(threads: usize, vector: cpu::Vector) -> Self {
        Engine::Cpu { threads, vector }
    }

    /// Opens the GPU (adapter name containing `adapter`, or the best one).
    pub fn gpu(adapter: Option<&str>) -> Result<Self, GpuError> {
        let ctx = GpuContext::new(adapter)?;
        let int64 = ctx.has_int64();
        Self::gpu_on(ctx, int64)
    }

    /// The GPU engine with the pairs generator (`rng.wgsl`) even where the device has
    /// 64-bit integers: tests hold both generators to the CPU reference.
    pub fn gpu_with_pairs_rng(adapter: Option<&str>) -> Result<Self, GpuError> {
        Self::gpu_on(GpuContext::new(adapter)?, false)
    }

    fn gpu_on(ctx: GpuContext, int64: bool) -> Result<Self, GpuError> {
        let pipeline = WalkPipeline::with_generator(&ctx, int64)?;
        Ok(Engine::Gpu {
            ctx: Box::new(ctx),
            pipeline,
            batch: None,
            flush_every: u64::from(u32::MAX),
        })
    }

    /// Resolves `kind`; `auto` takes a hardware GPU when there is one (or the named
    /// adapter, even a software one), else the CPU. The second value says why, for people.
    pub fn open(
        kind: BackendKind,
        adapter: Option<&str>,
        threads: usize,
    ) -> Result<(Self, String), GpuError> {
        match kind {
            BackendKind::Cpu => Ok((Engine::cpu(threads), String::new())),
            BackendKind::Exact => Ok((Engine::Exact, String::new())),
            BackendKind::Gpu => Ok((Engine::gpu(adapter)?, String::new())),
            BackendKind::Auto => match Engine::gpu(adapter) {
                Ok(e @ Engine::Gpu { .. }) if adapter.is_some() || !e.is_software() => {
                    let why = format!("backend auto: using the GPU {}", e.device());
                    Ok((e, why))
                }
                Ok(e) => Ok((
                    Engine::cpu(threads),
                    format!(
                        "backend auto: only a software GPU device ({}), using the CPU ({threads} threads)",
                        e.device()
                    ),
                )),
                Err(err) => Ok((
                    Engine::cpu(threads),
                    format!("backend auto: no GPU ({err}); using the CPU ({threads} threads)"),
                )),
            },
        }
    }

    /// Walkers per GPU dispatch (tests make it small to exercise batching).
    pub fn with_batch(mut self, walkers: u32) -> Self {
        if let Engine::Gpu { batch, .. } = &mut self {
            *batch = Some(walkers.clamp(1, MAX_DISPATCH_WALKERS));
        }
        self
    }

    /// Reads the GPU histogram back every `walkers` walkers (tests exercise the u64 totals).
    pub fn with_flush_every(mut self, walkers: u64) -> Self {
        if let Engine::Gpu { flush_every, .. } = &mut self {
            *flush_every = walkers.clamp(1, u64::from(u32::MAX));
        }
        self
    }

    fn is_software(&self) -> bool {
        matches!(self, Engine::Gpu { ctx, .. } if ctx.adapter.is_software())
    }

    pub fn kind(&self) -> BackendKind {
        match self {
            Engine::Cpu { .. } => BackendKind::Cpu,
            Engine::Exact => BackendKind::Exact,
            Engine::Gpu { .. } => BackendKind::Gpu,
        }
    }

    /// Words naming the device, for results and summaries.
    pub fn device(&self) -> String {
        match self {
            Engine::Cpu { threads, vector } => format!("cpu, {threads} threads, {}", vector.name()),
            Engine::Exact => "exact moment recursion".into(),
            Engine::Gpu { ctx, .. } => ctx.adapter.to_string(),
        }
    }

    /// Words naming the GPU kernel's generator, for bench tables (empty off the GPU).
    pub fn generator(&self) -> &'static str {
        match self {
            Engine::Gpu { pipeline, .. } if pipeline.int64 => "u64",
            Engine::Gpu { .. } => "u32 pairs",
            _ => "",
        }
    }

    /// Exact histogram totals of one point's Monte Carlo (not for the exact backend).
    pub fn histograms(
        &self,
        scenario: &Scenario,
        point: u64,
        progress: &Progress,
    ) -> Result<Histograms, Error> {
        self.histograms_of(scenario, point, 0, scenario.walkers, progress)
    }

    /// Histogram totals of walkers `first..first + walkers` of one point: the pieces of
    /// a point add up to the whole, whatever the cut.
    pub fn histograms_of(
        &self,
        scenario: &Scenario,
        point: u64,
        first: u64,
        walkers: u64,
        progress: &Progress,
    ) -> Result<Histograms, Error> {
        let tables = WalkTables::new(scenario);
        let layout = layout_for(scenario, &tables);
        let key = point_key(scenario.seed, point);
        match self {
            Engine::Cpu { threads, vector } => cpu::run_point(
                &tables, layout, key, first, walkers, *threads, *vector, progress,
            ),
            Engine::Gpu { .. } => {
                let job = gpu::PointJob {
                    tables: &tables,
                    layout,
                    key,
                    first,
                    walkers,
                };
                Ok(self.gpu_group(&[job], progress)?.remove(0))
            }
            Engine::Exact => Err(Error::NoHistograms),
        }
    }

    fn gpu_group(
        &self,
        jobs: &[gpu::PointJob],
        progress: &Progress,
    ) -> Result<Vec<Histograms>, Error> {
        let Engine::Gpu {
            ctx,
            pipeline,
            batch,
            flush_every,
        } = self
        else {
            unreachable!("gpu_group on a GPU engine only")
        };
        let batching = gpu::batching_for(ctx, *batch, *flush_every);
        gpu::run_points(ctx, pipeline, jobs, batching, progress)
    }

    /// Histogram totals of several points (scenario, point index): on the GPU, packed
    /// into shared dispatches in groups that fit the device (see [`gpu`]); elsewhere
    /// one after the other.
    pub fn histograms_many(
        &self,
        points: &[(&Scenario, u64)],
        progress: &Progress,
    ) -> Result<Vec<Histograms>, Error> {
        if !matches!(self, Engine::Gpu { .. }) {
            return points
                .iter()
                .map(|(s, p)| self.histograms(s, *p, progress))
                .collect();
        }
        let mut out = Vec::with_capacity(points.len());
        self.gpu_each(points, progress, |_, _, h| {
            out.push(h);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs GPU points group by group and hands each point's totals, with its tables,
    /// to `done` (index into `points`, in order) as soon as its group has finished.
    fn gpu_each(
        &self,
        points: &[(&Scenario, u64)],
        progress: &Progress,
        mut done: impl FnMut(usize, &WalkTables, Histograms) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Engine::Gpu { ctx, .. } = self else {
            unreachable!("gpu_each on a GPU engine only")
        };
        let tables: Vec<WalkTables> = points.iter().map(|(s, _)| WalkTables::new(s)).collect();
        let jobs: Vec<gpu::PointJob> = points
            .iter()
            .zip(&tables)
            .map(|((s, p), t)| gpu::PointJob {
                tables: t,
                layout: layout_for(s, t),
                key: point_key(s.seed, *p),
                first: 0,
                walkers: s.walkers,
            })
            .collect();
        let sizes: Vec<_> = jobs.iter().map(|j| (j.layout, j.walkers)).collect();
        for group in gpu::groups(ctx, &sizes) {
            let hists = self.gpu_group(&jobs[group.clone()], progress)?;
            for (i, h) in group.zip(hists) {
                done(i, &tables[i], h)?;
            }
        }
        Ok(())
    }

    /// Curves of one point.
    pub fn curves(
        &self,
        scenario: &Scenario,
        point: u64,
        progress: &Progress,
    ) -> Result<Curves, Error> {
        let tables = WalkTables::new(scenario);
        let states = tables.effective_states(&scenario.states.names);
        match self {
            Engine::Exact => {
                let c = exact::curves(
                    &states,
                    &tables.x_step_probabilities(),
                    scenario.frames,
                    scenario.walkers,
                );
                progress.advance(scenario.walkers);
                Ok(c)
            }
            _ => {
                let h = self.histograms(scenario, point, progress)?;
                Ok(curves_from_histograms(
                    &h,
                    scenario.walkers,
                    &states.radiative,
                ))
            }
        }
    }

    /// Curves of several points (scenario, point index), handed to `done` (index into
    /// `points`, in order) as each finishes: on the GPU their walkers share dispatches,
    /// and the points of a group finish together (a sweep stores them group by group).
    pub fn curves_each(
        &self,
        points: &[(&Scenario, u64)],
        progress: &Progress,
        mut done: impl FnMut(usize, Curves) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if !matches!(self, Engine::Gpu { .. }) {
            for (i, (s, p)) in points.iter().enumerate() {
                done(i, self.curves(s, *p, progress)?)?;
            }
            return Ok(());
        }
        self.gpu_each(points, progress, |i, tables, h| {
            let s = points[i].0;
            let states = tables.effective_states(&s.states.names);
            done(i, curves_from_histograms(&h, s.walkers, &states.radiative))
        })
    }
}
