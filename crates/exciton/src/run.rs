//! A run: every point of a plan (or of one shard of it) through one engine.
//!
//! With an output directory, finished points (and finished walker blocks of long
//! points) go to a checkpoint (`points/`, [`exciton_io::checkpoint`]) as they finish,
//! so an interrupted run keeps them and `--resume` continues it bit for bit; the curves
//! stream into curves.parquet in point order, and results.json is written last.

pub use crate::memory::check_memory;

use crate::engine::{Engine, Job, Outcome};
use crate::error::Error;
use exciton_core::error::Error as CoreError;
use exciton_core::observables::{block_ranges, estimate, BlockResult, EmissionProfile, Estimate};
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::{Plan, SweepPoint};
use exciton_io::checkpoint::{write_records, Checkpoint, Record, Stored, BLOCKS_FILE};
use exciton_io::results::parquet::{Columns, ParamKind};
use exciton_io::results::{
    read_results, PointResult, ResultsWriter, RunResults, ShardInfo, WriteOptions,
};
use exciton_io::shard::{shares, Shard, Share};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Walker-frames of a point above which its walker blocks are checkpointed one by one
/// (about 10 s on one CPU core; less work is cheaper to redo than to store).
pub const BLOCK_CHECKPOINT_WORK: u64 = 1 << 31;

/// Mean time per exact point below which exact points are not checkpointed: storing
/// one costs about what computing it does (a 10^5-point, 20-frame sweep spent half its
/// time writing its checkpoint), so redoing them after an interruption is cheaper.
const CHEAP_EXACT_POINT: std::time::Duration = std::time::Duration::from_millis(1);

/// How [`run_into`] runs and what it writes.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    pub shard: Shard,
    pub write: WriteOptions,
    /// Points with at least this many walker-frames checkpoint each walker block.
    pub block_checkpoint_work: u64,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            shard: Shard::WHOLE,
            write: WriteOptions::default(),
            block_checkpoint_work: BLOCK_CHECKPOINT_WORK,
        }
    }
}

pub(crate) fn point_result(
    scenario: &Scenario,
    p: &SweepPoint,
    estimate: &Estimate,
) -> PointResult {
    let mut r = PointResult::new(scenario, p.parameters.clone(), estimate);
    r.point = p.index;
    if let Some(a) = exciton_core::microscope::observe(scenario, p.index, &estimate.curves) {
        r.apparent_msd_nm2 = a.msd_nm2;
        r.apparent_msd_stderr_nm2 = a.stderr_nm2;
    }
    r
}

/// Runs `points` (on the GPU in groups that share dispatches) and hands each finished
/// point to `done`, in order.
fn run_points(
    points: &[&SweepPoint],
    engine: &Engine,
    progress: &Progress,
    mut done: impl FnMut(&SweepPoint, PointResult) -> Result<(), Error>,
) -> Result<(), Error> {
    let asked: Vec<(&Scenario, u64)> = points.iter().map(|p| (&p.scenario, p.index)).collect();
    engine.estimates_each(&asked, progress, |i, estimate| {
        done(
            points[i],
            point_result(&points[i].scenario, points[i], &estimate),
        )
    })
}

/// Fingerprint of a whole run: every point's hash ([`SweepPoint::hash`]).
pub fn run_hash(plan: &Plan, exact: bool) -> String {
    let text: String = plan.points.iter().map(|p| p.hash(exact) + "|").collect();
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{h:016x}")
}

/// The whole points and the walkers of one shard of a plan (for progress displays).
pub fn shard_size(plan: &Plan, exact: bool, shard: Shard) -> (u64, u64) {
    let walkers: Vec<u64> = plan.points.iter().map(|p| p.scenario.walkers).collect();
    let mine = shares(&walkers, exact, shard);
    let points = mine.iter().filter(|s| s.whole).count() as u64;
    let total = mine
        .iter()
        .map(|s| {
            let all = block_ranges(walkers[s.point]);
            s.blocks.iter().map(|&b| all[b].1).sum::<u64>()
        })
        .sum();
    (points, total)
}

