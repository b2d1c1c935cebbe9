//! The walk kernel's landscape, CPU port of `shaders/landscape.wgsl` (appended to
//! `walk.wgsl`), written to be read beside it (MODEL.md section 12): where a walker may go
//! and at what level it arrives.
//!
//! A site's properties are never stored: they come from a counter-based integer hash of
//! (landscape key, x, y) ([`site_hash`]), the same on every device, so a landscape costs
//! no memory and a walker finds its site's energy wherever it is. Energies are
//! fixed-point numbers, levels of kB T / [`LEVELS_PER_KT`](crate::model::landscape::LEVELS_PER_KT), read from a host-built
//! inverse-CDF table ([`crate::model::landscape`]), and hops are accepted with the
//! Miller-Abrahams factor exp(-d / LEVELS_PER_KT) of the level difference d, the product
//! of two `u32` tables: integers only, so the GPU kernel and this port decide alike.

use crate::kernels::rng::splitmix64;
use crate::model::landscape::{
    ACCEPT_HI_LEN, ACCEPT_LO_BITS, LEVEL_ROW, LEVEL_SUB_BITS, LEVEL_TAIL,
};
use crate::scenario::landscape::{Edges, Landscape};
use crate::scenario::DIRECTIONS;

/// Most tries to find a walker a start site (on the lattice, not a void) in the spot;
/// a walker that finds none after this many is never excited (2^-64 with half the
/// sites void).
pub(crate) const START_TRIES: u32 = 64;

/// What `hop_level` returns for a hop that is not made (no level is this low); the
/// shader's `NO_HOP` comes from here, in the prelude.
pub const NO_HOP: i32 = i32::MIN;

/// What `hop_level` returns for a hop off a film with absorbing edges: the exciton is
/// lost (the shader's `LOST`, from the prelude).
pub const LOST: i32 = i32::MIN + 1;

/// What `landscape.wgsl` reads of a point: the film's fields of its `PointParams` and
/// the outcome table, whose level and acceptance tables start at `level_base` and
/// `accept_base`. Only copies: it is built at every hop, and the tables are sliced where
/// they are read (the acceptance only uphill), as the shader indexes them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Film<'a> {
    pub key: u32,
    pub void_threshold: u32,
    pub size_x: u32,
    pub size_y: u32,
    pub layers: u32,
    pub z_side: u32,
    pub edges: u32,
    pub level_base: u32,
    pub accept_base: u32,
    pub outcome: &'a [u32],
}

/// The per-run key of a landscape seed (computed on the host, a parameter of the kernel).
pub fn landscape_key(seed: u64) -> u32 {
    lowbias32((seed as u32) ^ lowbias32(((seed >> 32) as u32) ^ 0x85eb_ca6b))
}

/// The key of the film the walker block starting at walker `first` walks: one film for
/// every block with `realizations: 1`, else one per block (a measurement averages over
/// many spots of a film, i.e. over many draws of the landscape).
pub(crate) fn realization_key(l: &Landscape, first: u64) -> u32 {
    match l.realizations {
        Some(1) => landscape_key(l.seed),
        _ => landscape_key(splitmix64(l.seed ^ splitmix64(first.wrapping_add(0x5eed)))),
    }
}

