//! The additive statistics of one point, per frame: every curve and scalar is a function
//! of them, and the sums of independent walker blocks add up to the whole, so a block
//! can be left out by subtraction (the jackknife in [`super::uncertainty`], [`super::jackknife`]).

use crate::histogram::{add_moment_diffs, Batch, HistLayout, Histograms, MOMENTS};
use crate::scenario::excitation::PulseTrain;

/// Per-frame sums over a set of walkers, as exact integers: they do not depend on the
/// order they were added in, so a point's sums (and every curve and error from them)
/// are the same bit for bit whether a CPU thread's batches or a GPU's blocks made them.
/// `i128` holds dx^4 (< 2^62 with |dx| < 46341) times any count of walkers there is.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrameSums {
    /// Walkers the sums are over.
    pub walkers: u64,
    /// Frames per curve.
    pub frames: usize,
    /// Exciton states of the model.
    pub states: usize,
    /// Emissions inside the histogram per frame.
    pub emissions: Vec<i128>,
    /// `[k][t]`: sums of dx^(k+1) over frame t's emissions inside the histogram.
    pub emission_dx: [Vec<i128>; 4],
    /// Emissions per frame beyond the histogram's half-width (no dx known).
    pub overflow: Vec<i128>,
    /// `[t * states + s]`: emissions in frame t from state s.
    pub emission_state: Vec<i128>,
    /// `[k][t * states + s]`: walkers in state s at the start of frame t (k = 0), and
    /// their sums of dx, dx^2, dy, dy^2 and signed energy level (k = 1..=5).
    pub occupancy: [Vec<i128>; MOMENTS],
    /// `[k][t]`: emissions at absolute positions x inside `emission_abs` (k = 0), their
    /// sums of x and x^2 (the profile a camera sees), and the emissions beyond the
    /// section (k = 3); zeros without the section.
    #[serde(default)]
    pub profile: [Vec<i128>; 4],
}

impl FrameSums {
    /// The sums of a point's (or a block's) histogram totals over `walkers` walkers.
    pub fn from_histograms(h: &Histograms, walkers: u64) -> Self {
        Self::from_parts(&h.layout, walkers, |i| i128::from(h.counts[i]), &h.moments)
    }

    /// The sums of one CPU thread's batch holding `walkers` walkers: a block's sums are
    /// those of its batches, so no block needs full 64-bit histograms of its own.
    pub(crate) fn from_batch(b: &Batch, layout: &HistLayout, walkers: u64) -> Self {
        let mut moments = vec![0i64; layout.moments_len()];
        add_moment_diffs(&mut moments, layout, &b.diffs);
        Self::from_parts(layout, walkers, |i| i128::from(b.counts[i]), &moments)
    }

    /// From counters (by index in `layout`) and occupancy moments as values.
    fn from_parts(
        layout: &HistLayout,
        walkers: u64,
        count: impl Fn(usize) -> i128,
        moments: &[i64],
    ) -> Self {
        let frames = layout.frames as usize;
        let states = layout.states as usize;
        let half = i64::from(layout.max_dx);
        let width = layout.row_width();
        let mut s = FrameSums::zeros(walkers, frames, states);
        for t in 0..frames {
            let row = layout.emission_offset() + t * width;
            for i in 0..width - 1 {
                let c = count(row + i);
                if c == 0 {
                    continue;
                }
                let x = i128::from(i as i64 - half);
                s.emissions[t] += c;
                let mut p = c;
                for k in 0..4 {
                    p *= x;
                    s.emission_dx[k][t] += p;
                }
            }
            s.overflow[t] = count(row + width - 1);
            if layout.absolute {
                let abs_width = layout.abs_row_width();
                let abs_half = i128::from(layout.abs_half_width());
                let abs_row = layout.emission_abs_offset() + t * abs_width;
                for i in 0..abs_width - 1 {
                    let c = count(abs_row + i);
                    let x = i as i128 - abs_half;
                    s.profile[0][t] += c;
                    s.profile[1][t] += c * x;
                    s.profile[2][t] += c * x * x;
                }
                s.profile[3][t] = count(abs_row + abs_width - 1);
            }
            for st in 0..states {
                let i = t * states + st;
                let m = &moments[i * MOMENTS..][..MOMENTS];
                s.emission_state[i] = count(layout.emission_state_offset() + i);
                for (k, &v) in m.iter().enumerate() {
                    // Sums of squares are u64s stored in i64s (as in Histograms::moments).
                    s.occupancy[k][i] = if k == 2 || k == 4 {
                        i128::from(v as u64)
                    } else {
                        i128::from(v)
                    };
                }
            }
        }
        s
    }

