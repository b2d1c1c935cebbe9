//! The paper's own mechanisms (MODEL.md section 15) in the Monte Carlo: trap depths per
//! visit against the exact backend, per site against the master equation on the same
//! film. Each test prints what it compared.

use crate::common::{paper_json, scenario, set};
use exciton::engine::Engine;
use exciton_core::model::WalkTables;
use exciton_core::observables::Curves;
use exciton_core::progress::Progress;
use serde_json::{json, Value};

fn run(engine: &Engine, v: &Value) -> Curves {
    engine
        .estimate(&scenario(v), 0, &Progress::default())
        .expect("the run succeeds")
        .curves
}

/// The Monte Carlo's intensity and MSD against a noise-free reference, frame by frame
/// where at least `MIN_RELIABLE` effective walkers carry the estimators (below, their
/// errors are not Gaussian): (frames compared, the largest z and what it compared).
fn largest_z(mc: &Curves, reference: &Curves) -> (usize, f64, String) {
    let (mut compared, mut largest) = (0, (0.0f64, String::new()));
    for f in 1..mc.frames() {
        if mc.occupancy_walkers[f] < exciton_core::observables::MIN_RELIABLE {
            continue;
        }
        compared += 1;
        let pairs = [
            (
                "intensity",
                Some(mc.intensity[f]),
                mc.intensity_stderr[f],
                Some(reference.intensity[f]),
            ),
            (
                "MSD x",
                mc.msd_occupancy[f],
                mc.msd_occupancy_stderr[f],
                reference.msd_occupancy[f],
            ),
        ];
        for (what, m, se, want) in pairs {
            let (m, se, want) = (m.unwrap(), se.unwrap(), want.unwrap());
            let z = (m - want) / se;
            if z.abs() > largest.0.abs() {
                largest = (
                    z,
                    format!("{what} frame {f}: MC {m:.6} +- {se:.6}, reference {want:.6}"),
                );
            }
        }
    }
    (compared, largest.0, largest.1)
}

/// Trapped in the first frame, released into a state where nothing happens.
fn released(walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(120.0));
    set(&mut v, "frames", json!(3000));
    set(&mut v, "walkers", json!(walkers));
    set(
        &mut v,
        "states",
        json!({
            "free": { "to": { "trapped": 1.0 } },
            "trapped": { "release": { "to": "out", "attempt": 0.1,
                         "depth": { "exponential": { "mean_meV": 6 } }, "classes": 5 } },
            "out": {}
        }),
    );
    set(&mut v, "initial.populations", json!({ "free": 1.0 }));
    v
}

#[test]
fn the_monte_carlos_time_in_a_trap_is_the_integral_over_the_depths() {
    let v = released(200_000);
    let s = scenario(&v);
    let eff = WalkTables::new(&s).effective_states(&s.states.names);
    let classes = 1..=5;
    let w: Vec<f64> = classes.clone().map(|k| eff.to[0][k]).collect();
    let total: f64 = w.iter().sum();
    // Each walker's frames in its class are geometric: mean 1/r, second moment (2-r)/r^2.
    let (mut mean, mut second) = (0.0, 0.0);
    for (k, wk) in classes.clone().zip(&w) {
        let r = eff.to[k][6];
        mean += wk / total / r;
        second += wk / total * (2.0 - r) / (r * r);
    }
    let se = ((second - mean * mean) / s.walkers as f64).sqrt();
    let c = run(&Engine::cpu(2), &v);
    let got: f64 = classes.map(|k| c.populations[k].iter().sum::<f64>()).sum();
    let z = (got - mean) / se;
    println!("frames in a trap: Monte Carlo {got:.4} vs exact {mean:.4} +- {se:.4} (z = {z:.2})");
    assert!(z.abs() < 5.0);
    let kt = exciton_core::temperature::KB_MEV_PER_K * 120.0;
    let integral = 1.0 / (0.1 * (1.0 - 6.0 / kt));
    assert!(
        (mean - integral).abs() < 1e-6 * integral,
        "{mean} vs the integral {integral}"
    );
}