/// Mirror of `direction`, which unpacks the in-plane step of direction k from the prelude's
/// `DIR_X_BITS` and `DIR_Y_BITS` (two bits each, step + 1).
#[inline(always)]
pub fn direction(k: u32) -> (i32, i32) {
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

/// Mirror of `site_of`: the hash of the site at (x, y, z) (periodic edges: wrapped).
/// Layer z != 0 of a 3D film hashes with its own key ([`layer_key`]); layer 0 is the
/// film's key, so a 2D film is layer 0.
#[inline(always)]
pub(crate) fn site_of(f: &Film, x: i32, y: i32, z: i32) -> u32 {
    let mut layer = z;
    if f.layers != 0 && f.edges == Edges::Periodic as u32 {
        layer = wrap(z, f.layers);
    }
    let key = layer_key(f.key, layer);
    if f.size_x != 0 && f.edges == Edges::Periodic as u32 {
        return site_hash(key, wrap(x, f.size_x), wrap(y, f.size_y));
    }
    site_hash(key, x, y)
}

/// The key of layer z of the film with key `key`: the key itself for layer 0.
#[inline(always)]
pub fn layer_key(key: u32, z: i32) -> u32 {
    if z == 0 {
        return key;
    }
    key ^ lowbias32((z as u32).wrapping_add(LAYER_SALT))
}

/// Mirror of `on_film`: (x, y, z) is on the lattice.
#[inline(always)]
fn on_film(f: &Film, x: i32, y: i32, z: i32) -> bool {
    inside(x, f.size_x) && inside(y, f.size_y) && inside(z, f.layers)
}

/// Mirror of `start_site`: the hash of the site at (x, y, z) and whether it is open, on
/// the lattice and not a void (a start needs both, and the hash once: its level and
/// size class come from it too).
#[inline(always)]
pub(crate) fn start_site(f: &Film, x: i32, y: i32, z: i32) -> (u32, bool) {
    let h = site_of(f, x, y, z);
    let on = f.edges == Edges::Periodic as u32 || on_film(f, x, y, z);
    (h, on && void_draw(h) >= f.void_threshold)
}

/// Mirror of `start_layer`: a start's layer from draw u, uniform over the film's
/// layers, centred on 0.
#[inline(always)]
pub(crate) fn start_layer(f: &Film, u: u32) -> i32 {
    mulhi(u, f.layers) as i32 - (f.layers / 2) as i32
}

/// Mirror of `z_step`: on a 3D landscape, the part of direction k's share (r within
/// `width` draws) that also steps along z: no step, then -1, then +1, each step
/// `z_side` of an in-plane nearest neighbour's share and half of the still
/// direction's. Returns (dz, r within the part, the part's width).
#[inline(always)]
pub(crate) fn z_step(f: &Film, k: u32, r: u32, width: u32) -> (i32, u32, u32) {
    let share = if k < NEAR_DIRS {
        f.z_side
    } else if k == STILL_DIR {
        0x8000_0000
    } else {
        0
    };
    let side = mulhi(width, share);
    let level = width - 2 * side;
    if r < level {
        return (0, r, level);
    }
    if r < level + side {
        return (-1, r - level, side);
    }
    (1, r - level - side, side)
}

/// Mirror of `level_of`: the signed level of the site with hash `h`, read from the
/// inverse-CDF table ([`level_of_draw`]).
#[inline(always)]
pub(crate) fn level_of(f: &Film, h: u32) -> i32 {
    level_of_draw(&f.outcome[f.level_base as usize..], energy_draw(h))
}

/// Mirror of `hop_level`: the level a walker at `level` arrives at by a hop to `to` =
/// (x, y, z), or [`NO_HOP`] (the shader passes the walker and its step). `r` is where
/// the frame's draw lies within the direction's share of `width` draws, uniform over
/// it: below `width x acceptance / 2^32` the hop is accepted.
#[inline(always)]
pub(crate) fn hop_level(f: &Film, to: (i32, i32, i32), level: i32, r: u32, width: u32) -> i32 {
    let (x, y, z) = to;
    if !(f.edges == Edges::Periodic as u32 || on_film(f, x, y, z)) {
        return if f.edges == Edges::Absorbing as u32 {
            LOST
        } else {
            NO_HOP
        };
    }
    // One hash of the arrival site for both its void draw and its energy.
    let h = site_of(f, x, y, z);
    if void_draw(h) < f.void_threshold {
        return NO_HOP;
    }
    let arrive = level_of(f, h);
    let d = arrive - level;
    if d > 0 {
        let accept = acceptance_of(&f.outcome[f.accept_base as usize..], d as u32);
        if r >= mulhi(width, accept) {
            return NO_HOP;
        }
    }
    arrive
}

/// lowbias32's two multipliers (C. Wellons' search for 32-bit hashes of low bias).
pub const LOWBIAS_MUL_A: u32 = 0x7feb_352d;
/// The second of them.
pub const LOWBIAS_MUL_B: u32 = 0x846c_a68b;
/// What a site's y is offset by before it is hashed (so that (x, y) and (y, x) differ).
pub const SITE_Y_SALT: u32 = 0x9e37_79b9;
/// What a site's hash is mixed with to draw whether it is a void.
pub const VOID_SALT: u32 = 0x68bc_21eb;
/// What a site's hash is offset by to draw its energy (independent of the void draw).
pub const ENERGY_SALT: u32 = 0x02e5_be93;

/// Mirror of `lowbias32` in `landscape.wgsl`: a 32-bit integer hash with good avalanche
/// (C. Wellons' lowbias32).
#[inline(always)]
pub fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(LOWBIAS_MUL_A);
    x ^= x >> 15;
    x = x.wrapping_mul(LOWBIAS_MUL_B);
    x ^= x >> 16;
    x
}

/// Mirror of `site_hash`: the site's hash, from which its void and energy draws come.
#[inline(always)]
pub fn site_hash(key: u32, x: i32, y: i32) -> u32 {
    lowbias32(key ^ lowbias32((x as u32) ^ lowbias32((y as u32).wrapping_add(SITE_Y_SALT))))
}

/// What a layer's z is offset by before it is hashed into the layer's key.
pub const LAYER_SALT: u32 = 0x1b87_3593;
/// The in-plane nearest neighbours' directions come first in [`DIRECTIONS`]: 0..4.
pub const NEAR_DIRS: u32 = 4;
/// The direction that leaves (x, y) alone (the hops along z): the last.
pub const STILL_DIR: u32 = DIRECTIONS.len() as u32 - 1;

