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
        let mut largest = (0.0f64, String::new());
        for f in 1..mc.frames() {
            let pairs = [
                (
                    "intensity",
                    Some(mc.intensity[f]),
                    mc.intensity_stderr[f],
                    Some(me.intensity[f]),
                ),
                (
                    "MSD x",
                    mc.msd_occupancy[f],
                    mc.msd_occupancy_stderr[f],
                    me.msd_occupancy[f],
                ),
            ];
            for (what, m, se, want) in pairs {
                let (m, se, want) = (m.unwrap(), se.unwrap(), want.unwrap());
                let z = (m - want) / se;
                if z.abs() > largest.0.abs() {
                    largest = (
                        z,
                        format!(
                            "{what} frame {f}: MC {m:.6} +- {se:.6}, master equation {want:.6}"
                        ),
                    );
                }
            }
        }
        // Class by class, the trapped populations (binomial errors at the last frame).
        let last = mc.frames() - 1;
        for k in t.first..t.first + t.classes {
            let (m, want) = (mc.populations[k][last], me.populations[k][last]);
            let se = (want * (1.0 - want) / s.walkers as f64).sqrt();
            let z = (m - want) / se;
            println!("{units}: {} at the last frame: MC {m:.5} vs master equation {want:.5} (z = {z:.2})", s.states.names[k]);
            assert!(z.abs() < 5.0);
        }
        println!("{units}: largest |z| {:.2} ({})", largest.0, largest.1);
        assert!(largest.0.abs() <= 5.0, "{units}: {}", largest.1);
    }
}