/// A film whose mobile excitons fall into traps of a Gaussian spread of depths and are
/// released into the mobile state; traps emit weakly.
pub(crate) fn trapping_film(units: &str, walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "units", json!(units));
    set(&mut v, "frames", json!(120));
    set(&mut v, "walkers", json!(walkers));
    set(&mut v, "temperature_K", json!(100.0));
    set(&mut v, "initial.sigma_sites", json!(3.0));
    let states = if units == "rate_per_ns" {
        json!({
            "free": { "radiative": 1.2, "fret": 6.0, "to": { "trapped": 2.0 } },
            "trapped": { "radiative": 0.2, "release": { "to": "free", "attempt": 40.0,
                         "depth": { "gaussian": { "mean_meV": 20, "sigma_meV": 8 } }, "classes": 4 } }
        })
    } else {
        json!({
            "free": { "radiative": 0.03, "fret": 0.09, "to": { "trapped": 0.05 } },
            "trapped": { "radiative": 0.005, "release": { "to": "free", "attempt": 0.9,
                         "depth": { "gaussian": { "mean_meV": 20, "sigma_meV": 8 } }, "classes": 4 } }
        })
    };
    set(&mut v, "states", states);
    set(&mut v, "initial.populations", json!({ "free": 1.0 }));
    set(
        &mut v,
        "landscape",
        json!({ "seed": 5, "energy_sigma_meV": 8.0, "void_fraction": 0.1,
                "size": [18, 14], "edges": "reflecting", "realizations": 1 }),
    );
    v
}

#[test]
fn per_site_trap_depths_walk_the_master_equations_film() {
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = trapping_film(units, 200_000);
        let s = scenario(&v);
        let t = s.states.traps.as_ref().unwrap();
        assert!(t.per_site, "a landscape makes the class the site's");
        let me = Engine::Exact
            .estimate(&s, 0, &Progress::default())
            .expect("the master equation runs")
            .curves;
        let mc = run(&Engine::cpu(2), &v);
        let (compared, largest, what) = largest_z(&mc, &me);
        // Class by class, the trapped populations (binomial errors at the last frame).
        let last = mc.frames() - 1;
        for k in t.first..t.first + t.classes {
            let (m, want) = (mc.populations[k][last], me.populations[k][last]);
            let se = (want * (1.0 - want) / s.walkers as f64).sqrt();
            let z = (m - want) / se;
            println!("{units}: {} at the last frame: MC {m:.5} vs master equation {want:.5} (z = {z:.2})", s.states.names[k]);
            assert!(z.abs() < 5.0);
        }
        println!("{units}: {compared} frames, largest |z| {largest:.2} ({what})");
        assert!(compared > 50, "{units}: {compared} frames compared");
        assert!(largest.abs() <= 5.0, "{units}: {what}");
    }
}

/// Bright and dark excitons, the dark one long-lived (~13 and ~80 ns) and slowly
/// hopping, under a train of `pulses` pulses every 100 frames (2.5 ns). (Where a
/// non-hopping dark state holds the weight and a few surviving bright walkers the MSD,
/// as in the paper's model at 9 K, the jackknife's error of the occupancy MSD is itself
/// unreliable; that regime is not this test's.)
fn pulsed(units: &str, pulses: u32, walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "units", json!(units));
    set(&mut v, "frames", json!(100 * pulses + 20));
    set(&mut v, "walkers", json!(walkers));
    let states = if units == "rate_per_ns" {
        json!({
            "bright": { "radiative": 1.2, "fret": 3.6, "to": { "dark": 6.0 } },
            "dark": { "radiative": 0.012, "fret": 0.4, "to": { "bright": 0.3 } }
        })
    } else {
        json!({
            "bright": { "radiative": 0.03, "fret": 0.09, "to": { "dark": 0.15 } },
            "dark": { "radiative": 0.002, "fret": 0.01, "to": { "bright": 0.008 } }
        })
    };
    set(&mut v, "states", states);
    set(
        &mut v,
        "excitation",
        json!({ "repetition_ns": 2.5, "pulses": pulses }),
    );
    v
}