/// results.json's fields but the points.
pub fn results_head(plan: &Plan, engine: &Engine) -> RunResults {
    RunResults {
        scenario: plan.name.clone(),
        scenario_file: plan.file.display().to_string(),
        backend: engine.kind().name().into(),
        device: engine.device(),
        exciton_mc_version: env!("CARGO_PKG_VERSION").into(),
        displacement: "msd_sites2, msd_occupancy_* (x), msd_y_*, msd_r2_*: integer sites relative to each walker's start on every lattice (the displacement MSD); msd_profile_*: sigma^2(t) - sigma^2(0) of where the photons were emitted (absolute positions, what a camera sees; differs on a finite lattice)".into(),
        sweep_mode: plan.mode,
        figures: plan.figures.clone(),
        units: plan.points.first().map(|p| p.scenario.units),
        scenario_json: Some(plan.source.clone()),
        run_hash: Some(run_hash(plan, matches!(engine, Engine::Exact))),
        shard: None,
        sample: None,
        curves: None,
        points: Vec::new(),
    }
}

/// Runs every point of `plan` in memory.
pub fn run(plan: &Plan, engine: &Engine, progress: &Progress) -> Result<RunResults, Error> {
    let all: Vec<&SweepPoint> = plan.points.iter().collect();
    let mut points = Vec::with_capacity(all.len());
    run_points(&all, engine, progress, |_, r| {
        points.push(r);
        Ok(())
    })?;
    Ok(RunResults {
        points,
        ..results_head(plan, engine)
    })
}

/// The curves file's columns for every point of a plan: swept parameters, states,
/// and the microscope's.
/// The columns of a run's curves file. `exact`: the exact backend, whose points on a
/// homogeneous lattice have their emission, y and <r^2>/2 MSDs as copies of the
/// occupancy MSD along x (`Estimate::exact`), which the file then leaves out.
pub(crate) fn columns(plan: &Plan, exact: bool) -> Columns {
    let params = ParamKind::of(plan.points.iter().map(|p| &p.parameters));
    let mut states: Vec<String> = Vec::new();
    for p in &plan.points {
        for s in &p.scenario.states.names {
            if !states.contains(s) {
                states.push(s.clone());
            }
        }
    }
    Columns {
        params,
        states,
        apparent: plan.points.iter().any(|p| p.scenario.microscope.is_some()),
        copies: exact && plan.points.iter().all(|p| p.scenario.landscape.is_none()),
    }
}

/// What a checkpoint holds for this run, checked against the plan.
#[derive(Default)]
struct Kept {
    points: HashMap<u64, PointResult>,
    blocks: HashMap<u64, BTreeMap<usize, BlockResult>>,
}

fn kept(stored: Stored, plan: &Plan, exact: bool, progress: &Progress) -> Result<Kept, Error> {
    let mut kept = Kept::default();
    for (file, record) in stored {
        let hash = plan
            .points
            .get(record.point() as usize)
            .map(|p| p.hash(exact));
        if hash.as_deref() != Some(record.hash()) {
            return Err(exciton_io::Error::Resume {
                file,
                reason: format!(
                    "point {} was computed from another scenario, walker count, seed or backend (hash {}, {} now); use a new --out, or --force to start over",
                    record.point(),
                    record.hash(),
                    hash.unwrap_or_else(|| "no such point".into())
                ),
            }
            .into());
        }
        let walkers = plan.points[record.point() as usize].scenario.walkers;
        match record {
            Record::Point { point, result, .. } => {
                progress.advance(walkers);
                kept.points.insert(point, *result);
            }
            Record::Block {
                point,
                block,
                result,
                ..
            } => {
                progress.advance(block_ranges(walkers)[block].1);
                kept.blocks.entry(point).or_default().insert(block, *result);
            }
        }
    }
    Ok(kept)
}

/// Finished points handed on in point order, whatever order they finish in (points kept
/// from a checkpoint wait for the ones before them).
struct InOrder<'a> {
    order: Vec<u64>,
    next: usize,
    ready: BTreeMap<u64, PointResult>,
    writer: &'a mut ResultsWriter,
    progress: &'a Progress,
}

impl InOrder<'_> {
    fn push(&mut self, p: PointResult) -> Result<(), Error> {
        self.progress.point_finished();
        self.ready.insert(p.point, p);
        while let Some(&want) = self.order.get(self.next) {
            let Some(p) = self.ready.remove(&want) else {
                break;
            };
            self.writer.push(p)?;
            self.next += 1;
        }
        Ok(())
    }
}

