//! Every bad input gives an error naming file, JSON path and reason, never a panic.

use crate::common::{paper_json, remove, set};
use exciton_core::scenario::{Scenario, Units};
use serde_json::{json, Value};
use std::path::Path;

fn expect_error(v: &Value, path: &str, reason: &str) {
    let err = Scenario::from_value(v, Path::new("bad.json")).expect_err("scenario must be refused");
    let shown = err.to_string();
    println!("{shown}");
    assert_eq!(err.file, Path::new("bad.json"), "{shown}");
    assert_eq!(err.path, path, "wrong JSON path in: {shown}");
    assert!(
        err.reason.contains(reason),
        "reason should contain {reason:?}: {shown}"
    );
    assert!(shown.starts_with("bad.json: "), "{shown}");
}

fn with(path: &str, value: Value) -> Value {
    let mut v = paper_json();
    set(&mut v, path, value);
    v
}

#[test]
fn the_issue_example_loads() {
    let s = Scenario::from_value(&paper_json(), Path::new("ok.json")).unwrap();
    assert_eq!(s.states.names, ["bright", "dark", "trapped"]);
    assert_eq!(s.units, Units::ProbabilityPerFrame);
    assert!((s.states.hop[0] - 0.405).abs() < 1e-15, "hop = 4.5 x 0.09");
    assert_eq!(s.states.to[0][1], 0.15);
    assert_eq!(s.max_dx_sites, 300);
}

#[test]
fn unknown_state_in_to() {
    expect_error(
        &with("states.bright.to.grey", json!(0.1)),
        "states.bright.to.grey",
        "unknown state `grey`",
    );
}

#[test]
fn populations_not_summing_to_one() {
    expect_error(
        &with("initial.populations.dark", json!(0.4)),
        "initial.populations",
        "sum to 0.9",
    );
}

#[test]
fn unknown_state_in_populations() {
    expect_error(
        &with("initial.populations.grey", json!(0.0)),
        "initial.populations.grey",
        "unknown state",
    );
}

#[test]
fn outgoing_probabilities_above_one_name_the_parts() {
    expect_error(
        &with("states.bright.to.dark", json!(0.9)),
        "states.bright",
        "sum to 1.335, above 1 (radiative 0.03 + nonradiative 0 + hop 0.405 + to.dark 0.9)",
    );
}

#[test]
fn negative_and_non_finite_numbers() {
    expect_error(
        &with("states.dark.radiative", json!(-0.1)),
        "states.dark.radiative",
        "negative",
    );
    expect_error(
        &with("states.bright.fret", json!(-1)),
        "states.bright.fret",
        "negative",
    );
    expect_error(&with("dt_ps", json!(0.0)), "dt_ps", "greater than 0");
    expect_error(
        &with("lattice.pitch_nm", json!(-7)),
        "lattice.pitch_nm",
        "negative",
    );
    expect_error(
        &with("initial.sigma_sites", json!(-1)),
        "initial.sigma_sites",
        "negative",
    );
    // JSON has no NaN or infinity: serde_json turns them into null, which is refused.
    expect_error(
        &with("dt_ps", json!(f64::NAN)),
        "dt_ps",
        "invalid type: null",
    );
    expect_error(
        &with("states.bright.fret", json!(f64::INFINITY)),
        "states.bright.fret",
        "expected a number or a temperature model, found null",
    );
}

#[test]
fn zero_frames_and_walkers() {
    expect_error(&with("frames", json!(0)), "frames", "at least 1");
    expect_error(&with("walkers", json!(0)), "walkers", "at least 1");
    expect_error(&with("frames", json!(2.5)), "frames", "whole number");
    expect_error(&with("walkers", json!(-3)), "walkers", "whole number");
}

#[test]
fn counts_accept_scientific_notation() {
    let s = Scenario::from_value(&with("walkers", json!(1e6)), Path::new("ok.json")).unwrap();
    assert_eq!(s.walkers, 1_000_000);
}

#[test]
fn fret_and_hop_together() {
    expect_error(
        &with("states.bright.hop", json!(0.1)),
        "states.bright",
        "not both",
    );
}

