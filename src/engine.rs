//! The engine a run holds: the CPU Monte Carlo, the GPU Monte Carlo (cargo feature
//! `gpu`) or the exact recursion, each turning a sweep point into [`Curves`].

use crate::error::Error;
use exciton_core::backend::BackendKind;
use exciton_core::cpu::{self, Vector};
use exciton_core::exact;
use exciton_core::histogram::Histograms;
use exciton_core::model::{layout_for, WalkTables};
use exciton_core::observables::{
    block_ranges, emission_profile, estimate, Curves, Estimate, FrameSums,
};
use exciton_core::progress::Progress;
use exciton_core::rng::point_key;
use exciton_core::scenario::Scenario;
#[cfg(feature = "gpu")]
use exciton_gpu::{GpuEngine, GpuOptions};

/// How to open an engine, beyond its kind: what the command line and the environment
/// chose (read by the binary, never by the library).
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// GPU adapter whose name contains this text.
    pub adapter: Option<String>,
    /// CPU threads; `None` takes every core.
    pub threads: Option<usize>,
    /// The CPU walk's vector unit; `None` takes the widest this core has.
    pub vector: Option<Vector>,
    #[cfg(feature = "gpu")]
    pub gpu: GpuOptions,
}

impl EngineOptions {
    pub fn threads(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// A backend ready to run points: for the GPU, an open device and compiled kernel.
pub enum Engine {
    Cpu {
        threads: usize,
        /// The vector unit the walk is built for ([`Vector::detect`]).
        vector: Vector,
    },
    Exact,
    #[cfg(feature = "gpu")]
    Gpu(Box<GpuEngine>),
}

impl Engine {
    pub fn cpu(threads: usize) -> Self {
        Engine::Cpu {
            threads,
            vector: Vector::detect(),
        }
    }

    /// The CPU engine with the walk built for `vector` (one of [`Vector::available`]):
    /// tests hold every build to the same histograms.
    pub fn cpu_with_vector(threads: usize, vector: Vector) -> Self {
        Engine::Cpu { threads, vector }
    }

    /// Resolves `kind`; `auto` takes a hardware GPU when there is one (or the named
    /// adapter, even a software one), else the CPU. The second value says why, for people.
    pub fn open(kind: BackendKind, options: &EngineOptions) -> Result<(Self, String), Error> {
        let threads = options.threads();
        let cpu = || Engine::Cpu {
            threads,
            vector: options.vector.unwrap_or_else(Vector::detect),
        };
        match kind {
            BackendKind::Cpu => Ok((cpu(), String::new())),
            BackendKind::Exact => Ok((Engine::Exact, String::new())),
            #[cfg(feature = "gpu")]
            BackendKind::Gpu => Ok((Engine::gpu(options)?, String::new())),
            #[cfg(not(feature = "gpu"))]
            BackendKind::Gpu => Err(Error::NoGpuFeature),
            #[cfg(feature = "gpu")]
            BackendKind::Auto => match Engine::gpu(options) {
                Ok(e @ Engine::Gpu(_)) if options.adapter.is_some() || !e.is_software() => {
                    let why = format!("backend auto: using the GPU {}", e.device());
                    Ok((e, why))
                }
                Ok(e) => Ok((
                    cpu(),
                    format!(
                        "backend auto: only a software GPU device ({}), using the CPU ({threads} threads)",
                        e.device()
                    ),
                )),
                Err(err) => Ok((
                    cpu(),
                    format!("backend auto: no GPU ({err}); using the CPU ({threads} threads)"),
                )),
            },
            #[cfg(not(feature = "gpu"))]
            BackendKind::Auto => Ok((
                cpu(),
                format!("backend auto: built without the gpu feature, using the CPU ({threads} threads)"),
            )),
        }
    }

    /// Opens the GPU (adapter name containing `options.adapter`, or the best one).
    #[cfg(feature = "gpu")]
    pub fn gpu(options: &EngineOptions) -> Result<Self, Error> {
        let engine = GpuEngine::open(options.adapter.as_deref(), options.gpu)?;
        Ok(Engine::Gpu(Box::new(engine)))
    }

    /// The GPU engine with the pairs generator even where the device has 64-bit
    /// integers: tests hold both generators to the CPU reference.
    #[cfg(feature = "gpu")]
    pub fn gpu_with_pairs_rng(options: &EngineOptions) -> Result<Self, Error> {
        let engine = GpuEngine::open_with_pairs_rng(options.adapter.as_deref(), options.gpu)?;
        Ok(Engine::Gpu(Box::new(engine)))
    }

    /// Walkers per GPU dispatch (tests make it small to exercise batching).
    pub fn with_batch(self, walkers: u32) -> Self {
        match self {
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => Engine::Gpu(Box::new(g.with_batch(walkers))),
            other => {
                let _ = walkers;
                other
            }
        }
    }

    /// Reads the GPU histogram back every `walkers` walkers (tests exercise the u64 totals).
    pub fn with_flush_every(self, walkers: u64) -> Self {
        match self {
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => Engine::Gpu(Box::new(g.with_flush_every(walkers))),
            other => {
                let _ = walkers;
                other
            }
        }
    }

    #[cfg(feature = "gpu")]
    fn is_software(&self) -> bool {
        match self {
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => g.is_software(),
            _ => false,
        }
    }

    pub fn kind(&self) -> BackendKind {
        match self {
            Engine::Cpu { .. } => BackendKind::Cpu,
            Engine::Exact => BackendKind::Exact,
            #[cfg(feature = "gpu")]
            Engine::Gpu(_) => BackendKind::Gpu,
        }
    }

    /// CPU threads the engine runs on (1 off the CPU: the host side of a GPU run).
    pub fn threads(&self) -> usize {
        match self {
            Engine::Cpu { threads, .. } => *threads,
            _ => 1,
        }
    }

    /// Words naming the device, for results and summaries.
    pub fn device(&self) -> String {
        match self {
            Engine::Cpu { threads, vector } => format!("cpu, {threads} threads, {}", vector.name()),
            Engine::Exact => "exact moment recursion".into(),
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => g.ctx.adapter.to_string(),
        }
    }

    /// Words naming the GPU kernel's generator, for bench tables (empty off the GPU).
    pub fn generator(&self) -> &'static str {
        match self {
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => g.generator(),
            _ => "",
        }
    }

    /// Histogram totals of walkers `first..first + walkers` of one point: the pieces of
    /// a point add up to the whole, whatever the cut. Not for the exact backend.
    pub fn walker_range(
        &self,
        scenario: &Scenario,
        point: u64,
        first: u64,
        walkers: u64,
        progress: &Progress,
    ) -> Result<Histograms, Error> {
        match self {
            Engine::Cpu { threads, vector } => {
                let tables = WalkTables::new(scenario);
                let layout = layout_for(scenario, &tables);
                let key = point_key(scenario.seed, point);
                Ok(cpu::run_point(
                    &tables, layout, key, first, walkers, *threads, *vector, progress,
                )?)
            }
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => Ok(g.walker_range(scenario, point, first, walkers, progress)?),
            Engine::Exact => Err(exciton_core::error::Error::NoHistograms.into()),
        }
    }

    /// Exact histogram totals of one whole point's Monte Carlo.
    pub fn point_histograms(
        &self,
        scenario: &Scenario,
        point: u64,
        progress: &Progress,
    ) -> Result<Histograms, Error> {
        self.walker_range(scenario, point, 0, scenario.walkers, progress)
    }

    /// Histogram totals of several points (scenario, point index): on the GPU packed
    /// into shared dispatches; elsewhere one after the other.
    pub fn points_histograms(
        &self,
        points: &[(&Scenario, u64)],
        progress: &Progress,
    ) -> Result<Vec<Histograms>, Error> {
        let ranges: Vec<_> = points.iter().map(|&(s, p)| (s, p, 0, s.walkers)).collect();
        let mut out = Vec::with_capacity(points.len());
        self.ranges_each(&ranges, progress, |_, h| {
            out.push(h);
            Ok(())
        })?;
        Ok(out)
    }

    /// Runs walker ranges (scenario, point index, first walker, walkers) and hands each
    /// one's totals to `done` (index into `ranges`, in order) as it finishes: on the GPU
    /// group by group, their walkers sharing dispatches.
    fn ranges_each(
        &self,
        ranges: &[(&Scenario, u64, u64, u64)],
        progress: &Progress,
        mut done: impl FnMut(usize, Histograms) -> Result<(), Error>,
    ) -> Result<(), Error> {
        #[cfg(feature = "gpu")]
        if let Engine::Gpu(g) = self {
            return g.ranges_each(ranges, progress, done);
        }
        for (i, &(s, p, first, walkers)) in ranges.iter().enumerate() {
            done(i, self.walker_range(s, p, first, walkers, progress)?)?;
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
        Ok(self.estimate(scenario, point, progress)?.curves)
    }

    /// Curves and scalars, with their errors, of one point.
    pub fn estimate(
        &self,
        scenario: &Scenario,
        point: u64,
        progress: &Progress,
    ) -> Result<Estimate, Error> {
        let mut out = None;
        self.estimates_each(&[(scenario, point)], progress, |_, e| {
            out = Some(e);
            Ok(())
        })?;
        Ok(out.expect("one point, one estimate"))
    }

    /// Curves and scalars of several points (scenario, point index), handed to `done`
    /// (index into `points`, in order) as each finishes. A Monte Carlo point runs as
    /// walker blocks ([`block_ranges`]) whose sums give the standard errors; on the GPU
    /// the blocks of all points share dispatches, and the points of a group finish
    /// together (a sweep stores them group by group).
    pub fn estimates_each(
        &self,
        points: &[(&Scenario, u64)],
        progress: &Progress,
        mut done: impl FnMut(usize, Estimate) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if let Engine::Exact = self {
            for (i, (s, _)) in points.iter().enumerate() {
                let tables = WalkTables::new(s);
                let c = exact::curves_of(&tables, &s.states.names, s.frames, s.walkers, s.dt_ps);
                progress.advance(s.walkers);
                done(i, Estimate::exact(c, s.dt_ps))?;
            }
            return Ok(());
        }
        if let Engine::Cpu { threads, vector } = self {
            for (i, &(s, p)) in points.iter().enumerate() {
                let tables = WalkTables::new(s);
                let layout = layout_for(s, &tables);
                let key = point_key(s.seed, p);
                let blocks = block_ranges(s.walkers);
                let (total, sums) =
                    cpu::run_ranges(&tables, layout, key, &blocks, *threads, *vector, progress)?;
                let weights = tables.radiative_per_frame(s.dt_ps);
                let mut e = estimate(&sums, &weights, s.dt_ps);
                e.curves.emission_profile = emission_profile(&total);
                done(i, e)?;
            }
            return Ok(());
        }
        // The GPU: every block of every point is a job of its own, sharing dispatches.
        let mut ranges = Vec::new();
        let mut owner = Vec::new();
        for (i, &(s, p)) in points.iter().enumerate() {
            for (first, walkers) in block_ranges(s.walkers) {
                ranges.push((s, p, first, walkers));
                owner.push(i);
            }
        }
        // Each block's sums, and the whole point's rows only where its profile is kept.
        let mut blocks = Vec::new();
        let mut rows: Option<Histograms> = None;
        self.ranges_each(&ranges, progress, |r, h| {
            let (s, _, _, walkers) = ranges[r];
            blocks.push(FrameSums::from_histograms(&h, walkers));
            if h.layout.absolute {
                match &mut rows {
                    Some(total) => total.add(&h),
                    None => rows = Some(h),
                }
            }
            if owner.get(r + 1) == Some(&owner[r]) {
                return Ok(());
            }
            let tables = WalkTables::new(s);
            let weights = tables.radiative_per_frame(s.dt_ps);
            let mut e = estimate(&blocks, &weights, s.dt_ps);
            e.curves.emission_profile = rows.take().and_then(|h| emission_profile(&h));
            blocks.clear();
            done(owner[r], e)
        })
    }
}
