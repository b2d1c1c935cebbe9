//! The `excitation` block: a train of laser pulses (MODEL.md section 15). At low
//! fluence excitons of different pulses do not meet, so what a detector sees at time t
//! after a pulse is the sum of the single-pulse responses delayed by k periods,
//! S_train(t) = sum_k S(t + k T_rep), k = 0 .. pulses - 1, for every additive per-frame
//! statistic (photons, their displacement moments, occupancies): the run simulates one
//! pulse, and the curves are built from the superposed sums.

use serde::Deserialize;

/// `"excitation": {"repetition_ns": 12.5, "pulses": 8}` as the file gives it.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcitationSpec {
    /// T_rep, ns: a whole number of frames.
    pub repetition_ns: f64,
    /// Pulses whose excitons are summed (this one and the pulses - 1 before it).
    pub pulses: u32,
}

/// A validated pulse train.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, Deserialize)]
pub struct PulseTrain {
    /// T_rep, ns.
    pub repetition_ns: f64,
    /// Pulses summed.
    pub pulses: u32,
    /// T_rep in frames.
    pub period_frames: u32,
}

/// Most pulses a train may sum.
pub const MAX_PULSES: u32 = 10_000;

impl PulseTrain {
    /// Frames the train's curves cover: one period after a pulse, or fewer where the
    /// run ends before the earliest pulse's term does (`frames` of one pulse).
    pub fn frames_out(&self, frames: u32) -> u32 {
        let earlier = u64::from(self.pulses - 1) * u64::from(self.period_frames);
        let left = u64::from(frames).saturating_sub(earlier);
        self.period_frames.min(left as u32)
    }

    /// What the reader must know when the curves cover less than one period.
    pub fn short(&self, frames: u32) -> Option<String> {
        let out = self.frames_out(frames);
        (out < self.period_frames).then(|| {
            format!(
                "pulse train: the run's {frames} frames cover {out} of the period's {} frames for every pulse; the curves stop there (frames = pulses x period covers the whole period)",
                self.period_frames
            )
        })
    }

    /// Frame `t` of the train, rows of `width` values per frame in `v` (one pulse's
    /// `frames` frames): sum over k of row t + k period. `out` frames.
    pub fn superpose<T: Copy + Default + std::ops::AddAssign>(
        &self,
        v: &[T],
        width: usize,
        out: usize,
    ) -> Vec<T> {
        if v.is_empty() {
            return Vec::new();
        }
        let mut train = vec![T::default(); out * width];
        for k in 0..self.pulses as usize {
            let from = k * self.period_frames as usize * width;
            for (a, b) in train.iter_mut().zip(&v[from..from + out * width]) {
                *a += *b;
            }
        }
        train
    }

    /// The same for rows stored one vector per frame.
    pub fn superpose_rows<T: Copy + Default + std::ops::AddAssign>(
        &self,
        rows: &[Vec<T>],
        out: usize,
    ) -> Vec<Vec<T>> {
        (0..out)
            .map(|t| {
                let mut row = vec![T::default(); rows[t].len()];
                for k in 0..self.pulses as usize {
                    let r = &rows[t + k * self.period_frames as usize];
                    row.iter_mut().zip(r).for_each(|(a, b)| *a += *b);
                }
                row
            })
            .collect()
    }

    /// What the reader of a train's curves must know, from one pulse's fraction of
    /// excitons alive at each of its frames: [`Self::unconverged`] and [`Self::short`].
    pub fn notes(&self, alive: &[f64], dt_ps: f64) -> Vec<String> {
        let frames = alive.len() as u32;
        [self.unconverged(alive, dt_ps), self.short(frames)]
            .into_iter()
            .flatten()
            .collect()
    }

    /// Why the sum may not have converged: the fraction of one pulse's excitons still
    /// alive `pulses` periods after it (or at the run's last frame, if that is sooner),
    /// when above 1 %.
    pub fn unconverged(&self, alive: &[f64], dt_ps: f64) -> Option<String> {
        let end = u64::from(self.pulses) * u64::from(self.period_frames);
        let last = (end.min(alive.len() as u64 - 1)) as usize;
        let left = alive[last];
        (left > 0.01).then(|| {
            format!(
                "pulse train: {:.1} % of a pulse's excitons are still alive {:.3} ns after it, where the sum over {} pulses stops: earlier pulses would add more; raise excitation.pulses{}",
                100.0 * left,
                last as f64 * dt_ps * 1e-3,
                self.pulses,
                if last + 1 == alive.len() { " and frames" } else { "" }
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superposes_delayed_rows() {
        let t = PulseTrain {
            repetition_ns: 0.05,
            pulses: 3,
            period_frames: 2,
        };
        assert_eq!(t.frames_out(7), 2);
        assert_eq!(t.frames_out(5), 1);
        assert_eq!(t.frames_out(3), 0);
        let v: Vec<i64> = (0..7).collect();
        assert_eq!(t.superpose(&v, 1, 2), vec![6, 9]);
        let rows: Vec<Vec<f64>> = (0..7).map(|i| vec![i as f64, 1.0]).collect();
        assert_eq!(
            t.superpose_rows(&rows, 2),
            vec![vec![6.0, 3.0], vec![9.0, 3.0]]
        );
        assert!(t
            .unconverged(&[1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.005], 25.0)
            .is_none());
        let why = t
            .unconverged(&[1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4], 25.0)
            .unwrap();
        assert!(why.contains("40.0 %") && why.contains("0.150 ns"), "{why}");
    }
}