/// The estimate of a point from its blocks, stored and fresh, in block order.
pub(crate) fn combine(
    scenario: &Scenario,
    stored: Option<&BTreeMap<usize, BlockResult>>,
    fresh: Vec<(usize, exciton_core::observables::FrameSums)>,
    fresh_profile: Option<EmissionProfile>,
) -> Estimate {
    let mut sums: BTreeMap<usize, _> = fresh.into_iter().collect();
    let mut profiles: Vec<EmissionProfile> = fresh_profile.into_iter().collect();
    for (&b, r) in stored.into_iter().flatten() {
        sums.insert(b, r.sums.clone());
        profiles.extend(r.profile.clone());
    }
    let sums: Vec<_> = sums.into_values().collect();
    let mut e = estimate(&sums, &exciton_core::observables::readout_of(scenario));
    e.curves.emission_profile =
        EmissionProfile::sum(&profiles).map(|p| p.train(scenario.excitation.as_ref()));
    e
}

/// Runs `options.shard` of `plan` into `dir` (checkpoint, curves.parquet, sweep.csv,
/// results.json). With `resume`, what a checkpoint holds is reused when its hashes
/// match, and a finished run is read back as it is; a mismatch is an error.
pub fn run_into(
    plan: &Plan,
    engine: &Engine,
    progress: &Progress,
    dir: &Path,
    resume: bool,
    options: RunOptions,
) -> Result<RunResults, Error> {
    let exact = matches!(engine, Engine::Exact);
    let mut head = results_head(plan, engine);
    if resume {
        if let Some(done) = finished_run(dir, &head, options.shard)? {
            progress.advance(plan.total_walkers());
            return Ok(done);
        }
    }
    let walkers: Vec<u64> = plan.points.iter().map(|p| p.scenario.walkers).collect();
    let mine: Vec<Share> = shares(&walkers, exact, options.shard);
    let (mut checkpoint, stored) = Checkpoint::open(dir, resume)?;
    let kept = kept(stored, plan, exact, progress)?;

    let mut writer =
        ResultsWriter::create(dir, columns(plan, exact), plan.points.len(), options.write)?;
    let mut partial: Vec<Record> = Vec::new();
    let mut order = InOrder {
        order: mine
            .iter()
            .filter(|s| s.whole)
            .map(|s| s.point as u64)
            .collect(),
        next: 0,
        ready: BTreeMap::new(),
        writer: &mut writer,
        progress,
    };
    let outcome = run_shares(
        plan,
        engine,
        progress,
        &mine,
        &kept,
        options,
        &mut checkpoint,
        &mut order,
        &mut partial,
    );
    let (finished, total) = (order.next + order.ready.len(), order.order.len());
    if let Err(e) = outcome {
        checkpoint.flush()?;
        writer.abandon();
        return Err(match e {
            Error::Core(CoreError::Interrupted) => CoreError::InterruptedSweep {
                finished,
                total,
                dir: dir.to_path_buf(),
            }
            .into(),
            e => e,
        });
    }
    let partial_points: Vec<u64> = mine
        .iter()
        .filter(|s| !s.whole)
        .map(|s| s.point as u64)
        .collect();
    // The shares (13 MB at 10^5 points) are done with before the points are read back.
    drop(mine);
    if !options.shard.is_whole() {
        if !partial.is_empty() {
            write_records(&dir.join(BLOCKS_FILE), &partial)?;
        }
        head.shard = Some(ShardInfo {
            index: options.shard.index,
            count: options.shard.count,
            points_total: plan.points.len() as u64,
            seed: plan.points[0].scenario.seed,
            walkers: plan.points[0].scenario.walkers,
            partial_points,
        });
    }
    let results = writer.finish(head)?;
    checkpoint.remove()?;
    Ok(results)
}

/// A finished run in `dir` (results.json, no checkpoint) of this plan and shard, read
/// back; `None` when the directory holds an unfinished run.
fn finished_run(dir: &Path, head: &RunResults, shard: Shard) -> Result<Option<RunResults>, Error> {
    let file = dir.join("results.json");
    if !file.exists() || dir.join(exciton_io::checkpoint::CHECKPOINT_DIR).exists() {
        return Ok(None);
    }
    let done = read_results(&file)?;
    let same_shard = done.shard.as_ref().map_or(Shard::WHOLE, ShardInfo::shard) == shard;
    if done.run_hash != head.run_hash || !same_shard {
        return Err(exciton_io::Error::Resume {
            file,
            reason: format!(
                "holds a finished run of another scenario, walker count, seed, backend or shard (hash {}, {} now); use a new --out, or --force to start over",
                done.run_hash.as_deref().unwrap_or("none"),
                head.run_hash.as_deref().unwrap_or("none"),
            ),
        }
        .into());
    }
    Ok(Some(done))
}

