//! Standard errors of a Monte Carlo point by the jackknife over walker blocks.
//!
//! A point's walkers are run as up to [`BLOCKS`] blocks of consecutive indices; each
//! walker has its own random stream, so blocks are independent and their sums add up to
//! the whole bit for bit. Leaving out one block at a time (sums minus the block) gives
//! B estimates of every curve and scalar from (B - 1)/B of the walkers; their spread,
//! scaled by (B - 1)/B, is the variance of the full estimate. Unlike batch means over
//! single blocks this stays right for nonlinear estimators (a crossing time, an argmax,
//! a ratio of sums) because each estimate rests on nearly all the walkers.

use super::jackknife::jackknife;
use super::summary::{summarise, Summary};
use super::{curves_from_sums, Curves, FrameSums, Readout};

/// Most walker blocks of a point: 16 leave-one-out estimates pin a standard error to
/// within ~18 %.
pub(crate) const BLOCKS: u64 = 16;
/// Fewest walkers in a block; smaller runs get fewer blocks (one: no errors).
pub(crate) const MIN_BLOCK_WALKERS: u64 = 1000;

/// The walker blocks of a point, as (first walker, walkers).
pub fn block_ranges(walkers: u64) -> Vec<(u64, u64)> {
    let blocks = (walkers / MIN_BLOCK_WALKERS).clamp(1, BLOCKS);
    (0..blocks)
        .map(|b| {
            let first = walkers * b / blocks;
            (first, walkers * (b + 1) / blocks - first)
        })
        .collect()
}

/// A point's curves and scalars, with their standard errors where the run has them.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The curves, with their per-frame standard errors.
    pub curves: Curves,
    /// The scalars, with their standard errors.
    pub summary: Summary,
}

impl Estimate {
    /// Noise-free curves (the exact backend): scalars without errors. On the homogeneous
    /// lattice the exact backend walks, y and <r^2>/2 are x.
    pub fn exact(mut curves: Curves, dt_ps: f64) -> Self {
        curves.msd_y = curves.msd_occupancy.clone();
        curves.msd_r2 = curves.msd_occupancy.clone();
        curves.derive_local(dt_ps);
        let summary = summarise(&curves, &[], dt_ps);
        Estimate { curves, summary }
    }
}

/// The estimate of a point from its blocks' sums.
pub fn estimate(blocks: &[FrameSums], readout: &Readout) -> Estimate {
    let mut e = estimate_of(blocks, readout, false);
    if blocks.len() < 2 {
        e.summary.warnings.push(format!(
            "{} walkers make one walker block: no standard errors (at least {} walkers for two)",
            e.curves.walkers,
            2 * MIN_BLOCK_WALKERS
        ));
    }
    e
}

/// The estimate of a landscape point from the expected sums of each of its films (the
/// master equation, [`crate::exact::master`]): noise-free curves of the film average,
/// whose standard errors are the film-to-film spread (the jackknife over films, as over
/// the Monte Carlo's walker blocks, each of which walks its own film).
pub fn estimate_films(films: &[FrameSums], readout: &Readout) -> Estimate {
    estimate_of(films, readout, true)
}

/// `noise_free`: every block's sums are expectations, so the curves are exact for
/// their films and only the spread between blocks is an error.
fn estimate_of(blocks: &[FrameSums], readout: &Readout, noise_free: bool) -> Estimate {
    if let Some(train) = &readout.train {
        // Every estimator is a function of the sums: the train's are the delayed sums.
        let one_pulse = FrameSums::total(blocks);
        let mut read = readout.clone();
        read.train = None;
        read.notes
            .extend(train.notes(&one_pulse.alive(), readout.dt_ps));
        let blocks: Vec<FrameSums> = blocks.iter().map(|b| b.train(train)).collect();
        return estimate_of(&blocks, &read, noise_free);
    }
    let total = FrameSums::total(blocks);
    let mut curves = curves_from_sums(&total, readout);
    curves.exact = noise_free;
    let origin = super::profile_origin(&total);
    let leave_out: Vec<Curves> = if blocks.len() < 2 {
        Vec::new()
    } else {
        blocks
            .iter()
            .map(|b| {
                let sums = total.minus(b);
                let mut c = curves_from_sums(&sums, readout);
                c.exact = noise_free;
                if !c.msd_profile.is_empty() {
                    c.msd_profile = super::profile_msd(&sums, origin);
                }
                c
            })
            .collect()
    };
    for t in 0..curves.frames() {
        let per = |pick: fn(&Curves, usize) -> Option<f64>| {
            jackknife(&leave_out.iter().map(|l| pick(l, t)).collect::<Vec<_>>())
        };
        if noise_free {
            // The emissions' spread is not an error of an expectation.
            curves.msd_stderr[t] = curves.msd[t].and(per(|c, t| c.msd[t]));
        }
        curves.intensity_stderr[t] = per(|c, t| Some(c.intensity[t]));
        curves.msd_occupancy_stderr[t] =
            curves.msd_occupancy[t].and(per(|c, t| c.msd_occupancy[t]));
        curves.msd_y_stderr[t] = curves.msd_y[t].and(per(|c, t| c.msd_y[t]));
        curves.msd_r2_stderr[t] = curves.msd_r2[t].and(per(|c, t| c.msd_r2[t]));
        curves.alpha_stderr[t] = curves.alpha[t].and(per(|c, t| c.alpha[t]));
        curves.diffusivity_stderr[t] = curves.diffusivity[t].and(per(|c, t| c.diffusivity[t]));
        curves.mean_energy_stderr_mev[t] =
            curves.mean_energy_mev[t].and(per(|c, t| c.mean_energy_mev[t]));
        if let Some(m) = curves.msd_profile.get(t).copied().flatten() {
            curves.msd_profile_stderr[t] =
                Some(m).and(per(|c, t| c.msd_profile.get(t).copied().flatten()));
        }
    }
    let summary = summarise(&curves, &leave_out, readout.dt_ps);
    Estimate { curves, summary }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_every_walker_once() {
        for walkers in [1, 999, 2000, 16_000, 1_000_003] {
            let b = block_ranges(walkers);
            assert_eq!(b[0].0, 0);
            assert_eq!(b.iter().map(|r| r.1).sum::<u64>(), walkers);
            assert!(b.windows(2).all(|w| w[0].0 + w[0].1 == w[1].0));
            assert!(b.len() as u64 <= BLOCKS);
        }
        assert_eq!(block_ranges(1_000_003).len(), 16);
        assert_eq!(block_ranges(5_500).len(), 5);
    }

    #[test]
    fn the_jackknife_of_a_mean_is_its_standard_error() {
        // Leave-one-out means of x_i: the jackknife gives sd(x) / sqrt(n) exactly.
        let x = [1.0, 4.0, 2.0, 8.0, 5.0];
        let n = x.len() as f64;
        let sum: f64 = x.iter().sum();
        let loo: Vec<Option<f64>> = x.iter().map(|v| Some((sum - v) / (n - 1.0))).collect();
        let mean = sum / n;
        let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let got = jackknife(&loo).unwrap();
        assert!(
            (got - sd / n.sqrt()).abs() < 1e-12,
            "{got} vs {}",
            sd / n.sqrt()
        );
        assert_eq!(jackknife(&[Some(1.0)]), None);
        assert_eq!(jackknife(&[Some(1.0), None]), None);
    }
}
