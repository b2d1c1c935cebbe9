//! The exact backend on a finite landscape: the master equation (MODEL.md section 12).
//!
//! On a periodic or bounded N x M film the expected observables of one realization
//! follow from a linear system over (site, state): the probability and the unwrapped
//! displacement moments (`operator.rs`). One outcome per frame is one sparse step per
//! frame; continuous time is the same uniformized chain the Monte Carlo samples, its
//! frame the Poisson(Lambda dt) mixture of steps, and each frame's photons the time
//! integral of the radiative rate over it, exactly (a step n of the mixture is weighted
//! by P(N > n) / Lambda). The film's expected sums are stored as the Monte Carlo's
//! [`FrameSums`] of [`VIRTUAL_WALKERS`] walkers in fixed point, so one estimator reads
//! both ([`crate::observables::estimate_films`]): the same curves, scalars and
//! film-to-film errors.
//!
//! Realizations are the Monte Carlo's: one film per walker block of the scenario's
//! walkers (keys from the landscape seed and the block's first walker), or the one
//! film of `realizations: 1`.

mod operator;
mod sites;

pub use sites::SiteTable;

use crate::error::Error;
use crate::exact::ExpectedProfile;
use crate::kernels::walk::landscape::{landscape_key, realization_key};
use crate::model::{Clock, WalkTables};
use crate::observables::{block_ranges, estimate_films, readout, Estimate, FrameSums};
use crate::progress::Progress;
use crate::scenario::Scenario;
use operator::{Operator, MOMENTS};

/// The walkers a point's expected sums are scaled to, all films together: large enough
/// that rounding to integers costs nothing a double holds (2^-58 of a walker), small
/// enough that every sum fits (sites^4 x 2^58 < 2^127).
pub const VIRTUAL_WALKERS: f64 = (1u64 << 58) as f64;
/// A Poisson mixture is cut where the probability of more candidates falls below this.
const POISSON_TAIL: f64 = 1e-17;
/// Photons from within one site of a periodic cell's edge, beyond which the folded
/// emission profile is flagged.
const SEAM_FRACTION: f64 = 1e-6;

/// The films of a point: (key, walkers of its block).
pub fn films(s: &Scenario) -> Vec<(u32, u64)> {
    let l = s.landscape.as_ref().expect("films of a landscape");
    if l.realizations == Some(1) {
        return vec![(landscape_key(l.seed), s.walkers)];
    }
    block_ranges(s.walkers)
        .into_iter()
        .map(|(first, n)| (realization_key(l, first), n))
        .collect()
}

/// Bytes the master equation holds for one film of `s`: four moment vectors (the
/// state, the next, a step's input and output) and the step's tables per site. The
/// films solved at once on `threads` cores each hold as much.
pub fn memory_bytes(s: &Scenario, threads: usize) -> u64 {
    let Some(n) = s.landscape.as_ref().and_then(|l| l.size) else {
        return 0;
    };
    let sites = u64::from(n[0]) * u64::from(n[1]);
    let states = s.states.len() as u64;
    let per_site = 4 * states * MOMENTS as u64 * 8 + 8 * 16 + states * 8 + 64;
    let at_once = threads.clamp(1, films(s).len()) as u64;
    at_once * (sites * per_site + u64::from(s.frames) * sites / 8)
}

