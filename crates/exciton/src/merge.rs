//! `merge`: the output directories of a run's shards (`run --shard I/N`) put back into
//! the output of the unsharded run, bit for bit. Whole points are taken as their shard
//! wrote them; a point cut across shards is estimated from every shard's walker blocks
//! in block order, exactly as the unsharded run estimates it.

use crate::error::Error;
use crate::run::{columns, combine, point_result, run_hash};
use exciton_core::observables::{block_ranges, BlockResult};
use exciton_core::sweep::Plan;
use exciton_io::checkpoint::{read_records, Record, BLOCKS_FILE};
use exciton_io::results::{
    complete_results, parse_results, ResultsWriter, RunResults, ShardInfo, WriteOptions,
};
use exciton_io::Error as IoError;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

fn refuse(dir: &Path, reason: impl Into<String>) -> Error {
    IoError::Merge {
        dir: dir.to_path_buf(),
        reason: reason.into(),
    }
    .into()
}

/// A shard's results.json, read without its curves.
struct ShardHead {
    dir: PathBuf,
    results: RunResults,
    info: ShardInfo,
}

fn read_head(dir: &Path) -> Result<ShardHead, Error> {
    let file = dir.join("results.json");
    if !file.exists() {
        let why = if dir.join("points").is_dir() {
            "the shard has not finished (no results.json, a checkpoint in points/): finish it with `exciton-mc run` and its --shard, adding --resume (or submit shards.sbatch again), then merge"
        } else {
            "no results.json: not the output directory of `run --shard`"
        };
        return Err(refuse(dir, why));
    }
    let text = std::fs::read_to_string(&file)
        .map_err(|e| IoError::io(format!("cannot read {}", file.display()), e))?;
    let results: RunResults = parse_results(&text).map_err(|e| {
        refuse(
            dir,
            format!("results.json is not a results file of exciton-mc ({e})"),
        )
    })?;
    let Some(info) = results.shard.clone() else {
        return Err(refuse(
            dir,
            "holds a whole run, not a shard (made without --shard)",
        ));
    };
    Ok(ShardHead {
        dir: dir.to_path_buf(),
        results,
        info,
    })
}

