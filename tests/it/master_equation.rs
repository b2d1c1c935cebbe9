//! The master equation on a finite landscape (MODEL.md section 12) against answers
//! known without it: the homogeneous exact backend when the film has no disorder, the
//! Monte Carlo on the same film, Boltzmann's mean over the exported sites, site
//! percolation. Each test prints what it compared.

use crate::common::{paper_json, scenario, set};
use exciton::engine::Engine;
use exciton_core::observables::{Curves, Estimate};
use exciton_core::progress::Progress;
use exciton_core::temperature::KB_MEV_PER_K;
use serde_json::{json, Value};

fn exact(v: &Value) -> Estimate {
    Engine::Exact
        .estimate(&scenario(v), 0, &Progress::default())
        .expect("the master equation runs")
}

fn monte_carlo(v: &Value) -> Curves {
    Engine::cpu(2)
        .estimate(&scenario(v), 0, &Progress::default())
        .expect("the run succeeds")
        .curves
}

/// Largest relative difference of two curves over the frames where both are defined,
/// relative to the curve's largest value.
fn worst(a: &[Option<f64>], b: &[Option<f64>]) -> (f64, usize) {
    let scale = b.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut w = (0.0, 0);
    for (t, (a, b)) in a.iter().zip(b).enumerate() {
        let (Some(a), Some(b)) = (a, b) else {
            assert_eq!(a.is_some(), b.is_some(), "frame {t}: defined in one only");
            continue;
        };
        let d = (a - b).abs() / scale;
        if d > w.0 {
            w = (d, t);
        }
    }
    w
}

fn some(v: &[f64]) -> Vec<Option<f64>> {
    v.iter().map(|&x| Some(x)).collect()
}

#[test]
fn without_disorder_a_periodic_film_is_the_homogeneous_exact_backend() {
    // sigma_E = 0, no voids, periodic: the displacements walk as on the unbounded lattice,
    // wrapped or not, so every curve is the moment recursion's to solver precision.
    for units in ["probability_per_frame", "rate_per_ns"] {
        let mut v = paper_json();
        set(&mut v, "units", json!(units));
        set(&mut v, "frames", json!(200));
        set(&mut v, "walkers", json!(1000));
        set(&mut v, "initial.sigma_sites", json!(2.0));
        if units == "rate_per_ns" {
            set(
                &mut v,
                "states",
                json!({
                    "bright": { "radiative": 1.2, "fret": 3.6, "to": { "dark": 6.0 } },
                    "dark": { "radiative": 0.012, "to": { "bright": 0.5 } }
                }),
            );
            set(
                &mut v,
                "initial.populations",
                json!({ "bright": 0.5, "dark": 0.5 }),
            );
        }
        let flat = exact(&v).curves;
        set(
            &mut v,
            "landscape",
            json!({ "size": [24, 24], "edges": "periodic" }),
        );
        let film = exact(&v);
        let c = &film.curves;
        let checks = [
            (
                "intensity",
                worst(&some(&c.intensity), &some(&flat.intensity)),
            ),
            ("emission MSD", worst(&c.msd, &flat.msd)),
            (
                "bright population",
                worst(&some(&c.populations[0]), &some(&flat.populations[0])),
            ),
            (
                "emissions",
                worst(&some(&c.emissions), &some(&flat.emissions)),
            ),
        ];
        for (what, (d, t)) in checks {
            println!("{units}: {what}: largest relative difference {d:.2e} (frame {t})");
            assert!(d < 1e-9, "{units}: {what} differs by {d:.2e} at frame {t}");
        }
        let homogeneous = Estimate::exact(flat, 25.0).summary;
        let (a, b) = (
            film.summary.tau_pl_ps.unwrap(),
            homogeneous.tau_pl_ps.unwrap(),
        );
        println!("{units}: tau_PL {a:.9} ps vs {b:.9} ps");
        assert!((a / b - 1.0).abs() < 1e-9);
    }
}

