// The walk kernel's landscape (appended to walk.wgsl): where a walker may go and at
// what level it arrives. A site's properties are never stored: they come from an
// integer hash of (landscape key, x, y, z), the same on every device; energies are
// fixed-point levels read from the inverse-CDF table and hops accepted through the two
// acceptance tables, all in `outcome` (host tables: exciton_core::model::landscape). CPU port:
// crates/exciton-core/src/kernels/walk/landscape.rs.

// NO_HOP, what hop_level returns for a hop that is not made (no level is this low),
// arrives in the prelude.

// C. Wellons' lowbias32: a 32-bit integer hash with good avalanche. Its multipliers and
// the salts below (LOWBIAS_MUL_A/B, SITE_Y_SALT, VOID_SALT, ENERGY_SALT, TRAP_SALT,
// LAYER_SALT) arrive in the
// prelude from kernels/walk/landscape.rs.
fn lowbias32(v: u32) -> u32 {
    var x = v;
    x ^= x >> 16u;
    x *= LOWBIAS_MUL_A;
    x ^= x >> 15u;
    x *= LOWBIAS_MUL_B;
    x ^= x >> 16u;
    return x;
}

fn site_hash(key: u32, x: i32, y: i32) -> u32 {
    return lowbias32(key ^ lowbias32(bitcast<u32>(x) ^ lowbias32(bitcast<u32>(y) + SITE_Y_SALT)));
}

// Two independent draws from a site's hash.
fn void_draw(h: u32) -> u32 {
    return lowbias32(h ^ VOID_SALT);
}

fn energy_draw(h: u32) -> u32 {
    return lowbias32(h + ENERGY_SALT);
}

// The high 32 bits of a * b, in 16-bit halves (no 64-bit integers needed).
fn mulhi(a: u32, b: u32) -> u32 {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let m1 = a1 * b0;
    let m2 = a0 * b1;
    let carry = ((a0 * b0) >> 16u) + (m1 & 0xffffu) + (m2 & 0xffffu);
    return a1 * b1 + (m1 >> 16u) + (m2 >> 16u) + (carry >> 16u);
}

// The in-plane step of direction k, two bits per direction (step + 1) in the prelude's
// DIR_X_BITS and DIR_Y_BITS.
fn direction(k: u32) -> vec2<i32> {
    return vec2<i32>(i32((DIR_X_BITS >> (2u * k)) & 3u) - 1, i32((DIR_Y_BITS >> (2u * k)) & 3u) - 1);
}

// A coordinate on a periodic axis of n sites, into -(n / 2)..n - n / 2.
fn wrap(v: i32, n: u32) -> i32 {
    let half = i32(n / 2u);
    var m = (v + half) % i32(n);
    if (m < 0) {
        m += i32(n);
    }
    return m - half;
}

// Whether coordinate v lies on an axis of n sites (0: unbounded).
fn inside(v: i32, n: u32) -> bool {
    let half = i32(n / 2u);
    return n == 0u || (v >= -half && v < i32(n) - half);
}

// The hash of the site at (x, y, z) (periodic edges: wrapped). Layer z != 0 of a 3D
// film hashes with its own key; layer 0 is the film's key, so a 2D film is layer 0.
fn site_of(p: PointParams, x: i32, y: i32, z: i32) -> u32 {
    var key = p.land_key;
    var layer = z;
    if (p.layers != 0u && p.edges == EDGES_PERIODIC) {
        layer = wrap(z, p.layers);
    }
    if (layer != 0) {
        key ^= lowbias32(bitcast<u32>(layer) + LAYER_SALT);
    }
    if (p.size_x != 0u && p.edges == EDGES_PERIODIC) {
        return site_hash(key, wrap(x, p.size_x), wrap(y, p.size_y));
    }
    return site_hash(key, x, y);
}

// The depth class of the trap at (x, y, z): its trap draw's share of trap_classes.
fn trap_class(p: PointParams, x: i32, y: i32, z: i32) -> u32 {
    return mulhi(lowbias32(site_of(p, x, y, z) ^ TRAP_SALT), p.trap_classes);
}

// The first row of the size class of the site with hash h: the class is its energy
// draw's share of size_classes (0 without a size spread).
fn size_row(p: PointParams, h: u32) -> u32 {
    return mulhi(energy_draw(h), p.size_classes) * p.states;
}