/// What a site's hash is mixed with to draw its trap's depth class (independent of the
/// void and energy draws).
pub const TRAP_SALT: u32 = 0x3c6e_f372;

/// Mirror of `trap_class`: the depth class of the trap at (x, y, z), uniform over
/// `classes` ([`class_of_hash`], the shader's `mulhi`).
#[inline(always)]
pub(crate) fn trap_class(f: &Film, x: i32, y: i32, z: i32, classes: u32) -> u32 {
    class_of_hash(site_of(f, x, y, z), classes)
}

/// The trap class of the site with hash `h`: the high part of its trap draw x classes.
#[inline(always)]
pub fn class_of_hash(h: u32, classes: u32) -> u32 {
    mulhi(lowbias32(h ^ TRAP_SALT), classes)
}

/// Mirror of `size_row`'s class: the size class of the site with hash `h`, the share
/// of its energy draw ([`size_class_of_draw`]).
#[inline(always)]
pub(crate) fn size_class(h: u32, classes: u32) -> u32 {
    size_class_of_draw(energy_draw(h), classes)
}

/// The size class of energy draw u of `classes`: the high part of u x classes. The
/// energy rises with u and the size falls, so class k holds the draws from k / K to
/// (k + 1) / K, the smallest NCs last.
#[inline(always)]
pub fn size_class_of_draw(u: u32, classes: u32) -> u32 {
    mulhi(u, classes)
}

/// Mirror of `void_draw`: whether a site is a void, a draw independent of its energy.
#[inline(always)]
pub fn void_draw(h: u32) -> u32 {
    lowbias32(h ^ VOID_SALT)
}

/// Mirror of `energy_draw`: the site's energy draw (its size's, with a size spread).
#[inline(always)]
pub fn energy_draw(h: u32) -> u32 {
    lowbias32(h.wrapping_add(ENERGY_SALT))
}

/// Mirror of the table read in `level_of`: the signed level of energy draw u from the
/// inverse-CDF table `levels` ([`crate::model::landscape::LandscapeTables::levels`]). u is folded to v = min(u,
/// !u) (the sign says which tail, and which half of the table); v's leading bit picks a row, its next
/// `LEVEL_SUB_BITS` bits an entry, and the bits below interpolate to the next entry.
#[inline(always)]
pub fn level_of_draw(levels: &[u32], u: u32) -> i32 {
    // All ones for the upper half of the draws, else 0. The fold, the table's half and
    // the sign are taken with it, as the shader's `select`s, not with branches: which
    // half a site's draw lies in is a coin toss at every start and hop, and a core
    // guessed it wrong half the time (cachegrind: a fifth of the landscape's extra
    // mispredicted branches).
    let upper = ((u as i32) >> 31) as u32;
    let v = (u ^ upper).max(1);
    let j = 31 - v.leading_zeros();
    let off = v - (1 << j);
    let (k, frac) = if j > LEVEL_SUB_BITS {
        (
            off >> (j - LEVEL_SUB_BITS),
            off << (32 - (j - LEVEL_SUB_BITS)),
        )
    } else {
        (off << (LEVEL_SUB_BITS - j), 0)
    };
    let i = ((LEVEL_TAIL & !upper) + j * LEVEL_ROW + k) as usize;
    let (t0, t1) = (levels[i], levels[i + 1]);
    let m = (t0 - mulhi(t0 - t1, frac)) as i32;
    // m below the middle, -m above it: (m ^ -1) + 1 = -m.
    let lower = !upper as i32;
    (m ^ lower).wrapping_sub(lower)
}

/// Mirror of the acceptance read in `hop_level`: exp(-d / [`LEVELS_PER_KT`](crate::model::landscape::LEVELS_PER_KT)) of an
/// uphill difference of d > 0 levels as a fraction of 2^32, the product of the high
/// part's and the low part's entries in `acceptance` ([`crate::model::landscape::LandscapeTables::acceptance`]).
#[inline(always)]
pub fn acceptance_of(acceptance: &[u32], d: u32) -> u32 {
    let hi = (d >> ACCEPT_LO_BITS).min(ACCEPT_HI_LEN - 1);
    let lo = d & ((1 << ACCEPT_LO_BITS) - 1);
    mulhi(
        acceptance[hi as usize],
        acceptance[(ACCEPT_HI_LEN + lo) as usize],
    )
}

/// Mirror of `mulhi`: the high 32 bits of a x b, as the shader computes them (in 16-bit
/// halves, without 64-bit integers).
#[inline(always)]
pub(crate) fn mulhi(a: u32, b: u32) -> u32 {
    ((u64::from(a) * u64::from(b)) >> 32) as u32
}
