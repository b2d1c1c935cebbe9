//! The walk kernel's per-point parameter struct (twin of `PointParams` in
//! `shaders/walk.wgsl`), the constants it shares with the shader (written into its
//! prelude, so they have one source) and its full WGSL source.

use super::landscape::{
    realization_key, ENERGY_SALT, LAYER_SALT, LOST, LOWBIAS_MUL_A, LOWBIAS_MUL_B, NEAR_DIRS,
    NO_HOP, SITE_Y_SALT, START_TRIES, STILL_DIR, TRAP_SALT, VOID_SALT,
};
use crate::histogram::{HistLayout, DEVICE_MOMENT_COPIES, DEVICE_MOMENT_WORDS};
use crate::model::landscape::LandscapeTables;
use crate::model::landscape::{
    ACCEPT_HI_LEN, ACCEPT_LO_BITS, LEVEL_ROW, LEVEL_SUB_BITS, LEVEL_TAIL,
};
use crate::model::{
    WalkTables, OUTCOME_DIR, OUTCOME_HOP_END, OUTCOME_NONRAD, OUTCOME_RAD, OUTCOME_TO,
};
use crate::scenario::landscape::Edges;
use crate::scenario::DIRECTIONS;
use bytemuck::{Pod, Zeroable};

/// Walkers per workgroup of `walk.wgsl` (`WORKGROUP_SIZE`): dispatches are cut in these.
pub const WORKGROUP_SIZE: u32 = 256;
/// Workgroup memory of `walk.wgsl` for moment differences, in `u32` words.
pub const SHARED_WORDS: u32 = 6144;
/// Words per (frame, state) in that memory.
pub const SHARED_CELL_WORDS: u32 = 8;
/// Most workgroups in one dispatch (the 1D grid limit).
pub const MAX_DISPATCH_GROUPS: u32 = 65_535;
/// Most walkers in one dispatch.
pub const MAX_DISPATCH_WALKERS: u32 = MAX_DISPATCH_GROUPS * WORKGROUP_SIZE;

/// The constants `walk.wgsl` shares with Rust, as WGSL: the shader declares none of them.
pub fn prelude() -> String {
    let mut out = crate::kernels::wgsl_const_i32("NO_HOP", NO_HOP);
    out += &crate::kernels::wgsl_const_i32("LOST", LOST);
    out += &crate::kernels::wgsl_constants(&[
        ("LOWBIAS_MUL_A", LOWBIAS_MUL_A),
        ("LOWBIAS_MUL_B", LOWBIAS_MUL_B),
        ("SITE_Y_SALT", SITE_Y_SALT),
        ("VOID_SALT", VOID_SALT),
        ("ENERGY_SALT", ENERGY_SALT),
        ("TRAP_SALT", TRAP_SALT),
        ("LAYER_SALT", LAYER_SALT),
        ("NEAR_DIRS", NEAR_DIRS),
        ("STILL_DIR", STILL_DIR),
        ("OUTCOME_RAD", OUTCOME_RAD as u32),
        ("OUTCOME_NONRAD", OUTCOME_NONRAD as u32),
        ("OUTCOME_DIR", OUTCOME_DIR as u32),
        ("OUTCOME_HOP_END", OUTCOME_HOP_END as u32),
        ("OUTCOME_TO", OUTCOME_TO as u32),
        ("DIR_X_BITS", direction_bits(|d| d.0)),
        ("DIR_Y_BITS", direction_bits(|d| d.1)),
        ("EDGES_PERIODIC", Edges::Periodic as u32),
        ("EDGES_ABSORBING", Edges::Absorbing as u32),
        ("LEVEL_SUB_BITS", LEVEL_SUB_BITS),
        ("LEVEL_ROW", LEVEL_ROW),
        ("LEVEL_TAIL", LEVEL_TAIL),
        ("ACCEPT_LO_BITS", ACCEPT_LO_BITS),
        ("ACCEPT_HI_LEN", ACCEPT_HI_LEN),
        ("START_TRIES", START_TRIES),
        ("WORKGROUP_SIZE", WORKGROUP_SIZE),
        ("SHARED_WORDS", SHARED_WORDS),
        ("SHARED_CELL_WORDS", SHARED_CELL_WORDS),
        ("GLOBAL_CELL_WORDS", DEVICE_MOMENT_WORDS as u32),
        ("GLOBAL_COPIES", DEVICE_MOMENT_COPIES as u32),
    ]);
    out
}