#[test]
fn a_pulse_trains_exact_curves_are_the_delayed_single_pulse_sums() {
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = pulsed(units, 4, 100_000);
        let mut one = v.clone();
        crate::common::remove(&mut one, "excitation");
        let train = Engine::Exact
            .estimate(&scenario(&v), 0, &Progress::default())
            .unwrap();
        let single = Engine::Exact
            .estimate(&scenario(&one), 0, &Progress::default())
            .unwrap();
        let (t, s) = (&train.curves, &single.curves);
        assert_eq!(t.frames(), 100, "one period of frames");
        let sum = |f: usize, x: &dyn Fn(usize) -> f64| (0..4).map(|k| x(f + 100 * k)).sum::<f64>();
        let mut worst = 0.0f64;
        for f in 0..100 {
            let i = sum(f, &|g| s.intensity[g]);
            worst = worst.max((t.intensity[f] - i).abs() / i);
            for st in 0..2 {
                let p = sum(f, &|g| s.populations[st][g]);
                worst = worst.max((t.populations[st][f] - p).abs() / p);
            }
        }
        // The MSD: the photons' summed dx^2 over the summed photons, less frame 0's
        // (earlier pulses' excitons are spread at frame 0).
        // The single pulse's MSD is sigma^2 less its own frame 0's, a constant that
        // cancels in the train's difference.
        let sigma2 = |f: usize| {
            sum(f, &|g| s.msd[g].unwrap() * s.intensity[g]) / sum(f, &|g| s.intensity[g])
        };
        let mut worst_msd = 0.0f64;
        for f in 0..100 {
            let want = sigma2(f) - sigma2(0);
            let got = t.msd[f].unwrap();
            worst_msd = worst_msd.max((got - want).abs() / want.abs().max(1.0));
        }
        println!("{units}: train against the delayed sums: worst relative difference {worst:.1e} (intensity, populations), {worst_msd:.1e} (MSD)");
        assert!(worst < 1e-9 && worst_msd < 1e-9);
        assert!(t.msd[0] == Some(0.0) && t.intensity[99] > s.intensity[99]);
        assert!(
            train
                .summary
                .warnings
                .iter()
                .any(|w| w.contains("pulse train")),
            "{:?}",
            train.summary.warnings
        );
    }
}

#[test]
fn a_pulse_trains_monte_carlo_is_its_exact_curves_within_errors() {
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = pulsed(units, 3, 200_000);
        let s = scenario(&v);
        let ex = Engine::Exact
            .estimate(&s, 0, &Progress::default())
            .unwrap()
            .curves;
        let mc = run(&Engine::cpu(2), &v);
        assert_eq!(mc.frames(), 100);
        let (compared, largest, what) = largest_z(&mc, &ex);
        println!("{units}: {compared} frames, largest |z| {largest:.2} ({what})");
        assert!(compared > 50, "{units}: {compared} frames compared");
        assert!(largest.abs() <= 5.0, "{units}: {what}");
    }
}

/// A small film whose edges absorb: an exciton hopping off it is lost.
pub(crate) fn absorbing_film(units: &str, walkers: u64) -> Value {
    let mut v = trapping_film(units, walkers);
    let states = if units == "rate_per_ns" {
        json!({ "free": { "radiative": 0.4, "fret": 4.0 } })
    } else {
        json!({ "free": { "radiative": 0.01, "fret": 0.1 } })
    };
    set(&mut v, "states", states);
    set(&mut v, "landscape.size", json!([12, 9]));
    set(&mut v, "landscape.edges", json!("absorbing"));
    v
}

#[test]
fn an_absorbing_film_loses_what_leaves_it_as_the_master_equation_says() {
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = absorbing_film(units, 200_000);
        let s = scenario(&v);
        let me = Engine::Exact
            .estimate(&s, 0, &Progress::default())
            .unwrap()
            .curves;
        let mc = run(&Engine::cpu(2), &v);
        let last = mc.frames() - 1;
        // Alive at the end: binomial errors.
        let (m, want) = (mc.populations[0][last], me.populations[0][last]);
        let z_alive = (m - want) / (want * (1.0 - want) / s.walkers as f64).sqrt();
        let mut walled = v.clone();
        set(&mut walled, "landscape.edges", json!("reflecting"));
        let kept = Engine::Exact
            .estimate(&scenario(&walled), 0, &Progress::default())
            .unwrap()
            .curves
            .populations[0][last];
        println!("{units}: alive after {last} frames: MC {m:.5} vs master equation {want:.5} (z = {z_alive:.2}); reflecting edges keep {kept:.5}");
        assert!(z_alive.abs() < 5.0);
        assert!(
            want < 0.5 * kept,
            "the edges must take a good share: {want} vs {kept}"
        );
        let (compared, largest, what) = largest_z(&mc, &me);
        println!("{units}: {compared} frames, largest |z| {largest:.2} ({what})");
        assert!(compared > 50, "{units}: {compared} frames compared");
        assert!(largest.abs() <= 5.0, "{units}: {what}");
    }
}

