//! What a run holds to walk on a GPU: an open device, the compiled walk kernel and how
//! walkers are cut.

use crate::block_sums::BlockSumsPipeline;
use crate::blocks::{run_blocks, BlockPointJob, PointBlocks};
use crate::context::{GpuContext, GpuError, GpuOptions};
use crate::driver::{run_group, PointJob};
use crate::plan::{block_read_back_bytes, groups, Batching, DeviceLimits};
use crate::walk::WalkPipeline;
use exciton_core::histogram::Histograms;
use exciton_core::kernels::rng::point_key;
use exciton_core::kernels::walk::MAX_DISPATCH_WALKERS;
use exciton_core::model::{layout_for, WalkTables};
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;

/// An open device with the walk kernel compiled for it.
pub struct GpuEngine {
    pub ctx: GpuContext,
    pub pipeline: WalkPipeline,
    /// Reduces walker blocks' batches to their sums.
    pub block_sums: BlockSumsPipeline,
    /// Walkers per dispatch; `None` lets the planner choose.
    batch: Option<u32>,
    /// Walkers between read-backs of the `u32` histogram (at most 2^32 - 1).
    flush_every: u64,
}

impl GpuEngine {
    /// Opens the adapter whose name contains `adapter` (or the best one) with the
    /// fastest generator it runs.
    pub fn open(adapter: Option<&str>, options: GpuOptions) -> Result<Self, GpuError> {
        let ctx = GpuContext::new(adapter, options)?;
        let int64 = ctx.has_int64();
        Self::on(ctx, int64)
    }

    /// The same with the pairs generator (`rng.wgsl`) even where the device has 64-bit
    /// integers: tests hold both generators to the CPU reference.
    pub fn open_with_pairs_rng(
        adapter: Option<&str>,
        options: GpuOptions,
    ) -> Result<Self, GpuError> {
        Self::on(GpuContext::new(adapter, options)?, false)
    }

    fn on(ctx: GpuContext, int64: bool) -> Result<Self, GpuError> {
        let pipeline = WalkPipeline::with_generator(&ctx, int64)?;
        let block_sums = BlockSumsPipeline::new(&ctx)?;
        Ok(GpuEngine {
            ctx,
            pipeline,
            block_sums,
            batch: None,
            flush_every: u64::from(u32::MAX),
        })
    }

    /// Walkers per dispatch (tests make it small to exercise batching).
    pub fn with_batch(mut self, walkers: u32) -> Self {
        self.batch = Some(walkers.clamp(1, MAX_DISPATCH_WALKERS));
        self
    }

    /// Passes that walk every frame with an event (`true`, what a hardware GPU runs) or
    /// only the first (`false`, a software device's): tests hold both to the CPU.
    pub fn with_whole_passes(mut self, whole: bool) -> Self {
        self.pipeline.whole_passes = whole;
        self
    }

    /// Reads the histogram back every `walkers` walkers (tests exercise the u64 totals).
    pub fn with_flush_every(mut self, walkers: u64) -> Self {
        self.flush_every = walkers.clamp(1, u64::from(u32::MAX));
        self
    }

    pub fn is_software(&self) -> bool {
        self.ctx.adapter.is_software()
    }