/// [`DIRECTIONS`]' x (or y) steps packed two bits each (step + 1), direction k at bit
/// 2k: what `direction` in both ports unpacks.
fn direction_bits(axis: impl Fn(&(i32, i32)) -> i32) -> u32 {
    DIRECTIONS
        .iter()
        .enumerate()
        .map(|(k, d)| ((axis(d) + 1) as u32) << (2 * k))
        .sum()
}

/// Full source of the walk kernel: the prelude, the 64-bit-integer generator or the
/// pairs one, the kernel and the landscape's functions.
pub fn walk_source(int64: bool) -> String {
    let rng = if int64 {
        crate::kernels::RNG64_WGSL
    } else {
        crate::kernels::RNG_WGSL
    };
    format!(
        "{}{}\n{rng}\n{}\n{}",
        crate::kernels::rng::prelude(int64),
        prelude(),
        include_str!("../../../shaders/walk.wgsl"),
        include_str!("../../../shaders/landscape.wgsl")
    )
}

/// Frames per chunk of workgroup memory: the cells of `chunk + 1` frames must fit.
pub fn chunk_frames(states: u32) -> u32 {
    SHARED_WORDS / (SHARED_CELL_WORDS * states) - 1
}

/// Where one point's tables start in the concatenated table buffers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableBases {
    /// First entry of the point's `outcome` table (state rows, continuous time's and the landscape's tables).
    pub outcome: u32,
    /// First entry of the point's `initial` table (cumulative initial-state thresholds).
    pub initial: u32,
    /// First entry of the point's `spot` table (cumulative spot-offset thresholds).
    pub spot: u32,
}

/// Parameters of one point's walkers in one dispatch.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Pod, Zeroable)]
pub struct PointParams {
    /// Point key (see [`crate::kernels::rng::point_key`]), low 32 bits.
    pub key_lo: u32,
    /// Point key, high 32 bits.
    pub key_hi: u32,
    /// Global index of this segment's first walker within its point, low 32 bits.
    pub walker_base_lo: u32,
    /// Global index of this segment's first walker, high 32 bits.
    pub walker_base_hi: u32,
    /// Walkers in this segment; invocations past it start dead and record nothing.
    pub walker_count: u32,
    /// First workgroup of this segment in the dispatch.
    pub group_base: u32,
    /// Frames each walker walks (the histograms' time axis).
    pub frames: u32,
    /// Exciton states of the model.
    pub states: u32,
    /// Thresholds per state in the outcome table.
    pub stride: u32,
    /// Half-width of the displacement rows, in sites; |dx| beyond goes to the overflow bin.
    pub max_dx: u32,
    /// Half-width of the `emission_abs` rows, in sites (`max_dx + spot_radius`).
    pub abs_half_width: u32,
    /// Half-width of the spot table, in sites: its entry k is offset `k - spot_radius`.
    pub spot_radius: u32,
    /// Entries of the spot table (`2 spot_radius + 1`).
    pub spot_len: u32,
    /// The state of a draw that passes no initial threshold (only `u32::MAX`).
    pub initial_fallback: u32,
    /// Where this point's state rows start in `outcome`.
    pub outcome_base: u32,
    /// Where this point's initial-state thresholds start in `initial`.
    pub initial_base: u32,
    /// Where this point's spot table starts in `spot`.
    pub spot_base: u32,
    /// First word of this point's batch in the histogram buffer.
    pub hist_base: u32,
    /// Offset of the `emission_abs` section from `hist_base`, in words.
    pub emission_abs_offset: u32,
    /// Offset of the `emission_state` section from `hist_base`, in words.
    pub emission_state_offset: u32,
    /// Offset of the `occupancy` profile section from `hist_base`, in words.
    pub occupancy_offset: u32,
    /// Offset of the moment-difference copies from `hist_base` (the counters' length).
    pub moments_offset: u32,
    /// Frames per chunk of workgroup memory, flushed to the batch after each chunk.
    pub chunk_frames: u32,
    /// 1 when the batch has the `emission_abs` section (`record_profiles`).
    pub absolute: u32,
    /// Continuous time: where the rows' after tables (candidates left in a frame after
    /// its first event, model/clock.rs) start in `outcome`, `after_len` entries a row.
    pub after_base: u32,
    /// Entries of each after table; 0 for one outcome per frame.
    pub after_len: u32,
    /// How far a row's first-event thresholds are from its own in `outcome`, in words
    /// (0 for one outcome per frame: the rows are the frame's one outcome).
    pub first_event_bank: u32,
    /// 1 with a landscape (site energies, voids, a finite lattice), else 0.
    pub landscape: u32,
    /// Key of the landscape realization this block walks, hashed with (x, y) for each
    /// site ([`Self::in_range`]).
    pub land_key: u32,
    /// A site whose void draw is below this is a void.
    pub void_threshold: u32,
    /// Lattice size along x, in sites (0: unbounded).
    pub size_x: u32,
    /// Lattice size along y, in sites (0: unbounded).
    pub size_y: u32,
    /// What happens at the lattice's edges ([`Edges`] as u32).
    pub edges: u32,
    /// Entries of the landscape's level table.
    pub levels: u32,
    /// Where the landscape's inverse-CDF level table starts in `outcome`.
    pub level_base: u32,
    /// Where the landscape's two acceptance tables start in `outcome` (after the levels).
    pub accept_base: u32,
    /// 1 when the batch has the `image` section, else 0.
    pub image: u32,
    /// First frame the image records.
    pub image_frame: u32,
    /// Frames the image records, from `image_frame` on.
    pub image_frames: u32,
    /// Half-width of the image square, in sites.
    pub image_half: u32,
    /// Offset of the `image` section from `hist_base`, in words.
    pub image_offset: u32,
    /// On a landscape with trap depths, the first trap class state: a change into it
    /// goes to the class of the walker's site.
    pub trap_first: u32,
    /// Trap classes per site (0: none, every change goes where its row says).
    pub trap_classes: u32,
    /// Size classes per site with a size spread (0: none): a walker reads the rows of
    /// its site's class, `states` rows apart.
    pub size_classes: u32,
    /// 1 on a 3D landscape (a cubic lattice): hops step along z too, and the walker
    /// tracks its layer.
    pub cubic: u32,
    /// Layers of a 3D film along z (0: unbounded, or 2D).
    pub layers: u32,
    /// On a 3D landscape, the share (of 2^32) of an in-plane nearest neighbour's
    /// direction that also steps along z, each way (`Geometry::z_side_share`).
    pub z_side: u32,
}