/// Bright and dark excitons on a film of NCs with a size spread: the dark level below
/// the bright by 14 meV at the mean size, by 14 s_mean / s at each site's size class
/// (5 classes), at 50 K; the dark exciton hops slowly.
pub(crate) fn sized_film(units: &str, walkers: u64) -> Value {
    let mut v = trapping_film(units, walkers);
    set(&mut v, "temperature_K", json!(50.0));
    let states = if units == "rate_per_ns" {
        json!({
            "bright": { "radiative": 0.8, "fret": 4.0, "to": { "dark": 2.0 } },
            "dark": { "fret": 0.8, "to": { "bright": { "detailed_balance": { "splitting_meV": 14.0 } } } }
        })
    } else {
        json!({
            "bright": { "radiative": 0.02, "fret": 0.1, "to": { "dark": 0.05 } },
            "dark": { "fret": 0.02, "to": { "bright": { "detailed_balance": { "splitting_meV": 14.0 } } } }
        })
    };
    set(&mut v, "states", states);
    set(&mut v, "initial.populations", json!({ "bright": 1.0 }));
    set(&mut v, "landscape.size_spread", json!(0.08));
    set(&mut v, "landscape.size_classes", json!(5));
    v
}

#[test]
fn a_size_spread_walks_the_master_equations_film() {
    for units in ["probability_per_frame", "rate_per_ns"] {
        let v = sized_film(units, 200_000);
        let s = scenario(&v);
        let sizes = s
            .states
            .sizes
            .as_ref()
            .expect("a detailed_balance change per class");
        // The classes' returns to bright differ: exp(-14 meV x scale / kB T) spans a factor.
        let up: Vec<f64> = sizes.to.iter().map(|to| to[1][0]).collect();
        assert!(up[0] > 1.5 * up[4], "returns to bright per class: {up:?}");
        let me = Engine::Exact
            .estimate(&s, 0, &Progress::default())
            .expect("the master equation runs")
            .curves;
        let mc = run(&Engine::cpu(2), &v);
        let last = mc.frames() - 1;
        let (m, want) = (mc.populations[1][last], me.populations[1][last]);
        let z_dark = (m - want) / (want * (1.0 - want) / s.walkers as f64).sqrt();
        // The same film with every NC the mean size (and the same energies' spread).
        let mut alike = v.clone();
        set(&mut alike, "landscape.size_classes", json!(1));
        let flat = Engine::Exact
            .estimate(&scenario(&alike), 0, &Progress::default())
            .unwrap()
            .curves
            .populations[1][last];
        println!("{units}: dark at the last frame: MC {m:.5} vs master equation {want:.5} (z = {z_dark:.2}); one size class {flat:.5}; returns to bright per class {up:.4?}");
        assert!(z_dark.abs() < 5.0);
        let se = (want * (1.0 - want) / s.walkers as f64).sqrt();
        assert!(
            (flat - want).abs() > 5.0 * se,
            "the classes must matter here"
        );
        let (compared, largest, what) = largest_z(&mc, &me);
        println!("{units}: {compared} frames, largest |z| {largest:.2} ({what})");
        assert!(compared > 50, "{units}: {compared} frames compared");
        assert!(largest.abs() <= 5.0, "{units}: {what}");
    }
}

/// A walker that hops (0.9 per frame) and hardly decays (1e-4) on an unbounded lattice of
/// `geometry` whose sites are occupied with probability `occupied`.
fn percolation(geometry: &str, occupied: f64, walkers: u64) -> Value {
    let mut v = paper_json();
    set(&mut v, "lattice.geometry", json!(geometry));
    set(&mut v, "frames", json!(1200));
    set(&mut v, "walkers", json!(walkers));
    // A wide spot: the walkers start in many clusters, not the few at the centre.
    set(&mut v, "initial.sigma_sites", json!(30.0));
    set(
        &mut v,
        "states",
        json!({ "x": { "hop": 0.9, "radiative": 1e-4 } }),
    );
    set(&mut v, "initial.populations", json!({ "x": 1.0 }));
    set(
        &mut v,
        "landscape",
        json!({ "seed": 2, "void_fraction": 1.0 - occupied }),
    );
    v
}

