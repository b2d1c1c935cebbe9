//! The sites of one finite film: where each is, whether it is a void, and its energy,
//! read from the same site hash the Monte Carlo walks (`kernels::walk::landscape`), so
//! that the master equation solves the films the walkers see. `exciton-mc landscape`
//! writes this table.

use crate::kernels::walk::landscape::{
    class_of_hash, energy_draw, level_of_draw, site_hash, size_class_of_draw, void_draw,
};
use crate::model::WalkTables;
use crate::scenario::landscape::Edges;
use crate::scenario::landscape::Landscape;
use crate::tables::{normal_quantile, TWO_POW_32};

/// The sites of one realization of a finite landscape, row y then x, from the lattice's
/// first corner ([`crate::scenario::landscape::Landscape::bounds`]).
#[derive(Clone, Debug, PartialEq)]
pub struct SiteTable {
    /// Sites along x and y.
    pub size: [u32; 2],
    /// Coordinate of the first site along x and y (the lattice is centred on the spot).
    pub first: [i32; 2],
    /// The edges: periodic, or a hop off the lattice is not made (or, `absorbing`,
    /// loses the exciton).
    pub periodic: bool,
    /// A hop off the lattice loses the exciton (absorbing edges).
    pub absorbing: bool,
    /// The film's key (`landscape_key` of its seed, or of its walker block's).
    pub key: u32,
    /// Per site: empty (no exciton may sit there).
    pub void: Vec<bool>,
    /// Per site: the standard-normal draw z of its energy; its energy is sigma_E z (or
    /// with a size spread the confinement energy of its size), so the master equation
    /// is smooth in sigma_E.
    pub z: Vec<f64>,
    /// Per site: the signed energy level the Monte Carlo walks (within 1.5 levels of
    /// sigma_E z; a level is kB T / 4096).
    pub level: Vec<i32>,
    /// The landscape as the scenario gives it (sigma_E, the size spread).
    pub spec: Landscape,
    /// Width of a Monte Carlo level, meV (0 without disorder).
    pub level_mev: f64,
    /// Per site: its trap's depth class (empty without trap depths), as the walk draws it.
    pub trap_class: Vec<u32>,
    /// Per site: its size class (empty without a size spread), as the walk draws it.
    pub size_class: Vec<u32>,
    /// Per size class: the factor s_mean / s of its splitting (1 without a size spread).
    pub splitting_scale: Vec<f64>,
}

/// The standard-normal draw behind energy draw u, as the level table reads it: u is
/// folded to v = min(u, !u) (the sign says which tail), v = 0 taking v = 1's value,
/// and |z| = -Phi^-1((v + 1/2) / 2^32).
pub(crate) fn normal_of_draw(u: u32) -> f64 {
    let upper = u >= 0x8000_0000;
    let v = (if upper { !u } else { u }).max(1);
    let magnitude = -normal_quantile((f64::from(v) + 0.5) / TWO_POW_32);
    if upper {
        magnitude
    } else {
        -magnitude
    }
}

impl SiteTable {
    /// The film with key `key` of a point's tables; `None` without a finite landscape.
    pub fn new(tables: &WalkTables, key: u32) -> Option<SiteTable> {
        let l = tables.landscape.as_ref()?;
        let size = l.spec.size?;
        let bounds = l.spec.bounds()?;
        let first = [bounds[0].0, bounds[1].0];
        let threshold = l.void_threshold();
        let sites = size[0] as usize * size[1] as usize;
        let mut table = SiteTable {
            size,
            first,
            periodic: l.spec.edges == Edges::Periodic,
            absorbing: l.spec.edges == Edges::Absorbing,
            key,
            void: Vec::with_capacity(sites),
            z: Vec::with_capacity(sites),
            level: Vec::with_capacity(sites),
            spec: l.spec.clone(),
            level_mev: l.level_mev,
            trap_class: Vec::new(),
            size_class: Vec::new(),
            splitting_scale: l.spec.class_splitting_scale(),
        };
        for y in bounds[1].0..=bounds[1].1 {
            for x in bounds[0].0..=bounds[0].1 {
                let h = site_hash(key, x, y);
                let u = energy_draw(h);
                table.void.push(void_draw(h) < threshold);
                table.z.push(normal_of_draw(u));
                table.level.push(level_of_draw(&l.levels, u));
                if let Some((_, classes)) = tables.site_traps {
                    table.trap_class.push(class_of_hash(h, classes));
                }
                if l.spec.size_classes() > 1 {
                    table
                        .size_class
                        .push(size_class_of_draw(u, l.spec.size_classes()));
                }
            }
        }
        Some(table)
    }

