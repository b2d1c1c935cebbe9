//! The engine a run holds: the CPU Monte Carlo, the GPU Monte Carlo (cargo feature
//! `gpu`) or the exact recursion, each turning a sweep point into [`Curves`].

use crate::error::Error;
use exciton_core::backend::BackendKind;
use exciton_core::cpu::{self, Vector};
use exciton_core::exact;
use exciton_core::histogram::Histograms;
use exciton_core::kernels::rng::point_key;
use exciton_core::model::{layout_for, WalkTables};
use exciton_core::observables::{
    block_ranges, emission_profile, estimate, BlockResult, Curves, EmissionProfile, Estimate,
    FrameSums,
};
use exciton_core::progress::Progress;
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

    /// GPU passes that walk every frame with an event (a hardware GPU's) or only the
    /// first (a software device's): tests hold the shape the device does not choose to
    /// the CPU too.
    pub fn with_whole_passes(self, whole: bool) -> Self {
        match self {
            #[cfg(feature = "gpu")]
            Engine::Gpu(g) => Engine::Gpu(Box::new(g.with_whole_passes(whole))),
            other => {
                let _ = whole;
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
            // The master equation splits a film's sites over every core.
            Engine::Exact => std::thread::available_parallelism().map_or(1, |n| n.get()),
            #[cfg(feature = "gpu")]
            Engine::Gpu(_) => 1,
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
    /// a point add up to the whole, whatever the cut, except on a landscape with a film
    /// per block, where the range walks the film of its first walker (estimates, shards
    /// and checkpoints run block by block, so each block walks its own). Not for the
    /// exact backend.
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
        let jobs: Vec<Job> = points
            .iter()
            .map(|&(scenario, point)| Job::whole(scenario, point))
            .collect();
        self.run_jobs(&jobs, progress, |j, outcome| match outcome {
            Outcome::Exact(e) => done(j, e),
            Outcome::Done { sums, profile } => {
                let s = jobs[j].scenario;
                let mut e = estimate(&sums, &exciton_core::observables::readout_of(s));
                e.curves.emission_profile = profile.map(|p| p.train(s.excitation.as_ref()));
                done(j, e)
            }
            Outcome::Block(..) => Ok(()),
        })
    }

    /// Runs walker blocks of points and hands `done` (index into `jobs`) what finishes:
    /// each block of a job that asks for it, then every job's sums (or, on the exact
    /// backend, its estimate). Jobs finish in order.
    pub fn run_jobs(
        &self,
        jobs: &[Job],
        progress: &Progress,
        mut done: impl FnMut(usize, Outcome) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match self {
            Engine::Exact => {
                for (j, job) in jobs.iter().enumerate() {
                    let e = exact::estimate(job.scenario, self.threads(), progress)?;
                    done(j, Outcome::Exact(e))?;
                }
                Ok(())
            }
            Engine::Cpu { threads, vector } => {
                for (j, job) in jobs.iter().enumerate() {
                    cpu_job(job, *threads, *vector, progress, |o| done(j, o))?;
                }
                Ok(())
            }
            #[cfg(feature = "gpu")]
            Engine::Gpu(_) => self.gpu_jobs(jobs, progress, done),
        }
    }

    /// The GPU: every block of every job a job of the same dispatches, each block's sums
    /// (not its histograms) read back.
    #[cfg(feature = "gpu")]
    fn gpu_jobs(
        &self,
        jobs: &[Job],
        progress: &Progress,
        mut done: impl FnMut(usize, Outcome) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let Engine::Gpu(g) = self else {
            unreachable!("gpu_jobs runs on the GPU engine")
        };
        let block_jobs: Vec<exciton_gpu::BlockJob> = jobs
            .iter()
            .map(|job| {
                let all = block_ranges(job.scenario.walkers);
                exciton_gpu::BlockJob {
                    scenario: job.scenario,
                    point: job.point,
                    blocks: job.blocks.iter().map(|&b| all[b]).collect(),
                    each_block: job.each_block,
                }
            })
            .collect();
        g.blocks_each(&block_jobs, progress, |j, out| {
            if jobs[j].each_block {
                let each = out.sums.iter().zip(out.block_profiles);
                for (&b, (sums, profile)) in jobs[j].blocks.iter().zip(each) {
                    let result = BlockResult {
                        sums: sums.clone(),
                        profile,
                    };
                    done(j, Outcome::Block(b, result))?;
                }
            }
            done(
                j,
                Outcome::Done {
                    sums: out.sums,
                    profile: out.profile,
                },
            )
        })
    }
}

/// Walker blocks of one point to run.
pub struct Job<'a> {
    pub scenario: &'a Scenario,
    /// The point's index in its sweep (its random streams depend on it).
    pub point: u64,
    /// Indices into the point's [`block_ranges`], ascending.
    pub blocks: Vec<usize>,
    /// Hand each block to the caller as it finishes (a checkpoint, or a shard's part of
    /// a point cut across shards).
    pub each_block: bool,
}

impl<'a> Job<'a> {
    /// Every block of a point, reported together.
    pub fn whole(scenario: &'a Scenario, point: u64) -> Self {
        Job {
            scenario,
            point,
            blocks: (0..block_ranges(scenario.walkers).len()).collect(),
            each_block: false,
        }
    }
}

/// What a job hands back.
// One outcome per block or job crosses a channel once: boxing the large variant would
// save nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// One walker block (index into the point's blocks), for jobs with `each_block`.
    Block(usize, BlockResult),
    /// Every block of the job: their sums in the job's block order, and the emission
    /// profile of all of them together.
    Done {
        sums: Vec<FrameSums>,
        profile: Option<EmissionProfile>,
    },
    /// The exact backend's estimate of the point.
    Exact(Estimate),
}

/// One job on the CPU: its blocks in one pool of threads, or one block at a time when
/// each is wanted on its own (its histograms then give its profile).
fn cpu_job(
    job: &Job,
    threads: usize,
    vector: Vector,
    progress: &Progress,
    mut done: impl FnMut(Outcome) -> Result<(), Error>,
) -> Result<(), Error> {
    let s = job.scenario;
    let tables = WalkTables::new(s);
    let layout = layout_for(s, &tables);
    let key = point_key(s.seed, job.point);
    let all = block_ranges(s.walkers);
    let ranges: Vec<(u64, u64)> = job.blocks.iter().map(|&b| all[b]).collect();
    if !job.each_block {
        let (total, sums) =
            cpu::run_ranges(&tables, layout, key, &ranges, threads, vector, progress)?;
        let profile = emission_profile(&total);
        return done(Outcome::Done { sums, profile });
    }
    let mut sums = Vec::with_capacity(ranges.len());
    let mut profiles = Vec::new();
    for (&b, &range) in job.blocks.iter().zip(&ranges) {
        let (h, mut one) =
            cpu::run_ranges(&tables, layout, key, &[range], threads, vector, progress)?;
        let result = BlockResult {
            sums: one.pop().expect("one range, one sum"),
            profile: emission_profile(&h),
        };
        sums.push(result.sums.clone());
        profiles.extend(result.profile.clone());
        done(Outcome::Block(b, result))?;
    }
    let profile = EmissionProfile::sum(&profiles);
    done(Outcome::Done { sums, profile })
}