#[test]
fn unknown_fields_are_rejected() {
    expect_error(
        &with("states.bright.radiatve", json!(0.1)),
        "states.bright.radiatve",
        "unknown field `radiatve`",
    );
    expect_error(
        &with("lattice.geometry", json!("hexagonal")),
        "lattice.geometry",
        "unknown variant `hexagonal`",
    );
    expect_error(
        &with("units", json!("per_second")),
        "units",
        "unknown variant",
    );
    expect_error(
        &with("colour", json!("red")),
        "colour",
        "unknown field `colour`",
    );
}

#[test]
fn missing_fields_are_named() {
    let mut v = paper_json();
    remove(&mut v, "dt_ps");
    expect_error(&v, "", "missing field `dt_ps`");
    let mut v = paper_json();
    remove(&mut v, "lattice.pitch_nm");
    expect_error(
        &v,
        "lattice.pitch_nm",
        "missing: give the NC centre-to-centre distance",
    );
}

#[test]
fn too_many_states() {
    let mut v = paper_json();
    for i in 0..20 {
        set(
            &mut v,
            &format!("states.extra{i}"),
            json!({ "radiative": 0.1 }),
        );
    }
    expect_error(&v, "states", "at most 16");
}

#[test]
fn wrong_types() {
    expect_error(
        &with("states.bright.radiative", json!("fast")),
        "states.bright.radiative",
        "expected a number or a temperature model, found \"fast\"",
    );
    expect_error(&with("states", json!([1, 2])), "states", "invalid type");
}

#[test]
fn zero_histogram_width() {
    expect_error(
        &with("histogram.max_dx_sites", json!(0)),
        "histogram.max_dx_sites",
        "at least 1",
    );
}

#[test]
fn files_that_cannot_be_read_or_parsed() {
    let dir = std::env::temp_dir().join(format!("exciton-mc-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.json");
    let err = Scenario::load(&missing).unwrap_err();
    println!("{err}");
    assert!(
        err.to_string()
            .contains("missing.json: cannot read the file"),
        "{err}"
    );

    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\n  \"name\": \"x\",\n  \"frames\": 300,,\n}").unwrap();
    let err = Scenario::load(&broken).unwrap_err();
    println!("{err}");
    assert!(
        err.to_string()
            .contains("broken.json: malformed JSON at line 3 column 17: key must be a string"),
        "{err}"
    );
    assert!(!err.to_string().ends_with("column 17"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rates_are_converted_by_competing_risks() {
    let mut v = paper_json();
    set(&mut v, "units", json!("rate_per_ns"));
    // bright: k_rad = 1.2, hop = 4.5 x 3.6 = 16.2, to dark 6 (ns^-1); K = 23.4.
    set(
        &mut v,
        "states.bright",
        json!({ "radiative": 1.2, "fret": 3.6, "to": { "dark": 6.0 } }),
    );
    let s = Scenario::from_value(&v, Path::new("rates.json")).unwrap();
    let k = 1.2 + 16.2 + 6.0;
    let f = (1.0 - (-k * 0.025f64).exp()) / k;
    assert!((s.states.radiative[0] - 1.2 * f).abs() < 1e-15);
    assert!((s.states.hop[0] - 16.2 * f).abs() < 1e-15);
    assert!((s.states.to[0][1] - 6.0 * f).abs() < 1e-15);
    // Any rates are allowed: the probabilities then sum below 1.
    set(&mut v, "states.bright.to.dark", json!(1e6));
    let s = Scenario::from_value(&v, Path::new("rates.json")).unwrap();
    let sum = s.states.radiative[0] + s.states.hop[0] + s.states.to[0][1];
    assert!(sum <= 1.0, "sum {sum}");
}

#[test]
fn frames_beyond_the_kernels_range_are_refused() {
    expect_error(
        &with("frames", json!(46_342)),
        "frames",
        "above the limit of 46341",
    );
}

#[test]
fn histograms_too_large_for_memory() {
    let mut v = with("frames", json!(40_000));
    set(&mut v, "initial.sigma_sites", json!(5000.0));
    set(&mut v, "record_profiles", json!(true));
    expect_error(
        &v,
        "frames",
        "reduce frames, histogram.max_dx_sites, initial.sigma_sites",
    );
    // Without the diffusion map's rows over the spot, frames and max_dx alone decide.
    let mut v = with("frames", json!(46_000));
    set(&mut v, "histogram.max_dx_sites", json!(46_000));
    expect_error(&v, "frames", "reduce frames, histogram.max_dx_sites");
}