/// A small disordered film with voids, one realization, for the Monte Carlo to walk.
/// Both states hop: with the paper's immobile dark state the emission-weighted MSD
/// rests, around frame 46, on the ~10 bright walkers still out there (1 % of the
/// photons, a third of the MSD's change), and the Monte Carlo's jackknife error is then
/// too small (seed 2: z = -8.4 along y with 136,000 Kish-effective walkers), a known
/// limit of that estimator, not of the master equation.
fn film(units: &str, edges: &str, walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "units", json!(units));
    set(&mut v, "frames", json!(120));
    set(&mut v, "walkers", json!(walkers));
    set(&mut v, "temperature_K", json!(100.0));
    set(&mut v, "initial.sigma_sites", json!(3.0));
    let states = if units == "rate_per_ns" {
        json!({
            "bright": { "radiative": 1.2, "fret": 6.0, "to": { "dark": 3.0 } },
            "dark": { "radiative": 0.05, "fret": 2.0, "to": { "bright": 1.0 } }
        })
    } else {
        json!({
            "bright": { "radiative": 0.03, "fret": 0.09, "to": { "dark": 0.15 } },
            "dark": { "radiative": 0.003, "fret": 0.03, "to": { "bright": 0.02 } }
        })
    };
    set(&mut v, "states", states);
    set(
        &mut v,
        "initial.populations",
        json!({ "bright": 0.5, "dark": 0.5 }),
    );
    set(
        &mut v,
        "landscape",
        json!({ "seed": 11, "energy_sigma_meV": 15.0, "void_fraction": 0.1,
                "size": [20, 16], "edges": edges, "realizations": 1 }),
    );
    v
}

#[test]
fn the_monte_carlo_on_one_film_is_the_master_equation_within_its_errors() {
    for (units, edges) in [
        ("probability_per_frame", "periodic"),
        ("probability_per_frame", "reflecting"),
        ("rate_per_ns", "periodic"),
        ("rate_per_ns", "reflecting"),
    ] {
        let v = film(units, edges, 200_000);
        let me = exact(&v).curves;
        let mc = monte_carlo(&v);
        let mut largest = (0.0f64, String::new());
        let mut compared = 0;
        for t in 1..mc.frames() {
            if mc.occupancy_walkers[t] < 1000.0 {
                continue;
            }
            compared += 1;
            let pairs = [
                (
                    "intensity",
                    Some(mc.intensity[t]),
                    mc.intensity_stderr[t],
                    Some(me.intensity[t]),
                ),
                (
                    "MSD x",
                    mc.msd_occupancy[t],
                    mc.msd_occupancy_stderr[t],
                    me.msd_occupancy[t],
                ),
                ("MSD y", mc.msd_y[t], mc.msd_y_stderr[t], me.msd_y[t]),
                ("MSD r2/2", mc.msd_r2[t], mc.msd_r2_stderr[t], me.msd_r2[t]),
                (
                    "mean energy",
                    mc.mean_energy_mev[t],
                    mc.mean_energy_stderr_mev[t],
                    me.mean_energy_mev[t],
                ),
            ];
            for (what, m, se, want) in pairs {
                let (m, se, want) = (m.unwrap(), se.unwrap(), want.unwrap());
                let z = (m - want) / se;
                if z.abs() > largest.0.abs() {
                    largest = (
                        z,
                        format!(
                            "{what} frame {t}: MC {m:.5} +- {se:.5}, master equation {want:.5}"
                        ),
                    );
                }
            }
        }
        println!(
            "{units}, {edges}: {compared} frames, largest |z| {:.2} ({})",
            largest.0, largest.1
        );
        assert!(compared > 50, "{units} {edges}: {compared} frames compared");
        assert!(largest.0.abs() <= 5.0, "{units} {edges}: {}", largest.1);
    }
}

#[test]
fn the_profile_msd_of_a_walled_film_is_the_monte_carlos() {
    // Reflecting walls: start and walk are not independent, and the camera's profile
    // MSD differs from the displacement MSD; both against the Monte Carlo.
    let mut v = film("probability_per_frame", "reflecting", 200_000);
    set(&mut v, "initial.sigma_sites", json!(6.0));
    set(&mut v, "landscape.size", json!([12, 12]));
    let me = exact(&v).curves;
    let mc = monte_carlo(&v);
    assert!(
        !me.msd_profile.is_empty(),
        "the master equation reports the profile MSD"
    );
    let mut largest = (0.0f64, 0);
    for t in 1..mc.frames() {
        let (Some(m), Some(se), Some(want)) = (
            mc.msd_profile[t],
            mc.msd_profile_stderr[t],
            me.msd_profile[t],
        ) else {
            continue;
        };
        let z = (m - want) / se;
        if z.abs() > largest.0.abs() {
            largest = (z, t);
        }
    }
    let t = largest.1;
    println!(
        "profile MSD frame {t}: MC {:.4} +- {:.4}, master equation {:.4} (displacement MSD {:.4}); largest |z| {:.2}",
        mc.msd_profile[t].unwrap(), mc.msd_profile_stderr[t].unwrap(), me.msd_profile[t].unwrap(),
        me.msd_occupancy[t].unwrap(), largest.0
    );
    assert!(largest.0.abs() <= 5.0);
}