/// The expected curves and scalars of a point with a finite landscape, averaged over
/// its films, with the film-to-film standard errors; `threads` cores per film.
pub fn estimate(s: &Scenario, threads: usize, progress: &Progress) -> Result<Estimate, Error> {
    let tables = WalkTables::new(s);
    if tables.geometry.is_3d() {
        return Err(Error::Exact3d {
            file: s.file.clone(),
        });
    }
    let finite = tables.landscape.as_ref().and_then(|l| l.spec.size);
    if finite.is_none() {
        return Err(Error::ExactUnbounded {
            file: s.file.clone(),
            size: suggested_size(s, &tables),
        });
    }
    if let Some(available) = crate::histogram::available_host_memory() {
        let needed = memory_bytes(s, threads);
        if needed > available {
            let sites = finite.map_or(0, |n| u64::from(n[0]) * u64::from(n[1]));
            return Err(Error::ExactMemory {
                file: s.file.clone(),
                sites,
                needed,
                available,
            });
        }
    }
    let films = films(s);
    let solved = solve_films(s, &tables, &films, threads, progress)?;
    let mut sums = Vec::with_capacity(films.len());
    let mut profile: Option<ExpectedProfile> = None;
    let mut seam = 0.0;
    for (solved, &(_, walkers)) in solved.iter().zip(&films) {
        let share = walkers as f64 / s.walkers as f64;
        sums.push(solved.sums(VIRTUAL_WALKERS * share, s));
        seam += share * solved.seam;
        let rows = solved.profile_rows(share);
        profile = Some(match profile {
            None => rows,
            Some(mut p) => {
                p.counts.iter_mut().zip(&rows.counts).for_each(|(a, b)| {
                    a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                });
                p
            }
        });
    }
    let mut read = readout(&tables, s.dt_ps);
    read.train = s.excitation;
    read.notes
        .retain(|n| !n.starts_with("landscape.realizations = 1"));
    read.notes.push(notes(s, films.len()));
    if s.records_positions()
        && tables
            .landscape
            .as_ref()
            .is_some_and(|l| !l.spec.absolute_positions())
        && seam > SEAM_FRACTION
    {
        read.notes.push(format!("periodic film: {:.1e} of the photons come from within a site of the cell's edge, where the master equation folds positions into the cell; the emission profile and the microscope's apparent MSD are those of the folded positions (the displacement MSD is not folded): a larger film avoids it", seam));
    }
    let mut e = estimate_films(&sums, &read);
    let c = &mut e.curves;
    let to_walkers = s.walkers as f64 / VIRTUAL_WALKERS;
    c.walkers = s.walkers;
    c.emissions.iter_mut().for_each(|x| *x *= to_walkers);
    for row in &mut c.emissions_by_state {
        row.iter_mut().for_each(|x| *x *= to_walkers);
    }
    c.occupancy_walkers
        .iter_mut()
        .for_each(|x| *x *= to_walkers);
    c.expected_profile = profile
        .filter(|_| s.records_positions())
        .map(|p| p.train(s.excitation.as_ref()));
    Ok(e)
}

/// Solves `films` in order. With at least as many films as threads each core takes
/// whole films (a step of a small film is too short to share); otherwise the cores
/// share each film's sites.
fn solve_films(
    s: &Scenario,
    tables: &WalkTables,
    films: &[(u32, u64)],
    threads: usize,
    progress: &Progress,
) -> Result<Vec<Solved>, Error> {
    let workers = threads.clamp(1, films.len().max(1));
    let per_film = (threads / workers).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<std::sync::Mutex<Option<Solved>>> =
        films.iter().map(|_| Default::default()).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= films.len() || progress.cancelled() {
                    return;
                }
                let (key, walkers) = films[i];
                let film = SiteTable::new(tables, key).expect("a finite landscape");
                let solved = solve(s, tables, &film, per_film);
                *done[i].lock().expect("no solver panics") = Some(solved);
                progress.advance(walkers);
            });
        }
    });
    done.into_iter()
        .map(|m| {
            m.into_inner()
                .expect("no solver panics")
                .ok_or(Error::Interrupted)
        })
        .collect()
}

/// What the reader of a master-equation result must know.
fn notes(s: &Scenario, films: usize) -> String {
    if films == 1 {
        let why = if s.landscape.as_ref().and_then(|l| l.realizations) == Some(1) {
            "landscape.realizations = 1"
        } else {
            "fewer than 2000 walkers make one walker block"
        };
        return format!(
            "master equation on one film ({why}): exact for this film, with no film-to-film error"
        );
    }
    format!("master equation on {films} films (those the Monte Carlo's walker blocks walk): exact for each film; the errors are the film-to-film spread of their average")
}

/// A periodic size that holds the spot and the walk's reach: the spot's radius and
/// six standard deviations of the displacement at the run's end, each side.
fn suggested_size(s: &Scenario, tables: &WalkTables) -> u32 {
    let hops: f64 = tables
        .x_step_probabilities()
        .into_iter()
        .fold(0.0, f64::max);
    let per_frame = match tables.clock {
        Clock::Frames => hops,
        Clock::Uniformized { .. } => hops * s.dt_ps * 1e-3,
    };
    let reach = 6.0 * (per_frame * f64::from(s.frames)).sqrt();
    let side = 2.0 * (f64::from(tables.spot.radius) + reach) + 2.0;
    (side / 8.0).ceil() as u32 * 8
}

