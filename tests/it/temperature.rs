//! Temperature models, samples, Boltzmann occupation and detailed balance.

use crate::common::{paper_json, remove, scenario, set};
use exciton::engine::Engine;
use exciton_core::progress::Progress;
use exciton_core::scenario::Scenario;
use exciton_core::sweep::Plan;
use exciton_core::temperature::{bright_fraction, KB_MEV_PER_K};
use serde_json::json;
use std::path::Path;

#[test]
fn boltzmann_bright_occupation() {
    assert!(
        bright_fraction(15.0, 9.0, 3.0) < 1e-6,
        "{}",
        bright_fraction(15.0, 9.0, 3.0)
    );
    for de in [3.0, 6.0, 15.0] {
        let p = bright_fraction(de, 300.0, 3.0);
        assert!(p > 0.5, "{de} meV at 300 K: {p}");
    }
}

#[test]
fn detailed_balance_holds_at_every_point_of_figure_4() {
    let plan =
        Plan::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/fig4-temperature.json"))
            .unwrap();
    assert_eq!(plan.points.len(), 36);
    for p in &plan.points {
        let s = &p.scenario;
        let (b, d) = (
            s.states.index("bright").unwrap(),
            s.states.index("dark").unwrap(),
        );
        let t = s.temperature_k.unwrap();
        let de = s.sample.as_ref().unwrap().splitting_mev;
        let ratio = s.states.to[d][b] / s.states.to[b][d];
        let want = 3.0 * (-de / (KB_MEV_PER_K * t)).exp();
        assert!(
            (ratio - want).abs() <= 1e-12 * want,
            "{:?}: ratio {ratio} vs {want}",
            p.parameters
        );
        // FRET table 0.09 -> 0.15 over 9 -> 300 K, times 4.5.
        let fret = 0.09 + (t - 9.0) / 291.0 * 0.06;
        assert!(
            (s.states.hop[b] - 4.5 * fret).abs() < 1e-12,
            "{:?}",
            p.parameters
        );
    }
}

#[test]
fn a_closed_bright_dark_pair_relaxes_to_the_boltzmann_fraction() {
    // No decay, only B <-> D with detailed balance: the exact populations must approach
    // p_B(T) whatever the start.
    for (sample, t) in [("5nm_SL", 60.0), ("8nm_SL", 30.0), ("14nm_film", 15.0)] {
        let mut v = paper_json();
        set(&mut v, "sample", json!(sample));
        remove(&mut v, "lattice.pitch_nm");
        set(&mut v, "temperature_K", json!(t));
        set(&mut v, "frames", json!(3000));
        set(
            &mut v,
            "states",
            json!({
                "bright": { "to": { "dark": 0.15 } },
                "dark": { "to": { "bright": { "detailed_balance": {} } } }
            }),
        );
        set(
            &mut v,
            "initial.populations",
            json!({ "bright": 0.5, "dark": 0.5 }),
        );
        let s = scenario(&v);
        let c = Engine::Exact.curves(&s, 0, &Progress::default()).unwrap();
        let pb = *c.populations[0].last().unwrap();
        let de = s.sample.as_ref().unwrap().splitting_mev;
        let want = bright_fraction(de, t, 3.0);
        assert!(
            (pb - want).abs() < 1e-6,
            "{sample} at {t} K: {pb} vs Boltzmann {want}"
        );
    }
}

#[test]
fn thermal_initial_split() {
    let mut v = paper_json();
    set(&mut v, "sample", json!("8nm_SL"));
    remove(&mut v, "lattice.pitch_nm");
    set(&mut v, "temperature_K", json!(50.0));
    set(&mut v, "initial.populations", json!("thermal"));
    let s = scenario(&v);
    let want = bright_fraction(6.0, 50.0, 3.0);
    assert!((s.states.initial[0] - want).abs() < 1e-15);
    assert!((s.states.initial[1] - (1.0 - want)).abs() < 1e-15);
}

#[test]
fn arrhenius_and_table_models() {
    let mut v = paper_json();
    set(&mut v, "temperature_K", json!(100.0));
    set(
        &mut v,
        "states.bright.to.dark",
        json!({ "arrhenius": { "prefactor": 0.3, "activation_meV": 5.0 } }),
    );
    set(
        &mut v,
        "states.bright.fret",
        json!({ "table": { "T_K": [0, 50, 150], "values": [0.0, 0.04, 0.08] } }),
    );
    let s = scenario(&v);
    let want = 0.3 * (-5.0 / (KB_MEV_PER_K * 100.0)).exp();
    assert!((s.states.to[0][1] - want).abs() < 1e-15);
    assert!((s.states.hop[0] - 4.5 * 0.06).abs() < 1e-15);
}

#[test]
fn sample_presets_and_overrides() {
    let mut v = paper_json();
    crate::common::remove(&mut v, "lattice.pitch_nm");
    set(
        &mut v,
        "sample",
        json!({ "preset": "14nm_film", "splitting_meV": 2.5 }),
    );
    let s = scenario(&v);
    assert_eq!(s.pitch_nm, 17.0);
    assert_eq!(s.sample.as_ref().unwrap().splitting_mev, 2.5);
}

fn refused(v: &serde_json::Value, path: &str, reason: &str) {
    let e = Scenario::from_value(v, Path::new("t.json")).unwrap_err();
    println!("{e}");
    assert_eq!(e.path, path, "{e}");
    assert!(e.reason.contains(reason), "{e}");
}

#[test]
fn temperature_errors() {
    let mut v = paper_json();
    set(
        &mut v,
        "states.bright.fret",
        json!({ "table": { "T_K": [9, 300], "values": [0.09, 0.15] } }),
    );
    refused(&v, "states.bright.fret", "set temperature_K");
    set(&mut v, "temperature_K", json!(50));
    set(
        &mut v,
        "states.bright.fret",
        json!({ "table": { "T_K": [300, 9], "values": [0.09, 0.15] } }),
    );
    refused(&v, "states.bright.fret", "increase strictly");
    set(&mut v, "states.bright.fret", json!({ "tabel": {} }));
    refused(&v, "states.bright.fret", "bad temperature model");
    set(&mut v, "states.bright.fret", json!(0.09));
    set(
        &mut v,
        "states.dark.to",
        json!({ "bright": { "detailed_balance": {} } }),
    );
    refused(
        &v,
        "states.dark.to.bright",
        "needs splitting_meV or a sample",
    );
    set(&mut v, "sample", json!("3nm_dots"));
    refused(&v, "sample", "unknown sample preset \"3nm_dots\"");
    set(&mut v, "sample", json!("5nm_SL"));
    set(
        &mut v,
        "states.bright.radiative",
        json!({ "detailed_balance": {} }),
    );
    refused(&v, "states.bright.radiative", "only for a state change");
    set(&mut v, "temperature_K", json!(-4));
    refused(&v, "temperature_K", "negative");
}
