//! The expected emission profile: the displacement distribution itself, propagated
//! state by state over the lattice sites (MODEL.md section 7, "the full x-distribution
//! propagates the same way"), then spread over the initial spot. It is what the virtual
//! microscope images when the exact backend stands in for the Monte Carlo.
//!
//! With one outcome per frame a walker moves at most one site per frame, so the
//! distribution follows a three-point stencil; in continuous time the same uniformized
//! chain the Monte Carlo samples is summed over its Poisson number of events per frame,
//! and each frame's photons are the time integral of the radiative rate over the frame.
//! Tails below [`NEGLIGIBLE`] of a walker are cut as the distribution spreads.

use crate::model::{Clock, WalkTables};

/// Probability (per walker) below which a site at the edge of the distribution is
/// dropped.
const NEGLIGIBLE: f64 = 1e-16;

/// Expected emissions per walker in each frame over absolute x (sites):
/// `counts[t][i]` at x = `x_min_sites + i`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectedProfile {
    /// Position x of each row's first entry, in sites.
    pub x_min_sites: i64,
    /// `counts[t][i]`: expected emissions per walker in frame t at x = `x_min_sites + i`.
    pub counts: Vec<Vec<f64>>,
}

impl ExpectedProfile {
    /// The profile under a pulse train (`None`: one pulse, as it is).
    pub fn train(self, train: Option<&crate::scenario::excitation::PulseTrain>) -> Self {
        let Some(t) = train else { return self };
        let out = t.frames_out(self.counts.len() as u32) as usize;
        ExpectedProfile {
            counts: t.superpose_rows(&self.counts, out),
            ..self
        }
    }
}

/// Per-state distribution over dx on a window `lo..=hi` of a growable array.
struct Distribution {
    /// `p[s][i]`: probability of state s at dx = i - origin.
    p: Vec<Vec<f64>>,
    origin: usize,
    lo: usize,
    hi: usize,
}

impl Distribution {
    fn new(initial: &[f64], room: usize) -> Self {
        let width = 2 * room + 1;
        let p = initial
            .iter()
            .map(|&m| {
                let mut v = vec![0.0; width];
                v[room] = m;
                v
            })
            .collect();
        Distribution {
            p,
            origin: room,
            lo: room,
            hi: room,
        }
    }

    /// Room for one more site on each side (the array doubles when full).
    fn widen(&mut self) {
        // The stencil reads one site beyond the window on each side.
        if self.lo < 2 || self.hi + 2 >= self.p[0].len() {
            let add = self.p[0].len();
            for v in &mut self.p {
                let mut w = vec![0.0; add];
                w.extend_from_slice(v);
                w.resize(w.len() + add, 0.0);
                *v = w;
            }
            self.origin += add;
            self.lo += add;
            self.hi += add;
        }
        self.lo -= 1;
        self.hi += 1;
    }

    /// Drops edge sites that hold a negligible probability in every state.
    fn trim(&mut self) {
        let tiny = |p: &Vec<Vec<f64>>, i: usize| p.iter().all(|v| v[i].abs() < NEGLIGIBLE);
        while self.lo < self.hi && tiny(&self.p, self.lo) {
            self.p.iter_mut().for_each(|v| v[self.lo] = 0.0);
            self.lo += 1;
        }
        while self.hi > self.lo && tiny(&self.p, self.hi) {
            self.p.iter_mut().for_each(|v| v[self.hi] = 0.0);
            self.hi -= 1;
        }
    }

    /// One step of the chain: each state keeps `keep[s]` in place (hops that leave x
    /// alone included), moves +-1 with `x_step[s] / 2` each, and changes state by `to`.
    fn step(&mut self, keep: &[f64], x_step: &[f64], to: &[Vec<f64>], scratch: &mut Vec<Vec<f64>>) {
        self.widen();
        let (lo, hi) = (self.lo, self.hi);
        scratch.resize(self.p.len(), Vec::new());
        for (s, out) in scratch.iter_mut().enumerate() {
            out.clear();
            out.resize(hi - lo + 1, 0.0);
            let v = &self.p[s];
            let (stay, half) = (keep[s] - x_step[s], 0.5 * x_step[s]);
            for i in lo..=hi {
                out[i - lo] = v[i] * stay + half * (v[i - 1] + v[i + 1]);
            }
        }
        for (from, row) in to.iter().enumerate() {
            for (dest, &p) in row.iter().enumerate() {
                if p > 0.0 {
                    for i in lo..=hi {
                        scratch[dest][i - lo] += self.p[from][i] * p;
                    }
                }
            }
        }
        for (v, out) in self.p.iter_mut().zip(scratch.iter()) {
            v[lo..=hi].copy_from_slice(out);
        }
    }

