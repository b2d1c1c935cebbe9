//! The paper's own mechanisms (MODEL.md section 15) against their closed forms on the
//! exact backend: dissociation's detailed balance, trap depths' mean release time.

use crate::common::{paper_json, scenario, set};

use exciton_core::exact;
use exciton_core::model::WalkTables;
use exciton_core::temperature::{dissociation_factor, KB_MEV_PER_K};
use serde_json::{json, Value};

fn exact_curves(v: &Value) -> exciton_core::observables::Curves {
    let s = scenario(v);
    let t = WalkTables::new(&s);
    exact::curves(
        &t.effective_states(&s.states.names),
        &t.x_step_probabilities(),
        s.frames,
        s.walkers,
    )
}

/// An exciton that neither decays nor hops, and the electron-hole pair it dissociates
/// into: the populations relax to the Saha-like balance.
fn pair_scenario(temperature_k: f64) -> Value {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(temperature_k));
    set(&mut v, "frames", json!(3000));
    set(
        &mut v,
        "states",
        json!({
            "exciton": { "to": { "free": { "dissociation": { "binding_meV": 40, "degeneracy": 20 } } } },
            "free": { "to": { "exciton": 0.02 } }
        }),
    );
    set(&mut v, "initial.populations", json!({ "exciton": 1.0 }));
    v
}

#[test]
fn dissociation_relaxes_to_the_saha_balance() {
    for t in [80.0, 200.0, 300.0] {
        let v = pair_scenario(t);
        let s = scenario(&v);
        let f = 20.0 * (t / 300.0_f64).powf(1.5) * (-40.0 / (KB_MEV_PER_K * t)).exp();
        let ratio = s.states.to[0][1] / s.states.to[1][0];
        println!("T = {t} K: k_diss / k_bind {ratio:.12e} vs g (T/T0)^1.5 e^(-Eb/kT) = {f:.12e}");
        assert!((ratio - f).abs() < 1e-12 * f, "at {t} K");
        assert!((dissociation_factor(40.0, t, 20.0, 300.0) - f).abs() < 1e-15 * f);
        // The walk (and the exact backend) use the probabilities quantised to 2^-32:
        // the balance they reach is that of the quantised pair.
        let eff = WalkTables::new(&s).effective_states(&s.states.names);
        let q = eff.to[0][1] / eff.to[1][0];
        let c = exact_curves(&v);
        let last = c.populations[1].len() - 1;
        let free = c.populations[1][last] / (c.populations[0][last] + c.populations[1][last]);
        let expected = q / (1.0 + q);
        println!(
            "  free fraction {free:.12} vs detailed balance {expected:.12} (unquantised {:.12})",
            f / (1.0 + f)
        );
        assert!((free - expected).abs() < 1e-9, "at {t} K");
        assert!((free - f / (1.0 + f)).abs() < 1e-6 * f, "at {t} K");
    }
}

#[test]
fn dissociation_takes_the_samples_binding_energy() {
    // Smaller NCs bind more strongly: fewer pairs at the same temperature.
    let free_at_300 = |sample: &str| {
        let mut v = pair_scenario(300.0);
        set(&mut v, "sample", json!(sample));
        crate::common::remove(&mut v, "lattice.pitch_nm");
        set(
            &mut v,
            "states.exciton.to.free",
            json!({ "dissociation": { "degeneracy": 20 } }),
        );
        let s = scenario(&v);
        s.states.to[0][1]
    };
    let (small, mid, large) = (
        free_at_300("5nm_SL"),
        free_at_300("8nm_SL"),
        free_at_300("14nm_film"),
    );
    println!("k(exciton -> free) at 300 K: 5 nm {small:.3e}, 8 nm {mid:.3e}, 14 nm {large:.3e}");
    assert!(small < mid && mid < large);
}

/// Every exciton falls into a trap in its first frame and is released into a state
/// where nothing happens: the trapped populations summed over frames are the mean
/// time in the trap.
fn release_scenario(depth: Value, temperature_k: f64) -> Value {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(temperature_k));
    set(&mut v, "frames", json!(4000));
    set(
        &mut v,
        "states",
        json!({
            "free": { "to": { "trapped": 1.0 } },
            "trapped": { "release": { "to": "out", "attempt": 0.1, "depth": depth, "classes": 6 } },
            "out": {}
        }),
    );
    set(&mut v, "initial.populations", json!({ "free": 1.0 }));
    v
}

#[test]
fn trap_depths_keep_the_mean_release_time() {
    let kt = |t: f64| KB_MEV_PER_K * t;
    let cases = [
        (
            json!({ "exponential": { "mean_meV": 5 } }),
            100.0,
            1.0 / (1.0 - 5.0 / kt(100.0)),
        ),
        (
            json!({ "exponential": { "mean_meV": 5 } }),
            300.0,
            1.0 / (1.0 - 5.0 / kt(300.0)),
        ),
        (
            json!({ "gaussian": { "mean_meV": 10, "sigma_meV": 4 } }),
            150.0,
            (10.0 / kt(150.0) + 0.5 * (4.0 / kt(150.0)).powi(2)).exp(),
        ),
    ];
    for (depth, t, mean_factor) in cases {
        let v = release_scenario(depth.clone(), t);
        let s = scenario(&v);
        assert_eq!(
            s.states.names,
            [
                "free",
                "trapped_1",
                "trapped_2",
                "trapped_3",
                "trapped_4",
                "trapped_5",
                "trapped_6",
                "out"
            ]
        );
        let classes = s.states.traps.as_ref().unwrap();
        assert_eq!(
            (classes.first, classes.classes, classes.per_site),
            (1, 6, false)
        );
        // The classes as the scenario gives them: the integral over the depths.
        let integral = mean_factor / 0.1;
        let r: Vec<f64> = (1..=6).map(|k| s.states.to[k][7]).collect();
        let mean: f64 = r.iter().map(|r| 1.0 / (6.0 * r)).sum();
        println!("{depth} at {t} K: class releases {r:?}; mean time {mean:.12} frames vs the integral {integral:.12}");
        assert!((mean - integral).abs() < 1e-9 * integral);
        // The exact backend on the quantised probabilities the walk uses.
        let eff = WalkTables::new(&s).effective_states(&s.states.names);
        let w: Vec<f64> = (1..=6).map(|k| eff.to[0][k]).collect();
        let total_w: f64 = w.iter().sum();
        let want: f64 = (1..=6).map(|k| w[k - 1] / total_w / eff.to[k][7]).sum();
        let c = exact_curves(&v);
        let got: f64 = (1..=6).map(|k| c.populations[k].iter().sum::<f64>()).sum();
        println!("  exact backend: {got:.12} frames in a trap vs {want:.12} (quantised classes)");
        assert!((got - want).abs() < 1e-9 * want);
        assert!((got - integral).abs() < 1e-6 * integral);
    }
}