// A start's layer from draw u: uniform over the film's layers, centred on 0.
fn start_layer(p: PointParams, u: u32) -> i32 {
    return i32(mulhi(u, p.layers)) - i32(p.layers / 2u);
}

// (x, y, z) is on the lattice.
fn on_film(p: PointParams, x: i32, y: i32, z: i32) -> bool {
    return inside(x, p.size_x) && inside(y, p.size_y) && inside(z, p.layers);
}

// The hash of the site at (x, y, z) and whether it is open, on the lattice and not a
// void (a start needs both, and the hash once: its level and size class come from it).
struct StartSite {
    hash: u32,
    open: bool,
}

fn start_site(p: PointParams, x: i32, y: i32, z: i32) -> StartSite {
    let h = site_of(p, x, y, z);
    let on = p.edges == EDGES_PERIODIC || on_film(p, x, y, z);
    return StartSite(h, on && void_draw(h) >= p.void_threshold);
}

// On a 3D landscape, the part of direction k's share (r within width draws) that also
// steps along z: no step, then -1, then +1, each step z_side of an in-plane nearest
// neighbour's share and half of the still direction's (the hops along z). Returns
// (dz + 1, r within the part, the part's width).
fn z_step(p: PointParams, k: u32, r: u32, width: u32) -> vec3<u32> {
    var share = 0u;
    if (k < NEAR_DIRS) {
        share = p.z_side;
    } else if (k == STILL_DIR) {
        share = 0x80000000u;
    }
    let side = mulhi(width, share);
    let level = width - 2u * side;
    if (r < level) {
        return vec3<u32>(1u, r, level);
    }
    if (r < level + side) {
        return vec3<u32>(0u, r - level, side);
    }
    return vec3<u32>(2u, r - level - side, side);
}

// A site's signed energy level from its energy draw u: u folded to v = min(u, ~u) (the
// sign says which tail, and which half of the table: the two differ with a size
// spread); v's leading bit picks a row of the inverse-CDF table, its next
// LEVEL_SUB_BITS bits an entry, and the bits below interpolate to the next entry.
fn level_of(p: PointParams, h: u32) -> i32 {
    let u = energy_draw(h);
    let upper = u >= 0x80000000u;
    let v = max(select(u, ~u, upper), 1u);
    let j = firstLeadingBit(v);
    let off = v - (1u << j);
    var k = off << (LEVEL_SUB_BITS - min(j, LEVEL_SUB_BITS));
    var frac = 0u;
    if (j > LEVEL_SUB_BITS) {
        k = off >> (j - LEVEL_SUB_BITS);
        frac = off << (32u - (j - LEVEL_SUB_BITS));
    }
    let i = p.level_base + select(LEVEL_TAIL, 0u, upper) + j * LEVEL_ROW + k;
    let t0 = outcome[i];
    let m = i32(t0 - mulhi(t0 - outcome[i + 1u], frac));
    return select(-m, m, upper);
}


// The level the walker arrives at by the hop s, or NO_HOP. r is where the frame's draw
// lies within the direction's share of `width` draws, uniform over it: below
// width x acceptance / 2^32 the hop is accepted.
fn hop_level(p: PointParams, w: Walker, s: vec3<i32>, r: u32, width: u32) -> i32 {
    let x = w.x0 + w.dx + s.x;
    let y = w.y0 + w.dy + s.y;
    let z = w.z + s.z;
    if (!(p.edges == EDGES_PERIODIC || on_film(p, x, y, z))) {
        return select(NO_HOP, LOST, p.edges == EDGES_ABSORBING);
    }
    // One hash of the arrival site for both its void draw and its energy.
    let h = site_of(p, x, y, z);
    if (void_draw(h) < p.void_threshold) {
        return NO_HOP;
    }
    let level = level_of(p, h);
    let d = level - w.level;
    if (d > 0) {
        // exp(-d / LEVELS_PER_KT) as the product of its high and low parts' tables.
        let hi = min(u32(d) >> ACCEPT_LO_BITS, ACCEPT_HI_LEN - 1u);
        let lo = u32(d) & ((1u << ACCEPT_LO_BITS) - 1u);
        let accept = mulhi(outcome[p.accept_base + hi], outcome[p.accept_base + ACCEPT_HI_LEN + lo]);
        if (r >= mulhi(width, accept)) {
            return NO_HOP;
        }
    }
    return level;
}