#[test]
fn an_unbounded_landscape_is_refused_with_the_size_that_would_do() {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(20.0));
    set(&mut v, "landscape", json!({ "energy_sigma_meV": 5.0 }));
    let err = Engine::Exact
        .estimate(&scenario(&v), 0, &Progress::default())
        .unwrap_err()
        .to_string();
    println!("{err}");
    assert!(err.contains("test.json") && err.contains("landscape.size"));
    assert!(err.contains("periodic size of at least") && err.contains("--backend cpu"));
}

#[test]
fn without_decay_the_mean_energy_is_boltzmanns_over_the_exported_sites() {
    // A closed periodic film: detailed balance makes the stationary occupation
    // exp(-E_i / kB T) over its sites, whatever the start. Checked against the site
    // table `exciton-mc landscape` writes.
    let dir = crate::common::TempDir::created("boltzmann-export");
    let mut v = paper_json();
    set(&mut v, "frames", json!(8000));
    set(&mut v, "walkers", json!(1000));
    set(&mut v, "temperature_K", json!(100.0));
    set(&mut v, "lattice.geometry", json!("nn"));
    set(
        &mut v,
        "initial",
        json!({ "sigma_sites": 2.0, "populations": { "x": 1.0 } }),
    );
    // The film's deepest site holds the slowest mode: 0.99493 per frame (numpy on the
    // exported table), 2.4e-7 left after 3000 frames, 1e-18 after 8000.
    set(
        &mut v,
        "states",
        json!({ "x": { "radiative": 0.0, "fret": 0.2 } }),
    );
    set(
        &mut v,
        "landscape",
        json!({ "seed": 4, "energy_sigma_meV": 10.0, "size": [12, 10], "edges": "periodic", "realizations": 1 }),
    );
    let file = dir.join("film.json");
    std::fs::write(&file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let table = dir.join("sites.csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_exciton-mc"))
        .args([
            "landscape",
            file.to_str().unwrap(),
            "--out",
            table.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&table).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (e, void) = (col("energy_meV"), col("void"));
    let kt = KB_MEV_PER_K * 100.0;
    let (mut z, mut ez, mut sites) = (0.0, 0.0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[void], "false", "no voids asked for");
        let energy: f64 = f[e].parse().unwrap();
        let w = (-energy / kt).exp();
        z += w;
        ez += energy * w;
        sites += 1;
    }
    assert_eq!(sites, 120);
    let want = ez / z;
    let c = exact(&v).curves;
    let got = c.mean_energy_mev[c.frames() - 1].unwrap();
    println!("mean energy after {} frames {got:.9} meV, Boltzmann over the {sites} exported sites {want:.9} meV", c.frames());
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
}

#[test]
fn below_the_percolation_threshold_the_master_equations_msd_saturates() {
    // Nearest-neighbour hops: occupied fraction 0.5 < 0.5927 leaves finite clusters,
    // 0.8 a spanning one. 16 films of 64 x 64 (periodic: a cluster that wraps would
    // grow without bound, and at 0.5 none does on the films averaged).
    let ratio = |voids: f64| {
        let mut v = paper_json();
        set(&mut v, "lattice.geometry", json!("nn"));
        set(&mut v, "frames", json!(4000));
        set(&mut v, "walkers", json!(16_000));
        set(
            &mut v,
            "initial",
            json!({ "sigma_sites": 8.0, "populations": { "x": 1.0 } }),
        );
        set(
            &mut v,
            "states",
            json!({ "x": { "radiative": 0.0001, "fret": 0.2 } }),
        );
        set(
            &mut v,
            "landscape",
            json!({ "seed": 5, "void_fraction": voids, "size": [64, 64], "edges": "periodic" }),
        );
        let c = exact(&v).curves;
        let (half, end) = (c.frames() / 2, c.frames() - 1);
        let (a, b) = (c.msd_r2[half].unwrap(), c.msd_r2[end].unwrap());
        let alpha = c.alpha[end - 1].unwrap();
        println!("void fraction {voids}: <r^2>/2 {a:.3} sites^2 at frame {half}, {b:.3} at {end} (x{:.3}), alpha {alpha:.3}", b / a);
        (b / a, alpha)
    };
    // Exact, so no noise: at 0.5 the finite clusters fill slowly (their largest are tens
    // of sites across) but the last doubling of time adds 15 % and alpha keeps falling.
    let (below, alpha_below) = ratio(0.5);
    let (above, alpha_above) = ratio(0.2);
    assert!(
        below < 1.2 && alpha_below < 0.25,
        "void 0.5: MSD still grew x{below:.3}, alpha {alpha_below:.3}"
    );
    assert!(
        above > 1.8 && alpha_above > 0.9,
        "void 0.2: MSD grew only x{above:.3} (linear: x2), alpha {alpha_above:.3}"
    );
}