/// Refuses shards that are not the N parts of one run, saying which and why.
fn check_shards(heads: &[ShardHead]) -> Result<(), Error> {
    let first = &heads[0];
    for h in &heads[1..] {
        let (a, b) = (&first.results, &h.results);
        let other = format!("than {}", first.dir.display());
        let reason = if a.scenario_json != b.scenario_json {
            Some(format!("a different scenario {other}"))
        } else if h.info.seed != first.info.seed {
            Some(format!(
                "seed {} where {} has seed {}",
                h.info.seed,
                first.dir.display(),
                first.info.seed
            ))
        } else if h.info.walkers != first.info.walkers {
            Some(format!(
                "{} walkers per point where {} has {}",
                h.info.walkers,
                first.dir.display(),
                first.info.walkers
            ))
        } else if (a.backend == "exact") != (b.backend == "exact") {
            Some(format!(
                "backend {} cannot be merged with {}'s {}: exact and Monte Carlo results differ",
                b.backend,
                first.dir.display(),
                a.backend
            ))
        } else if h.info.count != first.info.count {
            Some(format!(
                "shard {} of {} where {} is one of {}",
                h.info.index,
                h.info.count,
                first.dir.display(),
                first.info.count
            ))
        } else if a.run_hash != b.run_hash {
            Some(format!(
                "another run (hash {:?}, {:?} there)",
                b.run_hash, a.run_hash
            ))
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(refuse(&h.dir, reason));
        }
    }
    let n = first.info.count;
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    for h in heads {
        if let Some(other) = seen.insert(h.info.index, &h.dir) {
            return Err(refuse(
                &h.dir,
                format!(
                    "shard {}/{n} is given twice (also {})",
                    h.info.index,
                    other.display()
                ),
            ));
        }
    }
    let missing: Vec<String> = (0..n)
        .filter(|i| !seen.contains_key(i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(refuse(
            &first.dir,
            format!(
                "shard {} missing: give all {n} shards' directories",
                missing.join(", ")
            ),
        ));
    }
    Ok(())
}

/// The run's plan, rebuilt from the scenario in results.json with the shards' seed and
/// walker overrides, and checked against the shards' run hash.
fn plan_of(head: &ShardHead) -> Result<Plan, Error> {
    let r = &head.results;
    let Some(source) = &r.scenario_json else {
        return Err(refuse(
            &head.dir,
            "results.json does not hold its scenario (made by an older exciton-mc)",
        ));
    };
    let mut plan = Plan::from_value(source, Path::new(&r.scenario_file))?;
    let first = &plan.points[0].scenario;
    let (seed, walkers) = (
        (first.seed != head.info.seed).then_some(head.info.seed),
        (first.walkers != head.info.walkers).then_some(head.info.walkers),
    );
    for p in &mut plan.points {
        if let Some(s) = seed {
            p.scenario.seed = s;
        }
        if let Some(w) = walkers {
            p.scenario.walkers = w;
        }
    }
    let exact = r.backend == "exact";
    if Some(run_hash(&plan, exact)) != r.run_hash {
        return Err(refuse(
            &head.dir,
            "its scenario, seed and walkers do not give its run hash: results.json was edited",
        ));
    }
    Ok(plan)
}

/// Merges shard directories into `out` (which [`exciton_io::results::prepare_dir`]
/// has prepared); returns the merged results as held in memory.
pub fn merge(dirs: &[PathBuf], out: &Path, write: WriteOptions) -> Result<RunResults, Error> {
    let mut heads = dirs
        .iter()
        .map(|d| read_head(d))
        .collect::<Result<Vec<_>, _>>()?;
    if heads.is_empty() {
        return Err(refuse(out, "no shard directories given"));
    }
    check_shards(&heads)?;
    heads.sort_by_key(|h| h.info.index);
    let plan = plan_of(&heads[0])?;
    let exact = heads[0].results.backend == "exact";

    // Blocks of the points cut across shards, from every shard.
    let mut blocks: HashMap<u64, BTreeMap<usize, BlockResult>> = HashMap::new();
    for h in heads.iter().filter(|h| !h.info.partial_points.is_empty()) {
        let records =
            read_records(&h.dir.join(BLOCKS_FILE)).map_err(|e| refuse(&h.dir, e.to_string()))?;
        for (file, record) in records {
            let Record::Block {
                point,
                hash,
                block,
                result,
            } = record
            else {
                return Err(refuse(
                    &h.dir,
                    format!("{} holds a whole point", file.display()),
                ));
            };
            let want = plan.points.get(point as usize).map(|p| p.hash(exact));
            if want.as_deref() != Some(hash.as_str()) {
                return Err(refuse(
                    &h.dir,
                    format!(
                        "{}: block {block} of point {point} is from another run",
                        file.display()
                    ),
                ));
            }
            if blocks
                .entry(point)
                .or_default()
                .insert(block, *result)
                .is_some()
            {
                return Err(refuse(
                    &h.dir,
                    format!("block {block} of point {point} is in two shards"),
                ));
            }
        }
    }

    let mut writer = ResultsWriter::create(out, columns(&plan, exact), plan.points.len(), write)?;
    let written = write_points(&heads, &plan, &mut blocks, &mut writer);
    let written = match written {
        Ok(n) => n,
        Err(e) => {
            writer.abandon();
            return Err(e);
        }
    };
    if written != plan.points.len() {
        writer.abandon();
        return Err(refuse(
            out,
            format!(
                "the shards hold {written} of the run's {} points",
                plan.points.len()
            ),
        ));
    }
    let mut head = heads[0].results.clone_head();
    head.shard = None;
    head.curves = None;
    head.sample = None;
    head.backend = joined(heads.iter().map(|h| h.results.backend.as_str()), "+");
    head.device = joined(heads.iter().map(|h| h.results.device.as_str()), "; ");
    Ok(writer.finish(head)?)
}

/// Distinct values in first-seen order, joined.
fn joined<'a>(values: impl Iterator<Item = &'a str>, sep: &str) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.join(sep)
}

/// Every point in order: whole points from their shard, cut points from their blocks.
fn write_points(
    heads: &[ShardHead],
    plan: &Plan,
    blocks: &mut HashMap<u64, BTreeMap<usize, BlockResult>>,
    writer: &mut ResultsWriter,
) -> Result<usize, Error> {
    let mut next = 0u64;
    let mut finish_cut =
        |upto: u64, next: &mut u64, writer: &mut ResultsWriter| -> Result<(), Error> {
            while *next < upto {
                let p = &plan.points[*next as usize];
                let Some(got) = blocks.remove(next) else {
                    return Err(refuse(
                        &heads[0].dir,
                        format!("no shard holds point {next}"),
                    ));
                };
                let want = block_ranges(p.scenario.walkers).len();
                if got.len() != want || got.keys().copied().ne(0..want) {
                    let have: Vec<String> = got.keys().map(usize::to_string).collect();
                    return Err(refuse(
                        &heads[0].dir,
                        format!(
                            "point {next} has blocks [{}] of 0..{want}: a shard is missing",
                            have.join(", ")
                        ),
                    ));
                }
                let e = combine(&p.scenario, Some(&got), Vec::new(), None);
                writer.push(point_result(&p.scenario, p, &e))?;
                *next += 1;
            }
            Ok(())
        };
    for h in heads {
        // The head read and checked above, completed with its curves (not read again).
        let mut shard = h.results.clone();
        complete_results(&h.dir, &mut shard)?;
        for point in shard.points {
            finish_cut(point.point, &mut next, writer)?;
            if point.point != next {
                return Err(refuse(
                    &h.dir,
                    format!("point {} is in two shards", point.point),
                ));
            }
            writer.push(point)?;
            next += 1;
        }
    }
    finish_cut(plan.points.len() as u64, &mut next, writer)?;
    Ok(next as usize)
}