    /// Sites in the film, voids included.
    pub fn len(&self) -> usize {
        self.void.len()
    }

    /// Whether the film has no site (never: a side has at least one).
    pub fn is_empty(&self) -> bool {
        self.void.is_empty()
    }

    /// Coordinates of site `i`.
    pub fn position(&self, i: usize) -> (i32, i32) {
        let n = self.size[0] as usize;
        (
            self.first[0] + (i % n) as i32,
            self.first[1] + (i / n) as i32,
        )
    }

    /// The index of the site at (x, y), wrapped on a periodic film; `None` off the film.
    pub fn index(&self, x: i32, y: i32) -> Option<usize> {
        let mut c = [x - self.first[0], y - self.first[1]];
        for (v, n) in c.iter_mut().zip(self.size) {
            if self.periodic {
                *v = v.rem_euclid(n as i32);
            } else if *v < 0 || *v >= n as i32 {
                return None;
            }
        }
        Some(c[1] as usize * self.size[0] as usize + c[0] as usize)
    }

    /// Energy of site `i` in the master equation, meV: sigma_E z, or with a size spread
    /// the confinement energy of its size.
    pub fn energy_mev(&self, i: usize) -> f64 {
        self.spec.energy_of_normal(self.z[i])
    }

    /// The relative size s / s_mean of site `i` (1 without a size spread).
    pub fn relative_size(&self, i: usize) -> f64 {
        self.spec.relative_size(self.z[i])
    }

    /// The factor s_mean / s of site `i`'s bright-dark splitting: its size class's (1
    /// without a size spread).
    pub fn splitting_scale(&self, i: usize) -> f64 {
        self.size_class
            .get(i)
            .map_or(1.0, |&k| self.splitting_scale[k as usize])
    }

    /// Energy of site `i` as the Monte Carlo walks it (its level), meV.
    pub fn level_energy_mev(&self, i: usize) -> f64 {
        f64::from(self.level[i]) * self.level_mev
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn the_master_equations_energies_are_the_walks_levels_within_one_and_a_half() {
        // sigma 30 meV at 20 K is 17 kB T: 70,000 levels per sigma, so any slip of the
        // sign or the fold would show as thousands of levels.
        let v = serde_json::json!({
            "name": "levels", "lattice": { "geometry": "paper", "pitch_nm": 7.0 }, "dt_ps": 25.0, "frames": 10,
            "walkers": 1000, "seed": 1, "units": "probability_per_frame", "temperature_K": 20.0,
            "initial": { "sigma_sites": 1.0, "populations": { "b": 1.0 } },
            "states": { "b": { "radiative": 0.1, "fret": 0.1 } },
            "landscape": { "seed": 9, "energy_sigma_meV": 30.0, "void_fraction": 0.3,
                           "size": [40, 30], "edges": "reflecting", "realizations": 1 }
        });
        let s = Scenario::from_value(&v, std::path::Path::new("t.json")).unwrap();
        let tables = WalkTables::new(&s);
        let film = SiteTable::new(&tables, 12345).unwrap();
        assert_eq!(film.len(), 1200);
        assert_eq!(film.position(0), (-20, -15));
        assert_eq!(film.index(19, 14), Some(1199));
        assert_eq!(film.index(20, 0), None);
        let mut worst: f64 = 0.0;
        for i in 0..film.len() {
            let d = (film.energy_mev(i) - film.level_energy_mev(i)) / film.level_mev;
            worst = worst.max(d.abs());
        }
        let voids = film.void.iter().filter(|&&v| v).count() as f64 / 1200.0;
        println!("largest difference {worst:.3} levels; voids {voids:.3}");
        assert!(worst <= 1.5, "{worst} levels");
        assert!((voids - 0.3).abs() < 5.0 * (0.3f64 * 0.7 / 1200.0).sqrt());
    }
}
