//! Shards: one run cut into N independent jobs (a SLURM job array) whose outputs
//! `exciton-mc merge` puts back together, bit for bit.
//!
//! The work of a plan is a list of units in order. With at least as many points as
//! shards (or on the exact backend, which has no walkers to cut) a unit is a whole
//! point; otherwise it is one walker block of a point ([`block_ranges`]), the blocks the
//! jackknife already uses, so that a point cut across shards keeps its standard errors
//! bit for bit: the merge has every block's sums, as the unsharded run had. Shard I of N
//! takes units `U I / N .. U (I + 1) / N`.

use exciton_core::observables::block_ranges;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count` (0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// The whole run as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The shard SLURM's job array gives this task: `SLURM_ARRAY_TASK_ID` and
    /// `SLURM_ARRAY_TASK_COUNT` (or, for older SLURMs, `SLURM_ARRAY_TASK_MIN`/`_MAX`).
    /// `var` reads the environment (the binary passes `std::env::var`).
    pub fn from_slurm(var: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let num = |name: &str| -> Result<Option<u32>, String> {
            var(name)
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| format!("{name}={v} is not a whole number"))
                })
                .transpose()
        };
        let index = num("SLURM_ARRAY_TASK_ID")?.ok_or(
            "--shard auto: SLURM_ARRAY_TASK_ID is not set (not inside a SLURM job array; use --shard I/N)",
        )?;
        let count = match num("SLURM_ARRAY_TASK_COUNT")? {
            Some(c) => c,
            None => match (num("SLURM_ARRAY_TASK_MIN")?, num("SLURM_ARRAY_TASK_MAX")?) {
                (Some(0), Some(max)) => max + 1,
                _ => {
                    return Err(
                        "--shard auto: SLURM_ARRAY_TASK_COUNT is not set and the array does not run 0..N-1".into(),
                    )
                }
            },
        };
        Shard::new(index, count)
    }

    pub fn new(index: u32, count: u32) -> Result<Shard, String> {
        if count == 0 {
            return Err("a run cannot be cut into 0 shards".into());
        }
        if index >= count {
            return Err(format!(
                "shard {index} of {count} does not exist: shards are numbered 0 to {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    pub fn is_whole(self) -> bool {
        self.count == 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    /// `I/N`, e.g. `0/4`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard: write I/N (0-based, e.g. 0/4) or auto");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::new(i, n)
    }
}

/// What one shard runs of one point: all of it, or some of its walker blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Share {
    /// Index of the point in the plan.
    pub point: usize,
    /// Indices into the point's [`block_ranges`]; all of them for a whole point.
    pub blocks: Vec<usize>,
    /// The shard holds every block of the point (it writes the point's result).
    pub whole: bool,
}

/// The shares of `shard` in a plan whose points have `walkers[p]` walkers.
pub fn shares(walkers: &[u64], exact: bool, shard: Shard) -> Vec<Share> {
    let (i, n) = (u64::from(shard.index), u64::from(shard.count));
    let points = walkers.len() as u64;
    let all_blocks = |p: usize| (0..block_ranges(walkers[p]).len()).collect::<Vec<_>>();
    if exact || points >= n {
        return (points * i / n..points * (i + 1) / n)
            .map(|p| Share {
                point: p as usize,
                blocks: all_blocks(p as usize),
                whole: true,
            })
            .collect();
    }
    let units: Vec<(usize, usize)> = (0..walkers.len())
        .flat_map(|p| all_blocks(p).into_iter().map(move |b| (p, b)))
        .collect();
    let u = units.len() as u64;
    let mine = &units[(u * i / n) as usize..(u * (i + 1) / n) as usize];
    let mut out: Vec<Share> = Vec::new();
    for &(p, b) in mine {
        match out.last_mut() {
            Some(s) if s.point == p => s.blocks.push(b),
            _ => out.push(Share {
                point: p,
                blocks: vec![b],
                whole: false,
            }),
        }
    }
    for s in &mut out {
        s.whole = s.blocks.len() == block_ranges(walkers[s.point]).len();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit in exactly one shard, for any count.
    fn covered(walkers: &[u64], exact: bool, n: u32) -> Vec<Vec<usize>> {
        let mut seen: Vec<Vec<usize>> = walkers.iter().map(|_| Vec::new()).collect();
        for i in 0..n {
            for s in shares(walkers, exact, Shard::new(i, n).unwrap()) {
                seen[s.point].extend(&s.blocks);
            }
        }
        seen
    }

    #[test]
    fn every_block_of_every_point_lands_in_one_shard() {
        for walkers in [
            vec![1_000_000],
            vec![5_000; 3],
            vec![20_000; 10],
            vec![500, 64_000],
        ] {
            for n in 1..=20 {
                for (p, blocks) in covered(&walkers, false, n).iter().enumerate() {
                    let want: Vec<usize> = (0..block_ranges(walkers[p]).len()).collect();
                    let mut got = blocks.clone();
                    got.sort();
                    assert_eq!(got, want, "point {p} of {walkers:?} over {n} shards");
                    assert_eq!(blocks, &want, "blocks out of order");
                }
            }
        }
    }

    #[test]
    fn sweeps_split_by_points_and_single_points_by_blocks() {
        let s = shares(&[20_000; 10], false, Shard::new(1, 4).unwrap());
        assert_eq!(s.iter().map(|s| s.point).collect::<Vec<_>>(), vec![2, 3, 4]);
        assert!(s.iter().all(|s| s.whole));
        let s = shares(&[1_000_000], false, Shard::new(1, 4).unwrap());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].blocks, vec![4, 5, 6, 7]);
        assert!(!s[0].whole);
        // Exact points are never cut: shards past the points are empty.
        assert!(shares(&[1_000_000], true, Shard::new(1, 4).unwrap()).is_empty());
    }

    #[test]
    fn shard_text_and_slurm_environment() {
        assert_eq!("2/4".parse::<Shard>(), Ok(Shard { index: 2, count: 4 }));
        assert!("4/4".parse::<Shard>().unwrap_err().contains("0 to 3"));
        assert!("x".parse::<Shard>().unwrap_err().contains("I/N"));
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|p| p.0 == k).map(|p| p.1.to_string())
        };
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "8"),
        ]));
        assert_eq!(s, Ok(Shard { index: 3, count: 8 }));
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ]));
        assert_eq!(s, Ok(Shard { index: 1, count: 4 }));
        assert!(Shard::from_slurm(env(&[]))
            .unwrap_err()
            .contains("SLURM_ARRAY_TASK_ID"));
    }
}