/// The jobs this shard still has to run: points and blocks the checkpoint holds are
/// handed on as they are (whole points to `order`, blocks of cut points to `partial`);
/// with each job, the share it belongs to.
fn jobs_to_run<'a>(
    plan: &'a Plan,
    mine: &'a [Share],
    kept: &Kept,
    options: RunOptions,
    exact: bool,
    order: &mut InOrder,
    partial: &mut Vec<Record>,
) -> Result<(Vec<Job<'a>>, Vec<&'a Share>), Error> {
    let mut jobs = Vec::new();
    let mut job_share = Vec::new();
    for share in mine {
        let p = &plan.points[share.point];
        let index = p.index;
        let stored = kept.blocks.get(&index);
        if share.whole {
            if let Some(r) = kept.points.get(&index) {
                order.push(r.clone())?;
                continue;
            }
        } else {
            for (&block, r) in stored.into_iter().flatten() {
                partial.push(Record::Block {
                    point: index,
                    hash: p.hash(exact),
                    block,
                    result: Box::new(r.clone()),
                });
            }
        }
        let blocks: Vec<usize> = share
            .blocks
            .iter()
            .copied()
            .filter(|b| !stored.is_some_and(|s| s.contains_key(b)))
            .collect();
        if blocks.is_empty() {
            if share.whole {
                let e = combine(&p.scenario, stored, Vec::new(), None);
                order.push(point_result(&p.scenario, p, &e))?;
            }
            continue;
        }
        let work = p
            .scenario
            .walkers
            .saturating_mul(u64::from(p.scenario.frames));
        jobs.push(Job {
            scenario: &p.scenario,
            point: index,
            blocks,
            each_block: !share.whole || work >= options.block_checkpoint_work,
        });
        job_share.push(share);
    }
    Ok((jobs, job_share))
}

/// Runs this shard's shares of the plan, handing finished points to `writer` in order,
/// blocks of points cut across shards to `partial`, and everything to `checkpoint`.
#[allow(clippy::too_many_arguments)]
fn run_shares(
    plan: &Plan,
    engine: &Engine,
    progress: &Progress,
    mine: &[Share],
    kept: &Kept,
    options: RunOptions,
    checkpoint: &mut Checkpoint,
    order: &mut InOrder,
    partial: &mut Vec<Record>,
) -> Result<(), Error> {
    let exact = matches!(engine, Engine::Exact);
    let (jobs, job_share) = jobs_to_run(plan, mine, kept, options, exact, order, partial)?;
    let start = std::time::Instant::now();
    let mut exact_done = 0u32;
    engine.run_jobs(&jobs, progress, |j, outcome| {
        let (job, share) = (&jobs[j], job_share[j]);
        let p = &plan.points[share.point];
        match outcome {
            Outcome::Block(block, result) => {
                let record = Record::Block {
                    point: p.index,
                    hash: p.hash(exact),
                    block,
                    result: Box::new(result),
                };
                checkpoint.add(&record)?;
                if !share.whole {
                    partial.push(record);
                }
                Ok(())
            }
            Outcome::Done { .. } if !share.whole => Ok(()),
            Outcome::Done { sums, profile } => {
                let fresh = job.blocks.iter().copied().zip(sums).collect();
                let e = combine(&p.scenario, kept.blocks.get(&p.index), fresh, profile);
                finished_point(
                    p,
                    point_result(&p.scenario, p, &e),
                    exact,
                    checkpoint,
                    order,
                )
            }
            Outcome::Exact(e) => {
                exact_done += 1;
                let keep = start.elapsed() >= CHEAP_EXACT_POINT * exact_done;
                let result = point_result(&p.scenario, p, &e);
                if !keep {
                    return order.push(result);
                }
                finished_point(p, result, exact, checkpoint, order)
            }
        }
    })?;
    debug_assert_eq!(
        order.next,
        order.order.len(),
        "every whole point was written"
    );
    Ok(())
}

fn finished_point(
    p: &SweepPoint,
    result: PointResult,
    exact: bool,
    checkpoint: &mut Checkpoint,
    order: &mut InOrder,
) -> Result<(), Error> {
    let record = Record::Point {
        point: p.index,
        hash: p.hash(exact),
        result: Box::new(result),
    };
    checkpoint.add(&record)?;
    let Record::Point { result, .. } = record else {
        unreachable!("made as a point")
    };
    order.push(*result)
}
