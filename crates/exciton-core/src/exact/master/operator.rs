//! One step of the chain on a finite film, applied to the moment vector: per (site,
//! state) the probability p and the unwrapped displacement moments m1x = E[dx; site,
//! state], m2x = E[dx^2; ...] and the same along y (MODEL.md section 12). A hop i -> j
//! by step e moves p, and m1 += e p, m2 += 2 e m1 + e^2 p: linear, so one step is a
//! sparse matrix applied to the vector, gathered site by site (each site reads its own
//! cell and the cells that hop in) on every core.
//!
//! The step is the Monte Carlo's draw: with one outcome per frame it is the frame; in
//! continuous time it is one uniformized candidate event (the state rows over Lambda),
//! and a frame is the Poisson mixture of its powers.

use super::sites::SiteTable;
use crate::model::{WalkTables, OUTCOME_DIR, OUTCOME_NONRAD, OUTCOME_RAD, OUTCOME_TO};
use crate::scenario::DIRECTIONS;
use crate::tables::threshold_probabilities;
use crate::temperature::KB_MEV_PER_K;

/// Moments per (site, state): p, m1x, m2x, m1y, m2y.
pub(crate) const MOMENTS: usize = 5;
/// Directions that move a walker (the ninth, (0, 0), only exists in 3D, which the
/// master equation refuses).
const MOVES: usize = 8;
/// No site hops in from this direction.
const NONE: u32 = u32::MAX;

/// The step's matrix, stored as what each site gathers.
pub(crate) struct Operator {
    pub(crate) sites: usize,
    pub(crate) states: usize,
    /// Per site and direction k: the site a hop in direction k arrives from ([`NONE`]
    /// when it is off the film or a void), and that hop's acceptance.
    incoming: Vec<[(u32, f64); MOVES]>,
    /// `[s * sites + j]`: probability per step that a walker in s at j stays (nothing
    /// happens, a rejected hop, a change of state into itself excluded).
    stay: Vec<f64>,
    /// Per state, the probability per step of a hop attempt in each direction.
    direction: Vec<[f64; MOVES]>,
    /// `to[class][from][to]`: probability per step of a change of state, per size class
    /// (one without a size spread).
    to: Vec<Vec<Vec<f64>>>,
    /// Per site: its size class (empty without size classes).
    class: Vec<u32>,
    /// Per state, the radiative probability per step.
    pub(crate) radiative: Vec<f64>,
    /// Per site: not a void.
    pub(crate) open: Vec<bool>,
    /// Trap depths per site: the first class state, the classes, and each site's class
    /// (a change into the first class lands in the site's own, as in the walk).
    traps: Option<(usize, usize, Vec<u32>)>,
}

/// Miller-Abrahams: a hop up by `d` kB T is accepted with exp(-d), down always.
fn acceptance(d: f64) -> f64 {
    if d > 0.0 {
        (-d).exp()
    } else {
        1.0
    }
}

impl Operator {
    /// The step of `tables` (either clock) on `film` at `temperature_k`.
    pub(crate) fn new(tables: &WalkTables, film: &SiteTable, temperature_k: Option<f64>) -> Self {
        let sites = film.len();
        let states = tables.states;
        let kt = temperature_k.map_or(f64::INFINITY, |t| KB_MEV_PER_K * t);
        let energy: Vec<f64> = (0..sites).map(|i| film.energy_mev(i)).collect();
        let open: Vec<bool> = film.void.iter().map(|v| !v).collect();
        // Per site and direction: the acceptance of a hop out of it (0 when not made),
        // and with absorbing edges whether it leaves the film (the exciton is lost).
        let mut out = vec![[0.0; MOVES]; sites];
        let mut lost = vec![[0.0; MOVES]; sites];
        let mut incoming = vec![[(NONE, 0.0); MOVES]; sites];
        for i in (0..sites).filter(|&i| open[i]) {
            let (x, y) = film.position(i);
            for (k, &(ex, ey)) in DIRECTIONS[..MOVES].iter().enumerate() {
                let target = film.index(x + ex, y + ey);
                if target.is_none() && film.absorbing {
                    lost[i][k] = 1.0;
                }
                let Some(j) = target.filter(|&j| open[j]) else {
                    continue;
                };
                let a = if film.spec.energy_sigma_mev == 0.0 {
                    1.0
                } else {
                    acceptance((energy[j] - energy[i]) / kt)
                };
                out[i][k] = a;
                incoming[j][k] = (i as u32, a);
            }
        }
        // Decays and hops are every size class's; the changes of state are its own.
        let class = if tables.size_classes > 1 {
            film.size_class.clone()
        } else {
            Vec::new()
        };
        let rows = |k: usize| -> Vec<Vec<f64>> {
            (0..states)
                .map(|s| threshold_probabilities(tables.row(k, s)))
                .collect()
        };
        let to: Vec<Vec<Vec<f64>>> = (0..tables.size_classes)
            .map(|k| {
                rows(k)
                    .into_iter()
                    .map(|p| p[OUTCOME_TO..].to_vec())
                    .collect()
            })
            .collect();
        let mut direction = Vec::with_capacity(states);
        let mut radiative = Vec::with_capacity(states);
        let mut stay = vec![0.0; states * sites];
        for (s, p) in rows(0).into_iter().enumerate() {
            let mut d = [0.0; MOVES];
            d.copy_from_slice(&p[OUTCOME_DIR..OUTCOME_DIR + MOVES]);
            let decay = p[OUTCOME_RAD] + p[OUTCOME_NONRAD];
            for j in (0..sites).filter(|&j| open[j]) {
                let k = class.get(j).map_or(0, |&k| k as usize);
                let leave = decay + to[k][s].iter().sum::<f64>();
                let hops: f64 = d.iter().zip(&out[j]).map(|(d, a)| d * a).sum();
                let gone: f64 = d.iter().zip(&lost[j]).map(|(d, l)| d * l).sum();
                stay[s * sites + j] = 1.0 - leave - hops - gone;
            }
            direction.push(d);
            radiative.push(p[OUTCOME_RAD]);
        }
        Operator {
            sites,
            states,
            incoming,
            stay,
            direction,
            to,
            class,
            radiative,
            open,
            traps: tables
                .site_traps
                .map(|(first, k)| (first as usize, k as usize, film.trap_class.clone())),
        }
    }