/// One film's expected moments, frame by frame, per walker.
struct Solved {
    states: usize,
    /// `[t][s][k]`: occupancy at the frame's start: p, m1x, m2x, m1y, m2y, and the
    /// energy-weighted p in Monte Carlo levels.
    occupancy: Vec<Vec<[f64; MOMENTS + 1]>>,
    /// `[t][s]`: photons over the frame, and their sums of dx and dx^2.
    photons: Vec<Vec<[f64; 3]>>,
    /// `[t][x]`: photons over the frame by absolute x, from the film's first column.
    by_x: Vec<Vec<f64>>,
    first_x: i32,
    /// Photons from within one site of the cell's edge, as a fraction of all.
    seam: f64,
}

impl Solved {
    /// The film's sums as `walkers` Monte Carlo walkers would give them in expectation,
    /// in fixed point.
    fn sums(&self, walkers: f64, s: &Scenario) -> FrameSums {
        let frames = self.occupancy.len();
        let n = self.states;
        let mut out = FrameSums::zeros(walkers.round() as u64, frames, n);
        let fixed = |v: f64| (v * walkers).round() as i128;
        for t in 0..frames {
            for st in 0..n {
                let i = t * n + st;
                for (k, &v) in self.occupancy[t][st].iter().enumerate() {
                    out.occupancy[k][i] = fixed(v);
                }
                let [p, m1, m2] = self.photons[t][st];
                out.emission_state[i] = fixed(p);
                out.emissions[t] += fixed(p);
                out.emission_dx[0][t] += fixed(m1);
                out.emission_dx[1][t] += fixed(m2);
            }
            if s.records_positions() {
                for (i, &p) in self.by_x[t].iter().enumerate() {
                    let x = f64::from(self.first_x + i as i32);
                    out.profile[0][t] += fixed(p);
                    out.profile[1][t] += fixed(p * x);
                    out.profile[2][t] += fixed(p * x * x);
                }
            }
        }
        out
    }

    /// The expected profile per walker, weighted by the film's share of the walkers.
    fn profile_rows(&self, share: f64) -> ExpectedProfile {
        ExpectedProfile {
            x_min_sites: i64::from(self.first_x),
            counts: self
                .by_x
                .iter()
                .map(|r| r.iter().map(|v| v * share).collect())
                .collect(),
        }
    }
}

/// Per step of a frame: the weight of the n-th power of the step in the state at the
/// frame's end, and in the frame's photons (P(N > n), the time integral).
fn frame_weights(clock: Clock) -> (Vec<f64>, Vec<f64>) {
    let Clock::Uniformized {
        mean_per_frame: m, ..
    } = clock
    else {
        return (vec![0.0, 1.0], vec![1.0, 0.0]);
    };
    // Forward to where the rest of the Poisson tail (below a geometric series of ratio
    // m / (n + 1)) is negligible, then P(N > n) summed backwards: 1 - (a forward sum)
    // would stall at the double's rounding above the cut.
    let mut at = Vec::new();
    let mut n = 0u32;
    loop {
        let p = if m > 0.0 {
            (-m + f64::from(n) * m.ln() - libm::lgamma(f64::from(n) + 1.0)).exp()
        } else {
            f64::from(u8::from(n == 0))
        };
        at.push(p);
        let k = f64::from(n) + 1.0;
        if k > m + 1.0 && p * k / (k - m) < POISSON_TAIL {
            break;
        }
        n += 1;
    }
    let mut tail = vec![0.0; at.len()];
    for i in (0..at.len() - 1).rev() {
        tail[i] = tail[i + 1] + at[i + 1];
    }
    (at, tail)
}