    /// Adds `weight * rad[s] * p[s]` over states into `acc`, whose first entry is site
    /// `acc_lo` of this distribution's arrays.
    fn add_emission(&self, rad: &[f64], weight: f64, acc: &mut [f64], acc_lo: usize) {
        for (s, v) in self.p.iter().enumerate() {
            let w = weight * rad[s];
            if w == 0.0 {
                continue;
            }
            for i in self.lo..=self.hi {
                acc[i - acc_lo] += w * v[i];
            }
        }
    }
}

/// Expected emissions per walker per frame over dx, as (dx of the first entry, rows).
fn dx_profile(tables: &WalkTables, names: &[String], frames: u32) -> (i64, Vec<Vec<f64>>) {
    let st = tables.effective_states(names);
    let x = tables.x_step_probabilities();
    let n = st.len();
    let out: Vec<f64> = (0..n)
        .map(|s| st.radiative[s] + st.nonradiative[s] + st.to[s].iter().sum::<f64>())
        .collect();
    let mut d = Distribution::new(&st.initial, 64);
    let mut scratch = Vec::new();
    let mut rows: Vec<(i64, Vec<f64>)> = Vec::with_capacity(frames as usize);
    match tables.clock {
        Clock::Frames => {
            let keep: Vec<f64> = out.iter().map(|o| 1.0 - o).collect();
            for _ in 0..frames {
                let mut row = vec![0.0; d.hi - d.lo + 1];
                d.add_emission(&st.radiative, 1.0, &mut row, d.lo);
                rows.push((d.lo as i64 - d.origin as i64, row));
                d.step(&keep, &x, &st.to, &mut scratch);
                d.trim();
            }
        }
        Clock::Uniformized {
            lambda_per_ns,
            mean_per_frame,
        } => {
            // The chain of candidate events: rates over lambda.
            let keep: Vec<f64> = out.iter().map(|o| 1.0 - o / lambda_per_ns).collect();
            let xj: Vec<f64> = x.iter().map(|r| r / lambda_per_ns).collect();
            let to: Vec<Vec<f64>> = st
                .to
                .iter()
                .map(|r| r.iter().map(|k| k / lambda_per_ns).collect())
                .collect();
            let (stay, integral) = poisson_weights(mean_per_frame, lambda_per_ns);
            let reach = stay.len();
            for _ in 0..frames {
                // Photons of the frame: sum_k (1/lambda) P(N > k) rad . P^k p over the
                // frame's events; the distribution after it: sum_k P(N = k) P^k p.
                let row_min = d.lo as i64 - d.origin as i64 - reach as i64;
                let mut row = vec![0.0; d.hi - d.lo + 1 + 2 * reach];
                let mut next = Distribution {
                    p: d.p.iter().map(|v| vec![0.0; v.len()]).collect(),
                    ..d
                };
                for _ in 0..reach {
                    next.widen();
                }
                let mut chain = Distribution {
                    p: d.p.clone(),
                    ..d
                };
                for k in 0..reach {
                    for (s, v) in chain.p.iter().enumerate() {
                        let w = integral[k] * st.radiative[s];
                        for (i, &vi) in v.iter().enumerate().take(chain.hi + 1).skip(chain.lo) {
                            let dx = i as i64 - chain.origin as i64;
                            row[(dx - row_min) as usize] += w * vi;
                            next.p[s][(dx + next.origin as i64) as usize] += stay[k] * vi;
                        }
                    }
                    if k + 1 < reach {
                        chain.step(&keep, &xj, &to, &mut scratch);
                    }
                }
                rows.push((row_min, row));
                d = next;
                d.trim();
            }
        }
    }
    // One frame of rows on a common x range.
    let lo = rows.iter().map(|r| r.0).min().unwrap_or(0);
    let hi = rows
        .iter()
        .map(|r| r.0 + r.1.len() as i64 - 1)
        .max()
        .unwrap_or(0);
    let width = (hi - lo + 1).max(1) as usize;
    let counts = rows
        .into_iter()
        .map(|(first, row)| {
            let mut out = vec![0.0; width];
            for (i, v) in row.into_iter().enumerate() {
                out[(first - lo) as usize + i] += v;
            }
            out
        })
        .collect();
    (lo, counts)
}