const _: () = assert!(std::mem::size_of::<PointParams>() == 188);

impl PointParams {
    /// One point's parameters; [`Self::segment`] sets the walkers of a dispatch.
    pub fn new(
        tables: &WalkTables,
        layout: &HistLayout,
        key: u64,
        bases: TableBases,
        hist_base: u32,
    ) -> Self {
        let p = PointParams {
            key_lo: key as u32,
            key_hi: (key >> 32) as u32,
            walker_base_lo: 0,
            walker_base_hi: 0,
            walker_count: 0,
            group_base: 0,
            frames: layout.frames,
            states: layout.states,
            stride: tables.stride() as u32,
            max_dx: layout.max_dx,
            abs_half_width: layout.abs_half_width(),
            spot_radius: tables.spot.radius,
            spot_len: tables.spot.cumulative.len() as u32,
            initial_fallback: tables.initial_fallback() as u32,
            outcome_base: bases.outcome,
            initial_base: bases.initial,
            spot_base: bases.spot,
            hist_base,
            emission_abs_offset: layout.emission_abs_offset() as u32,
            emission_state_offset: layout.emission_state_offset() as u32,
            occupancy_offset: layout.occupancy_offset() as u32,
            moments_offset: layout.len() as u32,
            chunk_frames: chunk_frames(layout.states),
            absolute: u32::from(layout.absolute),
            after_base: bases.outcome + tables.after_offset() as u32,
            after_len: tables.after_len as u32,
            first_event_bank: tables.first_event_bank() as u32,
            landscape: 0,
            land_key: 0,
            void_threshold: 0,
            size_x: 0,
            size_y: 0,
            edges: 0,
            levels: 0,
            level_base: 0,
            accept_base: 0,
            image: u32::from(layout.image_half.is_some()),
            image_frame: layout.image_frame,
            image_frames: layout.image_frames,
            image_half: layout.image_half.unwrap_or(0),
            image_offset: layout.image_offset() as u32,
            trap_first: tables.site_traps.map_or(0, |t| t.0),
            trap_classes: tables.site_traps.map_or(0, |t| t.1),
            size_classes: if tables.size_classes > 1 {
                tables.size_classes as u32
            } else {
                0
            },
            cubic: 0,
            layers: 0,
            z_side: 0,
        };
        match &tables.landscape {
            Some(l) => p.with_landscape(tables, l, bases),
            None => p,
        }
    }