/// The initial moment vector: each state's initial weight on every site, the site
/// weighted by the spot as the Monte Carlo draws start sites (x and y from the spot
/// table, again while the site is off the film or a void, [`START_TRIES`] tries).
fn initial(tables: &WalkTables, film: &SiteTable, op: &Operator) -> Vec<f64> {
    let spot = tables.spot.probabilities();
    let r = tables.spot.radius as i32;
    let mut start = vec![0.0; film.len()];
    for (a, pa) in spot.iter().enumerate() {
        for (b, pb) in spot.iter().enumerate() {
            if let Some(j) = film
                .index(a as i32 - r, b as i32 - r)
                .filter(|&j| op.open[j])
            {
                start[j] += pa * pb;
            }
        }
    }
    let found: f64 = start.iter().sum();
    let tries = crate::kernels::walk::landscape::START_TRIES as i32;
    let scale = if found > 0.0 {
        (1.0 - (1.0 - found).powi(tries)) / found
    } else {
        0.0
    };
    let names = vec![String::new(); tables.states];
    let first = tables.effective_states(&names).initial;
    let mut v = vec![0.0; film.len() * op.stride()];
    for (j, w) in start.iter().enumerate() {
        for (s, f) in first.iter().enumerate() {
            v[j * op.stride() + s * MOMENTS] = w * scale * f;
        }
    }
    v
}

/// Propagates one film over the scenario's frames.
fn solve(s: &Scenario, tables: &WalkTables, film: &SiteTable, threads: usize) -> Solved {
    let op = Operator::new(tables, film, s.temperature_k);
    let (at, tail) = frame_weights(tables.clock);
    let stride = op.stride();
    let mut v = initial(tables, film, &op);
    let (mut next, mut cur, mut tmp) = (vec![0.0; v.len()], vec![0.0; v.len()], vec![0.0; v.len()]);
    let frames = s.frames as usize;
    let level_mev = film.level_mev;
    let levels: Vec<f64> = (0..film.len())
        .map(|i| {
            if level_mev > 0.0 {
                film.energy_mev(i) / level_mev
            } else {
                0.0
            }
        })
        .collect();
    let edge = |i: usize| {
        let (x, y) = film.position(i);
        let near = |c: i32, first: i32, n: u32| c <= first || c >= first + n as i32 - 1;
        near(x, film.first[0], film.size[0]) || near(y, film.first[1], film.size[1])
    };
    let seam_sites: Vec<bool> = (0..film.len()).map(|i| film.periodic && edge(i)).collect();
    let mut out = Solved {
        states: op.states,
        occupancy: Vec::with_capacity(frames),
        photons: Vec::with_capacity(frames),
        by_x: Vec::with_capacity(frames),
        first_x: film.first[0],
        seam: 0.0,
    };
    let (mut seam, mut all) = (0.0, 0.0);
    let width = film.size[0] as usize;
    for _ in 0..frames {
        let mut occ = vec![[0.0; MOMENTS + 1]; op.states];
        for (j, cell) in v.chunks(stride).enumerate() {
            for (st, o) in occ.iter_mut().enumerate() {
                let c = &cell[st * MOMENTS..][..MOMENTS];
                o.iter_mut().zip(c).for_each(|(o, c)| *o += c);
                o[MOMENTS] += levels[j] * c[0];
            }
        }
        out.occupancy.push(occ);
        let mut photons = vec![[0.0; 3]; op.states];
        let mut by_x = vec![0.0; width];
        next.fill(0.0);
        cur.copy_from_slice(&v);
        for n in 0..at.len() {
            if n > 0 {
                op.apply(&cur, &mut tmp, threads);
                std::mem::swap(&mut cur, &mut tmp);
            }
            if at[n] > 0.0 {
                next.iter_mut().zip(&cur).for_each(|(a, c)| *a += at[n] * c);
            }
            if tail[n] > 0.0 {
                for (j, cell) in cur.chunks(stride).enumerate() {
                    for (st, ph) in photons.iter_mut().enumerate() {
                        let w = tail[n] * op.radiative[st];
                        let c = &cell[st * MOMENTS..];
                        ph[0] += w * c[0];
                        ph[1] += w * c[1];
                        ph[2] += w * c[2];
                        by_x[j % width] += w * c[0];
                        all += w * c[0];
                        if seam_sites[j] {
                            seam += w * c[0];
                        }
                    }
                }
            }
        }
        out.photons.push(photons);
        out.by_x.push(by_x);
        std::mem::swap(&mut v, &mut next);
    }
    out.seam = if all > 0.0 { seam / all } else { 0.0 };
    out
}