/// Poisson(`mean`) probabilities P(N = k), and the time each k holds over a frame in ns,
/// (1 / lambda) P(N > k), up to where both are negligible.
fn poisson_weights(mean: f64, lambda_per_ns: f64) -> (Vec<f64>, Vec<f64>) {
    let mut p = (-mean).exp();
    let (mut stay, mut integral) = (Vec::new(), Vec::new());
    let mut below = 0.0;
    let mut k = 0u32;
    loop {
        below += p;
        stay.push(p);
        integral.push((1.0 - below).max(0.0) / lambda_per_ns);
        k += 1;
        // Past the mean, stop once a term no longer counts (1 - below never reaches 0 in
        // floating point).
        if p < 1e-18 && f64::from(k) > mean {
            break;
        }
        p *= mean / f64::from(k);
    }
    (stay, integral)
}

/// The expected emissions per walker per frame over the displacement dx (not yet spread
/// over the spot): `x_min_sites` is the first row entry's dx.
pub(crate) fn expected_dx_profile(
    tables: &WalkTables,
    names: &[String],
    frames: u32,
) -> ExpectedProfile {
    let (x_min_sites, counts) = dx_profile(tables, names, frames);
    ExpectedProfile {
        x_min_sites,
        counts,
    }
}

/// The expected emission profile over absolute x of a point: the dx profile spread
/// over the spot the walkers start from (the table the Monte Carlo draws from).
pub fn expected_profile(tables: &WalkTables, names: &[String], frames: u32) -> ExpectedProfile {
    let (dx_min, rows) = dx_profile(tables, names, frames);
    let spot = tables.spot.probabilities();
    let radius = tables.spot.radius as i64;
    let width = rows.first().map_or(1, Vec::len) + spot.len() - 1;
    let counts = rows
        .iter()
        .map(|row| {
            let mut out = vec![0.0; width];
            for (i, &v) in row.iter().enumerate() {
                if v == 0.0 {
                    continue;
                }
                for (j, &w) in spot.iter().enumerate() {
                    out[i + j] += v * w;
                }
            }
            out
        })
        .collect();
    ExpectedProfile {
        x_min_sites: dx_min - radius,
        counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use std::path::Path;

    fn scenario(units: &str, states: serde_json::Value) -> Scenario {
        let v = serde_json::json!({
            "name": "profile", "lattice": {"geometry": "paper", "pitch_nm": 7.0},
            "dt_ps": 25.0, "frames": 120, "walkers": 1000, "seed": 1, "units": units,
            "initial": {"sigma_sites": 3.0, "populations": {"bright": 0.5, "dark": 0.5}},
            "states": states
        });
        Scenario::from_value(&v, Path::new("profile.json")).unwrap()
    }

    /// The profile's total and variance growth are the moment recursion's emissions
    /// and MSD: the distribution and its moments propagate the same chain.
    fn agrees_with_the_moments(s: &Scenario) {
        let tables = WalkTables::new(s);
        let c = crate::exact::curves_of(&tables, &s.states.names, s.frames, 1, s.dt_ps, None);
        let p = expected_profile(&tables, &s.states.names, s.frames);
        let moments = |row: &[f64]| {
            let n: f64 = row.iter().sum();
            let m2: f64 = row
                .iter()
                .enumerate()
                .map(|(i, c)| c * ((p.x_min_sites + i as i64) as f64).powi(2))
                .sum();
            (n, m2 / n)
        };
        let (_, var0) = moments(&p.counts[0]);
        for t in 0..s.frames as usize {
            let (n, var) = moments(&p.counts[t]);
            assert!(
                (n - c.emissions[t]).abs() < 1e-12 * c.emissions[t].max(1e-9),
                "frame {t}: {n} vs {}",
                c.emissions[t]
            );
            let msd = c.msd[t].unwrap();
            assert!(
                (var - var0 - msd).abs() < 1e-9 * msd.max(1.0),
                "frame {t}: {} vs {msd}",
                var - var0
            );
        }
    }

    #[test]
    fn frames_profile_has_the_recursions_moments() {
        agrees_with_the_moments(&scenario(
            "probability_per_frame",
            serde_json::json!({"bright": {"radiative": 0.03, "fret": 0.09, "to": {"dark": 0.15}},
                               "dark": {"radiative": 0.0003, "to": {"bright": 0.01}}}),
        ));
    }

    #[test]
    fn continuous_profile_has_the_ode_moments() {
        agrees_with_the_moments(&scenario(
            "rate_per_ns",
            serde_json::json!({"bright": {"radiative": 1.2, "fret": 3.6, "to": {"dark": 6.0}},
                               "dark": {"radiative": 0.012, "to": {"bright": 0.4}}}),
        ));
    }
}