    pub(crate) fn zeros(walkers: u64, frames: usize, states: usize) -> Self {
        let cells = frames * states;
        FrameSums {
            walkers,
            frames,
            states,
            emissions: vec![0; frames],
            emission_dx: std::array::from_fn(|_| vec![0; frames]),
            overflow: vec![0; frames],
            emission_state: vec![0; cells],
            occupancy: std::array::from_fn(|_| vec![0; cells]),
            profile: std::array::from_fn(|_| vec![0; frames]),
        }
    }

    /// Every vector of the sums, in one order (for element-wise arithmetic).
    fn parts_mut(&mut self) -> Vec<&mut Vec<i128>> {
        let mut v = vec![
            &mut self.emissions,
            &mut self.overflow,
            &mut self.emission_state,
        ];
        v.extend(self.emission_dx.iter_mut());
        v.extend(self.occupancy.iter_mut());
        v.extend(self.profile.iter_mut());
        v
    }

    fn combine(&self, other: &FrameSums, sign: i128) -> FrameSums {
        let mut out = self.clone();
        let mut theirs = other.clone();
        for (a, b) in out.parts_mut().into_iter().zip(theirs.parts_mut()) {
            a.iter_mut().zip(b.iter()).for_each(|(x, y)| *x += sign * y);
        }
        out.walkers = if sign > 0 {
            self.walkers + other.walkers
        } else {
            self.walkers - other.walkers
        };
        out
    }

    /// The sums of both sets of walkers together.
    pub fn plus(&self, other: &FrameSums) -> FrameSums {
        self.combine(other, 1)
    }

    /// The sums without `other`'s walkers (a subset of these).
    pub(crate) fn minus(&self, other: &FrameSums) -> FrameSums {
        self.combine(other, -1)
    }

    /// Adds `other`'s walkers into these.
    pub fn add(&mut self, other: &FrameSums) {
        *self = self.plus(other);
    }

    /// The sums of all `blocks` together.
    pub fn total(blocks: &[FrameSums]) -> FrameSums {
        let mut total = blocks[0].clone();
        for b in &blocks[1..] {
            total = total.plus(b);
        }
        total
    }

    /// The sums a detector sees under a pulse train: each frame's sums plus those of
    /// the frames one, two, ... periods later (the excitons of earlier pulses), over
    /// [`PulseTrain::frames_out`] frames.
    pub fn train(&self, t: &PulseTrain) -> FrameSums {
        let out = t.frames_out(self.frames as u32) as usize;
        let per_frame = |v: &Vec<i128>| t.superpose(v, 1, out);
        let per_state = |v: &Vec<i128>| t.superpose(v, self.states, out);
        FrameSums {
            walkers: self.walkers,
            frames: out,
            states: self.states,
            emissions: per_frame(&self.emissions),
            emission_dx: self.emission_dx.each_ref().map(per_frame),
            overflow: per_frame(&self.overflow),
            emission_state: per_state(&self.emission_state),
            occupancy: self.occupancy.each_ref().map(per_state),
            profile: self.profile.each_ref().map(per_frame),
        }
    }

    /// Fraction of the walkers alive at the start of each frame.
    pub fn alive(&self) -> Vec<f64> {
        (0..self.frames)
            .map(|t| {
                let n: i128 = self.occupancy[0][t * self.states..][..self.states]
                    .iter()
                    .sum();
                n as f64 / self.walkers.max(1) as f64
            })
            .collect()
    }

    /// Variance of dx over frame t's emissions (n - 1 in the denominator) and its
    /// standard error from the fourth central moment; `None` with fewer than two
    /// emissions or any outside the histogram.
    pub(crate) fn emission_variance(&self, t: usize) -> Option<(f64, f64)> {
        if self.emissions[t] < 2 || self.overflow[t] > 0 {
            return None;
        }
        let n = self.emissions[t] as f64;
        let [s1, s2, s3, s4] = [0, 1, 2, 3].map(|k| self.emission_dx[k][t] as f64 / n);
        let m2 = (s2 - s1 * s1).max(0.0);
        let m4 = s4 - 4.0 * s1 * s3 + 6.0 * s1 * s1 * s2 - 3.0 * s1.powi(4);
        let var = m2 * n / (n - 1.0);
        Some((var, ((m4 - m2 * m2).max(0.0) / n).sqrt()))
    }

    /// Variance of the absolute position x over frame t's emissions (n - 1 in the
    /// denominator); `None` without the profile, below `min` emissions, or with any
    /// beyond the section (their positions are unknown).
    pub(crate) fn profile_variance(&self, t: usize, min: f64) -> Option<f64> {
        let n = *self.profile[0].get(t)? as f64;
        if n < min.max(2.0) || self.profile[3].get(t).is_some_and(|&o| o > 0) {
            return None;
        }
        let mean = self.profile[1][t] as f64 / n;
        let m2 = (self.profile[2][t] as f64 / n - mean * mean).max(0.0);
        Some(m2 * n / (n - 1.0))
    }
}
