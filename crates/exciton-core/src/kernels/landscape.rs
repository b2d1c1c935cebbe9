//! The walk kernel's landscape functions without the GPU: the CPU port of
//! `shaders/landscape.wgsl` (appended to `walk.wgsl`), written to be read beside it.
//! Where a walker may go and at what level it arrives, from the site hash
//! ([`crate::landscape`]) and the level and acceptance tables in `outcome`.

use super::walk::{PointParams, Walker};
use crate::landscape::{acceptance_of, energy_draw, level_of_draw, mulhi, site_hash, void_draw};
use crate::scenario::DIRECTIONS;

/// What [`hop_level`] returns for a hop that is not made.
pub(super) const NO_HOP: i32 = i32::MIN;

/// Mirror of `direction`, which unpacks the in-plane step of direction k from the prelude's
/// `DIR_X_BITS` and `DIR_Y_BITS` (two bits each, step + 1).
#[inline(always)]
pub(super) fn direction(k: u32) -> (i32, i32) {
    DIRECTIONS[k as usize]
}

/// Mirror of `wrap`: a coordinate on a periodic axis of n sites, into `-(n / 2)..n - n / 2`.
#[inline(always)]
fn wrap(v: i32, n: u32) -> i32 {
    let half = (n / 2) as i32;
    let mut m = (v + half) % n as i32;
    if m < 0 {
        m += n as i32;
    }
    m - half
}

/// Mirror of `inside`: whether coordinate v lies on an axis of n sites (0: unbounded).
#[inline(always)]
fn inside(v: i32, n: u32) -> bool {
    let half = (n / 2) as i32;
    n == 0 || (v >= -half && v < n as i32 - half)
}

/// Mirror of `site_of`: the hash of the site at (x, y) (periodic edges: wrapped).
#[inline(always)]
fn site_of(p: &PointParams, x: i32, y: i32) -> u32 {
    if p.size_x != 0 && p.edges == crate::landscape::Edges::Periodic as u32 {
        return site_hash(p.land_key, wrap(x, p.size_x), wrap(y, p.size_y));
    }
    site_hash(p.land_key, x, y)
}

/// Mirror of `open_site`: (x, y) is on the lattice and not a void.
#[inline(always)]
pub(super) fn open_site(p: &PointParams, x: i32, y: i32) -> bool {
    let periodic = p.edges == crate::landscape::Edges::Periodic as u32;
    if !(periodic || inside(x, p.size_x) && inside(y, p.size_y)) {
        return false;
    }
    void_draw(site_of(p, x, y)) >= p.void_threshold
}

/// Mirror of `level_of`: a site's signed energy level, read from the inverse-CDF table
/// at `level_base` ([`crate::landscape::level_of_draw`]).
#[inline(always)]
fn level_of(p: &PointParams, outcome: &[u32], h: u32) -> i32 {
    level_of_draw(&outcome[p.level_base as usize..], energy_draw(h))
}

/// Mirror of `level_at`: the signed level of the site at (x, y).
#[inline(always)]
pub(super) fn level_at(p: &PointParams, outcome: &[u32], x: i32, y: i32) -> i32 {
    level_of(p, outcome, site_of(p, x, y))
}

/// Mirror of `hop_level`: the level the walker arrives at by the hop s, or [`NO_HOP`].
/// `r` is where the frame's draw lies within the direction's share of `width` draws,
/// uniform over it: below `width x acceptance / 2^32` the hop is accepted.
#[inline(always)]
pub(super) fn hop_level(
    p: &PointParams,
    outcome: &[u32],
    w: &Walker,
    s: (i32, i32),
    r: u32,
    width: u32,
) -> i32 {
    let (x, y) = (w.x0 + w.dx + s.0, w.y0 + w.dy + s.1);
    if !open_site(p, x, y) {
        return NO_HOP;
    }
    let level = level_at(p, outcome, x, y);
    let d = level - w.level;
    if d > 0 {
        let accept = acceptance_of(&outcome[p.accept_base as usize..], d as u32);
        if r >= mulhi(width, accept) {
            return NO_HOP;
        }
    }
    level
}
