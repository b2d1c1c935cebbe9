//! A walker block's additive result, the unit that checkpoints and shards store: its
//! per-frame sums and, when the point records profiles, its emission profile. The
//! blocks of a point give its estimate exactly as a run of the whole point does
//! (`src/run.rs`, `combine`).

use super::{EmissionProfile, FrameSums};
use serde::{Deserialize, Serialize};

/// One walker block of a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlockResult {
    /// The block's per-frame sums.
    pub sums: FrameSums,
    /// The block's emission profile, when the point records profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<EmissionProfile>,
}

impl EmissionProfile {
    /// The profile of the union of the walkers behind `parts`: what [`super::emission_profile`]
    /// gives for their summed histograms (counts add; the x range is the one holding any
    /// count, and a profile with no count at all is the single column at x = 0).
    pub fn sum<'a>(
        parts: impl IntoIterator<Item = &'a EmissionProfile>,
    ) -> Option<EmissionProfile> {
        let parts: Vec<&EmissionProfile> = parts.into_iter().collect();
        let first = parts.first()?;
        let frames = first.counts.len();
        let span = |p: &EmissionProfile| {
            let any = |i: usize| p.counts.iter().any(|row| row[i] > 0);
            let w = p.counts.first().map_or(0, Vec::len);
            let lo = (0..w).find(|&i| any(i))?;
            let hi = (0..w).rev().find(|&i| any(i))?;
            Some((p.x_min_sites + lo as i64, p.x_min_sites + hi as i64))
        };
        let (lo, hi) = parts
            .iter()
            .filter_map(|p| span(p))
            .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
            .unwrap_or((0, 0));
        let mut counts = vec![vec![0u64; (hi - lo + 1) as usize]; frames];
        let mut overflow = vec![0u64; frames];
        for p in &parts {
            for (t, row) in p.counts.iter().enumerate() {
                for (i, &c) in row.iter().enumerate() {
                    if c > 0 {
                        counts[t][(p.x_min_sites + i as i64 - lo) as usize] += c;
                    }
                }
                overflow[t] += p.overflow[t];
            }
        }
        let image = parts
            .iter()
            .filter_map(|p| p.image.clone())
            .reduce(|mut a, b| {
                a.counts
                    .iter_mut()
                    .zip(&b.counts)
                    .for_each(|(a, b)| *a += b);
                a.outside += b.outside;
                a
            });
        Some(EmissionProfile {
            x_min_sites: lo,
            counts,
            overflow,
            image,
        })
    }

    /// The profile under a pulse train (`None`: one pulse, as it is): each frame's
    /// counts plus those one, two, ... periods later.
    pub fn train(self, train: Option<&crate::scenario::excitation::PulseTrain>) -> Self {
        let Some(t) = train else { return self };
        let out = t.frames_out(self.counts.len() as u32) as usize;
        EmissionProfile {
            counts: t.superpose_rows(&self.counts, out),
            overflow: t.superpose(&self.overflow, 1, out),
            ..self
        }
    }
}