    /// The same parameters walking the landscape of `l`.
    fn with_landscape(self, tables: &WalkTables, l: &LandscapeTables, bases: TableBases) -> Self {
        let landscape = &l.spec;
        let levels = l.levels.len() as u32;
        let level_base = bases.outcome + tables.landscape_offset() as u32;
        let [size_x, size_y] = landscape.size.unwrap_or([0, 0]);
        PointParams {
            landscape: 1,
            land_key: realization_key(landscape, 0),
            void_threshold: l.void_threshold(),
            size_x,
            size_y,
            edges: landscape.edges as u32,
            levels,
            level_base,
            accept_base: level_base + levels,
            cubic: u32::from(tables.geometry.is_3d()),
            layers: landscape.layers.unwrap_or(0),
            z_side: crate::tables::quantize_cumulative(tables.geometry.z_side_share()),
            ..self
        }
    }

    /// The same point for the walker block (or range) starting at walker `first`: on a
    /// landscape, the film that block walks (`realization_key`).
    pub fn in_range(&self, tables: &WalkTables, first: u64) -> Self {
        match &tables.landscape {
            Some(l) => PointParams {
                land_key: realization_key(&l.spec, first),
                ..*self
            },
            None => *self,
        }
    }

    /// The same point, walkers `walker_base..walker_base + walker_count`, from workgroup
    /// `group_base` of a dispatch.
    pub fn segment(&self, walker_base: u64, walker_count: u32, group_base: u32) -> Self {
        PointParams {
            walker_base_lo: walker_base as u32,
            walker_base_hi: (walker_base >> 32) as u32,
            walker_count,
            group_base,
            ..*self
        }
    }

    pub(super) fn key(&self) -> u64 {
        u64::from(self.key_lo) | (u64::from(self.key_hi) << 32)
    }

    pub(super) fn walker_base(&self) -> u64 {
        u64::from(self.walker_base_lo) | (u64::from(self.walker_base_hi) << 32)
    }
}

/// What one pipeline of `walk.wgsl` compiles, its `override` constants: the optional
/// parts any point of a dispatch needs, and the shape of a pass. A part left out is
/// compiled out, which on llvmpipe (it runs both sides of every branch under a mask)
/// makes a homogeneous per-frame walk as short as before the parts existed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KernelVariant {
    /// Record the full occupancy histograms (`PROFILE`).
    pub profile: bool,
    /// Continuous time (`RATES`).
    pub rates: bool,
    /// A landscape, with its voids, edges, layers, size classes and trap depths
    /// (`LANDSCAPE`).
    pub landscape: bool,
    /// A pass with an event walks all four of its frames, per-frame probabilities only
    /// (`WHOLE_PASSES`: fastest on a GPU); else only its first event's frame (on
    /// llvmpipe). The histograms are the same either way.
    pub whole_passes: bool,
}

impl KernelVariant {
    /// The parts the points of `segments` need, with or without the profile, in passes
    /// of the given shape.
    pub fn of(segments: &[PointParams], profile: bool, whole_passes: bool) -> Self {
        let any = |f: fn(&PointParams) -> u32| segments.iter().any(|p| f(p) != 0);
        KernelVariant {
            profile,
            rates: any(|p| p.after_len),
            landscape: any(|p| p.landscape | p.layers | p.cubic | p.size_classes | p.trap_classes),
            whole_passes,
        }
    }

    /// The shader's `override` constants for this variant.
    pub fn constants(&self) -> [(&'static str, f64); 4] {
        let flag = |on: bool| if on { 1.0 } else { 0.0 };
        [
            ("PROFILE", flag(self.profile)),
            ("RATES", flag(self.rates)),
            ("LANDSCAPE", flag(self.landscape)),
            ("WHOLE_PASSES", flag(self.whole_passes)),
        ]
    }
}

/// The table-driven inputs of the kernel, as bound on the GPU.
pub(crate) struct WalkBindings<'a> {
    pub outcome: &'a [u32],
    pub initial: &'a [u32],
    pub spot: &'a [u32],
    /// The spot table's guide (CPU only: the shader searches the spot by bisection, and
    /// both find the same entry).
    pub spot_guide: &'a [u32],
}

impl<'a> WalkBindings<'a> {
    pub(crate) fn new(tables: &'a WalkTables) -> Self {
        WalkBindings {
            outcome: &tables.outcome,
            initial: &tables.initial,
            spot: &tables.spot.cumulative,
            spot_guide: &tables.spot.guide,
        }
    }
}