    /// Words naming the generator the kernel uses, for bench tables.
    pub fn generator(&self) -> &'static str {
        if self.pipeline.int64 {
            "u64"
        } else {
            "u32 pairs"
        }
    }

    fn limits(&self) -> DeviceLimits {
        DeviceLimits {
            max_storage_bytes: self.ctx.max_storage_bytes(),
            software: self.is_software(),
        }
    }

    fn group(&self, jobs: &[PointJob], progress: &Progress) -> Result<Vec<Histograms>, GpuError> {
        let batching = Batching::for_device(self.limits(), self.batch, self.flush_every);
        run_group(&self.ctx, &self.pipeline, jobs, batching, progress)
    }

    /// Histogram totals of walkers `first..first + walkers` of one point.
    pub fn walker_range(
        &self,
        scenario: &Scenario,
        point: u64,
        first: u64,
        walkers: u64,
        progress: &Progress,
    ) -> Result<Histograms, GpuError> {
        let tables = WalkTables::new(scenario);
        let job = PointJob {
            tables: &tables,
            layout: layout_for(scenario, &tables),
            key: point_key(scenario.seed, point),
            first,
            walkers,
        };
        Ok(self.group(&[job], progress)?.remove(0))
    }

    /// Runs walker ranges (scenario, point index, first walker, walkers) group by group,
    /// sharing dispatches, and hands each range's totals to `done` (index into `ranges`,
    /// in order) as soon as its group has finished.
    pub fn ranges_each<E: From<GpuError>>(
        &self,
        ranges: &[(&Scenario, u64, u64, u64)],
        progress: &Progress,
        mut done: impl FnMut(usize, Histograms) -> Result<(), E>,
    ) -> Result<(), E> {
        let tables: Vec<WalkTables> = ranges.iter().map(|r| WalkTables::new(r.0)).collect();
        let jobs: Vec<PointJob> = ranges
            .iter()
            .zip(&tables)
            .map(|(&(s, point, first, walkers), t)| PointJob {
                tables: t,
                layout: layout_for(s, t),
                key: point_key(s.seed, point),
                first,
                walkers,
            })
            .collect();
        let sizes: Vec<_> = jobs
            .iter()
            .map(|j| (j.layout, j.walkers, j.layout.device_bytes()))
            .collect();
        for group in groups(self.limits(), &sizes) {
            let hists = self.group(&jobs[group.clone()], progress)?;
            for (i, h) in group.zip(hists) {
                done(i, h)?;
            }
        }
        Ok(())
    }

    /// Runs the walker blocks of points group by group, every block of every point of a
    /// group sharing dispatches and read-backs, and hands each job's blocks to `done`
    /// (index into `jobs`, in order) as soon as its group has finished.
    pub fn blocks_each<E: From<GpuError>>(
        &self,
        jobs: &[BlockJob],
        progress: &Progress,
        mut done: impl FnMut(usize, PointBlocks) -> Result<(), E>,
    ) -> Result<(), E> {
        let tables: Vec<WalkTables> = jobs.iter().map(|j| WalkTables::new(j.scenario)).collect();
        let jobs: Vec<BlockPointJob> = jobs
            .iter()
            .zip(&tables)
            .map(|(j, t)| BlockPointJob {
                tables: t,
                layout: layout_for(j.scenario, t),
                key: point_key(j.scenario.seed, j.point),
                blocks: j.blocks.clone(),
                each_block: j.each_block,
            })
            .collect();
        let sizes: Vec<_> = jobs
            .iter()
            .map(|j| {
                let blocks = j.blocks.len() as u64;
                let bytes = block_read_back_bytes(&j.layout, blocks, j.each_block);
                (j.layout, j.blocks.iter().map(|b| b.1).sum(), bytes)
            })
            .collect();
        let batching = Batching::for_device(self.limits(), self.batch, self.flush_every);
        for group in groups(self.limits(), &sizes) {
            let run = &jobs[group.clone()];
            let out = run_blocks(
                &self.ctx,
                &self.pipeline,
                &self.block_sums,
                run,
                batching,
                progress,
            )?;
            for (i, blocks) in group.zip(out) {
                done(i, blocks)?;
            }
        }
        Ok(())
    }
}

/// Walker blocks of one point to run on the GPU.
pub struct BlockJob<'a> {
    pub scenario: &'a Scenario,
    /// The point's index in its sweep (its random streams depend on it).
    pub point: u64,
    /// Each block as (first walker, walkers).
    pub blocks: Vec<(u64, u64)>,
    /// Each block's emission profile is wanted on its own.
    pub each_block: bool,
}