    /// The column of `to` that feeds state `s` at site `j`: `s` itself, or for a trap
    /// class the first class's, if `s` is the site's class (`None`: nothing comes in).
    fn source_column(&self, s: usize, j: usize) -> Option<usize> {
        match &self.traps {
            Some((first, k, class)) if (*first..first + k).contains(&s) => {
                (s == first + class[j] as usize).then_some(*first)
            }
            _ => Some(s),
        }
    }

    /// Values per site in the moment vector.
    pub(crate) fn stride(&self) -> usize {
        self.states * MOMENTS
    }

    /// `dst` = this step applied to `src` (both site-major: site, then state, then
    /// moment), the sites split over `threads` cores.
    pub(crate) fn apply(&self, src: &[f64], dst: &mut [f64], threads: usize) {
        let stride = self.stride();
        let per = self.sites.div_ceil(threads.max(1)).max(1024);
        if per >= self.sites {
            self.gather(src, dst, 0);
            return;
        }
        std::thread::scope(|scope| {
            for (c, chunk) in dst.chunks_mut(per * stride).enumerate() {
                scope.spawn(move || self.gather(src, chunk, c * per));
            }
        });
    }

    /// The cells of sites `first..` that `dst` holds.
    fn gather(&self, src: &[f64], dst: &mut [f64], first: usize) {
        let stride = self.stride();
        for (n, cell) in dst.chunks_mut(stride).enumerate() {
            let j = first + n;
            cell.fill(0.0);
            if !self.open[j] {
                continue;
            }
            let own = &src[j * stride..][..stride];
            for s in 0..self.states {
                let o = &mut cell[s * MOMENTS..][..MOMENTS];
                let stay = self.stay[s * self.sites + j];
                for (o, v) in o.iter_mut().zip(&own[s * MOMENTS..][..MOMENTS]) {
                    *o = stay * v;
                }
                for (k, &(i, a)) in self.incoming[j].iter().enumerate() {
                    let w = self.direction[s][k] * a;
                    if i == NONE || w == 0.0 {
                        continue;
                    }
                    let q = &src[i as usize * stride + s * MOMENTS..][..MOMENTS];
                    let (ex, ey) = (f64::from(DIRECTIONS[k].0), f64::from(DIRECTIONS[k].1));
                    o[0] += w * q[0];
                    o[1] += w * (q[1] + ex * q[0]);
                    o[2] += w * (q[2] + 2.0 * ex * q[1] + ex * ex * q[0]);
                    o[3] += w * (q[3] + ey * q[0]);
                    o[4] += w * (q[4] + 2.0 * ey * q[3] + ey * ey * q[0]);
                }
                let Some(column) = self.source_column(s, j) else {
                    continue;
                };
                let to = &self.to[self.class.get(j).map_or(0, |&k| k as usize)];
                for (from, row) in to.iter().enumerate() {
                    let p = row[column];
                    if p > 0.0 {
                        let q = &own[from * MOMENTS..][..MOMENTS];
                        o.iter_mut().zip(q).for_each(|(o, q)| *o += p * q);
                    }
                }
            }
        }
    }
}
