//! The paper's own mechanisms (MODEL.md section 13) against their closed forms on the
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