#[test]
fn a_3d_film_percolates_where_a_2d_one_does_not() {
    // Nearest-neighbour site percolation: simple cubic 0.3116, square 0.5927. Below the
    // threshold every cluster is finite and the MSD saturates (from frame 600 to 1199 it
    // grows by less than 30 %, the last large clusters filling up; diffusion would double
    // it); above it grows. Occupied 0.4 is above in 3D and
    // below in 2D: the z the walk tracks is what connects the film.
    let msd = |v: &Value| {
        let c = run(&Engine::cpu(2), v);
        let at = |f: usize| {
            (
                c.msd_occupancy[f].unwrap(),
                c.msd_occupancy_stderr[f].unwrap(),
            )
        };
        (at(600), at(1199))
    };
    for (geometry, occupied, grows) in [
        ("cubic_nn", 0.25, false),
        ("cubic_nn", 0.4, true),
        ("nn", 0.4, false),
    ] {
        let ((m1, e1), (m2, e2)) = msd(&percolation(geometry, occupied, 50_000));
        let growth = m2 - m1;
        let z = growth / (e1 * e1 + e2 * e2).sqrt();
        println!("{geometry}, occupied {occupied}: MSD {m1:.2} +- {e1:.2} at frame 600, {m2:.2} +- {e2:.2} at 1199 (growth z = {z:.1})");
        if grows {
            assert!(m2 > 1.5 * m1 && z > 5.0, "{geometry} {occupied} must grow");
        } else {
            assert!(m2 < 1.3 * m1, "{geometry} {occupied} must saturate");
        }
    }
}

#[test]
fn a_film_of_layers_loses_through_absorbing_faces_as_a_walk_along_z_says() {
    // 4 layers, absorbing faces, unbounded in the plane and without disorder: only the
    // steps along z matter, q each way per frame: hop x 1/6 with cubic_nn, and with
    // cubic's 18 neighbours hop x (1 + 4/8) / 7.5 (the z neighbour and the four face
    // diagonals (+-1, 0, +-1), (0, +-1, +-1) that the walk carves out of the in-plane
    // shares). The survival is that of a 1D walk on 4 sites from a uniform start, lost
    // past either end: a chain the test solves itself.
    for (geometry, q) in [("cubic_nn", 0.6 / 6.0), ("cubic", 0.6 * 1.5 / 7.5)] {
        let mut v = paper_json();
        set(&mut v, "lattice.geometry", json!(geometry));
        set(&mut v, "frames", json!(150));
        set(&mut v, "walkers", json!(200_000));
        set(
            &mut v,
            "states",
            json!({ "x": { "hop": 0.6, "radiative": 1e-4 } }),
        );
        set(&mut v, "initial.populations", json!({ "x": 1.0 }));
        set(
            &mut v,
            "landscape",
            json!({ "seed": 4, "layers": 4, "edges": "absorbing" }),
        );
        let s = scenario(&v);
        let mc = run(&Engine::cpu(2), &v);
        let mut p = vec![0.25; 4];
        let mut worst = (0.0f64, String::new());
        for f in 0..mc.frames() {
            let alive = p.iter().sum::<f64>() * (1.0 - 1e-4f64).powi(f as i32);
            let m = mc.populations[0][f];
            let se = (alive * (1.0 - alive) / s.walkers as f64).sqrt().max(1e-12);
            let z = (m - alive) / se;
            if z.abs() > worst.0.abs() {
                worst = (z, format!("frame {f}: MC {m:.5} vs the chain {alive:.5}"));
            }
            p = (0..4)
                .map(|i| {
                    let left = if i > 0 { p[i - 1] } else { 0.0 };
                    let right = if i < 3 { p[i + 1] } else { 0.0 };
                    p[i] * (1.0 - 2.0 * q) + q * (left + right)
                })
                .collect();
        }
        let last = mc.frames() - 1;
        let alive = mc.populations[0][last];
        println!(
            "{geometry}: alive at frame {last}: {alive:.5}; largest |z| {:.2} ({})",
            worst.0, worst.1
        );
        assert!(alive < 0.1, "the faces must take most");
        assert!(worst.0.abs() < 5.0, "{geometry}: {}", worst.1);
        // The master equation solves 2D films: a 3D one is refused, naming the way out.
        let err = Engine::Exact
            .estimate(&s, 0, &Progress::default())
            .map(|_| ())
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("lattice.geometry") && err.contains("--backend cpu or gpu"),
            "{err}"
        );
    }
}
